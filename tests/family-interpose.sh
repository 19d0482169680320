#!/bin/bash
# libipcbench-interpose.so on a program of ours with known locking (interpose/testprog.c):
# exact acquisition counts per mutex class under every lock, a condition-variable program
# that completes under every lock, a program left as it was (one thread, its signals its own)
# unless a dump signal is asked for, the signal-triggered dumps, and files that validate.
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
expect 0 "" -- "$CC" -std=gnu11 -O2 -pthread -rdynamic "$SRC/interpose/testprog.c" -o testprog -ldl

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

# wait_for CMD: until CMD succeeds, 30 s at most (a condition, not a delay: the machine may be loaded)
wait_for() {
	local i
	for i in $(seq 600); do
		eval "$1" && return 0
		sleep 0.05
	done
	return 1
}
trigger_is() { [ "$(jq -r .config.trigger "$1" 2>/dev/null)" = "$2" ]; }
logged() { grep -qF -- "$2" "$1"; }

# ended PID: gone, or a zombie waiting for us
ended() { [ ! -e "/proc/$1" ] || [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# reap: wait for $pid to end (killed if it has not within 30 s: a failure, never a hang); status in $rc
reap() {
	if ! wait_for "ended $pid"; then
		bad "testprog (pid $pid) did not end"
		kill -KILL $pid
	fi
	wait $pid
	rc=$?
}

# start LOG VAR=VALUE... -- ARGS...: the test program in the background, its pid in $pid, once ready
start() {
	local log=$1 envs=()
	shift
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	env "${envs[@]}" ./testprog "$@" >"$log" 2>&1 &
	pid=$!
	wait_for "logged $log ready" || bad "testprog $* never said ready: $(cat "$log")"
}

# Unasked, the interposer starts no thread and installs no handler: one thread, every signal at
# its default, and a signal the program leaves at its default still ends it (nothing written then)
expect 0 "tasks=1 SIGINT=default SIGTERM=default SIGUSR1=default" -- env LD_PRELOAD="$LIB" ./testprog tasks
start unasked.log IPCBENCH_OUT=unasked.json LD_PRELOAD="$LIB" -- wait
check '[ "$(ls /proc/$pid/task | wc -l)" = 1 ]'
kill -USR1 $pid
reap
check "[ $rc = $((128 + $(kill -l USR1))) ]"
check '[ ! -e unasked.json ]'
# unshare(CLONE_NEWUSER) refuses a multi-threaded process
if ! command -v unshare >/dev/null; then
	echo "SKIP (unshare -U under the interposer): unshare (util-linux) is not installed"
elif ! unshare -U true 2>/dev/null; then
	echo "SKIP (unshare -U under the interposer): user namespaces are refused here even without it"
else
	expect 0 "" -- env LD_PRELOAD="$LIB" unshare -U true
fi
# Python installs its KeyboardInterrupt handler only over SIGINT's default; asked to dump on SIGINT,
# the interposer keeps Python's handler (Python still sees its own) and calls it
if command -v python3 >/dev/null; then
	expect 0 "<built-in function default_int_handler>" -- env LD_PRELOAD="$LIB" IPCBENCH_OUT=py.json \
		python3 -c 'import signal; print(signal.getsignal(signal.SIGINT))'
	expect 0 "default_int_handler KeyboardInterrupt" -- env LD_PRELOAD="$LIB" IPCBENCH_OUT=py2.json \
		IPCBENCH_DUMP_FATAL_SIGNAL=INT python3 -c '
import os, signal, time
try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(60)
except KeyboardInterrupt:
    print(signal.getsignal(signal.SIGINT).__name__, "KeyboardInterrupt")'
else
	echo "SKIP (Python under the interposer): python3 is not installed"
fi

# IPCBENCH_DUMP_SIGNAL=USR1: one dump thread, asked for; the program still sees its own
# dispositions, a SIG_IGN inherited across exec included
expect 0 "tasks=2 SIGINT=default SIGTERM=default SIGUSR1=default" -- \
	env IPCBENCH_DUMP_SIGNAL=USR1 LD_PRELOAD="$LIB" ./testprog tasks
expect 0 "SIGUSR1=ignored" -- bash -c 'trap "" USR1; IPCBENCH_DUMP_SIGNAL=USR1 LD_PRELOAD=$0 exec ./testprog tasks' "$LIB"
expect 2 "'KILL' is not a signal here" -- env IPCBENCH_DUMP_SIGNAL=KILL LD_PRELOAD="$LIB" ./testprog tasks
expect 2 "named in both" -- env IPCBENCH_DUMP_SIGNAL=USR1 IPCBENCH_DUMP_FATAL_SIGNAL=sigusr1 LD_PRELOAD="$LIB" ./testprog tasks

# handlers the program installs after us (sigaction for SIGUSR1, signal for SIGUSR2): each signal
# writes a snapshot and the program's handler runs; SIGTERM, not asked for, ends it writing nothing
start own.log IPCBENCH_DUMP_SIGNAL=USR1,USR2 IPCBENCH_OUT=own.json LD_PRELOAD="$LIB" -- wait handler
check 'logged own.log "own handlers seen"'
kill -USR1 $pid
check 'wait_for "logged own.log \"handled SIGUSR1 1\""'
check 'wait_for "trigger_is own.json SIGUSR1"'
kill -USR2 $pid
check 'wait_for "logged own.log \"handled SIGUSR2 1\""'
check 'wait_for "trigger_is own.json SIGUSR2"'
check 'kill -0 $pid'
kill -TERM $pid
reap
check "[ $rc = 143 ]"
check 'trigger_is own.json SIGUSR2'
check '[ "$(jq -r .interrupted own.json)" = false ]'

# a handler installed before us: the program sets it, then dlopen()s the interposer
start before.log IPCBENCH_DUMP_SIGNAL=USR1 IPCBENCH_OUT=before.json -- wait dlopen "$LIB"
kill -USR1 $pid
check 'wait_for "logged before.log \"handled SIGUSR1 1\""'
check 'wait_for "trigger_is before.json SIGUSR1"'
kill -TERM $pid
reap

# IPCBENCH_DUMP_FATAL_SIGNAL=INT,TERM (the program left them at their default): SIGTERM writes the
# profile and then terminates the program as it would have; SIGUSR1 a snapshot, the program goes on
start sig.log IPCBENCH_LOCK=futex-mutex IPCBENCH_OUT=sig.json IPCBENCH_DUMP_SIGNAL=USR1 \
	IPCBENCH_DUMP_FATAL_SIGNAL=INT,TERM LD_PRELOAD="$LIB" -- wait
kill -USR1 $pid
check 'wait_for "trigger_is sig.json SIGUSR1"'
check '[ "$(jq -r .interrupted sig.json)" = false ]'
check 'kill -0 $pid'
kill -TERM $pid
reap
check "[ $rc = 143 ]"
check 'trigger_is sig.json SIGTERM'
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
