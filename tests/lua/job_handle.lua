-- The Job handle (spec section 4): the same handle in build scripts, in phases and from jobs
-- parameters; params and post are read-only records; exectime per phase and per slice.
function main(urd)
  local a = urd:build('echo', {x = 7, caption = 'seven'})
  assert(a.id == 'test-0' and tostring(a) == 'test-0' and a.number == 0)
  assert(a.method == 'echo' and a.workdir == 'test')
  assert(a.path:sub(-#'/workdirs/test/test-0') == '/workdirs/test/test-0', a.path)

  local p = a.params
  assert(p.method == 'echo' and p.caption == 'seven')
  assert(p.options.x == 7 and p.options.s == 'default' and p.options.l == nil)
  assert(type(p.hash) == 'string' and #p.hash > 0)
  assert(p.jobs.prev == nil and #p.jobs.many == 0, 'jobs not given: nil and {}')
  assert(not pcall(function() p.options.x = 1 end), 'params are read-only')

  local post = a.post
  assert(#post.files == 0 and #post.subjobs == 0)
  for _, phase in ipairs({'prepare', 'analysis', 'synthesis', 'total'}) do
    assert(math.type(post.exectime[phase]) == 'float', phase)
  end
  assert(#post.exectime.per_slice == 0, 'no analysis, no slices timed')
  assert(post.exectime.total >= post.exectime.synthesis)
  assert(not pcall(function() post.files[1] = 'x' end), 'post is read-only')

  local m = urd:build('merge_parts')
  local e = m.post.exectime
  assert(#e.per_slice == 2, 'one time per slice')
  for s = 1, 2 do assert(math.type(e.per_slice[s]) == 'float' and e.per_slice[s] <= e.analysis) end

  -- Jobs parameters come back as the same handles, in params and in results.
  local b = urd:build('echo', {prev = a, many = {a, m}})
  assert(b.params.jobs.prev == a and b.params.jobs.many[2] == m)
  local r = b:load()
  assert(r.prev == a and r.me == b and r.many == 2)
  assert(r.prev.params.options.x == 7, 'a handle from a result resolves like any other')
  assert(r.prev ~= b)
end
