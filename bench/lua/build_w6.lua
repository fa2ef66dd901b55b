-- W6: dataset_sort of W2's dataset (10M rows) on column a, each slice on its own (the
-- original's default). W2 is built first if needed; `exax run w6 -- force` rebuilds the sort.
function main(urd)
  local src = urd:build('w2_write')
  local job = urd:build('dataset_sort', {source = src:dataset(), sort_columns = 'a', force_build = urd.args[1] == 'force'})
  local ds = job:dataset()
  assert(ds:lines() == 10000000, 'W6 sorted ' .. ds:lines() .. ' lines')
  local prev
  for a in ds:iterate(0, 'a') do
    assert(prev == nil or prev <= a, 'W6: slice 0 not sorted')
    prev = a
    break
  end
  print('W6 ok', job)
end
