-- W2: write 5M rows per slice (10M with 2 slices). `exax run w2 -- force` rebuilds.
function main(urd)
  local job = urd:build('w2_write', {force_build = urd.args[1] == 'force'})
  assert(job:dataset():lines() == 10000000, 'W2 wrote ' .. job:dataset():lines() .. ' lines')
  print('W2 ok', job)
end
