#!/usr/bin/env bash
# t_73_stale_readers — `pdl verify` killed with -9 in the middle of reading
# a big ledger leaves its LMDB reader slot behind (a dead pid holding an old
# snapshot). pdld goes on appending while such slots exist, frees them
# within seconds (so they cannot pin old pages or fill the reader table),
# and every later `pdl verify` passes.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
KILLS=8
RANDOM=7303 # fixed seed: the same kill moments every run
init_ledger "$D" || { not_ok "pdl init"; finish; }
start_pdld "$D" || { not_ok "pdld starts"; finish; }
$GEN acts "$TMP/a_" 10 2000 1
$GEN acts "$TMP/b_" "$KILLS" 200 20001
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP"/a_*.json >"$TMP/r0" 2>&1
check_eq "a ledger of 20,000 acts" "$(grep -c '"seq"' "$TMP/r0")" 20000

# readers: the pids in the reader table (mdb_stat from lmdb-utils)
readers() {
	mdb_stat -r "$D" 2>/dev/null | awk '$1 ~ /^[0-9]+$/ {print $1}' | sort -u | tr '\n' ' '
}

caught=0
for k in $(seq 1 "$KILLS"); do
	"$PDL" verify --data "$D" --threads 1 --quiet >/dev/null 2>&1 &
	vpid=$!
	ms=$((100 + RANDOM % 500))
	sleep "$(printf '0.%03d' "$ms")"
	kill -9 "$vpid" 2>/dev/null
	wait "$vpid" 2>/dev/null
	case " $(readers)" in *" $vpid "*) caught=$((caught + 1)) ;; esac
	# append while the dead reader's slot may still be there
	"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/b_$(printf %02d $((k - 1))).json" >"$TMP/rb_$k" 2>&1
	[ "$(grep -c '"seq"' "$TMP/rb_$k")" = 200 ] || not_ok "kill $k (at ${ms} ms): the next submit got $(grep -c '"seq"' "$TMP/rb_$k") of 200 receipts"
done
echo "# $KILLS verifies killed with -9 mid-run; $caught left a stale reader slot seen right after"
check "at least one kill left a stale reader slot (the case under test)" test "$caught" -ge 1
check_eq "pdld appended every submit made meanwhile" "$(cat "$TMP"/rb_* | grep -c '"seq"')" $((KILLS * 200))
n=50
while [ -n "$(readers)" ] && [ "$n" -gt 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
check_eq "pdld frees the stale slots within 5 s (reader table empty)" "$(readers)" ""
check "  and says so in its log" grep -q "cleared [0-9]* stale reader slot" "$D.pdld.log"
check "pdld still serves reads" "$PDL" get 20001 --data "$D"
check_eq "pdl verify passes" "$(log_size "$D")" $((20001 + KILLS * 200))
"$PDL" export --data "$D" >"$TMP/export"
pychecks $PY "$E2E/ledgercheck.py" receipts --export "$TMP/export" --label "stale readers" --dup false \
	--seqs 1:$((20001 + KILLS * 200)) "$TMP/r0" "$TMP"/rb_*
check "pdld stops cleanly" stop_pdld
check_eq "pdl verify passes after the stop" "$(log_size "$D")" $((20001 + KILLS * 200))

finish
