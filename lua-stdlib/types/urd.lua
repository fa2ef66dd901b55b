---@meta
-- The `urd` a build script's `main(urd)` gets: building jobs, and the urd database's named lists
-- of sessions ("the latest import"). Annotate `main` to get completion:
--   ---@param urd exax.Urd
--   function main(urd) ... end

---A timestamp of an urd session: `'2024-03-01'`, `'2024-03-01T12:00'`, a non-negative integer,
---or a table of such parts (`{'2024-03-01', 2}`).
---@alias exax.Timestamp string|integer|(string|integer)[]

---A build script's handle on exax: `urd:build` and the urd sessions.
---@class exax.Urd
---The arguments after `exax run SCRIPT --`.
---@field args string[]
---The jobs built or reused since `urd:begin` (or since the start), one per build call.
---@field joblist exax.JobList
---Every job this run built or reused, one per build call.
---@field joblist_all exax.JobList
local Urd = {}

---What every build call takes besides the method's own parameters. Options, datasets and jobs
---may also be given by name at the top level (`{x = 10, source = ds}`).
---@class exax.BuildParams
---@field name? string the job's name in the joblist (default: the method)
---@field caption? string
---@field workdir? string build in this workdir instead of the target workdir
---@field force_build? boolean build even when a job can be reused
---@field why_build? boolean build nothing; return why a build would build rather than reuse (a string)
---@field options? table<string, any> options by name, when names collide
---@field datasets? table<string, exax.Dataset|string|(exax.Dataset|string)[]> datasets by name
---@field jobs? table<string, exax.Job|string|(exax.Job|string)[]> jobs by name
---@field [string] any

---Builds a job, or reuses the finished one with the same method source, modules and parameters;
---returns its Job and adds it to the joblists (with `why_build = true`: nothing is built, and it
---returns the explanation as a string). A failed job stops the build script with the job's error.
---```lua
---local job = urd:build('wordcount', {source = ds, caption = 'all words'})
---```
---@param method string
---@param params? exax.BuildParams
---@return exax.Job
---@overload fun(self: exax.Urd, method: 'csvexport', params: exax.params.csvexport): exax.Job
---@overload fun(self: exax.Urd, method: 'csvimport', params: exax.params.csvimport): exax.Job
---@overload fun(self: exax.Urd, method: 'csvimport_zip', params: exax.params.csvimport_zip): exax.Job
---@overload fun(self: exax.Urd, method: 'dataset_checksum', params: exax.params.dataset_checksum): exax.Job
---@overload fun(self: exax.Urd, method: 'dataset_checksum_chain', params: exax.params.dataset_checksum_chain): exax.Job
---@overload fun(self: exax.Urd, method: 'dataset_concat', params: exax.params.dataset_concat): exax.Job
---@overload fun(self: exax.Urd, method: 'dataset_fanout', params: exax.params.dataset_fanout): exax.Job
---@overload fun(self: exax.Urd, method: 'dataset_filter_columns', params: exax.params.dataset_filter_columns): exax.Job
---@overload fun(self: exax.Urd, method: 'dataset_hashpart', params: exax.params.dataset_hashpart): exax.Job
---@overload fun(self: exax.Urd, method: 'dataset_merge', params: exax.params.dataset_merge): exax.Job
---@overload fun(self: exax.Urd, method: 'dataset_rename_columns', params: exax.params.dataset_rename_columns): exax.Job
---@overload fun(self: exax.Urd, method: 'dataset_sort', params: exax.params.dataset_sort): exax.Job
---@overload fun(self: exax.Urd, method: 'dataset_type', params: exax.params.dataset_type): exax.Job
---@overload fun(self: exax.Urd, method: 'dataset_unroundrobin', params: exax.params.dataset_unroundrobin): exax.Job
function Urd:build(method, params) end

