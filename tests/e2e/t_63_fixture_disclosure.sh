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
GSIZE=$(awk '$1 == "size" { print $2 }' "$TOP/fixtures/scenario/GOLDEN")
check_eq "the fixture ledger has its $GSIZE entries (GOLDEN)" "$SIZE" "$GSIZE"
for s in $(seq 0 $((SIZE - 1))); do "$PDL" get "$s" --data "$D"; done >"$TMP/entries.jsonl" || not_ok "pdl get"
start_pdld "$D" || { not_ok "pdld starts"; finish; }
start_proj "$D" || { not_ok "pdl-project starts"; finish; }
wait_view "$SIZE" || not_ok "the view caught up"

"$PDL" report annual --year 2026 --view "$TMP/proj" >"$TMP/annual-2026.json" 2>"$TMP/annual.err" ||
	{ not_ok "pdl report annual --year 2026"; sed 's/^/#   /' "$TMP/annual.err"; }

pychecks $PY - "$BASE" "$TMP/entries.jsonl" "$TMP/annual-2026.json" <<'EOF'
import json, sys, urllib.request, urllib.error
base, entries_file, annual_file = sys.argv[1], sys.argv[2], sys.argv[3]
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
           "revenue.record", "revenue.correct", "revenue.refund", "settlement.run", "settlement.confirm",
           "developer.apply", "incident.report"}
