# W3N: sum a and b of the W2 dataset with w3_sum (W2 is built or reused; BENCH_FORCE=1 rebuilds the measured job).
import os


def force():
	return os.environ.get('BENCH_FORCE', '') not in ('', '0')


def main(urd):
	src = urd.build('w2_write')
	job = urd.build('w3_sum', source=src, force_build=force())
	sa, sb = job.load()
	assert sa == 10737413090351168 and sb == 0.5 * (10000000 - 1) * 10000000 / 2, (sa, sb)
	print('W3N result', sa, sb)
