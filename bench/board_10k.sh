#!/usr/bin/env bash
# The board on a workdir of 10,000 jobs: makes them (a build of 10k tiny jobs, done once per
# directory), starts `exax board`, and prints the load time of the first workdir page and of a
# job page (the median of 20 requests after one warm-up each); then, when chromium is installed,
# the same pages' load times in headless Chromium (tests/board_browser.rs, board_10k_in_browser).
# Usage: bench/board_10k.sh [DIR]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
EXAX=${EXAX:-$REPO/target/release/exax}
DIR=${1:-/tmp/exax-board-10k}
mkdir -p "$DIR/methods"
cd "$DIR"
DIR=$(pwd)
cat > accelerator.conf <<'CONF'
slices: 2
workdirs:
    big ./workdirs/big
CONF
cat > methods/tiny.lua <<'LUA'
options = {i = 0}
function synthesis(job) return options.i end
LUA
cat > build.lua <<'LUA'
function main(urd)
  for i = 1, 10000 do urd:build('tiny', {i = i}) end
end
LUA
if [ ! -d workdirs/big/big-9999 ]; then
  time "$EXAX" run -q >/dev/null
fi
"$EXAX" board --listen 127.0.0.1:0 2> board.log &
PID=$!
trap 'kill $PID' EXIT
until grep -q serving board.log; do sleep 0.1; done
ADDR=$(sed -n 's|.*http://\(.*\)/$|\1|p' board.log)
measure() {
  curl -s -o /dev/null "http://$ADDR$1"
  for _ in $(seq 20); do curl -s -o /dev/null -w '%{time_total}\n' "http://$ADDR$1"; done | sort -n | sed -n 10p
}
printf '%-28s %s\n' page "median seconds (20 loads)"
for p in /workdir/big /workdir/big?page=50 /job/big-5000 /job/big-5000/why /; do
  printf '%-28s %s\n' "$p" "$(measure "$p")"
done
kill $PID
trap - EXIT
if command -v chromium >/dev/null 2>&1; then
  cd "$REPO"
  EXAX_BOARD_10K="$DIR" cargo test -q --release --test integration board_10k_in_browser -- --ignored --nocapture 2>/dev/null \
    | grep -E '^(page|/)'
fi
