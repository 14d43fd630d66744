#!/usr/bin/env bash
# t_40_tamper — on copies of a stopped ledger of 200 entries, change stored
# entries behind pdl's back (LMDB, table "log") and check that `pdl verify`
# exits 1 naming the first bad seq; an untouched copy still verifies.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
N=200
init_ledger "$D" || { not_ok "pdl init"; finish; }
start_pdld "$D" || { not_ok "pdld starts"; finish; }
$GEN acts "$TMP/acts_" 2 $(((N - 1) / 2)) 1
$GEN acts "$TMP/last_" 1 $((N - 1 - 2 * ((N - 1) / 2))) $((2 * ((N - 1) / 2) + 1))
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP"/acts_*.json "$TMP"/last_*.json >"$TMP/rec" 2>&1
check_eq "$((N - 1)) acts accepted" "$?:$(wc -l <"$TMP/rec")" "0:$((N - 1))"
check "pdld stops" stop_pdld
check_eq "the ledger verifies with size $N" "$(log_size "$D")" "$N"

# Cases: NAME OP ARGS → expected bad_seq. Flip: one byte XOR 0xff at a
# position of the value (start, middle, end, inside the signature), or XOR
# 0x01 inside the party name or the entry's time_ms, which leaves an entry
# that still decodes; del: delete the record; swap: exchange two values.
CASES="
flip-1-start   flip 1 start     1
flip-1-mid     flip 1 mid       1
flip-1-end     flip 1 end       1
flip-100-start flip 100 start   100
flip-100-mid   flip 100 mid     100
flip-100-end   flip 100 end     100
flip-199-start flip 199 start   199
flip-199-mid   flip 199 mid     199
flip-199-end   flip 199 end     199
flip-0-mid     flip 0 mid       0
flip-57-sig    flip 57 sig      57
flip-150-name  flip 150 name    150
flip-120-time  flip 120 time    120
del-1          del 1 -          1
del-100        del 100 -        100
del-199        del 199 -        199
swap-1-2       swap 1 2         1
swap-50-150    swap 50 150      50
swap-198-199   swap 198 199     198
"
mkdir -p "$TMP/copies"
echo "$CASES" | while read -r name op a b want; do
	[ -n "$name" ] || continue
	cp -a "$D" "$TMP/copies/$name"
done
cp -a "$D" "$TMP/copies/untouched"

# One Python run tampers every copy.
echo "$CASES" >"$TMP/cases"
$PY - "$TMP/copies" "$E2E" "$TMP/cases" <<'EOF' >"$TMP/tamper.log" 2>&1
import os, sys
import lmdb
root = sys.argv[1]
sys.path.insert(0, sys.argv[2])
from pdlgen import mp_unpack
for line in open(sys.argv[3]):
    f = line.split()
    if not f:
        continue
    name, op, a, b, _ = f
    env = lmdb.open(os.path.join(root, name), map_size=1 << 30, max_dbs=8, subdir=True)
    db = env.open_db(b"log", create=False)
    with env.begin(write=True, db=db) as t:
        ka = int(a).to_bytes(8, "big")
        va = t.get(ka)
        assert va is not None, name
        if op == "flip":
            v = bytearray(va)
            # "sig": a byte inside the entry's 64-byte act signature
            sig = mp_unpack(bytes(va))[4]
            pos = {"start": 0, "mid": len(v) // 2, "end": len(v) - 1,
                   "sig": bytes(va).rfind(sig) + 10,
                   "name": bytes(va).find(b"Party ") + 2,
                   # [fixarray 6, seq (fixint < 128), 0xcf + 8-byte time_ms]
                   "time": 9}[b]
            assert b != "time" or (va[0] == 0x96 and va[1] < 0x80 and va[2] == 0xCF), name
            v[pos] ^= 0x01 if b in ("name", "time") else 0xFF
            t.put(ka, bytes(v))
            print("%s: flipped byte %d of %d" % (name, pos, len(v)))
        elif op == "del":
            assert t.delete(ka)
            print("%s: deleted %s" % (name, a))
        elif op == "swap":
            kb = int(b).to_bytes(8, "big")
            vb = t.get(kb)
            t.put(ka, vb)
            t.put(kb, va)
            print("%s: swapped %s and %s" % (name, a, b))
    env.close()
EOF
check "the tampering script ran" test "$(grep -c ':' "$TMP/tamper.log")" -eq "$(echo "$CASES" | grep -c .)"
sed 's/^/# /' "$TMP/tamper.log"

while read -r name op a b want; do
	[ -n "$name" ] || continue
	"$PDL" verify --data "$TMP/copies/$name" --quiet >"$TMP/v.json" 2>"$TMP/v.err"
	rc=$?
	got=$(jl "$TMP/v.json" 'str(o.get("ok"))+" bad_seq="+str(o.get("bad_seq"))')
	check_eq "$name: pdl verify exits 1 with bad_seq $want" "$rc:$got" "1:False bad_seq=$want"
	echo "#   $(jl "$TMP/v.json" 'o.get("error", "")+": "+o.get("what", "")')"
done <<<"$CASES"

check_eq "the untouched copy still verifies with size $N" "$(log_size "$TMP/copies/untouched")" "$N"
check_eq "the original still verifies with size $N" "$(log_size "$D")" "$N"

finish
