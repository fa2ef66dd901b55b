-- W4: csvimport of input/w4.csv (1M lines, 5 columns; bench/gen_csv.py), then dataset_type to
-- typed columns. `exax run w4 -- force` rebuilds both.
function main(urd)
  local force = urd.args[1] == 'force'
  local imp = urd:build('csvimport', {filename = 'w4.csv', force_build = force})
  local typed = urd:build('dataset_type', {
    source = imp:dataset(),
    column2type = {i = 'int64_10', f = 'float64', s = 'unicode:utf-8', d = 'date:%Y-%m-%d', n = 'int64_10'},
    force_build = force,
  })
  local ds = typed:dataset()
  assert(ds:lines() == 1000000, 'W4 typed ' .. ds:lines() .. ' lines')
  assert(ds.columns.i.type == 'int64' and ds.columns.d.type == 'date', 'W4: columns not typed')
  print('W4 ok', imp, typed)
end
