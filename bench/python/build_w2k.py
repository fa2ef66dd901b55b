# W2k: W2 with the strings of column c from a list; BENCH_FORCE=1 rebuilds.
import os


def force():
	return os.environ.get('BENCH_FORCE', '') not in ('', '0')


def main(urd):
	job = urd.build('w2_write_keys', force_build=force())
	assert sum(job.dataset().lines) == 10000000
	print('W2k ok', job)
