#!/usr/bin/env bash
# t_65_metrics — the contributor-evaluation view end to end: a ledger on a
# test clock in October–November 2040 (future dates, so the clock only moves
# forward from genesis), real signed acts by two providers, an operator, a
# developer and the authority; `pdl-project metrics --http`; exact figures
# (working-hour medians and p90 on a calendar with holidays and a make-up
# Saturday, quality ratios, usage, products through input products, the
# score), the explain lists, the list's paging and filters, bad parameters,
# a weights file, and a rebuild with the same digest.
. "$(dirname "$0")/lib.sh"
: "${PDLPROJ:?set PDLPROJ to the pdl-project binary}"

D=$TMP/l
K=$TMP/keys
V=$TMP/view
A=$TMP/acts
mkdir -p "$K" "$A"
init_ledger "$D" --test-clock || { not_ok "pdl init"; finish; }
cp "$AUTH_KEY" "$K/authority.key"
for p in prov-a prov-b op dev; do
	"$PDL" keygen --out "$K/$p.key" >"$K/$p.pub" || not_ok "keygen $p"
done
start_pdld "$D" --test-clock --checkpoint-ms 100 || { not_ok "pdld starts"; finish; }
ok "pdld starts with --test-clock"

HAS_SETTLE=0
"$PDL" acts --text 2>/dev/null | grep -q '^settlement.run ' && HAS_SETTLE=1

# The plan: one act per file, each with the CST time it is submitted at.
$PY - "$A" "$E2E" "$K" "$HAS_SETTLE" <<'EOF'
import json, os, sys
out, e2e, keys, has_settle = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
sys.path.insert(0, e2e)
from pdlgen import uscc

plan = []
nonce = [1000]

def act(when, name, type_, actor, body):
    nonce[0] += 1
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump({"type": type_, "actor": actor, "nonce": nonce[0], "body": body}, f)
    plan.append("2040-%s:00+08:00 %s" % (when.replace(" ", "T"), name))

def pub(p):
    return json.load(open(os.path.join(keys, p + ".pub")))["public_key"]

def resource(rid, name):
    return {"resource_id": rid, "name": name, "items": ["id", "value"], "format": "csv",
            "update_frequency": "daily", "usage_conditions": "authorized use only", "level": 2,
            "attribute": "authorized"}

for i, (pid, role) in enumerate([("prov-a", "provider"), ("prov-b", "provider"),
                                 ("op", "operator"), ("dev", "developer")]):
    act("09-03 08:00", "reg-" + pid, "party.register", "authority",
        {"id": pid, "name": "Party " + pid, "uscc": uscc(6500 + i), "roles": [role], "public_key": pub(pid)})
act("09-03 08:30", "cal", "calendar.publish", "authority",
    {"year": 2040, "holidays": ["2040-10-01", "2040-10-02", "2040-10-03", "2040-10-04", "2040-10-05"],
     "workdays": ["2040-10-13"]})
act("09-03 09:10", "pub-ra1", "catalog.publish", "prov-a", resource("ra1", "Bus arrivals"))
act("09-03 09:20", "pub-rb1", "catalog.publish", "prov-b", resource("rb1", "Clinic hours"))

def request(when, rid, prov):
    act(when, "req-" + rid, "catalog.request", "op",
        {"request_id": rid, "provider": prov, "name": "wanted " + rid, "items": ["x"], "purpose": "a product"})

# prov-a: q1 Fri 09-28 16:00 → Mon 10-08 10:00 over the holidays: 1 + 1 = 2 h
#         q2 Mon 10-08 11:00 → Mon 10-15 11:00 over the make-up Saturday: 6 + 4×8 + 8 + 2 = 48 h
#         q3 Mon 10-15 11:30 → 15:30: 4 h
# prov-b: q4 Mon 10-15 12:00 → Tue 10-16 12:00: 5 + 3 = 8 h
request("09-28 16:00", "q1", "prov-a")
act("10-08 10:00", "dec-q1", "catalog.decide", "prov-a",
    {"request_id": "q1", "decision": "approve", "resource": resource("ra2", "Stop list")})
