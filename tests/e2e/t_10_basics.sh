#!/usr/bin/env bash
# t_10_basics — init, verifier key, checkpoints, get --raw, inclusion and
# consistency proofs checked by the independent outside_verify.py, key file
# modes, idempotent resubmission, --help of every command.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
ok "pdl init creates a ledger"

# ---- init output and keys
check_eq "init names the authority 'authority'" "$(jl "$D.init.json" 'o["authority_id"]')" authority
check_eq "init's authority_key is DIR/authority.key" "$AUTH_KEY" "$D/authority.key"
check_eq "authority key file is mode 600" "$(stat -c %a "$AUTH_KEY")" 600
check_eq "ledger key file is mode 600" "$(stat -c %a "$D/ledger.key")" 600

# ---- verifier key
VK=$("$PDL" verifier-key --data "$D")
check_eq "verifier-key prints what init printed" "$VK" "$VKEY"
if [[ $VK =~ ^test\.example/pdl\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$ ]]; then
	ok "verifier key has the form origin+hex8+base64(33 bytes)"
else
	not_ok "verifier key has the form origin+hex8+base64(33 bytes) (got '$VK')"
fi
# key id and key bytes, recomputed here: SHA-256(name \n 0x01 pk)[:4], and pk
# is the ledger_key the genesis entry names
"$PDL" get 0 --data "$D" >"$TMP/e0.json"
got=$($PY - "$VK" "$(jl "$TMP/e0.json" 'o["act"]["body"]["ledger_key"]')" <<'EOF'
import base64, hashlib, sys
name, hexid, k = sys.argv[1].split("+", 2)
raw = base64.b64decode(k)
kid = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex()
print(raw[0] == 1, kid == hexid, base64.b64encode(raw[1:]).decode() == sys.argv[2])
EOF
)
check_eq "verifier key: 0x01 prefix, key id, key = genesis ledger_key" "$got" "True True True"

# ---- the first checkpoint (size 1)
"$PDL" checkpoint --data "$D" >"$TMP/ck_1"
check "checkpoint at size 1 verifies with outside_verify.py" $OV checkpoint "$VK" "$TMP/ck_1"
check_eq "checkpoint size line is 1" "$(sed -n 2p "$TMP/ck_1")" 1
"$PDL" get 0 --raw --data "$D" >"$TMP/e0.raw"
want_root=$($PY -c 'import hashlib,base64,sys; print(base64.b64encode(hashlib.sha256(b"\0"+open(sys.argv[1],"rb").read()).digest()).decode())' "$TMP/e0.raw")
check_eq "root of size 1 is the leaf hash of entry 0" "$(sed -n 3p "$TMP/ck_1")" "$want_root"
# C2SP tlog-checkpoint with no extension line (public witnesses refuse
# them): origin, size, root, then the blank line before the signatures
check_eq "checkpoint has no extension line: line 4 is the blank line" "$(sed -n 4p "$TMP/ck_1")" ""
check_eq "checkpoint's signature line comes fifth" "$(sed -n 5p "$TMP/ck_1" | cut -c1-3)" "$(printf '\342\200\224')"
check_eq "genesis hash is sha256 of entry 0's raw bytes" "$($GEN sha256 "$TMP/e0.raw")" "$(jl "$D.init.json" 'o["genesis_hash"]')"

# ---- grow the log in rounds, keeping a checkpoint at each size
start_pdld "$D" --checkpoint-ms 50 || { not_ok "pdld starts"; finish; }
ok "pdld starts"
SIZES="1"
size=1
next=1
: >"$TMP/receipts"
for add in 1 1 1 3 1 5 8 11; do
	$GEN acts "$TMP/r${size}_" 1 "$add" "$next"
	"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/r${size}_00.json" >"$TMP/r${size}.out" 2>"$TMP/r${size}.err"
	rc=$?
	seqs=$(jl "$TMP/r${size}.out" 'o.get("seq", o.get("error"))' | tr '\n' ' ')
	want=$(seq -s ' ' "$size" $((size + add - 1)))
	check_eq "submit of $add acts at size $size: exit 0, seqs $want" "$rc:$seqs" "0:$want "
	cat "$TMP/r${size}.out" >>"$TMP/receipts"
	next=$((next + add))
	size=$((size + add))
	if wait_ckpt "$D" "$size"; then
		"$PDL" checkpoint --data "$D" >"$TMP/ck_$size"
		SIZES="$SIZES $size"
	else
		not_ok "a checkpoint of size $size appears within 10 s (--checkpoint-ms 50)"
	fi
