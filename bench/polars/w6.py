"""W6 in Polars: the 10M rows of W2 (a, b, c as bench/lua/methods/w2_write.lua makes them),
sorted on a with maintain_order=True (stable), written as Arrow IPC.

  w6.py make FILE      writes W2's rows to FILE (untimed set-up)
  w6.py sort FILE OUT  reads FILE, sorts, writes OUT; prints `seconds <t>` (read + sort + write,
                       inside the process)"""
import sys
import time

import polars as pl

if sys.argv[1] == 'make':
	n = 5000000
	g = pl.int_range(0, 2 * n, dtype=pl.Int64, eager=True)
	df = pl.DataFrame({'g': g}).select(
		a=(pl.col('g') * 1103515245 + 12345) & 0x7fffffff,
		b=pl.col('g') * 0.5,
		c=pl.format('k{}', pl.col('g') % n % 1000),
	)
	df.write_ipc(sys.argv[2])
else:
	t0 = time.perf_counter()
	df = pl.read_ipc(sys.argv[2])
	df = df.sort('a', maintain_order=True)
	df.write_ipc(sys.argv[3])
	t = time.perf_counter() - t0
	assert df.height == 10000000
	print('seconds %.6f' % (t,))
