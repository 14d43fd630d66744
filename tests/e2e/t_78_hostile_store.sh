#!/usr/bin/env bash
# t_78_hostile_store — every reader of a data directory, and of a pdld's
# replies, meets hostile input with a clean error: never a crash (an exit
# status of 128 or more), never a sanitizer report (`make test SAN=1`).
#
# A small ledger is damaged one way at a time by tests/e2e/hostile.py (an
# oversized entry, a truncated one, garbage msgpack, Merkle nodes of the
# wrong size, a head claiming 2^64-1 entries, oversized and misfiled
# checkpoints, garbage state records), and each reader runs on each copy:
# get, export, proofs, checkpoint, verifier-key, ledger-id, verify (and
# --replay), backup, statement, settle --dry-run, evidence prove and report.
# Then a fake pdld that lies in every reply (an entry of 200,000 bytes, a
# note of 100,000, a proof of 1,000 hashes, hashes of 31 bytes) is asked
# through --ledger. The old `pdl export` wrote past its buffer on the
# oversized entry (issue 10, item 3: exit 139).
. "$(dirname "$0")/lib.sh"

HOST="$PY $E2E/hostile.py"
D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
start_pdld "$D" --checkpoint-ms 50 || { not_ok "pdld starts"; finish; }
$GEN acts "$TMP/a_" 1 4 1
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a_00.json" >"$TMP/r0" 2>&1
check_eq "4 acts go in" "$(grep -c '"seq"' "$TMP/r0")" 4
wait_ckpt "$D" 5 || not_ok "a checkpoint covers them"
check "pdld stops" stop_pdld
check_eq "the clean ledger verifies (5 entries)" "$(log_size "$D")" 5
printf 'evidence\n' >"$TMP/evidence.txt"

# run LABEL CMD...: the command must exit 0 or 1, and an exit of 1 must
# come with a pdl error line naming its code. Prints nothing on success.
crashes=0
run() {
	local label=$1 rc
	shift
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -ge 2 ]; then
		not_ok "$label: exit $rc ($(head -c 300 "$TMP/err" | tr '\n' ' '))"
		crashes=$((crashes + 1))
	elif [ "$rc" -eq 1 ] && ! grep -Eq '\((PDL_E[A-Z]+)\)|no disclosure view' "$TMP/err"; then
		not_ok "$label: exit 1 without a named error ($(head -c 300 "$TMP/err" | tr '\n' ' '))"
		crashes=$((crashes + 1))
	fi
	return "$rc"
}

readers() {
	local h=$1 c=$2
	run "$c: get 0" "$PDL" get 0 --data "$h"
	run "$c: get 1" "$PDL" get 1 --data "$h"
	run "$c: get 1 --raw" "$PDL" get 1 --raw --data "$h"
	run "$c: export" "$PDL" export --data "$h"
	run "$c: proof inclusion 1 3" "$PDL" proof inclusion 1 3 --data "$h"
	run "$c: proof inclusion 0 2^64-1" "$PDL" proof inclusion 0 18446744073709551615 --data "$h"
	run "$c: proof consistency 1 3" "$PDL" proof consistency 1 3 --data "$h"
	run "$c: proof consistency 3 2^64-1" "$PDL" proof consistency 3 18446744073709551615 --data "$h"
	run "$c: checkpoint" "$PDL" checkpoint --data "$h"
	run "$c: verifier-key" "$PDL" verifier-key --data "$h"
	run "$c: ledger-id" "$PDL" ledger-id --data "$h"
	run "$c: verify --replay" "$PDL" verify --replay --quiet --data "$h"
	run "$c: backup" "$PDL" backup --data "$h" "$TMP/backup-$c"
	run "$c: statement" "$PDL" statement --party authority --period 2026-10 --data "$h"
	run "$c: statement --csv" "$PDL" statement --party authority --period 2026-10 --csv --data "$h"
	run "$c: settle --dry-run" "$PDL" settle --product p --period 2026-10 --dry-run --data "$h"
	run "$c: evidence prove" "$PDL" evidence prove "$TMP/evidence.txt" --data "$h"
	run "$c: report (a ledger is no view)" "$PDL" report annual --year 2026 --view "$h"
}

for c in $($HOST cases); do
	H=$TMP/h-$c
	$HOST store "$D" "$H" "$c" || { not_ok "hostile.py builds $c"; continue; }
	before=$crashes
	readers "$H" "$c"
	"$PDL" verify --quiet --data "$H" >"$TMP/v" 2>"$TMP/ve"
	rc=$?
	check_eq "$c: pdl verify refuses the damage (exit 1, a named error)" \
		"$rc:$(jl "$TMP/v" 'o["ok"]')" "1:false"
	[ "$crashes" -eq "$before" ] && ok "$c: every reader exits 0 or 1 with a named error"
done

