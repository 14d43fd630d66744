#!/usr/bin/env bash
# t_30_concurrent — 10,000 acts from 4 concurrent submitters: every act gets
# exactly one seq, every receipt matches the log, the log verifies, and the
# final checkpoint covers it all and is consistent with the earlier ones.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
NPROC=4
FILES_PER=2
PER_FILE=1250
TOTAL=$((NPROC * FILES_PER * PER_FILE))
init_ledger "$D" || { not_ok "pdl init"; finish; }
"$PDL" checkpoint --data "$D" >"$TMP/ck_first"
start_pdld "$D" --checkpoint-ms 100 || { not_ok "pdld starts"; finish; }

$GEN acts "$TMP/acts_" $((NPROC * FILES_PER)) "$PER_FILE" 1
check_eq "$TOTAL acts written in $((NPROC * FILES_PER)) files" \
	"$(cat "$TMP"/acts_*.json | grep -o '"party.register"' | wc -l)" "$TOTAL"

pids=""
touch "$TMP/.submitting"
t0=$(date +%s%N)
for p in $(seq 0 $((NPROC - 1))); do
	files=""
	for f in $(seq 0 $((FILES_PER - 1))); do
		files="$files $TMP/acts_$(printf %02d $((p * FILES_PER + f))).json"
	done
	"$PDL" submit --key "$AUTH_KEY" --data "$D" $files >"$TMP/rec_$p" 2>"$TMP/err_$p" &
	pids="$pids $!"
done
# `pdl verify` reads one snapshot and is safe while pdld writes: run it
# over and over while the submitters go.
(
	while :; do
		"$PDL" verify --data "$D" --quiet >"$TMP/cv.json" 2>&1
		echo "$?:$(jl "$TMP/cv.json" 'str(o.get("ok"))+" "+str(o.get("size"))')"
		[ -e "$TMP/.submitting" ] || break
	done
) >"$TMP/concurrent_verify" &
vpid=$!
rcs=""
for pid in $pids; do
	wait "$pid"
	rcs="$rcs $?"
done
rm -f "$TMP/.submitting"
wait "$vpid"
echo "# $TOTAL acts from $NPROC submitters in $((($(date +%s%N) - t0) / 1000000)) ms"
check_eq "all $NPROC submitters exit 0" "$rcs" "$(printf ' 0%.0s' $(seq $NPROC))"
check_eq "they print $TOTAL receipt lines" "$(cat "$TMP"/rec_* | wc -l)" "$TOTAL"
nv=$(wc -l <"$TMP/concurrent_verify")
check_eq "pdl verify, run $nv times while they submitted, passed every time" \
	"$(grep -vc '^0:True [0-9]*$' "$TMP/concurrent_verify")" 0
echo "# sizes seen by the concurrent verifies: $(cut -d' ' -f2 "$TMP/concurrent_verify" | tr '\n' ' ')"

"$PDL" export --data "$D" >"$TMP/export"
pychecks $PY "$E2E/ledgercheck.py" receipts --export "$TMP/export" --label "concurrent" \
	--count "$TOTAL" --seqs "1:$((TOTAL + 1))" --dup false "$TMP"/rec_*

"$PDL" verify --data "$D" --quiet >"$TMP/verify.json"
check_eq "pdl verify passes with size $((TOTAL + 1))" \
	"$?:$(jl "$TMP/verify.json" 'str(o.get("ok"))+" "+str(o.get("size"))')" "0:True $((TOTAL + 1))"
check_eq "export has $((TOTAL + 1)) lines" "$(wc -l <"$TMP/export")" $((TOTAL + 1))

check "pdld stops on SIGTERM within 5 s" stop_pdld
"$PDL" checkpoint --data "$D" >"$TMP/ck_final"
check_eq "the final checkpoint covers the whole log" "$(sed -n 2p "$TMP/ck_final")" $((TOTAL + 1))
check "final checkpoint verifies with outside_verify.py" $OV checkpoint "$VKEY" "$TMP/ck_final"
check_eq "final checkpoint root = verify's root" "$(sed -n 3p "$TMP/ck_final")" "$(jl "$TMP/verify.json" 'o["root"]')"

# consistency from the first checkpoint and from every stored one to the final
check "consistency 1 -> $((TOTAL + 1)) verifies with outside_verify.py" \
	eval '"$PDL" proof consistency 1 $((TOTAL + 1)) --data "$D" >"$TMP/pc_first" &&
	      $OV consistency "$VKEY" "$TMP/ck_first" "$TMP/ck_final" "$TMP/pc_first"'
mkdir -p "$TMP/cks"
sizes=$($PY "$E2E/ledgercheck.py" ckpts "$D" "$TMP/cks")
echo "# stored checkpoint sizes: $sizes"
check_eq "the stored checkpoints end at the final size" "${sizes##* }" $((TOTAL + 1))
bad=""
n=0
for s in $sizes; do
	[ "$s" -lt $((TOTAL + 1)) ] || continue
	n=$((n + 1))
	"$PDL" proof consistency "$s" $((TOTAL + 1)) --data "$D" >"$TMP/pc_$s" &&
		$OV consistency "$VKEY" "$TMP/cks/ck_$s" "$TMP/ck_final" "$TMP/pc_$s" >/dev/null || bad="$bad $s"
done
check_eq "consistency from each of the $n earlier stored checkpoints to the final one verifies" "$bad" ""

# a few inclusion proofs against the final checkpoint
bad=""
for i in 1 777 5000 $TOTAL; do
	"$PDL" get "$i" --raw --data "$D" >"$TMP/e$i.raw"
	"$PDL" proof inclusion "$i" $((TOTAL + 1)) --data "$D" >"$TMP/pi_$i" &&
		$OV inclusion "$VKEY" "$TMP/ck_final" "$TMP/e$i.raw" "$TMP/pi_$i" >/dev/null || bad="$bad $i"
done
check_eq "inclusion of seqs 1, 777, 5000, $TOTAL in the final checkpoint verifies" "$bad" ""

finish
