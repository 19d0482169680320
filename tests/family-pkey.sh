#!/bin/bash
# pkey/: protection keys against mprotect. Without PKU every key benchmark is
# skipped with the reason `ipcbench info` gives, and the baselines still run;
# with PKU (a qemu -cpu max guest, an Intel Xeon) every check must pass.
IPCB=$1
SRC=$2
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 1

KEYED="rdpkru wrpkru wrpkru-toggle pkey_set-toggle pkey_mprotect pkey_alloc-free domain-switch-wrpkru"
BASELINES="mprotect domain-switch-mprotect domain-switch-syscall"
"$IPCB" info --json >info.json
pku=$(jq -r .features.pku.available info.json)
reason=$(jq -r .features.pku.reason info.json)
arch=$(uname -m)
check '[ -n "$reason" ] && [ "$reason" != null ]'

# test: checks pass or skip, never fail; the skip reason is the probe's
expect 0 "0 failed" -- "$IPCB" test 'pkey/*'
"$IPCB" test 'pkey/*' >test.txt 2>&1
for b in $BASELINES; do
	check 'grep -q "^PASS pkey/$b " test.txt'
done
for b in $KEYED; do
	if [ "$pku" = true ]; then
		check 'grep -q "^PASS pkey/$b " test.txt'
	elif [ "$arch" = x86_64 ]; then
		check 'grep "^SKIP pkey/$b " test.txt | grep -qF "single: $reason"'
	else
		check 'grep -q "^SKIP pkey/$b .*not x86-64" test.txt'
	fi
done

# run: the same split, a valid file, the units of work, no failures
expect 0 "wrote pkey.json" -- "$IPCB" run 'pkey/*' --config "$SRC/configs/quick.json" --out pkey.json -q
expect 0 "valid" -- "$IPCB" validate pkey.json
check '[ "$(jq "[.results[] | select(.status == \"failed\")] | length" pkey.json)" = 0 ]'
check '[ "$(jq "[.results[] | select(.id | startswith(\"pkey/\"))] | length" pkey.json)" = 10 ]'
for b in $BASELINES; do
	check '[ "$(jq -r ".results[] | select(.id == \"pkey/$b\") | .status" pkey.json)" = ok ]'
done
if [ "$pku" = true ]; then
	check '[ "$(jq "[.results[] | select(.status != \"ok\")] | length" pkey.json)" = 0 ]'
elif [ "$arch" = x86_64 ]; then
	check '[ "$(jq --arg r "$reason" "[.results[] | select(.status == \"skipped\" and .reason == \$r)] | length" pkey.json)" = 7 ]'
fi
check '[ "$(jq -r ".results[] | select(.id == \"pkey/wrpkru-toggle\") | .per" pkey.json)" = switch ]'
check '[ "$(jq -r ".results[] | select(.id == \"pkey/pkey_mprotect\") | .per" pkey.json)" = call ]'

# pages: 512 pages change together, recorded in the params
expect 0 "wrote pages.json" -- "$IPCB" run pkey/mprotect pkey/domain-switch-mprotect --param pages=1,512 \
	--config "$SRC/configs/quick.json" --out pages.json -q
check '[ "$(jq "[.results[] | select(.params.pages == 512 and .status == \"ok\")] | length" pages.json)" = 2 ]'
expect 2 "pages=0 is out of range: it must be from 1 to 1048576" -- "$IPCB" test pkey/mprotect --param pages=0

summary family-pkey
