description = [[W5 (native): count the values of column c with ds:counts, in Rust over the mapped
files (a bincount over the dictionary codes); one call covers every slice, counted in parallel.]]

datasets = {'source'}

function synthesis()
  local total = datasets.source:counts('c')
  local distinct, sum = 0, 0
  for _, n in pairs(total) do
    distinct = distinct + 1
    sum = sum + n
  end
  print(string.format('%d distinct values, %d total', distinct, sum))
  return total
end
