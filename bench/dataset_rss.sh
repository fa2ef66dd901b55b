#!/usr/bin/env bash
# Memory of reading a dataset: writes W2's 10M-row dataset (a:int64 b:float64 c:unicode, 2 slices)
# and reads all of it in one process (synthesis) per row, in chunks, with native sum/counts, and
# with `ds:iterate` over every column; prints each run's max RSS (GNU time %M, the largest process)
# next to a job that reads nothing and the dataset's size on disk. A reader maps bounded windows
# (8 MiB per open file), so reading must not grow the process by the dataset's size.
# Usage: bench/dataset_rss.sh    (builds exax in release mode first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
EXAX=$PWD/target/release/exax
proj=$(mktemp -d)
trap 'rm -rf "$proj"' EXIT
cat > "$proj/accelerator.conf" <<CONF
slices: 2
workdirs:
    bench ./workdirs/bench
method directories:
    ./methods
CONF
mkdir -p "$proj/methods"
cp bench/lua/methods/w2_write_keys.lua "$proj/methods/"
cat > "$proj/methods/rss_read.lua" <<'LUA'
options = {how = 'none'}
datasets = {'source'}
function synthesis()
  local ds, how, n = datasets.source, options.how, 0
  if how == 'rows' then
    for a, b in ds:iterate(nil, {'a', 'b'}) do n = n + 1 end
  elseif how == 'all_columns' then
    for a, b, c in ds:iterate(nil, {'a', 'b', 'c'}) do n = n + 1 end
  elseif how == 'chunks' then
    for c, a, b in ds:iterate_chunks(nil, {'a', 'b'}) do n = n + c end
  elseif how == 'native' then
    n = ds:lines()
    ds:sum('a'); ds:sum('b'); ds:counts('c')
  end
  return n
end
LUA
cat > "$proj/build.lua" <<'LUA'
function main(urd)
  local src = urd:build('w2_write_keys'):dataset()
  local how = urd.args[1]
  local n = urd:build('rss_read', {source = src, how = how, force_build = true}):load()
  assert(how == 'none' or n == 10000000, 'read ' .. n .. ' lines')
end
LUA
cd "$proj"
"$EXAX" run -- none >/dev/null 2>&1
size=$(du -sm workdirs/bench/bench-0/DS | cut -f1)
printf '| read (in one process) | max RSS MiB | dataset on disk MiB |\n|---|---|---|\n'
for how in none rows all_columns chunks native; do
  /usr/bin/time -o rss.txt -f '%M' "$EXAX" run -- "$how" >/dev/null 2>&1
  kb=$(tail -1 rss.txt)
  printf '| %s | %d | %s |\n' "$how" $((kb / 1024)) "$size"
done
