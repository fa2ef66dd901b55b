description = 'Saves every kind of value, for job file tests.'
jobs = {'other'}

function values(job)
  return {
    int = 3, float = 3.0, neg = -2^63, big = 2^53 + 0.5, bytes = '\0\255\n',
    nested = {{1}, {a = {b = true}}}, empty = {},
    me = job, other = jobs.other,
    [1.5] = 'float key', [true] = 'bool key', [7] = 'int key',
  }
end

function analysis(sliceno, job)
  job:save(values(job), 'v', {sliceno = sliceno})
end

function synthesis(job)
  job:save(values(job), 'v')
  job:json_save({int = 3, float = 3.0, list = {1, 'two'}, empty = {}}, 'v.json')
end
