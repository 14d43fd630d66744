#!/usr/bin/env bash
# t_53_idle_evict — connections that hold a slot and send nothing cannot
# keep clients out: with pdld's REQ/REP and PUB listeners full of idle
# connections (--max-connections 4, six idle ones on each), a new
# connection takes the slot of the one idle the longest (idle 2 s or
# more), as pdld's HTTP listener does. Before, it was refused for as long
# as the idle ones stayed: `pdl get` waited out its 30 s, a follower never subscribed.
. "$(dirname "$0")/lib.sh"
SP="$PY $(dirname "$0")/sp.py"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
start_pdld "$D" --max-connections 4 --verbose || { not_ok "pdld starts"; finish; }

$SP flood "ipc://$D/pdl.sock" 6 0 25 >"$TMP/fr.json" 2>&1 &
FR=$!
$SP flood "ipc://$D/pdl.pub" 6 0 25 --sub >"$TMP/fp.json" 2>&1 &
FP=$!
n=50
until [ -s "$TMP/fr.json" ] && [ -s "$TMP/fp.json" ] || [ "$n" -le 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
check_eq "six idle REQ and six idle SUB connections held" "$(jl "$TMP/fr.json" 'o["conns"]'):$(jl "$TMP/fp.json" 'o["conns"]')" 6:6
sleep 2.5 # a connection gives up its slot once idle 2 s (not in its first moments)

t0=$(date +%s%N)
timeout 15 "$PDL" get 0 --ledger "ipc://$D/pdl.sock" >"$TMP/get.out" 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "pdl get answers past the idle ones (exit 0, genesis)" "$rc:$(jl "$TMP/get.out" 'o["act"]["type"]')" 0:ledger.genesis
check "  within 5 s (${ms} ms)" test "$ms" -lt 5000

# a subscriber gets in and hears the next entry
$SP sub "ipc://$D/pdl.pub" 6 "$TMP/sub.jsonl" >"$TMP/sub.json" 2>&1 &
SB=$!
sleep 1
$GEN acts "$TMP/a_" 1 3 100 && "$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a_00.json" >"$TMP/submit.out" 2>&1
check_eq "3 acts accepted" "$(grep -c '"seq"' "$TMP/submit.out")" 3
wait "$SB"
check "a new subscriber hears the entries despite six idle ones" test "$(jl "$TMP/sub.json" 'o["messages"]')" -ge 1
check "pdld says it closed idle connections for new ones" grep -q "closed while idle: a new one needs its slot" "$D.pdld.log"
kill "$FR" "$FP" 2>/dev/null
wait "$FR" "$FP" 2>/dev/null
finish
