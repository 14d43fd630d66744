#!/usr/bin/env bash
# t_89_privacy_scan — issue 10, item 3: no private value anywhere on the
# public listener. The fixture ledger (plus an open quality report and an
# escalated call request) is served by `pdl-project all` with both
# listeners. The private values are taken from the private entries
# themselves (spec/views.md "Public and private"): amounts (*_fen, gross,
# settlement lines, also as yuan), reasons, purposes, risk notes, details,
# blobs and their digests, and ids (call, revenue, settlement, dispute,
# report, refund…) — every such value that no public entry also carries.
# The crawl: the page at /, every route /v1/ lists and the metrics, every
# list page by page, every item by id, every /v1/entries/{seq} and its
# proof, the feed to its end, Atom, and every link the page and the feed
# hold. No private value may appear in any answer. Then the private
# listener: entitled readers get those values, the others 403 and none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture_lib.sh"
: "${PDLPROJ:?set PDLPROJ to the pdl-project binary}"

D=$TMP/l
fixture_load "$D" || { not_ok "the fixture ledger loads, with the extra private acts"; finish; }
fixture_entries "$D" "$TMP/entries.jsonl" || not_ok "pdl get of every entry"
SIZE=$(wc -l <"$TMP/entries.jsonl")
PRIV_PORT=$(free_port)
start_views "$D" --private-http "127.0.0.1:$PRIV_PORT" || { not_ok "pdl-project starts with both listeners"; finish; }
wait_public "$SIZE" || not_ok "the view caught up with the $SIZE entries"

pychecks $PY - "$PUB_BASE" "http://127.0.0.1:$PRIV_PORT" "$TMP/entries.jsonl" "$D" <<'EOF'
import base64, json, os, re, subprocess, sys, urllib.error, urllib.parse, urllib.request

pub, priv, entries_file, D = sys.argv[1:5]
E = [json.loads(l) for l in open(entries_file)]
PDL = os.environ["PDL"]

def check(name, cond, *why):
    print(("ok - " if cond else "not ok - ") + name)
    if not cond:
        for w in why:
            for l in str(w).splitlines()[:25]:
                print("#   " + l)

def typ(e):
    return e["act"]["type"]

# ---- which entries are private: each act's disclosure rule, as `pdl acts` lists it
import subprocess as _sp
_acts = [json.loads(l) for l in _sp.run([os.environ["PDL"], "acts"], capture_output=True, text=True).stdout.splitlines()]
# "public_without" acts are published without a field; their signed entry bytes stay private
PRIVATE = {a["type"] for a in _acts if a["disclosure"] in ("private", "public_without")}
resolved = {e["act"]["body"]["report_id"] for e in E if typ(e) == "quality.resolve"}
def private(e):
    t, b = typ(e), e["act"]["body"]
    return (t in PRIVATE or (t == "evidence.deposit" and "blob" in b)
            or (t == "quality.report" and b["report_id"] not in resolved))
priv_E = [e for e in E if private(e)]
pub_E = [e for e in E if not private(e)]

# ---- everything public entries carry is public
def walk(v, key=None):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from walk(x, k)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x, key)
    else:
        yield key, v
pub_strings, pub_numbers = set(), set()
for e in pub_E:
    for k, v in list(walk(e["act"])) + list(walk(e.get("outcome") or {})):
        if isinstance(v, str):
            pub_strings.add(v)
        elif isinstance(v, int) and not isinstance(v, bool):
            pub_numbers.add(v)

# ---- the private values
ENUMS = {"type", "risk", "issue", "decision", "outcome", "role", "period", "media_type", "category", "unit", "v"}
texts, amounts = {}, {}
for e in priv_E:
    where = "seq %d (%s)" % (e["seq"], typ(e))
    for k, v in list(walk(e["act"]["body"])) + list(walk(e.get("outcome") or {})):
        if isinstance(v, str) and k not in ENUMS and len(v) >= 6 and v not in pub_strings:
            texts.setdefault(v, where)
            if k == "blob":
                try:
                    raw = base64.b64decode(v).decode("utf-8")
                    if len(raw) >= 8 and raw.isprintable():
                        texts.setdefault(raw, where + " blob")
                except (ValueError, UnicodeDecodeError):
                    pass
        elif k and k.endswith("_fen") and isinstance(v, int) and v >= 1000 and v not in pub_numbers:
            amounts.setdefault(v, where)
