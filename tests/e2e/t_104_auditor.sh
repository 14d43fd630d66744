#!/usr/bin/env bash
# t_104_auditor — what an auditor needs (issue 15, "Auditors"):
#   - `pdl verify --vkey KEY` pins the verifier key got out of band: the
#     real ledger passes and the summary prints the key id used; a wholly
#     forged directory (own genesis, own keys, consistent in itself) passes
#     plain verify but fails against the real key (PDL_EBADSIG, bad_seq 0);
#   - the summary says what was checked and what was not (the state);
#   - `pdl checkpoint --size N` returns any stored checkpoint (--data and
#     --ledger agree byte for byte), a size without one is PDL_ENOTFOUND
#     naming the nearest sizes, --list lists them; the old note and a
#     consistency proof from it check with outside_verify.py;
#   - `pdl proof inclusion SEQ` defaults to the latest checkpoint's size,
#     not the log's (pdld here signs rarely, so the log runs ahead);
#   - the chain hash prints as the same hex everywhere: receipts, get,
#     verify's summary, evidence proofs (and equals sha256 of the raw entry);
#   - progress: --progress=0 lines with rate on stderr and a "done" line,
#     stdout unchanged; --quiet and a non-terminal stderr print nothing; a
#     terminal (script(1)'s pty) gets the live line, erased at the end;
#     export, backup and pdl-project --rebuild alike.
. "$(dirname "$0")/lib.sh"

PDLPROJ=${PDLPROJ:-$(dirname "$PDL")/pdl-project}
D=$TMP/real
F=$TMP/forged
init_ledger "$D" || { not_ok "pdl init (the real ledger)"; finish; }
REAL_VK=$VKEY
REAL_AUTH=$AUTH_KEY
init_ledger "$F" || { not_ok "pdl init (the forgery)"; finish; }
FORGED_VK=$VKEY
check_ne "the forgery has the same origin but its own key" "$FORGED_VK" "$REAL_VK"
check_eq "... same origin" "${FORGED_VK%%+*}" "${REAL_VK%%+*}"

# ---- grow the real ledger: checkpoints at 1 and (after stop) the end; in
# between pdld signs nothing (--checkpoint-ms 1 h), so its log runs ahead
start_pdld "$D" --checkpoint-ms 3600000 || { not_ok "pdld starts"; finish; }
$GEN acts "$TMP/a_" 1 5 1
"$PDL" submit --key "$REAL_AUTH" --data "$D" "$TMP/a_00.json" >"$TMP/a.out" 2>&1
check_eq "5 acts receipted" "$(jl "$TMP/a.out" 'o.get("seq","x")' | tr '\n' ' ')" "1 2 3 4 5 "
ck=$("$PDL" checkpoint --ledger "ipc://$D/pdl.sock" | sed -n 2p)
head_size=$("$PDL" export --ledger "ipc://$D/pdl.sock" --quiet | wc -l)
check_eq "the log (6) is ahead of the latest checkpoint (1)" "$head_size $ck" "6 1"
"$PDL" proof inclusion 0 --ledger "ipc://$D/pdl.sock" >"$TMP/p0.json"
check_eq "proof inclusion SEQ defaults to the latest checkpoint's size, not the log's" \
	"$(jl "$TMP/p0.json" 'o["size"]')" "$ck"
"$PDL" checkpoint --ledger "ipc://$D/pdl.sock" >"$TMP/ck_latest"
"$PDL" get 0 --raw --ledger "ipc://$D/pdl.sock" >"$TMP/e0.raw"
check "... and that proof checks against that checkpoint (outside_verify.py)" \
	$OV inclusion "$REAL_VK" "$TMP/ck_latest" "$TMP/e0.raw" "$TMP/p0.json"
"$PDL" proof consistency 1 --ledger "ipc://$D/pdl.sock" >"$TMP/c1.json"
check_eq "proof consistency OLD defaults NEW to the checkpoint's size" "$(jl "$TMP/c1.json" 'o["new"]')" "$ck"

# chain hashes: receipt, get, verify, evidence prove
echo "auditor evidence" >"$TMP/doc.txt"
"$PDL" evidence deposit "$TMP/doc.txt" --key "$REAL_AUTH" --actor authority --id ev-aud --subject s1 \
	--data "$D" >"$TMP/dep.out" 2>&1
