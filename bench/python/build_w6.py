# W6: dataset_sort on column a of the W2 dataset (default: sort within slice).
import os


def force():
	return os.environ.get('BENCH_FORCE', '') not in ('', '0')


def main(urd):
	src = urd.build('w2_write')
	job = urd.build('dataset_sort', source=src, sort_columns='a', force_build=force())
	assert sum(job.dataset().lines) == 10000000
	print('W6 ok', job)
