function synthesis(job) job:save({1, 2}, 'data'); return 42 end
