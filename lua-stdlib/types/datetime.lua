---@meta
-- Date, datetime and time values (`exax.date`, `exax.datetime`, `exax.time`, and what date,
-- datetime and time columns hold). Compare within a kind with `==`, `<`, `<=`; `tostring`
-- gives ISO 8601 (`2024-01-31T12:30:00.250000`, the fraction only when not zero).

---A date: a value of a `date` column, or `exax.date(y, m, d)`.
---@class exax.Date
---@field year integer 1 to 9999
---@field month integer 1 to 12
---@field day integer 1 to 31

---A date and time of day, without time zone: a value of a `datetime` column, or `exax.datetime(...)`.
---@class exax.DateTime
---@field year integer 1 to 9999
---@field month integer 1 to 12
---@field day integer 1 to 31
---@field hour integer 0 to 23
---@field minute integer 0 to 59
---@field second integer 0 to 59
---@field microsecond integer 0 to 999999

---A time of day: a value of a `time` column, or `exax.time(h, mi, s, us)`.
---@class exax.Time
---@field hour integer 0 to 23
---@field minute integer 0 to 59
---@field second integer 0 to 59
---@field microsecond integer 0 to 999999
