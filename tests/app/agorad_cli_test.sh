#!/usr/bin/env bash
# End-to-end checks of the real binaries: agorad starts on a fresh data dir,
# reports where its data lives, stops cleanly on SIGTERM; bad configuration and
# bad CLI input fail with a clear message and a non-zero exit; agoractl reads
# the store agorad wrote.
# usage: agorad_cli_test.sh <agorad> <agoractl> <store-bench-or-empty>
set -uo pipefail
agorad=$1 agoractl=$2
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
failures=0
passes=0
check() { # check <name> <command...>: the command must succeed
  local name=$1; shift
  if "$@"; then echo "ok   $name"; passes=$((passes + 1)); else echo "FAIL $name"; failures=$((failures + 1)); fi
}

cd "$work"

# Unknown keys and bad values are refused before anything starts.
out=$("$agorad" --check-config --store.pth=/tmp/x 2>&1); rc=$?
check "unknown key exits 2" test "$rc" -eq 2
check "unknown key is named" grep -q "unknown key 'store.pth'" <<<"$out"
out=$(AGORA_STORE_SYNC=perhaps "$agorad" --check-config 2>&1); rc=$?
check "bad env value exits 2" test "$rc" -eq 2
check "bad env value is named" grep -q "store.sync" <<<"$out"
out=$("$agorad" --check-config --http.trusted_proxies=10.0.0.0/99 2>&1); rc=$?
check "bad trusted proxy exits 2" test "$rc" -eq 2
check "bad trusted proxy is named" grep -q "http.trusted_proxies" <<<"$out"
out=$("$agorad" --check-config --auth.password_ops_limit=1 2>&1); rc=$?
check "weak password cost exits 2" test "$rc" -eq 2
check "weak password cost is named" grep -q "auth.password_ops_limit" <<<"$out"
out=$("$agorad" --check-config --auth.hash_queue=0 2>&1); rc=$?
check "an empty hashing queue exits 2" test "$rc" -eq 2
check "an empty hashing queue is named" grep -q "auth.hash_queue" <<<"$out"
# The read models' settings are known keys, checked like the others.
out=$("$agorad" --check-config --projections.path="$work/models" --projections.block_cache=256MiB 2>&1); rc=$?
check "read model settings are accepted" test "$rc" -eq 0
out=$("$agorad" --check-config --projections.write_buffer=1KiB 2>&1); rc=$?
check "a tiny read model write buffer exits 2" test "$rc" -eq 2
check "a tiny read model write buffer is named" grep -q "projections.write_buffer" <<<"$out"
out=$("$agorad" --check-config --store.path="$work/s" --projections.path="$work/s" 2>&1); rc=$?
check "read models in the store's directory exit 2" test "$rc" -eq 2
check "read models in the store's directory are named" grep -q "projections.path" <<<"$out"
# Values that used to be clamped silently (to 1) are refused, naming the key.
out=$("$agorad" --check-config --http.io_threads=0 2>&1); rc=$?
check "zero http io threads exits 2" test "$rc" -eq 2
check "zero http io threads is named" grep -q "http.io_threads must be >= 1" <<<"$out"
out=$("$agorad" --check-config --http.max_pipelined=0 2>&1); rc=$?
check "zero pipelining exits 2" test "$rc" -eq 2
check "zero pipelining is named" grep -q "http.max_pipelined must be >= 1" <<<"$out"
out=$("$agorad" --check-config --store.max_batch_appends=0 2>&1); rc=$?
check "an empty store batch exits 2" test "$rc" -eq 2
check "an empty store batch is named" grep -q "store.max_batch_appends must be >= 1" <<<"$out"
out=$("$agorad" --check-config --auth.login_lockout.failures=0 2>&1); rc=$?
check "zero free login failures exits 2" test "$rc" -eq 2
check "zero free login failures is named" grep -q "auth.login_lockout.failures must be in 1" <<<"$out"
out=$("$agorad" --check-config --http.rate_limit.burst=0 2>&1); rc=$?
check "a zero rate-limit burst exits 2" test "$rc" -eq 2
check "a zero rate-limit burst is named" grep -q "http.rate_limit.burst must be >= 1" <<<"$out"
out=$("$agorad" --check-config --kafka.scan_batch=0 2>&1); rc=$?
check "a zero relay scan batch exits 2" test "$rc" -eq 2
check "a zero relay scan batch is named" grep -q "kafka.scan_batch must be 1..100000" <<<"$out"
out=$("$agorad" --check-config --log.format=xml 2>&1); rc=$?
check "an unknown log format exits 2" test "$rc" -eq 2
check "an unknown log format is named" grep -q "log.format: invalid value 'xml'" <<<"$out"
out=$("$agorad" --bogus 2>&1); rc=$?
check "unknown argument exits 2" test "$rc" -eq 2
out=$("$agorad" --print-config --store.path=/srv/x 2>&1); rc=$?
check "print-config exits 0" test "$rc" -eq 0
check "print-config shows the flag and its source" grep -Eq "path = .*/srv/x.*flag" <<<"$out"
printf '[store]\npath = %s/fromfile\n' "$work" > agora.conf
out=$("$agorad" --print-config 2>&1)
check "./agora.conf is read" grep -q "fromfile" <<<"$out"
rm agora.conf

