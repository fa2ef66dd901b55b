# W5: count column c of the W2 dataset with w5_wordcount (W2 is built or reused; BENCH_FORCE=1 rebuilds the measured job).
import os


def force():
	return os.environ.get('BENCH_FORCE', '') not in ('', '0')


def main(urd):
	src = urd.build('w2_write')
	job = urd.build('w5_wordcount', source=src, force_build=force())
	res = job.load()
	assert len(res) == 1000 and sum(res.values()) == 10000000 and res['k7'] == 10000
	print('W5: %d distinct, %d total' % (len(res), sum(res.values())))
