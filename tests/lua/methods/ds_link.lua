description = 'Links the dataset of a subjob here (manual 8.15.1), optionally overriding previous.'
local subjobs = require('exax.subjobs')
datasets = {'previous'}

function synthesis(job)
  local sub = subjobs.build('ds_numbers', {n = 5})
  local linked = sub:dataset():link_to_here{name = 'copy', override_previous = datasets.previous}
  local again = job:dataset('copy')
  return {id = linked.id, lines = again:lines(), sum = again:sum('i'), previous = linked.previous and linked.previous.id,
          sub = sub.id, datasets = #job:datasets()}
end
