#!/usr/bin/python3
"""outside_verify.py — an independent verifier of pdl's checkpoints and proofs.

Written from the specifications only, sharing no code with pdl:
  * RFC 8032 Ed25519 verification (reference arithmetic, pure Python);
  * C2SP signed-note: body, blank line, signature lines
    "— <name> <base64(key id (4) || signature (64))>", key ID =
    SHA-256(name || "\\n" || 0x01 || public key)[:4], verifier key
    "<name>+<8 hex key id>+<base64(0x01 || public key)>";
  * C2SP tlog-checkpoint body "<origin>\\n<size>\\n<base64 root>\\n" + extension lines;
  * RFC 9162 Merkle trees: leaf hash SHA-256(0x00 || data), node hash
    SHA-256(0x01 || left || right), inclusion verification (§2.1.3.2) and
    consistency verification (§2.1.4.2);
  * pdl's entries and act signatures (spec/formats.md §3, §1.6, §14 steps 3
    and 7): entry = msgpack [seq, time_ms, prev, act, sig, outcome], prev =
    SHA-256 of the previous entry; the act signature is Ed25519 over
    "pdl/act/v2\n" || ledger id || act, where the ledger id is SHA-256 of
    entry 0 (computed here from the entries, never asked of pdl), and 32
    zero bytes for the genesis act itself; keys from the genesis authority,
    party.register and party.rotate_key, each taking effect after its entry.

Usage:
  outside_verify.py checkpoint  VKEY NOTEFILE
  outside_verify.py inclusion   VKEY NOTEFILE LEAF_BYTES_FILE PROOF_JSON
  outside_verify.py consistency VKEY OLD_NOTE NEW_NOTE PROOF_JSON
  outside_verify.py acts        EXPORT
  outside_verify.py tiles       VKEY URL [--old NOTEFILE] [--samples N] [--seed S]
VKEY is the verifier key string, or a file holding it. PROOF_JSON is a file
(or '-') with the JSON `pdl proof` prints. Exit 0 when valid, 1 otherwise.
An inclusion proof is checked against the signed root, so its size must be
the checkpoint's size (a proof for another size proves nothing here: exit 1).
A consistency proof must be for exactly the two checkpoints' sizes.
EXPORT is the output of `pdl export` from seq 0 (a file, or '-'); `acts`
checks the chain and every act signature and prints the ledger id.

`tiles` reads a C2SP tlog-tiles log (c2sp.org/tlog-tiles) over HTTP from
the prefix URL, as any client would, and checks: the checkpoint's signature
and body; every hash tile and entry bundle the checkpoint needs (paths
"tile/<L>/<N>[.p/<W>]" with 3-digit "x"-prefixed groups; a full tile is
exactly 8,192 bytes, a partial one 32*W; each hash of a level L+1 tile is
the MTH of the full level L tile below it); every entry of every bundle
(uint16 big-endian length, then the entry) against its leaf hash; the
tree hash rebuilt two ways (from all the leaves, and as a light client does
from the highest tiles only) against the signed root; inclusion proofs,
built from the tiles, of N random entries plus the first and the last; and,
with --old, a consistency proof from an older signed checkpoint (whose
partial tiles may be gone: only full tiles and the current ones are used).
Prints a JSON summary; exit 1 with the reason on the first failure.

Crypto suites (spec/formats.md §16). Everything above is written for an
ed25519-sha256 ledger. An sm2-sm3 ledger is checked the same way with SM3
in place of SHA-256 and SM2 (user id 1234567812345678, signatures r || s,
keys 04 || x || y) in place of Ed25519; its signed-note type is 0xff
followed by "pdl.sm2-sm3/note". SM3 and SM2 come from the npm package
sm-crypto (tests/e2e/sm_crypto.js, run with node), an implementation apart
from pdl's OpenSSL. The suite is read from the verifier key's type (for
checkpoints and proofs) or from the genesis's body.suite (for `acts`).
"""
import base64
import binascii
import hashlib
import json
import os
import subprocess
import sys

# ---------------------------------------------------------------- Ed25519
# RFC 8032 §5.1, reference arithmetic in extended homogeneous coordinates.

P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493


def _inv(x):
    return pow(x, P - 2, P)


D = -121665 * _inv(121666) % P
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


