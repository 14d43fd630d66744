#!/usr/bin/env bash
# t_83_replay_tamper — state changed behind the log's back. On copies of the
# scenario ledger (tools/load-scenario.sh), one record of the LMDB `state`
# table is altered, added or deleted with Python's lmdb: `pdl verify` still
# passes (the log itself is intact), but `pdl verify --replay`, which re-runs
# every act and compares the state it builds with the stored one, exits 1
# with PDL_ESTATE and its JSON names the record (`bad_key`) and the seq of
# the act that last wrote it (`bad_seq`), or the key of a record no act
# wrote. Plain verify's summary says it did not check the state.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
D=$TMP/l
R=$D/scenario/receipts
"$ROOT/tools/load-scenario.sh" "$D" >"$TMP/load.out" 2>"$TMP/load.err" ||
	{ not_ok "the scenario loads"; sed 's/^/#   /' "$TMP/load.err" | head; finish; }
ok "the scenario loads"
# seq of act INDEX of FILE
seq_of() { sed -n "$(($2 + 1))p" "$R/$1.jsonl" | jl - 'o["seq"]'; }

# CASE  OP  KEY  FIELD/INDEX  VALUE  → expected bad_seq (the last writer)
S_CITY=$(seq_of 170-grants.json 0)         # grant.issue grant-city: its only writer
S_SCEN=$(seq_of 540-exit-attest.json 2)    # grant.exit_attest: the last of issue/…/terminate/exit_attest
S_DEVC=$(seq_of 410-rotate-key.json 0)     # party.rotate_key: the last writer of party/developer-c
S_EVID=$(seq_of 040-evidence.json 3)       # evidence.deposit ev-clinic-spec
check_eq "the writers' seqs, from the receipts" "$S_CITY $S_SCEN $S_DEVC $S_EVID" "79 182 151 24"
CASES="
fee-city     set    grant/grant-city       fee_cap_fen  5000000   $S_CITY
fee-scenario set    grant/grant-scenario   fee_cap_fen  1         $S_SCEN
status-scen  set    grant/grant-scenario   status       active    $S_SCEN
roles-devc   roles  party/developer-c      0            24        $S_DEVC
del-evid     del    evid/ev-clinic-spec    -            -         $S_EVID
"
echo "$CASES" | while read -r name _; do
	[ -n "$name" ] || continue
	cp -a "$D" "$TMP/c-$name"
done
cp -a "$D" "$TMP/c-ghost"

$PY - "$TMP" "$E2E" <<'EOF' "$CASES" >"$TMP/tamper.log" 2>&1
import sys
import lmdb
tmp = sys.argv[1]
sys.path.insert(0, sys.argv[2])
from pdlgen import mp_pack, mp_unpack

def env(name):
    return lmdb.open("%s/c-%s" % (tmp, name), max_dbs=8, map_size=1 << 30, subdir=True)

for line in sys.argv[3].splitlines():
    f = line.split()
    if not f:
        continue
    name, op, key, field, val = f[:5]
    e = env(name)
    db = e.open_db(b"state", create=False)
    with e.begin(write=True, db=db) as t:
        raw = t.get(key.encode())
        assert raw is not None, key
        if op == "del":
            t.delete(key.encode())
        else:
            rec = mp_unpack(raw)
            # the test's encoder re-encodes the record byte for byte, so only
            # the changed field differs
            assert mp_pack(rec) == raw, "re-encoding %s changes it" % key
            if op == "roles":
                rec[int(field)] = int(val)
            else:
                old = rec[field]
                rec[field] = int(val) if isinstance(old, int) else val
            t.put(key.encode(), mp_pack(rec))
    print("tampered", name, key)
    e.close()
# a record no act wrote: a copy of grant-city under another id
e = env("ghost")
db = e.open_db(b"state", create=False)
with e.begin(write=True, db=db) as t:
    t.put(b"grant/grant-ghost", t.get(b"grant/grant-city"))
print("tampered ghost")
EOF
check_eq "tampering done on 6 copies" "$(grep -c '^tampered' "$TMP/tamper.log")" 6 ||
	sed 's/^/#   /' "$TMP/tamper.log"

check_eq "the untouched ledger passes verify --replay" \
	"$("$PDL" verify --replay --data "$D" 2>/dev/null | jl - 'o["ok"]')" true
while read -r name _ key _ _ want; do
	[ -n "$name" ] || continue
	c=$TMP/c-$name
	"$PDL" verify --data "$c" >"$c.v" 2>&1
	check_eq "$name: pdl verify still passes (the log is intact)" "$?:$(jl "$c.v" 'o["ok"]')" "0:true"
	"$PDL" verify --replay --data "$c" >"$c.vr" 2>"$c.vr.err"
	check_eq "$name: pdl verify --replay exits 1, bad_seq $want (the act that last wrote $key)" \
		"$?:$(jl "$c.vr" 'str(o["ok"])+" "+str(o.get("bad_seq"))')" "1:False $want"
	check_eq "$name: its message names $key" "$(jl "$c.vr" 'o.get("what","")' | grep -c "\"$key\"")" 1
	check_eq "$name: a state mismatch has its own error, PDL_ESTATE, and bad_key $key" \
		"$(jl "$c.vr" 'o.get("error")+" "+o.get("bad_key","")')" "PDL_ESTATE $key"
	check_eq "$name: plain verify says the state was not checked" \
		"$(jl "$c.v" '" ".join(o["checked"])+" / "+str("state" in " ".join(o["not_checked"]))')" \
		"entries chain merkle signatures checkpoints / True"
done < <(echo "$CASES")

c=$TMP/c-ghost
"$PDL" verify --data "$c" >/dev/null 2>&1
check_eq "ghost record: pdl verify still passes" "$?" 0
"$PDL" verify --replay --data "$c" >"$c.vr" 2>/dev/null
check_eq "ghost record: pdl verify --replay exits 1 naming grant/grant-ghost, no bad_seq" \
	"$?:$(jl "$c.vr" 'str(o["ok"])+" "+str("grant/grant-ghost" in o.get("what",""))+" "+str(o.get("bad_seq"))')" "1:False True None"

finish
