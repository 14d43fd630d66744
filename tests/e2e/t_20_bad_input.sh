#!/usr/bin/env bash
# t_20_bad_input — every class of bad input gets its exact error code,
# nothing is appended, and pdld goes on serving valid acts.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
IN=$TMP/in
mkdir -p "$IN"
init_ledger "$D" || { not_ok "pdl init"; finish; }
start_pdld "$D" || { not_ok "pdld starts"; finish; }

for k in other auth2 prov1 prov1b prov1c; do
	keygen --out "$TMP/$k.key" >"$TMP/$k.json" || not_ok "keygen $k"
done
pub() { jl "$TMP/$1.json" 'o["public_key"]'; }

# All inputs, written by one Python run. Acts by the authority use nonces
# 1..99 here; the liveness acts use 1000 and up.
$PY - "$IN" "$E2E" "$(pub auth2)" "$(pub prov1)" "$(pub prov1b)" "$(pub prov1c)" <<'EOF'
import json, os, random, sys
out, e2e, pk_auth2, pk_prov1, pk_prov1b, pk_prov1c = sys.argv[1:7]
sys.path.insert(0, e2e)
from pdlgen import register_act, mp_pack, uscc, bad_uscc

def wj(name, obj):
    with open(os.path.join(out, name), "w") as f:
        json.dump(obj, f)

def wb(name, b):
    with open(os.path.join(out, name), "wb") as f:
        f.write(b)

def with_v(act, v=1):
    return dict([("v", v)] + list(act.items()))

# malformed msgpack: seeded random bytes (first byte not a map or array
# header, so the reader meets garbage, not a plausible act)
rnd = random.Random(20)
k = 0
while k < 3:
    b = bytes(rnd.randrange(256) for _ in range(96))
    if 0x80 <= b[0] <= 0x9f or b[0] in (0xdc, 0xdd, 0xde, 0xdf):
        continue
    wb("random%d.mp" % k, b)
    k += 1
good = mp_pack(with_v(register_act(1, nonce=1)))
wb("trailing.mp", good + b"\xc1\x00\xff")
# truncated: the bytes of a valid act cut short
wb("full.mp", good)
os.makedirs(os.path.join(out, "cuts"))
for n in range(1, len(good)):
    wb("cuts/cut%04d.mp" % n, good[:n])
# oversized: a 70,000-character name
big = register_act(2, nonce=2)
big["body"]["name"] = "x" * 70000
wb("big.mp", mp_pack(with_v(big)))
wj("big.json", big)
# 49,153 bytes: one over the act limit that keeps every entry inside a
# tlog-tiles bundle (65,535 bytes); the old 64 KiB limit let it through
mid = register_act(2, nonce=2)
mid["body"]["name"] = ""
base = len(mp_pack(with_v(mid)))
mid["body"]["name"] = "y" * (49153 - base - 2)
assert len(mp_pack(with_v(mid))) == 49153, len(mp_pack(with_v(mid)))
wb("mid.mp", mp_pack(with_v(mid)))
# unknown fields
a = register_act(3, nonce=3); a["body"]["colour"] = "blue"; wj("unknown_body_field.json", a)
a = register_act(3, nonce=3); a["extra"] = 1; wj("unknown_act_field.json", a)
# missing fields
a = register_act(3, nonce=3); del a["body"]["uscc"]; wj("missing_uscc.json", a)
a = register_act(3, nonce=3); del a["nonce"]; wj("missing_nonce.json", a)
a = register_act(3, nonce=3); del a["body"]; wj("missing_body.json", a)
# wrong types
a = register_act(3, nonce=3); a["nonce"] = "3"; wj("type_nonce_str.json", a)
a = register_act(3, nonce=3); a["nonce"] = -3; wj("type_nonce_neg.json", a)
a = register_act(3, nonce=3); a["body"]["roles"] = "provider"; wj("type_roles_str.json", a)
a = register_act(3, nonce=3); a["body"]["name"] = 42; wj("type_name_int.json", a)
a = register_act(3, nonce=3); a["body"] = ["p3"]; wj("type_body_array.json", a)
# signature / actor
wj("auth_ok3.json", register_act(3, nonce=3))           # signed with the wrong key first
wj("ghost.json", register_act(4, actor="ghost", nonce=1))
# suspension: auth2 holds the authority role
wj("reg_auth2.json", register_act(10, nonce=10, pid="auth2", pk=pk_auth2, roles=["authority"]))
wj("suspend_auth2.json", {"type": "party.suspend", "actor": "authority", "nonce": 11,
                          "body": {"id": "auth2", "reason": "e2e test"}})
