description = [[W3 (chunked): the same sums as w3_iterate, reading a and b as Lua tables of 4096 values.]]

datasets = {'source'}

function analysis(sliceno)
  local sa, sb = 0, 0.0
  for n, a, b in datasets.source:iterate_chunks(sliceno, {'a', 'b'}) do
    for i = 1, n do
      sa = sa + a[i]
      sb = sb + b[i]
    end
  end
  return {sa, sb}
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
