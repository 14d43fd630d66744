#!/usr/bin/env bash
# t_88_private_http — issue 10, item 2: the private listener. On the
# fixture ledger (plus a suspended provider), `pdl-project all --http …
# --private-http …`:
#   - every request needs Authorization: PDL-Sig (readtok.h): none, a
#     malformed one, an unknown party, a stale or future time, another
#     target, method or ledger, a rotated-out key: 401 with a PDL-Sig
#     challenge naming the ledger id; a suspended party: 403;
#   - a token made here in Python from spec/formats.md is byte for byte the
#     one `pdl token` prints, and is accepted;
#   - who reads what: the authority and auditors every statement and
#     settlement; a party its own statement and the settlements it has a
#     line in, 403 not_entitled for anything else (a missing settlement
#     too, unless the reader reads all); the full metrics to the provider
#     itself, the authority and auditors;
#   - no CORS on the private listener, which serves no public route; the
#     public listener none of the private ones.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture_lib.sh"
: "${PDLPROJ:?set PDLPROJ to the pdl-project binary}"

D=$TMP/l
fixture_load "$D" || { not_ok "the fixture ledger loads, with the extra private acts"; finish; }
cat >"$TMP/suspend.json" <<'EOF'
[{"type": "party.suspend", "actor": "authority", "nonce": 9101, "body": {"id": "provider-weather", "reason": "audit under way"}}]
EOF
"$PDL" submit --keys "$D/scenario/sign" --data "$D" "$TMP/suspend.json" >"$TMP/suspend.out" 2>&1 &&
	! grep -q '"error"' "$TMP/suspend.out" || not_ok "provider-weather is suspended"
fixture_entries "$D" "$TMP/entries.jsonl" || not_ok "pdl get of every entry"
"$PDL" get 0 --raw --data "$D" >"$TMP/genesis.bin" || not_ok "pdl get 0 --raw"
SIZE=$(wc -l <"$TMP/entries.jsonl")
PRIV_PORT=$(free_port)
start_views "$D" --private-http "127.0.0.1:$PRIV_PORT" || { not_ok "pdl-project starts with both listeners"; finish; }
wait_public "$SIZE" || not_ok "the view caught up with the $SIZE entries"
check "pdl-project names its private listener" grep -q "private listener http://127.0.0.1:$PRIV_PORT" "$TMP/proj.log"

# pdl token refuses a key that is not the party's current one (--data checks)
if "$PDL" token --key "$D/keys/developer-c.key" --party developer-c --data "$D" /v1/ >"$TMP/tk.out" 2>"$TMP/tk.err"; then
	not_ok "pdl token refuses developer-c's rotated-out key"
else
	check "pdl token refuses developer-c's rotated-out key, saying why" grep -q "not developer-c's current key" "$TMP/tk.err"
fi
check "pdl token --help says how to use it with curl" sh -c "'$PDL' token --help | grep -q 'curl -H'"
UPPER=$($PY -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest().upper())' "$TMP/genesis.bin")
"$PDL" token --key "$D/keys/auditor.key" --party auditor --ledger-id "$UPPER" /v1/ >/dev/null 2>&1
check_eq "pdl token refuses an uppercase --ledger-id (usage error)" "$?" 2
"$PDL" token --key "$D/keys/auditor.key" --party auditor --data "$D" 'v1/ no slash' >/dev/null 2>&1
check_eq "pdl token refuses a TARGET that is not a request target" "$?" 2

pychecks $PY - "$PUB_BASE" "http://127.0.0.1:$PRIV_PORT" "$TMP/entries.jsonl" "$D" "$TMP/genesis.bin" <<'EOF'
import base64, hashlib, json, os, subprocess, sys, time, urllib.error, urllib.request
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

pub, priv, entries_file, D, genesis = sys.argv[1:6]
E = [json.loads(l) for l in open(entries_file)]
PDL = os.environ["PDL"]
LEDGER_ID = hashlib.sha256(open(genesis, "rb").read()).hexdigest()

def check(name, cond, *why):
    print(("ok - " if cond else "not ok - ") + name)
    if not cond:
        for w in why:
            for l in str(w).splitlines()[:20]:
                print("#   " + l)

def typ(e):
    return e["act"]["type"]

