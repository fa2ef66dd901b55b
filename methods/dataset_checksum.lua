description = [[A checksum of some columns of a dataset, to compare datasets across machines.
`columns` defaults to all. With `sort` (the default) neither the order of the rows nor the
slicing matters; without it both do. The hash is exax's own (xxh3-128 per row, summed), not the
original's md5: compare sums made by exax with each other. Equal values in columns of related
types agree (int32 and int64, float32 and float64, ascii, unicode and bytes). The result is
{sum = 32 hex digits, sort =, columns = {sorted names}, source =}, and the sum is printed.]]

options = {
  columns = {str},  -- default: every column
  sort = true,      -- false: the order of the rows (and the slicing) counts
}
datasets = {'source'}

function synthesis()
  local res = exax.std.dataset_checksum{source = datasets.source, columns = options.columns, sort = options.sort}
  print(('%s: %s'):format(datasets.source.id, res.sum))
  return res
end
