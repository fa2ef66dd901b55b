# W2nw: W2's loop without the writes (BENCH_FORCE=1 rebuilds).
import os


def main(urd):
	job = urd.build('w2_nowrite', force_build=os.environ.get('BENCH_FORCE', '') not in ('', '0'))
	print('W2nw ok', job)
