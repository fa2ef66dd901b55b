---@meta exax.subjobs
-- `local subjobs = require('exax.subjobs')`: build jobs from a running job.

---@class exax.subjobs
local subjobs = {}

---Builds (or reuses) a job from a running job's prepare or synthesis, with the same parameters
---and reuse as `urd:build`; it is recorded in the job's `post.subjobs`, not in urd.
---@param method string
---@param params? exax.BuildParams
---@return exax.Job
function subjobs.build(method, params) end

return subjobs
