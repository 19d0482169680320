#!/bin/bash
# app/memcached.sh, briefly: two locks, files that validate with the throughput and the lock
# profile, and clean failures (busy port, failed start, missing tool) that leave no process.
# Without memcached and memaslap installed (Debian: memcached libmemcached-tools): SKIP.
IPCB=$(realpath "$1")
SRC=$(realpath "$2")
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 1
APP="$SRC/app/memcached.sh"
BUILD=$(dirname "$IPCB")

if ! command -v memcached >/dev/null || ! { command -v memaslap || command -v memcaslap; } >/dev/null; then
	skip "memcached or memaslap not installed (apt-get install memcached libmemcached-tools)"
fi

# the pids of the memcacheds the driver says it started, from its output in $1
started_pids() { sed -n 's/.*memcached pid \([0-9]*\) .*/\1/p' "$1"; }
all_gone() {
	local pid
	for pid in $(started_pids "$1"); do
		kill -0 "$pid" 2>/dev/null && return 1
	done
	return 0
}

bash "$APP" "$BUILD" --duration 2 --locks pthread,ticket --out-dir out --no-install >run.txt 2>&1
rc=$?
check "[ $rc = 0 ] || { cat run.txt; false; }"
check '[ "$(started_pids run.txt | wc -l)" = 2 ]'
check 'all_gone run.txt'
for lock in pthread ticket; do
	f=$(ls out/memcached-$lock-*.json 2>/dev/null | head -1)
	check "[ -n '$f' ]"
	[ -n "$f" ] || continue
	check "\"$IPCB\" validate '$f' >/dev/null"
	check "[ \"\$(jq -r .config.lock '$f')\" = $lock ]"
	check "[ \"\$(jq -r .config.app.name '$f')\" = memcached ]"
	w=".results[] | select(.id == \"interpose/wait\")"
	check "[ \"\$(jq '$w | .metrics.throughput.value > 0' '$f')\" = true ]"
	check "[ \"\$(jq '$w | .metrics.acquisitions.value > 0' '$f')\" = true ]"
	# memcached's item locks, thousands of mutexes from one init site: one class
	check "[ \"\$(jq '$w | .metrics.mutexes.value > 100' '$f')\" = true ]"
	check "[ \"\$(jq '$w | .attachments.classes | length > 0' '$f')\" = true ]"
	check "[ \"\$(jq '.results | length' '$f')\" = 3 ]"
done
grep -q "ops/s" run.txt && ok || bad "no summary line in: $(cat run.txt)"

# a busy port: refused before anything starts, and the listener there is left alone
for _ in $(seq 20); do
	port=$((20000 + RANDOM % 40000))
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
done
memcached -u "$(id -un)" -l 127.0.0.1 -p "$port" -U 0 -t 1 >/dev/null 2>&1 &
other=$!
for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
expect 1 "port $port on 127.0.0.1 is busy" -- bash "$APP" "$BUILD" --duration 1 --port "$port" --out-dir out2 --no-install
check "kill -0 $other"
kill "$other"
wait "$other" 2>/dev/null

# a failed start: memcached's own reason, and nothing left running
bash "$APP" "$BUILD" --duration 1 --threads 0 --locks ticket --out-dir out2 --no-install >fail.txt 2>&1
rc=$?
check "[ $rc = 1 ]"
check 'grep -q "memcached failed to start" fail.txt'
check 'all_gone fail.txt'
check '[ ! -e out2 ] || [ -z "$(ls out2)" ]'

# missing tools and bad input: exit 2 before anything starts
expect 2 "are needed" -- env MEMCACHED=/nonexistent bash "$APP" "$BUILD" --no-install --duration 1
expect 2 "unknown lock 'spin'" -- bash "$APP" "$BUILD" --locks spin
expect 2 "--duration must be" -- bash "$APP" "$BUILD" --duration 0

summary family-app
