function main(urd) urd:build('m') end
