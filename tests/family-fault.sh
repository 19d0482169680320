#!/bin/bash
# fault/: first touch, MAP_POPULATE, the stack probe and lazy thread stacks.
# Behaviours and resident memory, never timings.
IPCB=$1
SRC=$2
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 1

QUICK=(--config "$SRC/configs/quick.json" -q)

# test: every check passes (THP may be skipped, with a reason)
expect 0 "0 failed" -- "$IPCB" test 'fault/*'
"$IPCB" test 'fault/*' >test.txt 2>&1
for b in first-touch populate thread-stack; do
	check 'grep -q "^PASS fault/$b " test.txt'
done
check 'grep -qE "^(PASS fault/first-touch-thp |SKIP fault/first-touch-thp single: .*(THP|huge page))" test.txt'
if [ "$(uname -m)" = x86_64 ]; then
	check 'grep -q "^PASS fault/prefault-probe " test.txt'
fi

# run the page benchmarks: ok, per page
expect 0 "wrote pages.json" -- "$IPCB" run fault/first-touch fault/populate fault/prefault-probe "${QUICK[@]}" --out pages.json
expect 0 "valid" -- "$IPCB" validate pages.json
check '[ "$(jq "[.results[] | select(.status == \"ok\")] | length" pages.json)" = 3 ]'
check '[ "$(jq -r ".results[] | select(.id == \"fault/first-touch\") | .per" pages.json)" = page ]'
check '[ "$(jq -r ".results[] | select(.id == \"fault/populate\") | .per" pages.json)" = page ]'

# thread-stack: both kinds, RSS measured with 50 threads alive (50 pre-faulted 8 MiB stacks and
# the harness's margin: 756 MiB of MemAvailable)
avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
if [ "${avail_kib:-0}" -lt $((756 * 1024)) ]; then
	echo "SKIP: thread-stack RSS: MemAvailable ${avail_kib:-absent} KiB holds fewer than 50 pre-faulted stacks"
else
	expect 0 "wrote stack.json" -- "$IPCB" run fault/thread-stack --param stack=lazy,prefault --param touch_kib=128 \
		--param nthreads_rss=50 "${QUICK[@]}" --out stack.json
	check '[ "$(jq "[.results[] | select(.status == \"ok\" and .per == \"thread\")] | length" stack.json)" = 2 ]'
	m() { jq -r "[.results[] | select(.params.stack == \"$1\") | .metrics.$2.value][0]" stack.json; }
	check '[ "$(m lazy rss_saved_50_threads_bytes)" != null ]'
	# lazy: at least the 128 KiB touched, far less than the 8 MiB stack; prefaulted: the whole stack
	check '[ "$(jq -n "$(m lazy rss_per_thread_bytes) >= 131072 and $(m lazy rss_per_thread_bytes) < 1048576")" = true ]'
	check '[ "$(jq -n "$(m prefault rss_per_thread_bytes) >= 0.95 * 8388608")" = true ]'
	check '[ "$(jq -n "$(m lazy rss_saved_50_threads_bytes) > 50 * 7 * 1048576")" = true ]'
fi

# bounded: an out-of-range parameter is refused (exit 2); too many threads are skipped with the reason
expect 2 "touch_kib=99999 is out of range: it must be from 0 to 8128" -- "$IPCB" run fault/thread-stack --param touch_kib=99999 "${QUICK[@]}" --out bad.json
check '[ ! -e bad.json ]'
# too many: twice as many pre-faulted 8 MiB stacks as MemAvailable holds (at most the 100000 allowed)
big=$((avail_kib / 8192 * 2 + 1))
if [ -z "$avail_kib" ]; then
	echo "SKIP: too many threads: no MemAvailable in /proc/meminfo"
elif [ "$big" -gt 100000 ]; then
	echo "SKIP: too many threads: MemAvailable ($((avail_kib >> 20)) GiB) holds 100000 pre-faulted 8 MiB stacks"
else
	expect 0 "wrote big.json" -- "$IPCB" run fault/thread-stack --param nthreads_rss=$big "${QUICK[@]}" --out big.json
	check 'jq -r ".results[0] | .status + \": \" + .reason" big.json | grep -q "^skipped: .*MemAvailable"'
fi

summary family-fault
