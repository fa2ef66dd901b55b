-- The runtime names a job sees: the DatasetWriter, analysis_res, the job state's globals and
-- the options of job:datasetwriter and dw:add; returned as `CLASS<TAB>name` lines.
local lines = {}
local function out(class, name) lines[#lines + 1] = class .. '\t' .. tostring(name) end
local function keys(class, t)
  for k in pairs(t) do out(class, k) end
end
local function members(class, v)
  local idx = rawget(debug.getmetatable(v), '__index')
  if type(idx) == 'table' then return keys(class, idx) end
  for i = 1, 20 do
    local name, up = debug.getupvalue(idx, i)
    if not name then break end
    if type(up) == 'table' then keys(class, up) end
  end
end
local function accepted(class, f)
  local ok, e = pcall(f)
  assert(not ok, class .. ': an unknown option was accepted')
  e = tostring(e)
  local list = e:match('options: ([%w_, ]+)%)') or e:match('options are ([%w_, ]+)')
  assert(list, class .. ': ' .. e)
  for name in list:gmatch('[%w_]+') do out(class, name) end
end

function prepare(job)
  local dw = job:datasetwriter()
  members('exax.DatasetWriter', dw)
  accepted('exax.WriterOptions', function() job:datasetwriter{zzz = 1} end)
  accepted('exax.ColumnOptions', function() dw:add('z', 'int64', {zzz = 1}) end)
  dw:add('a', 'int64')
  job:open_input('in.txt'):close()
  return {dw = dw, lines = lines}
end

function analysis(sliceno, prepare_res)
  prepare_res.dw:write(sliceno)
end

function synthesis(prepare_res, analysis_res)
  -- prepare ran in this state (then `lines` has them already) or in another one.
  if prepare_res.lines ~= lines then
    for _, l in ipairs(prepare_res.lines) do lines[#lines + 1] = l end
  end
  members('exax.AnalysisResults', analysis_res)
  keys('_G', _G)
  return lines
end
