description = '''W5 again, for the row that compares our native counts with the original's W5
(the original has no such path; this is W5's own code): count values of column c per slice.'''

from collections import Counter

datasets = ('source',)


def analysis(sliceno):
	return Counter(datasets.source.iterate(sliceno, 'c'))


def synthesis(analysis_res):
	total = analysis_res.merge_auto()
	print('%d distinct values, %d total' % (len(total), sum(total.values())))
	return total
