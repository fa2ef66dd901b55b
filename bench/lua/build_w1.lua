-- W1 / W1b: dispatch 100 trivial jobs.  `exax run w1 -- SALT`: a new SALT
-- means 100 fresh jobs (W1), the same SALT again means 100 reused (W1b).
function main(urd)
  local salt = urd.args[1] or ''
  local jobs = {}
  for x = 0, 99 do jobs[#jobs + 1] = urd:build('w1_trivial', {x = x, salt = salt}) end
  local sum = 0
  for _, j in ipairs(jobs) do sum = sum + j:load() end
  assert(sum == 9900, 'bad sum ' .. sum)
  print('W1 ok')
end
