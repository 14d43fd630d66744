#!/usr/bin/env bash
# t_71_map_full — LMDB map full. pdld starts with a tiny map (the hidden
# test option --map-size) and takes a load that overflows it several
# times, while `pdl verify` reads alongside: each time the writer's
# transaction hits MDB_MAP_FULL it is aborted, the map doubles, and the
# batch is redone — every act gets its receipt, nothing is lost or written
# twice, and the ledger verifies. A restart with the same tiny map on the
# now larger file works too.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
FILES=6
PER=500
init_ledger "$D" || { not_ok "pdl init"; finish; }
$GEN acts "$TMP/a_" "$FILES" "$PER" 1
start_pdld "$D" --map-size 65536 --checkpoint-ms 100 || { not_ok "pdld starts with --map-size 65536"; finish; }
check "pdld reports its small map" grep -q "map size [0-9]* bytes" "$D.pdld.log"

# two submitters, and verify running over and over meanwhile
touch "$TMP/.busy"
(
	while [ -e "$TMP/.busy" ]; do
		"$PDL" verify --data "$D" --quiet >"$TMP/cv.json" 2>&1
		echo "$?:$(jl "$TMP/cv.json" 'o.get("ok")')"
	done
) >"$TMP/concurrent_verify" &
vpid=$!
"$PDL" submit --key "$AUTH_KEY" --data "$D" --batch 100 "$TMP"/a_0[024].json >"$TMP/r1" 2>"$TMP/e1" &
p1=$!
"$PDL" submit --key "$AUTH_KEY" --data "$D" --batch 100 "$TMP"/a_0[135].json >"$TMP/r2" 2>"$TMP/e2" &
p2=$!
wait $p1
rc1=$?
wait $p2
rc2=$?
rm -f "$TMP/.busy"
wait $vpid
check_eq "both submitters exit 0" "$rc1 $rc2" "0 0"
check_eq "every act has a receipt" "$(cat "$TMP/r1" "$TMP/r2" | grep -c '"seq"')" $((FILES * PER))
grows=$(grep -c "map grown" "$D.pdld.log")
echo "# the map grew $grows times: $(grep "map grown" "$D.pdld.log" | tr '\n' ' ')"
check "the map filled up and grew at least 3 times (got $grows)" test "$grows" -ge 3
check "no batch was refused" not grep -q "refused" "$D.pdld.log"
check_eq "verify, run $(wc -l <"$TMP/concurrent_verify") times during the load, always passed" \
	"$(sort -u "$TMP/concurrent_verify" | tr '\n' ' ')" "0:true "
"$PDL" export --data "$D" >"$TMP/export"
pychecks $PY "$E2E/ledgercheck.py" receipts --export "$TMP/export" --label "map full" --dup false \
	--seqs 1:$((FILES * PER + 1)) "$TMP/r1" "$TMP/r2"
check "pdld stops cleanly" stop_pdld
check_eq "pdl verify passes on the grown ledger" "$(log_size "$D")" $((FILES * PER + 1))

# restart with the same tiny map: LMDB rounds it up to the data, the next
# batches (more than the free pages can hold) fill it and the map grows again
start_pdld "$D" --map-size 65536 || { not_ok "pdld restarts with --map-size 65536"; finish; }
$GEN acts "$TMP/b_" 1 2000 $((FILES * PER + 1))
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/b_00.json" >"$TMP/r3" 2>&1
check_eq "after a restart on the tiny map: 2000 more receipts" "$(grep -c '"seq"' "$TMP/r3")" 2000
check "  (the map grew again)" test "$(grep -c "map grown" "$D.pdld.log")" -gt "$grows"
check "pdld stops cleanly" stop_pdld
check_eq "pdl verify passes at the end" "$(log_size "$D")" $((FILES * PER + 2001))

finish
