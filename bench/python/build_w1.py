# W1 / W1b: dispatch 100 trivial jobs (the same work as ../lua/build_w1.lua).
# BENCH_SALT (env) is passed as an option: a new value means all 100 jobs
# are new (W1, fresh); running again with the same value means all 100 are
# reused (W1b).
#
# Unlike /work/shared/bench/exax/bench/build_w1.py this does not call
# benchutil.record() (which reads job.post of all 100 jobs and appends to a
# JSON file), so both tools' build scripts do exactly the same work.
import os


def main(urd):
	salt = os.environ.get('BENCH_SALT', '')
	jobs = [urd.build('w1_trivial', x=x, salt=salt) for x in range(100)]
	total = sum(j.load() for j in jobs)
	assert total == 2 * sum(range(100)), 'bad sum %r' % (total,)
	print('W1 ok')
