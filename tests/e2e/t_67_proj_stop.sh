#!/usr/bin/env bash
# t_67_proj_stop — Ctrl-C in a terminal signals pdld and pdl-project at the
# same moment (make run). pdl-project must not then wait out a request
# timeout to a pdld that is gone (it did: 31 s): it exits 0 within a few
# seconds, and its view is intact.
. "$(dirname "$0")/lib.sh"

[ -n "${PDLPROJ:-}" ] && [ -x "${PDLPROJ:-}" ] || { echo "# PDLPROJ not set: skipped"; finish; }
D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
$GEN acts "$TMP/a_" 1 5 1
start_pdld "$D" || { not_ok "pdld starts"; finish; }
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a_00.json" >/dev/null 2>&1
check_eq "5 acts in" "$(log_size "$D")" 6
# the signal lands at three phases of the worker's 1 s poll
for round in 1 2 3; do
	"$PDLPROJ" all --ledger "ipc://$D/pdl.sock" --data "$TMP/proj" >"$TMP/p$round.out" 2>"$TMP/p$round.err" &
	PP=$!
	for _ in $(seq 100); do
		[ "$("$PDLPROJ" digest all --data "$TMP/proj" 2>/dev/null | jl - 'o["next"]')" = 6 ] && break
		sleep 0.1
	done
	sleep "$(echo "$round" | awk '{print 0.2 + 0.65 * $1}')"
	t0=$(date +%s%N)
	kill -INT "$PP" "$PDLD_PID"
	wait "$PP"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	check_eq "round $round: pdl-project exits 0 on SIGINT sent with pdld's" "$rc" 0
	check "round $round: within 5 s (took $ms ms)" test "$ms" -lt 5000
	check_eq "round $round: it printed its figures" "$(jl "$TMP/p$round.out" 'o["gaps"] >= 0')" true
	wait "$PDLD_PID" 2>/dev/null
	check_eq "round $round: the view is whole (next 6)" "$("$PDLPROJ" digest all --data "$TMP/proj" | jl - 'o["next"]')" 6
	start_pdld "$D" || { not_ok "pdld restarts"; finish; }
done
finish
