#!/usr/bin/env bash
# t_69_http_params — issue 10, item 7 (the projections' part):
#   - `pdl-project --rebuild` ran system("rm -rf '<--data>.rebuild'"): a
#     quote in the path ran a command. Now no shell: a --data path made to
#     inject a command rebuilds to the same digest, and the command never
#     runs; a symlink in the way is removed, not followed;
#   - /v1/feed?after=9999999999999999999 answered "next":-8446744073709551617:
#     numbers past 2^63-1 are 400 now, on every route;
#   - unknown query parameters were accepted on /v1/, /v1/metrics/* and the
#     revenue routes: 400 unknown_parameter on every route of both listeners;
#   - %00 cut a value short (status=active%00xyz was "active"): a control
#     character, a broken %-escape or a repeated parameter is 400.
. "$(dirname "$0")/lib.sh"
: "${PDLPROJ:?set PDLPROJ to the pdl-project binary}"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
$GEN acts "$TMP/a_" 1 3 1
start_pdld "$D" || { not_ok "pdld starts"; finish; }
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a_00.json" >/dev/null 2>&1
check_eq "3 acts in" "$(log_size "$D")" 4

# ---- --rebuild without a shell
WANT=$("$PDLPROJ" all --ledger "ipc://$D/pdl.sock" --data "$TMP/plain" --once | jl - 'o["digest"]')
# the old command line was: rm -rf '<DIR>.rebuild' — with this DIR it ran
# `touch pwned` in the working directory (here $TMP)
Q="$TMP/v'; touch pwned; echo 'x"
mkdir -p "$TMP/precious" && echo keep >"$TMP/precious/keep.txt"
(cd "$TMP" && "$PDLPROJ" all --ledger "ipc://$D/pdl.sock" --data "$Q" --once) >/dev/null 2>"$TMP/q1.err" ||
	not_ok "a view under a path with a quote is made ($(cat "$TMP/q1.err"))"
ln -s "$TMP/precious" "$Q.rebuild" # a leftover in the way: a symlink, to be removed, not followed
(cd "$TMP" && "$PDLPROJ" all --ledger "ipc://$D/pdl.sock" --data "$Q" --rebuild --once) >"$TMP/q2.out" 2>"$TMP/q2.err"
check_eq "--rebuild under a path with a quote exits 0" "$?" 0
check_eq "the rebuilt view has the digest of a fresh one" "$(jl "$TMP/q2.out" 'o["digest"]')" "$WANT"
check "no command ran from the path (no $TMP/pwned*)" test -z "$(ls -d "$TMP"/pwned* 2>/dev/null)"
check "the rebuild's leftovers are gone (DIR.rebuild, DIR/view.old)" test ! -e "$Q.rebuild" -a ! -e "$Q/view.old"
check "a symlink in the rebuild's way was removed, its target kept" test -f "$TMP/precious/keep.txt"
check "pdl-project reads the rebuilt view" "$PDLPROJ" digest all --data "$Q"

# ---- the servers
PORT=$(free_port)
PPORT=$(free_port)
"$PDLPROJ" all --ledger "ipc://$D/pdl.sock" --data "$TMP/proj" --http "127.0.0.1:$PORT" \
	--private-http "127.0.0.1:$PPORT" >"$TMP/proj.out" 2>"$TMP/proj.err" &
PP=$!
trap 'kill -TERM "$PP" 2>/dev/null; wait "$PP" 2>/dev/null; cleanup' EXIT
n=100
until $PY -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "http://127.0.0.1:$PORT/v1/" 2>/dev/null; do
	[ "$n" -gt 0 ] || { not_ok "pdl-project serves"; finish; }
	sleep 0.1
	n=$((n - 1))
done

pychecks $PY - "http://127.0.0.1:$PORT" "http://127.0.0.1:$PPORT" "$D" "$AUTH_KEY" <<'EOF'
import json, os, subprocess, sys, time, urllib.error, urllib.request
pub, priv, D, authkey = sys.argv[1:5]
PDL = os.environ["PDL"]

def check(name, cond, *why):
    print(("ok - " if cond else "not ok - ") + name)
    if not cond:
        for w in why:
            print("#   " + str(w)[:300])

