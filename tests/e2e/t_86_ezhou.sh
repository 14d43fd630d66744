#!/usr/bin/env bash
# t_86_ezhou — the Ezhou fixture scenario (fixtures/scenario-ezhou) on the
# ezhou preset, end to end: tools/load-scenario.sh builds it (every act
# accepted), `pdl verify` and `pdl verify --replay` pass, its final
# checkpoint is the one pinned in its GOLDEN, a second load is the same
# byte for byte, and the ledger follows Ezhou's process (002 §6, §10–11):
# the genesis policy is the preset; the scenario grant runs 5 years without
# a trial, on registered resources, its agreement and selection notice and
# the providers' approvals deposited; the compliance review is the
# authority's; the product is released only after its P code. Then, on the
# loaded ledger, the acts Ezhou's rules refuse are refused with their rule
# ids and nothing is appended: an operator's review, a release before
# registration, a grant with a trial, a grant on an unregistered resource.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
SCEN=$ROOT/fixtures/scenario-ezhou
LOADER=$ROOT/tools/load-scenario.sh
D=$TMP/l
R=$D/scenario/receipts

ms() { echo "$(date -d "$1" +%s)000"; }
rf() { sed -n "$(($2 + 1))p" "$R/$1.jsonl" | jl - "$3"; }

SCENARIO=$SCEN "$LOADER" "$D" >"$TMP/load.out" 2>"$TMP/load.err"
rc=$?
check_eq "load-scenario.sh (SCENARIO=fixtures/scenario-ezhou) exits 0" "$rc" 0
[ "$rc" -eq 0 ] || { sed 's/^/#   /' "$TMP/load.err" | head -20; finish; }
check_eq "no file had a refused act" "$(grep -c refused "$TMP/load.out")" 0
N=$($PY -c 'import json,sys; print(sum(len(json.load(open(f))) for f in sys.argv[1:]))' "$SCEN"/[0-9]*.json)
gsize=$(awk '$1 == "size" { print $2 }' "$SCEN/GOLDEN")
groot=$(awk '$1 == "root" { print $2 }' "$SCEN/GOLDEN")
check_eq "the files' $N acts and the genesis are GOLDEN's size" "$((N + 1))" "$gsize"
"$PDL" verify --data "$D" >"$TMP/v.json" 2>&1
check_eq "pdl verify passes: size $gsize" "$(jl "$TMP/v.json" 'str(o["ok"])+" "+str(o.get("size"))')" "True $gsize"
"$PDL" verify --replay --data "$D" >"$TMP/vr.json" 2>&1
check_eq "pdl verify --replay passes: $gsize replayed" "$(jl "$TMP/vr.json" 'str(o["ok"])+" "+str(o.get("replayed"))')" "True $gsize"
"$PDL" checkpoint --data "$D" >"$TMP/ck"
check_eq "golden: final checkpoint size and root" "$(sed -n 2,3p "$TMP/ck" | paste -sd' ')" "$gsize $groot"
check_eq "the origin is Ezhou's" "$(sed -n 1p "$TMP/ck")" "demo.pdl.local/ezhou"
SCENARIO=$SCEN "$LOADER" "$TMP/l2" >/dev/null 2>&1
check_eq "a second load gives the same root" "$("$PDL" checkpoint --data "$TMP/l2" | sed -n 3p)" "$groot"

# ---- the ezhou preset and Ezhou's process, from the log
check_eq "the genesis policy is the ezhou preset" \
	"$("$PDL" get 0 --data "$D" | jl - 'json.dumps(o["act"]["body"]["policy"], sort_keys=True)')" \
	'{"accept_wd": 3, "blob_bytes_max": 32768, "disclosure_due": "03-31", "grant_months_max": 60, "grant_total_months_max": 60, "log_retention_months": 12, "notice_wd": 10, "product_registration_before_release": true, "product_reviewer": "authority", "registration_required": true, "trial_months_max": 0}'
check_eq "jurisdiction 420700: codes R-1, R-2, P-1 of Ezhou" \
	"$(cat "$R"/*.jsonl | jl - 'o["outcome"].get("code", "")' | grep -v '^$' | paste -sd' ')" \
	"420700-2026-R-00000001-O 420700-2026-R-00000002-M 420700-2026-P-00000001-C"
GS=$(rf 090-grant.json 0 'o["seq"]')
"$PDL" get "$GS" --data "$D" >"$TMP/grant.json"
check_eq "a scenario grant of 5 years, no trial, citing its agreement and selection notice" \
	"$(jl "$TMP/grant.json" 'o["act"]["body"]["mode"]+" "+o["act"]["body"]["start"]+" "+o["act"]["body"]["end"]+" "+str("trial_end" in o["act"]["body"])+" "+o["act"]["body"]["agreement"]+" "+o["act"]["body"]["selection"]')" \
	"scenario 2026-09-01 2031-08-31 False ev-agreement-logistics ev-selection-logistics"
check_eq "its resources were coded before it" \
	"$(cat "$R"/070-codes.json.jsonl | jl - 'str(o["seq"] < '"$GS"')' | sort -u)" "True"
check_eq "each provider deposited its approval of the scenario authorization before it" \
	"$(for i in 0 1; do "$PDL" get "$(rf 080-approvals.json $i 'o["seq"]')" --data "$D" | jl - 'o["act"]["actor"]+":"+o["act"]["body"]["subject"]'; done | paste -sd' ')" \
	"provider-transport:provider approval of grant-logistics provider-market:provider approval of grant-logistics"
