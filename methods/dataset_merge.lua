description = [[Merge two or more datasets: their columns side by side.
The datasets must have the same number of lines in each slice, and, unless `allow_unrelated`, a
common ancestor. Columns of later datasets replace those of the same name in earlier ones. The new
dataset uses the sources' column files (nothing is copied); its previous is `previous`.]]

options = {
  allow_unrelated = false,
}
datasets = {{'source'}, 'previous'}

function synthesis()
  return exax.std.dataset_merge{
    sources = datasets.source, previous = datasets.previous, allow_unrelated = options.allow_unrelated,
  }
end
