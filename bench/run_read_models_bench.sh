#!/usr/bin/env bash
# Read models on a generated history (issue 15): how long agorad takes to be
# ready on it (first start, restart after SIGTERM, restart after kill -9 under
# write load), its RSS while serving reads and writes, and the uncached
# latency of an order's detail and of a customer's order list pages.
#
# usage: bench/run_read_models_bench.sh STORE_DIR [build-dir]
#   STORE_DIR: a store written by agora-history-gen (its summary line must be
#   in STORE_DIR/../gen.log, or set SAMPLE_EMAIL and PASSWORD); the read
#   models go beside it (STORE_DIR/../projections unless PROJECTIONS is set).
#   FRESH=1 deletes the read models first (a full rebuild at the first start).
#   IN_MEMORY=1: an agorad from before the read models moved to disk (no
#   projections.* keys; it replays the log at every start), for comparison.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
store=$(cd "$1" && pwd)
build=${2:-$root/build/release}
agorad="$build/bin/agorad"
[ -x "$agorad" ] || { echo "build first: cmake --workflow --preset release" >&2; exit 2; }
for t in wrk curl python3; do command -v $t >/dev/null || { echo "$t missing" >&2; exit 2; }; done
secs=${SECONDS_PER_RUN:-15}
port=${PORT:-18190}
models=${PROJECTIONS:-$(dirname "$store")/projections}
work=$(mktemp -d "${TMPDIR:-/tmp}/agora-rm-bench-XXXXXX")
pid=
sampler=
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
summary=$(grep '^{' "$(dirname "$store")/gen.log" 2>/dev/null | tail -1 || true)
email=${SAMPLE_EMAIL:-$(echo "$summary" | json '["sample_customer_email"]')}
password=${PASSWORD:-$(echo "$summary" | json '["password"]')}
admin_email=${ADMIN_EMAIL:-$(echo "$summary" | json '["admin_email"]')}
[ "${FRESH:-0}" = 1 ] && rm -rf "$models"
base=http://127.0.0.1:$port

# Starts agorad; sets pid and ready_s (the seconds until it serves).
start() {
  local t0
  t0=$(date +%s.%N)
  local models_flag=--projections.path="$models"
  [ "${IN_MEMORY:-0}" = 1 ] && models_flag=--http.access_log=false
  "$agorad" --store.path="$store" "$models_flag" --http.port=$port --http.access_log=false \
    --http.cache.max_entries=0 --kafka.brokers=off \
    --http.rate_limit.per_minute=600000000 --http.rate_limit.burst=10000000 \
    --actors.max_units_held_per_customer=0 >> "$work/agorad.log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "$base/health/ready"; do
    kill -0 $pid 2>/dev/null || { tail -20 "$work/agorad.log" >&2; exit 1; }
    sleep 0.05
  done
  ready_s=$(python3 -c "print(f'{$(date +%s.%N) - $t0:.2f}')")
}
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' /proc/$pid/status; }
hwm_mib() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' /proc/$pid/status; }
# Samples agorad's RSS every 0.5 s into $work/rss (the peak is the figure).
sample_rss() { while kill -0 $pid 2>/dev/null; do { rss_mib; echo; } >> "$work/rss" 2>/dev/null || true; sleep 0.5; done; }

echo "store: $store ($(du -sh "$store" | cut -f1)), read models: $models"
start
echo "first start: ready in $ready_s s"
login() { curl -sf -X POST $base/api/auth/login -H 'Content-Type: application/json' \
  -d "{\"email\":\"$1\",\"password\":\"$password\"}" | json '["token"]'; }
admin=$(login "$admin_email")
customer=$(login "$email")
echo "rss after start: $(rss_mib) MiB (peak during the start $(hwm_mib) MiB); read models on disk: $(du -sh "$models" 2>/dev/null | cut -f1)"

# Paths: 2,000 order details (from the admin's newest-first pages) and every
# page of the sample customer's order list (cursors walked once).
python3 - "$base" "$admin" "$customer" "$work" <<'PY'
import json, sys, urllib.request
base, admin, customer, work = sys.argv[1:5]
def get(path, token):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(req))
ids, cursor = [], ""
while len(ids) < 2000:
    page = get("/api/orders?limit=200" + ("&cursor=" + cursor if cursor else ""), admin)
    ids += [o["id"] for o in page["items"]]
    cursor = page["next_cursor"]
    if not cursor: break
open(work + "/details", "w").write("".join(f"/api/orders/{i}\n" for i in ids))
pages, cursor = ["/api/orders?limit=20"], ""
while len(pages) < 5000:
    page = get("/api/orders?limit=20" + ("&cursor=" + cursor if cursor else ""), customer)
    cursor = page["next_cursor"]
    if not cursor: break
    pages.append("/api/orders?limit=20&cursor=" + cursor)
open(work + "/pages", "w").write("\n".join(pages) + "\n")
print(f"paths: {len(ids)} order details, {len(pages)} pages of one customer's orders")
PY

sample_rss & sampler=$!
AGORA_PATHS_FILE=$work/details AGORA_TOKEN=$admin wrk -t1 -c16 -d${secs}s -s "$root/bench/read_models/pick.lua" $base \
  | grep -E "p99|status" | sed 's/^/order detail (uncached, 16 connections): /'
AGORA_PATHS_FILE=$work/pages AGORA_TOKEN=$customer wrk -t1 -c16 -d${secs}s -s "$root/bench/read_models/pick.lua" $base \
  | grep -E "p99|status" | sed 's/^/customer order list page (uncached, 16 connections): /'
# Reads and writes together: orders placed by the sample customer beside the detail reads.
sku=$(curl -sf "$base/api/products?limit=1" | json '["items"][0]["sku"]')
AGORA_TOKENS=$customer AGORA_SKUS=$sku wrk -t1 -c8 -d${secs}s -s "$root/bench/orders.lua" $base > "$work/writes" &
writes=$!
AGORA_PATHS_FILE=$work/details AGORA_TOKEN=$admin wrk -t1 -c8 -d${secs}s -s "$root/bench/read_models/pick.lua" $base \
  | grep -E "p99" | sed 's/^/order detail beside writes: /'
wait $writes
grep -E "Requests/sec|p99" "$work/writes" | tr '\n' ' ' | sed 's/^/orders placed beside reads: /'; echo
echo "rss while serving: peak $(sort -n "$work/rss" | tail -1) MiB, last $(rss_mib) MiB"

kill -TERM $pid; wait $pid || true; pid=
start
echo "restart after SIGTERM: ready in $ready_s s"
# kill -9 while orders are being placed, then start again.
customer=$(login "$email")
AGORA_TOKENS=$customer AGORA_SKUS=$sku wrk -t1 -c8 -d5s -s "$root/bench/orders.lua" $base > /dev/null &
writes=$!
sleep 3
kill -9 $pid; wait $pid 2>/dev/null || true; pid=
wait $writes || true
start
echo "restart after kill -9 under writes: ready in $ready_s s"
echo "rss after restart: $(rss_mib) MiB"
