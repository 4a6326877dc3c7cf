#!/usr/bin/env bash
# Event store benchmark beside its limit, in one run on one machine:
#   1. RocksDB's own db_bench: fillseq --sync=1 --batch_size=100 --value_size=300,
#      then readseq over the same 1,000,000 entries.
#   2. agora-store-bench: durable appends of 300-byte events with 1, 16 and 256
#      concurrent appenders, then a full replay of a >= 1,000,000-event log.
# Prints both and the ratios the targets are judged by.
# usage: bench/run_store_bench.sh [build-dir]   (default build/release)
set -euo pipefail
build=${1:-build/release}
bench_bin="$build/bin/agora-store-bench"
[ -x "$bench_bin" ] || { echo "build first: cmake --workflow --preset release" >&2; exit 2; }
command -v db_bench >/dev/null || { echo "db_bench missing: apt-get install rocksdb-tools" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/agora-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== db_bench (RocksDB $(dpkg-query -W -f='${Version}' rocksdb-tools 2>/dev/null))"
fill=$(db_bench --benchmarks=fillseq --sync=1 --batch_size=100 --value_size=300 --num=1000000 \
  --compression_type=lz4 --db="$work/dbb" 2>&1 | grep '^fillseq')
read_=$(db_bench --benchmarks=readseq --use_existing_db=1 --num=1000000 --value_size=300 \
  --db="$work/dbb" 2>&1 | grep '^readseq')
echo "$fill"
echo "$read_"
fill_ops=$(awk '{for (i=1;i<=NF;i++) if ($i=="ops/sec") print $(i-1)}' <<<"$fill")
read_ops=$(awk '{for (i=1;i<=NF;i++) if ($i=="ops/sec") print $(i-1)}' <<<"$read_")

echo "== agora-store-bench"
out=$("$bench_bin" --dir "$work/agora" --seconds "${SECONDS_PER_PHASE:-5}" --appenders 1,16,256 --replay-events 1000000)
echo "$out"
events_256=$(awk '$1=="256" {print $3}' <<<"$out")
replay=$(awk '/decoded to recorded_event \(warm\)/ {print $(NF-1)}' <<<"$out")

echo "== against the limit"
awk -v a="$events_256" -v f="$fill_ops" 'BEGIN { printf "durable appends, 256 appenders: %.0f events/s = %.0f%% of db_bench fillseq %.0f (target >= 75%%)\n", a, 100*a/f, f }'
awk -v r="$replay" -v f="$read_ops" 'BEGIN { printf "replay, fully decoded:          %.0f events/s = %.0f%% of db_bench readseq %.0f (target >= 50%%)\n", r, 100*r/f, f }'
