function synthesis(job) job:save(1, 'a\0b') end
