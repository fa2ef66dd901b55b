#!/usr/bin/env bash
# Headless Chromium for the board's browser tests (tests/board.rs), from Debian's `chromium`
# package. A failed install is not fatal: those tests then print `SKIP: ...` and pass.
set -uo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "scripts/setup/chromium.sh: installing chromium"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; } \
    || echo "scripts/setup/chromium.sh: could not install chromium; the board's browser tests will skip"
else
  echo "scripts/setup/chromium.sh: chromium is missing and cannot be installed here; the board's browser tests will skip"
fi
exit 0
