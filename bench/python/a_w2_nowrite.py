description = r'''
W2nw: W2's loop without the writes: the same three values per row handed to a function that
does nothing (the Python floor of W2).
'''

options = dict(
	rows_per_slice=5000000,
)


def prepare(job):
	dw = job.datasetwriter()
	dw.add('a', 'int64')
	return dw


def _sink(*a):
	pass


def analysis(sliceno, prepare_res):
	write = _sink
	n = options.rows_per_slice
	base = sliceno * n
	for i in range(n):
		g = base + i
		write((g * 1103515245 + 12345) & 0x7fffffff, g * 0.5, 'k%d' % (i % 1000))
