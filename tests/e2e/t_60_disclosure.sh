#!/usr/bin/env bash
# t_60_disclosure — the disclosure view over a real pdld and pdl-project:
# grants, products, usage, registrations, codes and disputes with exact
# values and the seqs they came from; private entries answer 403 and never
# reach the feed; public entries come with bytes and a proof that the
# independent outside_verify.py accepts; the feed pages with stable
# cursors; the annual report; a rebuild gives the same digest.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/disclosure_lib.sh"

D=$TMP/l
disc_phase1 "$D" || { not_ok "scenario phase 1 is accepted by the ledger"; finish; }
ok "scenario phase 1 is accepted by the ledger ($((${S[G2_end]} + 1)) entries)"
start_proj "$D" || { not_ok "pdl-project all --http starts"; finish; }
ok "pdl-project all --http starts on port $PORT"
check "the view catches up to seq ${S[G2_end]}" wait_view $((${S[G2_end]} + 1))

# ---- before phase 2: the open quality report is private
check_eq "open quality report Q1 (seq ${S[Q1]}): 403" "$(hget "/v1/entries/${S[Q1]}")" 403
check_eq "403 names the type and says not_public" "$(jq_ "$TMP/h.body" '(o["error"], o["type"], o["seq"])')" \
	"[\"not_public\", \"quality.report\", ${S[Q1]}]"
check_eq "registrations under notice before the deadline: A1, A2, notice not over" \
	"$(hget '/v1/registrations?status=notice'):$(jq_ "$TMP/h.body" '[(i["application_id"], i["notice_over"]) for i in o["items"]]')" \
	'200:[["A1", false], ["A2", false]]'

disc_phase2 "$D" || { not_ok "scenario phase 2 is accepted"; finish; }
ok "scenario phase 2 is accepted"
LAST=${S[use3]}
check "the view catches up to seq $LAST" wait_view $((LAST + 1))
CODE=$(sed -n 1p "$TMP/phase2.receipts" | $PY -c 'import json,sys; print(json.loads(sys.stdin.read())["outcome"]["code"])')
check_eq "A1's code is the first R code of 2040 in 420100" "$(echo "$CODE" | cut -c1-22)" "420100-2040-R-00000001"

# ---- grants
check_eq "/v1/grants: 200" "$(hget /v1/grants "$TMP/grants.json")" 200
check_eq "grants: G1, G2 in id order" "$(jq_ "$TMP/grants.json" '[g["grant_id"] for g in o["items"]]')" '["G1", "G2"]'
check_eq "G1: operator, mode, scope, resources" \
	"$(jq_ "$TMP/grants.json" '[(g["operator"], g["operator_name"], g["mode"], g["scope"], g["resources"]) for g in o["items"]][0]')" \
	'["op1", "Wuhan Data Group", "domain", "Smart traffic", ["res1", "res2"]]'
check_eq "G1: term, trial, fee cap, split" \
	"$(jq_ "$TMP/grants.json" '[(g["start"], g["end"], g["trial"], g["trial_end"], g["phase"], g["fee_cap_fen"], g["split_bp"]["providers"]) for g in o["items"]][0]')" \
	'["2040-03-01", "2042-02-28", true, "2040-06-01", "trial", 50000, 4000]'
check_eq "G1: active, no exit, seq of its grant.issue" \
	"$(jq_ "$TMP/grants.json" '[(g["status"], g["exit_reason"], g["seq"]) for g in o["items"]][0]')" \
	"[\"active\", null, ${S[G1]}]"
check_eq "G1: dev1 admitted (seq of developer.admit)" \
	"$(jq_ "$TMP/grants.json" 'o["items"][0]["developers"]["dev1"]["status"] + " " + str(o["items"][0]["developers"]["dev1"]["seq"])')" \
	"admitted ${S[admit]}"
check_eq "G2: terminated for breach, exit seq, note, no trial" \
	"$(jq_ "$TMP/grants.json" '[(g["status"], g["exit_reason"], g["exit_note"], g["exit_seq"], g["trial"], g["seq"]) for g in o["items"]][1]')" \
	"[\"terminated\", \"breach\", \"data resold\", ${S[G2_end]}, false, ${S[G2]}]"
