description = [[Put a round-robin sliced dataset back in file order.
new:iterate(nil) gives the lines in the order a round-robin read of source gives them (line 0
of slice 0, line 0 of slice 1, ..., line 1 of slice 0, ...): csvimport's file order, one slice
at a time. Each slice gets as many lines as source has in it, unless trigger_column is given:
then a slice switch waits until the value in that column changes, so lines with the same value
(when they are together) end up in the same slice. The new dataset chains to previous.]]

options = {
  trigger_column = str,
}
datasets = {'source', 'previous'}

function synthesis()
  if not datasets.source then error('dataset_unroundrobin: datasets.source is required', 0) end
  return exax.std.dataset_unroundrobin{
    source = datasets.source,
    previous = datasets.previous,
    trigger_column = options.trigger_column,
  }
end
