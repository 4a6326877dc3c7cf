#!/usr/bin/env bash
# agoractl's online commands end to end: a real agorad on a free port (an
# admin from the environment), the real agoractl binary against it. Login and
# token files, projections status and checksum, replay --online of one model
# and of all, replay --dry-run (the node's models equal to a rebuild, also
# beside writers, and a damaged model found key by key), backup --url then
# restore then a node started on the restored store, outbox status from the
# node's config, and the bad inputs: an unreachable node, a bad token, a
# customer's token, bad backup directories, an unknown model.
# usage: agoractl_online_test.sh <agorad> <agoractl> <agoractl_store_fixture>
set -uo pipefail
agorad=$(realpath "$1") ctl=$(realpath "$2") fixture=$(realpath "$3")
work=$(mktemp -d)
pid= pid2=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "$pid2" ] && kill "$pid2" 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$(realpath "$0")")/check_lib.sh"
model_field() { # model_field <model> <name> <json>: member <name> of the object whose name is <model>
  grep -o "{\"name\":\"$1\"[^}]*}" <<<"$3" | head -1 | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}
cd "$work"
# A test-only signing key, so that tokens survive a restart of the node.
export AGORA_AUTH_JWT_SECRET=5b2d48c6a0e1f7d3b5c9e2a4d6f8b1c39f3c1a7e5e5a7d9f0b2c4e6a8d0f1b3c
start_node() { # start_node <store> <log> <pid var> <url var> [flags...]: agorad on a free port, ready
  AGORA_ADMIN_EMAIL=admin@shop.test AGORA_ADMIN_PASSWORD=admin-password "$agorad" --store.path="$1" \
    --http.port=0 --http.access_log=false --kafka.brokers=off --auth.password_ops_limit=1 \
    --auth.password_mem_limit=8KiB --auth.allow_weak_password_cost=true "${@:5}" > "$2" 2>&1 &
  printf -v "$3" '%s' $!
  for _ in $(seq 300); do grep -q "agorad ready" "$2" 2>/dev/null && break; sleep 0.1; done
  printf -v "$4" 'http://%s' "$(sed -n 's|.*HTTP API listening on http://\([0-9.:]*\).*|\1|p' "$2" | head -1)"
}
api() { # api <method> <path> <body> <token>: the answer's body, then its status on the last line
  curl -s -X "$1" "$url$2" -H 'Content-Type: application/json' ${4:+-H "Authorization: Bearer $4"} \
    ${3:+-d "$3"} -w '\n%{http_code}'
}

# --- help, and usage errors before any node ----------------------------------
for cmd in "login" "projections" "projections status" "projections checksum"; do
  out=$("$ctl" $cmd --help 2>&1); rc=$?
  check "--help on '$cmd' exits 0" test "$rc" -eq 0
