# tests/lib.sh - shared helpers for the shell tests; each test ends with "NAME: N passed, M failed".
pass=0
fail=0
TMP=$(mktemp -d /tmp/ipcb-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAILED: $*" >&2; }

# expect STATUS NEEDLE -- CMD...: the exit status and a substring of stdout+stderr
expect() {
	local want=$1 needle=$2
	shift 3
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" != "$want" ]; then
		bad "$* exited $rc, expected $want; output: $out"
	elif [ -n "$needle" ] && ! grep -qF -- "$needle" <<<"$out"; then
		bad "$* output lacks '$needle'; output: $out"
	else
		ok
	fi
}

check() { if eval "$1"; then ok; else bad "$1"; fi; }

summary() {
	echo "$1: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
