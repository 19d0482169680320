#!/bin/bash
# batch/: the benchmarks that can run here do, the others are skipped with a
# reason that says how to fix it, a sweep writes valid JSON, and bad
# parameters are refused. The module itself is tested in a guest
# (kmod/vmtest/vmtest.sh); here /dev/ipcbench is usually absent.
IPCB=$1
SRC=$2
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 1

feature() { "$IPCB" info --json | jq -r ".features.$1.available"; }
KMOD=$(feature kmod)
URING=$(feature io_uring)

expect 0 "batch/write-uring-sqpoll" -- "$IPCB" list 'batch/*'
for b in getpid-direct getpid-kmod nop-kmod nop-uring write-direct write-writev write-kmod write-uring write-uring-sqpoll; do
	expect 0 "batch/$b" -- "$IPCB" list "batch/$b"
done
expect 0 "one of: devnull pipe" -- "$IPCB" list -v batch/write-kmod
expect 0 "one of: shared copy" -- "$IPCB" list -v batch/write-kmod

# the checks: run what can run, skip the rest with its reason
"$IPCB" test 'batch/*' --param target=devnull,pipe --param batch=1,5 >test.out 2>&1
check '[ $? = 0 ]'
check 'grep -q "^PASS batch/getpid-direct" test.out'
check 'grep -q "^PASS batch/write-direct target=pipe" test.out'
check 'grep -q "^PASS batch/write-writev batch=5,target=pipe" test.out'
if [ "$KMOD" = true ]; then
	check 'grep -q "^PASS batch/write-kmod batch=5,target=pipe" test.out'
else
	check '[ "$(grep -c "^SKIP batch/[a-z-]*-kmod .*kernel module not loaded.*sudo insmod kmod/ipcbench.ko" test.out)" = 8 ]'
fi
if [ "$URING" = true ]; then
	check 'grep -q "^PASS batch/nop-uring batch=5" test.out'
	check 'grep -q "^PASS batch/write-uring batch=5,target=pipe" test.out'
	# SQPOLL runs on the nearest distinct cores (its poller busy-waits), or says precisely why not
	near=$(nearest_core)
	if [ -n "$near" ]; then
		check 'grep -q -E "^(PASS batch/write-uring-sqpoll batch=5,target=pipe,size=64 $near|SKIP batch/write-uring-sqpoll .*SQPOLL ring refused: .*errno)" test.out'
	else
		echo "SKIP: batch/write-uring-sqpoll runs: no two distinct cores in the affinity mask"
	fi
else
	check 'grep -q "^SKIP batch/nop-uring .*io_uring unavailable" test.out'
fi
# a spinning poller and its submitter never share a CPU
check 'grep -q "^SKIP batch/write-uring-sqpoll .* same-cpu: busy-waiting" test.out'

# the body's own accounting: two whole batches and a remainder, big writes, a full-size batch
expect 0 "0 failed" -- "$IPCB" test 'batch/write-*' --param batch=1024 --param size=4096 --param target=pipe
expect 0 "0 failed" -- "$IPCB" test 'batch/write-*' --param batch=3 --param size=65536
expect 0 "0 failed" -- "$IPCB" test 'batch/*-uring' --param batch=7

# a small sweep: valid JSON, one result per combination, the skips recorded with their reason
expect 0 "wrote sweep.json" -- "$IPCB" run 'batch/*' --param batch=1,8 --param target=devnull,pipe --time-budget 0.02 -q -o sweep.json
expect 0 "valid: sweep.json" -- "$IPCB" validate sweep.json
check '[ "$(jq "[.results[] | select(.id == \"batch/write-writev\")] | length" sweep.json)" = 4 ]'
check '[ "$(jq "[.results[] | select(.id == \"batch/getpid-direct\")] | length" sweep.json)" = 1 ]'
check '[ "$(jq -r ".results[] | select(.id == \"batch/write-writev\" and .params.batch == 8 and .params.target == \"pipe\") | .status" sweep.json)" = ok ]'
check '[ "$(jq "[.results[] | select(.per != \"call\")] | length" sweep.json)" = 0 ]'
check '[ "$(jq "[.results[] | select(.status == \"failed\")] | length" sweep.json)" = 0 ]'
if [ "$KMOD" != true ]; then
	check '[ "$(jq "[.results[] | select(.id | test(\"-kmod$\")) | select(.status != \"skipped\" or (.reason | test(\"insmod\") | not))] | length" sweep.json)" = 0 ]'
fi
if [ "$URING" = true ]; then
	check '[ "$(jq -r ".results[] | select(.id == \"batch/write-uring\" and .params.batch == 8 and .params.target == \"devnull\") | .status" sweep.json)" = ok ]'
fi

# the sweep config: batch 1..1024 for every batching benchmark
expect 0 "" -- "$IPCB" run --config "$SRC/configs/batch-sweep.json" --dry-run
check '[ "$("$IPCB" run --config "$SRC/configs/batch-sweep.json" --dry-run 2>/dev/null | jq "[.jobs[] | select(.job | test(\"^batch/nop-uring batch=\"))] | length")" = 11 ]'

# the explain hook says from which batch size a batched path beats one syscall per call (or that it never does)
expect 0 "" -- "$IPCB" run batch/write-direct batch/write-writev --param batch=1,8,64 --time-budget 0.05 -q -o cross.json
check '[ "$(jq "[.results[] | select(.id == \"batch/write-writev\") | .notes[] | select(test(\"than batch/write-direct (from batch=[0-9]+ on|at every batch measured)\"))] | length" cross.json)" = 3 ]'

# bad parameters: refused with the reason
expect 2 "must be one of: devnull, pipe" -- "$IPCB" run batch/write-direct --param target=socket
# out-of-range parameters are bad input (exit 2, the range named), refused before anything runs
expect 2 "batch=0 is out of range: it must be from 1 to 1024" -- "$IPCB" run batch/write-writev --param batch=0 -q -o bad.json
expect 2 "size=0 is out of range: it must be from 1 to 65536" -- "$IPCB" run batch/write-direct --param size=0 -q -o bad2.json
check '[ ! -e bad.json ] && [ ! -e bad2.json ]'
"$IPCB" run batch/write-writev --param size=4097 --param target=pipe --time-budget 0.02 -q -o bad3.json >/dev/null 2>&1
check 'jq -r ".results[0].reason" bad3.json | grep -q "at most PIPE_BUF (4096)"'

summary family-batch
