description = [[One dataset per value of a column of a dataset (or chain).
Reads source back to (not including) the source of the job `previous`. Each distinct value of
`column` gets a dataset named by the value as text ('None' for None), holding the other columns
of the rows with that value, in chain order, slice by slice; the hashlabel is kept unless it is
`column`. Every dataset of `previous` gets one here too (empty if the value did not occur this
time), chained to it. Chained datasets must agree on column types (the original also widens
int32 to int64 and the like). The result is the sorted list of dataset names.]]

options = {
  column = required(str),  -- split on this column
  length = -1,             -- at most this many datasets of the chain (-1: back to previous's source)
}
datasets = {'source'}
jobs = {'previous'}

function synthesis()
  if not datasets.source then error('dataset_fanout: datasets.source is required', 0) end
  local stop = jobs.previous and jobs.previous.params.datasets.source
  local prev = {}
  if jobs.previous then
    for _, ds in ipairs(jobs.previous:datasets()) do prev[ds.name] = ds end
  end
  return exax.std.dataset_fanout{
    sources = datasets.source:chain{stop_ds = stop, length = options.length >= 0 and options.length or nil},
    column = options.column,
    previous = prev,
  }
end
