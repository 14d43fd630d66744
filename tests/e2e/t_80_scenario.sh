#!/usr/bin/env bash
# t_80_scenario — the Wuhan fixture scenario end to end: tools/load-scenario.sh
# builds the ledger from fixtures/scenario on the wuhan preset (every act
# accepted), `pdl verify` and `pdl verify --replay` pass, resubmitting every
# file gives back the original receipts (same seq and hash, "dup":true), the
# final checkpoint is the golden one, the codes assigned check, every act
# type is walked, the rules' outcomes are the exact expected ones (working-day
# deadlines across the holidays, settlements to the fen including a negative
# one after a refund, the missed-targets termination with its log retention
# date, the deduction carried into 2027 computed from the settlements, late
# and on-time disclosures), and acts relying on the terminated grant or on a
# rotated key are refused.
#
# GOLDEN (fixtures/scenario/GOLDEN) pins the final tree size and root. When
# the scenario changes on purpose (files, TIMELINE, keys) or pdl's entry
# encoding changes, regenerate GOLDEN from a checked load — and only then:
# a root that moves for any other reason is a reproducibility bug.
#
# Under PDL_SUITE=sm2-sm3 (run-all.sh runs it so too) the same scenario is
# loaded as an sm2-sm3 ledger (SUITE=sm2-sm3 tools/load-scenario.sh: the SM2
# keys of fixtures/keys-sm2-sm3), and every check below holds the same, the
# refusals included, against fixtures/scenario/GOLDEN.sm2-sm3.
. "$(dirname "$0")/lib.sh"
: "${PDLPROJ:?set PDLPROJ to the pdl-project binary}"

