-- exax.subjobs: build jobs from a running job (prepare or synthesis).
--   local subjobs = require('exax.subjobs')
--   local job = subjobs.build('method', {x = 1})
-- Same parameters and reuse as urd:build; the jobs built are recorded in job.post.subjobs.
local M = {}

function M.build(method, params)
  return exax._build_subjob(method, params)
end

return M
