description = r'''
W2nw: W2's loop without the writes: the same three values per row computed into locals, with no
call (the Python floor of W2).
'''

options = dict(
	rows_per_slice=5000000,
)


def analysis(sliceno):
	n = options.rows_per_slice
	base = sliceno * n
	for i in range(n):
		g = base + i
		a, b, c = (g * 1103515245 + 12345) & 0x7fffffff, g * 0.5, 'k%d' % (i % 1000)