done
check_eq "checkpoints kept at sizes" "$SIZES" "1 2 3 4 7 8 13 21 32"
check_eq "every receipt is a first submission (dup false)" "$(jl "$TMP/receipts" 'o.get("dup")' | sort -u)" false

# receipts: hash = sha256(get --raw) and = `get` JSON hash
bad=""
while read -r s h; do
	"$PDL" get "$s" --raw --data "$D" >"$TMP/e$s.raw"
	[ "$($GEN sha256 "$TMP/e$s.raw")" = "$h" ] || bad="$bad $s"
	[ "$("$PDL" get "$s" --data "$D" | jl - 'o["hash"]')" = "$h" ] || bad="$bad $s(json)"
done < <(jl "$TMP/receipts" 'str(o["seq"])+" "+o["hash"]')
check_eq "receipt hash = sha256(get --raw) = get's hash, for all 31 entries" "$bad" ""
check_eq "time_ms of receipts never decreases" \
	"$(jl "$TMP/receipts" 'o["time_ms"]' | sort -n -c 2>&1 && echo sorted)" sorted

# ---- every checkpoint verifies; inclusion proofs for several (index, size)
for n in $SIZES; do
	check "checkpoint at size $n verifies with outside_verify.py" $OV checkpoint "$VK" "$TMP/ck_$n"
	for i in $(printf '%s\n' 0 $((n / 2)) $((n - 1)) $((n / 3)) | sort -nu); do
		"$PDL" proof inclusion "$i" "$n" --data "$D" >"$TMP/pi_${i}_$n"
		check_eq "proof inclusion $i $n: leaf_hash = SHA-256(0x00 || get --raw $i)" \
			"$(jl "$TMP/pi_${i}_$n" 'o["leaf_hash"]')" \
			"$($PY -c 'import hashlib,base64,sys; print(base64.b64encode(hashlib.sha256(b"\0"+open(sys.argv[1],"rb").read()).digest()).decode())' "$TMP/e$i.raw")"
		check "inclusion of $i in size $n verifies with outside_verify.py against checkpoint $n" \
			$OV inclusion "$VK" "$TMP/ck_$n" "$TMP/e$i.raw" "$TMP/pi_${i}_$n"
	done
done
# the same proof from pdld (--ledger) as from the data directory
"$PDL" proof inclusion 7 21 --ledger "ipc://$D/pdl.sock" >"$TMP/pi_ledger" 2>&1
check_eq "proof inclusion from pdld equals the one read from DIR" "$(cat "$TMP/pi_ledger")" "$(cat "$TMP/pi_7_21")"
"$PDL" proof consistency 7 21 --ledger "ipc://$D/pdl.sock" >"$TMP/pc_ledger" 2>&1
"$PDL" proof consistency 7 21 --data "$D" >"$TMP/pc_data"
check_eq "proof consistency from pdld equals the one read from DIR" "$(cat "$TMP/pc_ledger")" "$(cat "$TMP/pc_data")"

# ---- consistency proofs between every pair of stored checkpoints
set -- $SIZES
for m in "$@"; do
	for n in "$@"; do
		[ "$m" -le "$n" ] || continue
		"$PDL" proof consistency "$m" "$n" --data "$D" >"$TMP/pc_${m}_$n"
		check "consistency $m -> $n verifies with outside_verify.py" \
			$OV consistency "$VK" "$TMP/ck_$m" "$TMP/ck_$n" "$TMP/pc_${m}_$n"
	done
done

# ---- out-of-range reads are refused (log size 32)
for args in "get 32" "proof inclusion 32 32" "proof inclusion 0 33" "proof consistency 0 32" \
	"proof consistency 5 33" "proof consistency 8 7"; do
	"$PDL" $args --data "$D" >"$TMP/oor.out" 2>"$TMP/oor.err"
	check_eq "pdl $args (log size 32) exits 1 and prints nothing on stdout" "$?:$(wc -c <"$TMP/oor.out")" "1:0"
