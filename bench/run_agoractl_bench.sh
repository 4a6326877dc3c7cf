#!/usr/bin/env bash
# agoractl over a log of >= 1,000,000 events, with the peers that bound each
# figure, in one run on one machine:
#   export (plain, .gz) and import (plain, .gz) rates, against gzip -1 of the
#   same NDJSON; backup of a stopped store (RocksDB checkpoint) and of a held
#   one (copy through a secondary instance) and restore, against cp -a of the
#   store directory; store verify (store checks + domain decode + checksum);
#   replay of the read models offline (all four, then the catalog alone, then
#   accounts alone: on this products-only log accounts applies nothing, so that
#   run is the scan + decode ceiling of any replay).
# Online (when agorad is in the build too): a second log of 1,000,000 events
# (25,000 products x 40: the catalog's cost grows with products sharing a term,
# see bench/RESULTS.md), a real agorad on it, then agoractl against it:
# replay all --online (the node rebuilds the four models while serving),
# replay --dry-run (the node rebuilds shadows and compares them key by key), backup --url (the
# node's RocksDB checkpoint of its live store), restore of that backup.
# The log: 100,000 products created then repriced 9 times (domain-encoded
# events, about 300 bytes each), written by agoractl_store_fixture.
# usage: bench/run_agoractl_bench.sh [release-build-dir] [fixture]
#   ONLINE_ONLY=1: only the online part
#   REPLAY_ONLY=1: only the offline replay, stage by stage, on three logs of
#     >= 1,000,000 events: the fixture's 100,000 x 10 and 25,000 x 40
#     products, and a mixed shop history from agora-history-gen
#     (MIXED_ORDERS=65000 orders: about 1,045,000 events with orders, carts,
#     customers, inventory). Per log: the scan alone (log stats), scan +
#     decode (store verify; replay accounts), then replay all and each model
#     alone, on disk and --in-memory, and the four checksums
#   (defaults: build/release, build/dev/bin/agoractl_store_fixture; the fixture
#    is a test target, so it comes from the dev build)
set -euo pipefail
build=${1:-build/release}
fixture=${2:-build/dev/bin/agoractl_store_fixture}
ctl="$build/bin/agoractl"
[ -x "$ctl" ] || { echo "build first: cmake --preset release && cmake --build --preset release --target agoractl" >&2; exit 2; }
[ -x "$fixture" ] || { echo "build the fixture: cmake --build --preset dev --target agoractl_store_fixture" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/agoractl-bench-XXXXXX")
holder=
node=
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; [ -n "$node" ] && kill "$node" 2>/dev/null; rm -rf "$work"' EXIT
products=${PRODUCTS:-100000}
changes=${CHANGES:-9}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" <<<"$2" | head -1; }

echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
online() {
  local agorad="$build/bin/agorad"
  [ -x "$agorad" ] || { echo "== online: no $agorad (cmake --build --preset release --target agorad); skipped"; return; }
  local p=${ONLINE_PRODUCTS:-25000} c=${ONLINE_CHANGES:-39}
  t=$(now); events=$("$fixture" "$work/online" --products "$p" --price-changes "$c" --customers 0)
  echo "== online: $events events ($p products x $((c + 1))) written in $(since "$t") s; store $(du -sh "$work/online" | cut -f1)"
  export AGORA_AUTH_JWT_SECRET=5b2d48c6a0e1f7d3b5c9e2a4d6f8b1c39f3c1a7e5e5a7d9f0b2c4e6a8d0f1b3c
  t=$(now)
  AGORA_ADMIN_EMAIL=admin@bench.test AGORA_ADMIN_PASSWORD=admin-password "$agorad" --store.path="$work/online" \
    --http.port=0 --http.access_log=false --kafka.brokers=off > "$work/agorad.log" 2>&1 &
  node=$!
  for _ in $(seq 1 3000); do grep -q "agorad ready" "$work/agorad.log" && break; sleep 0.1; done
  grep -q "agorad ready" "$work/agorad.log" || { echo "agorad did not start"; tail "$work/agorad.log"; return; }
  echo "agorad ready (start-up replay of the log included) in $(since "$t") s"
  local url
  url="http://$(sed -n 's|.*HTTP API listening on http://\([0-9.:]*\).*|\1|p' "$work/agorad.log" | head -1)"
  printf 'admin-password\n' | "$ctl" login admin@bench.test --url "$url" --out "$work/token" >/dev/null
  run "replay all --online (4 models, node serving)" "$ctl" replay all --online --url "$url" --token-file "$work/token" -q --json
  echo "   tool's rate: $(field events_per_s "$out") ev/s over the 4 models; the node rebuilds them one batch each in turn"
  run "replay orders --online" "$ctl" replay orders --online --url "$url" --token-file "$work/token" -q --json
  run "replay --dry-run (the node: 4 shadows rebuilt and compared key by key)" "$ctl" replay --dry-run --url "$url" --token-file "$work/token" -q --json
  echo "   results: $(grep -o '"result":"[a-z]*"' <<<"$out" | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
  echo "   entries compared (live): $(grep -o '"live_entries":[0-9]*' <<<"$out" | awk -F: '{s += $2} END {print s}')"
  run "replay orders --dry-run" "$ctl" replay orders --dry-run --url "$url" --token-file "$work/token" -q --json
  run "backup --url (the node's checkpoint of its live store)" "$ctl" backup "$work/online-bk" --url "$url" --token-file "$work/token" --json
  echo "   node's own figure: $(field seconds "$out") s, $(field bytes "$out") bytes at position $(field last_position "$out")"
  kill -TERM "$node"; wait "$node" || true; node=
  t=$(now)
  AGORA_ADMIN_EMAIL=admin@bench.test AGORA_ADMIN_PASSWORD=admin-password "$agorad" --store.path="$work/online" \
    --http.port=0 --http.access_log=false --kafka.brokers=off > "$work/agorad2.log" 2>&1 &
  node=$!
  for _ in $(seq 1 3000); do grep -q "agorad ready" "$work/agorad2.log" && break; sleep 0.1; done
  echo "agorad restarted on the same store (read models resumed from disk) in $(since "$t") s"
  kill -TERM "$node"; wait "$node" || true; node=
  run "restore of the online backup (copy + verify)" "$ctl" restore "$work/online-bk" --to "$work/online-restored" --json
}
# run <label> <command...>: times the command; keeps its stdout in $out.
run() {
  local label=$1; shift
  local tf="$work/time.txt"
  { TIMEFORMAT='%R %U %S'; time "$@" > "$work/out.txt" 2>"$work/err.txt"; } 2> "$tf"
  out=$(cat "$work/out.txt")
  read -r wall user sys < "$tf"
  local cpu
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  printf '%-46s wall %6.2f s  cpu %6.2f s  %9s ev/s wall  %9s ev/cpu-s\n' "$label" "$wall" "$cpu" \
    "$(rate "$events" "$wall")" "$(rate "$events" "$cpu")"
}
# replay_matrix <label> <store>: the offline replay of <store>, stage by stage.
replay_matrix() {
  local label=$1 store=$2
  events=$("$ctl" store info --store "$store" --json | sed -n 's/.*"last_position":\([0-9]*\).*/\1/p')
  echo "== $label: $events events, store $(du -sh "$store" | cut -f1), load $(cut -d' ' -f1-3 /proc/loadavg)"
  run "scan alone (log stats)" "$ctl" log stats --store "$store" --json
  run "scan + decode + checks (store verify)" "$ctl" store verify --store "$store" -q --json
  local mode m flag
  for mode in disk memory; do
    flag=; [ "$mode" = memory ] && flag=--in-memory
    for m in all catalog orders accounts dashboard; do
      run "replay $m ($mode)" "$ctl" replay "$m" --store "$store" -q --json $flag
      if [ "$m" = all ]; then
        echo "   apply s: $(grep -o '"name":"[a-z]*","events_applied":[0-9]*,"apply_seconds":[0-9.]*' <<<"$out" | sed 's/"name":"\([a-z]*\)".*"apply_seconds":\([0-9.]*\)/\1 \2/' | awk '{ printf "%s %.2f; ", $1, $2 }')"
        echo "   checksums: $(grep -o '"name":"[a-z]*"[^}]*"checksum":"[0-9a-f]*"' <<<"$out" | sed 's/"name":"\([a-z]*\)".*"checksum":"\([0-9a-f]*\)"/\1 \2/' | tr '\n' ';')"
      fi
    done
  done
}
if [ -n "${REPLAY_ONLY:-}" ]; then
  gen="$build/bin/agora-history-gen"
  [ -x "$gen" ] || { echo "build the generator: cmake --build --preset release --target agora-history-gen" >&2; exit 2; }
  echo "(wall = elapsed; cpu = user + sys of agoractl, all its threads)"
  "$fixture" "$work/fx100k" --products 100000 --price-changes 9 --customers 0 >/dev/null
  replay_matrix "fixture, 100,000 products x 10" "$work/fx100k"
  rm -rf "$work/fx100k"
  "$fixture" "$work/fx25k" --products 25000 --price-changes 39 --customers 0 >/dev/null
  replay_matrix "fixture, 25,000 products x 40" "$work/fx25k"
  rm -rf "$work/fx25k"
  "$gen" --store "$work/mixed" --orders "${MIXED_ORDERS:-65000}" >/dev/null
  replay_matrix "history generator, ${MIXED_ORDERS:-65000} orders" "$work/mixed"
  exit 0
fi
if [ -n "${ONLINE_ONLY:-}" ]; then
  echo "(cpu = agoractl's own; the node's work is not in it: compare wall figures)"
  online
  exit 0
fi

t=$(now); events=$("$fixture" "$work/store" --products "$products" --price-changes "$changes" --customers 0)
echo "== log: $events events written by the fixture in $(since "$t") s; store $(du -sh "$work/store" | cut -f1)"
echo "(wall = elapsed; cpu = user + sys of agoractl, all its threads: on a shared machine the"
echo " wall figure includes waiting for a core, the cpu figure does not)"


run "store verify" "$ctl" store verify --store "$work/store" -q --json
sum=$(field checksum "$out")
run "replay all (4 read models)" "$ctl" replay all --store "$work/store" -q --json
echo "   per model: $(grep -o '"name":"[a-z]*"[^}]*"events_per_s":[0-9]*' <<<"$out" | sed 's/"name":"\([a-z]*\)".*"events_per_s":\([0-9]*\)/\1 \2 ev\/s/' | tr '\n' ';')"
run "replay catalog" "$ctl" replay catalog --store "$work/store" -q --json
run "replay accounts (scan + decode ceiling here)" "$ctl" replay accounts --store "$work/store" -q --json
run "export plain" "$ctl" export "$work/log.ndjson" --store "$work/store" -q --json
run "export .gz" "$ctl" export "$work/log.ndjson.gz" --store "$work/store" -q --json
echo "   sizes: plain $(du -h "$work/log.ndjson" | cut -f1), gzip $(du -h "$work/log.ndjson.gz" | cut -f1)"
run "peer: gzip -1 of the plain export" gzip -1 -k -f "$work/log.ndjson" -S .peer.gz
run "import plain (verify + checksum)" "$ctl" import "$work/log.ndjson" --store "$work/imported" -q --json
echo "   checksum equal to the source's: $([ "$(field checksum "$out")" = "$sum" ] && echo yes || echo NO)"
run "import plain --no-verify (checksum)" "$ctl" import "$work/log.ndjson" --store "$work/imported-nv" -q --no-verify --json
run "import .gz (verify + checksum)" "$ctl" import "$work/log.ndjson.gz" --store "$work/imported-gz" -q --json
echo "   checksum equal to the source's: $([ "$(field checksum "$out")" = "$sum" ] && echo yes || echo NO)"
run "peer: cp -a of the store directory" cp -a "$work/store" "$work/peer-copy"
run "backup, stopped (checkpoint + verify)" "$ctl" backup "$work/bk" --store "$work/store" --json
run "backup, stopped, --no-verify" "$ctl" backup "$work/bk-nv" --store "$work/store" --no-verify --json
# A holder that keeps appending, as agorad would (one new product, repriced every 50 ms).
"$fixture" "$work/store" --products 1 --first-id 900000 --price-changes 0 --customers 0 --hold "$work/ready" >/dev/null &
holder=$!
for _ in $(seq 1 600); do [ -e "$work/ready" ] && break; sleep 0.05; done
run "backup, held (secondary copy + verify)" "$ctl" backup "$work/bk-live" --store "$work/store" --json
echo "   method: $(field method "$out")"
run "backup, held, --no-verify" "$ctl" backup "$work/bk-live-nv" --store "$work/store" --no-verify --json
rm -f "$work/ready"; wait "$holder"; holder=
run "restore (copy + verify + rename)" "$ctl" restore "$work/bk" --to "$work/restored" --json
echo "   checksum equal to the source's: $([ "$(field checksum "$out")" = "$sum" ] && echo yes || echo NO)"
run "restore --no-verify" "$ctl" restore "$work/bk" --to "$work/restored-nv" --no-verify --json
online
