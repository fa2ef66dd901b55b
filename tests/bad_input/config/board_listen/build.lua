function main(urd) end