def _equal(p1, p2):
    return (p1[0] * p2[2] - p2[0] * p1[2]) % P == 0 and (p1[1] * p2[2] - p2[1] * p1[2]) % P == 0


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * _inv(D * y * y + 1) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


_GY = 4 * _inv(5) % P
_GX = _recover_x(_GY, 0)
G = (_GX, _GY, 1, _GX * _GY % P)


def _decompress(s):
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def ed25519_verify(pub, msg, sig):
    if len(pub) != 32 or len(sig) != 64:
        return False
    a = _decompress(pub)
    if a is None:
        return False
    r = _decompress(sig[:32])
    if r is None:
        return False
    s = int.from_bytes(sig[32:], "little")
    if s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(sig[:32] + pub + msg).digest(), "little") % L
    return _equal(_mul(s, G), _add(r, _mul(h, a)))


# ---------------------------------------------------------------- suites

class Ed25519Sha256:
    name = "ed25519-sha256"
    pk_bytes = 32
    note_type = b"\x01"

    @staticmethod
    def H(data):
        return hashlib.sha256(data).digest()

    @staticmethod
    def verify(pub, msg, sig):
        return ed25519_verify(pub, msg, sig)


class Sm2Sm3:
    """SM3 and SM2 by sm-crypto (npm) through tests/e2e/sm_crypto.js."""
    name = "sm2-sm3"
    pk_bytes = 65
    note_type = b"\xff" + b"pdl.sm2-sm3/note"
    _proc = None

    @classmethod
    def _ask(cls, line):
        if cls._proc is None:
            here = os.path.dirname(os.path.abspath(__file__))
            cls._proc = subprocess.Popen(["node", os.path.join(here, "sm_crypto.js")], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)
            if cls._ask("t") != "1":
                raise Invalid("sm-crypto's SM3 does not give the GB/T 32905 value of \"abc\"")
        cls._proc.stdin.write(line + "\n")
        cls._proc.stdin.flush()
        out = cls._proc.stdout.readline().strip()
        if out.startswith("error") or out == "":
            raise Invalid("sm_crypto.js: %s" % (out or "no answer (is node and build/npm there? make deps)"))
        return out

    @classmethod
    def H(cls, data):
        return bytes.fromhex(cls._ask("h " + data.hex()))

    @classmethod
    def verify(cls, pub, msg, sig):
        if len(pub) != 65 or len(sig) != 64:
            return False
        return cls._ask("v %s %s %s" % (pub.hex(), sig.hex(), msg.hex())) == "1"


SUITES = {s.name: s for s in (Ed25519Sha256, Sm2Sm3)}
# the suite of the ledger being checked: set from the verifier key or the genesis
SUITE = Ed25519Sha256


def use_suite(s):
    global SUITE
    SUITE = s


# ---------------------------------------------------------------- errors

class Invalid(Exception):
    pass


def b64d(s, what):
    try:
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("%s is not base64" % what)


# ---------------------------------------------------------------- signed note

def key_id(name, alg_and_key):
    return SUITE.H(name.encode() + b"\n" + alg_and_key)[:4]


def parse_vkey(s):
    s = s.strip()
    parts = s.split("+", 2)
    if len(parts) != 3:
        raise Invalid("verifier key is not name+hex+base64")
    name, hexid, k = parts
    if not name or any(c.isspace() for c in name):
        raise Invalid("verifier key name is empty or has spaces")
    if len(hexid) != 8 or any(c not in "0123456789abcdef" for c in hexid):
        raise Invalid("verifier key id is not 8 lowercase hex digits")
    raw = b64d(k, "verifier key")
    # the signature type names the suite: 0x01 Ed25519, 0xff "pdl.sm2-sm3/note" SM2
    for suite in SUITES.values():
        t = suite.note_type
        if raw.startswith(t) and len(raw) == len(t) + suite.pk_bytes:
            use_suite(suite)
            break
    else:
        raise Invalid("verifier key is not 0x01 || 32-byte Ed25519 key nor 0xff || pdl.sm2-sm3/note || 65-byte SM2 key")
    if key_id(name, raw) != bytes.fromhex(hexid):
        raise Invalid("verifier key id does not match its name and key")
    return name, bytes.fromhex(hexid), raw[len(SUITE.note_type):]


