description = [[Import a CSV file from the input directory into a dataset.
The first line names the columns (or give `labels`). Every column is unicode text; type
columns in a later method. Lines go round robin over the slices: line n (counting data lines
from 0) is in slice n % slices. Fields may be quoted with `quote` (a quote inside is doubled);
a quoted field may span lines. `previous` chains the new dataset after an earlier import.
The result is {lines = number of data lines, columns = {names}}.]]

options = {
  filename = required(str), -- relative to the input directory
  separator = ',',
  quote = '"',              -- '' for none
  labels = {str},           -- column names; default: the first line
  skip_lines = 0,           -- lines to skip before the labels (or the data)
  allow_short = false,      -- a line with fewer fields gets nil (None) for the rest
}
datasets = {'previous'}

-- Splits one record off `nextline` (a function returning the next line or nil); nil at the end.
local function record(nextline, sep, quote, where)
  local line = nextline()
  if line == nil then return nil end
  if line:sub(-1) == '\r' then line = line:sub(1, -2) end
  if quote == '' or not line:find(quote, 1, true) then
    local fields, start = {}, 1
    while true do
      local i = line:find(sep, start, true)
      if not i then fields[#fields + 1] = line:sub(start) break end
      fields[#fields + 1] = line:sub(start, i - 1)
      start = i + #sep
    end
    return fields
  end
  local fields, field, pos, inquote = {}, {}, 1, false
  while true do
    if pos > #line then
      if not inquote then break end
      local more = nextline()
      if more == nil then error(where() .. ': a quoted field is not closed before the end of the file', 0) end
      if more:sub(-1) == '\r' then more = more:sub(1, -2) end
      field[#field + 1] = '\n'
      line, pos = more, 1
    else
      local c = line:sub(pos, pos)
      if inquote then
        if c == quote then
          if line:sub(pos + 1, pos + 1) == quote then field[#field + 1] = quote pos = pos + 2
          else inquote = false pos = pos + 1 end
        else
          local j = line:find(quote, pos, true) or (#line + 1)
          field[#field + 1] = line:sub(pos, j - 1)
          pos = j
        end
      elseif c == quote and #field == 0 then
        inquote, pos = true, pos + 1
      elseif line:sub(pos, pos + #sep - 1) == sep then
        fields[#fields + 1] = table.concat(field)
        field, pos = {}, pos + #sep
      else
        local j = line:find(sep, pos, true) or (#line + 1)
        local q = quote ~= '' and line:find(quote, pos, true)
        if q and q < j then j = q end
        if j == pos then j = pos + 1 end
        field[#field + 1] = line:sub(pos, j - 1)
        pos = j
      end
    end
  end
  fields[#fields + 1] = table.concat(field)
  return fields
end

local function reader(job)
  local path = job:input_filename(options.filename)
  local f, err = io.open(path, 'rb')
  if not f then error('csvimport: cannot open ' .. options.filename .. ' in the input directory: ' .. tostring(err), 0) end
  local lineno = 0
  local lines = f:lines()
  local function nextline()
    local l = lines()
    if l then lineno = lineno + 1 end
    return l
  end
  for _ = 1, options.skip_lines do nextline() end
  return f, nextline, function() return options.filename .. ':' .. lineno end
end

function prepare(job)
  if #options.separator == 0 then error('csvimport: separator must not be empty', 0) end
  local f, nextline, where = reader(job)
  local labels = options.labels
  if not labels then
    labels = record(nextline, options.separator, options.quote, where)
    if not labels then error('csvimport: ' .. options.filename .. ' is empty (no line of labels)', 0) end
  end
  f:close()
  local dw = job:datasetwriter{previous = datasets.previous, caption = options.filename}
  local seen = {}
  for i, label in ipairs(labels) do
    if seen[label] then error(('csvimport: column %q is named twice (labels %d and %d)'):format(label, seen[label], i), 0) end
    seen[label] = i
    dw:add(label, 'unicode', {none_support = options.allow_short})
  end
  return {writer = dw, columns = #labels, labels = labels}
end

function analysis(sliceno, slices, job, prepare_res)
  local dw, ncol = prepare_res.writer, prepare_res.columns
  local sep, quote = options.separator, options.quote
  local f, nextline, where = reader(job)
  if not options.labels then record(nextline, sep, quote, where) end
  local n, mine = 0, 0
  local write = dw.write
  while true do
    local fields = record(nextline, sep, quote, where)
    if not fields then break end
    if #fields ~= ncol and not (#fields == 1 and fields[1] == '') then
      if #fields > ncol or not options.allow_short then
        error(('csvimport: %s: %d field%s, expected %d'):format(where(), #fields, #fields == 1 and '' or 's', ncol), 0)
      end
    end
    if not (#fields == 1 and fields[1] == '' and ncol > 1) then
      if n % slices == sliceno then
        write(dw, table.unpack(fields, 1, ncol))
        mine = mine + 1
      end
      n = n + 1
    end
  end
  f:close()
  return mine
end

function synthesis(analysis_res, prepare_res)
  return {lines = analysis_res:merge_auto(), columns = prepare_res.labels}
end
