#!/usr/bin/env bash
# lua-language-server, for tests/editor.rs's check of a fresh project with exax's stubs (it skips
# without it). Only from Debian's packages, where there is one; nothing is downloaded.
set -uo pipefail
command -v lua-language-server >/dev/null 2>&1 && exit 0
if command -v apt-cache >/dev/null 2>&1 && apt-cache show lua-language-server >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lua-language-server >/dev/null && exit 0
fi
echo "scripts/setup/luals.sh: lua-language-server is not packaged here; tests/editor.rs skips its LuaLS check"
exit 0
