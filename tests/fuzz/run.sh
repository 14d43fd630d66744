#!/bin/sh
# run.sh — runs libFuzzer targets one after the other (POSIX sh).
#
#   sh tests/fuzz/run.sh SECONDS build-fuzz/fuzz_act build-fuzz/fuzz_entry ...
#
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
for bin in "$@"; do
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
		echo "ok - fuzz_$name: ${secs}s, ${execs:-?} execs, ${rate:-?} execs/s, coverage ${cov:-?}, corpus $units (+ seeds)"
	else
		fail=1
		echo "not ok - fuzz_$name: exit $rc after ${execs:-?} execs; the log ($log) ends:"
		grep -v '^#[0-9]' "$log" | tail -40 | sed 's/^/#   /'
	fi
	total=$((total + ${execs:-0}))
done
echo "# fuzz: $total execs in all"
exit $fail
