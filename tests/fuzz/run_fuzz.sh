#!/usr/bin/env bash
# Builds the request-body fuzzer with clang and libFuzzer (+ ASan, UBSan) and
# runs it for a bounded time over the corpus kept in the repository. New
# inputs go to a scratch copy; add interesting ones to the corpus by hand.
# usage: tests/fuzz/run_fuzz.sh [seconds]   (default 30; FUZZ_SECONDS also works)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-${FUZZ_SECONDS:-30}}
command -v clang++ >/dev/null || { echo "clang++ missing: apt-get install clang libclang-rt-14-dev" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/agora-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$root" "$root/api/src/request_bodies.cpp" "$root/tests/fuzz/request_bodies_fuzz.cpp" \
  -lsimdjson -o "$work/request_bodies_fuzz"
mkdir -p "$work/corpus"
"$work/request_bodies_fuzz" -max_total_time="$seconds" -max_len=4096 -timeout=5 -rss_limit_mb=1024 \
  -print_final_stats=1 "$work/corpus" "$root/tests/fuzz/corpus/request_bodies"
echo "1 passed, 0 failed"
