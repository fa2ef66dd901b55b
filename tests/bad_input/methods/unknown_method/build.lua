function main(urd) urd:build('nosuch') end
