#!/usr/bin/env bash
# The cost of a status update in a hot loop: a method calls `update(msg)` N times (10M by default)
# in synthesis (in the `exax run` process) and in analysis (in a worker), and prints a table of
# ns per call next to the empty loop and a loop that only makes the message.
# Usage: bench/status_update.sh [N]    (builds exax in release mode first)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000000}
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
cat > "$proj/methods/status_bench.lua" <<'LUA'
options = {n = 10000000}

local function per_call(f, n)
  local best = math.huge
  for _ = 1, 3 do
    local t0 = os.clock()
    f(n)
    best = math.min(best, os.clock() - t0)
  end
  return best * 1e9 / n
end

local function measure(where)
  local n = options.n
  local update <close> = status('bench')
  local msg = 'task 3'
  local rows = {}
  local empty = per_call(function(n) for i = 1, n do local _ = msg end end, n)
  local const = per_call(function(n) for i = 1, n do update(msg) end end, n)
  local concat_only = per_call(function(n) for i = 1, n do local _ = 'task ' .. i end end, n)
  local concat = per_call(function(n) for i = 1, n do update('task ' .. i) end end, n)
  local lua_slot = per_call(function(n) local slot; local set = function(m) slot = m end for i = 1, n do set(msg) end end, n)
  local lines = {
    string.format('%-10s %-44s %8.1f ns', where, 'empty loop', empty),
    string.format('%-10s %-44s %8.1f ns', where, 'update(msg), same string', const),
    string.format('%-10s %-44s %8.1f ns', where, '  update cost (minus empty loop)', const - empty),
    string.format('%-10s %-44s %8.1f ns', where, "loop making 'task ' .. i only", concat_only),
    string.format('%-10s %-44s %8.1f ns', where, "update('task ' .. i)", concat),
    string.format('%-10s %-44s %8.1f ns', where, '  update cost (minus making the string)', concat - concat_only),
    string.format('%-10s %-44s %8.1f ns', where, 'for scale: a Lua function storing msg', lua_slot),
  }
  return table.concat(lines, '\n')
end

function analysis(sliceno)
  if sliceno == 0 then return measure('analysis') end
end

function synthesis(analysis_res)
  print(string.format('%d calls per case, best of 3, per call:', options.n))
  print(measure('synthesis'))
  print(analysis_res[1])
end
LUA
cat > "$proj/build.lua" <<LUA
function main(urd) urd:build('status_bench', {n = $N}) end
LUA
cd "$proj" && "$EXAX" run -q