# Secrets: the JWT key is refused as a flag, refused when guessable, read from
# a file only its owner may read, and never printed.
strong=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
out=$("$agorad" --check-config "--auth.jwt_secret=$strong" 2>&1); rc=$?
check "jwt secret as a flag exits 2" test "$rc" -eq 2
check "and says to use the environment or a file" grep -q "auth.jwt_secret: a secret must not be given on the command line.*AGORA_AUTH_JWT_SECRET" <<<"$out"
check "and does not repeat the secret" bash -c '! grep -q "$1" <<<"$2"' _ "$strong" "$out"
out=$(AGORA_AUTH_JWT_SECRET=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "$agorad" --check-config 2>&1); rc=$?
check "a guessable jwt secret exits 2" test "$rc" -eq 2
check "and says why" grep -q "auth.jwt_secret looks guessable" <<<"$out"
out=$(AGORA_AUTH_JWT_SECRET=$strong "$agorad" --check-config 2>&1); rc=$?
check "a strong jwt secret from the environment is accepted" test "$rc" -eq 0
out=$(AGORA_AUTH_JWT_SECRET=$strong "$agorad" --print-config 2>&1); rc=$?
check "print-config with a secret exits 0" test "$rc" -eq 0
check "print-config redacts the jwt secret" grep -q "auth.jwt_secret = <redacted>  # env" <<<"$out"
check "print-config never shows it" bash -c '! grep -q "$1" <<<"$2"' _ "$strong" "$out"
printf '%s\n' "$strong" > jwt.key
chmod 644 jwt.key
out=$("$agorad" --check-config --auth.jwt_secret_file="$work/jwt.key" 2>&1); rc=$?
check "a jwt secret file others can read exits 2" test "$rc" -eq 2
check "and says chmod 600" grep -q "chmod 600 $work/jwt.key" <<<"$out"
chmod 600 jwt.key
out=$("$agorad" --check-config --auth.jwt_secret_file="$work/jwt.key" 2>&1); rc=$?
check "an owner-only jwt secret file is accepted" test "$rc" -eq 0
printf '[kafka]\nproducer_properties = security.protocol=sasl_ssl,sasl.password=hunter2hunter2\n[auth]\njwt_secret = %s\n' "$strong" > secret.conf
chmod 644 secret.conf
out=$("$agorad" --config secret.conf --check-config 2>&1); rc=$?
check "a config file with secrets others can read exits 2" test "$rc" -eq 2
check "and names the secrets and says chmod 600" grep -q "secret.conf holds secrets (auth.jwt_secret, kafka.producer_properties).*chmod 600 secret.conf" <<<"$out"
chmod 600 secret.conf
out=$("$agorad" --config secret.conf --check-config 2>&1); rc=$?
check "an owner-only config file with secrets is accepted" test "$rc" -eq 0 || echo "$out"
printf '[store]\npath = %s/public\n' "$work" > public.conf
chmod 644 public.conf
out=$("$agorad" --config public.conf --check-config 2>&1); rc=$?
check "a config file without secrets may be readable by all" test "$rc" -eq 0 || echo "$out"
rm -f public.conf
out=$("$agorad" --config secret.conf --print-config 2>&1); rc=$?
check "print-config of a file with secrets exits 0" test "$rc" -eq 0
check "producer properties keep their non-secret values" grep -q "security.protocol=sasl_ssl,sasl.password=<redacted>" <<<"$out"
check "and never show the password or the key" bash -c '! grep -q -e hunter2 -e "$1" <<<"$2"' _ "$strong" "$out"
rm -f jwt.key secret.conf

