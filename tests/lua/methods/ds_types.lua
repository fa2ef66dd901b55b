description = 'Writes one column of every type (with None and extremes), for the dataset tests.'

function synthesis(job)
  local dw = job:datasetwriter{caption = 'every type'}
  local types = {'int32', 'int64', 'float32', 'float64', 'number', 'bool', 'ascii', 'unicode', 'bytes',
                 'date', 'datetime', 'time', 'json'}
  for _, t in ipairs(types) do dw:add(t, t, {none_support = true}) end
  dw:set_slice(0)
  dw:write(-2^31 | 0, math.mininteger, -1.5, -math.huge, math.maxinteger, false, '', 'caf\u{e9}', '\0\255',
           exax.date(1, 1, 1), exax.datetime(1969, 12, 31, 23, 59, 59, 999999), exax.time(0), {1, 2, {x = 'y'}})
  dw:write(nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil)
  dw:set_slice(1)
  dw:write(2^31 - 1 | 0, math.maxinteger, 3.25, 0 / 0, 2.5, true, 'z', '\u{1F600}', 'b',
           exax.date(9999, 12, 31), exax.datetime(2024, 2, 29, 12), exax.time(23, 59, 59, 999999), 'text')
  dw:write_dict{int32 = 7, number = -3, json = {a = {b = true}}}
end
