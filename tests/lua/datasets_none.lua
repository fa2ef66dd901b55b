-- None in iteration (spec section 6): a None in the first column is an error naming dataset,
-- column, slice and row, never a silently short loop; {none = v} reads every None as v;
-- exax.null reads and writes as None.
function main(urd)
  assert(tostring(exax.null) == 'exax.null' and exax.null ~= nil and type(exax.null) == 'userdata')

  -- One slice with a None first: the loop stops with an error, not after one row.
  local one = urd:build('ds_nones', {slice = 1}):dataset()
  local rows = 0
  local ok, e = pcall(function() for a, b in one:iterate(nil, {'a', 'b'}) do rows = rows + 1 end end)
  assert(not ok and rows == 2, rows)
  assert(e:find("ds:iterate: dataset test-0/default, column `a`, slice 1, row 1: a None in the first column would end the loop here; put a column without None first, or pass {none = v} (exax.null, for one) to read None as v", 1, true), e)
  ok, e = pcall(function() for a in one:iterate(1, 'a') do end end)
  assert(not ok and e:find('slice 1, row 1:', 1, true), e)
  -- Another column first: nothing to stop the loop, the None is nil.
  local sum_a, n = 0, 0
  for b, a in one:iterate(nil, {'b', 'a'}) do n = n + 1; sum_a = sum_a + (a or 0) end
  assert(n == 4 and sum_a == 5 + 1 + 3, n)
  -- {none = v}: every row, None read as v.
  local seen = {}
  for a, b in one:iterate(nil, {'a', 'b'}, {none = exax.null}) do seen[#seen + 1] = a end
  assert(#seen == 4 and seen[1] == 5 and seen[2] == 1 and seen[3] == exax.null and seen[4] == 3)
  local total = 0
  for a in one:iterate(1, 'a', {none = 0}) do total = total + a end
  assert(total == 4)
  ok, e = pcall(one.iterate, one, nil, 'a', {nnoe = 0})
  assert(not ok and e:find('unknown option `nnoe` (did you mean `none`?)', 1, true), e)

  -- Every slice, written as exax.null: the same, in slice 0 first; and in iterate_chain.
  local all = urd:build('ds_nones', {null = true}):dataset()
  ok, e = pcall(function() for a in all:iterate(nil, 'a') do end end)
  assert(not ok and e:find('dataset test-1/default, column `a`, slice 0, row 1:', 1, true), e)
  ok, e = pcall(function() for a in all:iterate_chain(1, {'a', 'b'}) do end end)
  assert(not ok and e:find('ds:iterate_chain: dataset test-1/default, column `a`, slice 1, row 1:', 1, true), e)
  n = 0
  for a, b in all:iterate_chain(nil, {'a', 'b'}, {none = -1}) do n = n + 1; if b == 2 then assert(a == -1) end end
  assert(n == 6)
  -- chunks: holes for None, or v
  for c, a in all:iterate_chunks(0, 'a', {none = exax.null}) do assert(c == 3 and a[2] == exax.null) end
  for c, a in all:iterate_chunks(0, 'a') do assert(c == 3 and a[2] == nil and a[3] == 3) end
  assert(all:counts('a')[3] == 2 and select(2, all:counts('a')) == 2)

  -- Every column type: None read as v.
  local types = {'int32', 'int64', 'float32', 'float64', 'number', 'bool', 'ascii', 'unicode', 'bytes',
                 'date', 'datetime', 'time', 'json'}
  local ds = urd:build('ds_types'):dataset()
  for _, t in ipairs(types) do
    for _, v in ipairs({exax.null, 'none', 0, true}) do
      local got = {}
      for x in ds:iterate(0, t, {none = v}) do got[#got + 1] = x end
      assert(#got == 2 and got[2] == v and got[1] ~= v, t)
    end
    ok, e = pcall(function() for x in ds:iterate(0, t) do end end)
    assert(not ok and e:find('column `' .. t .. '`, slice 0, row 1:', 1, true), e)
  end

  -- exax.null where None is not allowed is the same error as nil.
  ok, e = pcall(urd.build, urd, 'ds_nones', {bad = true})
  e = tostring(e)
  assert(not ok and e:find('column `b` (int64), slice 0: nil, but the column has no none_support', 1, true), e)
  print('none ok')
end
