#!/usr/bin/env bash
# t_42_ledger_bound — an act signed for one ledger is refused by every other
# (issue 10, item 4). Three ledgers share the authority's id and key and the
# checkpoint key: B differs from A only in its genesis time, C in its origin
# (staging and production, two cities). An act taken from A's log — its
# exact act bytes and signature — is refused by B and C with PDL_EBADSIG,
# sent by `pdl submit --signed` and by a REQ client that is not pdl's; A
# takes it back as the original receipt. `pdl sign` signs for a ledger it
# cannot reach (--ledger-id); what it signs is good at that ledger only. The
# independent outside_verify.py finds each ledger's id from entry 0 itself,
# accepts every signature of both logs, and refuses A's act re-chained into
# B's log. On the old signing domain ("pdl/act/v1\n" ‖ act) B accepted A's act.
. "$(dirname "$0")/lib.sh"

HOST="$PY $E2E/hostile.py"
export E2E # the inline Python below imports pdlgen from there
K=$TMP/keys
mkdir -m 700 "$K"
"$PDL" keygen --out "$K/authority.key" >/dev/null && "$PDL" keygen --out "$K/ledger.key" >/dev/null ||
	{ not_ok "keygen"; finish; }
A=$TMP/a B=$TMP/b C=$TMP/c
init_ledger "$A" --authority-key "$K/authority.key" --ledger-key "$K/ledger.key" --time 2026-09-01T09:00:00+08:00 ||
	{ not_ok "init A"; finish; }
init_ledger "$B" --authority-key "$K/authority.key" --ledger-key "$K/ledger.key" --time 2026-09-01T09:00:01+08:00 ||
	{ not_ok "init B"; finish; }
"$PDL" init --data "$C" --origin test.example/other-city --jurisdiction 420100 --authority-key "$K/authority.key" \
	--ledger-key "$K/ledger.key" --time 2026-09-01T09:00:00+08:00 >"$C.init.json" 2>&1 || { not_ok "init C"; finish; }
check_eq "A and B share the verifier key (same origin, same ledger key)" "$(jl "$A.init.json" 'o["verifier_key"]')" \
	"$(jl "$B.init.json" 'o["verifier_key"]')"
start_pdld "$A" --checkpoint-ms 50 || { not_ok "pdld A starts"; finish; }
start_pdld "$B" --checkpoint-ms 50 || { not_ok "pdld B starts"; finish; }
start_pdld "$C" --checkpoint-ms 50 || { not_ok "pdld C starts"; finish; }

# ---- the ledger id
IA=$("$PDL" ledger-id --data "$A")
IB=$("$PDL" ledger-id --data "$B")
IC=$("$PDL" ledger-id --data "$C")
check "ledger-id prints 64 hex digits" expr "$IA" : '[0-9a-f]\{64\}$'
check_eq "it is the genesis entry's hash (pdl init's genesis_hash)" "$IA" "$(jl "$A.init.json" 'o["genesis_hash"]')"
check_eq "it is SHA-256 of entry 0's bytes" "$IA" "$("$PDL" get 0 --raw --data "$A" | sha256sum | cut -c1-64)"
check_eq "pdld's head reply gives the same (--ledger)" "$("$PDL" ledger-id --ledger "ipc://$A/pdl.sock")" "$IA"
check "the three ledgers have three ids" test "$IA" != "$IB" -a "$IA" != "$IC" -a "$IB" != "$IC"

# ---- an act from A's log, replayed at B and C
$GEN acts "$TMP/reg_" 1 1 1
"$PDL" submit --key "$K/authority.key" --data "$A" "$TMP/reg_00.json" >"$TMP/ra" 2>&1
check_eq "A accepts the authority's party.register (seq 1)" "$(jl "$TMP/ra" 'o.get("seq")')" 1
"$PDL" get 1 --raw --data "$A" >"$TMP/a1.bin"
$PY - "$TMP/a1.bin" >"$TMP/a1.signed" <<'EOF'
import base64, json, sys
sys.path.insert(0, __import__("os").environ["E2E"])
from pdlgen import entry_fields, mp_unpack
raw = open(sys.argv[1], "rb").read()
e = mp_unpack(raw)
print(json.dumps({"act": base64.b64encode(e[3]).decode(), "sig": base64.b64encode(e[4]).decode()}))
EOF
for L in B C; do
	D=${!L}
	"$PDL" submit --signed --data "$D" "$TMP/a1.signed" >"$TMP/r$L" 2>&1
	check_eq "$L refuses A's signed act: PDL_EBADSIG (exit 1)" "$?:$(jl "$TMP/r$L" 'o.get("error")')" "1:PDL_EBADSIG"
	check_eq "  and its log is still the genesis alone" "$("$PDL" export --data "$D" | wc -l)" 1
	$HOST submit "$D/pdl.sock" "$(jl "$TMP/a1.signed" 'o["act"]')" "$(jl "$TMP/a1.signed" 'o["sig"]')" >"$TMP/h$L" 2>&1
	check_eq "$L refuses it from a REQ client that is not pdl's too" "$(jl "$TMP/h$L" 'o.get("error")')" PDL_EBADSIG