request("10-08 11:00", "q2", "prov-a")
act("10-15 11:00", "dec-q2", "catalog.decide", "prov-a",
    {"request_id": "q2", "decision": "reject", "reason": "not held"})
request("10-15 11:30", "q3", "prov-a")
request("10-15 12:00", "q4", "prov-b")
act("10-15 15:30", "dec-q3", "catalog.decide", "prov-a",
    {"request_id": "q3", "decision": "reject", "reason": "duplicate"})
act("10-16 12:00", "dec-q4", "catalog.decide", "prov-b",
    {"request_id": "q4", "decision": "approve", "resource": resource("rb2", "Bed counts")})

act("10-16 13:50", "agreement", "evidence.deposit", "authority",
    {"evidence_id": "ag1", "digest": "ab" * 32, "size": 1000, "media_type": "application/pdf", "subject": "agreement"})
act("10-16 14:00", "grant", "grant.issue", "authority",
    {"grant_id": "g1", "operator": "op", "mode": "domain", "resources": ["ra1", "ra2", "rb1", "rb2"],
     "scope": "transport and health", "start": "2040-09-01", "end": "2042-08-31", "exclusive": False,
     "split_bp": {"providers": 4000, "operator": 3000, "developer": 2000, "authority": 1000},
     "fee_cap_fen": 100000, "agreement": "ag1"})
act("10-16 14:10", "admit", "developer.admit", "op", {"grant_id": "g1", "developer": "dev", "controlled": False})
act("10-17 09:00", "call-c1", "call.request", "dev",
    {"call_id": "c1", "grant_id": "g1", "resources": ["ra1", "rb1"], "purpose": "routing"})
act("10-17 09:30", "appr-c1", "call.approve", "op", {"call_id": "c1"})
act("10-17 10:00", "call-c2", "call.request", "dev",
    {"call_id": "c2", "grant_id": "g1", "resources": ["ra2"], "purpose": "maps"})
act("10-17 10:10", "esc-c2", "call.escalate", "op", {"call_id": "c2", "risk": "privacy", "note": "locations"})
act("10-18 10:00", "assess-c2", "call.assess", "authority",
    {"call_id": "c2", "decision": "approve", "reason": "aggregated"})
act("10-18 11:00", "call-c3", "call.request", "dev",
    {"call_id": "c3", "grant_id": "g1", "resources": ["rb2"], "purpose": "beds"})
act("10-18 11:10", "rej-c3", "call.reject", "op", {"call_id": "c3", "reason": "not needed"})

# quality: r1 Fri 10-19 16:00 → Tue 10-23 10:00: 1 + 8 + 1 = 10 h (prov-a, October)
#          r2 open; r3 Mon 10-22 11:00 → Thu 11-01 10:00: 6 + 7×8 + 1 = 63 h (prov-b, November)
act("10-19 16:00", "rep-r1", "quality.report", "dev",
    {"report_id": "r1", "resource_id": "ra1", "issue": "error", "detail": "stop 12 misplaced"})
act("10-22 10:00", "rep-r2", "quality.report", "dev",
    {"report_id": "r2", "resource_id": "ra2", "issue": "omission", "detail": "no night buses"})
act("10-22 11:00", "rep-r3", "quality.report", "dev",
    {"report_id": "r3", "resource_id": "rb1", "issue": "error", "detail": "wrong hours"})
act("10-23 10:00", "res-r1", "quality.resolve", "prov-a", {"report_id": "r1", "outcome": "corrected"})
act("10-31 18:00", "use-1", "call.usage", "op",
    {"call_id": "c1", "resource_id": "ra1", "period": "2040-10", "records": 3000, "bytes": 30000})
act("10-31 18:01", "use-2", "call.usage", "op",
    {"call_id": "c1", "resource_id": "rb1", "period": "2040-10", "records": 1000, "bytes": 5000})
act("10-31 18:02", "use-3", "call.usage", "op",
    {"call_id": "c2", "resource_id": "ra2", "period": "2040-10", "records": 1000, "bytes": 100})
act("11-01 10:00", "res-r3", "quality.resolve", "prov-b",
    {"report_id": "r3", "outcome": "rejected", "reason": "hours are right"})