---Builds several independent jobs at once (each in its own process) and returns their Jobs in
---call order: `urd:build_all{{'a', {x = 1}}, {'b'}}`; each call is `{method, params?}`.
---@param calls table[]
---@return exax.Job[]
function Urd:build_all(calls) end

---`urd:build` with `previous` set to the job named `params.name` in the session the last lookup
---(`urd:latest`, `urd:get`, ...) found: chains of imports.
---@param method string
---@param params exax.BuildParams
---@return exax.Job
function Urd:build_chained(method, params) end

---Starts a session of `list`: the jobs built until `urd:finish` are its joblist.
---@param list string
---@param timestamp? exax.Timestamp (may also be given to `finish`)
---@param opts? string|{caption?: string, update?: boolean} a caption, or options (`update`: replace a session of the same timestamp)
function Urd:begin(list, timestamp, opts) end

---Records the running session of `list` (its joblist and the lookups it depended on).
---@param list string
---@param timestamp? exax.Timestamp
---@param caption? string
---@return exax.UrdFinished
function Urd:finish(list, timestamp, caption) end

---Drops the running session; nothing is recorded.
function Urd:abort() end

---Moves every session of `list` at or after `timestamp` into history (and the sessions of other
---lists that depended on them).
---@param list string
---@param timestamp exax.Timestamp
---@return exax.UrdTruncated
function Urd:truncate(list, timestamp) end

---The newest session of `list` (nil when none), recorded as a dependency of the running session.
---@param list string
---@return exax.UrdSession?
function Urd:latest(list) end

---The oldest session of `list`, recorded as a dependency of the running session.
---@param list string
---@return exax.UrdSession?
function Urd:first(list) end

---The session of `list` at `timestamp` (or a lookup: `'<=2024-03'`, `'latest'`, `'first'`),
---recorded as a dependency of the running session.
---@param list string
---@param timestamp exax.Timestamp
---@return exax.UrdSession?
function Urd:get(list, timestamp) end

---As `urd:get`, without recording a dependency (no session needs to run).
---@param list string
---@param timestamp exax.Timestamp
---@return exax.UrdSession?
function Urd:peek(list, timestamp) end

---As `urd:latest`, without recording a dependency.
---@param list string
---@return exax.UrdSession?
function Urd:peek_latest(list) end

---As `urd:first`, without recording a dependency.
---@param list string
---@return exax.UrdSession?
function Urd:peek_first(list) end

---The timestamps of the sessions of `list` after `timestamp`, oldest first.
---@param list string
---@param timestamp exax.Timestamp
---@return string[]
function Urd:since(list, timestamp) end

---The names of every list in the urd database.
---@return string[]
function Urd:list() end

---What `urd:finish` recorded.
---@class exax.UrdFinished
---@field new boolean no session of this timestamp was there
---@field changed boolean it replaced a different session of the same timestamp (`update`)
---@field is_ghost boolean it went straight to history: a session it looked up has changed since
---@field deps integer how many sessions moved to history because they depended on the one replaced

---What `urd:truncate` removed.
---@class exax.UrdTruncated
---@field count integer sessions removed
---@field deps integer sessions moved to history because they depended on those removed

---One recorded urd session.
---@class exax.UrdSession
---@field timestamp string
---@field caption string
---@field joblist exax.JobList
---@field build_job string the build script (or job) that recorded it
---@field deps table<string, exax.UrdDep> the sessions it looked up, by list

---A session another session depended on.
---@class exax.UrdDep
---@field timestamp string
---@field caption string
---@field joblist exax.JobList

---Jobs in build order: an array (`#`, `ipairs`) with lookups by name.
---@class exax.JobList
---@field [integer] exax.Job
local JobList = {}

---The last job of that name (its name in the joblist: `name=` of the build call, default the
---method), or the job at an index; nil when none.
---@param name string|integer
---@return exax.Job?
function JobList:get(name) end

---A joblist of every job of that name.
---@param name string
---@return exax.JobList
function JobList:find(name) end

---The names of the jobs, in order.
---@return string[]
function JobList:names() end
