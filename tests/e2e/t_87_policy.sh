#!/usr/bin/env bash
# t_87_policy — `pdl init --policy`: the presets of ACTS.md (wuhan, ezhou,
# national) written out in full in the genesis, a policy file (with and
# without a preset to start from), the defaults without --policy, and the
# refusals: an unknown preset name, an unknown field, a disclosure date not
# every year has. Each genesis is checked as pdl get shows it, and its
# ledger verifies.
. "$(dirname "$0")/lib.sh"

pol() { "$PDL" get 0 --data "$1" | jl - 'json.dumps(o["act"]["body"]["policy"], sort_keys=True)'; }
n=0
init_as() {
	n=$((n + 1))
	"$PDL" init --data "$TMP/l$n" --origin test.example/pdl --jurisdiction 420100 "$@" >"$TMP/l$n.out" 2>"$TMP/l$n.err"
}

init_as --policy wuhan
check_eq "--policy wuhan" "$?:$(pol "$TMP/l$n")" \
	'0:{"accept_wd": 3, "blob_bytes_max": 32768, "disclosure_due": "03-31", "grant_months_max": 36, "grant_total_months_max": 60, "log_retention_months": 12, "notice_wd": 10, "product_registration_before_release": false, "product_reviewer": "operator", "registration_required": true, "trial_months_max": 6}'
check_eq "pdl init prints the policy it wrote" "$(jl "$TMP/l$n.out" 'o["policy"]["grant_months_max"]')" 36
init_as --policy ezhou
check_eq "--policy ezhou" "$?:$(pol "$TMP/l$n")" \
	'0:{"accept_wd": 3, "blob_bytes_max": 32768, "disclosure_due": "03-31", "grant_months_max": 60, "grant_total_months_max": 60, "log_retention_months": 12, "notice_wd": 10, "product_registration_before_release": true, "product_reviewer": "authority", "registration_required": true, "trial_months_max": 0}'
init_as --policy national
check_eq "--policy national" "$?:$(pol "$TMP/l$n")" \
	'0:{"accept_wd": 3, "blob_bytes_max": 32768, "disclosure_due": "03-31", "grant_months_max": 60, "grant_total_months_max": 60, "log_retention_months": 12, "notice_wd": 10, "product_registration_before_release": false, "product_reviewer": "operator", "registration_required": true, "trial_months_max": 60}'
check "the national ledger verifies" "$PDL" verify --data "$TMP/l$n"
init_as
check_eq "no --policy: the old bounds (60 + 6, total 66), no registration gate, written out" "$?:$(pol "$TMP/l$n")" \
	'0:{"accept_wd": 3, "blob_bytes_max": 32768, "disclosure_due": "03-31", "grant_months_max": 60, "grant_total_months_max": 66, "log_retention_months": 12, "notice_wd": 10, "product_registration_before_release": false, "product_reviewer": "operator", "registration_required": false, "trial_months_max": 6}'
printf '{"preset":"wuhan","notice_wd":15,"log_retention_months":24}\n' >"$TMP/p1.json"
init_as --policy "$TMP/p1.json"
check_eq "a file starting from a preset" "$?:$(pol "$TMP/l$n" | jl - 'str(o["notice_wd"])+" "+str(o["log_retention_months"])+" "+str(o["grant_months_max"])+" "+str(o["registration_required"])')" \
	"0:15 24 36 True"
printf '{"grant_months_max":48,"trial_months_max":3,"disclosure_due":"04-30","product_reviewer":"authority"}\n' >"$TMP/p2.json"
init_as --policy "$TMP/p2.json"
check_eq "a file of fields: the total follows term + trial" "$?:$(pol "$TMP/l$n" | jl - 'str(o["grant_total_months_max"])+" "+o["disclosure_due"]+" "+o["product_reviewer"]')" \
	"0:51 04-30 authority"
init_as --policy beijing
check_eq "an unknown preset name (and no such file) is a usage error" "$?" 2
grep -q "wuhan, ezhou, national or a JSON file" "$TMP/l$n.err"
check_eq "… which names the presets" "$?" 0
printf '{"retention":12}\n' >"$TMP/p3.json"
init_as --policy "$TMP/p3.json"
check_eq "an unknown policy field is refused" "$?:$(grep -c 'unknown policy field' "$TMP/l$n.err")" "1:1"
printf '{"disclosure_due":"02-29"}\n' >"$TMP/p4.json"
init_as --policy "$TMP/p4.json"
check_eq "a due date not every year has is refused: ledger.policy_invalid" "$?:$(grep -c 'ledger.policy_invalid' "$TMP/l$n.err")" "1:1"
check_eq "… and leaves no ledger behind" "$(test -e "$TMP/l$n/data.mdb" && echo yes || echo no)" no
"$PDL" init --help >"$TMP/help" 2>&1
check_eq "pdl init --help describes the presets" "$(grep -c -e '--policy wuhan|ezhou|national|FILE' -e 'ezhou     term' "$TMP/help")" 2
finish