def get(base, target):
    req = urllib.request.Request(base + target)
    if base == priv:
        tok = subprocess.run([PDL, "token", "--key", authkey, "--party", "authority", "--data", D, target],
                             capture_output=True, text=True, check=True).stdout.strip()
        req.add_header("Authorization", tok)
    try:
        r = urllib.request.urlopen(req, timeout=20)
        return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")

def err(body):
    try:
        return json.loads(body).get("error")
    except ValueError:
        return None

# wait for the view
for _ in range(100):
    st, body = get(pub, "/v1/")
    if st == 200 and (json.loads(body).get("as_of") or {}).get("seq") == 3:
        break
    time.sleep(0.1)

# ---- numbers past 2^63-1
for t in ("/v1/feed?after=9999999999999999999", "/v1/feed?after=9223372036854775808",
          "/v1/feed?after=18446744073709551615", "/v1/feed?after=99999999999999999999",
          "/v1/proof/inclusion?index=9999999999999999999", "/v1/proof/inclusion?index=1&size=9223372036854775808",
          "/v1/feed?limit=9999999999999999999", "/v1/reports/annual?year=9999999999999999999"):
    st, body = get(pub, t)
    check("%s: 400 bad_parameter" % t, (st, err(body)) == (400, "bad_parameter"), st, body)
for t in ("/v1/entries/9223372036854775808", "/v1/entries/9999999999999999999", "/entries/9223372036854775808"):
    st, body = get(pub, t)
    check("%s: 400, out of range (not 404)" % t, st == 400 and "out of range" in body, st, body)
# RFC 9110 6.6.1: Date on every answer, IMF-fixdate, this clock's
import email.utils
dates = []
for t in ("/v1/", "/v1/entries/9223372036854775808", "/nope"):
    try:
        r = urllib.request.urlopen(pub + t, timeout=20)
    except urllib.error.HTTPError as e:
        r = e
    d = r.headers.get("Date", "")
    dt = email.utils.parsedate_to_datetime(d) if d.endswith(" GMT") else None
    dates.append((t, r.status, d, dt is not None and abs(dt.timestamp() - time.time()) < 120))
