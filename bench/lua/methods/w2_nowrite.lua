description = [[W2 without the writes: the same loop computing the same three values per row
into locals, with no call, so W2 minus this is what `dw:write` costs over the Lua floor.]]

options = {rows_per_slice = 5000000}

function analysis(sliceno)
  local n = options.rows_per_slice
  local base = sliceno * n
  for i = 0, n - 1 do
    local g = base + i
    local a, b, c = (g * 1103515245 + 12345) & 0x7fffffff, g * 0.5, 'k' .. i % 1000
  end
end
