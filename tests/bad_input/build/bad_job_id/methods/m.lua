jobs = {'prev'}
function synthesis(job) end
