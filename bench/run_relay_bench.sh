#!/usr/bin/env bash
# Outbox relay benchmark beside its limit, in one run on one machine. Each of
# ROUNDS rounds starts a fresh agora-broker (the embedded broker, 3 brokers,
# 4 partitions) and runs, one after the other:
#   1. agora-relay-bench: fills a fresh store with N events whose JSON envelope
#      is SIZE bytes and publishes them to agora.order until every delivery is
#      confirmed (key = stream id, headers event_id/event_type/position);
#   2. kcat -P, the same messages: the same keys (-K), values of SIZE bytes and
#      the three headers at the same sizes (-H), acks=all and idempotence on,
#      like the relay, waiting for every delivery. This is the limit the target
#      (relay >= 80% of kcat) is judged against;
#   3. kcat -P with bare values (no key, no headers): shown for reference, it is
#      a lighter load than the relay's messages.
# Prints every round and the medians. The machine is shared by the broker,
# the producer and the bench, so single runs vary by +-30%: judge the medians.
# usage: bench/run_relay_bench.sh [build-dir]   (default build/release)
#   EVENTS=300000 SIZE=300 ROUNDS=3 to change the load.
set -euo pipefail
build=${1:-build/release}
bench_bin="$build/bin/agora-relay-bench"
broker_bin="$build/bin/agora-broker"
[ -x "$bench_bin" ] && [ -x "$broker_bin" ] || { echo "build agora-relay-bench and agora-broker first" >&2; exit 2; }
command -v kcat >/dev/null || { echo "kcat missing: apt-get install kcat" >&2; exit 2; }
events=${EVENTS:-300000}
size=${SIZE:-300}
rounds=${ROUNDS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/agora-relay-bench-XXXXXX")
broker_pid=
stop_broker() {
  if [ -n "$broker_pid" ]; then
    kill "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
    broker_pid=
  fi
}
cleanup() {
  stop_broker
  rm -rf "$work"
}
trap cleanup EXIT

# rate N START END: messages per second.
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n/(b-a) }'; }
median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }'; }

echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ); librdkafka $(dpkg-query -W -f='${Version}' librdkafka1 2>/dev/null)"
echo "== $events messages of $size bytes, $rounds rounds"
relay_rates=() kcat_rates=() plain_rates=()
for round in $(seq "$rounds"); do
  "$broker_bin" --brokers 3 --partitions 4 --topic agora.order --topic bench.kcat --topic bench.plain \
    >"$work/broker.out" 2>"$work/broker.err" &
  broker_pid=$!
  : >"$work/broker.out"
  for _ in $(seq 50); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
  bootstrap=$(head -1 "$work/broker.out")
  [ -n "$bootstrap" ] || { echo "agora-broker printed no bootstrap" >&2; exit 1; }

  relay_out=$("$bench_bin" --bootstrap "$bootstrap" --events "$events" --size "$size" \
    --dir "$work/store" --kcat-file "$work/kcat.txt")
  relay_rate=$(awk '$1=="relay_events_per_sec" {print $2}' <<<"$relay_out")

  start=$(date +%s.%N)
  kcat -P -b "$bootstrap" -t bench.kcat -l -X enable.idempotence=true -X acks=all -K $'\t' \
    -H event_id=00000000-0000-4000-8000-000000000000 -H event_type=BenchEvent -H position=000000 \
    "$work/kcat.txt.keyed"
  end=$(date +%s.%N)
  kcat_rate=$(rate "$events" "$start" "$end")

  start=$(date +%s.%N)
  kcat -P -b "$bootstrap" -t bench.plain -l -X enable.idempotence=true -X acks=all "$work/kcat.txt"
  end=$(date +%s.%N)
  plain_rate=$(rate "$events" "$start" "$end")
  stop_broker

  echo "round $round: relay $relay_rate/s, kcat same messages $kcat_rate/s, kcat bare values $plain_rate/s"
  relay_rates+=("$relay_rate") kcat_rates+=("$kcat_rate") plain_rates+=("$plain_rate")
done

relay_med=$(echo "${relay_rates[*]}" | median)
kcat_med=$(echo "${kcat_rates[*]}" | median)
plain_med=$(echo "${plain_rates[*]}" | median)
echo "== medians"
awk -v r="$relay_med" -v k="$kcat_med" -v p="$plain_med" 'BEGIN {
  printf "relay %.0f events/s = %.0f%% of kcat -P with the same messages (%.0f/s; target >= 80%%)\n", r, 100*r/k, k
  printf "                   = %.0f%% of kcat -P with bare values (%.0f/s)\n", 100*r/p, p }'
