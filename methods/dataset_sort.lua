description = [[Stable sort of a dataset (or a chain) on one or more columns.
Lines with equal sort values keep their order, also with sort_order = 'descending'. Type the
sort columns first (text sorts as text). Several columns sort on the first, then the second, ...
None sorts as the smallest value (int, bool, float, number), as '' (strings) or as the largest
value (date, datetime, time); NaN sorts as +inf; json columns cannot be sorted on.
By default each slice is sorted on its own (the hashlabel is kept). With sort_across_slices the
whole dataset is sorted and spread over the slices in order, (almost) the same number of lines
in each (no hashlabel); trigger_column (one of sort_columns) then moves each slice switch
forward to where that column's value changes, so equal values stay in one slice.
source is sorted back to (not including) the source of the job that made previous, so a chain
of sorts follows a chain of datasets. The new dataset chains to previous.]]

options = {
  sort_columns = required({str}),  -- one name or a list
  sort_order = enum('ascending', 'descending'):default('ascending'),
  sort_across_slices = false,      -- normally each slice is sorted on its own
  trigger_column = str,            -- with sort_across_slices: switch slice only where this column changes
}
datasets = {'source', 'previous'}

function synthesis()
  if not datasets.source then error('dataset_sort: datasets.source is required', 0) end
  local stop = datasets.previous and datasets.previous.job.params.datasets.source
  return exax.std.dataset_sort{
    source = datasets.source:chain{stop_ds = stop},
    previous = datasets.previous,
    sort_columns = options.sort_columns,
    sort_order = options.sort_order,
    sort_across_slices = options.sort_across_slices,
    trigger_column = options.trigger_column,
  }
end
