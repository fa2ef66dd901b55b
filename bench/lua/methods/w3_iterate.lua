description = [[W3: iterate columns a and b per slice, one row per loop turn, sum them, merge in synthesis.]]

datasets = {'source'}

function analysis(sliceno)
  local sa, sb = 0, 0.0
  for a, b in datasets.source:iterate(sliceno, {'a', 'b'}) do
    sa = sa + a
    sb = sb + b
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
