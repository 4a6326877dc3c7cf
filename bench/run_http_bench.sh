#!/usr/bin/env bash
# HTTP benchmarks with wrk, in the same run as nginx (1 worker) serving the
# same bytes from a file:
#   1. cached GET /api/products/{id}  vs  nginx GET /product.json, twice: nginx
#      as configured out of the box (it opens the file on every request), and
#      nginx with open_file_cache (no file syscalls: the stronger peer)
#   2. uncached catalog search (every query new: always a cache MISS)
#   3. POST /api/orders with sync on: saturated (64 connections), then at about
#      half that rate (fewer connections) for the latency target.
# wrk -t1 shares the 2 cores with the server, as the targets say.
# usage: bench/run_http_bench.sh [build-dir]   (default build/release)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
agorad="$build/bin/agorad"
[ -x "$agorad" ] || { echo "build first: cmake --workflow --preset release" >&2; exit 2; }
for t in wrk nginx curl python3; do command -v $t >/dev/null || { echo "$t missing (deploy/install-deps.sh)" >&2; exit 2; }; done
secs=${SECONDS_PER_RUN:-10}
port=18180
nginx_port=18181
nginx_cached_port=18182
work=$(mktemp -d "${TMPDIR:-/tmp}/agora-http-bench-XXXXXX")
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

cd "$work"
AGORA_ADMIN_EMAIL=admin@bench.test AGORA_ADMIN_PASSWORD=admin-password "$agorad" \
  --store.path="$work/store" --http.port=$port --http.access_log=false \
  --http.rate_limit.per_minute=600000000 --http.rate_limit.burst=10000000 \
  --actors.max_units_held_per_customer=0 > agorad.log 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "agorad ready" agorad.log && break; sleep 0.1; done
base=http://127.0.0.1:$port
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
admin=$(curl -sf -X POST $base/api/auth/login -H 'Content-Type: application/json' \
  -d '{"email":"admin@bench.test","password":"admin-password"}' | json '["token"]')
skus=""
for i in $(seq 1 20); do
  id=$(curl -sf -X POST $base/api/products -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d "{\"sku\":\"SKU-$i\",\"name\":\"Desk lamp $i\",\"description\":\"A steel desk lamp, oak base, model $i\",\"price\":$((1000 + i)),\"currency\":\"EUR\",\"category\":\"lighting\",\"initial_stock\":100000000}" | json '["id"]')
  skus="$skus${skus:+,}SKU-$i"
  first_id=${first_id:-$id}
done
tokens=""
for i in $(seq 1 8); do
  curl -sf -X POST $base/api/auth/register -H 'Content-Type: application/json' \
    -d "{\"email\":\"c$i@bench.test\",\"password\":\"password-$i\",\"name\":\"C$i\"}" > /dev/null
  t=$(curl -sf -X POST $base/api/auth/login -H 'Content-Type: application/json' \
    -d "{\"email\":\"c$i@bench.test\",\"password\":\"password-$i\"}" | json '["token"]')
  tokens="$tokens${tokens:+,}$t"
done

# nginx serves the very bytes agorad answers for the product.
mkdir -p www
curl -sf "$base/api/products/$first_id" > www/product.json
cat > nginx.conf <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  default_type application/json;
  server { listen 127.0.0.1:$nginx_port; root $work/www; }
  server { listen 127.0.0.1:$nginx_cached_port; root $work/www; open_file_cache max=64 inactive=60s; }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work"
sleep 0.3

# Waits until the outbox relay and the projections have caught up, so that one
# measurement does not pay for the backlog the previous one left.
settle() {
  for _ in $(seq 300); do
    if curl -sf "$base/metrics" | awk '/^agora_(outbox|projection)_lag/ { if ($2 != 0) busy = 1 } END { exit busy }'; then
      return 0
    fi
    sleep 0.1
  done
  echo "(still catching up after 30 s)"
}

echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ); wrk -t1, ${secs}s per run"
echo "== cached GET /api/products/{id}  vs  nginx (same bytes: $(wc -c < www/product.json) B)"
curl -s -o /dev/null "$base/api/products/$first_id"   # fill the cache
echo "-- agorad"; wrk -t1 -c64 -d${secs}s --latency "$base/api/products/$first_id" | grep -E "Requests/sec|Latency|99%"
echo "-- nginx";  wrk -t1 -c64 -d${secs}s --latency "http://127.0.0.1:$nginx_port/product.json" | grep -E "Requests/sec|Latency|99%"
echo "-- nginx with open_file_cache";  wrk -t1 -c64 -d${secs}s --latency "http://127.0.0.1:$nginx_cached_port/product.json" | grep -E "Requests/sec|Latency|99%"
echo "== uncached catalog search"
wrk -t1 -c64 -d${secs}s -s "$root/bench/search.lua" "$base" | grep -E "Requests/sec|p50_ms"
settle
echo "== POST /api/orders (sync on), saturated: 64 connections"
AGORA_TOKENS=$tokens AGORA_SKUS=$skus wrk -t1 -c64 -d${secs}s -s "$root/bench/orders.lua" "$base" | grep -E "Requests/sec|p50_ms|Non-2xx"
settle
echo "== POST /api/orders, lighter load: 8 connections"
AGORA_TOKENS=$tokens AGORA_SKUS=$skus wrk -t1 -c8 -d${secs}s -s "$root/bench/orders.lua" "$base" | grep -E "Requests/sec|p50_ms|Non-2xx"
echo "== orders confirmed: $(curl -sf "$base/api/admin/stats" -H "Authorization: Bearer $admin" | json '["orders_by_status"]')"
