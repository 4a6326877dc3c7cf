#!/usr/bin/env bash
# Outbox relay benchmark beside its limit, in one run on one machine:
#   1. agora-broker (the embedded broker, 3 brokers, 4 partitions) in the background;
#   2. kcat -P sending N messages of SIZE bytes (one per line) to topic bench.kcat
#      (acks=all, idempotence on, like the relay) and waiting for every delivery;
#   3. agora-relay-bench publishing N events whose JSON envelope is SIZE bytes,
#      from a store, to agora.order, until every delivery is confirmed.
# Prints both rates and the ratio the target is judged by (>= 80%).
# usage: bench/run_relay_bench.sh [build-dir]   (default build/release)
#   EVENTS=200000 SIZE=300 to change the load.
set -euo pipefail
build=${1:-build/release}
bench_bin="$build/bin/agora-relay-bench"
broker_bin="$build/bin/agora-broker"
[ -x "$bench_bin" ] && [ -x "$broker_bin" ] || { echo "build agora-relay-bench and agora-broker first" >&2; exit 2; }
command -v kcat >/dev/null || { echo "kcat missing: apt-get install kcat" >&2; exit 2; }
events=${EVENTS:-200000}
size=${SIZE:-300}
work=$(mktemp -d "${TMPDIR:-/tmp}/agora-relay-bench-XXXXXX")
broker_pid=
cleanup() {
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"$broker_bin" --brokers 3 --partitions 4 --topic agora.order --topic bench.kcat >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
for _ in $(seq 50); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
bootstrap=$(head -1 "$work/broker.out")
[ -n "$bootstrap" ] || { echo "agora-broker printed no bootstrap" >&2; exit 1; }

echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ); librdkafka $(dpkg-query -W -f='${Version}' librdkafka1 2>/dev/null)"
echo "== broker: $bootstrap; $events messages of $size bytes"

# Fills the store and writes kcat's input before anything is timed.
relay_out=$("$bench_bin" --bootstrap "$bootstrap" --events "$events" --size "$size" \
  --dir "$work/store" --kcat-file "$work/kcat.txt")
echo "$relay_out"
relay_rate=$(awk '$1=="relay_events_per_sec" {print $2}' <<<"$relay_out")

echo "== kcat -P"
start=$(date +%s.%N)
kcat -P -b "$bootstrap" -t bench.kcat -l -X enable.idempotence=true -X acks=all "$work/kcat.txt"
end=$(date +%s.%N)
kcat_rate=$(awk -v n="$events" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n/(b-a) }')
echo "kcat: $events messages in $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.3f", b-a}') s = $kcat_rate messages/s"

echo "== against the limit"
awk -v r="$relay_rate" -v k="$kcat_rate" 'BEGIN { printf "relay %.0f events/s = %.0f%% of kcat -P %.0f messages/s (target >= 80%%)\n", r, 100*r/k, k }'
