#!/usr/bin/env bash
# t_50_crash — kill -9 pdld while 3 submitters are sending, 5 times. After
# each crash the ledger verifies and every act that got a receipt is in the
# log at its seq with its hash. Odd cycles stop the submitters that are left
# waiting before pdld restarts; even cycles restart pdld under them, so their
# requests are resent to the new pdld (and must come back idempotent).
# Finally every act file is resubmitted: acts already in get dup:true with
# their original receipt, the others are appended.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
CYCLES=5
SUBS=3
FILES=3
PER_FILE=1000
# an SM2 act costs ~0.3 ms to sign and again to verify (OpenSSL's generic
# curve code): the same crashes, over a tenth of the acts
[ "$SUITE" = ed25519-sha256 ] || PER_FILE=100
RANDOM=5150 # fixed seed: the same kill moments every run
init_ledger "$D" || { not_ok "pdl init"; finish; }
start_pdld "$D" --checkpoint-ms 200 || { not_ok "pdld starts"; finish; }

n=1
for c in $(seq 1 $CYCLES); do
	for s in $(seq 1 $SUBS); do
		$GEN acts "$TMP/c${c}s${s}_" "$FILES" "$PER_FILE" "$n"
		n=$((n + FILES * PER_FILE))
	done
done

prev=1
for c in $(seq 1 $CYCLES); do
	pids=""
	for s in $(seq 1 $SUBS); do
		"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/c${c}s${s}_"*.json >"$TMP/rec_c${c}_s$s" 2>"$TMP/err_c${c}_s$s" &
		pids="$pids $!"
	done
	ms=$((100 + RANDOM % 601))
	sleep "$(printf '0.%03d' "$ms")"
	kill9_pdld
	if [ $((c % 2)) -eq 1 ]; then
		# the submitters still waiting for the dead pdld are stopped
		stopped=$(wait_pids 1 $pids)
		"$PDL" verify --data "$D" --quiet >"$TMP/v.json" 2>&1
		check_eq "cycle $c: pdl verify passes right after kill -9 (at ${ms} ms)" "$?:$(jl "$TMP/v.json" 'o.get("ok")')" "0:true"
		start_pdld "$D" --checkpoint-ms 200 || { not_ok "cycle $c: pdld restarts"; finish; }
		how="submitters stopped: $stopped"
	else
		# pdld comes back under the waiting submitters; they finish (up to
		# 90 s: a sanitizer build on a slow 2-core VM took over 20 s for the
		# 9,000 acts of a cycle, still receipting when it was stopped)
		start_pdld "$D" --checkpoint-ms 200 || { not_ok "cycle $c: pdld restarts"; finish; }
		stopped=$(wait_pids 90 $pids)
		check_eq "cycle $c: the submitters finish on the restarted pdld (killed at ${ms} ms)" "$stopped" 0
		got=$(cat "$TMP/rec_c${c}_s"* | grep -c '"seq"')
		check_eq "cycle $c: so every act of the cycle has a receipt" "$got" $((SUBS * FILES * PER_FILE))
		if [ "$got" != $((SUBS * FILES * PER_FILE)) ]; then
			for s in $(seq 1 $SUBS); do # why a submitter ended early
				sed "s/^/#   submitter $s: /" "$TMP/err_c${c}_s$s" | tail -5
			done
		fi
		how="submitters resent to the restarted pdld"
	fi
	"$PDL" verify --data "$D" --quiet >"$TMP/v.json" 2>&1
	check_eq "cycle $c: pdl verify passes after the restart" "$?:$(jl "$TMP/v.json" 'o.get("ok")')" "0:true"
	"$PDL" export --data "$D" >"$TMP/export"
	got=$(cat "$TMP/rec_c${c}_s"* | grep -c '"seq"')
	size=$(wc -l <"$TMP/export")
	echo "# cycle $c: pdld killed after ${ms} ms; $got receipted acts; log size $prev -> $size" \
		"($((size - prev - got)) appended without a receipt); $how"
	prev=$size
	pychecks $PY "$E2E/ledgercheck.py" receipts --export "$TMP/export" --label "cycle $c" --dup any "$TMP/rec_c${c}_s"*
done

# ---- resubmit everything
"$PDL" export --data "$D" >"$TMP/export_before"
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP"/c*s*_*.json >"$TMP/rec_again" 2>"$TMP/err_again"
check_eq "resubmitting all $((CYCLES * SUBS * FILES)) act files exits 0" "$?" 0
"$PDL" export --data "$D" >"$TMP/export_after"
pychecks $PY "$E2E/ledgercheck.py" resubmit --before "$TMP/export_before" --after "$TMP/export_after" \
	--label "resubmit" "$TMP/rec_again"
check_eq "the log now holds all $((CYCLES * SUBS * FILES * PER_FILE)) acts and the genesis" \
	"$(wc -l <"$TMP/export_after")" $((CYCLES * SUBS * FILES * PER_FILE + 1))
"$PDL" verify --data "$D" --quiet >"$TMP/v.json" 2>&1
check_eq "pdl verify passes at the end" "$?:$(jl "$TMP/v.json" 'str(o.get("ok"))+" "+str(o.get("size"))')" \
	"0:True $((CYCLES * SUBS * FILES * PER_FILE + 1))"
check "pdld stops on SIGTERM within 5 s" stop_pdld
check_eq "its final checkpoint covers the whole log" "$("$PDL" checkpoint --data "$D" | sed -n 2p)" \
	$((CYCLES * SUBS * FILES * PER_FILE + 1))

finish
