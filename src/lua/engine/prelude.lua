-- exax's own Lua helpers, loaded once into every state (precompiled; see prelude.rs).
-- Arguments: a Rust function that turns an mlua error value into its message, and the standard
-- functions this chunk must keep even if a script replaces the globals.
local error_text, getinfo, traceback, getlocal, raw_xpcall, type, error, tostring = ...
local H = {}

-- The first position in a project file above `level`, as 'file:line: ', or ''.
local function where(level)
  for l = level, 60 do
    local info = getinfo(l, 'Sl')
    if not info then break end
    if info.currentline and info.currentline > 0 and info.source:sub(1, 1) == '@' then
      return info.source:sub(2) .. ':' .. info.currentline .. ': '
    end
  end
  return ''
end

-- pcall and xpcall as Lua has them, except that an error raised by one of exax's Rust functions
-- reaches the handler as 'file:line: message' instead of mlua's text with a traceback.
local function clean(e)
  if type(e) ~= 'userdata' then return e end
  local t = error_text(e)
  if not t then return e end
  return where(4) .. t
end
pcall = function(f, ...) return raw_xpcall(f, clean, ...) end
xpcall = function(f, handler, ...) return raw_xpcall(f, function(e) return handler(clean(e)) end, ...) end

-- exax's protected call: keeps the error value, the position of a Rust function's error, and
-- the traceback.
function H.pcall(f, ...)
  return raw_xpcall(f, function(e)
    return {e, traceback(nil, 2), type(e) == 'string' and '' or where(2)}
  end, ...)
end

function H.param_names(f)
  local names = {}
  for i = 1, getinfo(f, 'u').nparams do names[i] = getlocal(f, i) end
  return names
end

-- Wraps a Rust function returning (true, value) or (false, error object) into one that returns
-- the value or raises the error, located at the caller's line.
function H.raising(raw)
  return function(...)
    local ok, res = raw(...)
    if ok then return res end
    -- The first line of the user's own Lua code: past pcall and exax's embedded modules.
    for level = 2, 60 do
      local info = getinfo(level, 'Sl')
      if not info then break end
      if info.currentline > 0 and info.source:sub(1, 1) == '@' and info.source:sub(1, 8) ~= '@<exax>/' then
        res:_locate(info.source:sub(2) .. ':' .. info.currentline .. ': ')
        break
      end
    end
    error(res, 0)
  end
end

function H.deny_writes(what)
  return function(_, k)
    error(what .. ' is read-only (tried to set `' .. tostring(k) .. '`)', 2)
  end
end

-- An __index for _G while a method's declarations are read: reports each undefined global the
-- file reads at the top level (a typo such as `flot` would otherwise drop an option silently).
function H.report_undefined(record)
  return function(_, k)
    record(tostring(k), where(2))
  end
end

function H.exit(code)
  error('os.exit(' .. tostring(code) .. ') called in a method; return from the phase or call error() instead', 2)
end

return H
