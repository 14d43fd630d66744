#!/usr/bin/env bash
# t_80_scenario — the fixture scenario end to end: tools/load-scenario.sh
# builds the ledger from fixtures/scenario (every act accepted), `pdl verify`
# and `pdl verify --replay` pass, resubmitting every file gives back the
# original receipts (same seq and hash, "dup":true), the final checkpoint is
# the golden one, the codes assigned check, the rules' outcomes are the exact
# expected ones, and acts relying on the terminated grant or on a rotated key
# are refused.
#
# GOLDEN (fixtures/scenario/GOLDEN) pins the final tree size and root. When
# the scenario changes on purpose (files, TIMELINE, keys) or pdl's entry
# encoding changes, regenerate GOLDEN from a checked load — and only then:
# a root that moves for any other reason is a reproducibility bug.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
SCEN=$ROOT/fixtures/scenario
LOADER=$ROOT/tools/load-scenario.sh
D=$TMP/l
R=$D/scenario/receipts

# ms of an ISO 8601 time
ms() { echo "$(date -d "$1" +%s)000"; }
# the JSON receipt of act INDEX of FILE
rcpt() { sed -n "$(($2 + 1))p" "$R/$1.jsonl"; }
# field EXPR of that receipt
rf() { rcpt "$1" "$2" | jl - "$3"; }

