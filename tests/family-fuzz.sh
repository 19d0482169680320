#!/bin/bash
# The results reader under libFuzzer (ASan + UBSan) for a bounded time: JSON text -> json_loadb ->
# ipcb_report_validate -> compare, export and plot's data extraction (tests/fuzz/fuzz_results.c).
# IPCB_FUZZ_SECONDS (default 20) bounds the run. Without clang it is skipped (exit 77).
# A crash leaves its input in <build dir>/fuzz-artifacts/ (replay: fuzz_results FILE).
IPCB=$1
case $IPCB in /*) ;; *) IPCB=$PWD/$IPCB ;; esac
SRC=$2
. "$SRC/tests/lib.sh"
SECONDS_BUDGET=${IPCB_FUZZ_SECONDS:-20}

if ! command -v clang >/dev/null; then
	skip "clang is not installed (Debian: apt-get install clang); the results reader was not fuzzed"
fi
# libFuzzer ships with clang on Debian (libclang-rt-dev / libclang-common-*-dev); check that it links
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' >"$TMP/probe.c"
if ! clang -fsanitize=fuzzer "$TMP/probe.c" -o "$TMP/probe" 2>"$TMP/probe.err"; then
	skip "clang cannot link libFuzzer here: $(head -n 1 "$TMP/probe.err")"
fi

ART=$(dirname "$IPCB")/fuzz-artifacts
mkdir -p "$ART" "$TMP/corpus"
FUZZER=$TMP/fuzz_results
# shellcheck disable=SC2046 # pkg-config prints several words
check 'clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$SRC/harness" -I"$SRC/report" $(pkg-config --cflags jansson) "$SRC/tests/fuzz/fuzz_results.c" "$SRC/report/results.c" "$SRC/harness/result.c" \
	"$SRC/report/rfile.c" "$SRC/report/table.c" "$SRC/report/compare.c" "$SRC/report/export.c" \
	"$SRC/report/plot.c" "$SRC/report/plot_set.c" "$SRC/report/plot_bars.c" "$SRC/report/plot_sweep.c" \
	"$SRC/report/plot_cdf.c" "$SRC/report/plot_heatmap.c" "$SRC/harness/stats.c" "$SRC/report/strmap.c" \
	"$SRC/report/group.c" $(pkg-config --libs jansson) -lm -o "$FUZZER"'
[ -x "$FUZZER" ] || { summary family-fuzz; exit 1; }

# every seed passes once (a regression test of its own), then new inputs for a bounded time;
# new corpus entries go to $TMP, the committed corpus stays as it is
check '"$FUZZER" -runs=0 "$SRC/tests/fuzz/corpus" >"$TMP/seeds.log" 2>&1'
"$FUZZER" -max_total_time="$SECONDS_BUDGET" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
	-dict="$SRC/tests/fuzz/json.dict" -artifact_prefix="$ART/" -print_final_stats=1 \
	"$TMP/corpus" "$SRC/tests/fuzz/corpus" >"$TMP/fuzz.log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	bad "the fuzzer found a crash (exit $rc); input saved under $ART/:"
	grep -E "ERROR|SUMMARY|Test unit written" "$TMP/fuzz.log" | head -n 20 >&2
else
	ok
	grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$TMP/fuzz.log" | tr '\n' ' '
	echo
fi
summary family-fuzz