done

# ---- export: --from/--count, and the same bytes as get --raw
"$PDL" export --data "$D" --from 5 --count 3 >"$TMP/exp"
check_eq "export --from 5 --count 3 gives seqs 5 6 7" "$(jl "$TMP/exp" 'o["seq"]' | tr '\n' ' ')" "5 6 7 "
check_eq "export's entries are the get --raw bytes" \
	"$(jl "$TMP/exp" 'hashlib.sha256(base64.b64decode(o["entry"])).hexdigest()' | tr '\n' ' ')" \
	"$(for i in 5 6 7; do $GEN sha256 "$TMP/e$i.raw"; done | tr '\n' ' ')"
check_eq "export of the whole log has 32 lines" "$(export_count "$D")" 32

# ---- outside_verify.py refuses what it must (so the checks above can fail)
$PY - "$TMP/pi_6_13" "$TMP/pi_bad" <<'EOF'
import base64, json, sys
p = json.load(open(sys.argv[1]))
h = bytearray(base64.b64decode(p["proof"][1])); h[0] ^= 1
p["proof"][1] = base64.b64encode(bytes(h)).decode()
json.dump(p, open(sys.argv[2], "w"))
EOF
check "outside_verify refuses an inclusion proof with one hash changed" \
	not $OV inclusion "$VK" "$TMP/ck_13" "$TMP/e6.raw" "$TMP/pi_bad"
check "outside_verify refuses the proof of 6 for the bytes of entry 7" \
	not $OV inclusion "$VK" "$TMP/ck_13" "$TMP/e7.raw" "$TMP/pi_6_13"
check "outside_verify refuses an inclusion proof against a checkpoint of another size" \
	not $OV inclusion "$VK" "$TMP/ck_21" "$TMP/e6.raw" "$TMP/pi_6_13"
sed '2s/.*/14/' "$TMP/ck_13" >"$TMP/ck_forged"
check "outside_verify refuses a checkpoint whose size line was changed" \
	not $OV checkpoint "$VK" "$TMP/ck_forged"
"$PDL" keygen --out "$TMP/other.key" >"$TMP/other.json"
OTHER_VK=$($PY - "$(jl "$TMP/other.json" 'o["public_key"]')" <<'EOF'
import base64, hashlib, sys
raw = b"\x01" + base64.b64decode(sys.argv[1])
kid = hashlib.sha256(b"test.example/pdl\n" + raw).digest()[:4].hex()
print("test.example/pdl+%s+%s" % (kid, base64.b64encode(raw).decode()))
EOF
)
check "outside_verify refuses a checkpoint under another key of the same name" \
	not $OV checkpoint "$OTHER_VK" "$TMP/ck_13"
check "outside_verify refuses consistency with old and new swapped" \
	not $OV consistency "$VK" "$TMP/ck_13" "$TMP/ck_7" "$TMP/pc_7_13"
check "outside_verify refuses a consistency proof for other checkpoints" \
	not $OV consistency "$VK" "$TMP/ck_8" "$TMP/ck_13" "$TMP/pc_7_13"

# ---- one writer: a second pdld on the same directory is refused
"$PDLD" --data "$D" >"$TMP/pdld2.out" 2>&1 &
p2=$!
PDLD_PIDS="$PDLD_PIDS $p2"
_wait_gone "$p2" 50
kill -0 "$p2" 2>/dev/null && { kill -9 "$p2"; rc2=running; } || { wait "$p2"; rc2=$?; }
check_ne "a second pdld on the same data directory exits with an error" "$rc2" 0
check_ne "  (and it was not left running)" "$rc2" running
$GEN acts "$TMP/w_" 1 1 200
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/w_00.json" >"$TMP/w.out" 2>&1
check_eq "the first pdld still serves (act accepted at seq 32)" "$?:$(jl "$TMP/w.out" 'o.get("seq")')" "0:32"

