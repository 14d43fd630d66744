#!/usr/bin/env bash
# t_68_proj_stop_slow_pdld — issue 10, item 6: pdl-project must end
# promptly on SIGTERM while HTTP requests wait on a pdld that does not
# answer. It did not: every route worker sat in a dial or a close to the
# stopped pdld (needed SIGKILL after 45 s). pdld is stopped (SIGSTOP) and:
#   1. requests that ask pdld (checkpoint, entries, proofs) are in flight
#      on the public and the private listener when SIGTERM comes;
#   2. no request, but the follower has lost pdld and is reconnecting;
# each time pdl-project must exit 0 within 10 s (a hang check, not a speed
# target) and the clients get an answer or a closed connection, not a hang.
. "$(dirname "$0")/lib.sh"
: "${PDLPROJ:?set PDLPROJ to the pdl-project binary}"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
$GEN acts "$TMP/a_" 1 5 1
start_pdld "$D" || { not_ok "pdld starts"; finish; }
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a_00.json" >/dev/null 2>&1
check_eq "5 acts in" "$(log_size "$D")" 6

PP=""
trap '[ -n "$PP" ] && kill -9 "$PP" 2>/dev/null; kill -CONT "$PDLD_PID" 2>/dev/null; cleanup' EXIT

# start_proj: pdl-project all with both listeners; waits until /v1/checkpoint answers 200
start_proj() {
	local n=150
	PORT=$(free_port)
	PPORT=$(free_port)
	"$PDLPROJ" all --ledger "ipc://$D/pdl.sock" --data "$TMP/proj" --http "127.0.0.1:$PORT" \
		--private-http "127.0.0.1:$PPORT" >"$TMP/proj.out" 2>>"$TMP/proj.err" &
	PP=$!
	until $PY -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
		"http://127.0.0.1:$PORT/v1/checkpoint" 2>/dev/null; do
		kill -0 "$PP" 2>/dev/null && [ "$n" -gt 0 ] || return 1
		sleep 0.1
		n=$((n - 1))
	done
}

# stop_timed NAME: SIGTERM pdl-project, wait up to 10 s; checks exit 0 in time
stop_timed() {
	local t0 ms rc n=100
	t0=$(date +%s%N)
	kill -TERM "$PP"
	while kill -0 "$PP" 2>/dev/null && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	ms=$((($(date +%s%N) - t0) / 1000000))
	if kill -0 "$PP" 2>/dev/null; then
		not_ok "$1: pdl-project exits within 10 s of SIGTERM (still running after $ms ms)"
		kill -9 "$PP" 2>/dev/null
		wait "$PP" 2>/dev/null
	else
		wait "$PP"
		rc=$?
		ok "$1: pdl-project exits within 10 s of SIGTERM ($ms ms)"
		check_eq "$1: its exit status is 0" "$rc" 0
	fi
	PP=""
}

# ---- 1. requests in flight on both listeners
start_proj || { not_ok "pdl-project starts"; finish; }
kill -STOP "$PDLD_PID"
$PY - "http://127.0.0.1:$PORT" "http://127.0.0.1:$PPORT" >"$TMP/clients.out" 2>&1 <<'EOF' &
import sys, threading, time, urllib.error, urllib.request
pub, priv = sys.argv[1:3]
paths = [pub + p for p in ("/v1/checkpoint", "/v1/entries/1", "/v1/proof/inclusion?index=1")] * 5
paths += [priv + "/v1/revenue/parties/authority"] * 2
out = []
def one(u):
    t0 = time.time()
    try:
        r = urllib.request.urlopen(u, timeout=60)
        out.append((u, r.status, time.time() - t0))
    except urllib.error.HTTPError as e:
        out.append((u, e.code, time.time() - t0))
    except Exception as e:
        out.append((u, type(e).__name__, time.time() - t0))
ts = [threading.Thread(target=one, args=(u,)) for u in paths]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("answered %d of %d, slowest %.1f s: %s" % (len(out), len(paths), max(x[2] for x in out),
      sorted({str(x[1]) for x in out})))
EOF
CL=$!
sleep 1.5 # the workers are all waiting on pdld now
stop_timed "requests in flight"
n=150
while kill -0 "$CL" 2>/dev/null && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
if kill -0 "$CL" 2>/dev/null; then
	not_ok "the clients got an answer or a closed connection (still waiting)"
	kill "$CL" 2>/dev/null
else
	check "the clients got an answer or a closed connection: $(cat "$TMP/clients.out")" grep -q "answered 17 of 17" "$TMP/clients.out"
fi
wait "$CL" 2>/dev/null
# a fresh pdld for the next round (this one had clients vanish while it was
# stopped; whether it recovers from that is pdld's business, not this test's)
kill -CONT "$PDLD_PID"
stop_pdld || echo "# pdld needed SIGKILL after SIGCONT + SIGTERM"
start_pdld "$D" || { not_ok "pdld restarts"; finish; }

# ---- 2. the follower reconnecting to a stopped pdld
start_proj || { not_ok "pdl-project starts again"; finish; }
kill -STOP "$PDLD_PID"
sleep 5 # its range reads time out (2 s) and it dials again
stop_timed "follower reconnecting"
kill -CONT "$PDLD_PID"
check_eq "the view is whole afterwards (next 6)" "$("$PDLPROJ" digest all --data "$TMP/proj" | jl - 'o["next"]')" 6
finish
