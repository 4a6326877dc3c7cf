#!/usr/bin/env bash
# Installs the Debian bookworm packages Agora needs to build, test, benchmark and
# run, and the npm packages of the tests (the OpenAPI linter; the browser test's
# driver and accessibility checker). Idempotent: when everything is present it
# changes nothing and does not touch the network. Run as root (or through sudo).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libraries
  libcaf-dev librocksdb-dev librdkafka-dev libboost-dev libsimdjson-dev
  libspdlog-dev libfmt-dev libcli11-dev libsodium-dev libjemalloc-dev
  # e-mail normalisation: IDNA domains, NFKC and case folding
  libidn2-dev libunistring-dev
  # agoractl: gzip export files
  zlib1g-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev rocksdb-tools kcat procps
  # the fuzz target (ctest -L fuzz) builds with clang and libFuzzer
  clang libclang-rt-14-dev
  # HTTP benchmarks (bench/run_http_bench.sh): wrk against nginx
  wrk nginx-light curl
  # the realtime interop test: a WebSocket client not written here
  python3-websockets
  # the web pages' browser test (tests/web, label browser): headless Chromium
  chromium
)

# The npm packages of the tests, each folder pinned by its package-lock.json
# and installed into its node_modules: the OpenAPI linter (tests/api/openapi,
# the openapi_lint test) and the browser driver and accessibility checker
# (tests/web: playwright-core, axe-core; the web_browser test). Done first, as
# the invoking user (not again as root after the sudo below: then they are
# present). Needs Node.js >= 20.19 and npm (not Debian's nodejs 18).
#   install_npm_pinned FOLDER PACKAGE...: npm ci there unless each PACKAGE is
#   installed at the version package.json pins.
install_npm_pinned() {
  local dir
  dir="$(cd "$(dirname "$0")/../$1" && pwd)"
  shift
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: Node.js (>= 20.19) and npm are needed for the tests in $dir; install them" >&2
    return 1
  fi
  local pkg pinned installed stale=()
  for pkg in "$@"; do
    pinned="$(cd "$dir" && node -p "require('./package.json').devDependencies['$pkg']")"
    installed="$(cd "$dir" && node -p "require('./node_modules/$pkg/package.json').version" 2>/dev/null || true)"
    [ "$installed" = "$pinned" ] || stale+=("$pkg@$pinned")
  done
  if [ ${#stale[@]} -eq 0 ]; then
    echo "install-deps: $* present in $dir"
    return 0
  fi
  echo "install-deps: installing ${stale[*]} (npm ci in $dir)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error --no-update-notifier >/dev/null)
}
# Only those tests need them: agorad builds and runs without Node.js, so a
# machine without it still gets the rest (those tests then fail and say why).
install_npm_pinned tests/api/openapi @redocly/cli ||
  echo "install-deps: warning: the OpenAPI linter is not installed; the openapi_lint test will fail" >&2
install_npm_pinned tests/web playwright-core axe-core ||
  echo "install-deps: warning: playwright-core and axe-core are not installed; the web_browser test will fail" >&2

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo "$0" "$@"
  fi
  echo "install-deps: missing ${missing[*]}; run as root" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