hget '/v1/grants?status=terminated' >/dev/null
check_eq "/v1/grants?status=terminated: G2 only" "$(jq_ "$TMP/h.body" '[g["grant_id"] for g in o["items"]]')" '["G2"]'
check_eq "/v1/grants/G1: 200, seq ${S[G1]}" "$(hget /v1/grants/G1):$(jq_ "$TMP/h.body" 'o["seq"]')" "200:${S[G1]}"

# ---- products
check_eq "/v1/products: 200" "$(hget /v1/products "$TMP/products.json")" 200
check_eq "released products: P1 only" "$(jq_ "$TMP/products.json" '[p["product_id"] for p in o["items"]]')" '["P1"]'
check_eq "P1: name, category, price, unit" \
	"$(jq_ "$TMP/products.json" '[(p["name"], p["category"], p["price_fen"], p["unit"]) for p in o["items"]][0]')" \
	'["Traffic Index API", "industry", 1999, "per_call"]'
check_eq "P1: released, operator, grant, seqs of submit and release" \
	"$(jq_ "$TMP/products.json" '[(p["status"], p["operator"], p["grant_id"], p["seq"], p["released_seq"]) for p in o["items"]][0]')" \
	"[\"released\", \"op1\", \"G1\", ${S[P1]}, ${S[P1_release]}]"
hget '/v1/products?status=all' >/dev/null
check_eq "/v1/products?status=all: P1 released, P2 failed" \
	"$(jq_ "$TMP/h.body" '[(p["product_id"], p["status"], p["price_fen"]) for p in o["items"]]')" \
	'[["P1", "released", 1999], ["P2", "failed", 0]]'

# ---- usage
check_eq "/v1/usage: 200" "$(hget /v1/usage "$TMP/usage.json")" 200
check_eq "usage of res1 in 2040-03: records and bytes summed over three reports" \
	"$(jq_ "$TMP/usage.json" '[(u["resource_id"], u["period"], u["records"], u["bytes"], u["reports"]) for u in o["items"]]')" \
	'[["res1", "2040-03", 2000, 601000, 3]]'
check_eq "usage item carries the seqs of its call.usage entries" "$(jq_ "$TMP/usage.json" 'o["items"][0]["seqs"]')" \
	"[${S[use1]}, ${S[use2]}, ${S[use3]}]"
check_eq "usage per operator" "$(jq_ "$TMP/usage.json" 'o["items"][0]["operators"]')" '{"op1": {"bytes": 601000, "records": 2000}}'

# ---- registrations and codes
NE=$(sed -n "$(grep -nx A2_notice "$TMP/phase1.names" | cut -d: -f1)p" "$TMP/phase1.receipts" | $PY -c 'import json,sys; print(json.loads(sys.stdin.read())["outcome"]["notice_ends"])')
check_eq "/v1/registrations?status=notice: 200" "$(hget '/v1/registrations?status=notice')" 200
check_eq "under notice: A2 with the ledger's notice_ends, notice seq, deadline in CST" \
	"$(jq_ "$TMP/h.body" '[(r["application_id"], r["notice_ends"], r["notice_seq"], r["notice_ends_time"], r["notice_over"]) for r in o["items"]]')" \
	"[[\"A2\", $NE, ${S[A2_notice]}, \"2040-03-20T00:00:00+08:00\", true]]"
hget '/v1/registrations?status=coded' >/dev/null
check_eq "coded: A1 with its code" "$(jq_ "$TMP/h.body" '[(r["application_id"], r["code"]) for r in o["items"]]')" "[[\"A1\", \"$CODE\"]]"
check_eq "/v1/registrations/$CODE: 200" "$(hget "/v1/registrations/$CODE")" 200
check_eq "by code: application, holder, kind, subject, seqs of apply and assign_code" \
	"$(jq_ "$TMP/h.body" '(o["application_id"], o["holder"], o["kind"], o["subject"], o["name"], o["status"], o["seq"], o["code_seq"])')" \
	"[\"A1\", \"prov1\", \"R\", \"res1\", \"Traffic flow data\", \"coded\", ${S[A1]}, ${S[A1_code]}]"

