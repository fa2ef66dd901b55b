description = 'Columns a (none_support) and b: rows (1,1) (nil,2) (3,3) in slice `slice`, or in every slice; `null` writes exax.null for nil.'
options = {slice = -1, null = false, bad = false}

function synthesis(job)
  local dw = job:datasetwriter()
  dw:add('a', 'int64', {none_support = true})
  dw:add('b', 'int64')
  local none = options.null and exax.null or nil
  if options.bad then dw:set_slice(0) dw:write(1, exax.null) end
  for s = 0, 1 do
    dw:set_slice(s)
    if options.slice == -1 or options.slice == s then
      dw:write(1, 1)
      dw:write(none, 2)
      dw:write_dict{a = 3, b = 3}
    else
      dw:write(5, 5)
    end
  end
end
