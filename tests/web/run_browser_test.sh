#!/usr/bin/env bash
# Runs browser_test.mjs: headless Debian Chromium driven by the playwright-core
# pinned in this folder's package-lock.json, against a real agorad. Fails (never
# skips) when Node.js, the pinned npm packages or /usr/bin/chromium are missing:
# deploy/install-deps.sh installs them.
#   run_browser_test.sh AGORAD OUTPUT_DIR
set -euo pipefail
agorad="$(realpath "${1:?usage: run_browser_test.sh AGORAD OUTPUT_DIR}")"
out="${2:?usage: run_browser_test.sh AGORAD OUTPUT_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
chromium="${AGORA_CHROMIUM:-/usr/bin/chromium}"

fail() { echo "web browser test: $*; run deploy/install-deps.sh" >&2; exit 1; }
command -v node >/dev/null 2>&1 || fail "Node.js is not installed"
[ -x "$chromium" ] || fail "$chromium is not installed (Debian package chromium)"
for pkg in playwright-core axe-core; do
  pinned="$(cd "$here" && node -p "require('./package.json').devDependencies['$pkg']")"
  installed="$(cd "$here" && node -p "require('./node_modules/$pkg/package.json').version" 2>/dev/null || true)"
  [ "$installed" = "$pinned" ] || fail "npm $pkg $pinned is not installed in $here/node_modules (found: ${installed:-none})"
done
mkdir -p "$out"
exec node "$here/browser_test.mjs" "$agorad" "$(realpath "$out")" "$chromium"
