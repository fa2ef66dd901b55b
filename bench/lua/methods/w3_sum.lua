description = [[W3 (native): the same sums as w3_iterate with ds:sum, in Rust over the mapped files.]]

datasets = {'source'}

function analysis(sliceno)
  return {datasets.source:sum('a', sliceno), datasets.source:sum('b', sliceno)}
end

function synthesis(analysis_res)
  local sa, sb = 0, 0.0
  for i = 1, #analysis_res do
    sa = sa + analysis_res[i][1]
    sb = sb + analysis_res[i][2]
  end
  print(string.format('sum a = %d, sum b = %.1f', sa, sb))
  return {sa, sb}
end
