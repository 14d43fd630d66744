#!/usr/bin/env bash
# t_123_fd_flood — running out of descriptors does not close pdld's
# listener for good. pdld runs under a limit of 1,024 descriptors; 1,100 TCP
# connections that never send their SP handshake (NNG holds each for 10 s)
# use them all up. Before, pdld's listener check took the failed accepts
# for NNG 1.5.2's dead listener, closed it, could not open it again (no
# descriptor) and never tried again: the port stayed closed until a
# restart (a hostile review, 3 December). Now it leaves the listener to
# NNG, which accepts again as descriptors free up, and says why.
. "$(dirname "$0")/lib.sh"
SP="$PY $(dirname "$0")/sp.py"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
P=$(free_port)
URL=tcp://127.0.0.1:$P
(ulimit -n 1024 && exec "$PDLD" --data "$D" --insecure-tcp --listen "$URL") 2>>"$D.pdld.log" &
PDLD_PID=$!
PDLD_PIDS="$PDLD_PIDS $PDLD_PID"
n=100
until [ -s "$D/pdld.pid" ] || [ "$n" -le 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
timeout 15 "$PDL" get 0 --ledger "$URL" >"$TMP/g0.out" 2>&1
check_eq "pdld under 1,024 descriptors answers over tcp://" "$(jl "$TMP/g0.out" 'o["act"]["type"]')" ledger.genesis

$SP silent "127.0.0.1:$P" 1100 6 >"$TMP/silent.json" 2>"$TMP/silent.err"
check "1,100 silent connections opened (the limit is 1,024: some wait in the backlog)" \
	test "$(jl "$TMP/silent.json" 'o["opened"]')" -ge 1000
check "pdld said it ran out of descriptors" grep -q "out of file descriptors (RLIMIT_NOFILE)" "$D.pdld.log"
check "  and did not close its listener for it" not grep -q "the listener on $URL" "$D.pdld.log"
t0=$(date +%s%N)
timeout 20 "$PDL" get 0 --ledger "$URL" >"$TMP/g1.out" 2>"$TMP/g1.err"
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "once they are gone, pdl get answers again (genesis)" "$(jl "$TMP/g1.out" 'o["act"]["type"]')" ledger.genesis
echo "# answered ${ms} ms after the flood ended"
stop_pdld || not_ok "pdld stops on SIGTERM"
finish
