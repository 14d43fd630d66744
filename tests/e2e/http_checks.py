#!/usr/bin/python3
"""http_checks.py — t_107's checks of `pdld --http` (spec/formats.md §17),
over raw sockets so that every status, slow clients and bodies that are
never sent can be played exactly. Prints "ok - " / "not ok - " lines.

  http_checks.py PORT DATA_DIR AUTH_KEY TMP    (PDL in the environment)

pdld runs with --http-timeout-ms 3000 and --max-connections 16. The log
starts with genesis only. Waits are bounded (never a timed assertion):
a check that never comes true fails after its bound.
"""
import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdlgen import mp_pack, register_act  # noqa: E402

PORT, DATA, AUTH_KEY, TMP = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
PDL = os.environ["PDL"]
MAX_CONNS = 16
# envelope.h: the msgpack limit is the socket's request limit; JSON adds base64 and 256 bytes an act
REQ_BYTES_MAX = 4096 * 1024 + 65536 * 4
MP_MAX = REQ_BYTES_MAX
JSON_MAX = REQ_BYTES_MAX // 3 * 4 + 4096 * 256
failed = 0


def ok(cond, desc, detail=""):
    global failed
    if cond:
        print("ok - " + desc)
    else:
        failed += 1
        print("not ok - " + desc + (" (%s)" % (detail,) if detail else ""))
    return cond


# ---- HTTP over a raw socket ----

def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(s, buf=b""):
    """(status, headers {lowercase: value}, body, rest of buf) of one
    response on s; status 0 when the connection closes first."""
    while b"\r\n\r\n" not in buf:
        try:
            k = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            k = b""
        if not k:
            return 0, {}, b"", b""
        buf += k
    head, _, buf = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    n = int(headers.get("content-length", "0"))
    while len(buf) < n:
        k = s.recv(65536)
        if not k:
            break
        buf += k
    return status, headers, buf[:n], buf[n:]


def exchange(data, close=True):
    """Sends raw bytes on a new connection; (status, headers, body)."""
    s = connect()
    s.sendall(data)
    st, h, b, _ = read_response(s)
    if close:
        s.close()
        return st, h, b
    return st, h, b, s


def request(method, path, body=b"", ctype="application/json", extra=""):
    head = "%s %s HTTP/1.1\r\nHost: pdl\r\n" % (method, path)
    if body or method == "POST":
        head += "Content-Length: %d\r\n" % len(body)
    if ctype and method == "POST":
        head += "Content-Type: %s\r\n" % ctype
    head += extra + "\r\n"
    st, h, b = exchange(head.encode() + body)
    try:
        doc = json.loads(b) if b and h.get("content-type", "").startswith("application/json") else None
    except ValueError:
        doc = None
    return st, h, b, doc


def post(body, ctype="application/json"):
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    return request("POST", "/v1/acts", body, ctype)


def closed_after(s, bound=30):
    """True once the server has closed s (EOF), within bound seconds."""
    s.settimeout(bound)
    try:
        while s.recv(65536):
            pass
        return True
    except (ConnectionResetError, socket.timeout) as e:
        return isinstance(e, ConnectionResetError)


# ---- acts ----

def write_act(act, name):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(act, f)
    return path


def sign(act, name):
    """`pdl sign`'s line for act, as a dict (file and index included)."""
    out = subprocess.run([PDL, "sign", "--key", AUTH_KEY, "--data", DATA, write_act(act, name)],
                         capture_output=True, check=True, text=True).stdout
    return json.loads(out)


def pdl_json(*args):
    out = subprocess.run([PDL] + list(args), capture_output=True, text=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()], out.returncode


def log_size():
    st, _, _, doc = request("GET", "/v1/head")
    return doc["size"] if st == 200 else -1


def mp_envelope(env):
    return {"act": base64.b64decode(env["act"]), "sig": base64.b64decode(env["sig"])}


# ---- the checks ----