wj("by_auth2.json", register_act(12, actor="auth2", nonce=1))
wj("reinstate_auth2.json", {"type": "party.reinstate", "actor": "authority", "nonce": 13, "body": {"id": "auth2"}})
# role: a provider may not register parties
wj("reg_prov1.json", register_act(20, nonce=20, pid="prov1", pk=pk_prov1, roles=["provider"]))
wj("by_prov1.json", register_act(21, actor="prov1", nonce=1))
# key rotation
wj("rotate_prov1.json", {"type": "party.rotate_key", "actor": "prov1", "nonce": 2,
                         "body": {"id": "prov1", "public_key": pk_prov1b}})
wj("rotate_prov1_again.json", {"type": "party.rotate_key", "actor": "prov1", "nonce": 3,
                               "body": {"id": "prov1", "public_key": pk_prov1c}})
# nonce reuse: nonce 20 was used by reg_prov1
wj("nonce_reuse.json", register_act(22, nonce=20))
# unknown type, version
wj("type_unknown.json", {"type": "party.frobnicate", "actor": "authority", "nonce": 30, "body": {"id": "x"}})
a = with_v(register_act(31, nonce=31), 2); wj("version2.json", a)
wb("version2.mp", mp_pack(with_v(register_act(32, nonce=32), 2)))
# party rules
a = register_act(40, nonce=40); a["body"]["uscc"] = bad_uscc(40); wj("uscc_invalid.json", a)
a = register_act(41, nonce=41, pid="prov1"); wj("id_taken.json", a)
a = register_act(42, nonce=42); a["body"]["uscc"] = uscc(20); wj("uscc_taken.json", a)
EOF
[ -f "$IN/uscc_taken.json" ] || { not_ok "inputs written"; finish; }

LIVE=1000
# alive DESC SIZE: a fresh valid act is accepted at seq SIZE.
alive() {
	LIVE=$((LIVE + 1))
	$GEN acts "$TMP/live${LIVE}_" 1 1 "$LIVE"
	"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/live${LIVE}_00.json" >"$TMP/live.out" 2>&1
	check_eq "$1: pdld then accepts a valid act at seq $2" \
		"$?:$(jl "$TMP/live.out" 'str(o.get("seq"))+" "+json.dumps(o.get("dup"))')" "0:$2 false"
}

# refused DESC CODE RULE SUBMIT-ARGS...: the act is refused with CODE (and
# RULE, when not empty), exit 1, the log size is unchanged, pdld serves on.
refused() {
	local desc=$1 code=$2 rule=$3 before rc got
	shift 3
	before=$(log_size "$D")
	"$PDL" submit --data "$D" "$@" >"$TMP/ref.out" 2>"$TMP/ref.err"
	rc=$?
	got=$(jl "$TMP/ref.out" 'o.get("error", "accepted seq %s" % o.get("seq")) + ("[" + o["rule"] + "]" if "rule" in o else "")')
	check_eq "$desc: refused with $code${rule:+[$rule]}, exit 1" "$rc:$got" "1:$code${rule:+[$rule]}"
	check_eq "$desc: log size unchanged" "$(log_size "$D")" "$before"
	alive "$desc" "$before"
}

# accepted DESC SUBMIT-ARGS...
accepted() {
	local desc=$1 before
	shift
	before=$(log_size "$D")
	"$PDL" submit --data "$D" "$@" >"$TMP/acc.out" 2>&1
	check_eq "$desc: accepted at seq $before" "$?:$(jl "$TMP/acc.out" 'o.get("seq", o.get("error"))')" "0:$before"
}

A="--key $AUTH_KEY"

# ---- malformed msgpack
for k in 0 1 2; do
	refused "random bytes #$k (--raw)" PDL_EFIELD "" $A --raw "$IN/random$k.mp"
done
refused "a valid act followed by garbage bytes (--raw)" PDL_EDECODE "" $A --raw "$IN/trailing.mp"

# ---- truncated acts
len=$(stat -c %s "$IN/full.mp")
for n in 3 17 $((len / 2)) $((len - 1)); do
	refused "act cut to $n of $len bytes (--raw)" PDL_EDECODE "" $A --raw "$IN/cuts/cut$(printf %04d "$n").mp"
done
before=$(log_size "$D")
"$PDL" submit --data "$D" $A --raw "$IN"/cuts/cut*.mp >"$TMP/cuts.out" 2>"$TMP/cuts.err"
check_eq "all $((len - 1)) truncations of a $len-byte act in one request: exit 1, one result each" \
	"$?:$(wc -l <"$TMP/cuts.out")" "1:$((len - 1))"
wrong=$(jl "$TMP/cuts.out" '"" if o.get("error") == "PDL_EDECODE" else "%s:%s" % (o["file"].split("/")[-1], o.get("error"))' | grep -v '^$' | tr '\n' ' ')
check_eq "every truncation of the act is refused as PDL_EDECODE (malformed msgpack)" "$wrong" ""
check_eq "the truncations appended nothing" "$(log_size "$D")" "$before"
alive "after the truncations" "$before"

