function synthesis(job) job:datasetwriter{name = '../x'} end
