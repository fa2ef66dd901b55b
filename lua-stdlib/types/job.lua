---@meta
-- The Job handle: what `urd:build` returns, the `job` argument of a phase, `jobs.x` of a
-- method, `ds.job`. The same handle everywhere; writing files needs the running job.

---A job: `tostring(job)` and `job.id` are its id (`demo-12`); `==` compares ids.
---@class exax.Job
---The id, `workdir-number` (`demo-12`).
---@field id string
---The workdir's name (`demo`).
---@field workdir string
---The job's number in its workdir (12 in `demo-12`).
---@field number integer
---The job directory (absolute).
---@field path string
---The method's name.
---@field method string
---The parameters as stored in setup.json, after defaults (read-only).
---@field params exax.JobParams
---What the run recorded in post.json (read-only); nil while the job runs.
---@field post exax.JobPost?
local Job = {}

---The job's parameters, as `job.params` shows them.
---@class exax.JobParams
---@field method string the method's name
---@field hash string the reuse key (32 hex digits)
---@field caption string the caption given to `urd:build` ('' when none)
---@field options table<string, any> every option, defaults applied
---@field datasets table<string, exax.Dataset|exax.Dataset[]> dataset parameters
---@field jobs table<string, exax.Job|exax.Job[]> job parameters

---What a finished job recorded, as `job.post` shows it.
---@class exax.JobPost
---@field version integer the format of post.json
---@field hash string the reuse key, as in setup.json
---@field starttime number when the job started (seconds since the epoch)
---@field endtime number when it finished
---@field exectime exax.ExecTime seconds per phase
---@field files string[] the registered files, sorted
---@field subjobs exax.Job[] the jobs it built with `exax.subjobs`, in order
---@field inputs? exax.InputFile[] the input files it read (absent when none)
---@field result? boolean whether synthesis left a result
---@field checksums? table<string, {len: integer, xxh3: string, stamp?: string}> per file of the job (`result.msgpack`, each listed file, each `DS/NAME/dataset.json`): its length and the xxh3-64 of every 1 MiB block as 16 hex digits each; `exax verify` checks them

---Seconds spent per phase.
---@class exax.ExecTime
---@field prepare number
---@field analysis number
---@field per_slice number[] one per slice, slice 0 first
---@field synthesis number
---@field total number

---An input file a job read, as it was when the job finished (it decides reuse).
---@class exax.InputFile
---@field name string relative to the input directory
---@field size integer bytes
---@field mtime_ns integer modification time, nanoseconds since the epoch
---@field hash string xxh3-128 of the content, 32 hex digits

---`{sliceno=}` of the file methods that read: one file per slice when `sliceno` is given.
---@class exax.ReadOptions
---@field sliceno? integer the slice's own file (0 .. slices-1)

---`{sliceno=, temp=}` of the file methods that write.
---@class exax.WriteOptions: exax.ReadOptions
---@field temp? boolean deleted when the job ends and never registered (unless registered explicitly)

---Writes `value` as a MessagePack file of the running job (and registers it). Values: nil,
---booleans, integers, floats, strings, tables, Job/Dataset/DatasetWriter handles.
---@param value any
---@param name string a name inside the job directory
---@param opts? exax.WriteOptions
function Job:save(value, name, opts) end

---Writes `value` as a JSON file of the running job (keys sorted; a table with keys exactly 1..n
---is an array, so `{}` is `[]`).
---@param value any
---@param name string
---@param opts? exax.WriteOptions
function Job:json_save(value, name, opts) end

---The job's result (what synthesis returned; nil when it returned nothing), or with `name` a
---file written by `job:save`.
---@param name? string
---@param opts? exax.ReadOptions
---@return any
function Job:load(name, opts) end

---A JSON file of the job, as Lua values.
---@param name string
---@param opts? exax.ReadOptions
---@return any
function Job:json_load(name, opts) end

---A file of the job as a Lua file handle, like `io.open`; writing (`'w'`, `'a'`, `'+'`) needs
---the running job and registers the file.
---@param name string
---@param mode? string `'r'` (default), `'w'`, `'a'`, with `'+'` and `'b'` as `io.open` takes them
---@param opts? exax.WriteOptions
---@return file*
function Job:open(name, mode, opts) end

---Registers one file of the running job (switches the job to manual registration). Without
---`sliceno`, every slice's file of a sliced name is registered.
---@param name string
---@param opts? exax.ReadOptions
function Job:register_file(name, opts) end

---Registers the running job's files that match a glob (`'*.csv'`); returns their names, sorted.
---@param pattern string
---@return string[]
function Job:register_files(pattern) end

---The job's registered files, sorted (exax's own files are never among them).
---@return string[]
function Job:files() end

---The absolute path of a file of the job (which need not exist yet).
---@param name string
---@param opts? exax.ReadOptions
---@return string
function Job:filename(name, opts) end

---Opens a file of the input directory for reading; the job records it (size, time, hash), so a
---changed file rebuilds the job. The path may not leave the input directory.
---@param name string relative to the input directory
---@param mode? 'r'|'rb'
---@return file*
function Job:open_input(name, mode) end

---The project's input directory (absolute).
---@return string
function Job:input_directory() end

---The absolute path of a file in the input directory (parts are joined with `/`); the running
---job records the file as an input when it exists at the end of the job.
---@param ... string
---@return string
function Job:input_filename(...) end

---A finished dataset of this job (or one the running job wrote).
---@param name? string default `'default'`
---@return exax.Dataset
function Job:dataset(name) end

---Every finished dataset of this job, sorted by name.
---@return exax.Dataset[]
function Job:datasets() end

---A new dataset writer of the running job, in prepare (return it so analysis can write it) or
---synthesis. Writers are finished when the job succeeds.
---@param opts? exax.WriterOptions
---@return exax.DatasetWriter
function Job:datasetwriter(opts) end

---Links a file of the job into the result directory (atomically replacing an older link) and
---returns the link's path. `linkname` defaults to the file's own name; one ending in `/` is a
---directory the link goes into.
---@param name? string default: the result file
---@param linkname? string
---@return string
function Job:link_result(name, linkname) end

---What the job printed: all of it (prepare, slices 0.., synthesis), or one part; `''` when the
---part printed nothing.
---@param part? 'prepare'|'synthesis'|integer|string a phase or a slice number
---@return string
function Job:output(part) end
