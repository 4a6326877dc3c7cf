#!/usr/bin/env bash
# Installs the Debian bookworm packages Agora needs to build, test, benchmark and
# run. Idempotent: when everything is present it changes nothing and does not
# touch the network. Run as root (or through sudo).
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
)

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
