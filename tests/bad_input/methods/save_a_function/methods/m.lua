function synthesis(job) job:save(print, 'f') end