dep_seq=$(jl "$TMP/dep.out" 'o.get("seq","")')
dep_hash=$(jl "$TMP/dep.out" 'o.get("hash","")')
stop_pdld || not_ok "pdld stops"
"$PDL" get "$dep_seq" --raw --data "$D" >"$TMP/dep.raw"
want=$($GEN sha256 "$TMP/dep.raw")
check_eq "receipt hash is the hex sha256 of the entry" "$dep_hash" "$want"
check_eq "pdl get's hash is the same hex" "$("$PDL" get "$dep_seq" --data "$D" | jl - 'o["hash"]')" "$want"
"$PDL" evidence prove "$TMP/doc.txt" --data "$D" >"$TMP/proof.json" 2>"$TMP/proof.err"
check_eq "evidence prove's hash is the same hex" "$(jl "$TMP/proof.json" 'o.get("hash")')" "$want"
last=$("$PDL" get "$((head_size))" --raw --data "$D" | $GEN sha256 /dev/stdin)
"$PDL" verify --data "$D" --vkey "$REAL_VK" --quiet >"$TMP/v.json" 2>"$TMP/v.err"
check_eq "verify's chain is the hex chain hash of the last entry" "$(jl "$TMP/v.json" 'o["chain"]')" "$last"

# ---- --vkey
check_eq "verify --vkey REAL on the real ledger: ok, key pinned, key id of REAL printed" \
	"$(jl "$TMP/v.json" '[o["ok"], o["key_pinned"], o["key_id"], o["key"]]')" \
	"[true, true, \"$(echo "$REAL_VK" | cut -d+ -f2)\", \"$REAL_VK\"]"
"$PDL" verify --data "$F" --quiet >"$TMP/f.json" 2>&1
check_eq "the forgery passes plain verify against its own genesis (key not pinned, its own id)" \
	"$(jl "$TMP/f.json" '[o["ok"], o["key_pinned"], o["key_id"]]')" \
	"[true, false, \"$(echo "$FORGED_VK" | cut -d+ -f2)\"]"
"$PDL" verify --data "$F" --vkey "$REAL_VK" --quiet >"$TMP/fv.json" 2>"$TMP/fv.err"
check_eq "the forgery fails against the real key: exit 1, PDL_EBADSIG at seq 0" \
	"$?:$(jl "$TMP/fv.json" '[o["ok"], o["error"], o["bad_seq"]]')" "1:[false, \"PDL_EBADSIG\", 0]"
check "... naming both keys" grep -q "genesis names the ledger key $FORGED_VK, not the --vkey given ($REAL_VK)" "$TMP/fv.err"
"$PDL" verify --data "$D" --vkey "not-a-key" --quiet >/dev/null 2>&1
check_eq "a malformed --vkey fails too" "$?" 1
check_eq "the summary says what it checked and what not (state: --replay)" \
	"$(jl "$TMP/v.json" '" ".join(o["checked"]) + " | " + " ".join(o["not_checked"])')" \
	"entries chain merkle signatures checkpoints | state: the rules' state tables (pdl verify --replay checks them)"
"$PDL" verify --data "$D" --replay --quiet >"$TMP/vr.json" 2>&1
check_eq "with --replay the rules and the state are checked, nothing left unchecked" \
	"$(jl "$TMP/vr.json" '" ".join(o["checked"][-2:]) + " " + str(o["not_checked"]) + " " + str(o["replayed"])')" \
	"rules state [] $((head_size + 1))"

# ---- checkpoint --size
"$PDL" checkpoint --list --data "$D" >"$TMP/list"
check_eq "checkpoint --list: the stored sizes" "$(jl "$TMP/list" 'o["size"]' | tr '\n' ' ')" "1 $((head_size + 1)) "
"$PDL" checkpoint --size 1 --data "$D" >"$TMP/ck_1"
check_eq "checkpoint --size 1 prints the size-1 note" "$(sed -n 2p "$TMP/ck_1")" 1
check "... validly signed (outside_verify.py)" $OV checkpoint "$REAL_VK" "$TMP/ck_1"
"$PDL" checkpoint --data "$D" >"$TMP/ck_n"
"$PDL" proof consistency 1 --data "$D" >"$TMP/cons.json"
check "a consistency proof from the old checkpoint to the latest checks" \
	$OV consistency "$REAL_VK" "$TMP/ck_1" "$TMP/ck_n" "$TMP/cons.json"
"$PDL" checkpoint --size 3 --data "$D" >"$TMP/ck3.out" 2>"$TMP/ck3.err"
check_eq "a size with no checkpoint: exit 1, PDL_ENOTFOUND" "$?:$(grep -c PDL_ENOTFOUND "$TMP/ck3.err")" "1:1"
check "... naming the nearest stored sizes" \
	grep -q "no checkpoint is stored at size 3; the stored sizes nearest it are 1 and $((head_size + 1))" "$TMP/ck3.err"
