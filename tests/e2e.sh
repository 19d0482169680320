#!/bin/bash
# End to end: a small real run writes a file that validates and says what it measured.
IPCB=$1
SRC=$2
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 1

n=$("$IPCB" list 'modeswitch/*' | wc -l)
expect 0 "wrote out.json ($n results)" -- "$IPCB" run 'modeswitch/*' --time-budget 0.1 --out out.json
expect 0 "valid: out.json" -- "$IPCB" validate out.json
check '[ "$(jq -r .schema out.json)" = ipcbench/1 ]'
# the five that need nothing but a CPU are ok; ioctl-nop is ok or skipped with how to load the module
check '[ "$(jq "[.results[] | select(.status == \"ok\" and .id != \"modeswitch/ioctl-nop\")] | length" out.json)" = 5 ]'
check '[ "$(jq -r ".results[] | select(.id == \"modeswitch/ioctl-nop\") | .status + \" \" + (.reason // \"\")" out.json | grep -c -e "^ok" -e "insmod")" = 1 ]'
check '[ "$(jq -r ".interrupted" out.json)" = false ]'
check '[ "$(jq -r ".results[0].id" out.json)" = modeswitch/funcall ]'
check '[ "$(jq -r ".results[0].per" out.json)" = call ]'
# at least 30 samples, and the statistics are ordered
check '[ "$(jq "[.results[] | select(.status == \"ok\" and .stats.n < 30)] | length" out.json)" = 0 ]'
check '[ "$(jq "[.results[] | select(.stats.min > .stats.median or .stats.median > .stats.p99 or .stats.ci95[0] > .stats.median or .stats.ci95[1] < .stats.median)] | length" out.json)" = 0 ]'
# a syscall is dearer than a function call: the mechanism, not a timing threshold
check '[ "$(jq "(.results[] | select(.id == \"modeswitch/syscall-getpid\") | .stats.median) > (.results[] | select(.id == \"modeswitch/funcall\") | .stats.median)" out.json)" = true ]'
# the machine fingerprint and the timer are recorded
check '[ "$(jq -r ".machine.timer.source" out.json)" != null ]'
check '[ "$(jq ".machine.timer.overhead_ns > 0" out.json)" = true ]'
check '[ "$(jq ".machine.features | has(\"pku\")" out.json)" = true ]'
check '[ "$(jq ".config.time_budget_s" out.json)" = 0.1 ]'
# every sample lasted >= 1000x the timer overhead
check '[ "$(jq "[.results[] | select(.status == \"ok\") | select(.sample_ns < 1000 * $(jq .machine.timer.overhead_ns out.json))] | length" out.json)" = 0 ]'

# rounds: each result says how many rounds fed it, and drift is measured
expect 0 "wrote rounds.json (2 results)" -- "$IPCB" run modeswitch/funcall lock/tas --time-budget 0.3 --rounds 3 --out rounds.json
check '[ "$(jq "[.results[] | select(.rounds == 3)] | length" rounds.json)" = 2 ]'
check '[ "$(jq "[.results[] | select(.drift >= 1)] | length" rounds.json)" = 2 ]'
check '[ "$(jq ".config.rounds" rounds.json)" = 3 ]'

# lock figures say which process state they measured: single (never a thread) and multi (an idle one)
expect 0 "wrote threading.json (2 results)" -- \
	"$IPCB" run lock/pthread-mutex --param threading=single,multi --rounds 1 -t 0.1 -o threading.json
check '[ "$(jq -c "[.results[].params.threading]" threading.json)" = "[\"single\",\"multi\"]" ]'
check '[ "$(jq "[.results[] | select(.status == \"ok\")] | length" threading.json)" = 2 ]'
# each says why the two differ
check '[ "$(jq "[.results[] | select(.params.threading as \$t | .notes | any(startswith(\"threading=\" + \$t + \":\")))] | length" threading.json)" = 2 ]'

# counters: recorded per party, available or not with a reason, never fatal
expect 0 "wrote counters.json" -- "$IPCB" run modeswitch/funcall --time-budget 0.1 --counters --out counters.json
check '[ "$(jq ".results[0].counters.measuring_thread | type" counters.json)" = "\"object\"" ]'

# a second run refuses to overwrite; --force replaces
expect 2 "already exists" -- "$IPCB" run modeswitch/funcall --time-budget 0.05 --out out.json
expect 0 "wrote out.json (1 results)" -- "$IPCB" run modeswitch/funcall --time-budget 0.05 --out out.json --force

# the default output name, under results/
expect 0 "wrote results/" -- "$IPCB" run modeswitch/funcall --time-budget 0.05 -q
check '[ "$(ls results/*Z.json | wc -l)" = 1 ]'

# the embedded default is configs/default.json
"$IPCB" run --dry-run | jq -S 'del(.config.source)' >embedded.json
"$IPCB" run --dry-run --config "$SRC/configs/default.json" | jq -S 'del(.config.source)' >file.json
check 'cmp -s embedded.json file.json'
check '[ "$(jq ".jobs | length" embedded.json)" -ge 15 ]'
# the default suite reports lock/pthread-mutex both ways
check '[ "$(jq "[.jobs[] | select(.job | startswith(\"lock/pthread-mutex threading=\"))] | length" embedded.json)" = 2 ]'

# every suite shipped in configs/ is valid here
for f in "$SRC"/configs/*.json; do
	expect 0 '"jobs"' -- "$IPCB" run --dry-run --config "$f"
done

# command-line values win over the config file; the watchdog bound is configurable
check '[ "$("$IPCB" run --dry-run --timeout 7 | jq .config.timeout_s)" = 7 ]'
check '[ "$("$IPCB" run --dry-run --config "$SRC/configs/default.json" --time-budget 0.3 | jq .config.time_budget_s)" = 0.3 ]'

summary e2e