ROOT=$(cd "$E2E/../.." && pwd)
SCEN=$ROOT/fixtures/scenario
LOADER=$ROOT/tools/load-scenario.sh
D=$TMP/l
R=$D/scenario/receipts
GOLDEN=$SCEN/GOLDEN
[ "$SUITE" = ed25519-sha256 ] || GOLDEN=$SCEN/GOLDEN.$SUITE
# the verifier key of the fixture ledger key, per suite
case $SUITE in
ed25519-sha256) WANT_VK=demo.pdl.local/wuhan+8b40e0cc+AY38ulMFLng2lwaJ/zEEaQOP5cIXWp6GXYgFC++98gXp ;;
sm2-sm3) WANT_VK=demo.pdl.local/wuhan+f6652c14+/3BkbC5zbTItc20zL25vdGUEjFTyZUwHCezBDmrKlTA9a7n8Zfw9VIHw0/vyhgsTkvtAnTH8EOn6vWZQs4kvBUjM+g4TDOQRCYBiy5VeshvhLw== ;;
esac
export SUITE

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
# the acts of the files, plus the cosignature the loader writes
N=$($PY -c 'import json,sys; print(sum(len(json.load(open(f))) for f in sys.argv[1:]) + 1)' "$SCEN"/[0-9]*.json)
gsize=$(awk '$1 == "size" { print $2 }' "$GOLDEN")
groot=$(awk '$1 == "root" { print $2 }' "$GOLDEN")
check_eq "the files hold $N acts: GOLDEN's size less the genesis" "$N" "$((gsize - 1))"
total=$(awk '{ n += $2 } END { print n }' "$TMP/load.out")
check_eq "$N acts loaded" "$total" "$N"
cat "$R"/*.jsonl >"$TMP/all"
check_eq "every receipt is a first acceptance (no error, dup false)" \
	"$(jl "$TMP/all" '"error" if "error" in o else o["dup"]' | sort | uniq -c | awk '{print $1, $2}')" "$N false"
check_eq "seqs 1..$N in TIMELINE order" "$(for f in $files; do jl "$R/$f.jsonl" 'o["seq"]'; done | paste -sd' ')" "$(seq -s' ' 1 "$N")"
check_eq "pdld was stopped by the loader" "$(test -s "$D/pdld.pid" && kill -0 "$(cat "$D/pdld.pid")" 2>/dev/null && echo running || echo stopped)" stopped

# ---- verify, replay, golden
"$PDL" verify --data "$D" >"$TMP/v.json" 2>&1
check_eq "pdl verify passes: size $gsize" "$(jl "$TMP/v.json" 'str(o["ok"])+" "+str(o.get("size"))')" "True $gsize"
"$PDL" verify --replay --data "$D" >"$TMP/vr.json" 2>&1
check_eq "pdl verify --replay passes: $gsize replayed" "$(jl "$TMP/vr.json" 'str(o["ok"])+" "+str(o.get("replayed"))')" "True $gsize"
"$PDL" checkpoint --data "$D" >"$TMP/ck"
check_eq "golden: final checkpoint size" "$(sed -n 2p "$TMP/ck")" "$gsize"
check_eq "golden: final checkpoint root" "$(sed -n 3p "$TMP/ck")" "$groot"
check_eq "golden: verify's root is the golden root" "$(jl "$TMP/v.json" 'o.get("root")')" "$groot"
VK=$("$PDL" verifier-key --data "$D")
check "the final checkpoint verifies with outside_verify.py" $OV checkpoint "$VK" "$TMP/ck"
"$PDL" export --data "$D" >"$TMP/export"
check_eq "outside_verify.py checks every act signature, for the ledger id it computes itself" \
	"$($OV acts "$TMP/export" | jl - '"%s %s %s" % (o["ok"], o["signatures"], o["ledger_id"])')" \
	"True $gsize $("$PDL" ledger-id --data "$D")"
check_eq "the ledger key is the fixture's: verifier key" "$VK" "$WANT_VK"
GEN_WHEN=$(awk '$1 == "genesis" { print $2 }' "$SCEN/TIMELINE")
check_eq "genesis time is the TIMELINE's" "$("$PDL" get 0 --data "$D" | jl - 'o["time_ms"]')" "$(ms "$GEN_WHEN")"
check_eq "the genesis policy is the wuhan preset, written out in full" \
	"$("$PDL" get 0 --data "$D" | jl - 'json.dumps(o["act"]["body"]["policy"], sort_keys=True)')" \
	'{"accept_wd": 3, "blob_bytes_max": 32768, "disclosure_due": "03-31", "grant_months_max": 36, "grant_total_months_max": 60, "log_retention_months": 12, "notice_wd": 10, "product_registration_before_release": false, "product_reviewer": "operator", "registration_required": true, "trial_months_max": 6}'

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
check_eq "eight codes assigned: seven resources, one product" "$(paste -sd' ' "$TMP/codes")" \
	"420100-2026-R-00000001-T 420100-2026-R-00000002-R 420100-2026-R-00000003-P 420100-2026-R-00000004-N 420100-2026-R-00000005-L 420100-2026-R-00000006-J 420100-2026-R-00000007-H 420100-2026-P-00000001-H"
bad=""
while read -r c; do
	[ "$("$PDL" code check "$c" | jl - 'o["valid"]')" = true ] || bad="$bad $c"
done <"$TMP/codes"
check_eq "pdl code check validates every assigned code" "$bad" ""

# ---- the rules' outcomes, exactly
check_eq "apply 2026-08-05 (Wed): accept_due = end of Mon 2026-08-10 (3 working days)" \
	"$(rf 050-registration-apply.json 0 'o["outcome"]["accept_due"]')" "$(ms 2026-08-11T00:00:00+08:00)"
check_eq "correct 2026-08-07 restarts accept_due: end of Wed 2026-08-12" \
	"$(rf 070-registration-correct.json 0 'o["outcome"]["accept_due"]')" "$(ms 2026-08-13T00:00:00+08:00)"
check_eq "publicize 2026-08-10: notice_ends after 10 working days (end of Mon 2026-08-24)" \
	"$(rf 080-registration-review.json 8 'o["outcome"]["notice_ends"]')" "$(ms 2026-08-25T00:00:00+08:00)"
check_eq "apply 2026-09-22: accept_due over the 09-25..27 holiday (end of Mon 2026-09-28)" \
	"$(rf 300-quality-resolve.json 3 'o["outcome"]["accept_due"]')" "$(ms 2026-09-29T00:00:00+08:00)"
check_eq "publicize 2026-09-23: notice runs over both holidays and make-up Saturday 2026-10-10" \
	"$(rf 310-lightning-review.json 2 'o["outcome"]["notice_ends"]')" "$(ms 2026-10-15T00:00:00+08:00)"
check_eq "publicize 2026-09-29: notice runs over National Day and make-up Saturday 2026-10-10" \
	"$(rf 340-product-registration-review.json 2 'o["outcome"]["notice_ends"]')" "$(ms 2026-10-20T00:00:00+08:00)"
# EXPR on the entry a fixture dispute (act INDEX of FILE) names by subject_seq
subj() {
	local s
	s=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[int(sys.argv[2])]["body"]["subject_seq"])' "$SCEN/$1" "$2")
	"$PDL" get "$s" --data "$D" | jl - "$3"
}
check_eq "developer-d's dispute names the refusal of its application" \
	"$(subj 210-refusal-dispute.json 0 'o["act"]["type"]+" "+o["act"]["body"]["developer"]')" "developer.refuse developer-d"
check_eq "developer-c's dispute names the call.reject of call-c1" \
	"$(subj 220-assess-dispute.json 1 'o["act"]["type"]+" "+o["act"]["body"]["call_id"]')" "call.reject call-c1"
check_eq "the catalog.decide approval lists weather-lightning" \
	"$(rf 290-quality.json 0 'o["outcome"]')" '{"resource_id": "weather-lightning"}'
lines() { rf "$1" 0 'str(o["outcome"]["gross_fen"])+" "+" ".join("%s:%s:%d" % (l["party"], l["role"], l["amount_fen"]) for l in o["outcome"]["lines"])'; }
check_eq "settlement 2026-09: gross and weighted, largest-remainder lines" "$(lines 370-settlement-2026-09.json)" \
	"1280167 provider-health:provider:128017 provider-transit:provider:307240 provider-weather:provider:76810 operator-city:operator:384050 developer-b:developer:256033 authority:authority:128017"
check_eq "settlement 2026-10: the corrected gross, weighted by 2026-10 usage" "$(lines 490-settlement-2026-10.json)" \
	"1987650 provider-health:provider:159012 provider-transit:provider:596295 provider-weather:provider:39753 operator-city:operator:596295 developer-b:developer:397530 authority:authority:198765"
check_eq "settlement 2026-11: revenue 50000 less the 120000 refund, negative lines summing exactly" "$(lines 560-settlement-2026-11.json)" \
	"-70000 provider-health:provider:-9333 provider-transit:provider:-9333 provider-weather:provider:-9334 operator-city:operator:-21000 developer-b:developer:-14000 authority:authority:-7000"
check_eq "grant-scenario amended: version 1" "$(rf 430-amendment.json 0 'o["outcome"]')" '{"version": 1}'
check_eq "grant.terminate for missed targets closes 1 admission, 1 call, 1 unreleased product; logs kept 12 months" \
	"$(rf 530-terminate.json 0 'o["outcome"]')" '{"closed": {"developers": 1, "calls": 1, "products": 1}, "logs_retain_until": "2027-12-01"}'
check_eq "2026 price caps: nothing to deduct yet" "$(rf 230-pricing-2026.json 0 'o["outcome"]')" \
	'{"deduction_fen": 0, "effective_allowed_fen": 3000000}'
# 2026's settled gross, from the settlements' own outcomes, over its allowance
SETTLED=$(($(cat "$R"/370-*.jsonl "$R"/490-*.jsonl "$R"/560-*.jsonl | jl - 'o["outcome"].get("gross_fen", "")' | grep -v '^$' | paste -sd+)))
check_eq "2026 settled $SETTLED fen over 3000000 allowed: 2027 deducts the excess" \
	"$(rf 570-pricing-2027.json 0 'o["outcome"]')" \
	"{\"deduction_fen\": $((SETTLED - 3000000)), \"effective_allowed_fen\": $((4000000 - SETTLED + 3000000))}"
check_eq "the authority's 2026 disclosure is on time, the operator's late" \
	"$(rf 580-disclosure-authority.json 1 'o["outcome"]["late"]') $(rf 590-disclosure-operator.json 1 'o["outcome"]["late"]')" "false true"
CS=$(jl "$R/380-cosign.json.jsonl" 'o["seq"]')
cs=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["body"]["size"])' "$D/scenario/gen/380-cosign.json")
check_eq "the auditor cosigned the checkpoint of size $CS (all acts before it)" "$cs" "$CS"
check_eq "the cosignature line is the C2SP form for the auditor's key" \
	"$($PY -c 'import json,sys,base64; b=json.load(open(sys.argv[1]))[0]["body"]; n,s=b["cosignature"].split(" ")[1:]; r=base64.b64decode(s); print(b["cosignature"][0], n, len(r), int.from_bytes(r[4:12],"big"))' "$D/scenario/gen/380-cosign.json")" \
	"— audit.hubei.example/witness 76 $(date -d 2026-10-09T16:00:00+08:00 +%s)"

# ---- the same files again: the original receipts
"$LOADER" --again "$D" >"$TMP/again.out" 2>"$TMP/again.err"
check_eq "load-scenario.sh --again exits 0" "$?" 0
cat "$D"/scenario/receipts-again/*.jsonl >"$TMP/all2"
check_eq "resubmission: $N receipts, every one dup:true" \
	"$(jl "$TMP/all2" '"error" if "error" in o else o["dup"]' | sort | uniq -c | awk '{print $1, $2}')" "$N true"
diffs=0
for f in $files; do
	a=$(jl "$R/$f.jsonl" 'str(o["seq"])+" "+o["hash"]+" "+str(o["time_ms"])+" "+json.dumps(o["outcome"])')
	b=$(jl "$D/scenario/receipts-again/$f.jsonl" 'str(o["seq"])+" "+o["hash"]+" "+str(o["time_ms"])+" "+json.dumps(o["outcome"])')
	[ "$a" = "$b" ] || diffs=$((diffs + 1))
done
check_eq "resubmission: same seq, hash, time and outcome for every act of every file" "$diffs" 0
check_eq "resubmission appended nothing: size $gsize" "$(log_size "$D")" "$gsize"

# ---- acts relying on the terminated grant, or on a rotated key, are refused
start_pdld "$D" --test-clock || { not_ok "pdld restarts"; finish; }
mkdir -p "$TMP/keys" && install -m 600 "$D"/keys/*.key "$TMP/keys/"
"$PDL" clock set --data "$D" 2027-05-01T10:00:00+08:00 >/dev/null
cat >"$TMP/usage.json" <<'EOF'
{"type":"call.usage","actor":"operator-scenario","nonce":1000,"body":{"call_id":"call-s1","resource_id":"weather-road-surface","period":"2027-04","records":10,"bytes":100}}
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
check_eq "the same act signed with the rotated key is accepted at seq $gsize" \
	"$?:$(jl "$TMP/newkey.out" 'o.get("seq")')" "0:$gsize"
# pdl-project's catch-up decodes a read's entries ahead of applying them
# from its third read on: in reads of 7 entries it does so for every act
# type of the scenario, and must build the view that one read builds
"$PDLPROJ" all --ledger "ipc://$D/pdl.sock" --data "$TMP/v7" --once --test-batch 7 >"$TMP/v7.json" 2>"$TMP/v7.err"
"$PDLPROJ" all --ledger "ipc://$D/pdl.sock" --data "$TMP/vall" --once >"$TMP/vall.json" 2>"$TMP/vall.err"
check_eq "a catch-up in reads of 7 entries (decoded ahead) builds the view of one read, all $((gsize + 1)) entries" \
	"$(jl "$TMP/v7.json" 'o.get("next")'):$(jl "$TMP/v7.json" 'o.get("digest")')" \
	"$((gsize + 1)):$(jl "$TMP/vall.json" 'o.get("digest")')"
check "... and its own Merkle tree matches the ledger's signed checkpoint (no refusal)" \
	sh -c '! grep -q "checkpoint refused" "$1"' - "$TMP/v7.err"
check "pdld stops" stop_pdld
check_eq "the ledger verifies after the extra act: size $((gsize + 1))" "$(log_size "$D")" "$((gsize + 1))"

finish