# what each damage must give, where the answer is not just "no crash"
H=$TMP/h-big-entry
"$PDL" export --data "$H" >"$TMP/out" 2>"$TMP/err"
check_eq "big-entry: export stops at the oversized entry (exit 1)" "$?" 1
check "  naming it and the limit" grep -q "entry 1 is 200000 bytes, over the 65535-byte limit of an entry (PDL_EDECODE)" "$TMP/err"
check_eq "  after writing entry 0 whole" "$(jl "$TMP/out" 'o["seq"]')" 0
"$PDL" get 1 --raw --data "$H" >"$TMP/out" 2>"$TMP/err"
check_eq "big-entry: get --raw refuses it too, writing nothing" "$?:$(wc -c <"$TMP/out")" "1:0"
"$PDL" export --data "$TMP/h-huge-head" >"$TMP/out" 2>"$TMP/err"
check_eq "huge-head: export ends at the first missing entry (exit 1, 5 lines, PDL_ENOTFOUND)" \
	"$?:$(wc -l <"$TMP/out"):$(grep -c 'no entry 5 (PDL_ENOTFOUND)' "$TMP/err")" "1:5:1"
"$PDL" proof inclusion 0 18446744073709551615 --data "$TMP/h-huge-head" >/dev/null 2>"$TMP/err"
check_eq "huge-head: a proof for the claimed size fails on the missing nodes (exit 1)" "$?" 1
"$PDL" proof inclusion 1 3 --data "$TMP/h-node-short" >/dev/null 2>"$TMP/err"
check_eq "node-short: a proof reading the 31-byte node fails (exit 1, PDL_ESTORE)" \
	"$?:$(grep -c PDL_ESTORE "$TMP/err")" "1:1"
"$PDL" checkpoint --data "$TMP/h-ckpt-big" >"$TMP/out" 2>"$TMP/err"
check_eq "ckpt-big: pdl checkpoint refuses a 1 MiB note (exit 1, PDL_ENOTE, nothing printed)" \
	"$?:$(grep -c PDL_ENOTE "$TMP/err"):$(wc -c <"$TMP/out")" "1:1:0"
"$PDL" evidence prove "$TMP/evidence.txt" --data "$TMP/h-ckpt-huge" >/dev/null 2>"$TMP/err"
check_eq "ckpt-huge: evidence prove refuses a checkpoint beyond the log (exit 1)" "$?" 1
"$PDL" evidence prove "$TMP/evidence.txt" --data "$TMP/h-state-garbage" >/dev/null 2>"$TMP/err"
check_eq "state-garbage: evidence prove finds no usable deposit (exit 1)" "$?" 1
"$PDL" statement --party authority --period 2026-10 --data "$TMP/h-state-garbage" >"$TMP/out" 2>"$TMP/err"
check_eq "state-garbage: statement skips the records it cannot use: no line, total 0" \
	"$?:$(jl "$TMP/out" '"%d %d" % (len(o["lines"]), o["total_fen"])')" "0:0 0"
"$PDL" ledger-id --data "$TMP/h-garbage-genesis" >/dev/null 2>"$TMP/err"
check_eq "garbage-genesis: ledger-id refuses (exit 1, PDL_EDECODE)" "$?:$(grep -c PDL_EDECODE "$TMP/err")" "1:1"

# a pdld that lies: every reply through --ledger is hostile
SOCK=$TMP/fake.sock
$HOST serve "$SOCK" >"$TMP/serve.out" 2>&1 &
n=50
while [ ! -S "$SOCK" ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
L=ipc://$SOCK
"$PDL" get 0 --ledger "$L" >/dev/null 2>"$TMP/err"
check_eq "fake pdld: it answers (get 0: an entry that does not decode, exit 1)" \
	"$?:$(grep -c 'does not decode (PDL_EDECODE)' "$TMP/err")" "1:1"
before=$crashes
run "fake: get 1" "$PDL" get 1 --ledger "$L"
run "fake: get 1 --raw" "$PDL" get 1 --raw --ledger "$L"
run "fake: get 2" "$PDL" get 2 --ledger "$L"
run "fake: export" "$PDL" export --ledger "$L"
run "fake: checkpoint" "$PDL" checkpoint --ledger "$L"
run "fake: proof inclusion" "$PDL" proof inclusion 0 3 --ledger "$L"
run "fake: proof consistency" "$PDL" proof consistency 1 3 --ledger "$L"
run "fake: ledger-id" "$PDL" ledger-id --ledger "$L"
[ "$crashes" -eq "$before" ] && ok "fake pdld: every reader exits 0 or 1 with a named error"
"$PDL" export --ledger "$L" >"$TMP/out" 2>"$TMP/err"
check_eq "fake pdld: export stops at the 200,000-byte entry (exit 1, after entry 0)" \
	"$?:$(wc -l <"$TMP/out"):$(grep -c 'entry 1 is 200000 bytes' "$TMP/err")" "1:1:1"
"$PDL" checkpoint --ledger "$L" >"$TMP/out" 2>"$TMP/err"
check_eq "fake pdld: a 100,000-byte note is refused (PDL_ENOTE), nothing printed" \
	"$?:$(grep -c PDL_ENOTE "$TMP/err"):$(wc -c <"$TMP/out")" "1:1:0"
"$PDL" proof inclusion 0 3 --ledger "$L" >/dev/null 2>"$TMP/err"
check_eq "fake pdld: a proof of 1,000 hashes is refused as malformed" "$?:$(grep -c 'malformed reply' "$TMP/err")" "1:1"

finish
