---@meta
-- What a method file declares (`description`, `options`, `datasets`, `jobs`, `depend_extra`),
-- its phases (`prepare`, `analysis`, `synthesis`, arguments by name), the option types, and a
-- build script's `main`. Phase arguments are passed by parameter name; annotate them to get
-- completion, e.g. `---@param job exax.Job` or `---@param analysis_res exax.AnalysisResults`.

---An option type marker (`int`, `float`, `number`, `str`, `bool`), for `options`:
---`options = {f = float, l = {int}, d = {[str] = float}}`. An option declared with a marker is nil
---when not given.
---@class exax.OptionType

---An integer option (`7.0` is taken as 7; `7.5` is an error).
---@type exax.OptionType
int = nil
---A float option (integers are converted).
---@type exax.OptionType
float = nil
---A number option: integer or float, kept as given.
---@type exax.OptionType
number = nil
---A string option.
---@type exax.OptionType
str = nil
---A boolean option.
---@type exax.OptionType
bool = nil

---An option that takes one of some names (`enum('fast', 'slow')`); nil when not given.
---@class exax.Enum
local Enum = {}

---The same enum with a default: `enum('fast', 'slow'):default('slow')`.
---@param name string one of the enum's names
---@return exax.Enum
function Enum:default(name) end

---An option that takes one of these names: `mode = enum('fast', 'slow')`.
---@param ... string
---@return exax.Enum
function enum(...) end

---A required option or parameter: `x = required(int)` in `options` (building without it is an
---error before the job starts), `required('source')` in `datasets` or `jobs`.
---@class exax.Required

---Marks an option (a type, enum or default) or a dataset/job parameter (its name) as required.
---@param spec exax.OptionType|exax.Enum|string|table|number|boolean
---@return exax.Required
function required(spec) end

---The method's description: the first line shows in `exax method`, all of it in
---`exax method NAME`.
---@type string
description = nil

---Declared: the options and their defaults or types (`options = {x = 3, f = float}`).
---While the job runs: the values this job got, read-only (`options.x`).
---@type table<string, any>
options = nil

---Declared: the dataset parameters (`datasets = {'source', {'parts'}, required('other')}`: a
---string is one dataset, a one-element table a list). While the job runs: the Datasets this
---job got, read-only (`datasets.source`, `datasets.parts[1]`); one not given is nil (or `{}`).
---@type table<string|integer, any>
datasets = nil

---Declared: the job parameters, as `datasets`. While the job runs: the Jobs this job got.
---@type table<string|integer, any>
jobs = nil

---Extra files (relative to the method's file) whose content joins the reuse key.
---@type string[]
depend_extra = nil

---The first phase: runs once, in this process. What it returns reaches analysis and synthesis
---as `prepare_res` (a DatasetWriter made here can be written by every analysis slice).
---Arguments by name: `job`, `slices`.
---@param job exax.Job the running job
---@param slices integer how many slices the project has
---@return any prepare_res
function prepare(job, slices) end

---Runs once per slice, in parallel processes. `sliceno` is mandatory. Arguments by name: `job`,
---`slices`, `sliceno`, `prepare_res`.
---@param sliceno integer 0 .. slices-1
---@param job exax.Job
---@param slices integer
---@param prepare_res any what prepare returned
---@return any a result for this slice (reaches synthesis in `analysis_res`)
function analysis(sliceno, job, slices, prepare_res) end

---The last phase: runs once; what it returns is the job's result (`job:load()`). Arguments by
---name: `job`, `slices`, `prepare_res`, `analysis_res`.
---@param job exax.Job
---@param slices integer
---@param prepare_res any
---@param analysis_res exax.AnalysisResults
---@return any result
function synthesis(job, slices, prepare_res, analysis_res) end

---A build script's entry point: `exax run` calls `main(urd)`.
---@param urd exax.Urd
function main(urd) end

---The analysis results in synthesis: `analysis_res[sliceno + 1]` (nil where a slice returned
---nil); `#analysis_res` is always the number of slices.
---@class exax.AnalysisResults
---@field [integer] any
local AnalysisResults = {}

---Merges the slices' results in slice order: numbers add, arrays concatenate, maps merge key by
---key, nil results are skipped; two different strings or booleans at one key are an error.
---@return any
function AnalysisResults:merge_auto() end
