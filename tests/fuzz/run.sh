#!/bin/sh
# run.sh — runs libFuzzer targets, FUZZ_JOBS (2) at a time (POSIX sh).
#
#   sh tests/fuzz/run.sh SECONDS build-fuzz/fuzz_act build-fuzz/fuzz_entry ...
#
# A target is one process on one core, so two at a time on two cores give
# each its SECONDS of a core and halve the wall time.
# Each target fuzzes for SECONDS (-max_total_time) from its seed corpus
# tests/fuzz/corpus/<name>/ plus a working corpus build-fuzz/corpus/<name>/
# (new inputs go there, so the tree stays clean). Any crash, leak, UB,
# timeout (-timeout, 10 s per input) or out-of-memory (2 GiB) is a failure;
# its input is saved as tests/fuzz/crashes/<name>-… and the run goes on
# with the other targets. Prints one line per target with its executions
# and executions per second, and exits non-zero if any target failed.
# Reproduce a finding with: build-fuzz/fuzz_<name> tests/fuzz/crashes/<file>
secs=${1:?usage: run.sh SECONDS FUZZER...}
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
fail=0
total=0
mkdir -p "$top/tests/fuzz/crashes"
# The fuzz build's own sanitizer settings: reports to stderr, leaks on.
ASAN_OPTIONS=detect_leaks=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS
unset LSAN_OPTIONS
jobs=${FUZZ_JOBS:-2}
res=$(mktemp -d "${TMPDIR:-/tmp}/pdl-fuzz.XXXXXX")
trap 'rm -rf "$res"' EXIT

# fuzz_one BIN I: fuzzes BIN, then writes its result line(s) to $res/out.I
# and its executions to $res/execs.I; $res/fail.I when it failed.
fuzz_one() {
	bin=$1
	name=$(basename "$bin" | sed 's/^fuzz_//')
	work=$(dirname "$bin")/corpus/$name
	seeds=$top/tests/fuzz/corpus/$name
	log=$(dirname "$bin")/fuzz_$name.log
	mkdir -p "$work" "$seeds"
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$top/tests/fuzz/crashes/$name-" "$work" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | sed 's/cov: //')
	units=$(ls "$work" | wc -l | tr -d ' ')
	if [ "$rc" -eq 0 ]; then
		echo "ok - fuzz_$name: ${secs}s, ${execs:-?} execs, ${rate:-?} execs/s, coverage ${cov:-?}, corpus $units (+ seeds)" >"$res/out.$2"
	else
		: >"$res/fail.$2"
		{
			echo "not ok - fuzz_$name: exit $rc after ${execs:-?} execs; the log ($log) ends:"
			grep -v '^#[0-9]' "$log" | tail -40 | sed 's/^/#   /'
		} >"$res/out.$2"
	fi
	echo "${execs:-0}" >"$res/execs.$2"
}

# each group of $jobs targets runs together; results print in the order given
i=0
while [ "$#" -gt 0 ]; do
	first=$((i + 1))
	n=0
	while [ "$#" -gt 0 ] && [ "$n" -lt "$jobs" ]; do
		i=$((i + 1))
		n=$((n + 1))
		fuzz_one "$1" "$i" &
		shift
	done
	wait
	k=$first
	while [ "$k" -le "$i" ]; do
		cat "$res/out.$k"
		[ -f "$res/fail.$k" ] && fail=1
		total=$((total + $(cat "$res/execs.$k")))
		k=$((k + 1))
	done
done
echo "# fuzz: $total execs in all"
exit $fail
