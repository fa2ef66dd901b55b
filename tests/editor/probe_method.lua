-- The runtime names a job sees: the DatasetWriter, analysis_res, the job state's globals and
-- the options of job:datasetwriter and dw:add; returned as `CLASS<TAB>name` lines.
-- (probe_common.lua's helpers come first.)
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
