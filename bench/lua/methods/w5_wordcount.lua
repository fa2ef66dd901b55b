description = [[W5: count the values of column c per slice, one row per loop turn, merge with merge_auto().]]

datasets = {'source'}

function analysis(sliceno)
  local counts = {}
  for c in datasets.source:iterate(sliceno, 'c') do
    counts[c] = (counts[c] or 0) + 1
  end
  return counts
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
