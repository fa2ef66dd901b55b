-- W2k: W2 with the strings of column c from a table. `exax run w2k -- force` rebuilds.
function main(urd)
  local job = urd:build('w2_write_keys', {force_build = urd.args[1] == 'force'})
  assert(job:dataset():lines() == 10000000, 'W2k wrote ' .. job:dataset():lines() .. ' lines')
  print('W2k ok', job)
end
