function main(urd)
  if then
end
