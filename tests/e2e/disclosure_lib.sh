# disclosure_lib.sh — shared by t_60_disclosure, t_61_http_errors and
# t_62_browser (bash; source lib.sh first). Not a test itself (run-all.sh
# runs t_*.sh only).
#
# Gives:
#   disc_phase1 DIR   keys, a ledger on the test clock ($DISC_YEAR-03-05 10:00 CST),
#                     pdld, and the first part of the scenario below
#   disc_phase2 DIR   the clock past the notice period, then a code, a quality
#                     resolution and more usage
#   start_proj DIR    pdl-project all --http on a free port ($PORT, $BASE)
#   stop_proj         stops it (call before finish, while pdld runs)
#   wait_view N       waits until the view has applied entries below seq N
#   hget PATH [OUT]   GET $BASE$PATH; prints the status, body to OUT ($TMP/h.body)
#   S[name]           the seq of each named act (from the receipts)
#   jq_ FILE EXPR     evaluates EXPR (Python) on the JSON in FILE (as `o`):
#                     strings print raw, anything else as JSON
#   jraw FILE KEY OUT writes the string o[KEY] of FILE to OUT exactly
#
# The scenario: authority registers prov1 (provider), op1 (operator), dev1
# (developer), reg1 (registrar); prov1 lists res1, res2; the authority
# deposits the agreement AG (no blob); grant G1 (domain,
# trial until June, fee cap 500.00) and G2 (scenario, later terminated
# for breach) to op1; dev1 admitted; call C1 (private purpose) approved and
# two usage reports for res1 in March; product P1 (industry, 19.99 per call)
# released, P2 (public welfare) failed review and disputed (D1, upheld);
# evidence E1 (digest only) and E2 (with a blob); registrations A1 (res1) and
# A2 (res2) under public notice; quality report Q1 (open until phase 2).

PDLPROJ=${PDLPROJ:-$(dirname "$PDL")/pdl-project}
# The test clock may only move forward from the real time, so the scenario
# lives in a fixed year well ahead (a Monday, 5 March, opens it).
DISC_YEAR=2040
declare -A S

jq_() {
	$PY -c 'import json,sys; o=json.load(open(sys.argv[1])); r=eval(sys.argv[2]); print(json.dumps(r, ensure_ascii=False) if isinstance(r,(dict,list,tuple,bool)) or r is None else r)' "$1" "$2"
}

jraw() {
	$PY -c 'import json,sys; open(sys.argv[3],"w").write(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2" "$3"
}

