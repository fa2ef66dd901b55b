function main(urd) urd:build('m', {n = 'x'}) end
