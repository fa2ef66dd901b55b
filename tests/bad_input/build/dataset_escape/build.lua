function main(urd)
  local j = urd:build('m')
  print(j:dataset('../../../../etc').lines)
end
