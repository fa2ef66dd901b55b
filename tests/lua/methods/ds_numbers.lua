description = 'n rows of integers, floats and a few strings, in every slice (for iteration, sums and counts).'
options = {n = 1000}

function prepare(job)
  local dw = job:datasetwriter()
  dw:add('i', 'int64')
  dw:add('f', 'float64', {none_support = true})
  dw:add('s', 'ascii')
  dw:add('p', 'bytes')
  return dw
end

function analysis(sliceno, prepare_res)
  for k = 1, options.n do
    local i = sliceno * options.n + k
    local f = i / 2
    if i % 10 == 0 then f = nil end
    prepare_res:write(i, f, 's' .. i % 3, 'p' .. i)
  end
end
