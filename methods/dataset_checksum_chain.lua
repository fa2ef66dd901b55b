description = [[dataset_checksum over a chain of datasets (source back to, not including, stop).
`chain_length` (-1: all) limits the chain. The result is {sum =, sums = {one per dataset,
oldest first}, sources = {the datasets}, columns =, sort =}; `sum` is the checksum of the whole
chain's rows, so with `sort` it equals dataset_checksum of the chain concatenated
(dataset_concat). Prints the total.]]

options = {
  chain_length = -1,
  columns = {str},  -- default: every column of source
  sort = true,
}
datasets = {'source', 'stop'}

function synthesis()
  local length = options.chain_length >= 0 and options.chain_length or nil
  local chain = datasets.source:chain{length = length, stop_ds = datasets.stop}
  local res = exax.std.dataset_checksum_chain{sources = chain, columns = options.columns, sort = options.sort}
  print('Total: ' .. res.sum)
  return res
end
