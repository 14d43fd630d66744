#!/usr/bin/env bash
# t_64_public_no_private — issue 10, item 1: nothing private on the public
# listener. `pdl-project all --http` served the revenue routes there (every
# settlement line of a party, a settlement's gross and shares, CSV too), the
# metrics showed usage.revenue_fen, and /explain listed private call.*
# entries and unresolved quality reports with their content. On the fixture
# ledger (plus an open quality report and an escalated call request), this
# asks exactly those routes of the public listener and checks they are
# gone (404) and that no value they leaked appears in any answer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture_lib.sh"
: "${PDLPROJ:?set PDLPROJ to the pdl-project binary}"

D=$TMP/l
fixture_load "$D" || { not_ok "the fixture ledger loads, with the extra private acts"; finish; }
fixture_entries "$D" "$TMP/entries.jsonl" || not_ok "pdl get of every entry"
SIZE=$(wc -l <"$TMP/entries.jsonl")
start_views "$D" || { not_ok "pdl-project starts"; finish; }
wait_public "$SIZE" || not_ok "the view caught up with the $SIZE entries"

export FIXTURE_SECRET_DETAIL FIXTURE_SECRET_PURPOSE FIXTURE_SECRET_NOTE
pychecks $PY - "$PUB_BASE" "$TMP/entries.jsonl" <<'EOF'
import json, os, re, sys, urllib.error, urllib.request
base, entries_file = sys.argv[1], sys.argv[2]
E = [json.loads(l) for l in open(entries_file)]

def check(name, cond, *why):
    print(("ok - " if cond else "not ok - ") + name)
    if not cond:
        for w in why:
            for l in str(w).splitlines()[:20]:
                print("#   " + l)

def get(path):
    try:
        r = urllib.request.urlopen(base + path, timeout=20)
        return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")

def typ(e):
    return e["act"]["type"]

runs = [e for e in E if typ(e) == "settlement.run"]
check("the fixture has settlements to leak", len(runs) >= 2, len(runs))
# the values the old routes served: every settlement line, the gross
amounts = set()
for e in runs:
    amounts.add(e["outcome"]["gross_fen"])
    for l in e["outcome"]["lines"]:
        amounts.add(l["amount_fen"])
for e in E:
    if typ(e) in ("revenue.record", "revenue.correct"):
        amounts.add(e["act"]["body"]["gross_fen"])
# a number a public entry also carries (say 50,000 records served) is no leak
import subprocess as _sp0
_priv0 = {a["type"] for a in map(json.loads, _sp0.run([os.environ["PDL"], "acts"], capture_output=True,
          text=True).stdout.splitlines()) if a["disclosure"] != "public"}
def _ints(v):
    if isinstance(v, dict):
        for x in v.values():
            yield from _ints(x)
    elif isinstance(v, list):
        for x in v:
            yield from _ints(x)
    elif isinstance(v, int) and not isinstance(v, bool):
        yield v
public_ints = {n for e in E if typ(e) not in _priv0 for n in _ints([e["act"]["body"], e.get("outcome", {})])}
amounts = sorted(a for a in amounts if a >= 1000 and a not in public_ints)  # shorter numbers occur everywhere
texts = [os.environ["FIXTURE_SECRET_DETAIL"], os.environ["FIXTURE_SECRET_PURPOSE"], os.environ["FIXTURE_SECRET_NOTE"],
         "q-open-secret", "call-esc-secret"]
texts += [e["act"]["body"]["settlement_id"] for e in runs]
texts += [e["act"]["body"]["revenue_id"] for e in E if typ(e) in ("revenue.record", "revenue.correct")]
check("there are amounts and texts to look for", len(amounts) >= 8 and len(texts) >= 8, amounts, texts)

def leaks(body, asked=""):
    # an id the request itself named may come back in its 404 message
    found = [t for t in texts if t in body and t not in asked]
    found += [a for a in amounts if re.search(r"(?<![0-9])%d(?![0-9])" % a, body)]
    return found

bodies = {}

# ---- the revenue routes: gone from the public listener
parties = sorted({l["party"] for e in runs for l in e["outcome"]["lines"]} |
                 {e["act"]["body"]["id"] for e in E if typ(e) == "party.register"})
paths = []
for p in parties:
    paths += ["/v1/revenue/parties/" + p, "/v1/revenue/parties/%s?format=csv" % p,
              "/v1/revenue/parties/%s?period=2026-09" % p, "/v1/revenue/parties/%s?period=2026-10&format=csv" % p]