def verify_note(vkey, text):
    """Returns the note body (str, ending in \\n) if a signature by vkey verifies."""
    name, kid, pub = vkey
    if not isinstance(text, str):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid("note is not UTF-8")
    if "\r" in text:
        raise Invalid("note contains a carriage return")
    i = text.rfind("\n\n")
    if i < 0:
        raise Invalid("note has no blank line before its signatures")
    body, sigs = text[:i + 1], text[i + 2:]
    if not sigs.endswith("\n") or not sigs.strip("\n"):
        raise Invalid("note signature block is empty or lacks its final newline")
    ok = False
    for line in sigs[:-1].split("\n"):
        if not line.startswith("\u2014 "):
            raise Invalid("signature line does not start with an em dash and space: %r" % line)
        rest = line[2:]
        sp = rest.rfind(" ")
        if sp <= 0:
            raise Invalid("malformed signature line")
        sname, sb64 = rest[:sp], rest[sp + 1:]
        raw = b64d(sb64, "signature")
        if len(raw) < 5:
            raise Invalid("signature too short")
        if sname == name and raw[:4] == kid:
            if len(raw) != 68:
                raise Invalid("signature line is not 4+64 bytes")
            if not SUITE.verify(pub, body.encode("utf-8"), raw[4:]):
                raise Invalid("signature by %s does not verify" % name)
            ok = True
    if not ok:
        raise Invalid("no signature by %s+%s" % (name, kid.hex()))
    return body


def parse_checkpoint(body, origin):
    lines = body.split("\n")
    if lines[-1] != "" or len(lines) < 4:
        raise Invalid("checkpoint body is not origin, size, root lines")
    lines = lines[:-1]
    if lines[0] != origin:
        raise Invalid("checkpoint origin %r is not the key name %r" % (lines[0], origin))
    sz = lines[1]
    if not (sz.isascii() and sz.isdigit()) or (len(sz) > 1 and sz[0] == "0"):
        raise Invalid("checkpoint size is not a decimal number")
    root = b64d(lines[2], "root")
    if len(root) != 32:
        raise Invalid("checkpoint root is not 32 bytes")
    for ext in lines[3:]:
        if ext == "":
            raise Invalid("empty extension line")
    return int(sz), root, lines[3:]


def load_checkpoint(vkey, path):
    with open(path, "rb") as f:
        text = f.read()
    body = verify_note(vkey, text)
    return parse_checkpoint(body, vkey[0])


# ---------------------------------------------------------------- RFC 9162

def leaf_hash(data):
    return SUITE.H(b"\x00" + data)


def node_hash(left, right):
    return SUITE.H(b"\x01" + left + right)


