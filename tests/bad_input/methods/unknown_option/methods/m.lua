options = {n = 1}
function synthesis(job) end
