function synthesis(job)
  local dw = job:datasetwriter()
  dw:add('a', 'int65')
end