def product(when, pid, res, prods, h):
    act("11-02 %02d:00" % h, "sub-" + pid, "product.submit", "dev",
        {"product_id": pid, "grant_id": "g1", "name": "Product " + pid,
         "inputs": {"resources": res, "products": prods}, "category": "industry", "price_fen": 1000,
         "unit": "per_call"})
    act("11-02 %02d:10" % h, "rev-" + pid, "product.review", "op", {"product_id": pid, "outcome": "pass", "notes": "ok"})
    act("11-02 %02d:20" % h, "file-" + pid, "product.file", "authority", {"product_id": pid})
    act("11-02 %02d:30" % h, "rel-" + pid, "product.release", "op", {"product_id": pid})

product("11-02", "p1", ["ra1"], [], 9)
product("11-02", "p2", ["rb1"], ["p1"], 10)  # derived from prov-a too, through p1
if has_settle:
    act("11-30 12:00", "revrec", "revenue.record", "op",
        {"revenue_id": "rv1", "product_id": "p2", "period": "2040-11", "gross_fen": 100000})
    act("12-01 10:00", "settle", "settlement.run", "op",  # a period is settled once it is over
        {"settlement_id": "s1", "product_id": "p2", "period": "2040-11"})
with open(os.path.join(out, "plan"), "w") as f:
    f.write("\n".join(plan) + "\n")
EOF

# Submit the plan: set the clock, submit, keep each act's seq.
: >"$TMP/seqs"
bad=""
while read -r when name; do
	"$PDL" clock set --data "$D" "$when" >/dev/null 2>"$TMP/clock.err" || { bad="$bad clock:$name"; cat "$TMP/clock.err" >&2; }
	if "$PDL" submit --keys "$K" --data "$D" "$A/$name.json" >"$A/$name.out" 2>&1; then
		echo "$name $(jl "$A/$name.out" 'o["seq"]')" >>"$TMP/seqs"
	else
		bad="$bad $name"
		sed 's/^/#   /' "$A/$name.out"
	fi
done <"$A/plan"
check_eq "every act of the scenario is accepted" "$bad" ""
last=$(tail -1 "$TMP/seqs" | cut -d' ' -f2)
[ "$HAS_SETTLE" = 1 ] && cp "$A/settle.out" "$TMP/settle.out"

# wait_view DIR: until the view's cursor is past the last act (20 s)
wait_view() {
	local n=200 next
	while [ "$n" -gt 0 ]; do
		next=$("$PDLPROJ" digest metrics --data "$1" 2>/dev/null | jl - 'o["next"]')
		[ "$next" = "$((last + 1))" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_http PORT: until the server answers (10 s)
wait_http() {
	local n=100
	while [ "$n" -gt 0 ]; do
		$PY -c 'import sys,urllib.request; urllib.request.urlopen("http://127.0.0.1:%s/v1/metrics/weights" % sys.argv[1], timeout=1)' "$1" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

PORT=$(free_port)
PPORT=$(free_port)
env -u PDL_METRICS_WEIGHTS "$PDLPROJ" metrics --ledger "ipc://$D/pdl.sock" --data "$V" --http "127.0.0.1:$PORT" \
	--private-http "127.0.0.1:$PPORT" 2>"$TMP/proj.log" &
PROJ=$!
check "the metrics view catches up with the ledger" wait_view "$V"
check "pdl-project serves HTTP" wait_http "$PORT"

# The checker runs against a listener: the public one (FULL 0: what spec/views.md
# lets the public see) or, with a reader's token, the private one (FULL 1: every
# figure, revenue attributed and the explain rows of private entries too).
cat >"$TMP/mcheck.py" <<'EOF'
import json, os, subprocess, sys, urllib.request, urllib.error
port, seqs_file, has_settle, settle_out, full = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4], sys.argv[5] == "1"
token_cmd = sys.argv[6:]  # prints the Authorization value for a target (FULL 1)
S = dict(l.split() for l in open(seqs_file))
S = {k: int(v) for k, v in S.items()}
H = 3600 * 1000
WHERE = "private" if full else "public"

def get(path):
    req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path))
    if token_cmd:
        tok = subprocess.run(token_cmd + [path], capture_output=True, text=True, check=True).stdout.strip()
        req.add_header("Authorization", tok)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())

