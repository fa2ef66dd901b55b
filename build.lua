-- The demo build script: `exax run` (or `cargo run --release -- run`) calls main(urd).
function main(urd)
  local job = urd:build('wordcount', {top = 5})
  local r = job:load()
  print(('%s counted %d words, %d distinct; the most common:'):format(job, r.total, r.distinct))
  for _, w in ipairs(r.top) do print(('  %-8s %d'):format(w.word, w.n)) end
end
