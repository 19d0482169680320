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
expect 2 "--cpus '0,1,2': expected one or two CPU ids" -- "$IPCB" run --cpus 0,1,2
expect 2 "unknown placement 'next-door'" -- "$IPCB" run --placement next-door
# the error lists every placement the tool knows (info --json lists them too, offered here or not)
expect 2 "valid: $(known_placements | paste -sd, - | sed 's/,/, /g')" -- "$IPCB" run --placement next-door
expect 2 "no benchmark declares a parameter" -- "$IPCB" run --param bogus=1
expect 2 "unrecognized option" -- "$IPCB" run --frobnicate
expect 2 "--rounds '0'" -- "$IPCB" run --rounds 0
expect 2 "--rounds 'x'" -- "$IPCB" run --rounds x
expect 2 "--timeout '0'" -- "$IPCB" run --timeout 0
over=$(($(ncpus) + 1 == 2 ? 3 : $(ncpus) + 1)) # threads=2, the default, is skipped, not refused
expect 2 "threads=$over is more than the $(ncpus) CPUs" -- "$IPCB" run 'lock-contended/tas' --threads $over
expect 2 "--oversubscribe" -- "$IPCB" run 'lock-contended/tas' --threads $over
expect 2 "must be one of: thread, process" -- "$IPCB" run 'msg/pingpong/pipe' --mode fork

# a placement this machine cannot offer (info --json lists it as null): refused, naming it
absent=$(absent_placement)
if [ -n "$absent" ]; then
	expect 2 "$absent" -- "$IPCB" run --placement "$absent"
else
	echo "SKIP (part): this machine offers every placement ipcbench knows: none to refuse"
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

# --force replaces only regular files: never a device (as root this was /dev/null), a symlink, a fifo.
# The device is a private copy of /dev/null: a broken build must not be able to replace the real one.
if mknod null.dev c 1 3 2>/dev/null; then
	expect 2 "null.dev is a character device, not a regular file" -- "$IPCB" run modeswitch/funcall --out null.dev --force
	check '[ -c null.dev ]'
	rm -f null.dev
else
	echo "skip: --force on a device node: mknod is not permitted here"
fi
ln -s /nonexistent-ipcb dangling.json
expect 2 "is a symbolic link" -- "$IPCB" run modeswitch/funcall --out dangling.json --force
check '[ -L dangling.json ]'
mkfifo fifo.json
expect 2 "is a named pipe" -- "$IPCB" run modeswitch/funcall --out fifo.json --force
check '[ -p fifo.json ]'
expect 2 "newdir/ names a directory" -- "$IPCB" run modeswitch/funcall --out newdir/
rm -f dangling.json fifo.json

# integers never wrap, and parameters say their range (exit 2 before anything runs)
expect 2 "--cpus '0,4294967297': expected one or two CPU ids from 0 to" -- "$IPCB" run --cpus 0,4294967297
expect 2 "threads=4294967297 is out of range: it must be from 1 to" -- \
	"$IPCB" run lock-contended/tas --threads 4294967297 --oversubscribe
expect 2 "size=-1 is out of range: it must be from 64 to" -- "$IPCB" run msg/pingpong/pipe --param size=-1
expect 2 "spins=-5 is out of range: it must be from 0 to" -- "$IPCB" run handoff/spin-then-futex --param spins=-5
expect 2 "budget_ms=-1 is out of range: it must be from 0 to" -- "$IPCB" run handoff/matrix --param budget_ms=-1
printf '{"benchmarks": ["lock-contended/tas"], "params": {"lock-contended/*": {"cs_work": -3}}}\n' >range.json
expect 2 "range.json:1:72: parameter \"cs_work\" = -3 is out of range: it must be from 0 to" -- "$IPCB" run --config range.json

# configs: only regular files of sane size, nothing after a NUL
expect 2 "/dev/zero: not a regular file" -- timeout 20 "$IPCB" run --config /dev/zero
printf '{"benchmarks": ["lock/tas"]}\0{"bogus": 1}' >nul.json
expect 2 "a NUL byte at offset 28" -- "$IPCB" run --config nul.json

# one CPU id pins one-thread benchmarks; two-thread ones say they need two
"$IPCB" run --dry-run --cpus 0 lock/tas handoff/spin >cpus1.json 2>/dev/null
check '[ "$(jq -c ".jobs[0].cpus" cpus1.json)" = "[0]" ]'
check 'jq -r ".jobs[1].skip" cpus1.json | grep -q "needs two"'

# list: options after patterns
expect 0 "threading" -- "$IPCB" list lock/pthread-mutex -v

# nothing was written by any of the above
check '[ -z "$(ls -A | grep -v -e typo.json -e broken.json -e exists.json -e range.json -e nul.json -e cpus1.json)" ]'

# validate: a broken file is refused
echo '{"schema": "ipcbench/1"}' >bad-results.json
expect 1 "missing \"tool\"" -- "$IPCB" validate bad-results.json
expect 2 "expected one or more results files" -- "$IPCB" validate

# a finished run is never lost when the final write fails
# past a file-size limit no file can be written at all: the JSON comes on stdout (a pipe), exit 1
{
	(
		ulimit -f 2
		exec "$IPCB" run modeswitch/funcall --rounds 1 -t 0.05 -q --out limited.json 2>limited.err
	)
	echo $? >limited.rc
} | cat >limited.out
check '[ "$(cat limited.rc)" = 1 ]'
check 'grep -q "the results JSON follows on stdout" limited.err'
check '[ "$(jq -r ".results[0].id" limited.out)" = modeswitch/funcall ]'
# a full filesystem (a tiny tmpfs, where mount works): the file lands in $TMPDIR, exit 1 naming it
mkdir full spare
if mount -t tmpfs -o size=4k tmpfs full 2>/dev/null; then
	head -c 1M /dev/zero >full/filler 2>/dev/null
	TMPDIR=$PWD/spare "$IPCB" run modeswitch/funcall --rounds 1 -t 0.05 --out full/x.json >full.out 2>full.err
	check '[ $? = 1 ]'
	check 'grep -q "the results (1) are in $PWD/spare/x-unsaved-" full.err'
	check '"$IPCB" validate spare/x-unsaved-*.json'
	check 'grep -q "modeswitch/funcall" full.out' # the table is still printed
	umount full
else
	echo "skip: a full filesystem: cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)"
fi
rm -rf full spare limited.*

# the list --help path frees what it allocated (fails under ASan otherwise)
expect 0 "usage: ipcbench list" -- "$IPCB" list --help

summary cli