# ---- disputes
check_eq "/v1/disputes: 200" "$(hget /v1/disputes "$TMP/disputes.json")" 200
check_eq "D1: upheld on the product review it named, seq of the decision" \
	"$(jq_ "$TMP/disputes.json" '[(d["dispute_id"], d["outcome"], d["reason"], d["subject_type"], d["subject_seq"], d["seq"]) for d in o["items"]]')" \
	"[[\"D1\", \"upheld\", \"review again\", \"product.review\", ${S[P2_review]}, ${S[D1_decide]}]]"
check "dispute outcome does not carry the filer's reason" not grep -q SECRET-DISPUTE-DETAIL "$TMP/disputes.json"

# ---- entries: private ones 403, public ones with bytes and proof
for n in C1 C1_ok D1 E2; do
	check_eq "/v1/entries/${S[$n]} ($n, private): 403 not_public" \
		"$(hget "/v1/entries/${S[$n]}"):$(jq_ "$TMP/h.body" 'o["error"]')" "403:not_public"
	check "403 for $n does not leak its body" not grep -q SECRET "$TMP/h.body"
done
check_eq "resolved quality report Q1 is now public: 200" "$(hget "/v1/entries/${S[Q1]}")" 200
check_eq "evidence E1 without a blob is public: 200" "$(hget "/v1/entries/${S[E1]}")" 200
wait_ckpt "$D" $((LAST + 1)) || not_ok "a checkpoint covers the scenario"
G1S=${S[G1]}
check_eq "/v1/entries/$G1S (grant.issue): 200" "$(hget "/v1/entries/$G1S" "$TMP/e_g1.json")" 200
check_eq "entry JSON: seq, type, grant id" \
	"$(jq_ "$TMP/e_g1.json" '(o["seq"], o["act"]["type"], o["act"]["body"]["grant_id"])')" "[$G1S, \"grant.issue\", \"G1\"]"
$PY -c 'import json,sys,base64; open(sys.argv[2],"wb").write(base64.b64decode(json.load(open(sys.argv[1]))["entry"]))' \
	"$TMP/e_g1.json" "$TMP/e_g1.raw"
"$PDL" get "$G1S" --raw --data "$D" >"$TMP/e_g1.pdl.raw"
check "entry bytes are the leaf bytes pdl get --raw prints" cmp "$TMP/e_g1.raw" "$TMP/e_g1.pdl.raw"
LH=$($PY -c 'import hashlib,base64,sys; print(base64.b64encode(hashlib.sha256(b"\0"+open(sys.argv[1],"rb").read()).digest()).decode())' "$TMP/e_g1.raw")
check_eq "SHA-256(0x00||bytes) equals the proof's leaf hash" "$(jq_ "$TMP/e_g1.json" 'o["proof"]["leaf_hash"]')" "$LH"
check_eq "the proof is for the checkpoint served with it" \
	"$(jq_ "$TMP/e_g1.json" 'o["proof"]["size"] == int(o["checkpoint"].split("\n")[1]) and o["proof"]["index"] == o["seq"]')" true
jraw "$TMP/e_g1.json" checkpoint "$TMP/e_g1.note"
jq_ "$TMP/e_g1.json" 'o["proof"]' >"$TMP/e_g1.proof"
check "outside_verify.py accepts the entry's inclusion proof against its signed checkpoint" \
	$OV inclusion "$VKEY" "$TMP/e_g1.note" "$TMP/e_g1.raw" "$TMP/e_g1.proof"

# ---- checkpoint and proofs
check_eq "/v1/checkpoint: 200, verified, size $((LAST + 1))" \
	"$(hget /v1/checkpoint "$TMP/ck.json"):$(jq_ "$TMP/ck.json" '(o["verified"], o["size"])')" "200:[true, $((LAST + 1))]"
