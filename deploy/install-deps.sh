#!/usr/bin/env bash
# Installs the Debian bookworm packages Agora needs to build, test, benchmark and
# run, and the npm packages of the tests (the OpenAPI linter). Idempotent: when
# everything is present it changes nothing and does not touch the network. Run
# as root (or through sudo).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libraries
  libcaf-dev librocksdb-dev librdkafka-dev libboost-dev libsimdjson-dev
  libspdlog-dev libfmt-dev libcli11-dev libsodium-dev libjemalloc-dev
  # e-mail normalisation: IDNA domains, NFKC and case folding
  libidn2-dev libunistring-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev rocksdb-tools kcat procps
  # the fuzz target (ctest -L fuzz) builds with clang and libFuzzer
  clang libclang-rt-14-dev
  # HTTP benchmarks (bench/run_http_bench.sh): wrk against nginx
  wrk nginx-light curl
  # the realtime interop test: a WebSocket client not written here
  python3-websockets
)

# The OpenAPI linter the openapi_lint test runs, pinned by
# tests/api/openapi/package-lock.json, into that folder's node_modules. Done
# first, as the invoking user (not again as root after the sudo below: then it
# is present). Needs Node.js >= 20.19 and npm (not Debian's nodejs 18).
install_openapi_linter() {
  local dir
  dir="$(cd "$(dirname "$0")/../tests/api/openapi" && pwd)"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: Node.js (>= 20.19) and npm are needed for the OpenAPI lint test; install them" >&2
    return 1
  fi
  local pinned installed
  pinned="$(cd "$dir" && node -p "require('./package.json').devDependencies['@redocly/cli']")"
  installed="$(cd "$dir" && node -p "require('./node_modules/@redocly/cli/package.json').version" 2>/dev/null || true)"
  if [ "$installed" = "$pinned" ]; then
    echo "install-deps: @redocly/cli $pinned present"
    return 0
  fi
  echo "install-deps: installing @redocly/cli $pinned (npm ci in $dir)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error --no-update-notifier >/dev/null)
}
# Only the openapi_lint test needs it: agorad builds and runs without Node.js,
# so a machine without it still gets the rest (that test then fails and says why).
install_openapi_linter || echo "install-deps: warning: the OpenAPI linter is not installed; the openapi_lint test will fail" >&2

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
