#!/usr/bin/env bash
# agoractl over a log of >= 1,000,000 events, with the peers that bound each
# figure, in one run on one machine:
#   export (plain, .gz) and import (plain, .gz) rates, against gzip -1 of the
#   same NDJSON; backup of a stopped store (RocksDB checkpoint) and of a held
#   one (copy through a secondary instance) and restore, against cp -a of the
#   store directory; store verify (store checks + domain decode + checksum).
# The log: 100,000 products created then repriced 9 times (domain-encoded
# events, about 300 bytes each), written by agoractl_store_fixture.
# usage: bench/run_agoractl_bench.sh [release-build-dir] [fixture]
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
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$work"' EXIT
products=${PRODUCTS:-100000}
changes=${CHANGES:-9}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" <<<"$2" | head -1; }

echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"
t=$(now); events=$("$fixture" "$work/store" --products "$products" --price-changes "$changes" --customers 0)
echo "== log: $events events written by the fixture in $(since "$t") s; store $(du -sh "$work/store" | cut -f1)"

t=$(now); out=$("$ctl" store verify --store "$work/store" -q --json); s=$(since "$t")
echo "store verify: ${s} s, $(rate "$events" "$s") events/s, ok=$(field ok "$out")"
sum=$(field checksum "$out")

out=$("$ctl" export "$work/log.ndjson" --store "$work/store" -q --json)
echo "export plain: $(field seconds "$out") s, $(printf '%.0f' "$(field events_per_second "$out")") events/s, $(du -h "$work/log.ndjson" | cut -f1)"
out=$("$ctl" export "$work/log.ndjson.gz" --store "$work/store" -q --json)
echo "export .gz:   $(field seconds "$out") s, $(printf '%.0f' "$(field events_per_second "$out")") events/s, $(du -h "$work/log.ndjson.gz" | cut -f1)"
t=$(now); gzip -1 -c "$work/log.ndjson" > "$work/peer.gz"; s=$(since "$t")
echo "peer gzip -1 of the plain export: ${s} s, $(rate "$events" "$s") events/s"

out=$("$ctl" import "$work/log.ndjson" --store "$work/imported" -q --json)
echo "import plain: $(field seconds "$out") s, $(printf '%.0f' "$(field events_per_second "$out")") events/s, checksum equal: $([ "$(field checksum "$out")" = "$sum" ] && echo yes || echo NO)"
out=$("$ctl" import "$work/log.ndjson.gz" --store "$work/imported-gz" -q --json)
echo "import .gz:   $(field seconds "$out") s, $(printf '%.0f' "$(field events_per_second "$out")") events/s, checksum equal: $([ "$(field checksum "$out")" = "$sum" ] && echo yes || echo NO)"

t=$(now); cp -a "$work/store" "$work/peer-copy"; sync; s=$(since "$t")
echo "peer cp -a + sync of the store: ${s} s"
out=$("$ctl" backup "$work/bk" --store "$work/store" --json)
echo "backup, stopped store (checkpoint + verify): $(field seconds "$out") s"
out=$("$ctl" backup "$work/bk-nv" --store "$work/store" --no-verify --json)
echo "backup, stopped store, --no-verify: $(field seconds "$out") s"
# A holder that keeps appending, as agorad would (one new product, repriced every 50 ms).
"$fixture" "$work/store" --products 1 --first-id 900000 --price-changes 0 --customers 0 --hold "$work/ready" >/dev/null &
holder=$!
for _ in $(seq 1 600); do [ -e "$work/ready" ] && break; sleep 0.05; done
out=$("$ctl" backup "$work/bk-live" --store "$work/store" --json)
echo "backup, held store (secondary copy + verify): $(field seconds "$out") s, method=$(field method "$out")"
out=$("$ctl" backup "$work/bk-live-nv" --store "$work/store" --no-verify --json)
echo "backup, held store, --no-verify: $(field seconds "$out") s"
rm -f "$work/ready"; wait "$holder"; holder=
out=$("$ctl" restore "$work/bk" --to "$work/restored" --json)
echo "restore (copy + verify + rename): $(field seconds "$out") s, checksum equal: $([ "$(field checksum "$out")" = "$sum" ] && echo yes || echo NO)"
out=$("$ctl" restore "$work/bk" --to "$work/restored-nv" --no-verify --json)
echo "restore --no-verify: $(field seconds "$out") s"
