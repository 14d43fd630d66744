#!/usr/bin/env bash
# crashloop.sh — kill -9 pdld at random moments under concurrent load, CYCLES
# times (default 5), from a seed (SEED, default 5555: the same moments and
# choices every run). `make soak` runs 50 cycles; t_55 runs 5.
#
#   PDL=… PDLD=… CYCLES=50 SEED=4242 bash tests/e2e/crashloop.sh
#
# Each cycle: SUBS submitters send fresh acts in small batches (5–60 acts a request) (and a
# reader runs `pdl get`/`pdl verify`) while pdld is killed with -9 after a
# random 30–600 ms. Then, in random order of two ways:
#   - "stop":    the submitters left waiting are stopped, pdl verify runs
#                on the dead ledger, pdld restarts;
#   - "resend":  pdld restarts under the waiting submitters, which resend
#                their requests to it (and get each act once: idempotent).
# After each cycle pdl verify passes and every act that got a receipt, in
# any cycle so far, is in the log at its seq with its hash. At the end all
# act files are submitted again: what is in comes back dup:true with its
# first receipt, the rest is appended, and the log holds every act once.
. "$(dirname "$0")/lib.sh"

CYCLES=${CYCLES:-5}
SEED=${SEED:-5555}
SUBS=3
FILES=5   # per submitter and cycle: enough load to span the kill window
PER=400   # acts per file
RANDOM=$SEED
D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
start_pdld "$D" --checkpoint-ms 200 || { not_ok "pdld starts"; finish; }
t_start=$(date +%s)

verify_ok() { # verify_ok LABEL: pdl verify passes on $D
	local rc got
	"$PDL" verify --data "$D" --quiet >"$TMP/v.json" 2>&1
	rc=$?
	got="$rc:$(jl "$TMP/v.json" 'o.get("ok")')"
	if [ "$got" = "0:true" ]; then
		ok "$1"
	else
		not_ok "$1 ($(head -c 300 "$TMP/v.json"))"
	fi
}

n=1
for c in $(seq 1 "$CYCLES"); do
	for s in $(seq 1 $SUBS); do
		$GEN acts "$TMP/c${c}s${s}_" "$FILES" "$PER" "$n"
		n=$((n + FILES * PER))
	done
	pids=""
	for s in $(seq 1 $SUBS); do
		batch=$((5 + RANDOM % 56))
		"$PDL" submit --key "$AUTH_KEY" --data "$D" --batch "$batch" "$TMP/c${c}s${s}_"*.json \
			>"$TMP/rec_c${c}_s$s" 2>"$TMP/err_c${c}_s$s" &
		pids="$pids $!"
	done
	# a reader alongside: entries and a verify of the live ledger
	( "$PDL" get 0 --data "$D" && "$PDL" verify --data "$D" --quiet ) >/dev/null 2>&1 &
	reader=$!
	ms=$((30 + RANDOM % 571))
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill9_pdld
	wait "$reader" 2>/dev/null
	if [ $((RANDOM % 2)) -eq 0 ]; then
		how=stop
		stopped=$(wait_pids 1 $pids)
		verify_ok "cycle $c: pdl verify passes on the killed ledger (kill at ${ms} ms)"
		start_pdld "$D" --checkpoint-ms 200 || { not_ok "cycle $c: pdld restarts"; finish; }
	else
		how=resend
		start_pdld "$D" --checkpoint-ms 200 || { not_ok "cycle $c: pdld restarts"; finish; }
		stopped=$(wait_pids 60 $pids)
		check_eq "cycle $c: the submitters finish on the restarted pdld (kill at ${ms} ms)" "$stopped" 0
		# A submitter that had not yet dialled when pdld died is told so
		# and sends nothing; every other act gets its receipt.
		want=0
		for s in $(seq 1 $SUBS); do
			if grep -q "cannot reach pdld" "$TMP/err_c${c}_s$s"; then
				echo "# cycle $c: submitter $s started after the kill: $(head -1 "$TMP/err_c${c}_s$s")"
			else
				want=$((want + FILES * PER))
			fi
		done
		check_eq "cycle $c: so every act sent has a receipt" "$(cat "$TMP/rec_c${c}_s"* | grep -c '"seq"')" "$want"
		if [ "$(cat "$TMP/rec_c${c}_s"* | grep -c '"seq"')" != "$want" ]; then
			head -3 "$TMP/err_c${c}_s"* | sed 's/^/#   /'
		fi
	fi
	verify_ok "cycle $c: pdl verify passes after the restart"
	"$PDL" export --data "$D" >"$TMP/export"
	got=$(cat "$TMP/rec_c${c}_s"* | grep -c '"seq"')
	echo "# cycle $c ($how): killed at ${ms} ms; $got acts receipted this cycle; log size $(wc -l <"$TMP/export")"
	# every receipt so far, not just this cycle's: nothing acknowledged is ever lost later
	pychecks $PY "$E2E/ledgercheck.py" receipts --export "$TMP/export" --label "cycle $c" --dup any \
		"$TMP"/rec_c*_s*
done

# ---- resubmit everything
receipted=$(cat "$TMP"/rec_c*_s* | grep -c '"seq"')
"$PDL" export --data "$D" >"$TMP/export_before"
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP"/c*s*_*.json >"$TMP/rec_again" 2>"$TMP/err_again"
check_eq "resubmitting all $((CYCLES * SUBS * FILES)) act files exits 0" "$?" 0
"$PDL" export --data "$D" >"$TMP/export_after"
pychecks $PY "$E2E/ledgercheck.py" resubmit --before "$TMP/export_before" --after "$TMP/export_after" \
	--label "resubmit" "$TMP/rec_again"
total=$((CYCLES * SUBS * FILES * PER))
check_eq "the log holds every act once, and the genesis" "$(wc -l <"$TMP/export_after")" $((total + 1))
verify_ok "pdl verify passes at the end"
check "pdld stops on SIGTERM within 5 s" stop_pdld
verify_ok "pdl verify passes after the final stop"
echo "# crashloop: $CYCLES cycles (seed $SEED) in $(($(date +%s) - t_start)) s; $receipted acts receipted" \
	"before the resubmit, all found at their seq with their hash after every cycle;" \
	"final log $((total + 1)) entries, verified"

finish
