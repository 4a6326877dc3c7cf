#!/usr/bin/env bash
# The write model end to end: commands through the actors into the store with
# sync on; activation from a snapshot vs from 1,000 events; RSS per resident
# idle inventory-item actor (100,000 of them).
# usage: bench/run_actors_bench.sh [build-dir]   (default build/release)
set -euo pipefail
build=${1:-build/release}
bin="$build/bin/agora-actors-bench"
[ -x "$bin" ] || { echo "build first: cmake --workflow --preset release" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/agora-actors-XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== saturated (512 commands in flight)"
"$bin" --dir "$work/a" --seconds "${SECONDS_PER_PHASE:-5}" --in-flight 512 --idle-actors 100000
echo "== moderate load (64 in flight)"
"$bin" --dir "$work/b" --seconds "${SECONDS_PER_PHASE:-5}" --in-flight 64 --idle-actors 0 | sed -n '1,4p'
