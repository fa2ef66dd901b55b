-- W6: dataset_sort of the W2 dataset on column a, each slice on its own (W2 is built first if
-- needed, otherwise reused; `exax run w6 -- force` rebuilds only the sort).
function main(urd)
  local src = urd:build('w2_write')
  local job = urd:build('dataset_sort', {source = src, sort_columns = 'a', force_build = urd.args[1] == 'force'})
  local ds = job:dataset()
  assert(ds:lines() == 10000000, 'W6 sorted ' .. ds:lines() .. ' lines')
  for sliceno = 0, 1 do
    local prev, n = -1, 0
    for a in ds:iterate(sliceno, 'a') do
      assert(a >= prev, 'W6: slice ' .. sliceno .. ' not sorted at line ' .. n)
      prev, n = a, n + 1
      if n == 1000 then break end
    end
  end
  print('W6 ok', job)
end
