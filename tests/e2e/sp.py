#!/usr/bin/python3
"""sp.py — a raw SP (scalability protocols) client for the e2e scripts:
speaks NNG's wire protocol itself (standard library only) so a test can do
what pdl's own client never does — pipeline requests and never read the
replies, hold connections open, subscribe without any pdl code, or send a
reader token of its own making (stale, for another op).

  sp.py flood URL CONNS REQS HOLD_S [--op head|range] [--count N] [--sub] [tls]
      open CONNS connections, send REQS requests on each without reading a
      reply, keep them open HOLD_S seconds; prints {"conns":…, "sent":…};
      --sub: SUB connections to a PUB (REQS 0), that never read
  sp.py call URL REQ_JSON [--auth PARTY KEYFILE OP LEDGER_ID_HEX OFFSET_MS] [tls]
      one request (a JSON map, {"bin": base64} for a bin value; msgpack on
      the wire), prints the reply as JSON (bin values as {"bin": base64}); --auth adds a reader token signed here,
      made OFFSET_MS away from now, for OP
  sp.py sub URL SECONDS OUT [tls]
      subscribe (SUB, everything), write each message received to OUT as
      one JSON line {"b64": …}, for SECONDS; prints {"messages": N}
  sp.py pin URL CONNS DECLARED SENT HOLD_S [--sub] [tls]
      open CONNS connections; on each, begin a request of DECLARED bytes
      and send only SENT of them (what NNG holds in a buffer meanwhile);
      wait HOLD_S seconds; prints {"conns":…, "closed": how many the server
      closed meanwhile}; --sub: SUB connections to a PUB (a subscriber that
      sends)
  sp.py silent HOST:PORT CONNS HOLD_S
      open up to CONNS TCP connections that never send the SP handshake,
      hold them HOLD_S seconds, close them; prints {"opened": N}
  sp.py rep-flaky PATH DROP_S
      a REP on ipc PATH that fails the way a dying pdld does: takes the
      first connection's handshake and request and closes it; then for
      DROP_S seconds closes every connection before reading its handshake
      (the client's own handshake write fails with EPIPE: NNG 1.5.2's
      dialer stops there for good); then answers each request with
      {error: PDL_ENOTFOUND, message: "rep-flaky answers"} until one is
      answered; prints {"dropped": N, "answered": 0|1}
  tls: --ca FILE [--cert FILE --key FILE]

Framing (NNG 1.5): an 8-byte handshake 00 'S' 'P' 00 <proto u16> 00 00 both
ways; then each message is an 8-byte big-endian length and the bytes (ipc
puts a 0x01 type byte before the length). REQ puts a 4-byte request id
with its high bit set before the body, and REP echoes it.
"""
import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdlgen import mp_pack, mp_unpack  # noqa: E402

PROTO_PUB, PROTO_SUB, PROTO_REQ, PROTO_REP = 0x20, 0x21, 0x30, 0x31


def recv_exact(s, n):
    b = bytearray()
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise IOError("connection closed")
        b += c
    return bytes(b)


def ipc_recv_msg(s):
    """One ipc message: the type byte, the 8-byte length, the bytes."""
    recv_exact(s, 1)
    return recv_exact(s, struct.unpack(">Q", recv_exact(s, 8))[0])


class Conn:
    def __init__(self, url, proto, peer, tls):
        self.ipc = url.startswith("ipc://")
        if self.ipc:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect(url[len("ipc://"):])
        else:
            scheme, rest = url.split("://", 1)
            host, port = rest.rsplit(":", 1)
            s = socket.create_connection((host, int(port)), timeout=10)
            if scheme == "tls+tcp":
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                ctx.load_verify_locations(tls["ca"])
                if tls.get("cert"):
                    ctx.load_cert_chain(tls["cert"], tls["key"])
                s = ctx.wrap_socket(s, server_hostname=host)
        self.s = s
        self.s.sendall(b"\x00SP\x00" + struct.pack(">H", proto) + b"\x00\x00")
        hs = self._read(8)
        if hs[:4] != b"\x00SP\x00" or struct.unpack(">H", hs[4:6])[0] != peer:
            raise IOError("bad SP handshake %r" % hs)

    def _read(self, n):
        return recv_exact(self.s, n)

    def send(self, body):
        head = (b"\x01" if self.ipc else b"") + struct.pack(">Q", len(body))
        self.s.sendall(head + body)

    def recv(self):
        if self.ipc:
            return ipc_recv_msg(self.s)
        (n,) = struct.unpack(">Q", self._read(8))
        return self._read(n)


