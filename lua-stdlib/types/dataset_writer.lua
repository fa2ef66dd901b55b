---@meta
-- The DatasetWriter handle: `job:datasetwriter{...}` in prepare (return it, and every analysis
-- slice writes its own slice) or synthesis.

---The type names of dataset columns.
---@alias exax.ColumnType
---| 'int32'
---| 'int64'
---| 'float32'
---| 'float64'
---| 'number' # integers and floats, kept exactly
---| 'bool'
---| 'ascii'
---| 'unicode'
---| 'bytes'
---| 'date'
---| 'datetime'
---| 'time'
---| 'json'

---Options of `job:datasetwriter`.
---@class exax.WriterOptions
---@field name? string the dataset's name (default `'default'`)
---@field hashlabel? string rows must go to the slice the hash of this column picks
---@field previous? exax.Dataset|string the dataset this one continues (a chain)
---@field parent? exax.Dataset|string the dataset whose columns this one adds to
---@field caption? string

---Options of `dw:add`.
---@class exax.ColumnOptions
---@field none_support? boolean the column may hold None (nil or `exax.null`)

---A dataset being written. It becomes a Dataset when the job succeeds (or at `dw:finish()`).
---@class exax.DatasetWriter
---Writes one row, values in `add` order: `dw:write(1, 0.5, 'k')`. A value of the wrong type, or
---nil in a column without none_support, is an error naming the column.
---@field write fun(self: exax.DatasetWriter, ...: any)
local DatasetWriter = {}

---Adds a column (before the first row is written).
---@param name string
---@param type exax.ColumnType
---@param opts? exax.ColumnOptions
function DatasetWriter:add(name, type, opts) end

---Writes one row given by column name: `dw:write_dict{a = 1, b = 0.5}` (a missing name is None).
---@param row table<string, any>
function DatasetWriter:write_dict(row) end

---Chooses the slice the next rows go to (needed only in prepare and synthesis).
---@param sliceno integer
function DatasetWriter:set_slice(sliceno) end

---With a hashlabel: each slice keeps only the rows whose hash picks it and drops the rest
---silently (so every slice may offer every row), instead of failing on a row in the wrong slice.
function DatasetWriter:enable_hash_discard() end

---Finishes the dataset now (prepare or synthesis) and returns it; otherwise it is finished when
---the job succeeds.
---@return exax.Dataset
function DatasetWriter:finish() end
