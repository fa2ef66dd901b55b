-- W3: sum a and b of the W2 dataset with w3_iterate (W2 is built first if needed, otherwise
-- reused; `exax run w3 -- force` rebuilds only the measured job).
function main(urd)
  local src = urd:build('w2_write')
  local job = urd:build('w3_iterate', {source = src, force_build = urd.args[1] == 'force'})
  local r = job:load()
  assert(r[1] == 10737413090351168, 'bad sum a ' .. r[1])
  assert(r[2] == 0.5 * (10000000 - 1) * 10000000 / 2, 'bad sum b ' .. r[2])
  print('W3 result', r[1], r[2])
end
