#!/bin/sh
# run-all.sh — the e2e harness `make e2e` runs (POSIX sh).
#
#   PDL=/abs/build/pdl PDLD=/abs/build/pdld sh tests/e2e/run-all.sh [PATTERN]
#
# Runs every tests/e2e/t_*.sh (or those matching t_PATTERN*.sh) in name
# order, each under a timeout (E2E_TIMEOUT seconds, default 180), with PDL,
# PDLD and PY=/usr/bin/python3 in the environment; prints each script's
# output; counts the "ok - " / "not ok - " lines; and ends with exactly one
# line "N passed, M failed". Scripts run E2E_JOBS at a time (2). A
# script that times out, or exits non-zero without a "not ok" line, adds a
# "not ok" of its own; one still running 15 s before its limit also gets a
# report of where it waits (watch_hang). Exits non-zero if
# any check failed or any script exited non-zero. The binaries are copied
# first, so a rebuild during the run does not change what is tested.
#
# Crypto suites: every script runs once under the default suite
# (ed25519-sha256); the scripts of SUITE_SCRIPTS (bad input, tamper, crash,
# the fixture scenario) run a second time under PDL_SUITE=sm2-sm3
# (tests/e2e/lib.sh), so the same checks hold for an SM2/SM3 ledger. A
# script that makes its own sm2-sm3 ledgers (t_90) runs once.

: "${PDL:?set PDL to the absolute path of the pdl binary}"
: "${PDLD:?set PDLD to the absolute path of the pdld binary}"
PY=/usr/bin/python3 # Debian's, with python3-lmdb (not a pyenv one on PATH)
export PDL PDLD PY

here=$(cd "$(dirname "$0")" && pwd)
limit=${E2E_TIMEOUT:-180}
run=$(mktemp -d "${TMPDIR:-/tmp}/pdl-e2e-run.XXXXXX")
trap 'rm -rf "$run"' EXIT
trap 'exit 130' INT TERM

for f in "$PDL" "$PDLD" "$PY"; do
	if [ ! -x "$f" ]; then
		echo "run-all.sh: $f is not executable" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
done
# Test one fixed pair of binaries, even if the tree is rebuilt meanwhile.
mkdir "$run/bin"
if cp "$PDL" "$run/bin/pdl" && cp "$PDLD" "$run/bin/pdld"; then
	PDL=$run/bin/pdl
	PDLD=$run/bin/pdld
	# pdl bench finds pdld and pdl-project beside itself
	if [ -n "${PDLPROJ:-}" ] && cp "$PDLPROJ" "$run/bin/pdl-project"; then
		PDLPROJ=$run/bin/pdl-project
		export PDLPROJ
	fi
else
	echo "run-all.sh: cannot copy the binaries under test" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

SUITE_SCRIPTS="t_20_bad_input t_40_tamper t_50_crash t_80_scenario"

passed=0
failed=0
bad_exit=0
start=$(date +%s)
runs=""
for t in "$here"/t_${1:-}*.sh; do
	[ -f "$t" ] || continue
	runs="$runs $t:"
	case " $SUITE_SCRIPTS " in *" $(basename "$t" .sh) "*) runs="$runs $t:sm2-sm3" ;; esac
done
# Scripts run E2E_JOBS at a time (default 2: most of a script's time is
# waiting for daemons, so two share the 2 cores well); each one's output
# goes to its own file and is printed whole, in name order, when it and
# every script before it have ended. Under the sanitizers (PDL_SAN=1)
# every process runs two to three times slower and the scripts' deadlines
# were written for a plain build: one at a time there (on a slower 2-core
# VM, two at a time failed one check in each of two runs: a pdl submit's
# 30 s reply timeout in t_55, and in t_103 a pdld abort seen only under
# load, not found).
if [ "${PDL_SAN:-0}" = 1 ]; then
	jobs=${E2E_JOBS:-1}
else
	jobs=${E2E_JOBS:-2}
