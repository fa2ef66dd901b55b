#!/usr/bin/env bash
# What starting an analysis slice costs on each executor (issue 17): `local` (a process per
# slice), `srun` (`executor: slurm`, a Slurm job per slice) and `steps` (`executor: slurm` inside
# an allocation: `salloc ... bash -c 'exax run'`, a step per slice, timed inside the allocation).
#   J1   one job of S trivial slices (default 8)
#   J10  10 trivial jobs of 2 slices each, one after the other
# Prints the median wall time of RUNS runs of the whole `exax run` (every job fresh) and that time
# divided by the number of slices. Needs a Slurm node in partition `debug` (scripts/setup/slurm.sh);
# without one it says so and exits 0.
# Usage: bench/dispatch.sh [RUNS] [S]    (builds exax in release mode first)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
S=${2:-8}
states=$(timeout 5 sinfo -h -p debug -o '%t' 2>/dev/null || true)
if ! grep -qE '^(idle|mix|alloc)' <<<"$states"; then
  echo "SKIP: bench/dispatch.sh: no Slurm node answers in partition debug (scripts/setup/slurm.sh starts one)"
  exit 0
fi
cargo build --release --quiet
EXAX=$PWD/target/release/exax
proj=$(mktemp -d)
trap 'rm -rf "$proj"' EXIT
mkdir -p "$proj/methods"
cat > "$proj/methods/trivial.lua" <<'LUA'
options = {x = 0, salt = ''}
function analysis(sliceno) return sliceno end
LUA
cat > "$proj/build_j1.lua" <<'LUA'
function main(urd) urd:build('trivial', {salt = urd.args[1]}) end
LUA
cat > "$proj/build_j10.lua" <<'LUA'
function main(urd) for x = 1, 10 do urd:build('trivial', {x = x, salt = urd.args[1]}) end end
LUA
conf() { # SLICES EXECUTOR
  printf 'slices: %s\nworkdirs:\n    b%s ./workdirs/b%s\nmethod directories:\n    ./methods\nexecutor: %s\nslurm partition: debug\n' "$1" "$1" "$1" "$2" > "$proj/accelerator.conf"
}
# one_run EXECUTOR SCRIPT SLICES -> seconds of `exax run`
one_run() {
  # A new salt every run (this runs in a subshell): every job is fresh.
  local run="t0=\$(date +%s.%N); \"$EXAX\" run -q $2 -- s$(date +%s%N) > /dev/null || exit 1; t1=\$(date +%s.%N); echo \"\$t1 - \$t0\" | bc -l"
  case $1 in
    local|srun) (cd "$proj" && bash -c "$run") ;;
    steps) (cd "$proj" && salloc --quiet -p debug -N1 -n"$3" -O bash -c "$run") ;;
  esac
}
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
printf '| executor | workload | slices | exax run (s) | per slice (ms) |\n|---|---|---|---|---|\n'
for ex in local srun steps; do
  exec_key=$([ "$ex" = local ] && echo local || echo slurm)
  for w in j1 j10; do
    if [ "$w" = j1 ]; then slices=$S; total=$S; else slices=2; total=20; fi
    conf "$slices" "$exec_key"
    times=()
    for _ in $(seq "$RUNS"); do times+=("$(one_run "$ex" "$w" "$slices")"); done
    t=$(printf '%s\n' "${times[@]}" | median)
    name=$([ "$w" = j1 ] && echo "1 job x $S slices" || echo "10 jobs x 2 slices")
    printf '| %s | %s | %s | %s | %.1f |\n' "$ex" "$name" "$total" "$t" "$(echo "$t * 1000 / $total" | bc -l)"
  done
done
