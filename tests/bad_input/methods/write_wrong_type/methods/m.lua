function synthesis(job)
  local dw = job:datasetwriter()
  dw:add('a', 'int64')
  dw:set_slice(0)
  dw:write('text')
end
