#!/usr/bin/env bash
# t_51_crash_checkpoint — after kill -9 under load the newest signed
# checkpoint is behind the log (pdld signs one at most every
# --checkpoint-ms). A pdld started on that ledger signs one covering the
# log before it serves, so a pdld stopped at once — by kill -9 right after
# it started, or by SIGTERM — leaves the checkpoint at the size
# `pdl verify` reports.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
$GEN acts "$TMP/kill9_" 4 500 1
$GEN acts "$TMP/sigterm_" 4 500 2001
ckpt_size() { "$PDL" checkpoint --data "$D" | sed -n 2p; }

for round in kill9 sigterm; do
	# a long interval: under load the last checkpoint stays far behind
	start_pdld "$D" --checkpoint-ms 600000 || { not_ok "$round: pdld starts"; finish; }
	"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/${round}_"*.json >"$TMP/rec" 2>&1 &
	sub=$!
	for _ in $(seq 100); do
		[ "$(grep -c '"seq"' "$TMP/rec")" -ge 200 ] && break
		sleep 0.05
	done
	kill9_pdld
	wait_pids 2 $sub >/dev/null
	size=$(log_size "$D")
	check_ne "$round: after kill -9 under load the log verifies (size $size)" "$size" ""
	check "$round: and the newest checkpoint ($(ckpt_size)) is behind it" test "$(ckpt_size)" -lt "$size"
	start_pdld "$D" || { not_ok "$round: pdld restarts"; finish; }
	if [ $round = kill9 ]; then
		kill9_pdld
	else
		check "sigterm: pdld stops on SIGTERM at once" stop_pdld
	fi
	check_eq "$round: started and stopped at once, the checkpoint covers the log" "$(ckpt_size)" "$(log_size "$D")"
	check "$round: pdld said it signed one" grep -q "was behind the log: signed one of size $size" "$D.pdld.log"
	"$PDL" verify --data "$D" --quiet >"$TMP/v.json" 2>&1
	check_eq "$round: pdl verify passes, checkpoints included" "$?:$(jl "$TMP/v.json" 'o.get("ok")')" "0:true"
	: >"$D.pdld.log"
done

finish
