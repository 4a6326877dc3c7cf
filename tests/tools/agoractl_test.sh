#!/usr/bin/env bash
# agoractl end to end: the real binary on real stores written by
# agoractl_store_fixture (domain-encoded events through the event_store API),
# offline and beside a process that holds the store and keeps appending (as
# agorad does). Every command, its --help, its exit codes and its bad inputs.
# usage: agoractl_test.sh <agoractl> <agoractl_store_fixture> <agora-broker>
set -uo pipefail
ctl=$(realpath "$1") fixture=$(realpath "$2") broker_bin=$(realpath "$3")
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d)
holder= broker=
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; [ -n "$broker" ] && kill "$broker" 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$(realpath "$0")")/check_lib.sh"
cd "$work"
p0=product-00000000-0000-7000-8000-000000000000
p1=product-00000000-0000-7000-8000-000000000001
c0=customer-00000000-0000-7000-9000-000000000000

# --- behaviour: help everywhere, usage errors exit 2 -------------------------
for cmd in "" "store" "store verify" "store info" "log" "log read" "log tail" "log stats" "stream" "stream read" \
           "stream show" "checkpoint get" "user add" "export" "import" "backup" "restore" "snapshot rebuild" "replay" "outbox status" "outbox republish"; do
  out=$("$ctl" $cmd --help 2>&1); rc=$?
  check "--help on '$cmd' exits 0" test "$rc" -eq 0
  check "and shows a usage line" has "Usage:" "$out"
done
out=$("$ctl" frobnicate 2>&1); rc=$?
check "an unknown command exits 2" test "$rc" -eq 2
out=$("$ctl" log read --limit 0 --store a 2>&1); rc=$?
check "a bad option value exits 2" test "$rc" -eq 2
out=$("$ctl" user add --email a@b.c --password secret123 2>&1); rc=$?
check "a password on the command line is refused (exit 2)" test "$rc" -eq 2
out=$("$ctl" store verify --store "$work/nope" 2>&1); rc=$?
check "a wrong path exits 1" test "$rc" -eq 1
check "and says there is no store there, naming it" has "no event store at $work/nope" "$out"

# --- a store: 10 products x 3 events + 1 customer = 31 events ----------------
out=$("$fixture" a 2>&1); rc=$?
check "fixture writes a store" test "$rc" -eq 0
out=$("$ctl" store verify --store a 2>/dev/null); rc=$?
check "store verify exits 0" test "$rc" -eq 0
check "and reports ok, 31 events, 11 streams" has '"ok":true,"events":31,"streams":11' "$out"
sum_a=$(field checksum "$out")
check "and prints the log checksum" has "blake2b256:" "$sum_a"
out=$("$ctl" store info --store a); rc=$?
check "store info" has '"last_position":31' "$out"
check "it says nobody holds the store" has '"live":false' "$out"

out=$("$ctl" log read --store a --limit 5); rc=$?
check "log read --limit 5 prints 5 events" test "$(wc -l <<<"$out")" -eq 5
out=$("$ctl" log tail --store a -n 3); rc=$?
check "log tail -n 3 prints the last 3" test "$(wc -l <<<"$out")" -eq 3
check "ending at position 31" has '"position":31,' "$(tail -1 <<<"$out")"
out=$("$ctl" log tail --store a --from 30); rc=$?
check "log tail --from 30 prints 30 and 31" test "$(wc -l <<<"$out")" -eq 2
out=$("$ctl" log stats --store a); rc=$?
check "log stats exits 0" test "$rc" -eq 0
check "counts events by type" has '"by_type":{"CustomerRegistered":1,"ProductCreated":10,"ProductPriceChanged":20}' "$out"
check "and by stream kind" has '"by_kind":{"customer":1,"product":30}' "$out"
check "with oldest and newest" has '"oldest":"2026-09-21T14:13:20.000000Z","newest":"2026-09-21T14:13:20.000300Z"' "$out"
check "and size on disk" has '"disk_bytes":[1-9]' "$out"

