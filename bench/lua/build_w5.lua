-- W5: count column c of the W2 dataset with w5_wordcount (W2 is built first if needed, otherwise
-- reused; `exax run w5 -- force` rebuilds only the measured job).
function main(urd)
  local src = urd:build('w2_write')
  local job = urd:build('w5_wordcount', {source = src, force_build = urd.args[1] == 'force'})
  local res = job:load()
  local distinct, sum = 0, 0
  for _, n in pairs(res) do
    distinct = distinct + 1
    sum = sum + n
  end
  assert(distinct == 1000 and sum == 10000000 and res.k7 == 10000, 'bad counts')
  print(string.format('W5: %d distinct, %d total', distinct, sum))
end
