function main(urd) urd:begin('l', '2024-01-01') urd:build('m') urd:finish('l') end