# The scenario's acts as JSON arrays; names → index in the array.
_disc_gen() {
	$PY - "$@" <<'EOF'
import base64, hashlib, json, sys
sys.path.insert(0, sys.argv[1])
import pdlgen
out, keys, phase, Y = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
pk = {}
for p in ("prov1", "op1", "dev1", "reg1"):
    pk[p] = json.load(open("%s/%s.pub.json" % (keys, p)))["public_key"]
nonce = {}
acts, names = [], []
def act(name, actor, type_, body):
    nonce[actor] = nonce.get(actor, 0) + 1
    acts.append({"type": type_, "actor": actor, "nonce": nonce[actor] + (1000 if phase == "2" else 0), "body": body})
    names.append(name)
if phase == "1":
    for i, (p, role) in enumerate((("prov1", "provider"), ("op1", "operator"), ("dev1", "developer"), ("reg1", "registrar"))):
        act("party_" + p, "authority", "party.register",
            {"id": p, "name": {"prov1": "Wuhan Traffic Bureau", "op1": "Wuhan Data Group", "dev1": "Jiangcheng Apps Ltd",
                               "reg1": "Wuhan Data Registry"}[p], "uscc": pdlgen.uscc(100 + i), "roles": [role],
             "public_key": pk[p]})
    for rid, name in (("res1", "Traffic flow"), ("res2", "Road works")):
        act("pub_" + rid, "prov1", "catalog.publish",
            {"resource_id": rid, "name": name, "items": ["time", "segment", "count"], "format": "csv",
             "update_frequency": "daily", "usage_conditions": "authorized operation only", "level": 2,
             "attribute": "authorized"})
    split = {"providers": 4000, "operator": 3000, "developer": 2000, "authority": 1000}
    ag = b"authorized operation agreement"
    act("AG", "authority", "evidence.deposit", {"evidence_id": "AG", "digest": hashlib.sha256(ag).hexdigest(),
                                                "size": len(ag), "media_type": "text/plain", "subject": "agreement"})
    act("G1", "authority", "grant.issue",
        {"grant_id": "G1", "operator": "op1", "mode": "domain", "resources": ["res1", "res2"], "scope": "Smart traffic",
         "start": Y+"-03-01", "end": str(int(Y)+2)+"-02-28", "trial_end": Y+"-06-01", "exclusive": False,
         "split_bp": split, "fee_cap_fen": 50000, "agreement": "AG"})
    act("G2", "authority", "grant.issue",
        {"grant_id": "G2", "operator": "op1", "mode": "scenario", "resources": ["res2"], "scope": "Road works map",
         "start": Y+"-03-01", "end": str(int(Y)+1)+"-02-28", "exclusive": False, "split_bp": split, "fee_cap_fen": 10000,
         "agreement": "AG"})
    act("admit", "op1", "developer.admit", {"grant_id": "G1", "developer": "dev1", "controlled": False})
    act("C1", "dev1", "call.request", {"call_id": "C1", "grant_id": "G1", "resources": ["res1"],
                                       "purpose": "SECRET-PURPOSE route planning for a client"})
    act("C1_ok", "op1", "call.approve", {"call_id": "C1"})
    act("use1", "op1", "call.usage", {"call_id": "C1", "resource_id": "res1", "period": Y+"-03", "records": 1200, "bytes": 480000})
    act("use2", "op1", "call.usage", {"call_id": "C1", "resource_id": "res1", "period": Y+"-03", "records": 300, "bytes": 120000})
    act("P1", "dev1", "product.submit",
        {"product_id": "P1", "grant_id": "G1", "name": "Traffic Index API", "inputs": {"resources": ["res1"], "products": []},
         "category": "industry", "price_fen": 1999, "unit": "per_call"})
    act("P1_review", "op1", "product.review", {"product_id": "P1", "outcome": "pass", "notes": "compliant"})
    act("P1_file", "authority", "product.file", {"product_id": "P1"})
    act("P1_release", "op1", "product.release", {"product_id": "P1"})
    act("P2", "dev1", "product.submit",
        {"product_id": "P2", "grant_id": "G1", "name": "Commute Map", "inputs": {"resources": ["res2"], "products": []},
         "category": "public_welfare", "price_fen": 0, "unit": "per_month"})
    act("P2_review", "op1", "product.review", {"product_id": "P2", "outcome": "fail", "notes": "contains personal data"})
    act("D1", "dev1", "dispute.file", {"dispute_id": "D1", "subject_seq": len(acts), "reason": "SECRET-DISPUTE-DETAIL"})
    act("D1_decide", "authority", "dispute.decide", {"dispute_id": "D1", "outcome": "upheld", "reason": "review again"})
    e1 = b"evidence one"
    act("E1", "prov1", "evidence.deposit", {"evidence_id": "E1", "digest": hashlib.sha256(e1).hexdigest(), "size": len(e1),
                                             "media_type": "text/plain", "subject": "res1"})
    e2 = b"SECRET blob two"
    act("E2", "prov1", "evidence.deposit", {"evidence_id": "E2", "digest": hashlib.sha256(e2).hexdigest(), "size": len(e2),
                                             "media_type": "text/plain", "subject": "res2",
                                             "blob": base64.b64encode(e2).decode()})
    for app, rid, name, ev in (("A1", "res1", "Traffic flow data", "E1"), ("A2", "res2", "Road works data", "E2")):
        act(app, "prov1", "registration.apply", {"application_id": app, "kind": "R", "subject": rid, "name": name,
                                                 "summary": "daily counts", "evidence": [ev]})
        act(app + "_accept", "reg1", "registration.accept", {"application_id": app})
        act(app + "_review", "reg1", "registration.review", {"application_id": app, "outcome": "pass", "notes": "complete"})
        act(app + "_notice", "reg1", "registration.publicize", {"application_id": app})
    act("Q1", "dev1", "quality.report", {"report_id": "Q1", "resource_id": "res1", "issue": "error",
                                         "detail": "SECRET-QUALITY-DETAIL timestamps off"})
    act("G2_end", "authority", "grant.terminate", {"grant_id": "G2", "reason": "breach", "note": "data resold"})
else:
    act("A1_code", "reg1", "registration.assign_code", {"application_id": "A1"})
    act("Q1_resolve", "prov1", "quality.resolve", {"report_id": "Q1", "outcome": "corrected", "reason": "fixed timestamps"})
    act("use3", "op1", "call.usage", {"call_id": "C1", "resource_id": "res1", "period": Y+"-03", "records": 500, "bytes": 1000})
json.dump(acts, open(out + ".json", "w"), indent=1)
open(out + ".names", "w").write("\n".join(names) + "\n")
EOF
}

# _disc_submit DIR NAME: submits $TMP/NAME.json; fills S from the receipts.
_disc_submit() {
	local dir=$1 f=$TMP/$2 i=0 name seq
	"$PDL" submit --keys "$TMP/keys" --data "$dir" "$f.json" >"$f.receipts" 2>"$f.err" || {
		echo "# submit $2 failed:" >&2
		sed 's/^/#   /' "$f.receipts" "$f.err" >&2
		return 1
	}
	while read -r name; do
		i=$((i + 1))
		seq=$(sed -n "${i}p" "$f.receipts" | $PY -c 'import json,sys; print(json.loads(sys.stdin.read())["seq"])')
		S[$name]=$seq
	done <"$f.names"
}

