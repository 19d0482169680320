#!/bin/bash
# cmake --install: the binary, every shipped config and the plot templates land under the prefix.
IPCB=$1
SRC=$2
. "$SRC/tests/lib.sh"
BUILD=$(dirname "$IPCB")

expect 0 "" -- cmake --install "$BUILD" --prefix "$TMP/prefix"
check '[ -x "$TMP/prefix/bin/ipcbench" ]'
for c in "$SRC"/configs/*.json; do
	check 'cmp -s "$c" "$TMP/prefix/share/ipcbench/configs/$(basename "$c")"'
done
check '[ "$(ls "$TMP/prefix/share/ipcbench/plots/"*.gp | wc -l)" = "$(ls "$SRC"/plots/*.gp | wc -l)" ]'
summary install
