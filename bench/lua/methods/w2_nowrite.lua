description = [[W2 without the writes: the same loop computing the same three values per row,
handing them to a Lua function that does nothing, so W2 minus this is what `dw:write` costs
over the Lua floor.]]

options = {rows_per_slice = 5000000}

function prepare(job)
  local dw = job:datasetwriter()
  dw:add('a', 'int64')
  return dw
end

local function sink() end

function analysis(sliceno, prepare_res)
  local write = sink
  local dw = prepare_res
  local n = options.rows_per_slice
  local base = sliceno * n
  for i = 0, n - 1 do
    local g = base + i
    write(dw, (g * 1103515245 + 12345) & 0x7fffffff, g * 0.5, 'k' .. i % 1000)
  end
end
