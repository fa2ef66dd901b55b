description = 'Adds a column to a parent dataset (its lines, its columns, one more).'
datasets = {'parent'}

function prepare(job)
  local dw = job:datasetwriter{parent = datasets.parent}
  dw:add('double', 'int64')
  return dw
end

function analysis(sliceno, prepare_res)
  for i in datasets.parent:iterate(sliceno, 'i') do prepare_res:write(i * 2) end
end