# Start on embedded defaults in an empty directory.
# Port 0: a free port, so the test does not depend on 8080 being free here.
"$agorad" --log.format=json --http.port=0 > agorad.log 2>&1 &
pid=$!
for _ in $(seq 300); do grep -q "agorad ready" agorad.log && break; sleep 0.1; done
check "agorad becomes ready" grep -q "agorad ready" agorad.log || cat agorad.log
check "it logs where its data lives" grep -q "event store open at $work/data/store" agorad.log
check "log lines are JSON" bash -c "head -1 agorad.log | grep -q '^{\"ts\"'"
check "data dir created" test -d data/store
check "a random jwt key is announced as not surviving a restart" grep -q "do not survive a restart" agorad.log

# A second node on the same data is refused (RocksDB's lock), clearly.
out=$("$agorad" --http.port=0 2>&1); rc=$?
check "second agorad on the same data fails" test "$rc" -ne 0
check "and says why" grep -qi "lock" <<<"$out"

# agoractl reads the store while agorad runs.
out=$("$agoractl" store verify --store data/store 2>&1); rc=$?
check "agoractl verify on a live store" test "$rc" -eq 0
check "verify reports ok" grep -q '"ok":true' <<<"$out"

kill -TERM "$pid"; wait "$pid"; rc=$?
check "SIGTERM stops agorad with exit 0" test "$rc" -eq 0
check "it logs the clean stop" grep -q "agorad stopped" agorad.log
pid=

# agoractl reads leave out password hashes unless --raw (a backup) asks for them.
out=$(printf 'correct horse battery\n' | "$agoractl" user add --email 'Ann@Example.COM.' --name Ann --store data/store 2>&1); rc=$?
check "agoractl user add" test "$rc" -eq 0 || echo "$out"
check "it stores the normalised address" grep -q '"email":"ann@example.com"' <<<"$out"
cid=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$out")
out=$("$agoractl" log read --store data/store 2>&1); rc=$?
check "agoractl log read" test "$rc" -eq 0
check "log read shows the registration" grep -q '"type":"CustomerRegistered"' <<<"$out"
check "log read keeps the e-mail" grep -q '"email":"ann@example.com"' <<<"$out"
check "log read leaves out the password hash" bash -c '! grep -q -e password_hash -e argon2 <<<"$1"' _ "$out"
out=$("$agoractl" stream read "customer-$cid" --store data/store 2>&1); rc=$?
check "agoractl stream read" test "$rc" -eq 0
check "stream read leaves out the password hash" bash -c '! grep -q -e password_hash -e argon2 <<<"$1"' _ "$out"
out=$("$agoractl" log read --raw --store data/store 2>&1)
check "log read --raw is the log as stored" grep -q '"password_hash":"\$argon2id' <<<"$out"
out=$("$agoractl" stream read "customer-$cid" --raw --store data/store 2>&1)
check "stream read --raw is the stream as stored" grep -q '"password_hash":"\$argon2id' <<<"$out"

# agoractl bad input.
out=$("$agoractl" store verify --store "$work/nope" 2>&1); rc=$?
check "agoractl on a missing store exits 1" test "$rc" -eq 1
check "and names the path" grep -q "$work/nope" <<<"$out"
out=$("$agoractl" log read --limit 0 --store data/store 2>&1); rc=$?
check "agoractl rejects --limit 0 with exit 2" test "$rc" -eq 2
out=$("$agoractl" frobnicate 2>&1); rc=$?
check "agoractl unknown command exits 2" test "$rc" -eq 2
out=$("$agoractl" checkpoint get nobody --store data/store 2>&1); rc=$?
check "missing checkpoint exits 1" test "$rc" -eq 1

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