def submits():
    e1 = sign(register_act(1), "r1.json")
    st, h, _, doc = post(e1)
    r = doc["results"][0] if doc else {}
    ok(st == 200 and r.get("seq") == 1 and r.get("dup") is False,
       "POST /v1/acts with `pdl sign`'s line (file and index too): 200 and a receipt for seq 1", (st, doc))
    ok(h.get("content-type") == "application/json" and h.get("cache-control") == "no-store",
       "the reply is JSON, not to be cached", h)
    got, _ = pdl_json("get", "1", "--data", DATA)
    ok(got and got[0]["hash"] == r.get("hash"), "the receipt's hash is the entry's chain hash (pdl get 1)")
    ok(got and r.get("time_cst") == got[0]["time_cst"] and r["time_cst"].endswith("+08:00"),
       "the receipt gives its time in CST too, as pdl submit and pdl get do", (r, got))
    st2, _, _, doc2 = post(e1)
    r2 = doc2["results"][0] if doc2 else {}
    ok(st2 == 200 and r2.get("dup") is True and all(r2.get(k) == r.get(k) for k in ("seq", "hash", "time_ms")),
       "resubmitting the signed act returns the original receipt with dup: true (idempotent)", doc2)
    ok(log_size() == 2, "and appends nothing")
    with open(os.path.join(TMP, "r1.signed"), "w") as f:
        f.write(json.dumps(e1) + "\n")
    rn, rc = pdl_json("submit", "--signed", "--data", DATA, os.path.join(TMP, "r1.signed"))
    ok(rc == 0 and rn and rn[0].get("dup") is True and rn[0].get("seq") == 1 and rn[0].get("hash") == r.get("hash"),
       "the same signed act sent over the socket: the same original receipt (one nonce table)", rn)

    e2 = sign(register_act(2), "r2.json")
    st, _, _, doc = post(mp_pack(mp_envelope(e2)), "application/msgpack")
    ok(st == 200 and doc["results"][0].get("seq") == 2, "a msgpack envelope {act: bin, sig: bin}: a receipt", doc)
    e3, e4 = sign(register_act(3), "r3.json"), sign(register_act(4), "r4.json")
    st, _, _, doc = post(mp_pack([mp_envelope(e3), mp_envelope(e4)]), "application/msgpack")
    ok(st == 200 and [x.get("seq") for x in doc["results"]] == [3, 4],
       "a msgpack array of envelopes: receipts in order", doc)
    e5, e6 = sign(register_act(5), "r5.json"), sign(register_act(6), "r6.json")
    st, _, _, doc = post([e5, e6])
    ok(st == 200 and [x.get("seq") for x in doc["results"]] == [5, 6], "a JSON array of envelopes: receipts in order")
    st, _, _, doc = post(json.dumps([e5]).encode(), "application/json; charset=utf-8")
    ok(st == 200 and doc["results"][0].get("dup") is True, "Content-Type parameters are allowed (charset)")

    # envelopes refused one by one, beside a good one
    e7, e8, e9 = sign(register_act(7), "r7.json"), sign(register_act(8), "r8.json"), sign(register_act(9), "r9.json")
    other = dict(e8, ledger_id="ab" * 32)
    short = dict(e9, sig=base64.b64encode(bytes(10)).decode())
    badsig = dict(e9, sig=e7["sig"])
    st, _, _, doc = post([e7, {"act": "not base64!", "sig": e7["sig"]}, other, short, badsig, 42, {"sig": e7["sig"]}])
    res = doc["results"] if doc else []
    want = [None, "PDL_EPROTO", "PDL_EBADSIG", "PDL_EBADSIG", "PDL_EBADSIG", "PDL_EPROTO", "PDL_EPROTO"]
    ok(st == 200 and [x.get("error") for x in res] == want and res[0].get("seq") == 7,
       "one JSON body, each envelope answered in its slot: receipt, bad base64, other ledger, short sig, "
       "wrong sig, not an object, no act", [x.get("error") for x in res])
    ok(len(res) == 7 and "signed for ledger " + "ab" * 32 in res[2].get("message", ""),
       "another ledger's id is named in the refusal", res[2] if len(res) > 2 else None)
    ok(len(res) == 7 and res[3].get("message") == "sig must be 64 bytes",
       "a sig of 10 bytes gets the socket's message", res[3] if len(res) > 3 else None)
    ok(log_size() == 8, "only the good envelope was appended")

    # the same refusal as the socket: error, rule id and message
    taken = register_act(50, nonce=50, pid="p0000001")
    et = sign(taken, "taken.json")
    st, _, _, doc = post(et)
    rh = doc["results"][0] if doc else {}
    with open(os.path.join(TMP, "taken.signed"), "w") as f:
        f.write(json.dumps(et) + "\n")
    rn, rc = pdl_json("submit", "--signed", "--data", DATA, os.path.join(TMP, "taken.signed"))
    rn = rn[0] if rn else {}
    ok(rh.get("error") == "PDL_ERULE" and rh.get("rule") == "party.id_taken",
       "a rule refusal over HTTP: PDL_ERULE with rule party.id_taken", rh)
    ok(rc == 1 and all(rn.get(k) == rh.get(k) for k in ("error", "rule", "message")),
       "  the same error, rule id and message as over the socket (pdl submit --signed)", (rn, rh))
    unknown = register_act(51, nonce=51)
    unknown["body"]["colour"] = "red"
    eu = sign(unknown, "unknown.json")
    st, _, _, doc = post(eu)
    rh = doc["results"][0] if doc else {}
    with open(os.path.join(TMP, "unknown.signed"), "w") as f:
        f.write(json.dumps(eu) + "\n")
    rn, _ = pdl_json("submit", "--signed", "--data", DATA, os.path.join(TMP, "unknown.signed"))
    ok(rh.get("error") == "PDL_EFIELD" and rn and all(rn[0].get(k) == rh.get(k) for k in ("error", "message")),
       "a schema refusal (unknown field) is the socket's too", (rh, rn))
    ok(log_size() == 8, "refused acts append nothing")