def tls_opts(args):
    t = {}
    for k in ("ca", "cert", "key"):
        if "--" + k in args:
            t[k] = args[args.index("--" + k) + 1]
    return t


# ---- Ed25519 (RFC 8032, section 5.1), enough to sign a reader token ----
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _recover_x(y, sign):
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if x & 1 != sign:
        x = P - x
    return x


_BY = 4 * pow(5, P - 2, P) % P
BASE = (_recover_x(_BY, 0), _BY, 1, _recover_x(_BY, 0) * _BY % P)


def _add(p, q):
    a = (p[1] - p[0]) * (q[1] - q[0]) % P
    b = (p[1] + p[0]) * (q[1] + q[0]) % P
    c = 2 * p[3] * q[3] * D % P
    d = 2 * p[2] * q[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(k, p):
    q = (0, 1, 1, 0)
    while k:
        if k & 1:
            q = _add(q, p)
        p = _add(p, p)
        k >>= 1
    return q


def _enc(p):
    zi = pow(p[2], P - 2, P)
    x, y = p[0] * zi % P, p[1] * zi % P
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")


def ed25519_sign(seed, msg):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    pub = _enc(_mul(a, BASE))
    r = int.from_bytes(hashlib.sha512(h[32:] + msg).digest(), "little") % L
    R = _enc(_mul(r, BASE))
    k = int.from_bytes(hashlib.sha512(R + pub + msg).digest(), "little") % L
    return R + int.to_bytes((r + k * a) % L, 32, "little")


def reader_token(party, keyfile, op, ledger_hex, offset_ms):
    lines = open(keyfile).read().split("\n")
    seed = base64.b64decode(lines[1])
    t = int(time.time() * 1000) + offset_ms
    msg = ("pdl/read/v1\n%s\nNNG\n%s\n%d\n" % (ledger_hex, op, t)).encode()
    sig = base64.b64encode(ed25519_sign(seed, msg)).decode()
    return "PDL-Sig party=%s,time=%d,sig=%s" % (party, t, sig)


def jsonable(v):
    if isinstance(v, (bytes, bytearray)):
        return {"bin": base64.b64encode(bytes(v)).decode()}
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    return v


def cmd_flood(a):
    url, conns, reqs, hold = a[0], int(a[1]), int(a[2]), float(a[3])
    op = a[a.index("--op") + 1] if "--op" in a else "head"
    count = int(a[a.index("--count") + 1]) if "--count" in a else 1024
    body = mp_pack({"op": "range", "from": 0, "count": count} if op == "range" else {"op": "head"})
    cs, sent = [], 0
    end = time.time() + hold
    protos = (PROTO_SUB, PROTO_PUB) if "--sub" in a else (PROTO_REQ, PROTO_REP)
    for _ in range(conns):
        try:
            cs.append(Conn(url, protos[0], protos[1], tls_opts(a)))
        except (OSError, IOError):
            break
    for c in cs:
        c.s.settimeout(2)
        for i in range(reqs):
            try:
                c.send(struct.pack(">I", 0x80000000 | (i + 1)) + body)
                sent += 1
            except (OSError, IOError):
                break  # the server stopped reading (or closed): hold what was sent
            if time.time() > end:
                break
    print(json.dumps({"conns": len(cs), "sent": sent}), flush=True)
    while time.time() < end:
        time.sleep(0.2)


def cmd_pin(a):
    url, conns, declared, sent, hold = a[0], int(a[1]), int(a[2]), int(a[3]), float(a[4])
    protos = (PROTO_SUB, PROTO_PUB) if "--sub" in a else (PROTO_REQ, PROTO_REP)
    cs = [Conn(url, protos[0], protos[1], tls_opts(a)) for _ in range(conns)]
    chunk = b"\x00" * 65536
    for c in cs:
        head = (b"\x01" if c.ipc else b"") + struct.pack(">Q", declared)
        c.s.settimeout(5)
        try:
            c.s.sendall(head)
            left = sent
            while left > 0:
                c.s.sendall(chunk[:min(left, len(chunk))])
                left -= min(left, len(chunk))
        except (OSError, IOError):
            pass  # closed already: counted below
    time.sleep(hold)
    closed = 0
    for c in cs:
        c.s.settimeout(0.2)
        try:
            closed += c.s.recv(1) == b""
        except socket.timeout:
            pass
        except (OSError, IOError):
            closed += 1
    print(json.dumps({"conns": len(cs), "closed": closed}), flush=True)


def unjson(v):
    """JSON to what mp_pack takes: {"bin": base64} becomes bytes."""
    if isinstance(v, dict):
        if list(v) == ["bin"]:
            return base64.b64decode(v["bin"])
        return {k: unjson(x) for k, x in v.items()}
    if isinstance(v, list):
        return [unjson(x) for x in v]
    return v


def cmd_silent(a):
    host, port = a[0].rsplit(":", 1)
    conns, hold = int(a[1]), float(a[2])
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, conns + 64)), hard))
    cs = []
    for _ in range(conns):
        try:
            cs.append(socket.create_connection((host, int(port)), timeout=2))
        except OSError:
            pass  # the server's backlog is full: count what got through
    time.sleep(hold)
    for c in cs:
        c.close()
    print(json.dumps({"opened": len(cs)}), flush=True)