def check(desc, got, want):
    desc = "%s: %s" % (WHERE, desc)
    if got == want:
        print("ok - %s" % desc)
    else:
        print("not ok - %s" % desc)
        print("#   got:  %s" % json.dumps(got, sort_keys=True))
        print("#   want: %s" % json.dumps(want, sort_keys=True))

def review(count, median_h, median_seq, p90_h, p90_seq, sum_h):
    if count == 0:
        return {"count": 0, "sum_work_ms": 0, "median_work_ms": None, "median_seq": None, "median_work_hours": None,
                "p90_work_ms": None, "p90_seq": None, "p90_work_hours": None}
    return {"count": count, "sum_work_ms": sum_h * H, "median_work_ms": median_h * H, "median_seq": median_seq,
            "median_work_hours": "%.2f" % median_h, "p90_work_ms": p90_h * H, "p90_seq": p90_seq,
            "p90_work_hours": "%.2f" % p90_h}

W = {"catalog_review": 20, "quality_review": 15, "quality_rate": 15, "quality_resolved": 10,
     "approved_calls": 10, "records_served": 10, "products_derived": 10, "revenue": 10}

def score(comps, total, wt):
    return {"components": {k: {"weight": W[k], "score_bp": comps.get(k)} for k in W},
            "score_bp": total, "score": None if total is None else "%d.%02d" % (total // 100, total % 100),
            "weight_total": wt}

def served(d, comps):
    """The figures as this listener serves them: the public one drops revenue
    attributed and scores without it (the component marked private)."""
    if full:
        return d
    d = json.loads(json.dumps(d))
    del d["usage"]["revenue_fen"], d["usage"]["settlements"]
    c = {k: v for k, v in comps.items() if k != "revenue"}
    t, wt = total(c)
    d["score"] = score(c, t, wt)
    d["score"]["components"]["revenue"]["private"] = True
    return d

revenue = {}
if has_settle:
    rec = json.loads(open(settle_out).readline())
    for ln in rec["outcome"]["lines"]:
        if ln["role"] == "provider":
            revenue[ln["party"]] = revenue.get(ln["party"], 0) + ln["amount_fen"]
    print("# settlement lines: %s" % json.dumps(rec["outcome"]["lines"]))
else:
    print("# no settlement.run act in this build: revenue stays 0 and unscored")

def rev_bp(p):
    v = revenue.get(p, 0)
    return min(10000, (v * 10000 * 2 + 1000000) // (2 * 1000000))

def rnd(num, den):  # round half up
    return (2 * num + den) // (2 * den)

def total(pairs):
    num = sum(W[k] * v for k, v in pairs.items())
    wt = sum(W[k] for k in pairs)
    return rnd(num, wt), wt

# ---- prov-a, 2040-10: samples 2 h (q1), 48 h (q2), 4 h (q3) → median 4 h (q3), p90 48 h (q2)
a10_comps = {"catalog_review": 10000, "quality_review": 10000, "quality_rate": 5000, "quality_resolved": 5000,
             "approved_calls": 1000, "records_served": 400, "products_derived": 0}
a10_total, a10_wt = total(a10_comps)
check("prov-a 2040-10 total is 489,000 / 90 rounded", (a10_total, a10_wt), (5433, 90))
want_a10 = {
    "provider": "prov-a", "period": "2040-10",
    "catalog_review": review(3, 4, S["dec-q3"], 48, S["dec-q2"], 54),
    "quality_review": review(1, 10, S["res-r1"], 10, S["res-r1"], 10),
    "quality": {"reports": 2, "resolved": 1, "corrected": 1, "rejected": 0, "resolve_work_ms_sum": 10 * H,
                "records_served": 4000, "reports_per_1000_records": "0.500", "resolved_share_bp": 5000,
                "mean_resolve_work_ms": 10 * H, "mean_resolve_work_hours": "10.00"},
    "usage": {"approved_calls": 2, "records_served": 4000, "bytes_served": 30100, "products_derived": 0,
              "revenue_fen": 0, "settlements": 0},
    "score": score(a10_comps, a10_total, a10_wt),
}
want_a10 = served(want_a10, a10_comps)
# ---- prov-b, 2040-10: q4 8 h; r3 reported in October, resolved (rejected) in November after 63 h
b10_comps = {"catalog_review": 10000, "quality_rate": 0, "quality_resolved": 10000, "approved_calls": 500,
             "records_served": 100, "products_derived": 0}
b10_total, b10_wt = total(b10_comps)
check("prov-b 2040-10 total is 306,000 / 75 rounded", (b10_total, b10_wt), (4080, 75))
want_b10 = {
    "provider": "prov-b", "period": "2040-10",
    "catalog_review": review(1, 8, S["dec-q4"], 8, S["dec-q4"], 8),
    "quality_review": review(0, 0, 0, 0, 0, 0),
    "quality": {"reports": 1, "resolved": 1, "corrected": 0, "rejected": 1, "resolve_work_ms_sum": 63 * H,
                "records_served": 1000, "reports_per_1000_records": "1.000", "resolved_share_bp": 10000,
                "mean_resolve_work_ms": 63 * H, "mean_resolve_work_hours": "63.00"},
    "usage": {"approved_calls": 1, "records_served": 1000, "bytes_served": 5000, "products_derived": 0,
              "revenue_fen": 0, "settlements": 0},
    "score": score(b10_comps, b10_total, b10_wt),
}
want_b10 = served(want_b10, b10_comps)
# ---- November: products (p2 counts for prov-a through p1), r3's timeliness, revenue
empty_q = {"reports": 0, "resolved": 0, "corrected": 0, "rejected": 0, "resolve_work_ms_sum": 0,
           "records_served": 0, "reports_per_1000_records": None, "resolved_share_bp": None,
           "mean_resolve_work_ms": None, "mean_resolve_work_hours": None}
def nov(p, products, qr, comps):
    comps = dict(comps)
    if has_settle and p in revenue:
        comps["revenue"] = rev_bp(p)
    t, wt = total(comps)
    return {"provider": p, "period": "2040-11", "catalog_review": review(0, 0, 0, 0, 0, 0), "quality_review": qr,
            "quality": empty_q,
            "usage": {"approved_calls": 0, "records_served": 0, "bytes_served": 0, "products_derived": products,
                      "revenue_fen": revenue.get(p, 0), "settlements": 1 if p in revenue else 0},
            "score": score(comps, t, wt), "_comps": comps}
want_a11 = nov("prov-a", 2, review(0, 0, 0, 0, 0, 0),
               {"approved_calls": 0, "records_served": 0, "products_derived": 10000})
# r3: 63 h against 16 → 80 h: round(10,000 × 17 / 64) = 2656
want_b11 = nov("prov-b", 1, review(1, 63, S["res-r3"], 63, S["res-r3"], 63),
               {"quality_review": 2656, "approved_calls": 0, "records_served": 0, "products_derived": 5000})
if has_settle and full:
    # ACTS.md: no usage in 2040-11, so both providers weigh 1: 100,000 × 4,000 / 10,000 / 2 each
    check("settlement lines give each provider 20,000 fen", revenue, {"prov-a": 20000, "prov-b": 20000})
    check("prov-b 2040-11 total is (15·2656 + 10·5000 + 10·200) / 55 rounded", want_b11["score"]["score_bp"], 1670)
    check("prov-a 2040-11 total is (10·10000 + 10·200) / 40 rounded", want_a11["score"]["score_bp"], 2550)
else:
    check("prov-b 2040-11 total is (15·2656 + 10·5000) / 45 rounded",
          served(want_b11, want_b11["_comps"])["score"]["score_bp"], 1996)
want_a11 = served(want_a11, want_a11.pop("_comps"))
want_b11 = served(want_b11, want_b11.pop("_comps"))

st, d = get("/v1/metrics/providers/prov-a?period=2040-10")
check("GET /v1/metrics/providers/prov-a?period=2040-10 is 200", st, 200)
check("prov-a 2040-10: every figure and the score", d, {"provider": "prov-a", "periods": [want_a10]})
st, d = get("/v1/metrics/providers/prov-b")
check("prov-b: both periods, every figure and the score", (st, d),
      (200, {"provider": "prov-b", "periods": [want_b10, want_b11]}))
st, d = get("/v1/metrics/providers/prov-a")
check("prov-a 2040-11: products derived through an input product", (st, d.get("periods", [None, None])[1]),
      (200, want_a11))

# ---- the list
st, d = get("/v1/metrics/providers")
check("list: every provider and period, in order", (st, d),
      (200, {"items": [want_a10, want_a11, want_b10, want_b11], "next": None}))
st, d = get("/v1/metrics/providers?period=2040-10")
check("list ?period=2040-10", (st, d), (200, {"items": [want_a10, want_b10], "next": None, "period": "2040-10"}))
st, d = get("/v1/metrics/providers?period=2040-12")
check("list ?period with no figures is empty", (st, d), (200, {"items": [], "next": None, "period": "2040-12"}))
st, d = get("/v1/metrics/providers?limit=1&period=2040-11")
check("list ?limit=1 pages with next", (st, [i["provider"] for i in d["items"]], d["next"]),
      (200, ["prov-a"], "prov-a/2040-11"))
st, d = get("/v1/metrics/providers?limit=1&period=2040-11&after=prov-a/2040-11")
check("list ?after= continues", (st, [i["provider"] for i in d["items"]], d["next"]), (200, ["prov-b"], None))
st, d = get("/v1/metrics/providers?limit=3")
check("list ?limit=3 then after", (len(d["items"]), d["next"]), (3, "prov-b/2040-10"))
st, d = get("/v1/metrics/providers?after=prov-b/2040-10")
check("list after the third", [(i["provider"], i["period"]) for i in d["items"]], [("prov-b", "2040-11")])

# ---- explain
st, d = get("/v1/metrics/providers/prov-a/explain?period=2040-10")
check("explain is 200", st, 200)
f = d["periods"][0]["figures"] if st == 200 and d["periods"] else {}
def seqtypes(name):
    return [(e["seq"], e["type"]) for e in f.get(name, {}).get("entries", [])]
check("explain: one period", [p["period"] for p in d.get("periods", [])], ["2040-10"])
check("explain catalog_review: the three decisions", seqtypes("catalog_review"),
      [(S["dec-q1"], "catalog.decide"), (S["dec-q2"], "catalog.decide"), (S["dec-q3"], "catalog.decide")])
check("explain catalog_review: request seqs, durations, median and p90 seqs",
      ([(e["request_seq"], e["work_ms"]) for e in f["catalog_review"]["entries"]],
       f["catalog_review"]["median_seq"], f["catalog_review"]["p90_seq"], f["catalog_review"]["count"]),
      ([(S["req-q1"], 2 * H), (S["req-q2"], 48 * H), (S["req-q3"], 4 * H)], S["dec-q3"], S["dec-q2"], 3))
check("explain approved_calls: call.approve and call.assess", seqtypes("approved_calls"),
      [(S["appr-c1"], "call.approve"), (S["assess-c2"], "call.assess")])
check("explain records_served: the usage entries on prov-a's resources",
      [(e["seq"], e["type"], e["resource_id"], e["records"]) for e in f["records_served"]["entries"]],
      [(S["use-1"], "call.usage", "ra1", 3000), (S["use-3"], "call.usage", "ra2", 1000)])
check("explain records_served: the owning entry of each resource",
      [e["resource_seq"] for e in f["records_served"]["entries"]], [S["pub-ra1"], S["dec-q1"]])
check("explain quality_reports", seqtypes("quality_reports"),
      [(S["rep-r1"], "quality.report"), (S["rep-r2"], "quality.report")])
# r2 is not resolved: its report is private, and so is what the row would copy from it
check("explain quality_reports: r1's row (resolved) in full, r2's (open) %s" % ("in full" if full else "withheld"),
      [sorted(e) for e in f["quality_reports"]["entries"]],
      [["issue", "report_id", "resource_id", "resource_seq", "seq", "type"]] * 2 if full else
      [["issue", "report_id", "resource_id", "resource_seq", "seq", "type"], ["private", "seq", "type"]])
check("explain approved_calls: call decisions are private entries, their rows %s" % ("in full" if full else "withheld"),
      [sorted(e) for e in f["approved_calls"]["entries"]],
      [["call_id", "request_seq", "resources", "seq", "type"]] * 2 if full else [["private", "seq", "type"]] * 2)
check("explain quality_resolved", seqtypes("quality_resolved"), [(S["res-r1"], "quality.resolve")])
check("explain quality_review", seqtypes("quality_review"), [(S["res-r1"], "quality.resolve")])
check("explain: empty figures are listed empty", f["products_derived"], {"count": 0, "entries": [], "truncated": False})
if full:
    check("explain: the revenue figure, empty in October", f["revenue"], {"count": 0, "entries": [], "truncated": False})
else:
    check("explain: no revenue figure on the public listener", "revenue" in f, False)
st, d = get("/v1/metrics/providers/prov-a/explain?period=2040-10&limit=1")
c = d["periods"][0]["figures"]["catalog_review"]
check("explain ?limit=1 truncates with the full count", (len(c["entries"]), c["count"], c["truncated"]), (1, 3, True))
st, d = get("/v1/metrics/providers/prov-a/explain")
check("explain without period: every period", [p["period"] for p in d["periods"]], ["2040-10", "2040-11"])
pd = d["periods"][1]["figures"]["products_derived"]["entries"]
check("explain products_derived: both releases, p2 through p1",
      [(e["seq"], e["type"], e["product_id"], e["resources"]) for e in pd],
      [(S["rel-p1"], "product.release", "p1", ["ra1"]), (S["rel-p2"], "product.release", "p2", ["ra1"])])
st, d = get("/v1/metrics/providers/prov-b/explain?period=2040-10")
check("explain prov-b approved_calls: c1 only (c3 was rejected)",
      [(e["seq"], e.get("call_id"), e.get("resources")) for e in d["periods"][0]["figures"]["approved_calls"]["entries"]],
      [(S["appr-c1"], "c1", ["rb1"]) if full else (S["appr-c1"], None, None)])
if has_settle:
    st, d = get("/v1/metrics/providers/prov-a/explain?period=2040-11")
    if full:
        check("explain revenue: the settlement.run", [(e["seq"], e["type"], e["amount_fen"]) for e in
                                                      d["periods"][0]["figures"]["revenue"]["entries"]],
              [(S["settle"], "settlement.run", revenue.get("prov-a", 0))])
    else:
        check("explain 2040-11: no revenue figure, no settlement amount",
              ("revenue" in d["periods"][0]["figures"], '"amount_fen"' in json.dumps(d)), (False, False))

# ---- errors
for path, code, err in [
    ("/v1/metrics/providers/nobody", 404, "unknown_provider"),
    ("/v1/metrics/providers/nobody/explain", 404, "unknown_provider"),
    ("/v1/metrics/providers/op", 404, "unknown_provider"),
    ("/v1/metrics/providers/bad%20id", 400, "bad_id"),
    ("/v1/metrics/providers?period=2040-13", 400, "bad_period"),
    ("/v1/metrics/providers/prov-a?period=204010", 400, "bad_period"),
    ("/v1/metrics/providers?limit=0", 400, "bad_limit"),
    ("/v1/metrics/providers?limit=1001", 400, "bad_limit"),
    ("/v1/metrics/providers?limit=x", 400, "bad_limit"),
    ("/v1/metrics/providers?after=prov-a", 400, "bad_after"),
    ("/v1/metrics/providers/prov-a/other", 404, "not_found"),
    ("/v1/metrics/providersX", 404, "not_found"),
]:
    st, d = get(path)
    check("GET %s is %d %s" % (path, code, err), (st, d.get("error")), (code, err))
st, d = get("/v1/metrics/weights")
if full:
    check("the weights are public only", (st, d.get("error")), (404, "not_found"))
else:
    check("GET /v1/metrics/weights: the defaults", (st, d["weights"], d["targets"]["catalog_review_full_work_hours"]),
          (200, W, 8))
EOF
pychecks $PY "$TMP/mcheck.py" "$PORT" "$TMP/seqs" "$HAS_SETTLE" "$TMP/settle.out" 0
# the same ledger, every figure: the authority on the private listener
pychecks $PY "$TMP/mcheck.py" "$PPORT" "$TMP/seqs" "$HAS_SETTLE" "$TMP/settle.out" 1 \
	"$PDL" token --key "$K/authority.key" --party authority --data "$D"

# ---- rebuild: a fresh view from seq 0 has the same digest
D1=$("$PDLPROJ" digest metrics --data "$V" | jl - 'o["digest"]')
"$PDLPROJ" metrics --ledger "ipc://$D/pdl.sock" --data "$TMP/view2" --once >"$TMP/once.json" 2>"$TMP/once.err"
check_eq "a view rebuilt from seq 0 has the same digest" "$(jl "$TMP/once.json" 'o["digest"]')" "$D1"
check_eq "the rebuilt view ends at the same seq" "$(jl "$TMP/once.json" 'o["next"]')" "$((last + 1))"

# ---- a weights file: only catalog timeliness and records served count
cat >"$TMP/w.json" <<'EOF'
{"note": "timeliness and volume only",
 "weights": {"catalog_review": 3, "quality_review": 0, "quality_rate": 0, "quality_resolved": 0,
             "approved_calls": 0, "records_served": 1, "products_derived": 0, "revenue": 0},
 "targets": {"catalog_review_full_work_hours": 2, "catalog_review_zero_work_hours": 6, "records_served": 5000}}
EOF
P2=$(free_port)
PDL_METRICS_WEIGHTS=$TMP/w.json "$PDLPROJ" metrics --ledger "ipc://$D/pdl.sock" --data "$TMP/view2" --http "127.0.0.1:$P2" 2>"$TMP/proj2.log" &
PROJ2=$!
check "a second pdl-project with PDL_METRICS_WEIGHTS serves" wait_http "$P2"
# prov-a 2040-10: median 4 h in 2 → 6 h: 5,000; records 4,000/5,000: 8,000 → (3·5000 + 8000)/4 = 5750
# prov-b 2040-10: median 8 h ≥ 6: 0; records 1,000/5,000: 2,000 → 2000/4 = 500
got=$($PY - "$P2" <<'EOF'
import json, sys, urllib.request
d = json.load(urllib.request.urlopen("http://127.0.0.1:%s/v1/metrics/providers?period=2040-10" % sys.argv[1]))
print(" ".join("%s:%s:%s" % (i["provider"], i["score"]["score_bp"], i["score"]["score"]) for i in d["items"]))
w = json.load(urllib.request.urlopen("http://127.0.0.1:%s/v1/metrics/weights" % sys.argv[1]))
print(w["weights"]["catalog_review"], w["targets"]["catalog_review_zero_work_hours"], w["targets"]["revenue_fen"])
EOF
)
check_eq "the weights file sets the score" "$got" "prov-a:5750:57.50 prov-b:500:5.00
3 6 1000000"

echo '{"weights": {"speed": 1}}' >"$TMP/bad.json"
P3=$(free_port)
PDL_METRICS_WEIGHTS=$TMP/bad.json "$PDLPROJ" metrics --ledger "ipc://$D/pdl.sock" --data "$TMP/view3" --http "127.0.0.1:$P3" 2>"$TMP/proj3.log" &
PROJ3=$!
got=""
for _ in $(seq 50); do
	got=$($PY - "$P3" 2>/dev/null <<'EOF'
import json, sys, urllib.request, urllib.error
try:
    urllib.request.urlopen("http://127.0.0.1:%s/v1/metrics/weights" % sys.argv[1], timeout=1)
except urllib.error.HTTPError as e:
    d = json.loads(e.read())
    print(e.code, d["error"], "speed" in d["message"])
EOF
)
	[ -n "$got" ] && break
	sleep 0.1
done
check_eq "a bad weights file: the metrics routes answer 500 bad_config naming the key" "$got" "500 bad_config True"

# stop the workers while pdld still serves (they stop within their 1 s poll)
kill -TERM "$PROJ" "$PROJ2" "$PROJ3" 2>/dev/null
wait "$PROJ" "$PROJ2" "$PROJ3" 2>/dev/null
check "pdl-project exits on SIGTERM" not kill -0 "$PROJ"
finish
