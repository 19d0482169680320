#!/bin/bash
# fleet/ipcbench.yml for real, against this machine under inventory aliases: alpha gets this tree
# copied (the real unpack + deps path, build skipped), beta uses the tree as it is; both must come
# back as valid files of one run id, compared and plotted. gamma is unreachable, delta exceeds its
# time limit, eps fails to build: each is reported by name with its reason, none stops alpha and beta.
# Without ansible-playbook (and no way to install Debian's ansible-core): SKIP (77).
IPCB=$(realpath "$1")
SRC=$(realpath "$2")
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 1

if ! command -v ansible-playbook >/dev/null; then
	bash "$SRC/run.sh" deps ansible-core >deps.txt 2>&1
	command -v ansible-playbook >/dev/null || {
		echo "SKIP: ansible-playbook is missing and ansible-core could not be installed: $(tail -n 1 deps.txt)"
		exit 77
	}
fi
PLAYBOOK=$SRC/fleet/ipcbench.yml
ID=t-$$
R=$TMP/results/$ID
# ./run.sh deps is run on alpha only where it cannot fail for want of sudo
deps=false
[ "$(id -u)" = 0 ] && deps=true
# tune and reset need root (they write /sys and /proc)
tune=false
"$IPCB" system --help >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && tune=true

cat >suite.json <<'EOF'
{ "schema": "ipcbench-config/1", "benchmarks": ["modeswitch/funcall", "lock/tas"],
  "time_budget_s": 0.05, "min_time_s": 0.01, "warmup_s": 0.005, "rounds": 2 }
EOF
# past any time limit: it samples for 600 s unless stopped
cat >slow.json <<'EOF'
{ "schema": "ipcbench-config/1", "benchmarks": ["modeswitch/funcall"],
  "time_budget_s": 600, "min_time_s": 600, "sample_ns": 1000000, "max_samples": 1000000 }
EOF
# a tree whose build fails
mkdir broken
printf '#!/bin/sh\n[ "$1" = deps ] && exit 0\necho "broken.c:1: error: no such tree" >&2\nexit 1\n' >broken/run.sh
chmod +x broken/run.sh
cat >inventory <<EOF
[here]
alpha ipcbench_source=copy ipcbench_dir=$TMP/tree-alpha ipcbench_build=false ipcbench_deps=$deps ipcbench_tune=$tune
beta ipcbench_source=none ipcbench_dir=$SRC ipcbench_work=$TMP/work-beta ipcbench_build=false ipcbench_deps=false
delta ipcbench_source=none ipcbench_dir=$SRC ipcbench_work=$TMP/work-delta ipcbench_build=false ipcbench_deps=false ipcbench_time_limit=2 ipcbench_config=$TMP/slow.json ipcbench_args="--rounds 1"

eps ipcbench_source=none ipcbench_dir=$TMP/broken ipcbench_work=$TMP/work-eps

[here:vars]
ansible_connection=local
ansible_python_interpreter=auto_silent
ipcbench_bin=$IPCB
ipcbench_config=$TMP/suite.json
ipcbench_poll=1

[away]
gamma ansible_host=127.0.0.2 ansible_port=1 ansible_connection=ssh ansible_ssh_common_args="-o ConnectTimeout=5"
EOF
extra() {
	jq -nc --arg id "$ID" --arg r "$TMP/results" --arg p "$TMP/plots" --arg b "$IPCB" \
		'{ipcbench_run_id: $id, ipcbench_results: $r, ipcbench_plots: $p, ipcbench_control_bin: $b,
		  ipcbench_src: "'"$SRC"'"} + $ARGS.named' "$@"
}
export ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_NOCOLOR=1 ANSIBLE_HOST_KEY_CHECKING=0

expect 2 "--label: expected a non-empty string" -- "$IPCB" run --label "" modeswitch/funcall
expect 2 "--run-id: expected a non-empty string" -- "$IPCB" run --run-id "" modeswitch/funcall
expect 0 "" -- ansible-playbook --syntax-check -i inventory "$PLAYBOOK"
expect 0 "" -- ansible-playbook --syntax-check -i "$SRC/fleet/inventory.example" "$PLAYBOOK"

