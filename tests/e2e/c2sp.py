#!/usr/bin/python3
"""c2sp.py — the C2SP transparency-log formats, written from the specs
(c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature, tlog-witness,
tlog-policy) and RFC 6962, sharing no code with pdl. What the witness and
witness-policy tests use to play a log, a witness client and a witness.

  * a pure-Python log: leaves, RFC 6962 Merkle tree hash (MTH), consistency
    proofs (RFC 6962 §2.1.2, SUBPROOF) and their verification (RFC 9162
    §2.1.4.2), checkpoints "<origin>\\n<size>\\n<base64 root>\\n[ext…]"
    signed as notes with an Ed25519 key (type 0x01);
  * notes: key ID = SHA-256(name || 0x0A || type || key)[:4], vkey
    "<name>+<hex id>+<base64(type || key)>", signature lines
    "— <name> base64(id || sig)", text split at the last blank line;
  * cosignatures (type 0x04): base64(id || u64be timestamp || Ed25519 sig)
    over "cosignature/v1\\ntime <ts>\\n" || note text;
  * the add-checkpoint request: "old N\\n", proof lines, "\\n", checkpoint.

Ed25519 comes from python3-cryptography (Debian's).
"""
import base64
import hashlib
import http.client
import socket
import struct
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives import serialization
from cryptography.exceptions import InvalidSignature

EM = "\u2014"


def b64(b):
    return base64.b64encode(b).decode()


def unb64(s):
    return base64.b64decode(s, validate=True)


def raw_pub(pub):
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(name, typ, key):
    return hashlib.sha256(name.encode() + b"\n" + bytes([typ]) + key).digest()[:4]


def vkey(name, typ, key):
    return "%s+%s+%s" % (name, key_id(name, typ, key).hex(), b64(bytes([typ]) + key))


def parse_vkey(s):
    name, hid, k = s.split("+", 2)
    raw = unb64(k)
    typ, key = raw[0], raw[1:]
    if key_id(name, typ, key).hex() != hid:
        raise ValueError("key id mismatch")
    return name, typ, key


def load_pdl_key(path):
    """A pdl key file: "pdl-ed25519-v1\\n<base64 seed>\\n"."""
    lines = open(path).read().split("\n")
    if lines[0] != "pdl-ed25519-v1":
        raise ValueError("not a pdl key file")
    return Ed25519PrivateKey.from_private_bytes(unb64(lines[1]))


class Signer:
    """An Ed25519 note signer (type 0x01) under a key name."""

    def __init__(self, name, sk=None):
        self.name = name
        self.sk = sk or Ed25519PrivateKey.generate()
        self.pk = raw_pub(self.sk.public_key())

    def vkey(self):
        return vkey(self.name, 0x01, self.pk)

    def sig_line(self, text):
        sig = key_id(self.name, 0x01, self.pk) + self.sk.sign(text.encode())
        return "%s %s %s\n" % (EM, self.name, b64(sig))


class Cosigner:
    """A timestamped Ed25519 cosigner (type 0x04)."""

    def __init__(self, name, sk=None):
        self.name = name
        self.sk = sk or Ed25519PrivateKey.generate()
        self.pk = raw_pub(self.sk.public_key())

    def vkey(self):
        return vkey(self.name, 0x04, self.pk)

    def sig_line(self, text, ts=None):
        ts = int(time.time()) if ts is None else ts
        msg = ("cosignature/v1\ntime %d\n" % ts).encode() + text.encode()
        sig = key_id(self.name, 0x04, self.pk) + struct.pack(">Q", ts) + self.sk.sign(msg)
        return "%s %s %s\n" % (EM, self.name, b64(sig))


def split_note(note):
    """(text, [signature lines]) at the last blank line."""
    i = note.rfind("\n\n")
    if i < 0:
        raise ValueError("no blank line")
    text = note[: i + 1]
    sigs = note[i + 2 :].split("\n")
    if sigs[-1] != "":
        raise ValueError("note does not end in a newline")
    return text, sigs[:-1]


def parse_sig_line(line):
    if not line.startswith(EM + " "):
        raise ValueError("not a signature line: %r" % line)
    name, sig = line[2:].split(" ", 1)
    return name, unb64(sig)


def verify_cosig(line, text, name, pk):
    """The timestamp of a valid cosignature/v1 line by (name, pk), or None."""
    n, raw = parse_sig_line(line.rstrip("\n"))
    if n != name or len(raw) != 76 or raw[:4] != key_id(name, 0x04, pk):
        return None
    ts = struct.unpack(">Q", raw[4:12])[0]
    msg = ("cosignature/v1\ntime %d\n" % ts).encode() + text.encode()
    try:
        Ed25519PublicKey.from_public_bytes(pk).verify(raw[12:], msg)
    except InvalidSignature:
        return None
    return ts


