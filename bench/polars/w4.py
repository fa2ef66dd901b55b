"""W4 in Polars, as a user would pick it instead of exax: read input/w4.csv with a schema (the
types W4's dataset_type gives) and write it as Arrow IPC. Prints `seconds <t>`: the time of that
work inside the process (the interpreter's start and `import polars` are not counted)."""
import sys
import time

import polars as pl

src, dst = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
df = pl.read_csv(src, schema={'i': pl.Int64, 'f': pl.Float64, 's': pl.Utf8, 'd': pl.Date, 'n': pl.Int64})
df.write_ipc(dst)
t = time.perf_counter() - t0
assert df.height == 1000000, df.height
print('seconds %.6f' % (t,))
