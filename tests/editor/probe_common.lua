-- The helpers both probes use (tests/editor.rs puts this before each): `out` collects
-- `CLASS<TAB>name` lines, `keys`/`members` list what a table or userdata answers to, `accepted`
-- the options a call's unknown-option error lists.
local lines = {}
local function out(class, name) lines[#lines + 1] = class .. '\t' .. tostring(name) end
local function keys(class, t)
  for k in pairs(t) do out(class, k) end
end
-- The names a userdata (mlua: field getters and methods, upvalues of its __index) or a table
-- with a metatable __index table answers to.
local function members(class, v)
  local idx = rawget(debug.getmetatable(v), '__index')
  if type(idx) == 'table' then return keys(class, idx) end
  for i = 1, 20 do
    local name, up = debug.getupvalue(idx, i)
    if not name then break end
    if type(up) == 'table' then keys(class, up) end
  end
end
-- The options a call accepts, as its error for an unknown one lists them.
local function accepted(class, f)
  local ok, e = pcall(f)
  assert(not ok, class .. ': an unknown option was accepted')
  e = tostring(e)
  local list = e:match('options: ([%w_, ]+)%)') or e:match('options are ([%w_, ]+)')
  assert(list, class .. ': ' .. e)
  for name in list:gmatch('[%w_]+') do out(class, name) end
end

