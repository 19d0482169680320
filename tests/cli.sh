#!/bin/bash
# CLI: bad input gets a clear message, exit status 2, and nothing written.
IPCB=$1
SRC=$2
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 1

expect 0 "usage: ipcbench COMMAND" -- "$IPCB" --help
expect 2 "usage: ipcbench COMMAND" -- "$IPCB"
expect 0 "ipcbench 0." -- "$IPCB" --version
for c in list run test info validate; do
	expect 0 "usage: ipcbench $c" -- "$IPCB" "$c" --help
done
expect 2 "unknown command" -- "$IPCB" frobnicate

# the events --counters can take: software events are usable wherever perf_event_open is allowed
expect 0 "context-switches" -- "$IPCB" info --events
if why=$(perf_refused) && [ -n "$why" ]; then echo "SKIP: context-switches usable: $why"; else
check '[ "$("$IPCB" info --events --json | jq "[.[] | select(.name == \"context-switches\" and .usable)] | length")" = 1 ]'; fi

# unknown pattern: suggest the nearest names
expect 2 "nearest: lock/ticket" -- "$IPCB" list lock/tikcet
expect 2 "no benchmark matches 'modeswitch/getpid'" -- "$IPCB" run modeswitch/getpid
expect 2 "modeswitch/syscall-getpid" -- "$IPCB" run modeswitch/getpid
expect 0 "lock/ticket" -- "$IPCB" list 'lock/*'
expect 0 "per lock+unlock" -- "$IPCB" list -v lock/tas

# bad flag values
expect 2 "--time-budget '-1'" -- "$IPCB" run --time-budget -1
expect 2 "--time-budget 'abc'" -- "$IPCB" run --time-budget abc
expect 2 "--time-budget '0'" -- "$IPCB" run --time-budget 0
expect 2 "CPU 9999 does not exist" -- "$IPCB" run --cpus 0,9999
expect 2 "expected two CPU ids" -- "$IPCB" run --cpus 0
expect 2 "unknown placement 'next-door'" -- "$IPCB" run --placement next-door
expect 2 "valid: same-cpu, smt-sibling, same-cache, cross-cache, cross-numa" -- "$IPCB" run --placement next-door
expect 2 "no benchmark declares a parameter" -- "$IPCB" run --param bogus=1
expect 2 "unrecognized option" -- "$IPCB" run --frobnicate
expect 2 "--rounds '0'" -- "$IPCB" run --rounds 0
expect 2 "--rounds 'x'" -- "$IPCB" run --rounds x
expect 2 "--timeout '0'" -- "$IPCB" run --timeout 0
over=$(($(ncpus) + 1 == 2 ? 3 : $(ncpus) + 1)) # threads=2, the default, is skipped, not refused
expect 2 "threads=$over is more than the $(ncpus) CPUs" -- "$IPCB" run 'lock-contended/tas' --threads $over
expect 2 "--oversubscribe" -- "$IPCB" run 'lock-contended/tas' --threads $over
expect 2 "must be one of: thread, process" -- "$IPCB" run 'msg/pingpong/pipe' --mode fork

# a placement this machine cannot offer (there is never a cross-numa pair on a 1-node machine)
if [ "$("$IPCB" info --json | jq '.topology.numa_nodes // 1')" -le 1 ]; then
	expect 2 "cross-numa" -- "$IPCB" run --placement cross-numa
fi

# bad configs: file:line:col and the key
printf '{\n  "benchmarks": ["lock/*"],\n  "time_budegt_s": 1\n}\n' >typo.json
expect 2 "typo.json:3:3: unknown key \"time_budegt_s\"" -- "$IPCB" run --config typo.json
printf '{ "benchmarks": ["lock/*" }\n' >broken.json
expect 2 "broken.json:1:" -- "$IPCB" run --config broken.json
expect 2 "nosuch.json: No such file or directory" -- "$IPCB" run --config nosuch.json

# unwritable or existing output: refused before anything runs
expect 2 "cannot write /nonexistent-dir/x.json" -- "$IPCB" run modeswitch/funcall --out /nonexistent-dir/x.json
echo keep >exists.json
expect 2 "already exists" -- "$IPCB" run modeswitch/funcall --out exists.json
check '[ "$(cat exists.json)" = keep ]'
expect 2 "is a directory" -- "$IPCB" run modeswitch/funcall --out .

# nothing was written by any of the above
check '[ -z "$(ls -A | grep -v -e typo.json -e broken.json -e exists.json)" ]'

# validate: a broken file is refused
echo '{"schema": "ipcbench/1"}' >bad-results.json
expect 1 "missing \"tool\"" -- "$IPCB" validate bad-results.json
expect 2 "expected one or more results files" -- "$IPCB" validate

summary cli
