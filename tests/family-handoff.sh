#!/bin/bash
# handoff/: round trips per placement, with histograms, notes that compare with the spin floor,
# a refused spin pair on one CPU, the core-to-core matrix, and a watchdog that fails (never hangs)
# a job whose peer falls silent. No timing thresholds: only what the mechanism guarantees.
IPCB=$1
SRC=$2
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 1

ncpus=$(ncpus)
near=$(nearest_core)

# every mechanism of the issue is listed, per round trip
for m in mutex condvar signal signal-handler futex eventfd pipe sem spin spin-then-futex matrix; do
	expect 0 "handoff/$m" -- "$IPCB" list "handoff/$m"
done
expect 0 "per round trip" -- "$IPCB" list -v handoff/pipe
expect 0 "busy-waits (never same-cpu)" -- "$IPCB" list -v handoff/spin

# bad input: an unknown placement lists the valid ones; a spin pair on one CPU is refused with the reason
expect 2 "available here:" -- "$IPCB" run 'handoff/*' --placement next-door
expect 0 "wrote same.json" -- "$IPCB" run handoff/spin --cpus 0,0 --out same.json
check '[ "$(jq -r ".results[0].status" same.json)" = skipped ]'
check 'jq -e ".results[0].reason | test(\"refusing same-cpu\")" same.json >/dev/null'
# a placement that does not exist here is skipped with hwloc's reason, not measured
expect 0 "wrote all.json" -- "$IPCB" run handoff/futex --time-budget 0.05 --out all.json
check '[ "$(jq "[.results[] | select(.status == \"skipped\" and (.reason | length) < 10)] | length" all.json)" = 0 ]'
check '[ "$(jq "[.results[] | select(.status == \"failed\")] | length" all.json)" = 0 ]'

# a small run: every ok result has its CPUs, its unit, a histogram in order, and a note saying what dominates
expect 0 "wrote run.json" -- "$IPCB" run handoff/futex handoff/pipe handoff/spin handoff/spin-then-futex \
	--time-budget 0.1 --out run.json
expect 0 "valid" -- "$IPCB" validate run.json
check '[ "$(jq "[.results[] | select(.status == \"failed\")] | length" run.json)" = 0 ]'
check '[ "$(jq "[.results[] | select(.status == \"ok\")] | length" run.json)" -ge 3 ]'
check '[ "$(jq "[.results[] | select(.status == \"ok\" and (.per != \"round trip\" or (.placement.cpus | length) != 2))] | length" run.json)" = 0 ]'
check '[ "$(jq "[.results[] | select(.status == \"ok\") | .histogram | select(.count < 1 or .p50 > .p90 or .p90 > .p99 or .p99 > .p999 or .p999 > .max)] | length" run.json)" = 0 ]'
check '[ "$(jq "[.results[] | select(.status == \"ok\" and (.histogram == null))] | length" run.json)" = 0 ]'
check '[ "$(jq "[.results[] | select(.status == \"ok\" and (.notes | length) < 1)] | length" run.json)" = 0 ]'

# the explain hook: a figure above 10x the spin floor of its placement says so, one below does not;
# on every placement this machine offers where both were measured (spin never runs on one CPU)
compared=0
for p in $(placements); do
	sel="select(.status == \"ok\" and .placement.name == \"$p\")"
	spin=$(jq ".results[] | select(.id == \"handoff/spin\") | $sel | .stats.median" run.json)
	# the free futex (the default suite also runs it with the idle states held off: idle_hold=0)
	free="select(.id == \"handoff/futex\" and (.params.idle_hold // -1) == -1)"
	futex=$(jq ".results[] | $free | $sel | .stats.median" run.json)
	[ -n "$spin" ] && [ -n "$futex" ] || continue
	compared=$((compared + 1))
	noted=$(jq "[.results[] | $free | $sel | .notes[] | select(test(\"spin floor\"))] | length" run.json)
	if [ "$(jq -n "$futex > 10 * $spin")" = true ]; then
		check '[ "$noted" -ge 1 ]'
		check 'jq -e "[.results[] | $free | $sel | .notes[] | select(test(\"spin-then-futex\"))] | length >= 1" run.json >/dev/null'
	else
		check '[ "$noted" = 0 ]'
	fi
done
if [ -n "$near" ]; then
	check '[ "$compared" -ge 1 ]'
else
	echo "SKIP: spin floor notes: no two distinct cores in the affinity mask, so spin never ran"
fi

# `ipcbench test`: a watchdog-bounded check per mechanism (100,000 round trips each)
expect 0 "0 failed" -- "$IPCB" test handoff/sem handoff/spin --placement same-cpu

# the matrix: n x n with a null diagonal, and it says how many pairs it measured
expect 0 "wrote matrix.json" -- "$IPCB" run handoff/matrix --time-budget 0.05 --param budget_ms=100 --out matrix.json
if [ "$ncpus" -lt 2 ]; then
	check 'jq -e ".results[0] | .status == \"skipped\" and (.reason | test(\"needs two CPUs; this process may use 1\"))" matrix.json >/dev/null'
else
	check '[ "$(jq -r ".results[0].status" matrix.json)" = ok ]'
	check '[ "$(jq ".results[0].attachments.matrix.cpus | length" matrix.json)" = "$ncpus" ]'
	check '[ "$(jq ".results[0].attachments.matrix.total_pairs" matrix.json)" = $((ncpus * (ncpus - 1))) ]'
	check '[ "$(jq "[.results[0].attachments.matrix.round_trip_ns | to_entries[] | .key as \$i | .value[\$i]] | map(select(. != null)) | length" matrix.json)" = 0 ]'
	check '[ "$(jq "[.results[0].attachments.matrix.round_trip_ns[][] | select(. != null)] | length" matrix.json)" = "$(jq ".results[0].attachments.matrix.measured_pairs" matrix.json)" ]'
	check '[ "$(jq ".results[0].attachments.matrix.measured_pairs >= 1" matrix.json)" = true ]'
fi

# the watchdog: freeze the peer from outside; the job fails with the reason and the run ends.
# min_time_s keeps the job sampling long enough to be caught (a spin job can meet its CI in 0.2 s).
# futex runs on the nearest distinct cores, or on one CPU; spin needs two CPUs.
why=$(freeze_refused)
if [ -n "$why" ]; then
	echo "SKIP: watchdog checks: cannot freeze a thread from outside: $why"
else
	for m in futex spin; do
		p=${near:-same-cpu}
		if [ "$m" = spin ] && [ -z "$near" ]; then
			echo "SKIP: watchdog check of handoff/spin: no two distinct cores in the affinity mask"
			continue
		fi
		printf '{"schema": "ipcbench-config/1", "benchmarks": ["handoff/%s"], "placements": ["%s"], "time_budget_s": 10, "min_time_s": 10, "max_samples": 2000000}\n' \
			"$m" "$p" >"long-$m.json"
		"$IPCB" run --config "long-$m.json" --out "frozen-$m.json" -q &
		pid=$!
		python3 "$SRC/tests/freeze-thread.py" "$pid" ipcb-peer
		frc=$?
		wait "$pid"
		check '[ "$frc" = 0 ]'
		check '[ "$(jq -r ".results[0].status" "frozen-$m.json")" = failed ]'
		check 'jq -e ".results[0].reason | test(\"peer did not answer within\")" "frozen-$m.json" >/dev/null'
	done
fi

summary family-handoff
