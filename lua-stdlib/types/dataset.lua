---@meta
-- The Dataset handle: `job:dataset(name?)`, `datasets.x` of a method, `dw:finish()`,
-- `ds.previous`. `tostring(ds)` and `ds.id` are its id (`demo-3/default`); `==` compares ids.

---A finished dataset: typed columns, split in slices.
---@class exax.Dataset
---The id, `job/name` (`demo-3/default`).
---@field id string
---The name within its job (`default`).
---@field name string
---The job the dataset belongs to.
---@field job exax.Job
---Every column: `ds.columns.a.type` is `'int64'`, ...
---@field columns table<string, exax.Column>
---The column whose hash places each row in its slice, or nil.
---@field hashlabel string?
---The caption given to the writer ('' when none).
---@field caption string
---How many slices it has.
---@field slices integer
---The dataset this one continues (a chain), or nil.
---@field previous exax.Dataset?
---The dataset whose columns this one adds to, or nil.
---@field parent exax.Dataset?
local Dataset = {}

---A column of a dataset (`ds.columns[name]`).
---@class exax.Column
---@field type exax.ColumnType
---@field none_support boolean whether the column may hold None

---Options of `ds:iterate`.
---@class exax.IterateOptions
---Every None in every column is read as this value instead of nil (`exax.null` is made for it).
---Without it, a None in the first column is an error (it would end a `for` loop).
---@field none? any

---Options of `ds:iterate_chain`.
---@class exax.IterateChainOptions: exax.IterateOptions
---@field stop_ds? exax.Dataset|string stop before this dataset (not included)
---@field length? integer at most this many datasets

---Options of `ds:iterate_chunks`.
---@class exax.IterateChunksOptions: exax.IterateChainOptions
---@field size? integer values per chunk (default 4096)
---@field chain? boolean follow `previous` links (oldest first), as `iterate_chain`

---Options of `ds:chain`.
---@class exax.ChainOptions
---@field stop_ds? exax.Dataset|string stop before this dataset (not included)
---@field length? integer at most this many datasets

---Options of `ds:link_to_here`.
---@class exax.LinkOptions
---@field name? string the name in the running job (default `'default'`)
---@field override_previous? exax.Dataset|string|false a new `previous`; false: none

---Lines in one slice, or (sliceno nil) in all slices.
---@param sliceno? integer
---@return integer
function Dataset:lines(sliceno) end

---The smallest value of a column (numeric, bool and date types; None and NaN skipped), from
---the metadata; nil when there is none.
---@param col string
---@param sliceno? integer
---@return any
function Dataset:min(col, sliceno) end

---The largest value of a column, as `min`.
---@param col string
---@param sliceno? integer
---@return any
function Dataset:max(col, sliceno) end

---An iterator of rows: `for a, b in ds:iterate(sliceno, {'a', 'b'}) do`. `cols` is a name (bare
---values), an array of names, or nil (every column, sorted by name); `sliceno` nil means every
---slice in order.
---@param sliceno integer?
---@param cols? string|string[]
---@param opts? exax.IterateOptions
---@return fun(): any, ...
function Dataset:iterate(sliceno, cols, opts) end

---As `iterate`, over this dataset and its `previous` datasets, oldest first.
---@param sliceno integer?
---@param cols? string|string[]
---@param opts? exax.IterateChainOptions
---@return fun(): any, ...
function Dataset:iterate_chain(sliceno, cols, opts) end

---Chunks of rows, for tight loops: `for n, a, b in ds:iterate_chunks(nil, {'a', 'b'}) do for
---i = 1, n do ... a[i] ... end end`: a count and one table per column of up to `size` values
---(a None leaves a hole, or is `none`'s value); a chunk never spans two slices.
---@param sliceno integer?
---@param cols? string|string[]
---@param opts? exax.IterateChunksOptions
---@return fun(): integer, table, ...
function Dataset:iterate_chunks(sliceno, cols, opts) end

---The datasets `iterate_chain` walks, oldest first.
---@param opts? exax.ChainOptions
---@return exax.Dataset[]
function Dataset:chain(opts) end

---The sum of a numeric or bool column (native; integers exact).
---@param col string
---@param sliceno? integer
---@return number
function Dataset:sum(col, sliceno) end

---How often each value occurs (native): `{[value] = count}`, and the number of Nones.
---@param col string
---@param sliceno? integer
---@return table<any, integer> counts
---@return integer nones
function Dataset:counts(col, sliceno) end

---How many distinct values a column has (native; None not counted).
---@param col string
---@param sliceno? integer
---@return integer
function Dataset:distinct(col, sliceno) end

---This dataset under a name in the running job (prepare or synthesis; its files stay where
---they are), with this dataset as its `parent`.
---@param opts? exax.LinkOptions
---@return exax.Dataset
function Dataset:link_to_here(opts) end
