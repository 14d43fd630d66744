# lib.sh — shared by the e2e scripts (bash). Source it first:
#   . "$(dirname "$0")/lib.sh"
# Needs PDL and PDLD (absolute paths to the binaries); PY defaults to
# /usr/bin/python3 (Debian's, with python3-lmdb).
#
# Gives: $TMP (removed on exit; every pdld started here is stopped then,
# with kill -9 if SIGTERM has not stopped it within 5 s), ok / not_ok /
# check / check_eq, init_ledger, start_pdld / stop_pdld / kill9_pdld,
# wait_pids, free_port, log_size, and $GEN / $OV (the Python helpers). Each check prints one
# "ok - …" or "not ok - …" line; the script ends with `finish`.
#
# Crypto suites: PDL_SUITE (default ed25519-sha256) is the suite of the
# ledgers init_ledger makes ($SUITE) and of the keys `keygen` makes ($ALG);
# pdlgen.py's default party key is of it too. run-all.sh runs some scripts
# again under PDL_SUITE=sm2-sm3 (its SUITE_SCRIPTS).

set -u

: "${PDL:?set PDL to the pdl binary}"
: "${PDLD:?set PDLD to the pdld binary}"
PY=${PY:-/usr/bin/python3}
E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GEN="$PY $E2E/pdlgen.py"
OV="$PY $E2E/outside_verify.py"
export PDL PDLD PY

SUITE=${PDL_SUITE:-ed25519-sha256}
case $SUITE in
ed25519-sha256) ALG=ed25519 ;;
sm2-sm3) ALG=sm2 ;;
*) echo "lib.sh: PDL_SUITE is ed25519-sha256 or sm2-sm3, not $SUITE" >&2; exit 1 ;;
esac
PDL_SUITE=$SUITE
export PDL_SUITE

PASS=0
FAIL=0
TNAME=$(basename "$0" .sh)
[ "$SUITE" = ed25519-sha256 ] || TNAME=$TNAME.$SUITE
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pdl-e2e-$TNAME.XXXXXX")
PDLD_PIDS=""  # every pdld this script started (some may be gone)
PDLD_PID=""   # the one start_pdld started last

# Waits up to $2 tenths of a second for pid $1 to go away.
_wait_gone() {
	local pid=$1 n=$2
	while [ "$n" -gt 0 ]; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
		n=$((n - 1))
	done
	! kill -0 "$pid" 2>/dev/null
}

cleanup() {
	local rc=$? pid
	for pid in $PDLD_PIDS; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null
			_wait_gone "$pid" 50 || kill -9 "$pid" 2>/dev/null
		fi
	done
	for pid in $(jobs -p); do
		kill -TERM "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "${KEEP:-}" ]; then
		echo "# $TNAME: kept $TMP"
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() {
	PASS=$((PASS + 1))
	echo "ok - $*"
}

not_ok() {
	FAIL=$((FAIL + 1))
	echo "not ok - $*"
}

# check DESC CMD...: ok when CMD succeeds. CMD's output is shown (as
# comments) only when it fails.
check() {
	local desc=$1
	shift
	if "$@" >"$TMP/.check.out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/#   /' "$TMP/.check.out" | head -20
	fi
}

# not CMD...: succeeds when CMD fails.
not() {
	! "$@"
}

# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1 (got '$2', want '$3')"
	fi
}

# check_ne DESC GOT UNWANTED
check_ne() {
	if [ "$2" != "$3" ]; then
		ok "$1"
	else
		not_ok "$1 (got '$2', which it must not be)"
	fi
}

# jl FILE EXPR: evaluates EXPR (Python, the line's JSON object is `o`) for
# each JSON line of FILE ('-' for stdin); prints one result per line.
jl() {
	$GEN jl "$1" "$2"
}

# keygen ARGS: pdl keygen of a key of $SUITE.
keygen() {
	"$PDL" keygen --alg "$ALG" "$@"
}

# init_ledger DIR [extra pdl init args]: creates a ledger of $SUITE; sets AUTH_KEY, VKEY.
init_ledger() {
	local dir=$1
	shift
	"$PDL" init --data "$dir" --origin test.example/pdl --jurisdiction 420100 --suite "$SUITE" "$@" >"$dir.init.json" 2>"$dir.init.err" ||
		{ cat "$dir.init.err" >&2; return 1; }
	AUTH_KEY=$(jl "$dir.init.json" 'o["authority_key"]')
	VKEY=$(jl "$dir.init.json" 'o["verifier_key"]')
}

# start_pdld DIR [pdld args]: starts pdld (stderr appended to DIR.pdld.log)
# and waits up to 10 s for DIR/pdld.pid. Sets PDLD_PID. Returns 1 on failure.
start_pdld() {
	local dir=$1 n=100
	shift
	rm -f "$dir/pdld.pid"
	"$PDLD" --data "$dir" "$@" 2>>"$dir.pdld.log" &
	PDLD_PID=$!
	PDLD_PIDS="$PDLD_PIDS $PDLD_PID"
	while [ ! -s "$dir/pdld.pid" ]; do
		if ! kill -0 "$PDLD_PID" 2>/dev/null || [ "$n" -le 0 ]; then
			echo "# pdld did not start; its log:" >&2
			sed 's/^/#   /' "$dir.pdld.log" >&2
			return 1
		fi
		sleep 0.1
		n=$((n - 1))
	done
	return 0
}

# stop_pdld: SIGTERM the last pdld, wait up to 5 s, else kill -9 and return 1.
stop_pdld() {
	local pid=${1:-$PDLD_PID}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	if _wait_gone "$pid" 50; then
		wait "$pid" 2>/dev/null
		return 0
	fi
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 1
}

kill9_pdld() {
	local pid=${1:-$PDLD_PID}
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# wait_pids SECONDS PID...: waits for the PIDs; those still running after
# SECONDS get SIGTERM. Prints how many had to be stopped.
wait_pids() {
	local secs=$1 left pid
	shift
	for _ in $(seq $((secs * 10))); do
		left=""
		for pid in "$@"; do kill -0 "$pid" 2>/dev/null && left="$left $pid"; done
		[ -z "$left" ] && break
		sleep 0.1
	done
	left=0
	for pid in "$@"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null
			left=$((left + 1))
		fi
		wait "$pid" 2>/dev/null
	done
	echo "$left"
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now (the
# kernel's choice).
free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# log_size DIR: the size `pdl verify` reports (empty when verify fails).
log_size() {
	"$PDL" verify --data "$1" --quiet 2>/dev/null | jl - 'o.get("size", "")'
}

# export_count DIR: number of entries `pdl export` writes.
export_count() {
	"$PDL" export --data "$1" | wc -l | tr -d ' '
}

# wait_ckpt DIR SIZE: waits up to 10 s until the latest checkpoint has SIZE.
wait_ckpt() {
	local n=100 s
	while [ "$n" -gt 0 ]; do
		s=$("$PDL" checkpoint --data "$1" 2>/dev/null | sed -n 2p)
		[ "$s" = "$2" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# pychecks CMD...: runs a checker that prints its own "ok - " / "not ok - "
# lines (and "# " comments); shows them and counts them.
pychecks() {
	local out=$TMP/.pychecks.out rc
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	PASS=$((PASS + $(grep -c '^ok - ' "$out")))
	FAIL=$((FAIL + $(grep -c '^not ok - ' "$out")))
	[ "$rc" -eq 0 ] || not_ok "checker $(basename "$2" 2>/dev/null) exited with status $rc"
}

finish() {
	echo "# $TNAME: $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
	exit $?
}
