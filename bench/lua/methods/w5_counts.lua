description = [[W5 (native): count the values of column c per slice with ds:counts, merge with merge_auto().]]

datasets = {'source'}

function analysis(sliceno)
  return (datasets.source:counts('c', sliceno))
end

function synthesis(analysis_res)
  local total = analysis_res:merge_auto()
  local distinct, sum = 0, 0
  for _, n in pairs(total) do
    distinct = distinct + 1
    sum = sum + n
  end
  print(string.format('%d distinct values, %d total', distinct, sum))
  return total
end