jraw "$TMP/ck.json" note "$TMP/ck.note"
check "outside_verify.py accepts /v1/checkpoint's note" $OV checkpoint "$VKEY" "$TMP/ck.note"
check_eq "checkpoint root is the note's" "$(jq_ "$TMP/ck.json" 'o["root"]')" "$(sed -n 3p "$TMP/ck.note")"
IX=${S[P1_release]}
hget "/v1/proof/inclusion?index=$IX&size=$((LAST + 1))" >/dev/null
"$PDL" proof inclusion "$IX" $((LAST + 1)) --data "$D" >"$TMP/pdl.proof"
check_eq "/v1/proof/inclusion equals pdl proof inclusion" \
	"$(jq_ "$TMP/h.body" '(o["index"], o["size"], o["leaf_hash"], o["proof"])')" \
	"$(jq_ "$TMP/pdl.proof" '(o["index"], o["size"], o["leaf_hash"], o["proof"])')"

# ---- feed: public items only, paged with stable cursors
check_eq "/v1/feed?limit=1000: 200" "$(hget '/v1/feed?limit=1000' "$TMP/feed_all.json")" 200
PRIV="${S[C1]} ${S[C1_ok]} ${S[D1]} ${S[E2]}"
WANT=$($PY -c 'import sys; p=set(map(int,sys.argv[2].split())); print([s for s in range(int(sys.argv[1])+1) if s not in p])' "$LAST" "$PRIV ${S[Q1]}")
check_eq "feed holds every public seq (Q1 is not re-inserted behind the head)" \
	"$(jq_ "$TMP/feed_all.json" '[i["seq"] for i in o["items"] if i["seq"] != '"${S[Q1]}"']')" "$WANT"
check_eq "the open report's own seq never enters the feed" "$(jq_ "$TMP/feed_all.json" '[i["seq"] for i in o["items"] if i["seq"] == '"${S[Q1]}"']')" "[]"
check_eq "last page: next is the last seq, more false" "$(jq_ "$TMP/feed_all.json" '(o["next"], o["more"])')" "[$LAST, false]"
check "feed has no call purpose, dispute reason or evidence blob" not grep -Eq 'SECRET-PURPOSE|SECRET-DISPUTE|U0VDUkVUIGJsb2I' "$TMP/feed_all.json"
check_eq "quality.resolve item carries the report it made public" \
	"$(jq_ "$TMP/feed_all.json" '[(i["report"]["seq"], i["report"]["detail"]) for i in o["items"] if i["type"] == "quality.resolve"]')" \
	"[[${S[Q1]}, \"SECRET-QUALITY-DETAIL timestamps off\"]]"
# page through 7 at a time
after=""
pages=0
: >"$TMP/paged.seqs"
while :; do
	hget "/v1/feed?limit=7${after:+&after=$after}" >/dev/null
	jq_ "$TMP/h.body" '" ".join(str(i["seq"]) for i in o["items"])' >>"$TMP/paged.seqs"
	pages=$((pages + 1))
	[ "$(jq_ "$TMP/h.body" 'o["more"]')" = true ] || break
	after=$(jq_ "$TMP/h.body" 'o["next"]')
	[ $pages -lt 50 ] || break
done
check_eq "paging 7 at a time gives the same seqs in order" "$(tr '\n' ' ' <"$TMP/paged.seqs" | tr -s ' ' | sed 's/ $//')" \
	"$(jq_ "$TMP/feed_all.json" '" ".join(str(i["seq"]) for i in o["items"])')"
hget "/v1/feed?after=${S[G2_end]}" >/dev/null
check_eq "after=${S[G2_end]} starts right after it" "$(jq_ "$TMP/h.body" '[i["seq"] for i in o["items"]]')" \
	"[${S[A1_code]}, ${S[Q1_resolve]}, ${S[use3]}]"
hget "/v1/feed?after=$LAST" >/dev/null
check_eq "after the head: no items, next stays" "$(jq_ "$TMP/h.body" '(o["items"], o["next"], o["more"])')" "[[], $LAST, false]"

# ---- Atom
check_eq "/v1/feed.atom: 200" "$(hget /v1/feed.atom "$TMP/feed.atom")" 200
check_eq "Atom parses; newest entry first; absolute links to its entry page and JSON (from the Host header)" \
	"$($PY - "$TMP/feed.atom" <<'EOF'