def root_from_inclusion(index, size, h, path):
    """RFC 9162 §2.1.3.2; returns the computed root or raises."""
    if index >= size:
        raise Invalid("leaf index %d >= tree size %d" % (index, size))
    fn, sn, r = index, size - 1, h
    for p in path:
        if sn == 0:
            raise Invalid("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise Invalid("inclusion proof is too short")
    return r


def verify_consistency(first, second, first_hash, second_hash, path):
    """RFC 9162 §2.1.4.2."""
    if first < 1 or first > second:
        raise Invalid("need 0 < first <= second")
    if first == second:
        if path:
            raise Invalid("a proof between equal sizes is empty")
        if first_hash != second_hash:
            raise Invalid("equal sizes with different roots")
        return
    if not path:
        raise Invalid("empty consistency proof")
    path = list(path)
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Invalid("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise Invalid("consistency proof is too short")
    if fr != first_hash:
        raise Invalid("consistency proof does not lead to the old root")
    if sr != second_hash:
        raise Invalid("consistency proof does not lead to the new root")


# ---------------------------------------------------------------- tlog-tiles

def tile_path(level, index, width):
    """c2sp.org/tlog-tiles: tile/<L>/<N>[.p/<W>], N in 3-digit groups, all but the last with an x."""
    digits = "%d" % index
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    n = "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])
    lv = "entries" if level is None else "%d" % level
    return "tile/%s/%s%s" % (lv, n, "" if width == 256 else ".p/%d" % width)


class TileLog:
    """A tiled log read over HTTP; tiles are fetched once and kept."""

    def __init__(self, url):
        self.url = url.rstrip("/") + "/"
        self.tiles = {}
        self.fetches = 0
        self.bytes = 0

    def get(self, path, accept_missing=False):
        import gzip
        import urllib.error
        import urllib.request
        req = urllib.request.Request(self.url + path, headers={"Accept-Encoding": "gzip, identity"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                body = r.read()
                enc = r.headers.get("Content-Encoding", "")
                self.last_headers = r.headers
        except urllib.error.HTTPError as e:
            if accept_missing and e.code == 404:
                return None
            raise Invalid("GET %s: HTTP %d" % (path, e.code))
        if enc == "gzip":
            body = gzip.decompress(body)
        elif enc not in ("", "identity"):
            raise Invalid("GET %s: unexpected Content-Encoding %s" % (path, enc))
        self.fetches += 1
        self.bytes += len(body)
        return body

    def tile(self, level, index, width):
        """The hashes of tile (level, index) covering at least `width` of them."""
        key = (level, index)
        have = self.tiles.get(key)
        if have is not None and len(have) >= width:
            return have
        body = None
        if width < 256:
            body = self.get(tile_path(level, index, width), accept_missing=True)
            if body is None:  # the spec lets a log drop a partial tile once full
                body = self.get(tile_path(level, index, 256))
                width = 256
        else:
            body = self.get(tile_path(level, index, 256))
        if len(body) != 32 * width:
            raise Invalid("%s is %d bytes, want %d" % (tile_path(level, index, width), len(body), 32 * width))
        hs = [body[i:i + 32] for i in range(0, len(body), 32)]
        self.tiles[key] = hs
        return hs

    def node(self, height, index, size):
        """Hash of the complete subtree of height `height` at `index` (inside a tree of `size`),
        from the tile at level height // 8, hashing within the tile for the remaining levels."""
        level, k = divmod(height, 8)
        first = index << k  # first hash of the tile level covered
        t = first >> 8
        need = ((first + (1 << k) - 1) & 255) + 1
        width = min(256, (size >> (8 * level)) - (t << 8))
        if width < need:
            raise Invalid("node (%d, %d) is not complete in a tree of %d" % (height, index, size))
        hs = self.tile(level, t, width)[(first & 255):(first & 255) + (1 << k)]
        while len(hs) > 1:
            hs = [node_hash(hs[i], hs[i + 1]) for i in range(0, len(hs), 2)]
        return hs[0]

    def subtree(self, lo, hi, size):
        """MTH of leaves [lo, hi) of the tree of `size` (RFC 9162 split), from tiles."""
        n = hi - lo
        if n & (n - 1) == 0 and lo % n == 0:
            return self.node(n.bit_length() - 1, lo // n, size)
        k = 1 << ((n - 1).bit_length() - 1)
        return node_hash(self.subtree(lo, lo + k, size), self.subtree(lo + k, hi, size))

    def inclusion(self, m, size):
        """PATH(m, D[0:size]) of RFC 9162 §2.1.3.1, leaf first."""
        path, lo, hi = [], 0, size
        while hi - lo > 1:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if m < lo + k:
                path.append(self.subtree(lo + k, hi, size))
                hi = lo + k
            else:
                path.append(self.subtree(lo, lo + k, size))
                lo += k
        return path[::-1]

    def consistency(self, m, size):
        """PROOF(m, D[0:size]) of RFC 9162 §2.1.4.1, oldest first."""
        path, lo, hi, whole = [], 0, size, True
        while m != hi:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if m <= lo + k:
                path.append(self.subtree(lo + k, hi, size))
                hi = lo + k
            else:
                path.append(self.subtree(lo, lo + k, size))
                lo += k
                whole = False
        if not whole:
            path.append(self.subtree(lo, hi, size))
        return path[::-1]


def check_tiles(vkey, url, old_note=None, samples=16, seed=1):
    import random
    log = TileLog(url)
    note = log.get("checkpoint")
    ctype = log.last_headers.get("Content-Type", "")
    size, root, ext = parse_checkpoint(verify_note(vkey, note), vkey[0])
    if ext:
        raise Invalid("the checkpoint has extension lines %r" % ext)
    if size == 0:
        raise Invalid("the checkpoint is of an empty tree")
    # level by level: every tile the checkpoint needs, full tiles against the level above
    level, tiles_checked = 0, 0
    while size >> (8 * level):
        nodes = size >> (8 * level)
        for t in range((nodes + 255) // 256):
            w = min(256, nodes - 256 * t)
            hs = log.tile(level, t, w)
            tiles_checked += 1
            if w == 256 and (size >> (8 * (level + 1))) > t:
                above = log.tile(level + 1, t >> 8, min(256, (size >> (8 * (level + 1))) - ((t >> 8) << 8)))
                mth = hs
                while len(mth) > 1:
                    mth = [node_hash(mth[i], mth[i + 1]) for i in range(0, len(mth), 2)]
                if above[t & 255] != mth[0]:
                    raise Invalid("hash %d of tile %d/%d is not the MTH of tile %d/%d" % (t & 255, level + 1, t >> 8, level, t))
        level += 1
    # every entry against its leaf
    leaves = []
    for b in range((size + 255) // 256):
        w = min(256, size - 256 * b)
        body = None
        if w < 256:
            body = log.get(tile_path(None, b, w), accept_missing=True)
        if body is None:
            body = log.get(tile_path(None, b, 256))
            w_got = 256
        else:
            w_got = w
        ents, p = [], 0
        while p < len(body):
            if p + 2 > len(body):
                raise Invalid("entry bundle %d is truncated in a length prefix" % b)
            n = int.from_bytes(body[p:p + 2], "big")
            if p + 2 + n > len(body):
                raise Invalid("entry bundle %d is truncated: entry %d runs past its end" % (b, 256 * b + len(ents)))
            ents.append(body[p + 2:p + 2 + n])
            p += 2 + n
        if len(ents) != w_got:
            raise Invalid("entry bundle %d holds %d entries, want %d" % (b, len(ents), w_got))
        lvl0 = log.tile(0, b, w)
        for i in range(w):
            h = leaf_hash(ents[i])
            if h != lvl0[i]:
                raise Invalid("entry %d does not hash to its leaf in tile 0/%d" % (256 * b + i, b))
            leaves.append(h)
    # the root from every leaf, and from the tiles as a light client
    hs = leaves
    def mth(lo, hi):
        if hi - lo == 1:
            return hs[lo]
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        return node_hash(mth(lo, lo + k), mth(lo + k, hi))
    if mth(0, size) != root:
        raise Invalid("the root of the entries is not the checkpoint's root")
    if log.subtree(0, size, size) != root:
        raise Invalid("the root from the tiles is not the checkpoint's root")
    # inclusion of random entries
    rnd = random.Random(seed)
    picks = sorted(set([0, size - 1] + [rnd.randrange(size) for _ in range(samples)]))
    for m in picks:
        if root_from_inclusion(m, size, leaves[m], log.inclusion(m, size)) != root:
            raise Invalid("the inclusion proof of entry %d from the tiles does not reach the root" % m)
    out = {"ok": True, "size": size, "tiles": tiles_checked, "entries": len(leaves), "inclusions": len(picks),
           "fetches": log.fetches, "bytes": log.bytes, "checkpoint_content_type": ctype}
    if old_note is not None:
        with open(old_note, "rb") as f:
            osize, oroot, _ = parse_checkpoint(verify_note(vkey, f.read()), vkey[0])
        if osize > size:
            raise Invalid("the old checkpoint (%d) is larger than the current one (%d)" % (osize, size))
        verify_consistency(osize, size, oroot, root, log.consistency(osize, size) if osize < size else [])
        out["consistent_with"] = osize
    return out


# ---------------------------------------------------------------- entries and acts
# A msgpack reader for what entries hold (maps, arrays, str, bin, ints, bool,
# nil), from the msgpack specification.

def _mp(b, p):
    if p >= len(b):
        raise Invalid("msgpack ends early")
    t = b[p]
    p += 1

    def take(n):
        if p + n > len(b):
            raise Invalid("msgpack ends early")
        return b[p:p + n]

    if t <= 0x7F:
        return t, p
    if t >= 0xE0:
        return t - 256, p
    if 0x80 <= t <= 0x8F or t in (0xDE, 0xDF):
        w = 0 if t <= 0x8F else (2 if t == 0xDE else 4)
        n = (t & 0x0F) if w == 0 else int.from_bytes(take(w), "big")
        p += w
        m = {}
        for _ in range(n):
            k, p = _mp(b, p)
            v, p = _mp(b, p)
            if not isinstance(k, str):
                raise Invalid("map key is not a string")
            m[k] = v
        return m, p
    if 0x90 <= t <= 0x9F or t in (0xDC, 0xDD):
        w = 0 if t <= 0x9F else (2 if t == 0xDC else 4)
        n = (t & 0x0F) if w == 0 else int.from_bytes(take(w), "big")
        p += w
        a = []
        for _ in range(n):
            v, p = _mp(b, p)
            a.append(v)
        return a, p
    if 0xA0 <= t <= 0xBF or t in (0xD9, 0xDA, 0xDB, 0xC4, 0xC5, 0xC6):
        if 0xA0 <= t <= 0xBF:
            w, n = 0, t & 0x1F
        else:
            w = {0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC4: 1, 0xC5: 2, 0xC6: 4}[t]
            n = int.from_bytes(take(w), "big")
        p += w
        raw = take(n)
        p += n
        if t in (0xC4, 0xC5, 0xC6):
            return bytes(raw), p
        try:
            return raw.decode("utf-8"), p
        except UnicodeDecodeError:
            raise Invalid("msgpack str is not UTF-8")
    if t == 0xC0:
        return None, p
    if t in (0xC2, 0xC3):
        return t == 0xC3, p
    if t in (0xCC, 0xCD, 0xCE, 0xCF):
        w = 1 << (t - 0xCC)
        return int.from_bytes(take(w), "big"), p + w
    if t in (0xD0, 0xD1, 0xD2, 0xD3):
        w = 1 << (t - 0xD0)
        return int.from_bytes(take(w), "big", signed=True), p + w
    raise Invalid("msgpack type 0x%02x is not used in entries" % t)


def mp_decode(b):
    v, p = _mp(b, 0)
    if p != len(b):
        raise Invalid("trailing bytes after msgpack")
    return v


ACT_DOMAIN = b"pdl/act/v2\n"
GENESIS_LEDGER_ID = bytes(32)


def read_export(path):
    f = sys.stdin if path == "-" else open(path)
    entries = []
    for line in f:
        if not line.strip():
            continue
        o = json.loads(line)
        if o.get("seq") != len(entries):
            raise Invalid("export line %d has seq %r: give an export from seq 0" % (len(entries), o.get("seq")))
        entries.append(b64d(o["entry"], "entry %d" % len(entries)))
    return entries


def verify_acts(entries):
    """Checks the chain and every act signature; returns (ledger id, count)."""
    if not entries:
        raise Invalid("no entries")
    # the suite the genesis names (none: ed25519-sha256), before anything is hashed
    g = mp_decode(entries[0])
    gbody = mp_decode(g[3]).get("body", {}) if isinstance(g, list) and len(g) == 6 and isinstance(g[3], bytes) else {}
    sname = gbody.get("suite", "ed25519-sha256") if isinstance(gbody, dict) else "ed25519-sha256"
    if sname not in SUITES:
        raise Invalid("seq 0: the genesis names the suite %r, which this verifier does not know" % sname)
    use_suite(SUITES[sname])
    ledger_id = SUITE.H(entries[0])
    keys = {}
    prev = bytes(32)
    for seq, raw in enumerate(entries):
        e = mp_decode(raw)
        if not isinstance(e, list) or len(e) != 6 or e[0] != seq:
            raise Invalid("seq %d: not a 6-element entry of this seq" % seq)
        if e[2] != prev:
            raise Invalid("seq %d: prev is not the hash of entry %d" % (seq, seq - 1))
        act_bytes, sig = e[3], e[4]
        if not isinstance(act_bytes, bytes) or not isinstance(sig, bytes) or len(sig) != 64:
            raise Invalid("seq %d: act or sig is not a bin (sig: 64 bytes)" % seq)
        act = mp_decode(act_bytes)
        if not isinstance(act, dict) or not isinstance(act.get("body"), dict):
            raise Invalid("seq %d: the act is not a map with a body" % seq)
        body = act["body"]
        if seq == 0:
            if act.get("type") != "ledger.genesis":
                raise Invalid("entry 0 is not ledger.genesis")
            auth = body.get("authority", {})
            pk, domain_id = b64d(auth.get("public_key", ""), "authority key"), GENESIS_LEDGER_ID
            new_key = (auth.get("id"), pk)
        else:
            if act.get("actor") not in keys:
                raise Invalid("seq %d: actor %r was never registered" % (seq, act.get("actor")))
            pk, domain_id, new_key = keys[act["actor"]], ledger_id, None
            if act.get("type") in ("party.register", "party.rotate_key"):
                new_key = (body.get("id"), b64d(body.get("public_key", ""), "public_key"))
        if not SUITE.verify(pk, ACT_DOMAIN + domain_id + act_bytes, sig):
            raise Invalid("seq %d: act signature does not verify with %s's key for ledger %s"
                          % (seq, act.get("actor"), domain_id.hex()))
        if new_key is not None:
            keys[new_key[0]] = new_key[1]  # from the next entry on
        prev = SUITE.H(raw)
    return ledger_id, len(entries)


# ---------------------------------------------------------------- CLI

def read_vkey(arg):
    try:
        with open(arg) as f:
            return parse_vkey(f.read())
    except (FileNotFoundError, IsADirectoryError, OSError):
        return parse_vkey(arg)


def read_json(path):
    if path == "-":
        return json.load(sys.stdin)
    with open(path) as f:
        return json.load(f)


def hashes(lst):
    out = []
    for x in lst:
        h = b64d(x, "proof hash")
        if len(h) != 32:
            raise Invalid("proof hash is not 32 bytes")
        out.append(h)
    return out


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == "checkpoint" and len(argv) == 4:
        vk = read_vkey(argv[2])
        size, root, ext = load_checkpoint(vk, argv[3])
        print(json.dumps({"ok": True, "size": size, "root": base64.b64encode(root).decode(),
                          "extensions": ext}))
        return 0
    if cmd == "inclusion" and len(argv) == 6:
        vk = read_vkey(argv[2])
        size, root, _ = load_checkpoint(vk, argv[3])
        with open(argv[4], "rb") as f:
            leaf = f.read()
        pr = read_json(argv[5])
        idx, psize = pr["index"], pr["size"]
        if not isinstance(idx, int) or not isinstance(psize, int):
            raise Invalid("index and size must be integers")
        lh = leaf_hash(leaf)
        if b64d(pr["leaf_hash"], "leaf_hash") != lh:
            raise Invalid("leaf_hash is not H(0x00 || leaf bytes)")
        r = root_from_inclusion(idx, psize, lh, hashes(pr["proof"]))
        if psize != size:
            raise Invalid("proof is for tree size %d but the checkpoint has size %d" % (psize, size))
        if r != root:
            raise Invalid("inclusion proof does not lead to the checkpoint root")
        print(json.dumps({"ok": True, "index": idx, "size": size, "root": base64.b64encode(r).decode()}))
        return 0
    if cmd == "consistency" and len(argv) == 6:
        vk = read_vkey(argv[2])
        s1, r1, _ = load_checkpoint(vk, argv[3])
        s2, r2, _ = load_checkpoint(vk, argv[4])
        pr = read_json(argv[5])
        if pr.get("old") != s1 or pr.get("new") != s2:
            raise Invalid("proof is for %s..%s, checkpoints are %d..%d" % (pr.get("old"), pr.get("new"), s1, s2))
        verify_consistency(s1, s2, r1, r2, hashes(pr["proof"]))
        print(json.dumps({"ok": True, "old": s1, "new": s2}))
        return 0
    if cmd == "tiles" and len(argv) >= 4:
        opts = dict(zip(argv[4::2], argv[5::2]))
        print(json.dumps(check_tiles(read_vkey(argv[2]), argv[3], opts.get("--old"),
                                     int(opts.get("--samples", 16)), int(opts.get("--seed", 1)))))
        return 0
    if cmd == "acts" and len(argv) == 3:
        lid, n = verify_acts(read_export(argv[2]))
        print(json.dumps({"ok": True, "size": n, "signatures": n, "ledger_id": lid.hex(), "suite": SUITE.name}))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (Invalid, KeyError, TypeError, ValueError, OSError) as e:
        print(json.dumps({"ok": False, "error": "%s: %s" % (type(e).__name__, e)}))
        sys.exit(1)