# ---- oversized
refused "act of $(stat -c %s "$IN/big.mp") bytes (--raw)" PDL_ETOOBIG "" $A --raw "$IN/big.mp"
refused "act over 64 KiB from JSON (refused by the CLI)" PDL_ETOOBIG "" $A "$IN/big.json"
refused "act of 49,153 bytes, one over the tile-bundle limit (--raw)" PDL_ETOOBIG "" $A --raw "$IN/mid.mp"

# ---- fields
refused "unknown field in body" PDL_EFIELD "" $A "$IN/unknown_body_field.json"
check "its message names the field" grep -q colour "$TMP/ref.out"
refused "unknown top-level field" PDL_EFIELD "" $A "$IN/unknown_act_field.json"
refused "missing body.uscc" PDL_EFIELD "" $A "$IN/missing_uscc.json"
check "its message names the field" grep -q uscc "$TMP/ref.out"
refused "missing nonce" PDL_EFIELD "" $A "$IN/missing_nonce.json"
refused "missing body" PDL_EFIELD "" $A "$IN/missing_body.json"
refused "nonce as a string" PDL_EFIELD "" $A "$IN/type_nonce_str.json"
refused "negative nonce" PDL_EFIELD "" $A "$IN/type_nonce_neg.json"
refused "roles as a string" PDL_EFIELD "" $A "$IN/type_roles_str.json"
refused "name as an integer" PDL_EFIELD "" $A "$IN/type_name_int.json"
refused "body as an array" PDL_EFIELD "" $A "$IN/type_body_array.json"

# ---- signature and actor
refused "authority act signed with another key" PDL_EBADSIG "" --key "$TMP/other.key" "$IN/auth_ok3.json"
accepted "the same act signed with the authority key" $A "$IN/auth_ok3.json"
refused "unknown actor" PDL_EACTOR "" --key "$TMP/other.key" "$IN/ghost.json"
# DESIGN §4: a resubmission of the same *signed* act returns the original
# receipt; the same act bytes under a signature that does not verify are not
# that act, and must not be answered with its receipt.
refused "an accepted act replayed with another key's signature" PDL_EBADSIG "" --key "$TMP/other.key" "$IN/auth_ok3.json"

# ---- suspended actor
accepted "register auth2 (role authority)" $A "$IN/reg_auth2.json"
accepted "suspend auth2" $A "$IN/suspend_auth2.json"
refused "act by suspended auth2" PDL_ESUSPENDED "" --key "$TMP/auth2.key" "$IN/by_auth2.json"
accepted "reinstate auth2" $A "$IN/reinstate_auth2.json"
accepted "the refused act of auth2, once reinstated" --key "$TMP/auth2.key" "$IN/by_auth2.json"

# ---- role
accepted "register prov1 (role provider)" $A "$IN/reg_prov1.json"
refused "provider registering a party" PDL_EROLE "" --key "$TMP/prov1.key" "$IN/by_prov1.json"

# ---- rotated key
accepted "prov1 rotates its own key" --key "$TMP/prov1.key" "$IN/rotate_prov1.json"
refused "act signed with prov1's rotated-out key" PDL_EBADSIG "" --key "$TMP/prov1.key" "$IN/rotate_prov1_again.json"
accepted "the same act signed with prov1's new key" --key "$TMP/prov1b.key" "$IN/rotate_prov1_again.json"

# ---- nonce, genesis, type, version
refused "nonce reused by a different act" PDL_ENONCE "" $A "$IN/nonce_reuse.json"
"$PDL" get 0 --data "$D" | jl - 'json.dumps(dict(o["act"], nonce=50))' >"$IN/genesis2.json"
check_eq "a copy of the genesis act is ready" "$(jl "$IN/genesis2.json" 'o["type"]')" ledger.genesis
refused "a second ledger.genesis" PDL_EGENESIS "" $A "$IN/genesis2.json"
refused "unknown act type" PDL_ETYPE "" $A "$IN/type_unknown.json"
refused "act version 2 (JSON)" PDL_EVERSION "" $A "$IN/version2.json"
refused "act version 2 (--raw)" PDL_EVERSION "" $A --raw "$IN/version2.mp"

# ---- party rules
refused "USCC with a wrong check character" PDL_ERULE party.uscc_invalid $A "$IN/uscc_invalid.json"
refused "party id already registered" PDL_ERULE party.id_taken $A "$IN/id_taken.json"
refused "USCC already registered" PDL_ERULE party.uscc_taken $A "$IN/uscc_taken.json"

# ---- the whole ledger still verifies, and the refusals left no nonce behind
check "pdl verify passes after all the bad input" "$PDL" verify --data "$D" --quiet
check "pdld stops cleanly" stop_pdld
check_eq "pdld logged no crash" "$(grep -ci -E 'assert|abort|segv|sanitizer' "$D.pdld.log")" 0

finish