for e in runs:
    sid = e["act"]["body"]["settlement_id"]
    paths += ["/v1/revenue/settlements/" + sid, "/v1/revenue/settlements/%s?format=csv" % sid]
paths += ["/v1/revenue/parties/", "/v1/revenue/settlements/", "/v1/revenue/", "/v1/revenue"]
bad = []
for p in paths:
    st, body = get(p)
    bodies[p] = body
    try:
        err = json.loads(body).get("error")
    except ValueError:
        err = None
    if st != 404 or err != "not_found":
        bad.append("%s: %d %s" % (p, st, body[:200]))
check("every revenue route (%d asked) is 404 not_found on the public listener" % len(paths), not bad, *bad)

# ---- the metrics: no revenue attributed, no private explain rows
providers = sorted({e["act"]["body"]["id"] for e in E if typ(e) == "party.register"
                    and "provider" in e["act"]["body"]["roles"]})
st, body = get("/v1/metrics/providers?limit=1000")
bodies["list"] = body
items = json.loads(body)["items"] if st == 200 else []
check("/v1/metrics/providers answers (%d provider-periods)" % len(items), st == 200 and len(items) >= 4, st, body[:300])
docs = list(items)
for p in providers:
    for q in ("", "?period=2026-09", "?period=2026-10"):
        st, body = get("/v1/metrics/providers/%s%s" % (p, q))
        bodies[p + q] = body
        if st == 200:
            docs += json.loads(body)["periods"]
bad = [("%s %s" % (d.get("provider"), d.get("period")), k) for d in docs for k in ("revenue_fen", "settlements")
       if k in d.get("usage", {})]
check("no figure document shows usage.revenue_fen or usage.settlements (%d documents)" % len(docs), not bad, bad)
bad = [("%s %s" % (d.get("provider"), d.get("period")), d["score"]["components"]["revenue"]) for d in docs
       if d["score"]["components"]["revenue"].get("score_bp") is not None
       or d["score"]["components"]["revenue"].get("private") is not True]
check("the score leaves the revenue component out, marked private", not bad, bad)

import subprocess as _sp
PRIVATE_TYPES = {a["type"] for a in map(json.loads, _sp.run([os.environ["PDL"], "acts"], capture_output=True,
                 text=True).stdout.splitlines()) if a["disclosure"] in ("private", "public_without")}
resolved = {e["act"]["body"]["report_id"] for e in E if typ(e) == "quality.resolve"}
report_of = {e["seq"]: e["act"]["body"]["report_id"] for e in E if typ(e) == "quality.report"}
rows, bad_rows, revenue_figs, private_rows = 0, [], [], 0
for p in providers:
    for q in ("", "?period=2026-09", "?limit=1000"):
        st, body = get("/v1/metrics/providers/%s/explain%s" % (p, q))
        bodies[p + "/explain" + q] = body
        if st != 200:
            continue
        for per in json.loads(body)["periods"]:
            if "revenue" in per["figures"]:
                revenue_figs.append((p, per["period"]))
            for fig, f in per["figures"].items():
                for r in f["entries"]:
                    rows += 1
                    t = r.get("type")
                    private = t in PRIVATE_TYPES or (t == "quality.report" and report_of.get(r.get("seq")) not in resolved)
                    if private:
                        private_rows += 1
                        if set(r) != {"seq", "type", "private"} or r["private"] is not True:
                            bad_rows.append((p, fig, r))
check("/explain has no revenue figure", not revenue_figs, revenue_figs)
check("/explain rows of private entries are only {seq, type, private} (%d rows, %d private)" % (rows, private_rows),
      rows > 20 and private_rows >= 4 and not bad_rows, *bad_rows)
st, body = get("/v1/metrics/providers/provider-health/explain?limit=1000")
j = json.loads(body) if st == 200 else {}
open_rows = [r for per in j.get("periods", []) for r in per["figures"]["quality_reports"]["entries"]
             if r.get("seq") in report_of and report_of[r["seq"]] == "q-open-secret"]
check("the open quality report is counted, its row withheld", len(open_rows) == 1 and open_rows[0].get("private") is True,
      open_rows)

# ---- no leaked value in anything asked above
bad = [(p, leaks(b, p)) for p, b in bodies.items() if leaks(b, p)]
check("no settlement amount, revenue or settlement id, or private text in %d answers" % len(bodies), not bad, *bad)
EOF
finish