check("a Date header (IMF-fixdate, now) on 200, 400 and 404 answers", all(x[3] for x in dates), *dates)
# RFC 9112 3.2.2: the absolute form is answered as the origin form
import socket
hp = pub.split("//", 1)[1].rstrip("/")
sk = socket.create_connection((hp.rsplit(":", 1)[0], int(hp.rsplit(":", 1)[1])), timeout=20)
sk.sendall(("GET http://%s/v1/ HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (hp, hp)).encode())
raw = b""
while True:
    chunk = sk.recv(65536)
    if not chunk:
        break
    raw += chunk
sk.close()
check("GET http://HOST/v1/ (absolute form): 200, the /v1/ document", raw.startswith(b"HTTP/1.1 200") and b'"as_of"' in raw, raw[:200])
# CORS preflight: the public listener allows GET and HEAD from any origin;
# the private one answers OPTIONS 405
def options(base, target):
    req = urllib.request.Request(base + target, method="OPTIONS",
                                 headers={"Origin": "https://x.example", "Access-Control-Request-Method": "GET",
                                          "Access-Control-Request-Headers": "x-custom"})
    try:
        r = urllib.request.urlopen(req, timeout=20)
    except urllib.error.HTTPError as e:
        r = e
    return r.status, r.headers, r.read()
st, hd, body = options(pub, "/v1/grants")
check("OPTIONS /v1/grants (a preflight): 200, no body, GET and HEAD from any origin, any header",
      (st, body, hd.get("Access-Control-Allow-Origin"), hd.get("Access-Control-Allow-Methods"),
       hd.get("Access-Control-Allow-Headers")) == (200, b"", "*", "GET, HEAD", "*"), st, dict(hd), body)
st, hd, body = options(pub, "/v1/nope")
check("OPTIONS of no route: 404", st == 404, st)
st, hd, body = options(priv, "/v1/revenue/parties/authority")
check("OPTIONS on the private listener: 405 with Allow, no CORS", st == 405 and hd.get("Allow") == "GET, HEAD" and
      hd.get("Access-Control-Allow-Origin") is None, st, dict(hd))
st, body = get(pub, "/v1/proof/inclusion?index=9223372036854775808")
check("an index past 2^63-1: the message gives the range", st == 400 and "0..9223372036854775807" in body, st, body)
st, body = get(pub, "/v1/feed?after=9223372036854775807")
d = json.loads(body) if st == 200 else {}
check("/v1/feed?after=2^63-1: 200, next 2^63-1 (never negative), no items",
      (st, d.get("next"), d.get("items"), d.get("more")) == (200, 9223372036854775807, [], False), st, body)
st, body = get(pub, "/v1/feed?after=1")
d = json.loads(body) if st == 200 else {}
check("/v1/feed?after=1 still pages", st == 200 and [i["seq"] for i in d.get("items", [])] == [2, 3], st, body)

# ---- unknown parameters: every route of both listeners
routes = [(pub, p) for p in ("/", "/v1/", "/v1", "/v1/grants", "/v1/grants/g1", "/v1/products", "/v1/products/p1",
                             "/v1/usage", "/v1/registrations", "/v1/registrations/a1", "/v1/disputes", "/v1/parties",
                             "/v1/resources", "/v1/feed", "/v1/feed.atom", "/v1/checkpoint", "/v1/proof/inclusion",
                             "/v1/entries/1", "/v1/reports/annual", "/v1/metrics/providers",
                             "/v1/metrics/providers/p1", "/v1/metrics/providers/p1/explain", "/v1/metrics/weights",
                             "/v1/evidence", "/entries/1", "/verify", "/metrics", "/assets/pdl.js", "/assets/pdl.css")]
routes += [(priv, p) for p in ("/v1/revenue/parties/authority", "/v1/revenue/settlements/s1", "/v1/metrics/providers",
                               "/v1/metrics/providers/p1", "/v1/metrics/providers/p1/explain")]
bad = []
for base, p in routes:
    st, body = get(base, p + "?bogus=1")
    if (st, err(body)) != (400, "unknown_parameter") or "bogus" not in body:
        bad.append("%s%s?bogus=1: %d %s" % ("private " if base == priv else "", p, st, body[:120]))
check("?bogus=1 is 400 unknown_parameter, naming it, on every route (%d routes, both listeners)" % len(routes),
      not bad, *bad)
st, body = get(priv, "/v1/revenue/parties/authority?period=2026-09&format=csv")
check("the private routes still take their own parameters", st == 200 and body.startswith("party,party_name,period,"), st, body)

# ---- control characters, broken escapes, repeats
cases = [(pub, "/v1/grants?status=active%00xyz"), (pub, "/v1/grants?status=active%0A"),
         (pub, "/v1/grants?status=%1factive"), (pub, "/v1/grants?status=active%7F"),
         (pub, "/v1/feed?after=1%00"), (pub, "/v1/feed?limit=5%00"), (pub, "/v1/usage?period=2026-09%00"),
         (pub, "/v1/metrics/providers?period=2026-09%00"), (pub, "/v1/grants?status=%zz"), (pub, "/v1/grants?status=%4"),
         (pub, "/v1/grants?status%00=active"), (pub, "/v1/feed?limit=1&limit=2"), (pub, "/v1/feed?after=1&after=2"),
         (priv, "/v1/revenue/parties/authority?period=2026-09%00x"), (priv, "/v1/revenue/parties/authority?format=csv%0d"),
         (priv, "/v1/metrics/providers?limit=1&limit=1")]
bad = []
for base, t in cases:
    st, body = get(base, t)
    if (st, err(body)) != (400, "bad_parameter"):
        bad.append("%s%s: %d %s" % ("private " if base == priv else "", t, st, body[:120]))
check("%%00, control characters, broken %%-escapes and repeats are 400 bad_parameter (%d cases)" % len(cases),
      not bad, *bad)
st, body = get(pub, "/v1/grants?status=act%69ve")
check("a well-formed escape still decodes (status=act%69ve is active)", st == 200, st, body)
st, body = get(pub, "/v1/grants?status=active")
check("status=active answers 200", st == 200, st, body)
EOF
finish
