description = [[Concatenate a dataset chain into a single dataset.
Reads the chain from source back to (not including) the source of the job that made
`previous`, so these jobs chain easily, and copies it into one dataset: slice n holds slice n of
every dataset, oldest first. All must have the same columns and types and the same hashlabel. The
new dataset's previous is `previous`.]]

datasets = {'source', 'previous'}

function synthesis()
  local stop = datasets.previous and datasets.previous.job.params.datasets.source
  return exax.std.dataset_concat{sources = datasets.source:chain{stop_ds = stop}, previous = datasets.previous}
end
