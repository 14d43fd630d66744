#!/usr/bin/python3
"""cosign.py — an auditor's checkpoint.cosign act for a pdl checkpoint.

    cosign.py --key KEYFILE --name NAME --time SECONDS --actor ID --nonce N [NOTE]

Reads a signed checkpoint note (the output of `pdl checkpoint`; NOTE file or
stdin) and prints a JSON array holding one checkpoint.cosign act that `pdl
submit` takes. The cosignature is the C2SP tlog-cosignature line
(c2sp.org/tlog-cosignature, Ed25519 "cosignature/v1"), as spec/acts.d/witness.md
says:

    — NAME base64(key ID (4) || timestamp (8, big endian) || signature (64))

key ID = SHA-256(NAME || "\\n" || 0x04 || public key)[:4]; the signature is
over "cosignature/v1\\ntime <SECONDS>\\n" followed by the checkpoint's note
body (every line before the blank line, with its final newline).

KEYFILE is a pdl secret key file: "pdl-ed25519-v1\\n<base64 32-byte seed>\\n".
Python's standard library has no Ed25519, so signing is RFC 8032 §5.1.6 in
pure Python (reference arithmetic, not constant-time: for fixtures and tests,
not for guarding real keys). Ed25519 is deterministic, so the same inputs
always give the same act: the scenario ledger stays reproducible.

    cosign.py --selftest    checks the RFC 8032 §7.1 test vectors.

Ed25519 ledgers only: for an sm2-sm3 ledger, `pdl cosign` (same options)
makes the act with the auditor's SM2 key (tools/load-scenario.sh does so).
"""
import argparse
import base64
import hashlib
import json
import sys

P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(p1, p2):
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(s, pt):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _add(q, pt)
        pt = _add(pt, pt)
        s >>= 1
    return q


def _base():
    y = 4 * pow(5, P - 2, P) % P
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if x & 1:
        x = P - x
    return (x, y, 1, x * y % P)


G = _base()


def _encode(pt):
    x, y, z, _ = pt
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _h(*parts):
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little")


def public_key(seed):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return _encode(_mul(a, G))


def sign(seed, msg):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    pub = _encode(_mul(a, G))
    r = _h(h[32:], msg) % L
    rb = _encode(_mul(r, G))
    k = _h(rb, pub, msg) % L
    s = (r + k * a) % L
    return rb + s.to_bytes(32, "little")


def read_seed(path):
    with open(path, "rb") as f:
        lines = f.read().decode().split("\n")
    if len(lines) < 2 or lines[0] != "pdl-ed25519-v1":
        raise ValueError("%s is not a pdl-ed25519-v1 key file" % path)
    seed = base64.b64decode(lines[1], validate=True)
    if len(seed) != 32:
        raise ValueError("%s does not hold a 32-byte seed" % path)
    return seed


def note_body(text):
    i = text.find("\n\n")
    if i < 0:
        raise ValueError("the checkpoint note has no blank line before its signatures")
    body = text[:i + 1]
    lines = body.split("\n")
    if len(lines) < 4:
        raise ValueError("the checkpoint body is not origin, size, root")
    return body, int(lines[1]), lines[2]


def cosignature(seed, name, ts, body):
    if not name or any(c.isspace() or c == "+" or ord(c) < 0x20 for c in name):
        raise ValueError("the key name must be one token without '+'")
    pub = public_key(seed)
    kid = hashlib.sha256(name.encode() + b"\n" + b"\x04" + pub).digest()[:4]
    msg = ("cosignature/v1\ntime %d\n" % ts).encode() + body.encode()
    raw = kid + ts.to_bytes(8, "big") + sign(seed, msg)
    return "\u2014 %s %s" % (name, base64.b64encode(raw).decode())


def selftest():
    # RFC 8032 §7.1, TEST 1 and TEST 2
    vec = [("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
           ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "72",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]
    for sk, m, pk, sig in vec:
        seed, msg = bytes.fromhex(sk), bytes.fromhex(m)
        assert public_key(seed).hex() == pk, "public key of " + sk
        assert sign(seed, msg).hex() == sig, "signature of " + sk
    print("ok - cosign.py Ed25519 matches RFC 8032 test vectors 1 and 2")


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--selftest":
        selftest()
        return 0
    ap = argparse.ArgumentParser(description="checkpoint.cosign act for a pdl checkpoint")
    ap.add_argument("--key", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--time", required=True, type=int, help="the cosignature timestamp, POSIX seconds")
    ap.add_argument("--actor", required=True)
    ap.add_argument("--nonce", required=True, type=int)
    ap.add_argument("note", nargs="?", default="-")
    a = ap.parse_args()
    text = sys.stdin.read() if a.note == "-" else open(a.note, encoding="utf-8").read()
    body, size, root = note_body(text)
    line = cosignature(read_seed(a.key), a.name, a.time, body)
    act = {"type": "checkpoint.cosign", "actor": a.actor, "nonce": a.nonce,
           "body": {"size": size, "root": root, "cosignature": line}}
    json.dump([act], sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ValueError, OSError, AssertionError) as e:
        print("cosign.py: %s" % e, file=sys.stderr)
        sys.exit(1)
