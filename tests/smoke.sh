#!/bin/bash
# Every benchmark runs at a tiny budget (configs/quick.json) and the file validates: ok or skipped, never failed.
IPCB=$1
SRC=$2
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 1

expect 0 "wrote smoke.json" -- "$IPCB" run --config "$SRC/configs/quick.json" --out smoke.json -q
expect 0 "valid" -- "$IPCB" validate smoke.json
check '[ "$(jq ".results | length" smoke.json)" -ge "$("$IPCB" list | wc -l)" ]'
check '[ "$(jq "[.results[] | select(.status == \"failed\")] | length" smoke.json)" = 0 ]'
check '[ "$(jq "[.results[] | select(.status == \"skipped\" and (.reason | length) < 10)] | length" smoke.json)" = 0 ]'

summary smoke
