#!/usr/bin/env bash
# t_81_registration_holiday — one registration from apply to code across the
# 2026 National Day holiday (国庆, 2026-10-01..07) and weekends, on the test
# clock, with the fixture parties and the fixture 2026 calendar (make-up
# workdays 2026-09-20 and 2026-10-10):
#   apply     Wed 2026-09-30 15:00 → accept_due = first ms of Sun 2026-10-11
#             (accept_wd 3: Thu 10-08, Fri 10-09, make-up Sat 10-10)
#   accept    Thu 2026-10-08 (in time), review pass, publicize Fri 2026-10-09
#             → notice_ends = first ms of Fri 2026-10-23 (notice_wd 10: Sat
#             10-10, 10-12..16, 10-19..22; Sun 10-11 and 10-17/18 are off)
#   assign_code one ms before notice_ends → registration.notice_not_over;
#             at notice_ends → the code, which `pdl code check` accepts.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
SCEN=$ROOT/fixtures/scenario
D=$TMP/l
K=$TMP/keys
mkdir -p "$K" && install -m 600 "$ROOT"/fixtures/keys/*.key "$K/"

ms() { echo "$(date -d "$1" +%s)000"; }
clock() { "$PDL" clock set --data "$D" "$1" >/dev/null; }
# submit NAME JSON: submits one act (JSON text), receipt in $TMP/NAME.out
submit() {
	printf '%s\n' "$2" >"$TMP/$1.json"
	"$PDL" submit --keys "$K" --data "$D" "$TMP/$1.json" >"$TMP/$1.out" 2>&1
}
field() { jl "$TMP/$1.out" "$2"; }

init_ledger "$D" --authority-key "$K/authority.key" --time 2026-09-29T09:00:00+08:00 --test-clock ||
	{ not_ok "pdl init"; finish; }
start_pdld "$D" --test-clock || { not_ok "pdld starts"; finish; }
check_eq "the policy's accept_wd is 3 and notice_wd 10" \
	"$("$PDL" get 0 --data "$D" | jl - 'str(o["act"]["body"]["policy"]["accept_wd"])+" "+str(o["act"]["body"]["policy"]["notice_wd"])')" "3 10"

clock 2026-09-29T10:00:00+08:00
"$PDL" submit --keys "$K" --data "$D" "$SCEN/010-parties.json" "$SCEN/020-calendar.json" >"$TMP/setup.out" 2>&1
NSETUP=$($PY -c 'import json,sys; print(sum(len(json.load(open(f))) for f in sys.argv[1:]))' "$SCEN/010-parties.json" "$SCEN/020-calendar.json")
check_eq "fixture parties and 2026 calendar accepted ($NSETUP acts)" "$?:$(grep -c '"seq"' "$TMP/setup.out")" "0:$NSETUP"
check_eq "the calendar has 2026-10-10 as a make-up workday" \
	"$($PY -c 'import json,sys; print("2026-10-10" in json.load(open(sys.argv[1]))[0]["body"]["workdays"])' "$SCEN/020-calendar.json")" True

# ---- apply on the afternoon before the holiday
clock 2026-09-30T15:00:00+08:00
DOC="Holiday registration test document"
DIG=$(printf '%s' "$DOC" | sha256sum | cut -d' ' -f1)
submit dep '{"type":"evidence.deposit","actor":"provider-transit","nonce":5001,"body":{"evidence_id":"ev-holiday","digest":"'"$DIG"'","size":'"${#DOC}"',"media_type":"text/plain","subject":"holiday test"}}'
check_eq "evidence deposited" "$?" 0
# the subject must be the holder's resource (registration.subject_not_holders)
submit res '{"type":"catalog.publish","actor":"provider-transit","nonce":5000,"body":{"resource_id":"transit-ridership","name":"Metro and bus ridership","items":["station_id","hour","entries"],"format":"CSV","update_frequency":"hourly","usage_conditions":"Aggregates only.","level":2,"attribute":"authorized"}}'
check_eq "the resource is listed" "$?" 0
submit apply '{"type":"registration.apply","actor":"provider-transit","nonce":5002,"body":{"application_id":"reg-holiday","kind":"R","subject":"transit-ridership","name":"Ridership","summary":"Applied before National Day.","evidence":["ev-holiday"]}}'
check_eq "registration.apply accepted" "$?" 0
check_eq "accept_due = first ms of 2026-10-11 CST ($(ms 2026-10-11T00:00:00+08:00))" \
	"$(field apply 'o["outcome"]["accept_due"]')" "$(ms 2026-10-11T00:00:00+08:00)"
check_eq "accept_due is 2026-10-10T16:00:00Z" \
	"$(date -u -d @$(($(field apply 'o["outcome"]["accept_due"]') / 1000)) +%Y-%m-%dT%H:%M:%SZ)" 2026-10-10T16:00:00Z

# ---- during the holiday nothing happens; accept on the first working day
clock 2026-10-08T09:30:00+08:00
submit accept '{"type":"registration.accept","actor":"registrar","nonce":5001,"body":{"application_id":"reg-holiday"}}'
check_eq "registration.accept on 2026-10-08" "$?" 0
clock 2026-10-09T10:00:00+08:00
submit review '{"type":"registration.review","actor":"registrar","nonce":5002,"body":{"application_id":"reg-holiday","outcome":"pass","notes":"Complete."}}'
check_eq "registration.review pass" "$?" 0
clock 2026-10-09T11:00:00+08:00
submit pub '{"type":"registration.publicize","actor":"registrar","nonce":5003,"body":{"application_id":"reg-holiday"}}'
check_eq "registration.publicize on Fri 2026-10-09" "$?" 0
NE=$(field pub 'o["outcome"]["notice_ends"]')
check_eq "notice_ends = first ms of Fri 2026-10-23 CST (10 working days incl. make-up Sat 10-10)" \
	"$NE" "$(ms 2026-10-23T00:00:00+08:00)"

# ---- assign_code: refused one ms early, accepted at notice_ends
clock $((NE - 1))
submit early '{"type":"registration.assign_code","actor":"registrar","nonce":5004,"body":{"application_id":"reg-holiday"}}'
check_eq "assign_code one ms before notice_ends: refused, registration.notice_not_over" \
	"$?:$(field early 'o.get("error")+" "+o.get("rule","")')" "1:PDL_ERULE registration.notice_not_over"
check_eq "the refusal appended nothing (log size $((NSETUP + 7)))" "$(log_size "$D")" $((NSETUP + 7))
clock "$NE"
submit code '{"type":"registration.assign_code","actor":"registrar","nonce":5005,"body":{"application_id":"reg-holiday"}}'
check_eq "assign_code at notice_ends: accepted" "$?" 0
check_eq "its entry time is notice_ends" "$(field code 'o["time_ms"]')" "$NE"
CODE=$(field code 'o["outcome"].get("code")')
check_eq "the code is the first resource code of 2026 in 420100" "$CODE" 420100-2026-R-00000001-T
check_eq "pdl code check validates it" "$("$PDL" code check "$CODE" | jl - 'o["valid"]')" true
"$PDL" code check "${CODE%?}U" >/dev/null 2>&1
check_eq "pdl code check refuses a wrong check character" "$?" 1

check "pdld stops" stop_pdld
check_eq "pdl verify --replay passes (size $((NSETUP + 8)))" \
	"$("$PDL" verify --replay --data "$D" 2>&1 | jl - 'str(o["ok"])+" "+str(o.get("replayed"))')" "True $((NSETUP + 8))"
finish
