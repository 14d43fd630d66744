#!/usr/bin/env bash
# t_90_sm2 — the sm2-sm3 crypto suite end to end, beside what the scripts
# run again under PDL_SUITE=sm2-sm3 check (run-all.sh): `pdl init --suite`
# and `pdl keygen --alg` (and their refusals); the genesis names the suite,
# the verifier key is of type 0xff; keys of the wrong algorithm are refused
# naming both, in act bodies, key files, pdld's ledger key and `pdl init`;
# evidence digests are SM3; proofs and checkpoints check with the outside
# verifier (SM2/SM3 from sm-crypto, not pdl's OpenSSL), which also refuses a
# changed signature; an Ed25519 cosignature is refused on an SM2 ledger.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
K=$TMP/keys
mkdir -p "$K"

# ---- init and keygen: the options and their refusals
"$PDL" init --data "$TMP/bad" --origin x.example/log --jurisdiction 420100 --suite rsa-md5 >/dev/null 2>"$TMP/err"
check_eq "pdl init --suite rsa-md5 is a usage error naming the suites" \
	"$?:$(grep -c 'ed25519-sha256, sm2-sm3' "$TMP/err")" "2:1"
check_eq "and makes nothing" "$(test -e "$TMP/bad/data.mdb" && echo made || echo none)" none
"$PDL" keygen --alg rsa --out "$K/x.key" >/dev/null 2>&1
check_eq "pdl keygen --alg rsa is a usage error" "$?" 2
"$PDL" keygen --alg sm2 --out "$K/p1.key" >"$K/p1.json"
check_eq "pdl keygen --alg sm2: alg, a 65-byte key (88 base64 characters)" \
	"$(jl "$K/p1.json" 'o["alg"]+" "+str(len(o["public_key"]))+" "+str(base64.b64decode(o["public_key"])[0])')" "sm2 88 4"
check_eq "the key file's first line names SM2" "$(head -1 "$K/p1.key")" "pdl-sm2-v1"
check_eq "pdl keygen --show gives the same key" "$("$PDL" keygen --show "$K/p1.key" | jl - 'o["public_key"]')" \
	"$(jl "$K/p1.json" 'o["public_key"]')"
"$PDL" keygen --out "$K/ed.key" >"$K/ed.json"
check_eq "pdl keygen defaults to Ed25519" "$(jl "$K/ed.json" 'o["alg"]') $(head -1 "$K/ed.key")" "ed25519 pdl-ed25519-v1"
"$PDL" init --data "$TMP/mixed" --origin x.example/log --jurisdiction 420100 --suite sm2-sm3 \
	--authority-key "$K/ed.key" >/dev/null 2>"$TMP/err"
check_eq "pdl init --suite sm2-sm3 with an Ed25519 authority key is refused, naming both" \
	"$?:$(grep -c 'holds an Ed25519 key, but this ledger.s suite sm2-sm3 takes SM2 keys' "$TMP/err")" "1:1"

# ---- an sm2-sm3 ledger
init_ledger "$D" --suite sm2-sm3 || { not_ok "pdl init --suite sm2-sm3"; finish; }
check_eq "pdl init prints the suite" "$(jl "$D.init.json" 'o["suite"]')" sm2-sm3
check_eq "the genesis names it" "$("$PDL" get 0 --data "$D" | jl - 'o["act"]["body"]["suite"]')" sm2-sm3
check_eq "its keys are SM2 keys" "$(head -1 "$D/ledger.key") $(head -1 "$D/authority.key")" "pdl-sm2-v1 pdl-sm2-v1"
check_eq "the verifier key is of type 0xff, pdl.sm2-sm3/note, and a 65-byte key" \
	"$($PY -c 'import base64,sys; r=base64.b64decode(sys.argv[1].split("+",2)[2]); print(r[0], r[1:17].decode(), len(r))' "$VKEY")" \
	"255 pdl.sm2-sm3/note 82"
start_pdld "$D" || { not_ok "pdld starts"; finish; }

# act bodies: an Ed25519 public key is refused, naming both
cat >"$TMP/reg_ed.json" <<EOF
{"type":"party.register","actor":"authority","nonce":1,"body":{"id":"p-ed","name":"P","uscc":"$($GEN uscc 901)","roles":["provider"],"public_key":"$(jl "$K/ed.json" 'o["public_key"]')"}}
EOF
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/reg_ed.json" >"$TMP/out" 2>&1
check_eq "party.register with an Ed25519 key: PDL_EFIELD naming both algorithms" \
	"$?:$(jl "$TMP/out" 'o.get("error")+" "+str("an Ed25519 public key (32 bytes), but this ledger'"'"'s suite sm2-sm3 takes SM2 keys (65 bytes)" in o.get("message",""))')" \
	"1:PDL_EFIELD True"