# On a terminal (script(1) gives one): text results and a progress line redrawn in place.
out=$(script -qec "'$ctl' export tty.ndjson --store a" /dev/null)
check "on a terminal, results are 'key: value' lines" grep -Eq "^events: +31" <<<"$out"
check "and the progress line is drawn in place (CR, clear line)" grep -q $'\r\033\[Kexport: 31/31 events (100%)' <<<"$out"
out=$(script -qec "'$ctl' store info --json --store a" /dev/null)
check "--json gives JSON on a terminal too" has '"last_position":31' "$out"
out=$("$ctl" export quiet.ndjson --store a 2>&1 >/dev/null)
check "off a terminal a quick run prints no progress" test -z "$out"

# --- stream show: events with versions and positions, state at any version ---
out=$("$ctl" stream show "$p1" --store a); rc=$?
check "stream show exits 0" test "$rc" -eq 0
check "lists versions with positions" has '{"version":2,"position":12,"type":"ProductPriceChanged"' "$out"
check "and folds the current state" has '"price":{"minor":1003,"currency":"EUR"}' "$out"
out=$("$ctl" stream show "$p1" --at 1 --store a)
check "--at 1 folds version 1 only (time travel)" has '"version":1,"current_version":3' "$out"
check "with the price of then" has '"price":{"minor":1001,"currency":"EUR"}' "$out"
out=$("$ctl" stream show "$p1" --at 9 --store a 2>&1); rc=$?
check "--at past the current version exits 1" test "$rc" -eq 1
check "and says so" has "is at version 3" "$out"
out=$("$ctl" stream show product-nobody --store a 2>&1); rc=$?
check "an unknown stream exits 1" test "$rc" -eq 1
out=$("$ctl" stream show "$c0" --store a)
check "a customer's state leaves out the password hash" hasnt "password_hash" "$out"
check "but keeps the e-mail" has '"email":"user0@example.com"' "$out"
out=$("$ctl" stream show "$c0" --raw --store a)
check "--raw shows the state as folded" has '"password_hash":"$argon2id' "$out"
out=$("$ctl" stream read "$c0" --store a)
check "stream read leaves out the password hash" hasnt "password_hash" "$out"

# --- export / import ----------------------------------------------------------
out=$("$ctl" export a.ndjson --store a 2>&1); rc=$?
check "export exits 0" test "$rc" -eq 0
check "and prints the log checksum verify printed" has "$sum_a" "$out"
check "the file has a header, 31 events, 2 checkpoints, 1 wake-up and a trailer" test "$(wc -l < a.ndjson)" -eq 36
check "the trailer carries the checksum" has "\"end\":true,\"events\":31,\"checksum\":\"$sum_a\"" "$(tail -1 a.ndjson)"
check "events are exported raw (a backup)" grep -q '"password_hash":"$argon2id' a.ndjson
check "no temporary file is left" test -z "$(ls | grep partial)"
out=$("$ctl" export a.ndjson.gz --store a 2>&1); rc=$?
check "export to .gz exits 0" test "$rc" -eq 0
check "and writes gzip" bash -c 'gzip -t a.ndjson.gz'
check "with the same content" bash -c 'cmp <(gzip -dc a.ndjson.gz | sed 1d) <(sed 1d a.ndjson)'

"$ctl" export - --store a 2>/dev/null | gzip -c > piped.ndjson.gz
check "export - writes the file to stdout, the summary elsewhere" bash -c "cmp <(gzip -dc piped.ndjson.gz | sed 1d) <(sed 1d a.ndjson)"
out=$(gzip -dc piped.ndjson.gz | "$ctl" import - --store piped 2>&1); rc=$?
check "import - reads standard input" test "$rc" -eq 0
check "with the same checksum" has "\"checksum\":\"$sum_a\"" "$out"