import sys, xml.etree.ElementTree as ET
ns = {"a": "http://www.w3.org/2005/Atom"}
r = ET.parse(sys.argv[1]).getroot()
es = r.findall("a:entry", ns)
links = {l.get("rel"): l.get("href") for l in es[0].findall("a:link", ns)}
print(len(es), es[0].find("a:id", ns).text.rsplit(":", 1)[1], links["alternate"], links["related"],
      {l.get("rel"): l.get("href") for l in r.findall("a:link", ns)}["self"])
EOF
)" "$(jq_ "$TMP/feed_all.json" 'len(o["items"])') $LAST $BASE/entries/$LAST $BASE/v1/entries/$LAST $BASE/v1/feed.atom"
check_eq "Atom summaries are readable: label, type, subject, who, CST time" \
	"$($PY - "$TMP/feed.atom" <<'EOF'
import sys, xml.etree.ElementTree as ET
ns = {"a": "http://www.w3.org/2005/Atom"}
es = ET.parse(sys.argv[1]).getroot().findall("a:entry", ns)
s = [e.find("a:summary", ns).text for e in es]
print(next(x for x in s if "product.release" in x).split(",")[0])
EOF
)" "产品上架 product.release P1 — Wuhan Data Group (op1)"
# a Host header that is not a host: no absolute links from it (relative ones instead)
check_eq "a Host header with markup gives relative Atom links, never echoed" "$($PY - "$BASE" <<'EOF'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/v1/feed.atom?limit=1", headers={"Host": 'evil.example"><x'})
body = urllib.request.urlopen(req, timeout=20).read().decode()
print("evil" in body, 'href="/v1/entries/' in body)
EOF
)" "False True"
check_eq "feed items carry an ISO time (CST) beside time_ms" \
	"$(jq_ "$TMP/feed_all.json" 'sorted({i["time_cst"][-6:] for i in o["items"]}) + [all(i["time_cst"].startswith("2040-03-") for i in o["items"][1:])]')" \
	'["+08:00", true]'

# ---- the evidence check (/verify asks it): public deposits of a digest, never private ones
E1D=$($PY -c 'import hashlib; print(hashlib.sha256(b"evidence one").hexdigest())')
E2D=$($PY -c 'import hashlib; print(hashlib.sha256(b"SECRET blob two").hexdigest())')
check_eq "/v1/evidence?digest=<E1's>: 200" "$(hget "/v1/evidence?digest=$E1D")" 200
check_eq "…names E1's deposit: who, when, its entry" \
	"$(jq_ "$TMP/h.body" '[(i["evidence_id"], i["depositor"], i["depositor_name"], i["seq"], i["size"], i["time_cst"][-6:]) for i in o["items"]]')" \
	"[[\"E1\", \"prov1\", \"Wuhan Traffic Bureau\", ${S[E1]}, 12, \"+08:00\"]]"
hget "/v1/evidence?digest=$(echo "$E1D" | tr a-f A-F)" >/dev/null
check_eq "…the digest in capitals finds the same" "$(jq_ "$TMP/h.body" '[i["seq"] for i in o["items"]]')" "[${S[E1]}]"
hget "/v1/evidence?digest=$E2D" >/dev/null
check_eq "E2 carries its blob (private): no public deposit of its digest" \
	"$(jq_ "$TMP/h.body" '(o["items"], o["more"])')" "[[], false]"
hget "/v1/evidence?digest=$(printf '%064d' 0)" >/dev/null
check_eq "an unknown digest: no items" "$(jq_ "$TMP/h.body" 'o["items"]')" "[]"

# ---- annual report
check_eq "/v1/reports/annual?year=2040: 200" "$(hget '/v1/reports/annual?year=2040' "$TMP/annual.json")" 200
check_eq "annual: grants with object, mode, term, status, exit" \
	"$(jq_ "$TMP/annual.json" '[(g["grant_id"], g["operator"], g["mode"], g["start"], g["end"], g["status"], g["exit_reason"]) for g in o["grants"]]')" \
	'[["G1", "op1", "domain", "2040-03-01", "2042-02-28", "active", null], ["G2", "op1", "scenario", "2040-03-01", "2041-02-28", "terminated", "breach"]]'
