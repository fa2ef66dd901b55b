function main(urd) urd:build('m', {jobs = {prev = 'test-999'}}) end
