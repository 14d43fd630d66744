#!/usr/bin/env bash
# The disclosure view on the fixture scenario (issue 4, acceptance 1 and 6):
# every endpoint returns the items the ledger itself says it should (the
# expected values are derived independently from `pdl get` of every entry),
# and the public server serves exactly the public entries of the fixture
# ledger, each with bytes that hash to the ledger's entry hash.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/disclosure_lib.sh"
: "${PDLPROJ:?set PDLPROJ to the pdl-project binary}"
TOP=$(cd "$(dirname "$0")/../.." && pwd)

D=$TMP/l
PDL=$PDL PDLD=$PDLD bash "$TOP/tools/load-scenario.sh" "$D" >"$TMP/load.log" 2>&1 || {
	not_ok "the fixture scenario loads"
	sed 's/^/#   /' "$TMP/load.log"
	finish
}
SIZE=$(log_size "$D")
check_eq "the fixture ledger has its 133 entries" "$SIZE" 133
for s in $(seq 0 $((SIZE - 1))); do "$PDL" get "$s" --data "$D"; done >"$TMP/entries.jsonl" || not_ok "pdl get"
start_pdld "$D" || { not_ok "pdld starts"; finish; }
start_proj "$D" || { not_ok "pdl-project starts"; finish; }
wait_view "$SIZE" || not_ok "the view caught up"

pychecks $PY - "$BASE" "$TMP/entries.jsonl" <<'EOF'
import json, sys, urllib.request, urllib.error
base, entries_file = sys.argv[1], sys.argv[2]
E = [json.loads(l) for l in open(entries_file)]

def check(name, got, want):
    if got == want:
        print("ok - %s" % name)
    else:
        print("not ok - %s: got %r, want %r" % (name, got, want))

def get(path):
    try:
        r = urllib.request.urlopen(base + path, timeout=20)
        return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")

def all_items(path):
    items, after = [], None
    while True:
        sep = "&" if "?" in path else "?"
        st, d = get(path + (sep + "after=" + str(after) if after is not None else ""))
        if st != 200:
            return None
        items += d["items"]
        if not d.get("more"):
            return items
        after = d["next"]

# --- which entries are public: the rules of spec/views.md, applied to the ledger's own entries
PRIVATE = {"call.request", "call.approve", "call.reject", "call.escalate", "call.assess", "dispute.file",
           "revenue.record", "revenue.correct", "settlement.run", "settlement.confirm"}
resolved = {e["act"]["body"]["report_id"] for e in E if e["act"]["type"] == "quality.resolve"}
def public(e):
    t, b = e["act"]["type"], e["act"]["body"]
    if t in PRIVATE:
        return False
    if t == "evidence.deposit" and "blob" in b:
        return False
    if t == "quality.report" and b["report_id"] not in resolved:
        return False
    return True
want_public = [e["seq"] for e in E if public(e)]
check("the fixture has both public and private entries", (len(want_public) > 80, len(want_public) < len(E)), (True, True))

# --- acceptance 6: every entry asked for; exactly the public ones served
served, refused, wrong = [], [], []
for e in E:
    st, d = get("/v1/entries/%d" % e["seq"])
    if st == 200:
        served.append(e["seq"])
        if d.get("hash") != e["hash"] or d.get("act", {}).get("type") != e["act"]["type"]:
            wrong.append(e["seq"])
    elif st == 403 and d.get("error") == "not_public":
        refused.append(e["seq"])
    else:
        wrong.append(e["seq"])
check("exactly the public entries are served (200)", served, want_public)
check("every other entry is refused with 403 not_public", refused, [e["seq"] for e in E if not public(e)])
check("every served entry is the ledger's entry (hash, type)", wrong, [])
feed = all_items("/v1/feed?limit=17")
# a resolved report is served by /v1/entries, but its content rides on the
# resolve's feed item: the feed never grows behind its head
check("the feed, paged, lists exactly the public entries (reports ride on their resolve)", [i["seq"] for i in feed],
      [s for s in want_public if E[s]["act"]["type"] != "quality.report"])

# --- acceptance 1: every endpoint returns the expected items
def last(t, key, val):
    for e in reversed(E):
        if e["act"]["type"] == t and e["act"]["body"].get(key) == val:
            return e