kinds = {k: sum(1 for e in priv_E if typ(e) == k) for k in sorted({typ(e) for e in priv_E})}
print("# %d private entries %s; %d private texts and ids, %d amounts" % (len(priv_E), kinds, len(texts), len(amounts)))
must = ["call-esc-secret", "q-open-secret", os.environ.get("FIXTURE_SECRET_PURPOSE", "SECRET-PURPOSE-ESC")]
check("the private values include amounts, settlement and revenue ids, purposes, notes and the open report",
      len(amounts) >= 8 and any(t.startswith("st-") for t in texts) and any(t.startswith("rev-") for t in texts)
      and all(any(m in t for t in texts) for m in must), sorted(texts)[:40], sorted(amounts))

def amount_re(a):
    """fen as a number, and yuan as the page writes prices (¥12345.67) or grouped (12,345.67)"""
    forms = ["%d" % a, "%d\\.%02d" % (a // 100, a % 100), "{:,}".format(a // 100) + "\\.%02d" % (a % 100)]
    return re.compile(r"(?<![0-9A-Za-z])(%s)(?![0-9A-Za-z])" % "|".join(forms))
amount_res = [(a, amount_re(a)) for a in amounts]

def leaks(body, asked=""):
    # an id the request itself named may come back in its error message
    found = [t for t in texts if t in body and t not in asked]
    found += [a for a, r in amount_res if r.search(body)]
    return found

# ---- the crawl
def get(base, path, auth=None):
    req = urllib.request.Request(base + path)
    if auth:
        req.add_header("Authorization", auth)
    try:
        r = urllib.request.urlopen(req, timeout=30)
        return r.status, dict(r.headers), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8", "replace")

seen = {}
queue = []
def want(path):
    if path not in seen and path not in queue:
        queue.append(path)

def links(body):
    for h in re.findall(r'href="([^"]+)"', body):
        h = h.replace("&amp;", "&")
        if h.startswith(pub):
            h = h[len(pub):]
        if h.startswith("/"):
            yield h.split("#")[0] or "/"

def follow(path, st, body):
    try:
        d = json.loads(body)
    except ValueError:
        d = None
    for h in links(body):
        want(h)
    if not isinstance(d, dict) or st != 200:
        return
    # the next page of a list
    if d.get("more") and d.get("next") is not None:
        base, _, q = path.partition("?")
        qs = [p for p in q.split("&") if p and not p.startswith("after=")]
        want(base + "?" + "&".join(qs + ["after=" + urllib.parse.quote(str(d["next"]), safe="/")]))
    if path.startswith("/v1/metrics/providers") and d.get("next"):
        want("/v1/metrics/providers?limit=1&after=" + d["next"])
    for it in d.get("items", []) if isinstance(d.get("items"), list) else []:
        for key, route in (("grant_id", "/v1/grants/"), ("product_id", "/v1/products/"),
                           ("application_id", "/v1/registrations/"), ("code", "/v1/registrations/")):
            if path.startswith(route.rstrip("/")) and isinstance(it.get(key), str) and it[key]:
                want(route + it[key])
        if path.startswith("/v1/metrics/providers") and isinstance(it.get("provider"), str):
            p, per = it["provider"], it.get("period", "")
            for x in ("", "?period=" + per, "/explain?limit=1000", "/explain?period=%s&limit=1" % per):
                want("/v1/metrics/providers/%s%s" % (p, x))

st, h, body = get(pub, "/v1/")
index = json.loads(body).get("endpoints", []) if st == 200 else []
check("/v1/ lists the public endpoints", st == 200 and len(index) >= 15, st, body[:300])
seeds = ["/", "/v1/", "/v1", "/v1/feed?limit=25", "/v1/feed.atom", "/v1/feed.atom?limit=1000", "/v1/checkpoint",
         "/v1/metrics/weights", "/v1/metrics/providers", "/v1/metrics/providers?limit=2", "/v1/parties",
         "/v1/resources", "/v1/resources?status=withdrawn", "/v1/usage?limit=7", "/v1/disputes",
         "/v1/disputes?outcome=upheld", "/v1/reports/annual?year=2026", "/v1/reports/annual?year=2027",
         "/v1/disclosures", "/v1/disclosures?year=2026&late=true", "/v1/metrics/disclosures",
         "/v1/metrics/disclosures?year=2026"]
seeds += ["/v1/grants?status=%s" % s for s in ("", "active", "suspended", "terminated", "expired")]
seeds += ["/v1/products?status=%s&limit=3" % s for s in ("released", "withdrawn", "submitted", "passed", "failed", "all")]
seeds += ["/v1/registrations?status=%s" % s for s in ("", "applied", "correction", "accepted", "rejected", "passed",
                                                      "failed", "notice", "ended", "coded", "cancelled")]
seeds += ["/v1/entries/%d" % s for s in range(len(E) + 1)]
# the private routes, asked of the public listener too: every party and settlement
seeds += ["/v1/revenue/parties/" + e["act"]["body"]["id"] for e in E if typ(e) == "party.register"]
seeds += ["/v1/revenue/parties/%s?format=csv" % e["act"]["body"]["id"] for e in E if typ(e) == "party.register"]
seeds += ["/v1/revenue/settlements/" + e["act"]["body"]["settlement_id"] for e in E if typ(e) == "settlement.run"]
seeds += ["/v1/proof/inclusion?index=%d" % s for s in range(len(E))]
# the evidence check, for every digest ever deposited (public or with its blob) and the pages
seeds += ["/v1/evidence?digest=" + e["act"]["body"]["digest"] for e in E if typ(e) == "evidence.deposit"]
seeds += ["/verify", "/metrics", "/assets/pdl.js", "/assets/pdl.css"] + ["/entries/%d" % s for s in range(len(E) + 1)]
for s in seeds:
    want(s)
while queue:
    path = queue.pop(0)
    st, h, body = get(pub, path)
    seen[path] = (st, h, body)
    follow(path, st, body)

by_status = {}
for p, (st, h, body) in seen.items():
    by_status[st] = by_status.get(st, 0) + 1
print("# crawled %d answers of the public listener: %s" % (len(seen), by_status))
# every endpoint the index names was crawled
missed = []
for ep in index:
    stem = ep.split("?")[0].split("{")[0]
    if not any(p == stem or (p.startswith(stem) and stem.endswith("/")) or p.startswith(stem + "?") for p in seen):
        missed.append(ep)
check("the crawl asked every endpoint /v1/ lists", not missed, missed)
feed_pages = [p for p in seen if p.startswith("/v1/feed?")]
last_page = json.loads(seen[feed_pages[-1]][2]) if feed_pages else {}
check("the feed was read to its end (%d pages)" % len(feed_pages), len(feed_pages) > 3 and last_page.get("more") is False,
      feed_pages[-3:])
served = [p for p in seen if p.startswith("/v1/entries/") and seen[p][0] == 200]
refused = [p for p in seen if p.startswith("/v1/entries/") and seen[p][0] == 403]
check("every entry was asked: %d served, %d refused as private" % (len(served), len(refused)),
      len(served) + len(refused) == len(E) and len(refused) == len(priv_E), len(served), len(refused), len(priv_E))
pages_ok = sorted(int(p.split("/")[2]) for p in seen if p.startswith("/entries/") and seen[p][0] == 200)
pages_403 = sorted(int(p.split("/")[2]) for p in seen if p.startswith("/entries/") and seen[p][0] == 403)
check("the entry pages follow the entries: %d shown, %d refused as private" % (len(pages_ok), len(pages_403)),
      pages_ok == sorted(int(p.split("/")[3]) for p in served) and
      pages_403 == sorted(int(p.split("/")[3]) for p in refused))
dep = [(e["act"]["body"]["digest"], "blob" in e["act"]["body"]) for e in E if typ(e) == "evidence.deposit"]
wrong = []
for d, blob in dep:
    st, h, body = seen["/v1/evidence?digest=" + d]
    n = len(json.loads(body).get("items", [])) if st == 200 else -1
    if n != (0 if blob else 1):
        wrong.append((d[:12], blob, st, n))
check("/v1/evidence lists the %d public deposits and none of the %d carrying their document" %
      (sum(1 for _, b in dep if not b), sum(1 for _, b in dep if b)), dep and not wrong, *wrong)
errors = [(p, st) for p, (st, h, body) in seen.items() if st >= 500]
check("no answer of the crawl is a server error", not errors, errors[:10])

# the scanner itself finds a planted value (so a clean result means something)
sample = seen["/"][2]
planted = [leaks(sample + " " + t) for t in list(texts)[:5]] + [leaks(sample + " %d" % a) for a in list(amounts)[:5]]
check("the scanner finds a private value planted in an answer (%d of %d)" % (sum(1 for x in planted if x), len(planted)),
      all(planted))

bad = []
for p, (st, h, body) in sorted(seen.items()):
    found = leaks(body, p) + leaks(json.dumps(h))
    if found:
        bad.append("%s (%d): %s" % (p, st, ", ".join("%r from %s" % (f, texts.get(f) or amounts.get(f)) for f in found[:6])))
check("no private value in any of the %d public answers" % len(seen), not bad, *bad[:25])

# ---- the private listener: the same data to the entitled, nothing to others
def token(party, target):
    key = os.path.join(D, "scenario", "sign", party + ".key")
    return subprocess.run([PDL, "token", "--key", key, "--party", party, "--data", D, target],
                          capture_output=True, text=True, check=True).stdout.strip()

def pget(party, target):
    return get(priv, target, token(party, target))

runs = [e for e in E if typ(e) == "settlement.run"]
holders = sorted({l["party"] for e in runs for l in e["outcome"]["lines"]})
got_amounts, bad = set(), []
for party in holders:
    for path in ["/v1/revenue/parties/" + party, "/v1/revenue/parties/%s?format=csv" % party] + \
                ["/v1/revenue/settlements/" + e["act"]["body"]["settlement_id"] for e in runs]:
        st, h, body = pget(party, path)
        if st != 200:
            bad.append("%s %s: %d %s" % (party, path, st, body[:150]))
        got_amounts |= {a for a, r in amount_res if r.search(body)}
line_amounts = {l["amount_fen"] for e in runs for l in e["outcome"]["lines"]} & set(amounts)
check("each party with a line reads its statement (JSON, CSV) and its settlements", not bad, *bad[:10])
check("together they read every settlement amount the scan looked for (%d)" % len(line_amounts),
      line_amounts <= got_amounts, sorted(line_amounts - got_amounts))
st, h, body = pget("auditor", "/v1/metrics/providers/provider-health/explain?limit=1000")
check("an auditor's explain has the rows the public one withholds (the open report, call ids, amounts)",
      st == 200 and "q-open-secret" in body and '"call_id"' in body and '"amount_fen"' in body, st, body[:300])

outsiders = ["developer-a", "registrar", "provider-weather"]
paths = ["/v1/revenue/parties/" + p for p in holders if p not in outsiders] + \
        ["/v1/revenue/settlements/" + e["act"]["body"]["settlement_id"] for e in runs] + \
        ["/v1/metrics/providers/provider-health", "/v1/metrics/providers/provider-health/explain?limit=1000",
         "/v1/metrics/providers?limit=1000"]
bad, n = [], 0
for r in outsiders:
    for path in paths:
        if r == "provider-weather" and path.startswith("/v1/revenue/settlements/"):
            continue  # it has a line in them: entitled
        st, h, body = pget(r, path)
        n += 1
        if st != 403 or leaks(body, path):
            bad.append("%s %s: %d %s" % (r, path, st, body[:150]))
check("parties not entitled get 403 and no private value (%d requests)" % n, not bad, *bad[:10])
EOF
finish
