#!/usr/bin/env bash
# Projections under loss and crashes (issue 4, acceptance 2 and 3):
#  - a worker whose subscription misses entries (every 3rd live message
#    dropped, and the worker paused with SIGSTOP in mid-stream during a
#    burst) ends with exactly the view a clean rebuild gives (digest);
#  - kill -9 of a worker during catch-up, restart, repeated 5 times: the
#    same digest again.
. "$(dirname "$0")/lib.sh"
: "${PDLPROJ:?set PDLPROJ to the pdl-project binary}"

D=$TMP/l
init_ledger "$D" || exit 1
start_pdld "$D" || exit 1
URL="ipc://$D/pdl.sock"

digest() { "$PDLPROJ" digest all --data "$1" 2>/dev/null | jl - 'o["digest"]'; }
view_next() { "$PDLPROJ" digest all --data "$1" 2>/dev/null | jl - 'o["next"]'; }

# --- gaps: a lossy subscription and a paused worker ---
"$PDLPROJ" all --ledger "$URL" --data "$TMP/v1" --test-drop 3 >"$TMP/v1.stats" 2>"$TMP/v1.log" &
W=$!
sleep 0.5
$GEN acts "$TMP/burst" 4 5000 1 || exit 1
# many small requests: many published messages, every third one lost
SUBS=""
for f in "$TMP"/burst0*.json; do
	"$PDL" submit --batch 50 --key "$AUTH_KEY" --data "$D" "$f" >"$f.out" 2>&1 &
	SUBS="$SUBS $!"
done
sleep 1
kill -STOP "$W"      # paused mid-stream: the pub drops what it cannot deliver
sleep 1.5
kill -CONT "$W"
for p in $SUBS; do wait "$p"; done
SIZE=$(log_size "$D")
check_eq "the burst is in the log" "$SIZE" 20001
n=0
while [ "$(view_next "$TMP/v1")" != "$SIZE" ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
check_eq "the lossy worker caught up to the log" "$(view_next "$TMP/v1")" "$SIZE"
kill -TERM "$W"; wait "$W"
GAPS=$(jl "$TMP/v1.stats" 'o["gaps"]')
check "the worker met gaps and caught up by range ($GAPS)" [ "${GAPS:-0}" -ge 1 ]
"$PDLPROJ" all --ledger "$URL" --data "$TMP/clean" --once >"$TMP/clean.json" 2>"$TMP/clean.log"
CLEAN=$(jl "$TMP/clean.json" 'o["digest"]')
check "a clean rebuild has a digest" [ -n "$CLEAN" ]
check_eq "the lossy worker's view equals a clean rebuild" "$(digest "$TMP/v1")" "$CLEAN"
# --rebuild swaps a fresh view in; same bytes
"$PDLPROJ" all --ledger "$URL" --data "$TMP/v1" --rebuild --once >"$TMP/rb.json" 2>/dev/null
check_eq "--rebuild gives the same view" "$(jl "$TMP/rb.json" 'o["digest"]')" "$CLEAN"

# --- crashes during catch-up ---
$GEN acts "$TMP/more" 4 10000 100000 || exit 1
for f in "$TMP"/more0*.json; do "$PDL" submit --key "$AUTH_KEY" --data "$D" "$f" >"$f.out" 2>&1 || echo "# submit $f exited $?: $(tail -c 300 "$f.out")"; done
SIZE=$(log_size "$D")
check_eq "the log grew" "$SIZE" 60001
"$PDLPROJ" all --ledger "$URL" --data "$TMP/clean2" --once >"$TMP/clean2.json" 2>/dev/null
CLEAN2=$(jl "$TMP/clean2.json" 'o["digest"]')
RANDOM=42
MID=0
for cycle in 1 2 3 4 5; do
	"$PDLPROJ" all --ledger "$URL" --data "$TMP/v2" >/dev/null 2>>"$TMP/v2.log" &
	W=$!
	# kill once it has made progress (sanitizer builds start slowly), at a
	# random moment soon after, while the catch-up is still going
	vsize() { stat -c %s "$TMP/v2/view/data.mdb" 2>/dev/null || echo 0; }
	before=$(vsize)
	n=0
	while [ "$(vsize)" = "$before" ] && [ $n -lt 400 ]; do sleep 0.02; n=$((n + 1)); done
	ms=$((RANDOM % 60))
	sleep "$(printf '0.%03d' "$ms")"
	kill -9 "$W" 2>/dev/null
	wait "$W" 2>/dev/null
	at=$(view_next "$TMP/v2")
	[ "${at:-0}" -lt "$SIZE" ] && MID=$((MID + 1))
	echo "# cycle $cycle: killed ${ms} ms after progress, at next=$at"
done
check "the killed worker had applied part of the log" [ "$(view_next "$TMP/v2")" -gt 0 ]
check_eq "all 5 kills landed during catch-up" "$MID" 5
"$PDLPROJ" all --ledger "$URL" --data "$TMP/v2" --once >"$TMP/v2.json" 2>/dev/null
check_eq "after 5 kill -9 during catch-up the view equals a clean rebuild" "$(jl "$TMP/v2.json" 'o["digest"]')" "$CLEAN2"
check_eq "and it covers the whole log" "$(jl "$TMP/v2.json" 'o["next"]')" "$SIZE"
finish
