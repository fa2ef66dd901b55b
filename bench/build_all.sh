#!/usr/bin/env bash
# urd:build_all against urd:build one call after the other (issue 17, item 5).
#   W1   100 trivial jobs, all fresh (bench/lua's w1_trivial with a new salt per run)
#   W1b  the same 100 again: all reused
#   S10  10 jobs that each sleep 0.2 s in synthesis (work that does not need this CPU)
# each with `jobs at once` 2 (the default with 2 slices) and 4. Prints the median of RUNS runs
# of the whole `exax run` (wall time).
# Usage: bench/build_all.sh [RUNS]    (builds exax in release mode first)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
cargo build --release --quiet
EXAX=$PWD/target/release/exax
proj=$(mktemp -d)
trap 'rm -rf "$proj"' EXIT
conf() {
  printf 'slices: 2\nworkdirs:\n    bench ./workdirs/bench\nmethod directories:\n    ./methods\njobs at once: %s\n' "$1" > "$proj/accelerator.conf"
}
mkdir -p "$proj/methods"
cp bench/lua/methods/w1_trivial.lua "$proj/methods/"
cat > "$proj/methods/sleeper.lua" <<'LUA'
options = {x = 0, salt = ''}
function synthesis()
  os.execute('sleep 0.2')
  return options.x * 2
end
LUA
# build_<method>_<seq|all>.lua: N builds of METHOD with x = 0..N-1 and the salt urd.args[1].
for m in w1_trivial:100 sleeper:10; do
  method=${m%%:*}; n=${m##*:}
  cat > "$proj/build_${method}_seq.lua" <<LUA
function main(urd)
  local salt, sum = urd.args[1], 0
  for x = 0, $n - 1 do sum = sum + urd:build('$method', {x = x, salt = salt}):load() end
  assert(sum == $n * ($n - 1), 'bad sum ' .. sum)
end
LUA
  cat > "$proj/build_${method}_all.lua" <<LUA
function main(urd)
  local calls, sum = {}, 0
  for x = 0, $n - 1 do calls[#calls + 1] = {'$method', {x = x, salt = urd.args[1]}} end
  for _, j in ipairs(urd:build_all(calls)) do sum = sum + j:load() end
  assert(sum == $n * ($n - 1), 'bad sum ' .. sum)
end
LUA
done
now() { date +%s.%N; }
# time_run SCRIPT SALT -> seconds
time_run() {
  local t0 t1
  t0=$(now)
  (cd "$proj" && "$EXAX" run -q "$1" -- "$2" > /dev/null)
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
printf '| workload | jobs at once | one after the other (s) | build_all (s) | ratio |\n|---|---|---|---|---|\n'
salt=0
for jobs in 2 4; do
  conf "$jobs"
  for m in w1_trivial sleeper; do
    seq=(); all=(); seqb=(); allb=()
    for _ in $(seq "$RUNS"); do
      salt=$((salt + 1)); seq+=("$(time_run "${m}_seq" "s$salt")"); seqb+=("$(time_run "${m}_seq" "s$salt")")
      salt=$((salt + 1)); all+=("$(time_run "${m}_all" "s$salt")"); allb+=("$(time_run "${m}_all" "s$salt")")
    done
    s=$(printf '%s\n' "${seq[@]}" | median); a=$(printf '%s\n' "${all[@]}" | median)
    sb=$(printf '%s\n' "${seqb[@]}" | median); ab=$(printf '%s\n' "${allb[@]}" | median)
    name=$([ "$m" = w1_trivial ] && echo "W1 (100 fresh)" || echo "S10 (10 x sleep 0.2 s)")
    nameb=$([ "$m" = w1_trivial ] && echo "W1b (100 reused)" || echo "S10 reused")
    printf '| %s | %s | %s | %s | %.2f |\n' "$name" "$jobs" "$s" "$a" "$(echo "$s / $a" | bc -l)"
    printf '| %s | %s | %s | %s | %.2f |\n' "$nameb" "$jobs" "$sb" "$ab" "$(echo "$sb / $ab" | bc -l)"
  done
done
