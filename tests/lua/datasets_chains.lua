-- previous chains, iterate_chain and stop_ds, link_to_here from a subjob, parent datasets.
function main(urd)
  local prev
  local parts = {}
  for n = 1, 4 do
    prev = urd:build('ds_chain', {n = n, previous = prev}):dataset()
    parts[n] = prev
  end
  assert(prev.previous == parts[3] and prev.previous.previous.previous == parts[1] and parts[1].previous == nil)
  assert(prev.caption == 'part 4' and #prev:chain() == 4 and prev:chain()[1] == parts[1])
  local vals = {}
  for v in prev:iterate_chain(nil, 'v') do vals[#vals + 1] = v end
  assert(table.concat(vals, ',') == '1,10,2,20,3,30,4,40', table.concat(vals, ','))
  vals = {}
  for v in prev:iterate_chain(nil, 'v', {stop_ds = parts[2]}) do vals[#vals + 1] = v end
  assert(table.concat(vals, ',') == '3,30,4,40', table.concat(vals, ','))
  vals = {}
  for v in prev:iterate_chain(1, 'v', {length = 3}) do vals[#vals + 1] = v end
  assert(table.concat(vals, ',') == '3,30', table.concat(vals, ','))
  local n = 0
  for c, v in prev:iterate_chunks(nil, 'v', {chain = true, stop_ds = parts[1]}) do n = n + c end
  assert(n == 6)
  -- link_to_here: the subjob's dataset, under this job's name, with its files left where they are
  local r = urd:build('ds_link', {previous = parts[4]}):load()
  assert(r.id:match('/copy$') and r.lines == 10 and r.sum == 55 and r.previous == parts[4].id and r.datasets == 1, r.id)
  local linked = urd.joblist[#urd.joblist]:dataset('copy')
  assert(linked.job == urd.joblist[#urd.joblist] and linked.name == 'copy' and linked:lines() == 10)
  -- parent: the parent's columns and lines, and one column more
  local base = urd:build('ds_numbers', {n = 20}):dataset()
  local child = urd:build('ds_parent', {parent = base}):dataset()
  assert(child.parent == base and child.columns.i and child.columns.double and child:lines() == 40)
  for i, d in child:iterate(nil, {'i', 'double'}) do assert(d == 2 * i) end
  print('chains ok')
end
