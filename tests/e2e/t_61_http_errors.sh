#!/usr/bin/env bash
# t_61_http_errors — every class of bad request to the public HTTP server
# (unknown paths, bad seqs, out-of-range limits, non-numeric and unknown
# parameters, bad codes and ids, out-of-range proofs) gets its exact 4xx
# status and a JSON {error, message}; after each one a good request still
# works. The view keeps serving while pdld is down (ledger-backed routes
# answer 503) and recovers when it returns; a burst of parallel requests
# is served.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/disclosure_lib.sh"

D=$TMP/l
disc_phase1 "$D" && disc_phase2 "$D" || { not_ok "the scenario is accepted by the ledger"; finish; }
LAST=${S[use3]}
start_proj "$D" || { not_ok "pdl-project all --http starts"; finish; }
check "the view catches up to seq $LAST" wait_view $((LAST + 1))
wait_ckpt "$D" $((LAST + 1)) || not_ok "a checkpoint covers the scenario"
SIZE=$((LAST + 1))

# a head that does not arrive whole within 10 s gets 408 before the close
# (probe report, finding 7); it runs beside the checks below
$PY - "$PORT" >"$TMP/slowhead.out" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
s.sendall(b"GET /v1/grants HTTP/1.1\r\nHost: x\r\n")
b = b""
while True:
    k = s.recv(4096)
    if not k:
        break
    b += k
print(b.split(b"\r\n")[0].decode(errors="replace"), b'"request_timeout"' in b)
EOF
SLOW_PID=$!

# bad PATH STATUS ERROR: the status, a JSON body {error, message} with that
# error, then a good request that still answers with the two grants.
bad() {
	local path=$1 want=$2 err=$3 out
	out=$($PY - "$BASE" "$path" <<'EOF'
import json, sys, urllib.request, urllib.error
def get(u):
    try:
        r = urllib.request.urlopen(u, timeout=20)
        return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception as e:
        return 0, str(e).encode()
c, b = get(sys.argv[1] + sys.argv[2])
try:
    o = json.loads(b)
    e = o["error"] if set(o) >= {"error", "message"} and o["message"] else "NO-MESSAGE"
except Exception:
    e = "NOT-JSON"
c2, b2 = get(sys.argv[1] + "/v1/grants")
try:
    ids = json.dumps([g["grant_id"] for g in json.loads(b2)["items"]])
except Exception:
    ids = "?"
print("%s %s\n%s:%s" % (c, e, c2, ids))
EOF
)
	check_eq "$path → $want $err" "$(echo "$out" | sed -n 1p)" "$want $err"
	check_eq "  then /v1/grants still answers" "$(echo "$out" | sed -n 2p)" '200:["G1", "G2"]'
}

