-- save/load and json_save/json_load keep every kind of value (spec section 3, Values).
local function check(v, me, other, where)
  assert(v.int == 3 and math.type(v.int) == 'integer', where .. ': integers stay integers')
  assert(v.float == 3.0 and math.type(v.float) == 'float', where .. ': floats stay floats')
  assert(v.neg == math.mininteger and v.big == 2^53 + 0.5, where)
  assert(v.bytes == '\0\255\n', where .. ': strings are any bytes')
  assert(v.nested[1][1] == 1 and v.nested[2].a.b == true, where)
  assert(next(v.empty) == nil, where)
  assert(v.me == me and v.other == other, where .. ': handles')
  assert(v[1.5] == 'float key' and v[true] == 'bool key' and v[7] == 'int key', where .. ': keys of any type')
end

function main(urd)
  local first = urd:build('echo')
  local job = urd:build('saver', {other = first})
  check(job:load('v'), job, first, 'v')
  for s = 0, 1 do check(job:load('v', {sliceno = s}), job, first, 'slice ' .. s) end
  local j = job:json_load('v.json')
  assert(j.int == 3 and math.type(j.int) == 'integer' and math.type(j.float) == 'float')
  assert(j.list[2] == 'two' and #j.empty == 0)
  local files = job:files()
  assert(#files == 2 and files[1] == 'v' and files[2] == 'v.json', table.concat(files, ' '))
  assert(job:filename('v', {sliceno = 1}) == job.path .. '/v.1')
  -- The build script reads any job, writes none.
  assert(not pcall(job.save, job, 1, 'x'))
  assert(not pcall(job.open, job, 'v', 'wb'))
  assert(job:open('v', 'rb'):read('a') == io.open(job:filename('v'), 'rb'):read('a'))
end
