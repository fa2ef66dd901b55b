description = r'''
W2k: W2 with the 1000 strings of column c made once, in a list, instead of
formatted per row (the same change as bench/lua/methods/w2_write_keys.lua).
W2: write a dataset with columns a:int64, b:float64, c:unicode.
rows_per_slice rows are written in each slice.
a is an LCG permutation of the global row number (distinct, unsorted, so
that W6 sorting is not a no-op), b = g * 0.5, c = 'k%d' % (i % 1000).
'''

options = dict(
	rows_per_slice=5000000,
)


def prepare(job):
	dw = job.datasetwriter()
	dw.add('a', 'int64')
	dw.add('b', 'float64')
	dw.add('c', 'unicode')
	return dw


def analysis(sliceno, prepare_res):
	write = prepare_res.write
	n = options.rows_per_slice
	base = sliceno * n
	keys = ['k%d' % (k,) for k in range(1000)]
	for i in range(n):
		g = base + i
		write((g * 1103515245 + 12345) & 0x7fffffff, g * 0.5, keys[i % 1000])
