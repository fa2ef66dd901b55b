-- W2nw: W2's loop without the writes (method w2_nowrite). `exax run w2nw -- force` rebuilds.
function main(urd)
  local job = urd:build('w2_nowrite', {force_build = urd.args[1] == 'force'})
  print('W2nw ok', job)
end