# unknown paths
bad /v1/nope 404 not_found
bad /nope 404 not_found
bad /v1/grants/ 400 bad_id
bad /v1/grants/G1/x 400 bad_id
bad /v1/grants/NOPE 404 not_found
bad /v1/products/NOPE 404 not_found
bad /v1/entries/ 400 bad_seq
# bad seqs
bad /v1/entries/abc 400 bad_seq
bad /v1/entries/-1 400 bad_seq
bad /v1/entries/1.5 400 bad_seq
bad /v1/entries/99999999999999999999 400 bad_seq
bad /v1/entries/7/x 400 bad_seq
bad /v1/entries/007 400 bad_seq
bad /v1/entries/100000 404 not_found
# limits
bad '/v1/feed?limit=1001' 400 bad_parameter
bad '/v1/feed?limit=0' 400 bad_parameter
bad '/v1/feed?limit=' 400 bad_parameter
bad '/v1/feed?limit=0010' 400 bad_parameter
bad '/v1/grants?&&&' 400 bad_parameter
bad '/v1/grants?=' 400 bad_parameter
bad '/v1/grants?limit=5000' 400 bad_parameter
bad '/v1/feed.atom?limit=100000' 400 bad_parameter
# non-numeric and unknown parameters
bad '/v1/feed?after=x' 400 bad_parameter
bad '/v1/feed?after=-3' 400 bad_parameter
bad '/v1/feed?limit=ten' 400 bad_parameter
bad '/v1/feed?afterr=3' 400 unknown_parameter
bad '/v1/grants?foo=1' 400 unknown_parameter
bad '/v1/entries/7?x=1' 400 unknown_parameter
bad '/?debug=1' 400 unknown_parameter
# the evidence check: a SHA-256 digest, nothing else
bad '/v1/evidence' 400 missing_parameter
bad '/v1/evidence?digest=' 400 missing_parameter
bad '/v1/evidence?digest=abc' 400 bad_parameter
bad '/v1/evidence?digest=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz' 400 bad_parameter
bad '/v1/evidence?digest=0000000000000000000000000000000000000000000000000000000000000000aa' 400 bad_parameter
bad '/v1/evidence?digest=00&size=1' 400 unknown_parameter
bad '/v1/proof/inclusion' 400 missing_parameter
bad '/v1/proof/inclusion?index=abc' 400 bad_parameter
bad '/v1/proof/inclusion?index=1&size=z' 400 bad_parameter
bad '/v1/proof/inclusion?index=5&size=5' 400 bad_parameter
bad "/v1/proof/inclusion?index=1&size=$((SIZE + 100))" 400 bad_parameter
bad "/v1/proof/inclusion?index=$((SIZE + 5))" 404 not_found
bad '/v1/reports/annual' 400 missing_parameter
bad '/v1/reports/annual?year=20x0' 400 bad_parameter
bad '/v1/reports/annual?year=99999' 400 bad_parameter
# filters
bad '/v1/registrations?status=bogus' 400 bad_parameter
bad '/v1/registrations?kind=X' 400 bad_parameter
bad '/v1/grants?status=open' 400 bad_parameter
bad '/v1/products?status=gone' 400 bad_parameter
bad '/v1/usage?period=2040-13' 400 bad_parameter
bad '/v1/usage?period=204003' 400 bad_parameter
bad '/v1/usage?resource=bad%2Fid' 400 bad_parameter
bad '/v1/disputes?outcome=maybe' 400 bad_parameter
bad '/v1/grants?after=%01' 400 bad_parameter
# registration codes and ids
CODE=$(sed -n 1p "$TMP/phase2.receipts" | $PY -c 'import json,sys; print(json.loads(sys.stdin.read())["outcome"]["code"])')
WRONG=$($PY -c 'import sys; c=sys.argv[1]; a="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"; print(c[:-1] + a[(a.index(c[-1]) + 1) % 36])' "$CODE")
bad "/v1/registrations/$WRONG" 400 bad_code
bad /v1/registrations/420100-2040-R-0000000A-5 400 bad_code
bad '/v1/registrations/not!an%20id' 400 bad_code
bad /v1/registrations/NOPE 404 not_found
bad /v1/registrations/420100-2040-R-00000009-$($PY -c '
a="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"; s="4201002040R00000009"; p=36
for ch in s:
    p = (((p + a.index(ch)) % 36) or 36) * 2 % 37
print(a[(37 - p) % 36])') 404 not_found

# the good variants answer
check_eq "/v1/registrations/$CODE: 200" "$(hget "/v1/registrations/$CODE")" 200
check_eq "/v1/registrations/A1 (application id): 200, same code" "$(hget /v1/registrations/A1):$(jq_ "$TMP/h.body" 'o["code"]')" "200:$CODE"
check_eq "empty filter is no filter: /v1/registrations?status=" "$(hget '/v1/registrations?status='):$(jq_ "$TMP/h.body" 'len(o["items"])')" "200:2"
check_eq "private entry: 403 with JSON" "$(hget "/v1/entries/${S[C1]}"):$(jq_ "$TMP/h.body" 'o["error"]')" "403:not_public"
check_eq "content type of errors is JSON" \
	"$($PY -c 'import sys,urllib.request,urllib.error
try: urllib.request.urlopen(sys.argv[1])
except urllib.error.HTTPError as e: print(e.headers["Content-Type"])' "$BASE/v1/entries/abc")" "application/json"
check "pdl-project is still running" kill -0 "$PROJ_PID"

# ---- a burst of parallel requests, good and bad mixed
burst=$($PY - "$BASE" "${S[G1]}" <<'EOF'
import sys, threading, urllib.request, urllib.error
base, g1 = sys.argv[1], sys.argv[2]
# ledger-backed routes (checkpoint, proofs, entries) do blocking NNG I/O:
# many at once once deadlocked NNG's task threads (http.c runs routes on
# its own workers since)
paths = ["/v1/grants", "/v1/entries/abc", "/v1/checkpoint", "/", "/v1/entries/" + g1, "/v1/nope",
         "/v1/proof/inclusion?index=3", "/v1/entries/" + g1]
want = [200, 400, 200, 200, 200, 404, 200, 200]
bad = []
def run(i):
    p = paths[i % len(paths)]
    try:
        c = urllib.request.urlopen(base + p, timeout=30).status
    except urllib.error.HTTPError as e:
        c = e.code
    except Exception as e:
        c = str(e)
    if c != want[i % len(paths)]:
        bad.append((p, c))
ts = [threading.Thread(target=run, args=(i,)) for i in range(200)]
[t.start() for t in ts]
[t.join() for t in ts]
print("bad", bad[:3]) if bad else print("all", len(ts))
EOF
)
check_eq "200 parallel requests all get their expected status" "$burst" "all 200"

# ---- the server itself (projections/core/hsrv.h), over raw sockets:
# keep-alive, pipelining, HEAD, and the requests it refuses before a route
pychecks $PY - "$PORT" "${S[G1]}" <<'EOF'
import socket, sys, json
port, g1 = int(sys.argv[1]), sys.argv[2]
def check(name, cond, *why):
    print(("ok - " if cond else "not ok - ") + name)
    if not cond:
        for w in why:
            print("#   " + repr(w)[:400])
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    return s, s.makefile("rb")
def answer(f, head=False):
    """(status, {header: value}, body) of one response read off f."""
    line = f.readline()
    if not line:
        return None, {}, b""
    status = int(line.split()[1])
    h = {}
    while True:
        l = f.readline().rstrip(b"\r\n")
        if not l:
            break
        k, v = l.split(b":", 1)
        h[k.decode().lower()] = v.strip().decode()
    n = 0 if head else int(h.get("content-length", "0"))
    return status, h, f.read(n)
# three requests in one write, answered in order on one connection
s, f = conn()
s.sendall(("GET /v1/entries/%s HTTP/1.1\r\nHost: x\r\n\r\n"
           "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
           "GET /v1/proof/inclusion?index=%s HTTP/1.1\r\nHost: x\r\n\r\n" % (g1, g1)).encode())
a, b, c = answer(f), answer(f), answer(f)
check("pipelined: three answers in order (200 entry, 404, 200 proof)",
      (a[0], b[0], c[0]) == (200, 404, 200) and json.loads(a[2])["seq"] == int(g1) and
      json.loads(b[2])["error"] == "not_found" and json.loads(c[2])["index"] == int(g1), a[:2], b, c[:2])
check("the public headers on every answer (CORS, CSP, no-cache, nosniff)",
      all(x[1].get("access-control-allow-origin") == "*" and "default-src 'none'" in x[1].get("content-security-policy", "")
          and x[1].get("cache-control") == "no-cache" and x[1].get("x-content-type-options") == "nosniff" for x in (a, b, c)), a[1])
# the same connection goes on serving, request after request
ok = True
for i in range(50):
    s.sendall(("GET /v1/proof/inclusion?index=%s HTTP/1.1\r\nHost: x\r\n\r\n" % g1).encode())
    ok = ok and answer(f)[0] == 200
check("keep-alive: 50 more requests on the same connection", ok)
# HEAD: the GET's headers and length, no body
s.sendall(("HEAD /v1/entries/%s HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/ HTTP/1.1\r\nHost: x\r\n\r\n" % g1).encode())
hd, nxt = answer(f, head=True), answer(f)
check("HEAD: 200 with the GET's Content-Length and no body (the next answer follows at once)",
      hd[0] == 200 and int(hd[1]["content-length"]) == len(a[2]) and nxt[0] == 200 and b'"endpoints"' in nxt[2], hd, nxt[:2])
# a method it does not serve: 405 naming the methods, JSON, connection kept
s.sendall(b"DELETE /v1/grants HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/ HTTP/1.1\r\nHost: x\r\n\r\n")
m, nxt = answer(f), answer(f)
check("DELETE: 405 method_not_allowed with Allow: GET, HEAD; the connection goes on",
      m[0] == 405 and m[1].get("allow") == "GET, HEAD" and json.loads(m[2])["error"] == "method_not_allowed" and nxt[0] == 200, m, nxt[:2])
# Connection: close is honoured
s.sendall(b"GET /v1/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
cl = answer(f)
check("Connection: close: answered with Connection: close, then the connection ends",
      cl[0] == 200 and cl[1].get("connection") == "close" and f.read() == b"", cl[:2])
s.close()
# HTTP/1.0 without keep-alive: one answer, then closed
s, f = conn()
s.sendall(b"GET /v1/ HTTP/1.0\r\n\r\n")
r = answer(f)
check("HTTP/1.0: answered, then the connection ends", r[0] == 200 and f.read() == b"", r[:2])
s.close()
# a request with a body: 413, and the connection ends (its body is not read)
s, f = conn()
s.sendall(b"GET /v1/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
r = answer(f)
check("a request body: 413 body_not_allowed, connection closed",
      r[0] == 413 and json.loads(r[2])["error"] == "body_not_allowed" and f.read() == b"", r)
s.close()
# a large body: the 413 still reaches the client, which is still sending
# when it is answered (the server drains what it does not read, rather
# than reset the connection under the answer)
ok = 0
for i in range(5):
    s, f = conn()
    try:
        s.sendall(b"GET /v1/ HTTP/1.1\r\nHost: x\r\nContent-Length: 400000\r\n\r\n" + b"x" * 400000)
        r = answer(f)
        ok += r[0] == 413 and f.read() == b""
    except OSError as e:
        print("#   " + repr(e))
    s.close()
check("a 400 KB body, five times: each 413 is read whole, then the end", ok == 5, ok)
# a head over 8 KiB: 431
s, f = conn()
s.sendall(b"GET /v1/ HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 9000 + b"\r\n\r\n")
r = answer(f)
check("a head over 8 KiB: 431 header_too_large", r[0] == 431 and json.loads(r[2])["error"] == "header_too_large", r)
s.close()
# not HTTP at all: 400; HTTP/2.0 on this framing: 505
for req, want, err in ((b"hello\r\n\r\n", 400, "bad_request"), (b"GET / HTTP/2.0\r\n\r\n", 505, "http_version")):
    s, f = conn()
    s.sendall(req)
    r = answer(f)
    check("%r: %d %s" % (req[:16], want, err), r[0] == want and json.loads(r[2])["error"] == err, r)
    s.close()
# a client that goes away mid-request does not disturb the others
s, f = conn()
s.sendall(b"GET /v1/entr")
s.close()
s, f = conn()
s.sendall(b"GET /v1/ HTTP/1.1\r\nHost: x\r\n\r\n")
check("after a client left mid-request, the next is served", answer(f)[0] == 200)
s.close()
EOF

# ---- the ledger goes away: the view still serves; ledger-backed routes 503
stop_pdld || not_ok "pdld stops"
check_eq "pdld down: /v1/checkpoint → 503 ledger_unavailable" \
	"$(hget /v1/checkpoint):$(jq_ "$TMP/h.body" 'o["error"]')" "503:ledger_unavailable"
# entries and proofs come from the view's own copy (issue 13 item 6)
check_eq "pdld down: /v1/entries/${S[G1]} still 200, with its proof, from the view's copy" \
	"$(hget "/v1/entries/${S[G1]}"):$(jq_ "$TMP/h.body" 'o["proof"] is not None and o["seq"]')" "200:${S[G1]}"
check_eq "pdld down: /v1/proof/inclusion?index=${S[G1]} still 200" \
	"$(hget "/v1/proof/inclusion?index=${S[G1]}"):$(jq_ "$TMP/h.body" 'o["index"]')" "200:${S[G1]}"
check_eq "pdld down: a private entry is still 403 (decided by the view)" "$(hget "/v1/entries/${S[C1]}")" 403
check_eq "pdld down: /v1/grants still 200" "$(hget /v1/grants)" 200
check_eq "pdld down: the page still 200" "$(hget /)" 200
start_pdld "$D" --test-clock --checkpoint-ms 50 || not_ok "pdld restarts"
n=50
while [ "$(hget /v1/checkpoint)" != 200 ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
check_eq "pdld back: /v1/checkpoint 200, size $SIZE" "$(hget /v1/checkpoint):$(jq_ "$TMP/h.body" 'o["size"]')" "200:$SIZE"
check_eq "pdld back: /v1/entries/${S[G1]} 200" "$(hget "/v1/entries/${S[G1]}")" 200
wait "$SLOW_PID"
check_eq "a head still unfinished after 10 s: 408 request_timeout, then closed" "$(cat "$TMP/slowhead.out")" \
	"HTTP/1.1 408 Request Timeout True"
# Host and Authorization as RFC 9112 §3.2 has them (probe report, finding 4)
$PY - "$PORT" >"$TMP/hosts.out" <<'EOF'
import socket, sys
def status(raw):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    s.sendall(raw)
    b = b""
    while b"\r\n" not in b:
        k = s.recv(4096)
        if not k:
            break
        b += k
    s.close()
    return b.split(b" ")[1].decode() if b.startswith(b"HTTP/1.1 ") else "-"
print(status(b"GET /v1/grants HTTP/1.1\r\n\r\n"), status(b"GET /v1/grants HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
      status(b"GET /v1/grants HTTP/1.1\r\nHost: a\r\nAuthorization: x\r\nAuthorization: y\r\n\r\n"),
      status(b"GET /v1/grants HTTP/1.0\r\n\r\n"))
EOF
check_eq "HTTP/1.1 without Host, with two Host, with two Authorization: 400; HTTP/1.0 without Host: 200" \
	"$(cat "$TMP/hosts.out")" "400 400 400 200"
check "pdl-project is still running" kill -0 "$PROJ_PID"
stop_proj

# A hostile client's connections that never send a byte (probe report,
# finding 1) under a descriptor limit of 400: pdl-project keeps 118 per
# listener (400 less its reserve of 64 and the metrics listener's 99, over
# two listeners) and says so; 300 silent sockets do
# not keep an honest request out (the one idle the longest gives up its
# slot), and a silent one is closed after 5 s.
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
(ulimit -n 400 && exec "$PDLPROJ" all --ledger "ipc://$D/pdl.sock" --data "$TMP/proj" --http "127.0.0.1:$PORT") \
	>"$TMP/proj2.log" 2>&1 &
PROJ_PID=$!
n=100
while [ "$(hget /v1/ 2>/dev/null)" != 200 ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
check "under ulimit -n 400: pdl-project says each listener keeps 118 connections" \
	grep -q "each HTTP listener keeps 118 connections, not 1024: the descriptor limit (RLIMIT_NOFILE, hard) is 400" \
	"$TMP/proj2.log"
$PY - "$PORT" >"$TMP/idle.out" 2>&1 <<'EOF'
import socket, sys, time, urllib.request
port = int(sys.argv[1])
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(300)]
time.sleep(0.5)
try:
    st = urllib.request.urlopen("http://127.0.0.1:%d/v1/" % port, timeout=3).status
except Exception as e:
    st = repr(e)
print("honest:", st)
first = socket.create_connection(("127.0.0.1", port))  # the newest: not the one evicted
t0 = time.monotonic()
first.settimeout(10)
try:
    gone = first.recv(1) == b""
except (ConnectionResetError, socket.timeout):
    gone = False
print("silent closed:", gone, "in 4-10 s:", 4 <= time.monotonic() - t0 <= 10)
EOF
check "300 silent connections do not keep an honest request out" grep -q "^honest: 200$" "$TMP/idle.out"
check "a connection that sends nothing is closed within seconds (5 s)" \
	grep -q "^silent closed: True in 4-10 s: True$" "$TMP/idle.out"
check "pdl-project is still running" kill -0 "$PROJ_PID"
stop_proj
finish