# ---- load
"$LOADER" "$D" >"$TMP/load.out" 2>"$TMP/load.err"
rc=$?
check_eq "load-scenario.sh exits 0" "$rc" 0
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$TMP/load.err" | head -20
files=$(grep -v '^#' "$SCEN/TIMELINE" | awk 'NF && $1 != "genesis" { print $1 }')
nfiles=$(echo "$files" | wc -l)
check_eq "one output line per TIMELINE file ($nfiles)" "$(wc -l <"$TMP/load.out")" "$nfiles"
check_eq "no file had a refused act" "$(grep -c refused "$TMP/load.out")" 0
total=$(awk '{ n += $2 } END { print n }' "$TMP/load.out")
check_eq "132 acts loaded" "$total" 132
cat "$R"/*.jsonl >"$TMP/all"
check_eq "every receipt is a first acceptance (no error, dup false)" \
	"$(jl "$TMP/all" '"error" if "error" in o else o["dup"]' | sort | uniq -c | awk '{print $1, $2}')" "132 false"
check_eq "seqs 1..132 in TIMELINE order" "$(for f in $files; do jl "$R/$f.jsonl" 'o["seq"]'; done | paste -sd' ')" "$(seq -s' ' 1 132)"
check_eq "pdld was stopped by the loader" "$(test -s "$D/pdld.pid" && kill -0 "$(cat "$D/pdld.pid")" 2>/dev/null && echo running || echo stopped)" stopped

# ---- verify, replay, golden
"$PDL" verify --data "$D" >"$TMP/v.json" 2>&1
check_eq "pdl verify passes: size 133" "$(jl "$TMP/v.json" 'str(o["ok"])+" "+str(o.get("size"))')" "True 133"
"$PDL" verify --replay --data "$D" >"$TMP/vr.json" 2>&1
check_eq "pdl verify --replay passes: 133 replayed" "$(jl "$TMP/vr.json" 'str(o["ok"])+" "+str(o.get("replayed"))')" "True 133"
"$PDL" checkpoint --data "$D" >"$TMP/ck"
gsize=$(awk '$1 == "size" { print $2 }' "$SCEN/GOLDEN")
groot=$(awk '$1 == "root" { print $2 }' "$SCEN/GOLDEN")
check_eq "golden: final checkpoint size" "$(sed -n 2p "$TMP/ck")" "$gsize"
check_eq "golden: final checkpoint root" "$(sed -n 3p "$TMP/ck")" "$groot"
check_eq "golden: verify's root is the golden root" "$(jl "$TMP/v.json" 'o.get("root")')" "$groot"
VK=$("$PDL" verifier-key --data "$D")
check "the final checkpoint verifies with outside_verify.py" $OV checkpoint "$VK" "$TMP/ck"
"$PDL" export --data "$D" >"$TMP/export"
check_eq "outside_verify.py checks every act signature, for the ledger id it computes itself" \
	"$($OV acts "$TMP/export" | jl - '"%s %s %s" % (o["ok"], o["signatures"], o["ledger_id"])')" \
	"True 133 $("$PDL" ledger-id --data "$D")"
check_eq "the ledger key is the fixture's: verifier key" "$VK" "demo.pdl.local/wuhan+8b40e0cc+AY38ulMFLng2lwaJ/zEEaQOP5cIXWp6GXYgFC++98gXp"
check_eq "genesis time is the TIMELINE's" "$("$PDL" get 0 --data "$D" | jl - 'o["time_ms"]')" "$(ms 2026-09-01T09:00:00+08:00)"

# ---- every act type of `pdl acts` is in the scenario's log
"$PDL" acts | jl - 'o["type"]' | sort >"$TMP/types"
"$PDL" export --data "$D" | $PY -c '
import base64, json, sys
sys.path.insert(0, sys.argv[1])
from pdlgen import entry_fields
for line in sys.stdin:
    print(entry_fields(base64.b64decode(json.loads(line)["entry"]))[3]["type"])
' "$E2E" | sort -u >"$TMP/logtypes"
check_eq "the scenario walks every act type pdl acts lists ($(wc -l <"$TMP/types"))" \
	"$(comm -3 "$TMP/types" "$TMP/logtypes" | paste -sd' ')" ""

# ---- codes: every one assigned checks, and they are the expected ones
jl "$TMP/all" 'o["outcome"].get("code", "")' | grep -v '^$' >"$TMP/codes"
check_eq "three codes assigned" "$(paste -sd' ' "$TMP/codes")" \
	"420100-2026-R-00000001-T 420100-2026-R-00000002-R 420100-2026-P-00000001-H"
bad=""
while read -r c; do
	[ "$("$PDL" code check "$c" | jl - 'o["valid"]')" = true ] || bad="$bad $c"
done <"$TMP/codes"
check_eq "pdl code check validates every assigned code" "$bad" ""

# ---- the rules' outcomes, exactly
check_eq "apply 2026-09-03 (Thu): accept_due = end of Tue 2026-09-08 (3 working days)" \
	"$(rf 050-registration-apply.json 0 'o["outcome"]["accept_due"]')" "$(ms 2026-09-09T00:00:00+08:00)"
check_eq "correct 2026-09-07 restarts accept_due: end of Thu 2026-09-10" \
	"$(rf 080-registration-correct.json 0 'o["outcome"]["accept_due"]')" "$(ms 2026-09-11T00:00:00+08:00)"
check_eq "publicize 2026-09-08: notice_ends after 10 working days incl. make-up Sunday 2026-09-20" \
	"$(rf 100-registration-review.json 4 'o["outcome"]["notice_ends"]')" "$(ms 2026-09-22T00:00:00+08:00)"
check_eq "publicize 2026-09-29: notice runs over National Day and make-up Saturday 2026-10-10" \
	"$(rf 250-product-registration-review.json 2 'o["outcome"]["notice_ends"]')" "$(ms 2026-10-20T00:00:00+08:00)"
check_eq "the dispute names the call.reject of call-c1 (seq 58)" \
	"$("$PDL" get 58 --data "$D" | jl - 'o["act"]["type"]+" "+o["act"]["body"]["call_id"]')" "call.reject call-c1"
check_eq "the catalog.decide approval lists weather-lightning" \
	"$(rf 210-quality.json 0 'o["outcome"]')" '{"resource_id": "weather-lightning"}'
lines() { rf "$1" 0 'str(o["outcome"]["gross_fen"])+" "+" ".join("%s:%s:%d" % (l["party"], l["role"], l["amount_fen"]) for l in o["outcome"]["lines"])'; }
check_eq "settlement 2026-09: gross and weighted, largest-remainder lines" "$(lines 280-settlement-2026-09.json)" \
	"1280167 provider-health:provider:128017 provider-transit:provider:307240 provider-weather:provider:76810 operator-city:operator:384050 developer-b:developer:256033 authority:authority:128017"
check_eq "settlement 2026-10: the corrected gross, weighted by 2026-10 usage" "$(lines 380-settlement-2026-10.json)" \
	"1987650 provider-health:provider:159012 provider-transit:provider:596295 provider-weather:provider:39753 operator-city:operator:596295 developer-b:developer:397530 authority:authority:198765"
check_eq "grant.terminate closes 1 admission, 1 call, 1 unreleased product" \
	"$(rf 410-terminate.json 0 'o["outcome"]')" '{"closed": {"developers": 1, "calls": 1, "products": 1}}'
cs=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["body"]["size"])' "$D/scenario/gen/290-cosign.json")
check_eq "the auditor cosigned the checkpoint of size 105 (all acts before it)" "$cs" 105
check_eq "the cosignature line is the C2SP form for the auditor's key" \
	"$($PY -c 'import json,sys,base64; b=json.load(open(sys.argv[1]))[0]["body"]; n,s=b["cosignature"].split(" ")[1:]; r=base64.b64decode(s); print(b["cosignature"][0], n, len(r), int.from_bytes(r[4:12],"big"))' "$D/scenario/gen/290-cosign.json")" \
	"— audit.hubei.example/witness 76 $(date -d 2026-10-09T16:00:00+08:00 +%s)"

# ---- the same files again: the original receipts
"$LOADER" --again "$D" >"$TMP/again.out" 2>"$TMP/again.err"
check_eq "load-scenario.sh --again exits 0" "$?" 0
cat "$D"/scenario/receipts-again/*.jsonl >"$TMP/all2"
check_eq "resubmission: 132 receipts, every one dup:true" \
	"$(jl "$TMP/all2" '"error" if "error" in o else o["dup"]' | sort | uniq -c | awk '{print $1, $2}')" "132 true"
diffs=0
for f in $files; do
	a=$(jl "$R/$f.jsonl" 'str(o["seq"])+" "+o["hash"]+" "+str(o["time_ms"])+" "+json.dumps(o["outcome"])')
	b=$(jl "$D/scenario/receipts-again/$f.jsonl" 'str(o["seq"])+" "+o["hash"]+" "+str(o["time_ms"])+" "+json.dumps(o["outcome"])')
	[ "$a" = "$b" ] || diffs=$((diffs + 1))
done
check_eq "resubmission: same seq, hash, time and outcome for every act of every file" "$diffs" 0
check_eq "resubmission appended nothing: size 133" "$(log_size "$D")" 133

# ---- acts relying on the terminated grant, or on a rotated key, are refused
start_pdld "$D" --test-clock || { not_ok "pdld restarts"; finish; }
mkdir -p "$TMP/keys" && install -m 600 "$D"/keys/*.key "$TMP/keys/"
"$PDL" clock set --data "$D" 2026-12-01T10:00:00+08:00 >/dev/null
cat >"$TMP/usage.json" <<'EOF'
{"type":"call.usage","actor":"operator-scenario","nonce":1000,"body":{"call_id":"call-s1","resource_id":"weather-road-surface","period":"2026-11","records":10,"bytes":100}}
EOF
"$PDL" submit --keys "$TMP/keys" --data "$D" "$TMP/usage.json" >"$TMP/usage.out" 2>&1
check_eq "call.usage under the terminated grant-scenario is refused: grant.terminated" \
	"$?:$(jl "$TMP/usage.out" 'o.get("rule")')" "1:grant.terminated"
cat >"$TMP/oldkey.json" <<'EOF'
{"type":"quality.report","actor":"developer-c","nonce":1000,"body":{"report_id":"q-after-rotation","resource_id":"transit-stops","issue":"error","detail":"Signed with the retired key."}}
EOF
"$PDL" submit --key "$TMP/keys/developer-c.key" --data "$D" "$TMP/oldkey.json" >"$TMP/oldkey.out" 2>&1
check_eq "an act of developer-c signed with its retired key is refused: PDL_EBADSIG" \
	"$?:$(jl "$TMP/oldkey.out" 'o.get("error")')" "1:PDL_EBADSIG"
"$PDL" submit --key "$TMP/keys/developer-c-2.key" --data "$D" "$TMP/oldkey.json" >"$TMP/newkey.out" 2>&1
check_eq "the same act signed with the rotated key is accepted at seq 133" \
	"$?:$(jl "$TMP/newkey.out" 'o.get("seq")')" "0:133"
check "pdld stops" stop_pdld
check_eq "the ledger verifies after the extra act: size 134" "$(log_size "$D")" 134

finish