out=$("$ctl" import a.ndjson --store b 2>&1); rc=$?
check "import into a new store exits 0" test "$rc" -eq 0
check "and prints the same checksum" has "\"checksum\":\"$sum_a\"" "$out"
out=$("$ctl" store verify --store b 2>/dev/null); rc=$?
check "the imported store verifies" test "$rc" -eq 0
check "with the same checksum (same log, exactly)" test "$(field checksum "$out")" = "$sum_a"
check "the log reads the same, byte for byte" bash -c "cmp <('$ctl' log read --raw --limit 1000 --store a) <('$ctl' log read --raw --limit 1000 --store b)"
check "checkpoints are imported" has '"position":30' "$("$ctl" checkpoint get projections --store b)"
out=$("$ctl" import a.ndjson.gz --store c 2>&1); rc=$?
check "import of the gzip file exits 0" test "$rc" -eq 0
check "with the same checksum" has "\"checksum\":\"$sum_a\"" "$out"

# --- replay: the read models rebuilt offline, with their checksums -----------
out=$("$ctl" replay --store a 2>/dev/null); rc=$?
check "replay exits 0" test "$rc" -eq 0
check "and applied the 31 events" has '"from":0,"to":31,"events":31,"undecodable":0' "$out"
check "into a catalog of 10 products" has '{"name":"catalog","events_applied":31,[^}]*"entries":10,"checksum":"[0-9a-f]\{16\}"}' "$out"
check "and 1 account" has '{"name":"accounts",[^}]*"entries":1,' "$out"
check "with a rate" has '"events_per_s":[1-9]' "$out"
models_a=$(grep -o '"checksum":"[0-9a-f]*"' <<<"$out" | tr '\n' ' ')
check "four models, four checksums" test "$(wc -w <<<"$models_a")" -eq 4
out_b=$("$ctl" replay all --store b 2>/dev/null)
check "the imported store's models have the same checksums" test "$(grep -o '"checksum":"[0-9a-f]*"' <<<"$out_b" | tr '\n' ' ')" = "$models_a"
out=$("$ctl" replay accounts catalog --store a 2>/dev/null); rc=$?
check "replay of two models gives just those, in the runner's order" \
  has '"models":\[{"name":"catalog",[^]]*{"name":"accounts",[^]]*}\]}' "$out"
check "with the same checksums" test "$(grep -o '"checksum":"[0-9a-f]*"' <<<"$out" | tr '\n' ' ')" = "$(cut -d' ' -f1,3 <<<"$models_a") "
out=$("$ctl" replay orders --from 30 --store a 2>/dev/null); rc=$?
check "replay --from 30 applies one event" has '"from":30,"to":31,"events":1' "$out"
check "and says the model is partial" has '"partial":' "$out"
out=$(script -qec "'$ctl' replay --store a" /dev/null)
check "on a terminal, one line per model with its checksum" grep -Eq "^catalog: +checksum [0-9a-f]{16}, 10 entries, 31 events applied" <<<"$out"
out=$("$ctl" replay catalogue --store a 2>&1); rc=$?
check "replay of an unknown model exits 2" test "$rc" -eq 2
out=$("$ctl" replay --from 32 --store a 2>&1); rc=$?
check "replay --from past the end exits 2" test "$rc" -eq 2
check "saying where the log ends" has "past the end of the log (31)" "$out"
out=$("$ctl" replay --store "$work/nope" 2>&1); rc=$?
check "replay of a wrong path exits 1, naming it" has "no event store at $work/nope" "$out"
check "(exit 1)" test "$rc" -eq 1

"$fixture" empty --products 0 --customers 0 >/dev/null
out=$("$ctl" import a.ndjson --store empty 2>&1); rc=$?
check "import into an existing empty store exits 0" test "$rc" -eq 0
check "which now holds the log" test "$(field checksum "$("$ctl" store verify --store empty 2>/dev/null)")" = "$sum_a"

out=$("$ctl" import a.ndjson --store b 2>&1); rc=$?
check "import into a non-empty store exits 1" test "$rc" -eq 1
check "and says why and what to do" has "holds 31 events.*--force-append" "$out"
out=$("$ctl" import a.ndjson --store b --force-append 2>&1); rc=$?
check "--force-append of clashing streams exits 1" test "$rc" -eq 1
check "naming the line and the stream" has "line 2: stream '$p0' is at version 3" "$out"
check "and leaves the store as it was" test "$(field checksum "$("$ctl" store verify --store b 2>/dev/null)")" = "$sum_a"
"$fixture" other --products 3 --first-id 100 --customers 0 >/dev/null
"$ctl" export other.ndjson --store other >/dev/null 2>&1
out=$("$ctl" import other.ndjson --store b --force-append 2>&1); rc=$?
check "--force-append of other streams exits 0" test "$rc" -eq 0
out=$("$ctl" store verify --store b 2>/dev/null); rc=$?
check "the store then verifies" test "$rc" -eq 0
check "with 31 + 9 events" has '"events":40' "$out"

