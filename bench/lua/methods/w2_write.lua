description = [[W2: write a dataset with columns a:int64, b:float64, c:unicode.
rows_per_slice rows are written in each slice, one write call per row (the write function is
fetched once, as the original does with `write = prepare_res.write`).
a is an LCG permutation of the global row number, b = g * 0.5, c = 'k' .. (i % 1000),
as /work/shared/bench/exax/bench/a_w2_write.py does.]]

options = {rows_per_slice = 5000000}

function prepare(job)
  local dw = job:datasetwriter()
  dw:add('a', 'int64')
  dw:add('b', 'float64')
  dw:add('c', 'unicode')
  return dw
end

function analysis(sliceno, prepare_res)
  local dw = prepare_res
  local write = dw.write
  local n = options.rows_per_slice
  local base = sliceno * n
  for i = 0, n - 1 do
    local g = base + i
    write(dw, (g * 1103515245 + 12345) & 0x7fffffff, g * 0.5, 'k' .. i % 1000)
  end
end