disc_phase1() {
	local dir=$1 p
	mkdir -p "$TMP/keys"
	for p in authority prov1 op1 dev1 reg1; do
		"$PDL" keygen --out "$TMP/keys/$p.key" >"$TMP/keys/$p.pub.json" || return 1
	done
	init_ledger "$dir" --authority-key "$TMP/keys/authority.key" --test-clock || return 1
	start_pdld "$dir" --test-clock --checkpoint-ms 50 || return 1
	"$PDL" clock set --data "$dir" $DISC_YEAR-03-05T10:00:00+08:00 >/dev/null || return 1
	_disc_gen "$E2E" "$TMP/phase1" "$TMP/keys" 1 "$DISC_YEAR" && _disc_submit "$dir" phase1
}

disc_phase2() {
	local dir=$1
	"$PDL" clock set --data "$dir" $DISC_YEAR-03-23T10:00:00+08:00 >/dev/null || return 1
	_disc_gen "$E2E" "$TMP/phase2" "$TMP/keys" 2 "$DISC_YEAR" && _disc_submit "$dir" phase2
}

PROJ_PID=""
# lib.sh's cleanup stops pdld first; stop pdl-project before it does.
trap '_disc_rc=$?; stop_proj; (exit $_disc_rc); cleanup' EXIT

start_proj() {
	local dir=$1 n=100
	PORT=$(free_port)
	BASE=http://127.0.0.1:$PORT
	"$PDLPROJ" all --ledger "ipc://$dir/pdl.sock" --data "$TMP/proj" --http "127.0.0.1:$PORT" >>"$TMP/proj.log" 2>&1 &
	PROJ_PID=$!
	while [ "$(hget /v1/ 2>/dev/null)" != 200 ]; do
		if ! kill -0 "$PROJ_PID" 2>/dev/null || [ "$n" -le 0 ]; then
			echo "# pdl-project did not start; its log:" >&2
			sed 's/^/#   /' "$TMP/proj.log" >&2
			return 1
		fi
		sleep 0.1
		n=$((n - 1))
	done
}

# stop_proj: SIGTERM pdl-project while pdld still runs (a pdl-project whose
# pdld is gone may wait out a 30 s REQ timeout before it sees the signal).
stop_proj() {
	[ -n "$PROJ_PID" ] || return 0
	kill -TERM "$PROJ_PID" 2>/dev/null
	_wait_gone "$PROJ_PID" 100 || kill -9 "$PROJ_PID" 2>/dev/null
	wait "$PROJ_PID" 2>/dev/null
	PROJ_PID=""
}

hget() {
	$PY - "$BASE$1" "${2:-$TMP/h.body}" <<'EOF'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=20)
    code, body = r.status, r.read()
except urllib.error.HTTPError as e:
    code, body = e.code, e.read()
except Exception as e:
    code, body = 0, str(e).encode()
open(sys.argv[2], "wb").write(body)
print(code)
EOF
}

# wait_view N: until /v1/ says the view applied seq N-1 (10 s).
wait_view() {
	local want=$(($1 - 1)) n=100 got
	while [ "$n" -gt 0 ]; do
		hget /v1/ "$TMP/.wv" >/dev/null
		got=$($PY -c 'import json,sys; a=json.load(open(sys.argv[1])).get("as_of"); print(a["seq"] if a else -1)' "$TMP/.wv" 2>/dev/null)
		[ "$got" = "$want" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# bulk_view DIR N TEXT_LEN PREFIX: disc_phase1, then prov1 lists N more
# resources PREFIX-00000…, each with usage conditions of TEXT_LEN
# characters, then start_proj and wait_view; each step checked (1 when
# one failed). Sets LAST to the last seq.
bulk_view() {
	local dir=$1 n=$2 len=$3 prefix=$4
	disc_phase1 "$dir" || { not_ok "the scenario is accepted by the ledger"; return 1; }
	$PY - "$TMP/bulk.json" "$n" "$len" "$prefix" <<'PY'
import json, sys
n, ln, prefix = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
acts = [{"type": "catalog.publish", "actor": "prov1", "nonce": 500000 + i,
         "body": {"resource_id": "%s-%05d" % (prefix, i), "name": "%s resource %d" % (prefix, i),
                  "items": ["a", "b"], "format": "CSV", "update_frequency": "daily",
                  "usage_conditions": "c" * ln, "level": 1, "attribute": "open"}} for i in range(n)]
json.dump(acts, open(sys.argv[1], "w"))
PY
	"$PDL" submit --key "$TMP/keys/prov1.key" --data "$dir" --batch 500 "$TMP/bulk.json" >"$TMP/bulk.out" 2>&1
	check_eq "$n more resources listed" "$(grep -c '"seq"' "$TMP/bulk.out")" "$n"
	LAST=$(tail -1 "$TMP/bulk.out" | jl - 'o["seq"]')
	start_proj "$dir" || { not_ok "pdl-project all --http starts"; return 1; }
	check "the view catches up to seq $LAST" wait_view $((LAST + 1))
}
