description = 'Returns its options, for parameter tests.'
options = {x = 0, s = 'default', l = {int}}
jobs = {'prev', {'many'}}

function synthesis(job)
  return {x = options.x, s = options.s, l = options.l, prev = jobs.prev, many = #jobs.many, me = job}
end