check_eq "the compliance review is the authority's (002 §11)" \
	"$("$PDL" get "$(rf 140-review.json 0 'o["seq"]')" --data "$D" | jl - 'o["act"]["type"]+" "+o["act"]["actor"]')" "product.review authority"
CODE_SEQ=$(rf 160-release.json 0 'o["seq"]')
REL_SEQ=$(rf 160-release.json 1 'o["seq"]')
check_eq "the product is released after its P code (002 §10)" \
	"$("$PDL" get "$CODE_SEQ" --data "$D" | jl - 'o["act"]["type"]+" "+o["outcome"]["code"]') $([ "$REL_SEQ" -gt "$CODE_SEQ" ] && echo before-release)" \
	"registration.assign_code 420700-2026-P-00000001-C before-release"
check_eq "publicize 2026-09-09: notice over make-up Sunday 2026-09-20 ends 2026-09-23" \
	"$(rf 150-product-registration.json 2 'o["outcome"]["notice_ends"]')" "$(ms 2026-09-23T00:00:00+08:00)"
check_eq "the settlement splits the gross exactly" \
	"$(rf 190-settlement-2026-09.json 0 'str(sum(l["amount_fen"] for l in o["outcome"]["lines"]) == o["outcome"]["gross_fen"])+" "+str(o["outcome"]["gross_fen"])')" "True 181245"
check_eq "both 2026 disclosures are on time" \
	"$(rf 200-disclosures.json 1 'o["outcome"]["late"]') $(rf 200-disclosures.json 3 'o["outcome"]["late"]')" "false false"

# ---- what Ezhou's rules refuse, on the loaded ledger
start_pdld "$D" --test-clock || { not_ok "pdld starts"; finish; }
mkdir -p "$TMP/keys" && install -m 600 "$D"/keys/*.key "$TMP/keys/"
"$PDL" clock set --data "$D" 2027-04-01T10:00:00+08:00 >/dev/null
size0=$(log_size "$D")
# refused ACT RULE DESC: submits ACT (JSON), expects PDL_ERULE with RULE
refused() {
	printf '%s\n' "$1" >"$TMP/act.json"
	"$PDL" submit --keys "$TMP/keys" --data "$D" "$TMP/act.json" >"$TMP/act.out" 2>&1
	check_eq "$3: $2" "$?:$(jl "$TMP/act.out" 'o.get("error","")+" "+o.get("rule","")')" "1:PDL_ERULE $2"
}
accepted() {
	printf '%s\n' "$1" >"$TMP/act.json"
	"$PDL" submit --keys "$TMP/keys" --data "$D" "$TMP/act.json" >"$TMP/act.out" 2>&1
	check_eq "$2" "$?" 0
}
accepted '{"type":"product.submit","actor":"developer-y","nonce":900,"body":{"product_id":"prod-y","grant_id":"grant-logistics","name":"Dock slots","inputs":{"resources":["freight-flows"],"products":[]},"category":"industry","price_fen":10,"unit":"per_call"}}' \
	"developer-y submits a product"
refused '{"type":"product.review","actor":"operator-ezhou","nonce":900,"body":{"product_id":"prod-y","outcome":"pass","notes":"ok"}}' \
	product.not_reviewer "the operator's compliance review is refused"
accepted '{"type":"product.review","actor":"authority","nonce":900,"body":{"product_id":"prod-y","outcome":"pass","notes":"ok"}}' \
	"the authority's review is accepted"
accepted '{"type":"product.file","actor":"authority","nonce":901,"body":{"product_id":"prod-y"}}' "the filing is acknowledged"
size1=$(log_size "$D")
refused '{"type":"product.release","actor":"operator-ezhou","nonce":901,"body":{"product_id":"prod-y"}}' \
	product.not_registered "a release before the product is registered is refused"
refused '{"type":"grant.issue","actor":"authority","nonce":902,"body":{"grant_id":"g-trial","operator":"operator-ezhou","mode":"scenario","resources":["freight-flows"],"scope":"s","start":"2027-04-01","trial_end":"2027-07-01","end":"2031-03-31","exclusive":false,"split_bp":{"providers":4000,"operator":3000,"developer":2000,"authority":1000},"fee_cap_fen":1,"agreement":"ev-agreement-logistics"}}' \
	grant.trial_exceeds_policy "a grant with a trial is refused (002 §6: no trial)"
"$PDL" submit --keys "$TMP/keys" --data "$D" /dev/stdin >"$TMP/pub.out" 2>&1 <<'JSON'
{"type":"catalog.publish","actor":"provider-market","nonce":900,"body":{"resource_id":"market-inspections","name":"Inspection results","items":["uscc","date","result"],"format":"CSV","update_frequency":"weekly","usage_conditions":"Aggregates only.","level":2,"attribute":"authorized"}}
JSON
check_eq "an unregistered resource is listed" "$?" 0
refused '{"type":"grant.issue","actor":"authority","nonce":903,"body":{"grant_id":"g-unreg","operator":"operator-ezhou","mode":"scenario","resources":["market-inspections"],"scope":"s","start":"2027-04-01","end":"2031-03-31","exclusive":false,"split_bp":{"providers":4000,"operator":3000,"developer":2000,"authority":1000},"fee_cap_fen":1,"agreement":"ev-agreement-logistics"}}' \
	grant.resource_not_registered "a grant on a resource without a live R code is refused"
check_eq "the refusals appended nothing" "$(log_size "$D")" "$((size1 + 1))"
check "pdld stops" stop_pdld
check_eq "the ledger replays after the extra acts" "$("$PDL" verify --replay --data "$D" | jl - 'str(o["ok"])+" "+str(o.get("replayed"))')" "True $((size0 + 4))"
finish
