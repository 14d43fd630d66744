#!/usr/bin/env bash
# t_82_evidence_proof — evidence of a file that never enters the log:
# `pdl evidence deposit FILE` hashes it streaming and records its digest;
# --store keeps files up to pdld's --blob-max (default 8 MiB) in the blob
# table and refuses bigger ones with a clear error while the deposit itself
# stays recorded; `pdl evidence prove` gives a proof of existence that
# `pdl evidence check` accepts with only the verifier key (the data
# directory moved away) and that the independent outside_verify.py accepts
# as an RFC 9162 inclusion proof; a tampered proof, another file or another
# ledger's key are rejected.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
start_pdld "$D" || { not_ok "pdld starts"; finish; }

# deterministic file contents: mkfile PATH BYTES SEED
mkfile() {
	$PY -c 'import random,sys; random.seed(int(sys.argv[3])); open(sys.argv[1],"wb").write(random.randbytes(int(sys.argv[2])))' "$1" "$2" "$3"
}
mkfile "$TMP/big.bin" 3145728 1    # 3 MiB, deposited by digest only
mkfile "$TMP/small.bin" 1000000 2  # stored (≤ 8 MiB)
mkfile "$TMP/huge.bin" 9437184 3   # 9 MiB: over --blob-max
truncate -s 64M "$TMP/sparse.bin" # for the streaming check
dep() { # dep ID FILE [args]: deposit by the authority; receipt in $TMP/ID.out
	local id=$1 f=$2
	shift 2
	"$PDL" evidence deposit "$f" --key "$AUTH_KEY" --actor authority --id "$id" \
		--subject "test file $id" --data "$D" "$@" >"$TMP/$id.out" 2>"$TMP/$id.err"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---- deposit: digest and size, the file stays outside
dep ev-big "$TMP/big.bin"
check_eq "deposit of a 3 MiB file: exit 0" "$?" 0
check_eq "the receipt's digest and size are the file's" \
	"$(jl "$TMP/ev-big.out" 'o["digest"]+" "+str(o["size"])')" "$(sha "$TMP/big.bin") 3145728"
BIG_SEQ=$(jl "$TMP/ev-big.out" 'o["seq"]')
check_eq "the entry is an evidence.deposit of that digest and size, without blob" \
	"$("$PDL" get "$BIG_SEQ" --data "$D" | jl - 'o["act"]["type"]+" "+o["act"]["body"]["digest"]+" "+str(o["act"]["body"]["size"])+" "+str("blob" in o["act"]["body"])')" \
	"evidence.deposit $(sha "$TMP/big.bin") 3145728 False"

# streaming: hashing 64 MiB needs no 64 MiB of memory
rss=$($PY - "$PDL" "$AUTH_KEY" "$D" "$TMP/sparse.bin" <<'EOF'
import os, subprocess, sys
pdl, key, d, f = sys.argv[1:]
p = subprocess.Popen([pdl, "evidence", "deposit", f, "--key", key, "--actor", "authority", "--id", "ev-sparse",
                      "--subject", "64 MiB of zeros", "--data", d], stdout=subprocess.DEVNULL)
_, st, ru = os.wait4(p.pid, 0)
print(os.waitstatus_to_exitcode(st), "small" if ru.ru_maxrss < 32 * 1024 else "big:%dKiB" % ru.ru_maxrss)
EOF
)
check_eq "deposit of a 64 MiB file hashes it streaming (peak RSS < 32 MiB)" "$rss" "0 small"

# ---- --store: 1 MB kept, 9 MiB refused with a clear error, deposit recorded
dep ev-small "$TMP/small.bin" --store
rc=$?
# two lines: the deposit's receipt, then the store's result
check_eq "deposit --store of a 1 MB file: exit 0, receipt then stored" \
	"$rc:$(jl "$TMP/ev-small.out" '"seq" in o' | head -1):$(jl "$TMP/ev-small.out" 'o.get("stored")' | tail -1)" "0:true:true"
timeout 6 "$PDL" evidence deposit "$TMP/huge.bin" --key "$AUTH_KEY" --actor authority --id ev-huge \
	--subject "test file ev-huge" --data "$D" --store >"$TMP/ev-huge.out" 2>"$TMP/ev-huge.err"
rc=$?
check_eq "deposit --store of a 9 MiB file fails (exit 1, within 6 s)" "$rc" 1
if grep -q -E 'blob limit|8388608' "$TMP/ev-huge.err"; then
	ok "the error names the blob limit"
else
	not_ok "the error names the blob limit (stderr: $(head -c 200 "$TMP/ev-huge.err"))"
fi
check_eq "the 9 MiB deposit is still printed as a receipt (seq 4)" \
	"$(jl "$TMP/ev-huge.out" 'o.get("seq")' 2>/dev/null | head -1)" 4
check_eq "the 9 MiB deposit itself is recorded (entry 4)" \
	"$("$PDL" get 4 --data "$D" 2>/dev/null | jl - 'o["act"]["body"]["evidence_id"]+" "+o["act"]["body"]["digest"]')" \
	"ev-huge $(sha "$TMP/huge.bin")"
blobs=$($PY - "$D" "$(sha "$TMP/small.bin")" "$(sha "$TMP/huge.bin")" "$TMP/small.bin" <<'EOF'
import lmdb, sys
env = lmdb.open(sys.argv[1], readonly=True, lock=False, max_dbs=8, subdir=True)
db = env.open_db(b"blob", create=False)
with env.begin(db=db) as t:
    s = t.get(bytes.fromhex(sys.argv[2]))
    h = t.get(bytes.fromhex(sys.argv[3]))
print(s == open(sys.argv[4], "rb").read(), h is None)
EOF
)
check_eq "the blob table holds the 1 MB file byte for byte and not the 9 MiB one" "$blobs" "True True"

# ---- prove once a checkpoint covers the deposits
SIZE=$(log_size "$D")
check_eq "log size 5 (genesis and 4 deposits)" "$SIZE" 5
wait_ckpt "$D" "$SIZE" || not_ok "a checkpoint of size $SIZE within 10 s"
"$PDL" evidence prove "$TMP/big.bin" --data "$D" >"$TMP/proof.json" 2>"$TMP/prove.err"
check_eq "pdl evidence prove: exit 0" "$?" 0
check_eq "the proof names the deposit, its seq and the checkpoint size" \
	"$(jl "$TMP/proof.json" 'o["evidence_id"]+" "+str(o["seq"])+" "+str(o["inclusion"]["index"])+" "+str(o["inclusion"]["size"])')" \
	"ev-big $BIG_SEQ $BIG_SEQ $SIZE"
VK=$("$PDL" verifier-key --data "$D")
check "pdld stops" stop_pdld

# ---- check with the data directory gone
mv "$D" "$D.away"
"$PDL" evidence check "$TMP/proof.json" "$TMP/big.bin" --vkey "$VK" >"$TMP/check.out" 2>&1
check_eq "pdl evidence check with the data dir moved away: exit 0, valid" \
	"$?:$(jl "$TMP/check.out" 'str(o.get("valid"))+" "+str(o.get("seq"))+" "+str(o.get("checkpoint_size"))')" "0:True $BIG_SEQ $SIZE"
check_eq "the data dir is really gone" "$(test -e "$D" && echo present || echo gone)" gone

# ---- the same proof, checked by the independent verifier
$PY - "$TMP/proof.json" "$TMP" <<'EOF'
import base64, json, sys
p = json.load(open(sys.argv[1]))
open(sys.argv[2] + "/p.note", "w").write(p["checkpoint"])
open(sys.argv[2] + "/p.leaf", "wb").write(base64.b64decode(p["entry"]))
json.dump(p["inclusion"], open(sys.argv[2] + "/p.incl", "w"))
EOF
check "outside_verify.py accepts the proof's inclusion in its signed checkpoint" \
	$OV inclusion "$VK" "$TMP/p.note" "$TMP/p.leaf" "$TMP/p.incl"
check_eq "the proven leaf (decoded independently) is the deposit of the file's digest at its seq" \
	"$($PY - "$E2E" "$TMP/p.leaf" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
from pdlgen import entry_fields
seq, _, _, act, _, _ = entry_fields(open(sys.argv[2], "rb").read())
b = act["body"]
print(seq, act["type"], b["evidence_id"], b["digest"], b["size"])
EOF
)" "$BIG_SEQ evidence.deposit ev-big $(sha "$TMP/big.bin") 3145728"