done
out=$("$ctl" replay --help 2>&1)
check "replay --help shows --online and --dry-run" bash -c 'grep -q -- --online <<<"$1" && grep -q -- --dry-run <<<"$1"' _ "$out"
out=$("$ctl" projections status 2>&1); rc=$?
check "no --url exits 2" test "$rc" -eq 2
check "and says how to give one" has "no node given: --url" "$out"
out=$("$ctl" projections status --url https://127.0.0.1:1 --token-file x 2>&1); rc=$?
check "an https URL exits 2, saying why" bash -c '[ "$1" -eq 2 ] && grep -q "https is not supported" <<<"$2"' _ "$rc" "$out"
out=$("$ctl" projections status --url http://127.0.0.1:1 --token eyJabc 2>&1); rc=$?
check "a token on the command line is refused (exit 2)" test "$rc" -eq 2
out=$(env -u AGORA_TOKEN "$ctl" projections status --url http://127.0.0.1:1 2>&1); rc=$?
check "no token exits 2, naming the ways to give one" bash -c '[ "$1" -eq 2 ] && grep -q -- "--token-file FILE, \$AGORA_TOKEN, or --login" <<<"$2"' _ "$rc" "$out"
echo "garbage" > bad.token
out=$("$ctl" projections status --url http://127.0.0.1:1 --token-file bad.token 2>&1); rc=$?
check "an unreachable node exits 1" test "$rc" -eq 1
check "and says it cannot reach it" has "cannot reach the node at http://127.0.0.1:1: connection refused" "$out"
out=$(env -u AGORA_URL "$ctl" replay --dry-run --store "$work/nowhere" 2>&1); rc=$?
check "an offline replay --dry-run on a missing store exits 1" test "$rc" -eq 1
out=$("$ctl" replay --dry-run --url http://127.0.0.1:1 --models x --token-file /dev/null 2>&1); rc=$?
check "--models with --url exits 2" test "$rc" -eq 2


# --- a node with something in every read model ---------------------------------
start_node "$work/data/store" node.log pid url
check "agorad becomes ready" grep -q "agorad ready" node.log
out=$(printf 'admin-password\n' | "$ctl" login admin@shop.test --url "$url" --out admin.token 2>&1); rc=$?
check "login saves an admin's token" test "$rc" -eq 0 || echo "$out"
check "into an owner-only file" test "$(stat -c %a admin.token)" = 600
check "and does not print it" hasnt "$(cat admin.token)" "$out"
admin=$(cat admin.token)
for sku in LAMP-1 LAMP-2 DESK-1; do
  api POST /api/products "{\"sku\":\"$sku\",\"name\":\"A thing\",\"description\":\"d\",\"price\":1200,\"currency\":\"EUR\",\"category\":\"c\",\"initial_stock\":9}" "$admin" >/dev/null
done
api POST /api/auth/register '{"email":"ann@shop.test","password":"password-1","name":"Ann"}' >/dev/null
out=$(printf 'password-1\n' | "$ctl" login ann@shop.test --url "$url" --out ann.token 2>&1); rc=$?
check "login as a customer exits 1" test "$rc" -eq 1
check "saying the account is not an admin" has "ann@shop.test is not an admin" "$out"
check "and saves nothing" test ! -e ann.token
out=$(printf 'wrong-password\n' | "$ctl" login admin@shop.test --url "$url" --out x.token 2>&1); rc=$?
check "a wrong password exits 1" bash -c '[ "$1" -eq 1 ] && grep -q "wrong e-mail or password" <<<"$2"' _ "$rc" "$out"
ann=$(api POST /api/auth/login '{"email":"ann@shop.test","password":"password-1"}' | head -1 | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
api POST /api/orders '{"items":[{"sku":"LAMP-1","quantity":2}]}' "$ann" >/dev/null
printf '%s\n' "$ann" > ann.token; chmod 600 ann.token

# --- projections status / checksum ----------------------------------------------
out=$("$ctl" projections status --url "$url" --token-file admin.token); rc=$?
check "projections status exits 0" test "$rc" -eq 0
check "and lists the four models" test "$(grep -o '"name":"[a-z]*"' <<<"$out" | tr '\n' ' ')" = '"name":"catalog" "name":"orders" "name":"accounts" "name":"dashboard" '
position=$(model_field orders position "$out")
check "at the log's position" test "$position" -ge 7
check "and where a rebuild is (none: 0)" has '"rebuilding":false,"rebuild_position":0' "$out"
check "with no lag and no error" bash -c 'grep -q "\"lag\":0" <<<"$1" && ! grep -q "\"last_error\":\"[^\"]" <<<"$1"' _ "$out"
out=$(script -qec "'$ctl' projections status --url '$url' --token-file admin.token" /dev/null)
check "on a terminal, one line per model" grep -Eq "^orders: +position $position, lag 0, serving" <<<"$out"
out=$(AGORA_URL=$url AGORA_TOKEN=$admin "$ctl" projections checksum); rc=$?
check "projections checksum (from \$AGORA_URL and \$AGORA_TOKEN) exits 0" test "$rc" -eq 0
sums_live=$out
check "a 16-digit checksum per model" test "$(grep -o '"checksum":"[0-9a-f]\{16\}"' <<<"$out" | wc -l)" -eq 4
check "at the same position" test "$(model_field catalog position "$out")" = "$position"
check "counting the 3 products" test "$(model_field catalog count "$out")" = 3
out=$("$ctl" projections checksum orders --url "$url" --token-file admin.token)
check "one model's checksum is the same" test "$(model_field orders checksum "$out")" = "$(model_field orders checksum "$sums_live")"
out=$(api GET /api/admin/projections/orders/checksum "" "$admin")
check "the route answers name, position, checksum, count" has '{"name":"orders","position":'"$position"',"checksum":"[0-9a-f]\{16\}","count":1}' "$out"
out=$(api GET /api/admin/projections/nope/checksum "" "$admin")
check "an unknown model's checksum is 404" test "$(tail -1 <<<"$out")" = 404

# --- the token's bad forms ------------------------------------------------------
out=$("$ctl" projections status --url "$url" --token-file bad.token 2>&1); rc=$?
check "a bad token exits 1" test "$rc" -eq 1
check "and says to log in again" has "the node refused the token: log in again" "$out"
out=$("$ctl" projections checksum --url "$url" --token-file ann.token 2>&1); rc=$?
check "a customer's token exits 1" test "$rc" -eq 1
check "and says it is not an admin's" has "not an admin on the node at $url: Forbidden" "$out"
out=$(printf 'admin-password\n' | "$ctl" projections status --url "$url" --login admin@shop.test 2>&1); rc=$?
check "--login reads the password from stdin" test "$rc" -eq 0
cp admin.token shared.token; chmod 644 shared.token
out=$("$ctl" projections status --url "$url" --token-file shared.token 2>&1 >/dev/null); rc=$?
check "a token file others may read still works" test "$rc" -eq 0
check "with a warning to chmod 600 it" has "shared.token holds a token and others may read it: chmod 600" "$out"
out=$("$ctl" projections status --url "$url" --token-file admin.token 2>&1 >/dev/null)
check "an owner-only token file gets no warning" test -z "$out"

# --- replay --online ------------------------------------------------------------
applied=$(model_field orders events_applied "$("$ctl" projections status --url "$url" --token-file admin.token)")
out=$("$ctl" replay orders --online --url "$url" --token-file admin.token 2>/dev/null); rc=$?
check "replay orders --online exits 0" test "$rc" -eq 0 || echo "$out"
check "and prints the rebuilt model's checksum, as before" test "$(model_field orders checksum "$out")" = "$(model_field orders checksum "$sums_live")"
check "for orders only" test "$(grep -o '"name":' <<<"$out" | wc -l)" -eq 1
now=$("$ctl" projections status --url "$url" --token-file admin.token)
check "the node applied the whole log again for orders" test "$(model_field orders events_applied "$now")" -ge $((applied + position))
check "and not for catalog" test "$(model_field catalog events_applied "$now")" -lt $((applied + position))
out=$("$ctl" replay all --online --url "$url" --token-file admin.token 2>progress.txt); rc=$?
check "replay all --online exits 0" test "$rc" -eq 0 || { echo "$out"; cat progress.txt; }
for m in catalog orders accounts dashboard; do
  check "$m rebuilt to the same checksum" test "$(model_field $m checksum "$out")" = "$(model_field $m checksum "$sums_live")"
done
out=$(script -qec "'$ctl' replay dashboard --online --url '$url' --token-file admin.token" /dev/null)
check "on a terminal the rebuild shows a progress line" grep -q $'\r\033\[Krebuild: ' <<<"$out"
out=$("$ctl" replay nope --online --url "$url" --token-file admin.token 2>&1); rc=$?
check "an unknown model exits 2" test "$rc" -eq 2
out=$("$ctl" replay orders --online --url "$url" --token-file bad.token 2>&1); rc=$?
check "replay --online with a bad token exits 1" bash -c '[ "$1" -eq 1 ] && grep -q "log in again" <<<"$2"' _ "$rc" "$out"

# --- replay --dry-run: the node rebuilds each model beside the live one and compares
out=$("$ctl" replay --dry-run --url "$url" --token-file admin.token 2>&1); rc=$?
check "replay --dry-run exits 0" test "$rc" -eq 0 || echo "$out"
check "every model equal" test "$(grep -o '"result":"equal"' <<<"$out" | wc -l)" -eq 4
check "at the node's position" test "$(model_field orders position "$out")" = "$position"
check "nothing switched" has '"switched":false' "$out"
check "no key differs" has_text '"first_differences":[]' "$out"
out=$("$ctl" replay nope --dry-run --url "$url" --token-file admin.token 2>&1); rc=$?
check "a dry run of an unknown model exits 2" test "$rc" -eq 2
out=$("$ctl" replay orders --dry-run --url "$url" --token-file ann.token 2>&1); rc=$?
check "a customer cannot start a dry run" test "$rc" -eq 1

# --- backup --url, the bad directories ------------------------------------------
out=$("$ctl" backup "$work/bk" --url "$url" --token-file admin.token); rc=$?
check "backup --url exits 0" test "$rc" -eq 0 || echo "$out"
check "it says where, and the node made a checkpoint" has "\"backup\":\"$work/bk\",\"method\":\"node checkpoint\"" "$out"
check "at the node's position" test "$(field last_position "$out")" = "$position"
check "the checkpoint is there" test -f "$work/bk/CURRENT"
out=$("$ctl" backup bk2 --url "$url" --token-file admin.token 2>&1); rc=$?
check "a relative backup dir exits 1" test "$rc" -eq 1
check "and says it must be absolute" has "dir: must be an absolute path on the node's machine" "$out"
out=$("$ctl" backup "$work/bk" --url "$url" --token-file admin.token 2>&1); rc=$?
check "an existing backup dir exits 1" bash -c '[ "$1" -eq 1 ] && grep -q "already exists" <<<"$2"' _ "$rc" "$out"
out=$("$ctl" backup "$work/data/store/bk" --url "$url" --token-file admin.token 2>&1); rc=$?
check "a backup dir in the store exits 1" bash -c '[ "$1" -eq 1 ] && grep -q "inside the store" <<<"$2"' _ "$rc" "$out"
out=$("$ctl" backup "$work/bk3" --url "$url" --token-file ann.token 2>&1); rc=$?
check "a customer cannot back up" bash -c '[ "$1" -eq 1 ] && [ ! -e "$2" ]' _ "$rc" "$work/bk3"
out=$(AGORA_URL=http://127.0.0.1:1 "$ctl" backup "$work/bk4" --store data/store 2>&1); rc=$?
check "\$AGORA_URL does not turn the offline backup online" test "$rc" -eq 0 || echo "$out"

# --- the node stops: offline replay at the same position gives the same checksums
kill -TERM "$pid"; wait "$pid"; pid=
out=$("$ctl" replay --store data/store 2>/dev/null); rc=$?
check "offline replay after the stop exits 0" test "$rc" -eq 0
check "at the same position" test "$(field to "$out")" = "$position"
for m in catalog orders accounts dashboard; do
  check "offline $m checksum equals the node's" test "$(model_field $m checksum "$out")" = "$(model_field $m checksum "$sums_live")"
done
out=$("$ctl" projections status --url "$url" --token-file admin.token 2>&1); rc=$?
check "the stopped node is unreachable (exit 1)" bash -c '[ "$1" -eq 1 ] && grep -q "cannot reach the node at $2: connection refused" <<<"$3"' _ "$rc" "$url" "$out"

# --- restore the online backup, start a node on it --------------------------------
mkdir restored
out=$("$ctl" restore "$work/bk" --to "$work/restored/store" 2>&1); rc=$?
check "restore of the online backup exits 0" test "$rc" -eq 0 || echo "$out"
# (No rate limit: the dry run below shares 127.0.0.1 with four busy writers.)
start_node "$work/restored/store" node2.log pid2 url2 --http.rate_limit.per_minute=600000000 \
  --http.rate_limit.burst=10000000
check "a node starts on the restored store" grep -q "agorad ready" node2.log
out=$("$ctl" projections checksum --url "$url2" --token-file admin.token); rc=$?
check "its models are at the backup's position" test "$(model_field orders position "$out")" = "$position"
for m in catalog orders accounts dashboard; do
  check "restored $m checksum equals the original's" test "$(model_field $m checksum "$out")" = "$(model_field $m checksum "$sums_live")"
done
# A node that keeps writing: the node compares each model with its shadow at
# one snapshot of both, however far the log goes meanwhile. Four writers, so
# that the log never pauses.
writers=()
for _ in 1 2 3 4; do
  ( until [ -e stop-writing ]; do
      curl -s -o /dev/null -X POST "$url2/api/orders" -H 'Content-Type: application/json' \
        -H "Authorization: Bearer $ann" -d '{"items":[{"sku":"LAMP-1","quantity":1}]}'
    done ) &
  writers+=($!)
done
sleep 1
out=$("$ctl" replay --dry-run --url "$url2" --token-file admin.token 2>&1); rc=$?
touch stop-writing; wait "${writers[@]}"; rm -f stop-writing
check "a dry run beside a node placing orders exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || echo "$out"
check "every model equal there too" test "$(grep -o '"result":"equal"' <<<"$out" | wc -l)" -eq 4
check "at a position past the backup's" test "$(model_field orders position "$out")" -gt "$position"
kill -TERM "$pid2"; wait "$pid2"; pid2=

# --- a dry run that differs: a model damaged on disk ----------------------------
# The node's orders model gets a key no log event made (with RocksDB's own
# ldb, the node stopped); the dry run names it, a rebuild mends it.
"$fixture" a --products 10 --price-changes 2 >/dev/null 2>&1
start_node "$work/a" node_a.log pid2 url2
kill -TERM "$pid2"; wait "$pid2"; pid2=
check "the node keeps its models beside the store" test -f "$work/a-projections/CURRENT"
ldb --db="$work/a-projections" --column_family=orders.1 put ozz 'no such order' >/dev/null 2>&1
check "ldb wrote the damage" bash -c 'ldb --db="$1" --column_family=orders.1 get ozz 2>/dev/null | grep -q "no such order"' _ "$work/a-projections"
# Offline first (the node stopped): its models against a replay of its store.
out=$(env -u AGORA_URL "$ctl" replay --dry-run --store "$work/a" 2>&1); rc=$?
check "an offline dry run of the damaged models exits 1" test "$rc" -eq 1 || echo "$out"
check "and names the key" has_text '"first_differences":[{"kind":"only_live","key":"order zz"}]' "$out"
check "with the models beside the store" has_text "\"models\":\"$work/a-projections\"" "$out"
out=$(env -u AGORA_URL "$ctl" replay catalog --dry-run --store "$work/a" --models "$work/a-projections" 2>&1); rc=$?
check "the catalog alone is equal offline" bash -c '[ "$1" -eq 0 ] && grep -q "\"result\":\"equal\"" <<<"$2"' _ "$rc" "$out"
out=$(env -u AGORA_URL "$ctl" replay --dry-run --store "$work/a" --models "$work/nowhere" 2>&1); rc=$?
check "no models there exits 1" bash -c '[ "$1" -eq 1 ] && grep -q "no read models at" <<<"$2"' _ "$rc" "$out"
start_node "$work/a" node_a.log pid2 url2
out=$(env -u AGORA_URL "$ctl" replay --dry-run --store "$work/a" 2>&1); rc=$?
check "offline, a running node's models are refused" bash -c '[ "$1" -eq 1 ] && grep -q "held by a running agorad" <<<"$2" && grep -q -- "--url" <<<"$2"' _ "$rc" "$out"
out=$(printf 'admin-password\n' | "$ctl" replay --dry-run --url "$url2" --login admin@shop.test 2>&1); rc=$?
check "a dry run of the damaged models exits 1" test "$rc" -eq 1 || echo "$out"
check "and says orders differs" has '"name":"orders","result":"differs"' "$out"
check "and names the key in the node too" has_text '"first_differences":[{"kind":"only_live","key":"order zz"}]' "$out"
check "while the catalog is equal" has '"name":"catalog","result":"equal"' "$out"
check "and says what to do" has "agoractl replay MODEL --online" "$out"
out=$(script -qec "printf 'admin-password\\n' | '$ctl' replay orders --dry-run --url '$url2' --login admin@shop.test" /dev/null)
check "on a terminal it lists the differing key" grep -q "only live: *order zz" <<<"$out"
printf 'admin-password\n' | "$ctl" replay orders --online --url "$url2" --login admin@shop.test >/dev/null 2>&1
out=$(printf 'admin-password\n' | "$ctl" replay orders --dry-run --url "$url2" --login admin@shop.test 2>&1); rc=$?
check "after a rebuild the dry run is equal" bash -c '[ "$1" -eq 0 ] && grep -q "\"result\":\"equal\"" <<<"$2"' _ "$rc" "$out"
kill -TERM "$pid2"; wait "$pid2"; pid2=

# --- a rebuild long enough to follow: 40,000 events ---------------------------
# The rebuild takes longer than a status call here, so a replay --online that
# stopped following too early would report fewer events applied than the log.
"$fixture" big --products 100 --price-changes 399 >/dev/null 2>&1
start_node "$work/big" node_big.log pid2 url2
check "a node starts on it" grep -q "agorad ready" node_big.log
big_position=$(field last_position "$("$ctl" store info --store big)")
check "the big store has 40,000 events and more" test "$big_position" -ge 40000
out=$(printf 'admin-password\n' | "$ctl" replay all --online --url "$url2" --login admin@shop.test 2>plain.txt); rc=$?
check "replay all --online of 40,000 events exits 0" test "$rc" -eq 0 || echo "$out"
for m in catalog orders accounts dashboard; do
  check "$m: the whole log applied again before the end" test "$(model_field $m events_applied "$out")" -ge "$big_position"
done
check "off a terminal, the progress is plain lines (or none for a quick run)" bash -c '! grep -q $'"'"'\r'"'"' "$1"' _ plain.txt
kill -TERM "$pid2"; wait "$pid2"; pid2=

# --- outbox status: kafka.brokers from the node's config --------------------------
printf '[kafka]\nbrokers = 127.0.0.1:1\n' > agora.conf
out=$("$ctl" outbox status --store data/store --config agora.conf --broker-timeout-ms 300 2>&1); rc=$?
check "outbox status probes the config's brokers (none answers: exit 1)" test "$rc" -eq 1
check "naming them and where they came from" has '"brokers":"127.0.0.1:1","brokers_from":"file agora.conf"' "$out"
out=$(AGORA_KAFKA_BROKERS=embedded "$ctl" outbox status --store data/store --config agora.conf 2>&1); rc=$?
check "\$AGORA_KAFKA_BROKERS wins over the file" bash -c '[ "$1" -eq 0 ] && grep -q "\"brokers\":\"embedded\",\"brokers_from\":\"env" <<<"$2"' _ "$rc" "$out"
check "and an embedded broker is not probed" has "nothing to probe" "$out"
out=$("$ctl" outbox status --store data/store --config nope.conf 2>&1); rc=$?
check "a missing --config exits 2" test "$rc" -eq 2
rm agora.conf
out=$(env -u AGORA_KAFKA_BROKERS -u AGORA_CONFIG "$ctl" outbox status --store data/store 2>&1); rc=$?
check "without config the broker is not checked" bash -c '[ "$1" -eq 0 ] && grep -q "not checked" <<<"$2"' _ "$rc" "$out"

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
