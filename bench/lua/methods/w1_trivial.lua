-- W1/W1b: a trivial job. `salt` only joins the reuse key: a new salt means
-- a fresh job, the same salt again means the job is reused.
description = [[W1: trivial job, synthesis returns options.x * 2]]

options = {x = 0, salt = ''}

function synthesis()
  return options.x * 2
end