start_pdld "$D" || { not_ok "pdld restarts"; finish; }
"$PDL" checkpoint --size 1 --ledger "ipc://$D/pdl.sock" >"$TMP/ck_1l"
check "checkpoint --size 1 over --ledger is the same bytes" cmp "$TMP/ck_1" "$TMP/ck_1l"
"$PDL" checkpoint --size 4 --ledger "ipc://$D/pdl.sock" >/dev/null 2>"$TMP/ck4.err"
check "... and a missing size is PDL_ENOTFOUND there too" grep -q "no checkpoint is stored at size 4.*PDL_ENOTFOUND" "$TMP/ck4.err"

# ---- progress
VIEW=$TMP/view
"$PDLPROJ" disclosure --ledger "ipc://$D/pdl.sock" --data "$VIEW" --rebuild --once --progress=0 \
	>"$TMP/rb.out" 2>"$TMP/rb.err"
check "pdl-project --rebuild --progress=0: lines with rate, and the done line" \
	grep -Eq '^rebuild: [0-9]+ / [0-9]+ entries \([0-9]+%\), [0-9]+ entries/s' "$TMP/rb.err"
check "... rebuild: done" grep -Eq "^rebuild: done, $((head_size + 1)) entries in [0-9.]+ s" "$TMP/rb.err"
stop_pdld
"$PDL" verify --data "$D" --progress=0 >"$TMP/vp.json" 2>"$TMP/vp.err"
check_eq "verify --progress=0: stdout is still the one JSON line" "$(wc -l <"$TMP/vp.json"):$(jl "$TMP/vp.json" 'o["ok"]')" "1:true"
check "... stderr: lines 'verify: N / TOTAL entries (P%), R entries/s'" \
	grep -Eq "^verify: [0-9]+ / $((head_size + 1)) entries \([0-9]+%\), [0-9]+ entries/s" "$TMP/vp.err"
check "... and 'verify: done, N entries in T s, R entries/s'" \
	grep -Eq "^verify: done, $((head_size + 1)) entries in [0-9]+\.[0-9]{3} s, [0-9]+ entries/s$" "$TMP/vp.err"
check "... no carriage return in lines meant for logs" not grep -q $'\r' "$TMP/vp.err"
"$PDL" verify --data "$D" --replay --progress >/dev/null 2>"$TMP/vrp.err"
check "verify --replay --progress: a done line for each stage" grep -Eq '^replay: done' "$TMP/vrp.err"
"$PDL" verify --data "$D" --quiet >/dev/null 2>"$TMP/vq.err"
check_eq "--quiet: nothing on stderr" "$(wc -c <"$TMP/vq.err")" 0
"$PDL" verify --data "$D" >/dev/null 2>"$TMP/vn.err"
check_eq "stderr not a terminal, no --progress: nothing on stderr" "$(wc -c <"$TMP/vn.err")" 0
"$PDL" verify --data "$D" --quiet --progress >/dev/null 2>&1
check_eq "--quiet with --progress is a usage error (exit 2)" "$?" 2
if command -v script >/dev/null 2>&1; then
	script -qfec "'$PDL' verify --data '$D' >/dev/null" /dev/null >"$TMP/tty.out" 2>&1
	check "on a terminal: the live line (carriage return, 'verify: … entries')" \
		grep -q $'\rverify: [0-9]* / [0-9]* entries' "$TMP/tty.out"
	check "... erased at the end (CR, spaces, CR)" grep -q $'\r  *\r' "$TMP/tty.out"
	script -qfec "'$PDL' verify --data '$D' --quiet >/dev/null" /dev/null >"$TMP/ttyq.out" 2>&1
	check_eq "on a terminal with --quiet: nothing" "$(wc -c <"$TMP/ttyq.out")" 0
else
	not_ok "script(1) (bsdutils) is installed for the terminal check"
fi
"$PDL" export --data "$D" --progress=0 >"$TMP/exp.out" 2>"$TMP/exp.err"
check_eq "export --progress=0: the same entries on stdout" "$(wc -l <"$TMP/exp.out")" "$((head_size + 1))"
check "... and its lines on stderr" grep -Eq "^export: done, $((head_size + 1)) entries" "$TMP/exp.err"
"$PDL" backup --data "$D" "$TMP/bk" --progress=0 >"$TMP/bk.out" 2>"$TMP/bk.err"
check "backup --progress=0: bytes with rate, then done" grep -Eq '^backup: done, [0-9]+ bytes in' "$TMP/bk.err"
check_eq "... the backup itself verifies" "$("$PDL" verify --data "$TMP/bk" --quiet | jl - 'o["ok"]')" true
finish
