description = 'One small dataset per job, chained to `previous`.'
options = {n = 0}
datasets = {'previous'}

function synthesis(job)
  local dw = job:datasetwriter{previous = datasets.previous, caption = 'part ' .. options.n}
  dw:add('v', 'int32')
  dw:set_slice(options.n % 2)
  dw:write(options.n)
  dw:write(options.n * 10)
end