check_eq "annual: fee caps" "$(jq_ "$TMP/annual.json" '[(c["grant_id"], c["fee_cap_fen"]) for c in o["fee_caps"]]')" '[["G1", 50000], ["G2", 10000]]'
check_eq "annual: op1's authorized resources" \
	"$(jq_ "$TMP/annual.json" '[(r["grant_id"], r["resource_id"], r["name"]) for r in o["operators"][0]["resources"]]')" \
	'[["G1", "res1", "Traffic flow"], ["G1", "res2", "Road works"], ["G2", "res2", "Road works"]]'
check_eq "annual: op1's products at their actual prices" \
	"$(jq_ "$TMP/annual.json" '[(p["product_id"], p["name"], p["price_fen"], p["unit"], p["status"]) for p in o["operators"][0]["products"]]')" \
	'[["P1", "Traffic Index API", 1999, "per_call", "released"]]'
check_eq "annual: op1's usage and total" \
	"$(jq_ "$TMP/annual.json" '([(u["resource_id"], u["period"], u["records"]) for u in o["operators"][0]["usage"]], o["operators"][0]["usage_total"])')" \
	'[[["res1", "2040-03", 2000]], {"bytes": 601000, "records": 2000}]'
hget '/v1/reports/annual?year=2039' >/dev/null
check_eq "annual 2039: nothing yet" "$(jq_ "$TMP/h.body" '(o["grants"], o["operators"])')" '[[], []]'

# ---- determinism: two rebuilds and the live view agree
"$PDLPROJ" disclosure --ledger "ipc://$D/pdl.sock" --data "$TMP/r1" --once >"$TMP/r1.digest" 2>"$TMP/r1.err"
"$PDLPROJ" disclosure --ledger "ipc://$D/pdl.sock" --data "$TMP/r2" --once >"$TMP/r2.digest" 2>"$TMP/r2.err"
check_eq "two rebuilds of the disclosure view give the same digest" "$(cat "$TMP/r1.digest")" "$(cat "$TMP/r2.digest")"
"$PDLPROJ" digest disclosure --data "$TMP/proj" >"$TMP/live.digest" 2>&1
check_eq "the live view (followed over pub/sub) has the rebuilt digest" "$(cat "$TMP/live.digest")" "$(cat "$TMP/r1.digest")"
check_eq "digest covers every entry" "$(jq_ "$TMP/r1.digest" 'o["next"]')" $((LAST + 1))

# ---- --public-url: the base of the Atom feed's links, whatever the Host header
"$PDLPROJ" disclosure --ledger "ipc://$D/pdl.sock" --data "$TMP/pu" --http 127.0.0.1:1 --public-url 'https://x.example/"><b' \
	>"$TMP/pu.out" 2>&1
check_eq "a --public-url with a quote is refused at start (exit 2)" "$?" 2
check "…saying what a public URL may hold" grep -q 'public-url' "$TMP/pu.out"
PU_PORT=$(free_port)
"$PDLPROJ" disclosure --ledger "ipc://$D/pdl.sock" --data "$TMP/pu" --http "127.0.0.1:$PU_PORT" \
	--public-url https://ledger.example.gov.cn/pdl/ >>"$TMP/pu.log" 2>&1 &
PU_PID=$!
pu_links() {
	$PY - "http://127.0.0.1:$PU_PORT/v1/feed.atom?limit=1" <<'EOF'
import sys, urllib.request, xml.etree.ElementTree as ET
ns = {"a": "http://www.w3.org/2005/Atom"}
r = ET.fromstring(urllib.request.urlopen(sys.argv[1], timeout=5).read())
print(" ".join(sorted(l.get("href") for l in r.iter("{http://www.w3.org/2005/Atom}link"))))
EOF
}
n=100
until out=$(pu_links 2>/dev/null) && [ -n "$out" ] && case $out in *"/entries/$LAST"*) true ;; *) false ;; esac; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || break
	sleep 0.1
done
check_eq "with --public-url the Atom links start with it" "$out" \
	"https://ledger.example.gov.cn/pdl/ https://ledger.example.gov.cn/pdl/entries/$LAST https://ledger.example.gov.cn/pdl/v1/entries/$LAST https://ledger.example.gov.cn/pdl/v1/feed.atom"
kill -TERM "$PU_PID" 2>/dev/null
wait "$PU_PID" 2>/dev/null

stop_proj
finish
