---@meta
-- exax's Lua API for lua-language-server (LuaLS): completion, hover docs and type checks in
-- build scripts and methods. `exax init` writes these files into .exax/types/ and
-- `exax init --types` writes them again; edits here are lost then.
-- This file: the global `exax` table.

---exax's own global: date values, `exax.null`, the standard methods' native kernels, the version.
---@class exax
---The exax version that runs the script, e.g. `'0.1.0'`.
---@field version string
---A unique value for None: `ds:iterate(s, cols, {none = exax.null})` reads every None as it,
---and writing it (`dw:write`, `dw:write_dict`) writes None. `tostring(exax.null)` is `'exax.null'`.
---@field null lightuserdata
---The standard methods' native kernels (called from their own method files).
---@field std exax.std
exax = {}

---A date (a value of a `date` column): `exax.date(2024, 1, 31)` or `exax.date('2024-01-31')`.
---Years 1 to 9999. Fields `year month day`; `==`, `<`, `<=` with other dates; ISO `tostring`.
---@param year integer
---@param month integer 1 to 12
---@param day integer 1 to the month's last day
---@return exax.Date
---@overload fun(iso: string): exax.Date
function exax.date(year, month, day) end

---A datetime (a value of a `datetime` column): `exax.datetime(2024, 1, 31, 12, 30)` or
---`exax.datetime('2024-01-31T12:30:00')`. The time parts default to 0; no time zones.
---@param year integer
---@param month integer
---@param day integer
---@param hour? integer 0 to 23 (default 0)
---@param minute? integer 0 to 59 (default 0)
---@param second? integer 0 to 59 (default 0)
---@param microsecond? integer 0 to 999999 (default 0)
---@return exax.DateTime
---@overload fun(iso: string): exax.DateTime
function exax.datetime(year, month, day, hour, minute, second, microsecond) end

---A time of day (a value of a `time` column): `exax.time(12, 30)` or `exax.time('12:30:00.25')`.
---@param hour? integer 0 to 23 (default 0)
---@param minute? integer (default 0)
---@param second? integer (default 0)
---@param microsecond? integer (default 0)
---@return exax.Time
---@overload fun(iso: string): exax.Time
function exax.time(hour, minute, second, microsecond) end

---The status tree of this process as text, as CTRL+T prints it (running jobs, `status()`
---messages and dataset positions).
---@return string
function exax.status_tree() end

---Internal: what `require('exax.subjobs').build` calls. Use that module instead.
---@private
---@param method string
---@param params? table
---@return exax.Job
function exax._build_subjob(method, params) end