# ---- key file modes
size=$(log_size "$D")
$GEN acts "$TMP/mode_" 1 1 100
chmod 640 "$AUTH_KEY"
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/mode_00.json" >"$TMP/mode.out" 2>"$TMP/mode.err"
rc=$?
check_ne "submit with a group-readable key (640) exits non-zero" "$rc" 0
check "its message mentions the mode (640)" grep -q 'mode 640' "$TMP/mode.err"
check_eq "and it prints no receipt" "$(wc -c <"$TMP/mode.out")" 0
check_eq "and nothing is appended" "$(log_size "$D")" "$size"
chmod 604 "$AUTH_KEY"
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/mode_00.json" >"$TMP/mode.out" 2>"$TMP/mode.err"
check_ne "submit with a world-readable key (604) exits non-zero" "$?" 0
check "its message mentions the mode (604)" grep -q 'mode 604' "$TMP/mode.err"
chmod 600 "$AUTH_KEY"
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/mode_00.json" >"$TMP/mode.out" 2>"$TMP/mode.err"
check_eq "with mode 600 the same act is accepted at seq $size" "$?:$(jl "$TMP/mode.out" 'o.get("seq")')" "0:$size"

# ---- idempotent resubmission
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/r13_00.json" >"$TMP/again.out" 2>&1
check_eq "resubmitting an act file exits 0" "$?" 0
check_eq "resubmission gives the same seq and hash, with dup true" \
	"$(jl "$TMP/again.out" 'str(o.get("seq"))+" "+str(o.get("hash"))+" "+json.dumps(o.get("dup"))')" \
	"$(jl "$TMP/r13.out" 'str(o.get("seq"))+" "+str(o.get("hash"))+" true"')"
check_eq "resubmission appends nothing" "$(log_size "$D")" $((size + 1))

# ---- --help everywhere
cmds=$("$PDL" --help | awk '/^  [a-z]/ {print $1}')
for c in init keygen submit get checkpoint verifier-key proof verify export acts; do
	case " $(echo $cmds) " in *" $c "*) ;; *) not_ok "pdl --help lists $c" ;; esac
done
for c in $cmds; do
	out=$("$PDL" "$c" --help 2>&1)
	check_eq "pdl $c --help exits 0 and prints usage" "$?:$(echo "$out" | head -c 6)" "0:usage:"
done
out=$("$PDL" --help 2>&1)
check_eq "pdl --help exits 0" "$?:$(echo "$out" | head -c 6)" "0:usage:"
out=$("$PDLD" --help 2>&1)
check_eq "pdld --help exits 0" "$?:$(echo "$out" | head -c 6)" "0:usage:"

# ---- shutdown checkpoint covers the whole log
check "pdld stops on SIGTERM within 5 s" stop_pdld
check "pdld removed its pid file" test ! -e "$D/pdld.pid"
final=$(log_size "$D")
check_eq "pdl verify passes with size 34" "$final" 34
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/w_00.json" >"$TMP/w.out" 2>"$TMP/w.err"
check_eq "submit with no pdld running exits 1 at once, printing nothing" "$?:$(wc -c <"$TMP/w.out")" "1:0"
check "  and says it cannot reach pdld" grep -q 'cannot reach pdld' "$TMP/w.err"
"$PDL" checkpoint --data "$D" >"$TMP/ck_final"
check_eq "the shutdown checkpoint covers the whole log" "$(sed -n 2p "$TMP/ck_final")" "$final"
check "final checkpoint verifies with outside_verify.py" $OV checkpoint "$VK" "$TMP/ck_final"
"$PDL" proof consistency 32 "$final" --data "$D" >"$TMP/pc_final"
check "consistency 32 -> $final verifies with outside_verify.py" $OV consistency "$VK" "$TMP/ck_32" "$TMP/ck_final" "$TMP/pc_final"

# an abort() says where it came from: pdld writes its stack to its log and
# still dies of SIGABRT
start_pdld "$D" || not_ok "pdld starts again"
kill -ABRT "$PDLD_PID"
wait "$PDLD_PID" 2>/dev/null
check_eq "pdld killed with SIGABRT still dies of it (status 134)" "$?" 134
check "  after writing 'pdld: aborted (SIGABRT)' and its stack to its log" \
	sh -c 'grep -q "^pdld: aborted (SIGABRT); its stack" "$1" && grep -q "pdld(+0x[0-9a-f]*)" "$1"' - "$D.pdld.log"
check_eq "the ledger is whole after it: size $final" "$(log_size "$D")" "$final"

finish
