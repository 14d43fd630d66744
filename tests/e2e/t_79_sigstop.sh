#!/usr/bin/env bash
# t_79_sigstop — a client that connects while pdld is stopped (SIGSTOP) and
# is gone before pdld resumes makes NNG 1.5.2's listener stop accepting
# (its handshake send fails with EPIPE, which the listener takes for its
# own close; nanomsg/nng#1518). pdld watches its listeners and opens such a
# listener again: after SIGCONT a new client is answered, on the REQ/REP
# listener and on the PUB one alike, and pdld says what it did.
. "$(dirname "$0")/lib.sh"
SP="$PY $E2E/sp.py"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
# NNG 1.5.2 never frees the pipes that finished their handshake on a
# listener it has stopped: ipc_ep_close closes the listener's waiting pipes
# but nothing reaps them, and the listener's own end waits for them (the
# pipes and the listener are a cycle LeakSanitizer reports at exit). This
# pdld's listeners are stopped by NNG on purpose, so LeakSanitizer is off
# for it alone (ASan and UBSan stay on); pdl and every other process of the
# test are checked as everywhere.
asan_saved=${ASAN_OPTIONS-}
export ASAN_OPTIONS="${asan_saved:+$asan_saved:}detect_leaks=0"
start_pdld "$D" || { not_ok "pdld starts"; finish; }
export ASAN_OPTIONS="$asan_saved"
L=ipc://$D/pdl.sock
check_eq "pdl checkpoint answers" "$(timeout 10 "$PDL" checkpoint --ledger "$L" | sed -n 2p)" 1

kill -STOP "$PDLD_PID"
timeout 2 "$PDL" checkpoint --ledger "$L" >/dev/null 2>&1
check_eq "a client of the stopped pdld gives up (timeout)" "$?" 124
timeout 2 $SP sub "ipc://$D/pdl.pub" 5 "$TMP/gone.jsonl" >/dev/null 2>&1
check_eq "  and so does a subscriber" "$?" 124
kill -CONT "$PDLD_PID"

out=$(timeout 20 "$PDL" checkpoint --ledger "$L" 2>&1 | sed -n 2p)
check_eq "after SIGCONT pdl checkpoint is answered again" "$out" 1
for _ in $(seq 200); do # pdld looks each second; the subscriber's dial waited on it
	grep -q "publish: the listener on ipc://$D/pdl.pub .*opened it again" "$D.pdld.log" && break
	sleep 0.1
done
$SP sub "ipc://$D/pdl.pub" 6 "$TMP/sub.jsonl" >"$TMP/sub.out" 2>&1 &
SUB=$!
# PUB drops what is sent before the subscriber is in: send until it gets one
$GEN acts "$TMP/a_" 20 1 1
for f in "$TMP"/a_*.json; do
	timeout 10 "$PDL" submit --key "$AUTH_KEY" --ledger "$L" "$f" >>"$TMP/rec" 2>&1 || break
	[ -s "$TMP/sub.jsonl" ] && break
	sleep 0.3
done
wait "$SUB"
check "acts are appended" grep -q '"seq"' "$TMP/rec"
check "a new subscriber receives the entries" grep -q '"b64"' "$TMP/sub.jsonl"
check "pdld said it opened the REQ/REP listener again" \
	grep -q "listen: the listener on $L stopped accepting connections.*opened it again" "$D.pdld.log"
check "and the PUB listener" \
	grep -q "publish: the listener on ipc://$D/pdl.pub stopped accepting connections.*opened it again" "$D.pdld.log"
check "pdld stops on SIGTERM" stop_pdld
finish