# Bad files: a clear message with the line number, exit 1, nothing written.
sed '5s/.*/this is not json/' a.ndjson > garbage.ndjson
out=$("$ctl" import garbage.ndjson --store g 2>&1); rc=$?
check "a garbage line exits 1" test "$rc" -eq 1
check "naming the file and line 5" has "garbage.ndjson: line 5: not JSON" "$out"
check "nothing is written" test ! -e g
check "no temporary directory is left" test -z "$(ls | grep import)"
head -n -1 a.ndjson > truncated.ndjson
out=$("$ctl" import truncated.ndjson --store g 2>&1); rc=$?
check "a truncated file exits 1" test "$rc" -eq 1
check "and says it is truncated" has "without its trailer line: the file is truncated" "$out"
check "nothing is written" test ! -e g
sed '3s/"minor":1001/"minor":9999/' a.ndjson > tampered.ndjson
out=$("$ctl" import tampered.ndjson --store g 2>&1); rc=$?
check "an altered event exits 1" test "$rc" -eq 1
check "on the checksum" has "checksum mismatch" "$out"
check "nothing is written" test ! -e g
sed '4s/"position":3,/"position":7,/' a.ndjson > gap.ndjson
out=$("$ctl" import gap.ndjson --store g 2>&1); rc=$?
check "a position gap exits 1, naming the line" has "line 4: position 7 where 3 was expected" "$out"
out=$("$ctl" import /nonexistent.ndjson --store g 2>&1); rc=$?
check "a missing file exits 1" test "$rc" -eq 1
check "naming it" has "cannot open /nonexistent.ndjson" "$out"
out=$("$ctl" import a.ndjson --store nodir/sub/store 2>&1); rc=$?
check "a target whose directory is missing exits 1, naming it" has "the directory $work/nodir/sub (where nodir/sub/store would go) does not exist" "$out"
mkdir notastore; touch notastore/x
out=$("$ctl" import a.ndjson --store notastore 2>&1); rc=$?
check "a non-empty directory that is no store is refused" has "is not an event store" "$out"

# An interrupted import (killed mid-file) leaves the target as it was.
"$fixture" big --products 2000 --price-changes 4 --customers 0 >/dev/null
"$ctl" export big.ndjson --store big -q >/dev/null
mkfifo feed
"$fixture" victim --products 0 --customers 0 >/dev/null
"$ctl" import feed --store victim -q >/dev/null 2>&1 &
importer=$!
exec 3>feed
head -n 6000 big.ndjson >&3  # part of the file: the import is under way, waiting for more
for _ in $(seq 1 200); do ls -d victim.import-* >/dev/null 2>&1 && break; sleep 0.05; done
check "the import builds beside the target" bash -c 'ls -d victim.import-* >/dev/null 2>&1'
kill -9 "$importer"; wait "$importer" 2>/dev/null
exec 3>&-
out=$("$ctl" store verify --store victim 2>/dev/null); rc=$?
check "after a kill -9 mid-import the target is as it was" has '"ok":true,"events":0' "$out"
rm -rf victim.import-*

# store verify checks that every event decodes with the domain codec.
"$fixture" bad --bad-event >/dev/null
out=$("$ctl" store verify --store bad 2>/dev/null); rc=$?
check "an undecodable event fails verify (exit 1)" test "$rc" -eq 1
check "naming its position and why" has '"undecodable":1' "$out"
check "and its kind" has "stream 'widget-1' is of no known kind" "$out"
out=$("$ctl" replay --store bad 2>&1); rc=$?
check "replay ignores a stream of no known kind, as agorad's models do (exit 0)" test "$rc" -eq 0
check "with the models of the store without it" test "$(grep -o '"checksum":"[0-9a-f]*"' <<<"$out" | tr '\n' ' ')" = "$models_a"

