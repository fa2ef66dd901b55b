description = [[Rewrite a dataset (or a chain) with a new hashlabel.
Every line goes to the slice the hash of its hashlabel value picks; within a slice lines keep
their order (source slice 0's first, then slice 1's, ...). The chain is read from source back to
(not including) the source of the job that made previous, at most `length` datasets (-1: no
limit), and each dataset in it becomes one here: `default` for source, `0`, `1`, ... for the
older ones, chained to each other and to previous. With chain_slices each source slice becomes
a dataset of its own (`<n>.<slice>`, the last one `default`), chained, instead.]]

options = {
  hashlabel = required(str),
  caption = '"%(caption)s" hashed on %(hashlabel)s',
  length = -1,          -- go back at most this many datasets (-1: to previous's source)
  chain_slices = false, -- one dataset per source slice
}
datasets = {'source', 'previous'}

function synthesis()
  if not datasets.source then error('dataset_hashpart: datasets.source is required', 0) end
  local stop = datasets.previous and datasets.previous.job.params.datasets.source
  local length = options.length
  if length < 0 then length = nil end
  return exax.std.dataset_hashpart{
    source = datasets.source:chain{stop_ds = stop, length = length},
    previous = datasets.previous,
    hashlabel = options.hashlabel,
    caption = options.caption,
    chain_slices = options.chain_slices,
  }
end
