#!/bin/bash
# lock-contended/: every lock of lock/ under a team of threads; throughput, fairness and the
# acquisition histogram are reported; more threads than CPUs only on request; a worker that
# falls silent fails the job (the watchdog) instead of hanging it. No timing thresholds.
IPCB=$1
SRC=$2
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 1

ncpus=$(ncpus)
# one thread more than the mask allows; 3 on one CPU, since threads=2 is the default, which is
# skipped rather than refused (the CLI cannot tell that it was asked for)
over=$((ncpus + 1 == 2 ? 3 : ncpus + 1))

# the same locks as lock/, one row each, per acquisition
"$IPCB" list 'lock/*' | awk '{sub("^lock/", "", $1); print $1}' | sort >locks.txt
"$IPCB" list 'lock-contended/*' | awk '{sub("^lock-contended/", "", $1); print $1}' | sort >contended.txt
check '[ -s locks.txt ] && cmp -s locks.txt contended.txt'
expect 0 "per acquisition" -- "$IPCB" list -v lock-contended/ticket
expect 0 "threads    = 2" -- "$IPCB" list -v lock-contended/ticket

# bad input: more threads than CPUs needs --oversubscribe (exit 2 with the reason), and at least one thread
expect 2 "pass --oversubscribe" -- "$IPCB" run lock-contended/tas --threads $over
expect 2 "threads=0 is out of range: it must be from 1 to" -- "$IPCB" run lock-contended/tas --threads 0
expect 2 "integer" -- "$IPCB" run lock-contended/tas --threads two
# with it, the check still holds (the spinlocks yield, so a squeezed team progresses)
expect 0 "0 failed" -- "$IPCB" test lock-contended/tas lock-contended/futex-mutex --threads $over --oversubscribe

# `ipcbench test`: exact counters under contention for every lock
expect 0 "0 failed" -- "$IPCB" test 'lock-contended/*' --threads 2 --oversubscribe

# a run at 1 and 2 threads: metrics, per-thread counts, a histogram
expect 0 "wrote run.json" -- "$IPCB" run lock-contended/ticket lock-contended/pthread-mutex lock-contended/rwlock-read \
	--threads 1,2 --oversubscribe --time-budget 0.1 --out run.json
expect 0 "valid" -- "$IPCB" validate run.json
check '[ "$(jq "[.results[] | select(.status == \"ok\")] | length" run.json)" = 6 ]'
check '[ "$(jq "[.results[] | select(.per != \"acquisition\")] | length" run.json)" = 0 ]'
# one entry per thread, each with its CPU; under the FIFO ticket lock every thread of the team gets
# turns (a barging lock such as pthread-mutex may legitimately starve one thread for a whole job)
check '[ "$(jq "[.results[] | select((.attachments.threads | length) != .params.threads)] | length" run.json)" = 0 ]'
check '[ "$(jq "[.results[] | select(.id == \"lock-contended/ticket\") | .attachments.threads[] | select(.acquisitions < 1)] | length" run.json)" = 0 ]'
# fairness for the exclusive locks: min share <= 1/threads <= max share, Jain's index in (0, 1]
check '[ "$(jq "[.results[] | select(.id != \"lock-contended/rwlock-read\") | select(.metrics.share_min.value > 1 / .params.threads + 1e-9 or .metrics.share_max.value < 1 / .params.threads - 1e-9 or .metrics.jain_fairness.value > 1 + 1e-9 or .metrics.jain_fairness.value <= 0)] | length" run.json)" = 0 ]'
check '[ "$(jq "[.results[] | select(.id == \"lock-contended/rwlock-read\" and .metrics.share_min != null)] | length" run.json)" = 0 ]'
check '[ "$(jq "[.results[] | select(.histogram.count < 1)] | length" run.json)" = 0 ]'

# the watchdog: freeze a worker from outside; the job fails with the reason and the run ends
# (min_time_s keeps the job sampling long enough to be caught; two threads on one CPU need
# --oversubscribe)
why=$(freeze_refused)
if [ -n "$why" ]; then
	echo "SKIP: watchdog check: cannot freeze a thread from outside: $why"
else
	printf '{"schema": "ipcbench-config/1", "benchmarks": ["lock-contended/futex-mutex"], "time_budget_s": 10, "min_time_s": 10, "max_samples": 2000000}\n' >long.json
	"$IPCB" run --config long.json --threads 2 --oversubscribe --out frozen.json -q &
	pid=$!
	python3 "$SRC/tests/freeze-thread.py" "$pid" ipcb-worker
	frc=$?
	wait "$pid"
	check '[ "$frc" = 0 ]'
	check '[ "$(jq -r ".results[0].status" frozen.json)" = failed ]'
	check 'jq -e ".results[0].reason | test(\"no acquisition for\")" frozen.json >/dev/null'
fi

summary family-lock-contended