def verify_note_sig(line, text, name, pk):
    n, raw = parse_sig_line(line.rstrip("\n"))
    if n != name or len(raw) != 68 or raw[:4] != key_id(name, 0x01, pk):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(pk).verify(raw[4:], text.encode())
    except InvalidSignature:
        return False
    return True


def parse_checkpoint(text):
    lines = text.split("\n")
    return lines[0], int(lines[1]), unb64(lines[2]), [l for l in lines[3:] if l]


# ---- RFC 6962 Merkle trees ----

def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def _k(n):
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    """MTH over a list of leaf hashes."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _k(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def _subproof(m, leaves, b):
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = _k(n)
    if m <= k:
        return _subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def consistency_proof(m, leaves):
    """RFC 6962 §2.1.2 PROOF(m, D[n]) for 0 < m <= n."""
    return _subproof(m, leaves, True)


def verify_consistency(m, n, old_root, new_root, proof):
    """RFC 9162 §2.1.4.2."""
    if m == n:
        return not proof and old_root == new_root
    if m == 0 or m > n or not proof:
        return False
    if m & (m - 1) == 0:
        proof = [old_root] + list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class Log:
    """A pure-Python C2SP log: appends leaves, signs checkpoints."""

    def __init__(self, origin, signer=None):
        self.origin = origin
        self.signer = signer or Signer(origin)
        self.leaves = []

    def append(self, data):
        self.leaves.append(leaf_hash(data))

    def grow(self, n, tag="e"):
        for _ in range(n):
            self.append(("%s%d" % (tag, len(self.leaves))).encode())

    def root(self, size=None):
        return mth(self.leaves[: len(self.leaves) if size is None else size])

    def text(self, size=None, ext=(), root=None):
        size = len(self.leaves) if size is None else size
        r = self.root(size) if root is None else root
        return "%s\n%d\n%s\n" % (self.origin, size, b64(r)) + "".join(e + "\n" for e in ext)

    def checkpoint(self, size=None, ext=(), root=None, signers=None):
        t = self.text(size, ext, root)
        return t + "\n" + "".join(s.sig_line(t) for s in (signers or [self.signer]))

    def proof(self, old, new=None):
        new = len(self.leaves) if new is None else new
        if old == 0 or old == new:
            return []
        return consistency_proof(old, self.leaves[:new])


def add_checkpoint_body(old, proof, note):
    return ("old %d\n" % old + "".join(b64(h) + "\n" for h in proof) + "\n" + note).encode()


def post(host, port, path, body, headers=None, timeout=30):
    """(status, content-type, body bytes) of one POST on a new connection."""
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    h = {"Content-Type": "text/plain"}
    h.update(headers or {})
    c.request("POST", path, body=body, headers=h)
    r = c.getresponse()
    out = (r.status, r.getheader("Content-Type"), r.read())
    c.close()
    return out


def get(host, port, path, timeout=30):
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    c.request("GET", path)
    r = c.getresponse()
    out = (r.status, r.getheader("Content-Type"), r.read())
    c.close()
    return out


def raw_exchange(host, port, data, timeout=10, pause=None):
    """Sends raw bytes (a list is sent piece by piece, with pause seconds
    between) and returns everything the server sends until it closes."""
    s = socket.create_connection((host, port), timeout=timeout)
    for i, part in enumerate(data if isinstance(data, list) else [data]):
        if i and pause:
            time.sleep(pause)
        s.sendall(part)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        pass
    s.close()
    return out


def cosigned(note, log_vkey, witness_vkeys):
    """{ledger, size, cosigned: [key names whose cosignature/v1 on note verifies]}."""
    text, sigs = split_note(note)
    lname, ltyp, lkey = parse_vkey(log_vkey)
    out = {"ledger": any(verify_note_sig(s, text, lname, lkey) for s in sigs),
           "size": int(text.split("\n")[1]), "cosigned": [], "lines": len(sigs)}
    for wv in witness_vkeys:
        name, typ, key = parse_vkey(wv)
        if typ == 0x04 and any(verify_cosig(s, text, name, key) for s in sigs):
            out["cosigned"].append(name)
    return out


if __name__ == "__main__":
    import json
    import sys
    # c2sp.py cosigned NOTEFILE LOG_VKEY [WITNESS_VKEY...]: one JSON line
    if len(sys.argv) >= 4 and sys.argv[1] == "cosigned":
        print(json.dumps(cosigned(open(sys.argv[2]).read(), sys.argv[3], sys.argv[4:])))
    else:
        sys.exit("usage: c2sp.py cosigned NOTEFILE LOG_VKEY [WITNESS_VKEY...]")