def statuses():
    cases = [
        ("400: a body that is not JSON", post(b"{"), 400, "PDL_EDECODE"),
        ("400: a JSON number", post(b"42"), 400, "PDL_EPROTO"),
        ("400: an empty array", post(b"[]"), 400, "PDL_EPROTO"),
        ("400: an empty body", post(b""), 400, "PDL_EPROTO"),
        ("400: msgpack that does not parse", post(b"\xc1", "application/msgpack"), 400, "PDL_EDECODE"),
        ("400: a msgpack value with bytes after it", post(mp_pack({}) + b"\x01", "application/msgpack"), 400,
         "PDL_EDECODE"),
        ("400: a msgpack integer", post(mp_pack(5), "application/msgpack"), 400, "PDL_EPROTO"),
        ("404: an unknown path", request("GET", "/v2/acts"), 404, "PDL_ENOTFOUND"),
        ("404: an entry that is not a number", request("GET", "/v1/entries/01"), 404, "PDL_ENOTFOUND"),
        ("405: GET /v1/acts", request("GET", "/v1/acts"), 405, "PDL_EPROTO"),
        ("405: POST /v1/head", request("POST", "/v1/head", b"x"), 405, "PDL_EPROTO"),
        ("411: a POST without Content-Length",
         exchange(b"POST /v1/acts HTTP/1.1\r\nHost: p\r\nContent-Type: application/json\r\n\r\n") + (None,), 411,
         "PDL_EPROTO"),
        ("411: a chunked POST",
         exchange(b"POST /v1/acts HTTP/1.1\r\nHost: p\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n2\r\n[]\r\n0\r\n\r\n") + (None,), 411, "PDL_EPROTO"),
        ("413: 4,097 envelopes", post(json.dumps([{}] * 4097).encode()), 413, "PDL_ETOOBIG"),
        ("414: a target over 2,048 bytes", request("GET", "/v1/" + "a" * 2100), 414, "PDL_ETOOBIG"),
        ("415: Content-Type text/plain", post(b"[]", "text/plain"), 415, "PDL_EPROTO"),
        ("415: no Content-Type", post(b"[]", None), 415, "PDL_EPROTO"),
        ("417: Expect: 200-ok", request("POST", "/v1/acts", b"[]", extra="Expect: 200-ok\r\n"), 417, "PDL_EPROTO"),
        ("431: headers over 8 KiB", request("GET", "/v1/head", extra="X-Pad: %s\r\n" % ("x" * 9000)), 431,
         "PDL_ETOOBIG"),
        ("501: a method of 20 letters", exchange(b"ABCDEFGHIJKLMNOPQRST /v1/head HTTP/1.1\r\nHost: p\r\n\r\n") + (None,),
         501, "PDL_EPROTO"),
        ("505: HTTP/2.0", exchange(b"GET /v1/head HTTP/2.0\r\nHost: p\r\n\r\n") + (None,), 505, "PDL_EPROTO"),
        ("400: a header without a colon", exchange(b"GET /v1/head HTTP/1.1\r\nHost p\r\n\r\n") + (None,), 400,
         "PDL_EPROTO"),
        ("400: a space before a header's colon", exchange(b"GET /v1/head HTTP/1.1\r\nHost : p\r\n\r\n") + (None,), 400,
         "PDL_EPROTO"),
        ("400: a bare LF in a header line", exchange(b"GET /v1/head HTTP/1.1\r\nHost: p\nX: y\r\n\r\n") + (None,), 400,
         "PDL_EPROTO"),
        ("400: Content-Length beside Transfer-Encoding",
         exchange(b"POST /v1/acts HTTP/1.1\r\nHost: p\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n[]")
         + (None,), 400, "PDL_EPROTO"),
        ("400: two Content-Lengths",
         exchange(b"POST /v1/acts HTTP/1.1\r\nHost: p\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n[]") + (None,),
         400, "PDL_EPROTO"),
        ("400: HTTP/1.1 without Host", exchange(b"GET /v1/head HTTP/1.1\r\n\r\n") + (None,), 400, "PDL_EPROTO"),
        ("400: a query on a read", request("GET", "/v1/head?x=1"), 400, "PDL_EPROTO"),
    ]
    for desc, got, status, err in cases:
        st, h, b = got[0], got[1], got[2]
        try:
            e = json.loads(b).get("error")
        except ValueError:
            e = None
        ok(st == status and e == err, "%s → %d %s" % (desc, status, err), (st, b[:200]))
    st, h, _, _ = request("GET", "/v1/acts")
    ok(h.get("allow") == "POST", "405 names the method: Allow: POST", h)
    ok(log_size() == 8, "no refused request appended anything")


