-- Prints `CLASS<TAB>name` for every name the runtime gives each object a build script sees
-- (tests/editor.rs compares them with the LuaLS stubs in lua-stdlib/types/).
-- (probe_common.lua's helpers come first.)
function main(urd)
  keys('_G', _G)
  keys('exax', exax)
  keys('exax.std', exax.std)
  keys('exax.Urd', urd)
  members('exax.JobList', urd.joblist)
  members('exax.Enum', enum('a', 'b'))

  urd:begin('probe', '2024-01-01')
  local job = urd:build('probe')
  keys('exax.UrdFinished', urd:finish('probe'))
  urd:begin('probe2', '2024-01-02')
  urd:latest('probe')
  urd:build('probe')
  urd:finish('probe2')
  local session = urd:peek_latest('probe2')
  keys('exax.UrdSession', session)
  local _, dep = next(session.deps)
  keys('exax.UrdDep', dep)
  keys('exax.UrdTruncated', urd:truncate('probe2', '2030-01-01'))

  members('exax.Job', job)
  keys('exax.JobParams', job.params)
  keys('exax.JobPost', job.post)
  keys('exax.ExecTime', job.post.exectime)
  keys('exax.InputFile', job.post.inputs[1])
  accepted('exax.ReadOptions', function() job:load(nil, {zzz = 1}) end)
  accepted('exax.WriteOptions', function() job:save(1, 'x', {zzz = 1}) end)

  local ds = job:dataset()
  members('exax.Dataset', ds)
  keys('exax.Column', ds.columns.a)
  accepted('exax.IterateOptions', function() ds:iterate(nil, nil, {zzz = 1}) end)
  accepted('exax.IterateChainOptions', function() ds:iterate_chain(nil, nil, {zzz = 1}) end)
  accepted('exax.IterateChunksOptions', function() ds:iterate_chunks(nil, nil, {zzz = 1}) end)
  accepted('exax.ChainOptions', function() ds:chain{zzz = 1} end)
  accepted('exax.LinkOptions', function() ds:link_to_here{zzz = 1} end)

  -- Arguments: `exax.Date=year,month,day` (the stub's fields, each looked up on a live value:
  -- a date's fields are answered by a C __index, not listed anywhere Lua can see) and
  -- `module=exax.subjobs` (exax's own modules).
  local values = {
    ['exax.Date'] = exax.date(2024, 1, 31),
    ['exax.DateTime'] = exax.datetime(2024, 1, 31, 12, 30, 15, 250),
    ['exax.Time'] = exax.time(12, 30, 15, 250),
  }
  for _, arg in ipairs(urd.args) do
    local class, names = arg:match('^([%w_.]+)=(.*)$')
    if class == 'module' then
      keys(names, require(names))
    else
      for n in names:gmatch('[%w_]+') do
        if values[class][n] ~= nil then out(class, n) end
      end
    end
  end

  for _, l in ipairs(job:load()) do lines[#lines + 1] = l end
  table.sort(lines)
  for _, l in ipairs(lines) do print(l) end
end