def cmd_call(a):
    url, req = a[0], unjson(json.loads(a[1]))
    if "--auth" in a:
        i = a.index("--auth")
        req["auth"] = reader_token(a[i + 1], a[i + 2], a[i + 3], a[i + 4], int(a[i + 5]))
    c = Conn(url, PROTO_REQ, PROTO_REP, tls_opts(a))
    c.send(struct.pack(">I", 0x80000001) + mp_pack(req))
    rep = c.recv()
    print(json.dumps(jsonable(mp_unpack(rep[4:]))))


def cmd_sub(a):
    url, secs, out = a[0], float(a[1]), a[2]
    c = Conn(url, PROTO_SUB, PROTO_PUB, tls_opts(a))
    n, end = 0, time.time() + secs
    with open(out, "w") as f:
        while time.time() < end:
            # a timeout only at the end: messages come whole, framing stays intact
            c.s.settimeout(max(0.05, end - time.time()))
            try:
                m = c.recv()
            except (OSError, IOError):
                break
            f.write(json.dumps({"b64": base64.b64encode(m).decode()}) + "\n")
            f.flush()
            n += 1
    print(json.dumps({"messages": n}))


def cmd_rep_flaky(a):
    path, drop_s = a[0], float(a[1])
    if os.path.exists(path):
        os.unlink(path)
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(path)
    ls.listen(64)
    ls.settimeout(40)
    hello = b"\x00SP\x00" + struct.pack(">H", PROTO_REP) + b"\x00\x00"
    c, _ = ls.accept()  # 1: a request taken, then the "crash"
    c.settimeout(10)
    c.sendall(hello)
    recv_exact(c, 8)
    ipc_recv_msg(c)
    c.close()
    dropped, end = 0, time.time() + drop_s
    while time.time() < end:  # 2: closed before their handshake
        ls.settimeout(max(0.01, end - time.time()))
        try:
            c, _ = ls.accept()
        except socket.timeout:
            break
        c.close()
        dropped += 1
    answered = 0
    ls.settimeout(40)
    try:
        while not answered:  # 3: a pdld again
            c, _ = ls.accept()
            c.settimeout(10)
            try:
                c.sendall(hello)
                recv_exact(c, 8)
                body = ipc_recv_msg(c)
                rep = body[:4] + mp_pack({"error": "PDL_ENOTFOUND", "message": "rep-flaky answers"})
                c.sendall(b"\x01" + struct.pack(">Q", len(rep)) + rep)
                answered = 1
                time.sleep(0.2)
            except (OSError, IOError):
                pass
            c.close()
    except socket.timeout:
        pass
    print(json.dumps({"dropped": dropped, "answered": answered}))


if __name__ == "__main__":
    {"flood": cmd_flood, "pin": cmd_pin, "silent": cmd_silent, "call": cmd_call, "sub": cmd_sub, "rep-flaky": cmd_rep_flaky}[sys.argv[1]](sys.argv[2:])