done
"$PDL" submit --signed --data "$A" "$TMP/a1.signed" >"$TMP/ra2" 2>&1
check_eq "A takes the same bytes back as its original receipt (seq 1, dup)" \
	"$(jl "$TMP/ra2" '"%s %s" % (o.get("seq"), o.get("dup"))')" "1 True"

# ---- pdl sign: for a ledger named by its id
$GEN acts "$TMP/reg2_" 1 1 2
"$PDL" sign --key "$K/authority.key" --ledger-id "$IB" "$TMP/reg2_00.json" >"$TMP/s2" 2>&1
check_eq "pdl sign --ledger-id prints {act, sig, ledger_id, file, index}" \
	"$(jl "$TMP/s2" '",".join(o)')" "act,sig,ledger_id,file,index"
check_eq "  naming the ledger" "$(jl "$TMP/s2" 'o["ledger_id"]')" "$IB"
"$PDL" sign --key "$K/authority.key" --data "$B" "$TMP/reg2_00.json" >"$TMP/s2d" 2>&1
check "signing with --data B gives the same bytes (Ed25519 is deterministic)" cmp "$TMP/s2" "$TMP/s2d"
"$PDL" submit --signed --data "$B" "$TMP/s2" >"$TMP/rb2" 2>&1
check_eq "B accepts what was signed for it (seq 1)" "$(jl "$TMP/rb2" 'o.get("seq")')" 1
"$PDL" submit --signed --data "$A" "$TMP/s2" >"$TMP/ra3" 2>"$TMP/ea3"
check_eq "A refuses it before sending: signed for another ledger (PDL_EBADSIG)" \
	"$?:$(jl "$TMP/ra3" 'o.get("error")')" "1:PDL_EBADSIG"
check "  naming both ledgers" grep -q "signed for ledger $IB, not this ledger ($IA)" "$TMP/ra3"
jl "$TMP/s2" 'json.dumps({"act": o["act"], "sig": o["sig"]})' >"$TMP/s2bare"
"$PDL" submit --signed --data "$A" "$TMP/s2bare" >"$TMP/ra4" 2>&1
check_eq "without its ledger_id line A's pdld refuses it (PDL_EBADSIG)" "$(jl "$TMP/ra4" 'o.get("error")')" PDL_EBADSIG
"$PDL" submit --key "$K/authority.key" --data "$B" --ledger-id "$IA" "$TMP/reg2_00.json" >/dev/null 2>"$TMP/e5"
check_eq "submit --ledger-id refuses a ledger that is not that one, sending nothing" \
	"$?:$(grep -c "is $IB, not --ledger-id $IA; nothing sent" "$TMP/e5")" "1:1"
"$PDL" sign --key "$K/authority.key" --ledger-id "${IA^^}" "$TMP/reg2_00.json" >/dev/null 2>&1
check_eq "sign --ledger-id takes lowercase hex only (exit 2)" "$?" 2

# ---- the outside verifier, on its own
"$PDL" export --data "$A" >"$TMP/xa"
"$PDL" export --data "$B" >"$TMP/xb"
$OV acts "$TMP/xa" >"$TMP/ova" 2>&1
check_eq "outside_verify.py acts: A's signatures verify, under the id it computes" \
	"$(jl "$TMP/ova" '"%s %s %s" % (o["ok"], o.get("signatures"), o.get("ledger_id"))')" "True 2 $IA"
$OV acts "$TMP/xb" >"$TMP/ovb" 2>&1
check_eq "  and B's" "$(jl "$TMP/ovb" '"%s %s"% (o["ok"], o.get("ledger_id"))')" "True $IB"
# A's act, re-chained after B's genesis: the chain holds, the signature must not
$PY - "$TMP/xb" "$TMP/a1.bin" >"$TMP/xspliced" <<'EOF'
import base64, hashlib, json, sys
sys.path.insert(0, __import__("os").environ["E2E"])
from pdlgen import mp_pack, mp_unpack
g = base64.b64decode(json.loads(open(sys.argv[1]).readline())["entry"])
a = mp_unpack(open(sys.argv[2], "rb").read())
e1 = mp_pack([1, a[1], hashlib.sha256(g).digest(), a[3], a[4], {}])
for seq, e in ((0, g), (1, e1)):
    print(json.dumps({"seq": seq, "entry": base64.b64encode(e).decode()}))
EOF
$OV acts "$TMP/xspliced" >"$TMP/ovs" 2>&1
check_eq "outside_verify.py refuses A's act in B's chain (exit 1)" "$?" 1
check "  at seq 1, for its signature" grep -q "seq 1: act signature does not verify" "$TMP/ovs"

for d in "$A" "$B" "$C"; do
	check_eq "pdl verify passes on $(basename "$d")" "$("$PDL" verify --data "$d" --quiet | jl - 'o["ok"]')" true
done
finish