# public without one field: in the feed without it; the signed entry holds it, so it is not served
WITHOUT = {"developer.refuse": "reason"}
resolved = {e["act"]["body"]["report_id"] for e in E if e["act"]["type"] == "quality.resolve"}
def public(e):
    t, b = e["act"]["type"], e["act"]["body"]
    if t in PRIVATE or t in WITHOUT:
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
# the act and the outcome as text: keys sorted, compact, the outcome's CST
# members beside its times, exactly as `pdl get` has them (the route writes
# them from the entry's msgpack, not through jansson)
def compact(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
text_wrong = []
for e in E:
    if e["seq"] not in served:
        continue
    raw = urllib.request.urlopen(base + "/v1/entries/%d" % e["seq"], timeout=20).read().decode()
    texts, i, dec = {}, 1, json.JSONDecoder()  # each top-level member's value as written
    while raw[i] != "}":
        key, i = dec.raw_decode(raw, i)
        _, end = dec.raw_decode(raw, i + 1)
        texts[key], i = raw[i + 1:end], end + (raw[end] == ",")
    if texts.get("act") != compact(e["act"]) or texts.get("outcome") != compact(e["outcome"]):
        text_wrong.append((e["seq"], texts.get("act", "")[:80], texts.get("outcome", "")[:80]))
check("every served entry's act and outcome are the ledger's, sorted and compact, byte for byte", text_wrong[:3], [])
feed = all_items("/v1/feed?limit=17")
# a resolved report is served by /v1/entries, but its content rides on the
# resolve's feed item: the feed never grows behind its head
in_feed = sorted([s for s in want_public if E[s]["act"]["type"] != "quality.report"] +
                 [e["seq"] for e in E if e["act"]["type"] in WITHOUT])
check("the feed, paged, lists exactly the public entries and the refusals (reports ride on their resolve)",
      [i["seq"] for i in feed], in_feed)
for i in feed:
    if i["type"] in WITHOUT:
        full = E[i["seq"]]["act"]["body"]
        check("feed %d (%s): the act without its %s" % (i["seq"], i["type"], WITHOUT[i["type"]]),
              (i["body"], i.get("withheld"), full[WITHOUT[i["type"]]] in json.dumps(i)),
              ({k: v for k, v in full.items() if k != WITHOUT[i["type"]]}, [WITHOUT[i["type"]]], False))

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
    res = list(b["resources"])
    amends = [x for x in E if x["act"]["type"] == "grant.amend" and x["act"]["body"]["grant_id"] == b["grant_id"]]
    for x in amends:
        res = [r for r in res if r not in x["act"]["body"].get("remove_resources", [])]
        res += x["act"]["body"].get("add_resources", [])
    check("/v1/grants %s: resources, as amended" % b["grant_id"],
          sorted(r if isinstance(r, str) else r.get("resource_id") for r in g.get("resources", [])), sorted(res))
    check("/v1/grants %s: amendments (version, what, seq)" % b["grant_id"],
          [(a.get("version"), a.get("add_resources"), a.get("seq")) for a in g.get("amendments", [])],
          [(x["outcome"]["version"], x["act"]["body"].get("add_resources"), x["seq"]) for x in amends])
    check("/v1/grants %s: agreement on record" % b["grant_id"], (g.get("agreement"), g.get("selection")),
          (b["agreement"], b.get("selection")))
    check("/v1/grants %s: logs_retain_until of its exit" % b["grant_id"], g.get("logs_retain_until"),
          term["outcome"]["logs_retain_until"] if term else None)
    att = last("grant.exit_attest", "grant_id", b["grant_id"])
    check("/v1/grants %s: exit attestation" % b["grant_id"],
          (g.get("exit_attestation") or {}).get("deletion"), att["act"]["body"]["deletion"] if att else None)
    rect = [x for x in E if x["act"]["type"] == "grant.rectify" and x["act"]["body"]["grant_id"] == b["grant_id"]]
    check("/v1/grants %s: rectification notices" % b["grant_id"],
          [(r.get("notice_id"), r.get("due")) for r in g.get("rectifications", [])],
          [(x["act"]["body"]["notice_id"], x["act"]["body"]["due"]) for x in rect])
    caps = [x for x in E if x["act"]["type"] == "pricing.set_caps" and x["act"]["body"]["grant_id"] == b["grant_id"]]
    check("/v1/grants %s: price caps per year, with the ledger's deduction" % b["grant_id"],
          {y: (p.get("allowed_revenue_fen"), p.get("deduction_fen"), p.get("effective_allowed_fen"), p.get("caps"))
           for y, p in g.get("pricing", {}).items()},
          {str(x["act"]["body"]["year"]): (x["act"]["body"]["allowed_revenue_fen"], x["outcome"]["deduction_fen"],
                                           x["outcome"]["effective_allowed_fen"],
                                           {c["unit"]: c["cap_fen"] for c in x["act"]["body"]["caps"]}) for x in caps})
    refs = [x for x in E if x["act"]["type"] == "developer.refuse" and x["act"]["body"]["grant_id"] == b["grant_id"]]
    check("/v1/grants %s: refusals, without their reasons" % b["grant_id"],
          ([(r.get("developer"), r.get("seq")) for r in g.get("refusals", [])],
           any(x["act"]["body"]["reason"] in json.dumps(g) for x in refs)),
          ([(x["act"]["body"]["developer"], x["seq"]) for x in refs], False))

releases = [e for e in E if e["act"]["type"] == "product.release"]
withdrawn = {e["act"]["body"]["product_id"] for e in E if e["act"]["type"] == "product.withdraw"}
released = [e for e in releases if e["act"]["body"]["product_id"] not in withdrawn]
st, d = get("/v1/products")
got = {p["product_id"]: p for p in d["items"]}
check("/v1/products lists the released products", sorted(got), sorted(e["act"]["body"]["product_id"] for e in released))
for e in released:
    pid = e["act"]["body"]["product_id"]
    sub = last("product.submit", "product_id", pid)["act"]["body"]
    rep = last("product.reprice", "product_id", pid)
    want = {"category": sub["category"], "price_fen": rep["act"]["body"]["price_fen"] if rep else sub["price_fen"],
            "unit": sub["unit"], "name": sub["name"], "grant_id": sub["grant_id"]}
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
    nat = last("registration.national_code", "code", c)
    check("/v1/registrations/%s: the national platform's code beside it" % c,
          (r.get("national_code"), r.get("query_code")),
          (nat["act"]["body"]["national_code"], nat["act"]["body"].get("query_code")) if nat else (None, None))
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

# --- yearly disclosures: late ones flagged (the view) and counted (the metrics)
pubs = [e for e in E if e["act"]["type"] == "disclosure.publish"]
st, d = get("/v1/disclosures")
check("/v1/disclosures: each publication with its late flag",
      sorted((x["publisher"], x["year"], x["late"], x["report"], x["seq"]) for x in d["items"]),
      sorted((e["act"]["actor"], e["act"]["body"]["year"], e["outcome"]["late"], e["act"]["body"]["report"], e["seq"])
             for e in pubs))
st, d = get("/v1/disclosures?year=2026&late=true")
check("/v1/disclosures?year=2026&late=true: the late ones", sorted(x["publisher"] for x in d["items"]),
      sorted(e["act"]["actor"] for e in pubs if e["act"]["body"]["year"] == 2026 and e["outcome"]["late"]))
st, d = get("/v1/metrics/disclosures?year=2026")
y = (d.get("years") or [{}])[0]
late26 = [e for e in pubs if e["act"]["body"]["year"] == 2026 and e["outcome"]["late"]]
check("/v1/metrics/disclosures?year=2026: published, on time and late counted",
      (st, y.get("published"), y.get("on_time"), y.get("late")),
      (200, len([e for e in pubs if e["act"]["body"]["year"] == 2026]),
       len([e for e in pubs if e["act"]["body"]["year"] == 2026]) - len(late26), len(late26)))
check("/v1/metrics/disclosures: each publisher's entry", {k: v["seq"] for k, v in y.get("publishers", {}).items()},
      {e["act"]["actor"]: e["seq"] for e in pubs if e["act"]["body"]["year"] == 2026})

# --- the annual report of 2026 (what the agency and operators deposit)
st, rep = get("/v1/reports/annual?year=2026")
cli = json.load(open(annual_file))
rep.pop("as_of", None)
check("pdl report annual --year 2026 equals GET /v1/reports/annual?year=2026", cli, rep)
caps26 = [e for e in E if e["act"]["type"] == "pricing.set_caps" and e["act"]["body"]["year"] == 2026]
caps27 = {e["act"]["body"]["grant_id"]: e for e in E if e["act"]["type"] == "pricing.set_caps" and e["act"]["body"]["year"] == 2027}
check("annual 2026: price caps, allowed revenue, the deduction in and the excess carried out",
      sorted((p["grant_id"], json.dumps(p["caps"], sort_keys=True), p["allowed_revenue_fen"], p["deduction_fen"],
              p["carried_to_next_year_fen"]) for p in rep.get("price_caps", [])),
      sorted((e["act"]["body"]["grant_id"], json.dumps({c["unit"]: c["cap_fen"] for c in e["act"]["body"]["caps"]}, sort_keys=True),
              e["act"]["body"]["allowed_revenue_fen"], e["outcome"]["deduction_fen"],
              caps27[e["act"]["body"]["grant_id"]]["outcome"]["deduction_fen"] if e["act"]["body"]["grant_id"] in caps27 else None)
             for e in caps26))
check("annual 2026: the year's disclosures, late ones counted",
      (rep.get("disclosures", {}).get("published"), rep.get("disclosures", {}).get("late"),
       sorted((x["publisher"], x["late"]) for x in rep.get("disclosures", {}).get("items", []))),
      (len([e for e in pubs if e["act"]["body"]["year"] == 2026]), len(late26),
       sorted((e["act"]["actor"], e["outcome"]["late"]) for e in pubs if e["act"]["body"]["year"] == 2026)))
gi = {g["grant_id"]: g for g in rep.get("grants", [])}
for e in issues:
    gid = e["act"]["body"]["grant_id"]
    term = last("grant.terminate", "grant_id", gid)
    amends = [x for x in E if x["act"]["type"] == "grant.amend" and x["act"]["body"]["grant_id"] == gid]
    check("annual 2026 %s: amendments and logs_retain_until" % gid,
          (len(gi.get(gid, {}).get("amendments") or []), gi.get(gid, {}).get("logs_retain_until")),
          (len(amends), term["outcome"]["logs_retain_until"] if term else None))
ops = {o["operator"]: o for o in rep.get("operators", [])}
for e in pubs:
    if e["act"]["actor"] in ops and e["act"]["body"]["year"] == 2026:
        check("annual 2026 operator %s: its own disclosure, late %s" % (e["act"]["actor"], e["outcome"]["late"]),
              (ops[e["act"]["actor"]].get("disclosure") or {}).get("late"), e["outcome"]["late"])

st, ck = get("/v1/checkpoint")
check("/v1/checkpoint covers the whole fixture ledger and verifies", (st, ck.get("size"), ck.get("verified")), (200, len(E), True))
EOF
stop_proj
finish
