# W2: write 5M rows per slice (10M with 2 slices); BENCH_FORCE=1 rebuilds.
import os


def force():
	return os.environ.get('BENCH_FORCE', '') not in ('', '0')


def main(urd):
	job = urd.build('w2_write', force_build=force())
	assert sum(job.dataset().lines) == 10000000
	print('W2 ok', job)
