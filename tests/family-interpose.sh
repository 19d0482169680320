#!/bin/bash
# libipcbench-interpose.so on a program of ours with known locking (interpose/testprog.c):
# exact acquisition counts per mutex class under every lock, a condition-variable program
# that completes under every lock, the signal-triggered dumps, and files that validate.
IPCB=$(realpath "$1")
SRC=$(realpath "$2")
LIB=$(dirname "$IPCB")/libipcbench-interpose.so
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 1

if [ ! -f "$LIB" ]; then
	bad "$LIB is missing: build the ipcbench-interpose target"
	summary family-interpose
	exit
fi
CC=${CC:-cc}
if ! command -v "$CC" >/dev/null; then
	skip "no C compiler ($CC) to build interpose/testprog.c"
fi
# -rdynamic: the profile names mutex_a and make_b from the dynamic symbol table
expect 0 "" -- "$CC" -std=gnu11 -O2 -pthread -rdynamic "$SRC/interpose/testprog.c" -o testprog

# run LOCK OUT ARGS...: the test program under the interposer, bounded
run() {
	local lock=$1 out=$2
	shift 2
	IPCBENCH_LOCK=$lock IPCBENCH_OUT=$out LD_PRELOAD=$LIB timeout 120 ./testprog "$@"
}

# the acquisitions of the class whose name contains $2, in file $1
class_acq() {
	jq "[.results[0].attachments.classes[] | select(.class | contains(\"$2\")) | .acquisitions] | add" "$1"
}
metric() { jq ".results[0].metrics.$2.value" "$1"; }

THREADS=4
ITERS=2000
for lock in ticket ttas futex-mutex pthread; do
	# count: each thread takes mutex_a once and B three ways per iteration; thread 0 also
	# takes the recursive C twice nested (one acquisition); the program checks exclusion
	expect 0 "expect mutex_a=$((THREADS * ITERS))" -- run "$lock" "count-$lock.json" count $THREADS $ITERS
	expect 0 "valid: count-$lock.json" -- "$IPCB" validate "count-$lock.json"
	f=count-$lock.json
	check "[ \"\$(jq -r .config.lock $f)\" = $lock ]"
	check "[ \"\$(jq -r '.results[0].lock' $f)\" = $lock ]"
	check "[ \"\$(class_acq $f mutex_a)\" = $((THREADS * ITERS)) ]"
	check "[ \"\$(class_acq $f make_b)\" = $((3 * THREADS * ITERS)) ]"
	check "[ \"\$(class_acq $f make_c)\" = $ITERS ]"
	check "[ \"\$(metric $f acquisitions)\" = $((4 * THREADS * ITERS + ITERS)) ]"
	check "[ \"\$(metric $f trylock_ok)\" = $((THREADS * ITERS)) ]"
	check "[ \"\$(metric $f mutexes)\" = 3 ]"
	check "[ \"\$(metric $f threads)\" = $THREADS ]"
	check "[ \"\$(metric $f unprofiled_acquisitions)\" = 0 ]"
	# every acquisition has a wait value, every critical section a hold value
	check "[ \"\$(jq '.results[0].histogram.count' $f)\" = $((4 * THREADS * ITERS + ITERS)) ]"
	check "[ \"\$(jq '.results[] | select(.id == \"interpose/hold\") | .histogram.count' $f)\" = $((4 * THREADS * ITERS + ITERS)) ]"
	check "[ \"\$(jq '[.results[0].histogram.buckets[][2]] | add' $f)\" = $((4 * THREADS * ITERS + ITERS)) ]"
	# the contended ones are a subset, and their result is there or skipped with a reason
	check "[ \"\$(jq '(.results[0].metrics.contended.value) <= (.results[0].metrics.acquisitions.value)' $f)\" = true ]"
	check "[ \"\$(jq -r '.results[] | select(.id == \"interpose/wait-contended\") | .status' $f)\" != failed ]"

	# cond: producers and consumers on a 4-slot queue complete, and every wait is counted
	expect 0 "consumed 20000 of 20000" -- run "$lock" "cond-$lock.json" cond 4 20000
	expect 0 "valid: cond-$lock.json" -- "$IPCB" validate "cond-$lock.json"
	check "[ \"\$(jq '.results[0].metrics.cond_waits.value >= 1' cond-$lock.json)\" = true ]"
done
# how the relock inside pthread_cond_wait is accounted for: glibc's is invisible (counted
# without a wait sample), ours is a profiled acquisition
check "[ \"\$(metric cond-pthread.json cond_relocks)\" = \"\$(metric cond-pthread.json cond_waits)\" ]"
check "[ \"\$(metric cond-ticket.json cond_relocks)\" = 0 ]"

# signals: SIGUSR1 writes a snapshot and the program goes on; SIGTERM writes and terminates
IPCBENCH_LOCK=futex-mutex IPCBENCH_OUT=sig.json LD_PRELOAD=$LIB ./testprog wait >wait.out 2>wait.err &
pid=$!
for _ in $(seq 600); do grep -q ready wait.out && break; sleep 0.1; done
kill -USR1 $pid
for _ in $(seq 600); do [ -f sig.json ] && break; sleep 0.1; done
check '[ "$(jq -r .config.trigger sig.json)" = SIGUSR1 ]'
check '[ "$(jq -r .interrupted sig.json)" = false ]'
check 'kill -0 $pid'
kill -TERM $pid
wait $pid
check "[ $? = 143 ]"
check '[ "$(jq -r .config.trigger sig.json)" = SIGTERM ]'
check '[ "$(jq -r .interrupted sig.json)" = true ]'
check '[ "$(metric sig.json acquisitions)" = 1000 ]'
check '"$IPCB" validate sig.json >/dev/null'

# an existing file is never replaced: the second process writes beside it, with its pid
expect 0 "" -- run ttas twice.json count 2 10
expect 0 "twice-" -- run ttas twice.json count 2 10
check '[ "$(ls twice-*.json | wc -l)" = 1 ]'

# a process that takes no mutex writes nothing; an unknown lock is refused before anything runs
expect 0 "" -- env IPCBENCH_OUT=none.json LD_PRELOAD="$LIB" /bin/true
check '[ ! -e none.json ]'
expect 2 "IPCBENCH_LOCK=bogus is not a lock here" -- env IPCBENCH_LOCK=bogus LD_PRELOAD="$LIB" ./testprog count 1 1

summary family-interpose