# Event-only streams (an admin's notification) decode with their own codec.
"$fixture" notes --notification >/dev/null
out=$("$ctl" store verify --store notes 2>/dev/null); rc=$?
check "a store with a notification verifies" test "$rc" -eq 0
check "with every event decoded" has '"events":32,.*"undecodable":0' "$out"
out=$("$ctl" stream show notification-00000000-0000-7000-a000-000000000001 --store notes); rc=$?
check "stream show of a notification shows its event and no state" has '"type":"NotificationBroadcast".*"state":null' "$out"
out=$("$ctl" snapshot rebuild --store notes 2>&1); rc=$?
check "snapshot rebuild skips it" has '"written":11,"skipped":1' "$out"

# ... and that every snapshot is the fold of the events it claims to include.
"$fixture" snaps --snapshots >/dev/null
out=$("$ctl" store verify --store snaps 2>/dev/null); rc=$?
check "snapshots equal to their folds pass verify" test "$rc" -eq 0
check "all 10 are checked" has '"snapshots":10,"bad_snapshots":0' "$out"
"$fixture" badsnap --bad-snapshot >/dev/null
out=$("$ctl" store verify --store badsnap 2>/dev/null); rc=$?
check "a snapshot unlike its fold fails verify (exit 1)" test "$rc" -eq 1
check "naming the stream and the version" has "stream '$p0': snapshot at version 3 differs from the fold of its events" "$out"

# snapshot rebuild rewrites them as folds of their events.
out=$("$ctl" snapshot rebuild --store badsnap 2>&1); rc=$?
check "snapshot rebuild exits 0" test "$rc" -eq 0
check "and writes one snapshot per product and customer" has '"written":11,"skipped":0' "$out"
out=$("$ctl" store verify --store badsnap 2>/dev/null); rc=$?
check "after which verify passes" test "$rc" -eq 0
check "with every snapshot checked" has '"snapshots":11,"bad_snapshots":0' "$out"
out=$("$ctl" snapshot rebuild --stream "$p1" --store a 2>&1); rc=$?
check "snapshot rebuild --stream writes one" has '"written":1' "$out"
out=$("$ctl" snapshot rebuild --stream product-nobody --store a 2>&1); rc=$?
check "snapshot rebuild of an unknown stream exits 1" test "$rc" -eq 1

# --- backup / restore (offline) ----------------------------------------------
out=$("$ctl" backup bk1 --store a 2>&1); rc=$?
check "backup of a stopped store exits 0" test "$rc" -eq 0
check "as a RocksDB checkpoint" has '"method":"checkpoint"' "$out"
check "with the log's checksum" has "\"checksum\":\"$sum_a\"" "$out"
check "the backup is a store that verifies" test "$(field checksum "$("$ctl" store verify --store bk1 2>/dev/null)")" = "$sum_a"
out=$("$ctl" backup bk1 --store a 2>&1); rc=$?
check "backup into a non-empty directory exits 1" test "$rc" -eq 1
out=$("$ctl" backup bk2 --store nope 2>&1); rc=$?
check "backup of a wrong path exits 1" has "no event store at nope" "$out"
out=$("$ctl" restore bk1 --to r1 2>&1); rc=$?
check "restore into a new directory exits 0" test "$rc" -eq 0
check "the restored store verifies with the same checksum" test "$(field checksum "$("$ctl" store verify --store r1 2>/dev/null)")" = "$sum_a"
out=$("$ctl" restore bk1 --to other 2>&1); rc=$?
check "restore over a non-empty store exits 1" test "$rc" -eq 1
check "and says to pass --force" has "pass --force" "$out"
check "leaving it as it was" has '"events":9' "$("$ctl" store verify --store other 2>/dev/null)"
out=$("$ctl" restore bk1 --to other --force 2>&1); rc=$?
check "restore --force replaces it" test "$(field checksum "$("$ctl" store verify --store other 2>/dev/null)")" = "$sum_a"
check "no temporary directory is left" test -z "$(ls | grep -e restore- -e partial-)"
out=$("$ctl" restore nope --to r2 2>&1); rc=$?
check "restore of a missing backup exits 1" has "no backup (no event store) at nope" "$out"