def key_file(party):
    # the key each party signs with now (the loader's sign/ directory follows rotations)
    return os.path.join(D, "scenario", "sign", party + ".key")

def token(party, target, key=None, *extra):
    r = subprocess.run([PDL, "token", "--key", key or key_file(party), "--party", party, "--data", D] + list(extra)
                       + [target], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("pdl token %s %s: %s" % (party, target, r.stderr.strip()))
    return r.stdout.strip()

def py_token(party, keyfile, target, ms, method="GET", ledger_hex=LEDGER_ID):
    """spec/formats.md, the read token, written from the spec (not pdl's code)."""
    lines = open(keyfile).read().split("\n")
    assert lines[0] == "pdl-ed25519-v1", lines[0]
    sk = Ed25519PrivateKey.from_private_bytes(base64.b64decode(lines[1]))
    msg = "pdl/read/v1\n%s\n%s\n%s\n%d\n" % (ledger_hex, method, target, ms)
    sig = sk.sign(msg.encode())
    return "PDL-Sig party=%s,time=%d,sig=%s" % (party, ms, base64.b64encode(sig).decode())

def get(base, target, auth=None):
    req = urllib.request.Request(base + target)
    if auth is not None:
        req.add_header("Authorization", auth)
    try:
        r = urllib.request.urlopen(req, timeout=20)
        return r.status, dict(r.headers), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8", "replace")

def err(body):
    try:
        return json.loads(body).get("error")
    except ValueError:
        return None

def pget(party, target, key=None):
    return get(priv, target, token(party, target, key))

# ---- authentication
T = "/v1/revenue/parties/operator-city?period=2026-09"
st, h, body = get(priv, T)
check("no Authorization: 401 unauthorized", (st, err(body)) == (401, "unauthorized"), st, body)
check("the 401 challenge is PDL-Sig and names the ledger id (SHA-256 of entry 0)",
      h.get("WWW-Authenticate") == 'PDL-Sig realm="pdl", ledger="%s"' % LEDGER_ID, h.get("WWW-Authenticate"), LEDGER_ID)
now = int(time.time() * 1000)
mine = py_token("operator-city", key_file("operator-city"), T, now)
theirs = token("operator-city", T, None, "--time", str(now))
check("a token made from spec/formats.md equals pdl token's, byte for byte", mine == theirs, mine, theirs)
st, h, body = get(priv, T, mine)
check("it is accepted: operator-city reads its statement", st == 200 and json.loads(body).get("party") == "operator-city",
      st, body)
theirs_id = subprocess.run([PDL, "token", "--key", key_file("operator-city"), "--party", "operator-city",
                            "--ledger-id", LEDGER_ID, "--time", str(now), T], capture_output=True, text=True).stdout.strip()
check("pdl token --ledger-id gives the same token", theirs_id == mine, theirs_id)
cases = [
    ("a malformed header", "Bearer " + base64.b64encode(b"operator-city").decode(), 401, "bad_token"),
    ("a token 10 minutes old", py_token("operator-city", key_file("operator-city"), T, now - 600000), 401, "token_expired"),
    ("a token 10 minutes ahead", py_token("operator-city", key_file("operator-city"), T, now + 600000), 401, "token_expired"),
    ("a token for another target", py_token("operator-city", key_file("operator-city"), T + "&format=csv", now), 401,
     "bad_signature"),
    ("a token for the path without its query", py_token("operator-city", key_file("operator-city"), T.split("?")[0], now),
     401, "bad_signature"),
    ("a token for another method", py_token("operator-city", key_file("operator-city"), T, now, "POST"), 401,
     "bad_signature"),
    ("a token for another ledger", py_token("operator-city", key_file("operator-city"), T, now, "GET", "00" * 32), 401,
     "bad_signature"),
    ("another party's key under operator-city's name", py_token("operator-city", key_file("developer-a"), T, now), 401,
     "bad_signature"),
    ("an unknown party", py_token("nobody-here", key_file("developer-a"), T, now), 401, "unknown_party"),
    ("developer-c's key from before its rotation", py_token("developer-c", os.path.join(D, "keys", "developer-c.key"),
     "/v1/revenue/parties/developer-c", now), 401, "bad_signature"),
]
for name, auth, code, e in cases:
    target = "/v1/revenue/parties/developer-c" if "developer-c" in name else T
    st, h, body = get(priv, target, auth)
    check("%s: %d %s" % (name, code, e), (st, err(body)) == (code, e) and
          (code != 401 or h.get("WWW-Authenticate", "").startswith("PDL-Sig")), st, body)
st, h, body = get(priv, "/v1/revenue/parties/developer-c",
                  py_token("developer-c", key_file("developer-c"), "/v1/revenue/parties/developer-c", now))
check("developer-c's current key (after its rotation) reads its statement", st == 200, st, body)
st, h, body = get(priv, "/v1/revenue/parties/provider-weather",
                  py_token("provider-weather", key_file("provider-weather"), "/v1/revenue/parties/provider-weather", now))
check("a suspended party (provider-weather) is refused: 403 party_suspended", (st, err(body)) == (403, "party_suspended"),
      st, body)
check("a token may be used again within its window (same read)", get(priv, T, mine)[0] == 200)

# ---- headers: no CORS on the private listener, no caching
st, h, body = pget("auditor", "/v1/revenue/settlements/st-mr-2026-09")
check("the private listener sends no Access-Control-Allow-Origin, and Cache-Control: no-store",
      st == 200 and "Access-Control-Allow-Origin" not in h and h.get("Cache-Control") == "no-store", st, h)
st, h, body = get(pub, "/v1/grants")
check("the public listener keeps Access-Control-Allow-Origin: *", h.get("Access-Control-Allow-Origin") == "*", h)

# ---- each listener serves its own routes only
for p in ("/", "/v1/", "/v1/grants", "/v1/feed", "/v1/entries/1", "/v1/metrics/weights"):
    st, h, body = pget("auditor", p)
    check("the private listener does not serve %s (404)" % p, (st, err(body)) == (404, "not_found"), st, body)
for p in ("/v1/revenue/parties/auditor", "/v1/revenue/settlements/st-mr-2026-09"):
    st, h, body = get(pub, p, token("auditor", p))
    check("the public listener does not serve %s, token or not (404)" % p, st == 404, st, body)

# ---- who reads what: statements
runs = [e for e in E if typ(e) == "settlement.run"]
confirmed = {e["act"]["body"]["settlement_id"] for e in E if typ(e) == "settlement.confirm"}
line_parties = sorted({l["party"] for e in runs for l in e["outcome"]["lines"]})
readers = line_parties + ["auditor", "developer-a", "registrar"]
ALL = {"authority", "auditor"}
bad = []
for r in readers:
    if r == "provider-weather":
        continue  # suspended: refused above
    for q in line_parties:
        st, h, body = pget(r, "/v1/revenue/parties/" + q)
        want_lines = sorted((e["act"]["body"]["settlement_id"], l["role"], l["amount_fen"]) for e in runs
                            for l in e["outcome"]["lines"] if l["party"] == q)
        if r == q or r in ALL:
            got = json.loads(body) if st == 200 else {}
            lines = sorted((l["settlement_id"], l["role"], l["amount_fen"]) for l in got.get("lines", []))
            if st != 200 or lines != want_lines or got.get("total_fen") != sum(x[2] for x in want_lines):
                bad.append("%s reading %s: %d %s" % (r, q, st, body[:200]))
        elif (st, err(body)) != (403, "not_entitled") or "amount_fen" in body:
            bad.append("%s reading %s: %d %s (want 403 not_entitled)" % (r, q, st, body[:200]))
check("statements: the party itself, the authority and auditors read them exactly; every other party 403 "
      "(%d readers x %d statements)" % (len(readers) - 1, len(line_parties)), not bad, *bad)

# ---- settlements: the parties with a line in them
bad = []
for e in runs:
    sid = e["act"]["body"]["settlement_id"]
    with_line = {l["party"] for l in e["outcome"]["lines"]}
    for r in readers:
        if r == "provider-weather":
            continue
        st, h, body = pget(r, "/v1/revenue/settlements/" + sid)
        if r in with_line or r in ALL:
            d = json.loads(body) if st == 200 else {}
            if st != 200 or d.get("lines") != e["outcome"]["lines"] or d.get("gross_fen") != e["outcome"]["gross_fen"] \
                    or d.get("status") != ("confirmed" if sid in confirmed else "run"):
                bad.append("%s reading %s: %d %s" % (r, sid, st, body[:200]))
        elif (st, err(body)) != (403, "not_entitled"):
            bad.append("%s reading %s: %d %s (want 403)" % (r, sid, st, body[:200]))
check("settlements: read by the parties with a line, the authority and auditors; others 403", not bad, *bad)
st, h, body = pget("auditor", "/v1/revenue/settlements/st-none")
check("a missing settlement: 404 to an auditor", (st, err(body)) == (404, "not_found"), st, body)
st, h, body = pget("developer-a", "/v1/revenue/settlements/st-none")
check("a missing settlement: 403 to a party that reads only its own (no oracle for ids)",
      (st, err(body)) == (403, "not_entitled"), st, body)

# ---- the full metrics
rev = {}
for e in runs:
    for l in e["outcome"]["lines"]:
        if l["role"] == "provider":
            k = (l["party"], e["act"]["body"]["period"])
            rev[k] = rev.get(k, 0) + l["amount_fen"]
st, h, body = pget("provider-health", "/v1/metrics/providers/provider-health")
d = json.loads(body) if st == 200 else {}
got = {(d["provider"], p["period"]): p["usage"].get("revenue_fen") for p in d.get("periods", [])}
want = {k: v for k, v in rev.items() if k[0] == "provider-health"}
check("provider-health reads its own full figures: revenue attributed per period",
      st == 200 and all(got.get(k) == v for k, v in want.items()) and want, st, got, want)
st, h, body = pget("provider-transit", "/v1/metrics/providers/provider-health")
check("provider-transit may not read provider-health's full figures (403)", (st, err(body)) == (403, "not_entitled"),
      st, body)
st, h, body = pget("provider-transit", "/v1/metrics/providers/provider-health/explain")
check("nor its explain rows (403)", (st, err(body)) == (403, "not_entitled"), st, body)
st, h, body = pget("provider-transit", "/v1/metrics/providers?period=2026-09")
check("a provider may not list every provider's full figures (403)", (st, err(body)) == (403, "not_entitled"), st, body)
st, h, body = pget("auditor", "/v1/metrics/providers?limit=1000")
items = json.loads(body).get("items", []) if st == 200 else []
got = {(i["provider"], i["period"]): i["usage"].get("revenue_fen") for i in items}
check("an auditor lists every provider's full figures, revenue attributed as settled",
      st == 200 and all(got.get(k) == v for k, v in rev.items()), st, got, rev)
st, h, body = pget("authority", "/v1/metrics/providers/provider-health/explain?limit=1000")
rows = [r for p in json.loads(body).get("periods", []) for f in p["figures"].values() for r in f["entries"]] if st == 200 else []
calls = [r for r in rows if r["type"] in ("call.approve", "call.assess")]
revs = [r for r in rows if r["type"] == "settlement.run"]
check("the authority's explain has the private rows in full (call ids, settlement amounts)",
      calls and all("call_id" in r for r in calls) and revs and all("amount_fen" in r for r in revs), st, rows[:5])
st, h, body = get(pub, "/v1/metrics/providers/provider-health")
check("the public listener still serves provider-health's public figures, without revenue",
      st == 200 and "revenue_fen" not in body, st, body[:200])
EOF
check "the loopback private listener gets no warning" not grep -q "not on a loopback address" "$TMP/proj.log"
# a private listener on every address: served, with a warning
WP=$(free_port)
"$PDLPROJ" disclosure --ledger "ipc://$D/pdl.sock" --data "$TMP/proj2" --http "127.0.0.1:$(free_port)" \
	--private-http "0.0.0.0:$WP" >"$TMP/proj2.log" 2>&1 &
P2=$!
n=100
until grep -q "following" "$TMP/proj2.log" || [ "$n" -le 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
check "a private listener on 0.0.0.0: a warning that its answers are plaintext, off loopback" \
	grep -q "private listener 0.0.0.0:$WP is not on a loopback address" "$TMP/proj2.log"
kill -TERM "$P2" 2>/dev/null
wait "$P2" 2>/dev/null
finish