# key files: an Ed25519 key signing for this ledger is refused before sending
"$PDL" submit --key "$K/ed.key" --data "$D" "$TMP/reg_ed.json" >"$TMP/out" 2>&1
check_eq "pdl submit --key with an Ed25519 key file: refused, naming both" \
	"$?:$(grep -c 'holds an Ed25519 key, but this ledger.s suite sm2-sm3 takes SM2 keys' "$TMP/out")" "1:1"
cat >"$TMP/reg_p1.json" <<EOF
{"type":"party.register","actor":"authority","nonce":2,"body":{"id":"p1","name":"P1","uscc":"$($GEN uscc 902)","roles":["provider","auditor"],"public_key":"$(jl "$K/p1.json" 'o["public_key"]')"}}
EOF
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/reg_p1.json" >"$TMP/out" 2>&1
check_eq "party.register with an SM2 key is accepted at seq 1" "$?:$(jl "$TMP/out" 'o.get("seq")')" "0:1"
cat >"$TMP/cat.json" <<'EOF'
{"type":"catalog.publish","actor":"p1","nonce":1,"body":{"resource_id":"r1","name":"R1","items":["a"],"format":"csv","update_frequency":"daily","usage_conditions":"none","level":1,"attribute":"open"}}
EOF
"$PDL" submit --key "$K/p1.key" --data "$D" "$TMP/cat.json" >"$TMP/out" 2>&1
check_eq "an act signed with the party's SM2 key is accepted" "$?:$(jl "$TMP/out" 'o.get("seq")')" "0:2"

# evidence: the digest is SM3
head -c 5000 /dev/zero | tr '\0' 'x' >"$TMP/doc.txt"
"$PDL" evidence deposit "$TMP/doc.txt" --key "$AUTH_KEY" --actor authority --id ev-1 --subject "a doc" \
	--blob --data "$D" >"$TMP/ev.out" 2>&1
check_eq "evidence deposit with the document: accepted" "$?" 0
check_eq "its digest is the file's SM3, not its SHA-256" \
	"$(jl "$TMP/ev.out" 'o["digest"]')" "$($PY -c 'import hashlib,sys; print(hashlib.new("sm3", open(sys.argv[1],"rb").read()).hexdigest())' "$TMP/doc.txt")"
sleep 1.3 # a checkpoint covering the deposit (pdld signs one a second at most)
"$PDL" evidence prove "$TMP/doc.txt" --data "$D" >"$TMP/proof.json" 2>&1
check_eq "pdl evidence prove: exit 0" "$?" 0
"$PDL" evidence check "$TMP/proof.json" "$TMP/doc.txt" --vkey "$VKEY" >"$TMP/chk.json" 2>&1
check_eq "pdl evidence check accepts it with the SM2 verifier key alone" "$?:$(jl "$TMP/chk.json" 'o["valid"]')" "0:true"

# cosignatures: an auditor's SM2 cosignature is accepted, an Ed25519 one is not
"$PDL" checkpoint --data "$D" >"$TMP/ck1"
"$PDL" cosign --key "$K/ed.key" --name w.example/p1 --time 1791511200 --actor p1 --nonce 2 "$TMP/ck1" >"$TMP/cos_ed.json"
"$PDL" submit --key "$K/p1.key" --data "$D" "$TMP/cos_ed.json" >"$TMP/out" 2>&1
check_eq "an Ed25519 cosignature on the SM2 ledger's checkpoint: witness.bad_cosignature" \
	"$?:$(jl "$TMP/out" 'o.get("rule")')" "1:witness.bad_cosignature"
"$PDL" cosign --key "$K/p1.key" --name w.example/p1 --time 1791511200 --actor p1 --nonce 3 "$TMP/ck1" >"$TMP/cos.json"
"$PDL" submit --key "$K/p1.key" --data "$D" "$TMP/cos.json" >"$TMP/out" 2>&1
check_eq "the auditor's SM2 cosignature (type 0xff, pdl.sm2-sm3/cosignature) is accepted" "$?" 0

