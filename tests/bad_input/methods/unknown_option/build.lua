function main(urd) urd:build('m', {nn = 2}) end