fi
# watch_hang PID: waits while PID (a timeout(1) and its process group)
# runs; if it is still running 15 s before the limit (half way with a
# limit of 30 s or less), says what in its
# group is running and where it waits (with gdb's stacks of pdl's own
# processes when gdb is installed), so a script that times out leaves a
# trace of why.
watch_hang() {
	local n=0 pids p lead=15
	[ "$limit" -le 30 ] && lead=$((limit / 2)) # a short E2E_TIMEOUT: half way
	while kill -0 "$1" 2>/dev/null && [ "$n" -lt "$((limit - lead))" ]; do
		sleep 1
		n=$((n + 1))
	done
	kill -0 "$1" 2>/dev/null || return 0
	echo "# still running after ${n}s (pid elapsed-s state wchan command):"
	ps -e -o pgid=,pid=,etimes=,stat=,wchan:24=,args= | awk -v g="$1" '$1 == g { $1 = "#  "; print }'
	command -v gdb >/dev/null 2>&1 || return 0
	pids=$(ps -e -o pgid=,pid=,comm= | awk -v g="$1" '$1 == g && $3 ~ /^pdl/ { print $2 }' | head -4)
	for p in $pids; do
		echo "# stacks of $p:"
		# NNG's own idle threads left out; one line per frame
		timeout 10 gdb -batch -nx -p "$p" -ex "thread apply all bt 12" </dev/null 2>/dev/null |
			awk '/^Thread/ { skip = /"nng:/; if (!skip) print "#   " $0; next }
			     /^#/ && !skip { f = $0; sub(/^#[0-9]+ +(0x[0-9a-f]+ in )?/, "", f); sub(/ \(.*\)/, "", f)
			                     print "#     " $1 " " f }' | head -60
	done
}

# report I: prints script I's output (and its hang report) and counts its
# checks; a script that failed without a failing check (or timed out)
# counts as one failed check of its own.
report() {
	local name rc secs p n
	name=$(cat "$run/name.$1")
	read -r rc secs <"$run/rc.$1"
	echo "# ---- $name"
	cat "$run/out.$1"
	[ -s "$run/hang.$1" ] && cat "$run/hang.$1"
	p=$(grep -c '^ok - ' "$run/out.$1")
	n=$(grep -c '^not ok - ' "$run/out.$1")
	if [ "$rc" -ne 0 ]; then
		bad_exit=1
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			echo "not ok - $name timed out after ${limit}s"
			n=$((n + 1))
		elif [ "$n" -eq 0 ]; then
			echo "not ok - $name exited with status $rc"
			n=$((n + 1))
		fi
	fi
	passed=$((passed + p))
	failed=$((failed + n))
	echo "# $name: $p passed, $n failed, ${secs}s"
}

# print_ready: reports, in name order, the scripts that have ended with
# every script before them (so the output streams while the rest run).
printed=0
print_ready() {
	while [ -f "$run/rc.$((printed + 1))" ]; do
		printed=$((printed + 1))
		report "$printed"
	done
}

i=0
for r in $runs; do
	i=$((i + 1))
	t=${r%:*}
	suite=${r##*:}
	echo "$(basename "$t")${suite:+ [$suite]}" >"$run/name.$i"
	(
		t0=$(date +%s)
		PDL_SUITE=${suite:-ed25519-sha256} timeout -k 10 "$limit" bash "$t" >"$run/out.$i" 2>&1 </dev/null &
		tp=$!
		watch_hang "$tp" >"$run/hang.$i" 2>&1 &
		wait "$tp"
		rc=$?
		wait
		echo "$rc $(($(date +%s) - t0))" >"$run/rc.$i.tmp"
		mv "$run/rc.$i.tmp" "$run/rc.$i"
	) &
	# wait for a free slot: scripts started minus scripts ended
	while [ "$(($i - $(ls "$run" | grep -c '^rc\.[0-9]*$')))" -ge "$jobs" ]; do
		print_ready
		sleep 0.2
	done
	print_ready
done
total=$i
while [ "$printed" -lt "$total" ]; do
	print_ready
	[ "$printed" -lt "$total" ] && sleep 0.2
done
wait
echo "# e2e took $(($(date +%s) - start))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$bad_exit" -eq 0 ]