def oversized():
    """Bodies refused by their Content-Length: the answer comes while the
    client has sent no byte of the body (so pdld read none)."""
    for ctype, limit in (("application/json", JSON_MAX), ("application/msgpack", MP_MAX)):
        s = connect()
        s.sendall(("POST /v1/acts HTTP/1.1\r\nHost: p\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                   % (ctype, limit + 1)).encode())
        st, h, b, _ = read_response(s)
        ok(st == 413 and b'"PDL_ETOOBIG"' in b and h.get("connection") == "close",
           "a %s body of %d bytes (1 over) is refused 413 before a byte of it is sent" % (ctype, limit + 1), (st, b))
        ok(closed_after(s), "  and its connection is closed")
        s.close()
    s = connect()
    s.sendall(b"POST /v1/acts HTTP/1.1\r\nHost: p\r\nContent-Type: application/json\r\nContent-Length: 999999999999"
              b"\r\n\r\n" + b"[" * 65536)
    st, _, b, _ = read_response(s)
    ok(st == 413, "a client that sends the oversized body anyway still gets its 413", (st, b[:100]))
    s.close()
    # Expect: 100-continue: the body is asked for only once the head passed
    e = sign(register_act(10), "r10.json")
    body = json.dumps(e).encode()
    s = connect()
    s.sendall(("POST /v1/acts HTTP/1.1\r\nHost: p\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
               "Expect: 100-continue\r\n\r\n" % len(body)).encode())
    st, _, _, rest = read_response(s)
    ok(st == 100, "Expect: 100-continue gets 100 Continue", st)
    s.sendall(body)
    st, _, b, _ = read_response(s, rest)
    ok(st == 200 and json.loads(b)["results"][0].get("seq") == 8, "  then the body, then the receipt", (st, b))
    s.close()
    s = connect()
    s.sendall(("POST /v1/acts HTTP/1.1\r\nHost: p\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
               "Expect: 100-continue\r\n\r\n" % (JSON_MAX + 1)).encode())
    st, _, _, _ = read_response(s)
    ok(st == 413, "Expect: 100-continue with an oversized body: 413, never 100", st)
    s.close()


def keepalive():
    s = connect()
    s.sendall(b"GET /v1/head HTTP/1.1\r\nHost: p\r\n\r\n")
    st1, _, _, rest = read_response(s)
    s.sendall(b"GET /v1/checkpoint HTTP/1.1\r\nHost: p\r\n\r\n")
    st2, h2, b2, rest = read_response(s, rest)
    ok(st1 == 200 and st2 == 200 and h2.get("content-type", "").startswith("text/plain") and b2.count(b"\n") >= 3,
       "two requests on one kept-alive connection", (st1, st2))
    s.sendall(b"GET /v1/entries/0 HTTP/1.1\r\nHost: p\r\n\r\nGET /v1/entries/1 HTTP/1.1\r\nHost: p\r\n"
              b"Connection: close\r\n\r\n")
    st1, _, b1, rest = read_response(s, rest)
    st2, h2, b2, rest = read_response(s, rest)
    ok(st1 == 200 and st2 == 200 and json.loads(b1)["seq"] == 0 and json.loads(b2)["seq"] == 1,
       "pipelined requests are answered in order", (st1, st2))
    ok(h2.get("connection") == "close" and closed_after(s), "Connection: close closes after the answer")
    s.close()
    s = connect()
    s.sendall(b"GET /v1/head HTTP/1.0\r\n\r\n")
    st, h, _, _ = read_response(s)
    ok(st == 200 and closed_after(s), "HTTP/1.0: answered, then closed", st)
    s.close()


def reads():
    st, _, _, doc = request("GET", "/v1/head")
    lid, _ = subprocess.run([PDL, "ledger-id", "--data", DATA], capture_output=True, text=True).stdout.strip(), 0
    ok(st == 200 and doc["ledger_id"] == lid and doc["size"] == log_size(),
       "GET /v1/head: size and the ledger id (pdl ledger-id)", doc)
    ok(doc.get("time_cst", "").endswith("+08:00") and doc.get("suite", "ed25519-sha256") == "ed25519-sha256",
       "  its time in CST too; no suite other than ed25519-sha256", doc)
    st, _, _, doc = request("GET", "/v1/entries/1")
    got, _ = pdl_json("get", "1", "--data", DATA)
    ok(st == 200 and doc == got[0], "GET /v1/entries/1 is `pdl get 1` (a public entry)", doc)
    st, _, _, doc = request("GET", "/v1/entries/99999")
    ok(st == 404 and doc["error"] == "PDL_ENOTFOUND", "an entry past the end: 404", doc)
    # a private entry: an evidence deposit carrying its document
    secret = b"private document 91"
    import hashlib
    dep = {"type": "evidence.deposit", "actor": "authority", "nonce": 900,
           "body": {"evidence_id": "ev-private-91", "digest": hashlib.sha256(secret).hexdigest(), "size": len(secret),
                    "media_type": "text/plain", "subject": "private", "blob": base64.b64encode(secret).decode()}}
    st, _, _, doc = post(sign(dep, "dep.json"))
    seq = doc["results"][0].get("seq") if doc else None
    st, h, b, doc = request("GET", "/v1/entries/%s" % seq)
    ok(st == 403 and doc["error"] == "PDL_EPRIVATE" and b"secret" not in b and "pdl-sig" in h.get(
        "www-authenticate", "").lower(), "a private entry, anonymously: 403 PDL_EPRIVATE with a PDL-Sig challenge",
        (st, doc))
    target = "/v1/entries/%s" % seq
    tok = subprocess.run([PDL, "token", "--key", AUTH_KEY, "--party", "authority", "--data", DATA, target],
                         capture_output=True, text=True).stdout.strip()
    st, _, _, doc = request("GET", target, extra="Authorization: %s\r\n" % tok)
    ok(st == 200 and doc.get("seq") == seq, "  with the authority's read token (pdl token): 200", (st, doc))
    st, _, _, doc = request("GET", "/v1/entries/1", extra="Authorization: %s\r\n" % tok)
    ok(st == 401 and doc["error"] == "PDL_EBADSIG", "  a token for another target: 401 PDL_EBADSIG", (st, doc))
    st, _, _, doc = request("GET", target, extra="Authorization: PDL-Sig nonsense\r\n")
    ok(st == 401 and doc["error"] == "PDL_EPROTO", "  a header that is no token: 401", (st, doc))
    # a suspended auditor's token: 403 PDL_ESUSPENDED (was a 500)
    kf = os.path.join(TMP, "susp.key")
    alg = "sm2" if os.environ.get("PDL_SUITE") == "sm2-sm3" else "ed25519"
    kj = json.loads(subprocess.run([PDL, "keygen", "--out", kf, "--alg", alg], capture_output=True, text=True,
                                   check=True).stdout)
    post(sign(register_act(9100, nonce=9100, pk=kj["public_key"], roles=("auditor",), pid="susp-auditor"), "r.json"))
    post(sign({"type": "party.suspend", "actor": "authority", "nonce": 9101,
               "body": {"id": "susp-auditor", "reason": "test"}}, "s.json"))
    tok = subprocess.run([PDL, "token", "--key", kf, "--party", "susp-auditor", "--data", DATA, target],
                         capture_output=True, text=True).stdout.strip()
    st, _, _, doc = request("GET", target, extra="Authorization: %s\r\n" % tok)
    ok(st == 403 and doc["error"] == "PDL_ESUSPENDED", "  a suspended auditor's token: 403 PDL_ESUSPENDED", (st, doc))


def slow_clients():
    """Slow and idle clients beside an honest one: the honest one is served
    at once; the slow ones get 408 and are closed; the idle ones closed."""
    drip = connect()
    drip_head = b"POST /v1/acts HTTP/1.1\r\nHost: p\r\nContent-Type: application/json\r\nX-Slow: " + b"x" * 200
    stop = threading.Event()

    def dripper():
        for i in range(len(drip_head)):
            if stop.is_set():
                return
            try:
                drip.send(drip_head[i:i + 1])
            except OSError:
                return
            time.sleep(0.1)
    t = threading.Thread(target=dripper)
    t.start()
    slow_body = connect()
    slow_body.sendall(b"POST /v1/acts HTTP/1.1\r\nHost: p\r\nContent-Type: application/json\r\nContent-Length: 5000"
                      b"\r\n\r\n[")
    idle = [connect() for _ in range(MAX_CONNS - 4)]
    time.sleep(0.3)
    e = sign(register_act(11), "r11.json")
    st, _, _, doc = post(e)
    alive = drip.fileno() >= 0 and t.is_alive()
    ok(st == 200 and doc["results"][0].get("seq") is not None and alive,
       "an honest POST is served while a slowloris client drips its head, another its body, and %d sit idle"
       % len(idle), (st, alive))
    st, h, b, _ = read_response(slow_body)
    ok(st == 408 and b'"PDL_EPROTO"' in b and closed_after(slow_body),
       "the slow body gets 408 within --http-timeout-ms of its first byte, and is closed", (st, b))
    st, h, b, _ = read_response(drip)
    ok(st == 408 and closed_after(drip), "the slowloris head gets 408 however it keeps dripping, and is closed", st)
    stop.set()
    t.join()
    ok(all(closed_after(s) for s in idle), "idle connections are closed after --http-timeout-ms")
    for s in idle + [drip, slow_body]:
        s.close()


def hopeless_heads():
    """Heads that can never be strict HTTP/1.1 get their 400 at once (probe
    report, finding 7: they waited out --http-timeout-ms for a 408)."""
    for name, data in (("a bare LF", b"GET /v1/head HTTP/1.1\nHost: p\n\n"),
                       ("HTTP/0.9", b"GET /v1/head\r\n"),
                       ("a TLS ClientHello", bytes.fromhex("16030100a5010000a10303") + b"\x00" * 40)):
        c = connect()
        t0 = time.time()
        c.sendall(data)
        st, _, body, _ = read_response(c)
        ok(st == 400 and time.time() - t0 < 2, "%s: 400 at once (%.2f s)" % (name, time.time() - t0), (st, body))
        c.close()


def connection_limit():
    """The table full of connections that never send a byte (probe report,
    finding 1): an honest client still gets in, in the slot of the one idle
    the longest; only a table of requests in progress refuses (503)."""
    time.sleep(0.5)  # the connections of the checks before have left pdld's table
    idle = [connect() for _ in range(2 * MAX_CONNS)]
    time.sleep(0.3)  # all of them accepted
    st, _, _, _ = request("GET", "/v1/head")
    ok(st == 200, "%d connections that send nothing do not keep an honest request out" % len(idle), st)
    ok(closed_after(idle[0], 2), "  the one idle the longest gave it its slot (closed)")
    idle[-1].sendall(b"GET /v1/head HTTP/1.1\r\nHost: p\r\n\r\n")
    st, _, _, _ = read_response(idle[-1])
    ok(st == 200, "  the newest is still served", st)
    for s in idle:
        s.close()
    time.sleep(0.2)
    busy = []
    for _ in range(200):  # each holds a slot once pdld has read its first byte (closing ones may hold slots a moment)
        if len(busy) == MAX_CONNS:
            break
        s = connect()
        s.sendall(b"GET /v1/head HTTP/1.1\r\nHost: p\r\n\r\n")
        if read_response(s)[0] == 200:
            s.sendall(b"GET /v1/head HTTP/1.1\r\n")  # a request begun: not idle
            busy.append(s)
        else:
            s.close()
            time.sleep(0.1)
    ok(len(busy) == MAX_CONNS, "%d connections are served at once" % MAX_CONNS, len(busy))
    time.sleep(0.2)
    extra = connect()
    st, h, b, _ = read_response(extra)
    ok(st == 503 and b'"PDL_EBUSY"' in b and h.get("retry-after") == "1",
       "connection %d over --max-connections %d, all with a request begun, gets 503 PDL_EBUSY with Retry-After, "
       "unasked" % (MAX_CONNS + 1, MAX_CONNS), (st, b))
    ok(closed_after(extra), "  and is closed")
    busy[0].sendall(b"Host: p\r\n\r\n")
    st, _, _, _ = read_response(busy[0])
    ok(st == 200, "the connections within the limit are still served", st)
    for s in busy + [extra]:
        s.close()
    time.sleep(0.2)
    st, _, _, _ = request("GET", "/v1/head")
    ok(st == 200, "once they close, a new connection is served")
    s = connect()
    s.sendall(b"HEAD /v1/head HTTP/1.1\r\nHost: p\r\n\r\n")
    data = b""
    s.settimeout(5)
    try:
        while b"\r\n\r\n" not in data:
            k = s.recv(4096)
            if not k:
                break
            data += k
        time.sleep(0.2)
        s.setblocking(False)
        try:
            data += s.recv(4096)
        except BlockingIOError:
            pass
    finally:
        s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    ok(head.startswith(b"HTTP/1.1 200 ") and b"Content-Length: " in head and rest == b"",
       "HEAD /v1/head: the head GET has, no body", data[:200])


submits()
statuses()
oversized()
keepalive()
reads()
slow_clients()
hopeless_heads()
connection_limit()
sys.exit(1 if failed else 0)