ansible-playbook -i inventory -f 8 -e "$(extra)" "$PLAYBOOK" >play.txt 2>&1
rc=$?
check "[ $rc != 0 ] || { echo 'exit 0 despite gamma and delta'; cat play.txt; false; }"
check "[ -f '$R/summary.txt' ] || { cat play.txt; false; }"
cat "$R/summary.txt" 2>/dev/null
for h in alpha beta; do
	check "'$IPCB' validate '$R/$h.json' >/dev/null"
	check "[ \"\$(jq -r .run_id '$R/$h.json')\" = '$ID' ]"
	check "[ \"\$(jq -r .machine.label '$R/$h.json')\" = $h ]"
	check "[ \"\$(jq -r '[.results[].id] | sort | join(\" \")' '$R/$h.json')\" = 'lock/tas modeswitch/funcall' ]"
	check "grep -q '^$h: ok: ' '$R/summary.txt'"
	check "[ \"\$(jq -r .config.source '$R/$h.json')\" = suite.json ]"
done
# the copy path unpacked this tree, without its build or results
check "[ -x '$TMP/tree-alpha/run.sh' ] && [ -f '$TMP/tree-alpha/fleet/ipcbench.yml' ] && [ ! -e '$TMP/tree-alpha/build' ]"
# ... and its revision, which the build there records as tool.git (the copy has no .git)
rev=$(git -C "$SRC" describe --always --dirty 2>/dev/null || echo unknown)
check "[ \"\$(cat '$TMP/tree-alpha/.ipcbench-git')\" = '$rev' ]"
check "grep -q '^run $ID: 2 of 5 hosts ok' '$R/summary.txt'"
check "grep -q '^gamma: unreachable: .*127.0.0.2' '$R/summary.txt'"
check "grep -q '^delta: failed at .*timed out after 2 s' '$R/summary.txt'"
check "grep -q \"^eps: failed at 'Build (./run.sh build)': broken.c:1: error: no such tree\" '$R/summary.txt'"
check "[ ! -e '$R/gamma.json' ] && [ ! -e '$R/delta.json' ] && [ ! -e '$R/eps.json' ]"
# what delta finished before SIGINT is kept apart, and nothing of it runs on
# (the run's cwd is its work directory, and workers and peers inherit it, whatever their command line)
in_work_delta() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/cwd" 2>/dev/null)" = "$TMP/work-delta" ] && return 0
	done
	return 1
}
check "! in_work_delta"
# (a partial file only if ipcbench was past start-up when SIGINT came: on a loaded machine, maybe not)
check "[ ! -e '$R/partial/delta.json' ] || jq -e '.interrupted == true and .machine.label == \"delta\"' '$R/partial/delta.json' >/dev/null"
# the comparison of exactly the two good files, and plots of them
check "[ -s '$R/compare.txt' ] && grep -q alpha '$R/compare.txt' && grep -q beta '$R/compare.txt'"
check "! grep -q delta '$R/compare.txt'"
check "grep -q 'modeswitch/funcall' '$R/compare.txt'"
check "ls '$TMP/plots/$ID/'*.dat >/dev/null 2>&1"
check "[ ! -e '$R/.tree.tar.gz' ]"
if [ "$tune" = true ]; then
	check "grep -q 'TASK \[Reset the machine' play.txt && ! grep -q 'reset FAILED' '$R/summary.txt'"
else
	echo "note: tune/reset not exercised (ipcbench system missing from this build, or not root)"
fi

# the same run id again: alpha's file is kept as it was, not measured again
sum=$(md5sum <"$R/alpha.json")
ansible-playbook -i inventory -e "$(extra --arg ipcbench_hosts alpha)" "$PLAYBOOK" >again.txt 2>&1
rc=$?
check "[ $rc = 0 ] || { cat again.txt; false; }"
check "[ \"\$(md5sum <'$R/alpha.json')\" = '$sum' ]"
check "grep -q '^alpha: ok: kept ' '$R/summary.txt'"
check "! grep -q 'TASK \[Run the suite' again.txt"

summary family-fleet