# --- user add: password from standard input, never the command line --------
out=$(printf 'correct horse battery\n' | "$ctl" user add --admin --email Ops@Example.com --store a 2>&1); rc=$?
check "user add --admin exits 0" test "$rc" -eq 0 || echo "$out"
check "and answers the normalised address and role" has '"email":"ops@example.com","role":"admin"' "$out"
# On a terminal the password is prompted for twice, without echo
# (tty_password.py types each answer once its prompt shows, as a person would).
tty=$here/tty_password.py
out=$("$tty" "password: " "terminal password" "again: " "terminal password" -- \
      "$ctl" user add --email tty@example.com --store a); rc=$?
check "user add on a terminal exits 0" test "$rc" -eq 0
check "it prompts" has "password: " "$out"
check "and asks again" has "again: " "$out"
check "and does not echo the password" hasnt "terminal password" "$out"
check "and creates the account" has "tty@example.com" "$out"
out=$("$tty" "password: " "terminal password" "again: " "another password" -- \
      "$ctl" user add --email tty2@example.com --store a); rc=$?
check "two different passwords exit 2" test "$rc" -eq 2
check "saying they differ" has "the passwords differ" "$out"
out=$(printf 'short\n' | "$ctl" user add --email x@example.com --store a 2>&1); rc=$?
check "a short password exits 2" test "$rc" -eq 2
out=$("$ctl" user add --email y@example.com --store a </dev/null 2>&1); rc=$?
check "no password at all exits 2" test "$rc" -eq 2

# --- outbox: the relay's checkpoint, lag, broker; republish moves it back -----
"$fixture" ob >/dev/null   # its relay checkpoint "outbox" is at 31 of 31
out=$("$ctl" outbox status --store ob --checkpoint-name outbox 2>&1); rc=$?
check "outbox status exits 0" test "$rc" -eq 0
check "with the checkpoint and the lag" has '"checkpoint":31,"ran":true,"last_position":31,"lag":0' "$out"
check "and says the broker was not checked" has '"broker":"not checked' "$out"
out=$("$ctl" outbox status --store ob 2>&1); rc=$?
check "a relay that never ran: checkpoint 0, lag the whole log" has '"checkpoint_name":"outbox.kafka",[^}]*"checkpoint":0,"ran":false,"last_position":31,"lag":31' "$out"
"$broker_bin" --brokers 1 >broker.out 2>broker.err & broker=$!
for _ in $(seq 1 200); do [ -s broker.out ] && break; sleep 0.05; done
bootstrap=$(head -1 broker.out)
out=$("$ctl" outbox status --store ob --checkpoint-name outbox --brokers "$bootstrap" 2>&1); rc=$?
check "outbox status with a running broker exits 0" test "$rc" -eq 0
check "saying it answered" has '"broker_reachable":true,"broker_count":1' "$out"
kill "$broker"; wait "$broker" 2>/dev/null; broker=
out=$("$ctl" outbox status --store ob --checkpoint-name outbox --brokers "$bootstrap" --broker-timeout-ms 1000 2>&1); rc=$?
check "outbox status with no broker there exits 1" test "$rc" -eq 1
check "saying none answered" has '"broker_reachable":false' "$out"
check "and within the timeout" has "no broker of $bootstrap answered within 1000 ms" "$out"
out=$("$ctl" outbox republish --from 21 --store ob --checkpoint-name outbox 2>&1); rc=$?
check "outbox republish --from 21 exits 0" test "$rc" -eq 0
check "moving the checkpoint from 31 to 20" has '"was":31,"now":20,"to_resend":11' "$out"
check "and saying consumers dedupe by event id" has "consumers dedupe by event id" "$out"
check "the checkpoint is at 20" has '"position":20,' "$("$ctl" checkpoint get outbox --store ob)"
out=$("$ctl" outbox republish --from 25 --store ob --checkpoint-name outbox 2>&1); rc=$?
check "republish never moves the checkpoint forward (exit 1)" test "$rc" -eq 1
check "saying it would skip events" has "would skip events it has not sent" "$out"
out=$("$ctl" outbox republish --from 0 --store ob 2>&1); rc=$?
check "republish --from 0 exits 2" test "$rc" -eq 2
out=$("$ctl" outbox republish --from 32 --store ob 2>&1); rc=$?
check "republish --from past the end exits 2" test "$rc" -eq 2

