description = [[W3 (native): the same sums as w3_iterate with ds:sum, in Rust over the mapped files.
One call per column covers every slice (slices are summed in parallel), so the job needs no
analysis workers.]]

datasets = {'source'}

function synthesis()
  local ds = datasets.source
  local sa, sb = ds:sum('a'), ds:sum('b')
  print(string.format('sum a = %d, sum b = %.1f', sa, sb))
  return {sa, sb}
end
