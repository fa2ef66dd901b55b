-- Iteration forms, chunks, native sums and counts, over every slice or one.
function main(urd)
  local ds = urd:build('ds_numbers', {n = 1000}):dataset()
  assert(ds:lines() == 2000 and ds:lines(0) == 1000)
  -- one column by name yields bare values; a list yields several; nil means every column, sorted
  local n, sum = 0, 0
  for i in ds:iterate(1, 'i') do n = n + 1; sum = sum + i end
  assert(n == 1000 and sum == (1001 + 2000) * 1000 / 2)
  local first = {ds:iterate(0, nil)()}
  assert(#first == 4 and first[1] == 0.5 and first[2] == 1 and first[3] == 'p1' and first[4] == 's1')
  local nones, fs = 0, 0.0
  for i, f in ds:iterate(nil, {'i', 'f'}) do
    if f == nil then nones = nones + 1; assert(i % 10 == 0) else fs = fs + f end
  end
  assert(nones == 200)
  -- chunks: a count, then one table per column (holes for None), never across slices
  local rows, chunks, csum = 0, 0, 0.0
  for c, i, f in ds:iterate_chunks(nil, {'i', 'f'}, {size = 300}) do
    chunks = chunks + 1
    assert(c <= 300)
    for k = 1, c do
      rows = rows + 1
      if f[k] then csum = csum + f[k] else assert(i[k] % 10 == 0) end
    end
  end
  assert(rows == 2000 and chunks == 8 and csum == fs)
  -- native reductions agree with the loops
  assert(ds:sum('f') == fs and ds:sum('i') == 2001000 and math.type(ds:sum('i')) == 'integer')
  assert(ds:sum('i', 0) == 500500)
  local counts, none_count = ds:counts('s')
  assert(counts.s0 + counts.s1 + counts.s2 == 2000 and none_count == 0 and counts.s1 == 667)
  assert(ds:distinct('s') == 3 and ds:distinct('i', 1) == 1000 and ds:distinct('f') == 1800)
  local fc, fnone = ds:counts('f', 0)
  assert(fnone == 100 and fc[0.5] == 1)
  local ok, e = pcall(ds.sum, ds, 's')
  assert(not ok and e:find('cannot sum column `s` of type ascii', 1, true), e)
  ok, e = pcall(ds.iterate_chunks, ds, 0, 'i', {size = 0})
  assert(not ok and e:find('size must be 1 to', 1, true), e)
  ok, e = pcall(ds.iterate_chunks, ds, 0, 'i', {sise = 10})
  assert(not ok and e:find('unknown option `sise` (did you mean `size`?)', 1, true), e)
  print('reading ok')
end