# --- a store held by a running writer (as agorad holds it) ------------------
"$fixture" live --hold live.ready >/dev/null 2>live.err &
holder=$!
for _ in $(seq 1 600); do [ -e live.ready ] && break; sleep 0.05; done
check "the holder is up" test -e live.ready
out=$("$ctl" store info --store live 2>&1); rc=$?
check "store info on a held store exits 0" test "$rc" -eq 0
check "and says it is live" has '"live":true' "$out"
out=$("$ctl" store verify --store live 2>/dev/null); rc=$?
check "store verify on a held store exits 0 (secondary instance)" test "$rc" -eq 0
check "and reports ok" has '"ok":true' "$out"
first=$(field last_position "$out")
out=$(timeout --preserve-status -s INT 3 "$ctl" log tail --follow --poll-ms 100 -n 1 --store live); rc=$?
check "log tail --follow stops on SIGINT with exit 0" test "$rc" -eq 0
last_followed=$(tail -1 <<<"$out" | sed -n 's/.*"position":\([0-9]*\),.*/\1/p')
check "and printed events appended while it ran" test "${last_followed:-0}" -gt "$first"
out=$("$ctl" export live.ndjson --store live 2>&1); rc=$?
check "export of a held store exits 0" test "$rc" -eq 0
out=$("$ctl" import live.ndjson --store live2 2>&1); rc=$?
check "and imports into a store that verifies" test "$rc" -eq 0
out=$("$ctl" replay --store live 2>/dev/null); rc=$?
check "replay beside a writer exits 0 (secondary instance)" test "$rc" -eq 0
check "and says the store is live" has '"live":true' "$out"
out=$("$ctl" backup bk-live --store live 2>&1); rc=$?
check "backup of a held store exits 0" test "$rc" -eq 0
check "as a copy through a secondary instance" has '"method":"copy","live":true' "$out"
out=$("$ctl" store verify --store bk-live 2>/dev/null); rc=$?
check "the live backup verifies" test "$rc" -eq 0
out=$("$ctl" import a.ndjson --store live 2>&1); rc=$?
check "import into a held store exits 1" test "$rc" -eq 1
check "saying agorad holds it" has "is held by a running agorad" "$out"
out=$("$ctl" restore bk1 --to live --force 2>&1); rc=$?
check "restore onto a held store exits 1" has "is held by a running agorad" "$out"
out=$(printf 'correct horse battery\n' | "$ctl" user add --email z@example.com --store live 2>&1); rc=$?
check "user add on a held store exits 1" test "$rc" -eq 1
check "saying agorad holds it" has "is held by a running agorad" "$out"
out=$("$ctl" outbox status --store live --checkpoint-name outbox 2>&1); rc=$?
check "outbox status beside a writer exits 0" has '"live":true' "$out"
out=$("$ctl" outbox republish --from 1 --store live --checkpoint-name outbox 2>&1); rc=$?
check "outbox republish on a held store exits 1, saying agorad holds it" has "is held by a running agorad" "$out"
out=$("$ctl" snapshot rebuild --store live 2>&1); rc=$?
check "snapshot rebuild on a held store exits 1, saying agorad holds it" has "is held by a running agorad" "$out"
rm -f live.ready
wait "$holder"; rc=$?
holder=
check "the holder appended without error" test "$rc" -eq 0 || cat live.err
check "no secondary instance directory is left in /tmp" test -z "$(ls -d "${TMPDIR:-/tmp}"/agoractl-secondary-* 2>/dev/null)"

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
