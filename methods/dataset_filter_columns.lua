description = [[Make only some columns of a dataset visible.
Give `keep_columns` or `discard_columns` (not both). The new dataset uses the source's column
files (nothing is copied); the hashlabel is dropped when its column is. Its previous is
`previous` (none when not given, as in the original).]]

options = {
  keep_columns = {str},
  discard_columns = {str},
}
datasets = {'source', 'previous'}

function synthesis()
  return exax.std.dataset_filter_columns{
    source = datasets.source, previous = datasets.previous,
    keep_columns = options.keep_columns, discard_columns = options.discard_columns,
  }
end
