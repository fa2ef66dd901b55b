function synthesis(job)
  local dw = job:datasetwriter()
  dw:add('a', 'int64')
  dw:add('s', 'unicode')
  dw:set_slice(0)
  for i = 1, 100 do dw:write(i, 'v' .. i) end
end
