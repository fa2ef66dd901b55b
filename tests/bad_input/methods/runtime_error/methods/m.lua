function synthesis(job) error('boom') end
