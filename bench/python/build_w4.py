# W4: csvimport of input/w4.csv (1,000,000 lines, 5 columns, made by bench/gen_csv.py), then
# dataset_type to typed columns (as /work/shared/bench/exax/bench/build_w4.py, without recording).
import os


def force():
	return os.environ.get('BENCH_FORCE', '') not in ('', '0')


def main(urd):
	f = force()
	imp = urd.build('csvimport', filename='w4.csv', force_build=f)
	typed = urd.build('dataset_type', source=imp, column2type=dict(
		i='int64_10', f='float64', s='unicode:utf-8', d='date:%Y-%m-%d', n='int64_10',
	), force_build=f)
	assert sum(typed.dataset().lines) == 1000000
	print('W4 ok', imp, typed)
