-- Every column type round-trips through a dataset, with None, extremes, min/max, dates.
function main(urd)
  local ds = urd:build('ds_types'):dataset()
  assert(ds.caption == 'every type' and ds:lines() == 4 and ds:lines(0) == 2 and ds:lines(1) == 2)
  local rows = {}
  local cols = {'int32', 'int64', 'float32', 'float64', 'number', 'bool', 'ascii', 'unicode', 'bytes', 'date', 'datetime', 'time', 'json'}
  local it = ds:iterate(nil, cols, {none = exax.null})
  while true do
    local row = table.pack(it())
    if row.n == 0 then break end
    rows[#rows + 1] = row
  end
  assert(#rows == 4)
  local a, b, c, d = rows[1], rows[2], rows[3], rows[4]
  assert(a[1] == -2^31 and math.type(a[1]) == 'integer' and a[2] == math.mininteger and a[3] == -1.5 and a[4] == -math.huge)
  assert(a[5] == math.maxinteger and math.type(a[5]) == 'integer' and a[6] == false and a[7] == '' and a[8] == 'caf\u{e9}')
  assert(a[9] == '\0\255' and tostring(a[10]) == '0001-01-01' and tostring(a[11]) == '1969-12-31T23:59:59.999999')
  assert(tostring(a[12]) == '00:00:00' and a[13][1] == 1 and a[13][3].x == 'y')
  for i = 1, 13 do assert(b[i] == exax.null, 'row 2 is all None') end
  assert(c[1] == 2^31 - 1 and c[3] == 3.25 and c[4] ~= c[4] and c[5] == 2.5 and math.type(c[5]) == 'float' and c[6] == true)
  assert(c[8] == '\u{1F600}' and c[10] == exax.date(9999, 12, 31) and c[11].hour == 12 and c[11].day == 29)
  assert(c[12].microsecond == 999999 and c[13] == 'text')
  assert(d[1] == 7 and d[5] == -3 and d[13].a.b == true and d[2] == exax.null and d[10] == exax.null)
  -- min and max skip None and NaN; string and json columns have none
  assert(ds:min('int32') == -2^31 and ds:max('int32') == 2^31 - 1 and ds:min('int64') == math.mininteger)
  assert(ds:min('float32') == -1.5 and ds:max('float32') == 3.25 and ds:min('float64') == -math.huge and ds:max('float64') == -math.huge)
  assert(ds:min('number') == -3 and ds:max('number') == math.maxinteger and ds:min('bool') == false and ds:max('bool') == true)
  assert(ds:min('date') == exax.date(1, 1, 1) and ds:max('date') == exax.date(9999, 12, 31))
  assert(ds:max('datetime') == exax.datetime(2024, 2, 29, 12) and ds:max('time') == exax.time(23, 59, 59, 999999))
  assert(ds:min('ascii') == nil and ds:max('json') == nil)
  assert(ds:min('int32', 0) == -2^31 and ds:max('int32', 0) == -2^31 and ds:min('int32', 1) == 7)
  for _, t in ipairs(cols) do assert(ds.columns[t].type == t and ds.columns[t].none_support == true) end
  -- dates: fields, comparison within a kind, ISO text, constructors
  local dt = exax.datetime(2024, 1, 31, 13, 14, 15, 16)
  assert(dt.year == 2024 and dt.month == 1 and dt.day == 31 and dt.hour == 13 and dt.minute == 14 and dt.second == 15)
  assert(dt.microsecond == 16 and tostring(dt) == '2024-01-31T13:14:15.000016' and exax.date(2024, 1, 31).hour == nil)
  assert(exax.date(2024, 1, 31) < exax.date(2024, 2, 1) and exax.time(1) <= exax.time(1) and exax.time(1) ~= exax.time(2))
  assert(exax.date('2024-02-29') == exax.date(2024, 2, 29) and tostring(exax.time('12:30:00.5')) == '12:30:00.500000')
  local ok, e = pcall(function() return exax.date(2024, 1, 1) < exax.time(1) end)
  assert(not ok and e:find('attempt to compare a date with a time', 1, true), e)
  ok, e = pcall(exax.date, 2023, 2, 29)
  assert(not ok and e:find('exax.date: day 29 is out of range for 2023-02 (1 to 28)', 1, true), e)
  ok, e = pcall(exax.time, 24)
  assert(not ok and e:find('hour 24 is out of range (0 to 23)', 1, true), e)
  print('types ok')
end