# the outside verifier: checkpoints, proofs, acts (SM2 and SM3 by sm-crypto)
sleep 1.3
"$PDL" checkpoint --data "$D" >"$TMP/ck2"
S1=$(sed -n 2p "$TMP/ck1")
S2=$(sed -n 2p "$TMP/ck2")
check "outside_verify.py checks the SM2 checkpoint signature ($S1)" $OV checkpoint "$VKEY" "$TMP/ck1"
"$PDL" get 1 --raw --data "$D" >"$TMP/e1"
"$PDL" proof inclusion 1 "$S2" --data "$D" >"$TMP/inc.json"
check "outside_verify.py checks the SM3 inclusion proof of entry 1 in size $S2" \
	$OV inclusion "$VKEY" "$TMP/ck2" "$TMP/e1" "$TMP/inc.json"
"$PDL" proof consistency "$S1" "$S2" --data "$D" >"$TMP/con.json"
check "outside_verify.py checks the SM3 consistency proof $S1 -> $S2" \
	$OV consistency "$VKEY" "$TMP/ck1" "$TMP/ck2" "$TMP/con.json"
"$PDL" export --data "$D" >"$TMP/export"
check_eq "outside_verify.py checks the chain and every SM2 act signature, for the SM3 ledger id" \
	"$($OV acts "$TMP/export" | jl - '"%s %s %s" % (o["ok"], o["suite"], o["ledger_id"])')" \
	"True sm2-sm3 $("$PDL" ledger-id --data "$D")"
# one flipped bit of one act signature (entry 2): the outside verifier refuses the export
$PY - "$TMP/export" "$TMP/export.bad" "$E2E" <<'EOF'
import base64, json, sys
sys.path.insert(0, sys.argv[3])
from pdlgen import entry_fields
lines = open(sys.argv[1]).read().splitlines()
o = json.loads(lines[2])
e = bytearray(base64.b64decode(o["entry"]))
sig = entry_fields(bytes(e))[4]
i = bytes(e).rfind(sig)
e[i + 10] ^= 0x01
o["entry"] = base64.b64encode(bytes(e)).decode()
lines[2] = json.dumps(o)
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
EOF
$OV acts "$TMP/export.bad" >"$TMP/ov.out" 2>&1
check_eq "outside_verify.py refuses the export with one signature bit changed, at seq 2" \
	"$?:$(jl "$TMP/ov.out" 'str(o["ok"])+" "+str("seq 2: act signature does not verify" in o["error"])')" "1:False True"

# pdld's ledger key must be of the ledger's suite
check "pdld stops" stop_pdld
mv "$D/ledger.key" "$TMP/ledger.key.sm2"
install -m 600 "$K/ed.key" "$D/ledger.key"
"$PDLD" --data "$D" >"$TMP/pdld.out" 2>&1
check_eq "pdld with an Ed25519 ledger.key on an sm2-sm3 ledger refuses to start, naming both" \
	"$?:$(grep -c 'holds an Ed25519 key, but this ledger.s suite sm2-sm3 takes SM2 keys' "$TMP/pdld.out")" "1:1"
mv "$TMP/ledger.key.sm2" "$D/ledger.key"
"$PDL" verify --replay --data "$D" >"$TMP/v.json" 2>&1
check_eq "pdl verify --replay passes" "$?:$(jl "$TMP/v.json" 'o["ok"]')" "0:true"
"$PDL" verify --data "$D" --vkey "$VKEY" >"$TMP/v.json" 2>&1
check_eq "pdl verify --vkey with the SM2 verifier key: pinned, passes" \
	"$?:$(jl "$TMP/v.json" 'str(o["ok"])+" "+str(o["key_pinned"])+" "+o["key"]')" "0:True True $VKEY"
# a well-formed Ed25519 verifier key (C2SP key id) of the same name
EDVKEY=$($PY -c '
import base64, hashlib, sys
name = sys.argv[1].split("+")[0]
k = b"\x01" + base64.b64decode(sys.argv[2])
print("%s+%s+%s" % (name, hashlib.sha256(name.encode() + b"\n" + k).digest()[:4].hex(), base64.b64encode(k).decode()))' \
	"$VKEY" "$(jl "$K/ed.json" 'o["public_key"]')")
"$PDL" verify --data "$D" --vkey "$EDVKEY" >"$TMP/v.json" 2>"$TMP/v.err"
check_eq "pdl verify --vkey with an Ed25519 key of the same name: refused, naming the SM2 key" \
	"$?:$(jl "$TMP/v.json" 'str(o["ok"])+" "+str("'"$VKEY"'" in o["what"])')" "1:False True"
"$PDL" show party p1 --data "$D" >"$TMP/show.json" 2>&1
check_eq "pdl show party: the party's 65-byte SM2 key" \
	"$?:$(jl "$TMP/show.json" 'o["state"]["public_key"]')" "0:$(jl "$K/p1.json" 'o["public_key"]')"

finish
