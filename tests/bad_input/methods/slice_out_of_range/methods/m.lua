function synthesis(job) job:save(1, 'x', {sliceno = 2}) end
