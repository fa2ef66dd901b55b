description = '''W3 again, for the row that compares our chunked iteration with the original's W3
(the original has no such path; this is W3's own code): iterate columns a and b per slice, sum them.'''

datasets = ('source',)


def analysis(sliceno):
	sa = 0
	sb = 0.0
	for a, b in datasets.source.iterate(sliceno, ('a', 'b')):
		sa += a
		sb += b
	return sa, sb


def synthesis(analysis_res):
	sa = 0
	sb = 0.0
	for a, b in analysis_res:
		sa += a
		sb += b
	print('sum a = %d, sum b = %r' % (sa, sb))
	return sa, sb