issues = [e for e in E if e["act"]["type"] == "grant.issue"]
st, d = get("/v1/grants")
got = {g["grant_id"]: g for g in d["items"]}
check("/v1/grants lists every issued grant", sorted(got), sorted(e["act"]["body"]["grant_id"] for e in issues))
for e in issues:
    b, g = e["act"]["body"], got.get(e["act"]["body"]["grant_id"], {})
    term = last("grant.terminate", "grant_id", b["grant_id"])
    want = {"operator": b["operator"], "mode": b["mode"], "scope": b["scope"], "start": b["start"], "end": b["end"],
            "fee_cap_fen": b["fee_cap_fen"], "exclusive": b["exclusive"], "seq": e["seq"],
            "status": "terminated" if term else "active",
            "exit_reason": term["act"]["body"]["reason"] if term else None,
            "exit_seq": term["seq"] if term else None}
    check("/v1/grants %s: %s" % (b["grant_id"], ", ".join(sorted(want))), {k: g.get(k) for k in want}, want)
    check("/v1/grants %s: resources" % b["grant_id"],
          sorted(r if isinstance(r, str) else r.get("resource_id") for r in g.get("resources", [])), sorted(b["resources"]))

releases = [e for e in E if e["act"]["type"] == "product.release"]
withdrawn = {e["act"]["body"]["product_id"] for e in E if e["act"]["type"] == "product.withdraw"}
released = [e for e in releases if e["act"]["body"]["product_id"] not in withdrawn]
st, d = get("/v1/products")
got = {p["product_id"]: p for p in d["items"]}
check("/v1/products lists the released products", sorted(got), sorted(e["act"]["body"]["product_id"] for e in released))
for e in released:
    pid = e["act"]["body"]["product_id"]
    sub = last("product.submit", "product_id", pid)["act"]["body"]
    want = {"category": sub["category"], "price_fen": sub["price_fen"], "unit": sub["unit"], "name": sub["name"],
            "grant_id": sub["grant_id"]}
    check("/v1/products %s: category, price, unit" % pid, {k: got[pid].get(k) for k in want}, want)

usage = {}
for e in E:
    if e["act"]["type"] == "call.usage":
        b = e["act"]["body"]
        u = usage.setdefault((b["resource_id"], b["period"]), [0, 0])
        u[0] += b["records"]
        u[1] += b["bytes"]
st, d = get("/v1/usage")
got = {(u["resource_id"], u["period"]): [u["records"], u["bytes"]] for u in d["items"]}
check("/v1/usage: records and bytes per resource and period", got, usage)

codes = {e["outcome"]["code"]: e["act"]["body"]["application_id"] for e in E if e["act"]["type"] == "registration.assign_code"}
st, d = get("/v1/registrations?status=coded")
coded = sorted(r.get("code") for r in d["items"])
check("/v1/registrations?status=coded lists the codes not cancelled",
      coded, sorted(c for c in codes if last("registration.cancel", "code", c) is None))
for c, app in codes.items():
    st, r = get("/v1/registrations/" + c)
    check("/v1/registrations/%s names its application" % c, (st, r.get("application_id"), r.get("code")), (200, app, c))
st, d = get("/v1/registrations?status=notice")
obj_app = {e["act"]["body"]["objection_id"]: e["act"]["body"]["application_id"]
           for e in E if e["act"]["type"] == "registration.object"}
ended = {obj_app[e["act"]["body"]["objection_id"]] for e in E
         if e["act"]["type"] == "registration.resolve_objection" and e["act"]["body"]["upheld"]}
coded_apps = set(codes.values())
open_notice = [e["act"]["body"]["application_id"] for e in E if e["act"]["type"] == "registration.publicize"
               and e["act"]["body"]["application_id"] not in coded_apps and e["act"]["body"]["application_id"] not in ended]
check("/v1/registrations?status=notice: those publicized, not coded, not ended", sorted(r["application_id"] for r in d["items"]), sorted(open_notice))

decides = [e for e in E if e["act"]["type"] == "dispute.decide"]
st, d = get("/v1/disputes")
got = {x["dispute_id"]: x for x in d["items"]}
for e in decides:
    b = e["act"]["body"]
    filed = last("dispute.file", "dispute_id", b["dispute_id"])["act"]["body"]
    subj = E[filed["subject_seq"]]
    want = {"outcome": b["outcome"], "subject_seq": filed["subject_seq"], "subject_type": subj["act"]["type"]}
    check("/v1/disputes %s: outcome and the decision it was about" % b["dispute_id"],
          {k: got.get(b["dispute_id"], {}).get(k) for k in want}, want)
    check("/v1/disputes %s: the filer's reason is not disclosed" % b["dispute_id"],
          filed["reason"] in json.dumps(got.get(b["dispute_id"], {})), False)

st, ck = get("/v1/checkpoint")
check("/v1/checkpoint covers the whole fixture ledger and verifies", (st, ck.get("size"), ck.get("verified")), (200, len(E), True))
EOF
stop_proj
finish
