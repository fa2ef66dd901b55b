-- Parameters after defaults form the reuse key; jobs parameters carry Job handles.
function main(urd)
  local a = urd:build('echo')
  assert(urd:build('echo', {x = 0, s = 'default'}) == a, 'giving the defaults reuses')
  local b = urd:build('echo', {x = 1})
  assert(b ~= a and b.id ~= a.id)
  local r = urd:build('echo', {prev = a, many = {a, b}, l = {1, 2.0}}):load()
  assert(r.prev == a and r.many == 2, 'jobs parameters')
  assert(math.type(r.l[2]) == 'integer', '{int} converts 2.0 to 2')
  assert(r.me.id == urd.joblist[#urd.joblist].id)
  assert(#urd.joblist == 4)
  local ok, err = pcall(urd.build, urd, 'echo', {x = 'one'})
  assert(not ok and tostring(err):find("option `x`: expected int, got string 'one'", 1, true), tostring(err))
end
