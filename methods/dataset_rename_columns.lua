description = [[Rename columns of a dataset.
`rename = {old = 'new'}`; `{old = false}` discards a column (the original's None). A renamed
column replaces a column that already has the new name. The hashlabel follows its column. The new
dataset uses the source's column files (nothing is copied) and keeps its previous.]]

options = {
  rename = {},  -- {['old name'] = 'new name', ['to discard'] = false}
}
datasets = {'source'}

function synthesis()
  return exax.std.dataset_rename_columns{source = datasets.source, rename = options.rename}
end