# ---- tampered proofs, another file, another key
$PY - "$TMP/proof.json" "$TMP/flip.json" <<'EOF'
import base64, json, sys
p = json.load(open(sys.argv[1]))
h = bytearray(base64.b64decode(p["inclusion"]["proof"][0]))
h[7] ^= 0x01
p["inclusion"]["proof"][0] = base64.b64encode(bytes(h)).decode()
json.dump(p, open(sys.argv[2], "w"))
EOF
"$PDL" evidence check "$TMP/flip.json" "$TMP/big.bin" --vkey "$VK" >/dev/null 2>&1
check_eq "a proof with one flipped proof hash is rejected" "$?" 1
$PY -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["inclusion"], open(sys.argv[2],"w"))' "$TMP/flip.json" "$TMP/flip.incl"
$OV inclusion "$VK" "$TMP/p.note" "$TMP/p.leaf" "$TMP/flip.incl" >/dev/null 2>&1
check_eq "outside_verify.py rejects it too" "$?" 1
"$PDL" evidence check "$TMP/proof.json" "$TMP/small.bin" --vkey "$VK" >/dev/null 2>&1
check_eq "the proof with another file is rejected" "$?" 1
cp "$TMP/big.bin" "$TMP/big2.bin" && printf 'x' | dd of="$TMP/big2.bin" bs=1 seek=1000 conv=notrunc 2>/dev/null
"$PDL" evidence check "$TMP/proof.json" "$TMP/big2.bin" --vkey "$VK" >/dev/null 2>&1
check_eq "the proof with the file changed in one byte is rejected" "$?" 1
init_ledger "$TMP/other" || not_ok "second pdl init"
"$PDL" evidence check "$TMP/proof.json" "$TMP/big.bin" --vkey "$VKEY" >/dev/null 2>&1
check_eq "the proof with another ledger's verifier key is rejected" "$?" 1
check_ne "(that key differs)" "$VKEY" "$VK"

finish
