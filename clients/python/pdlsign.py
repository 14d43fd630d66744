#!/usr/bin/python3
"""pdlsign.py — a reference signer for pdl, in Python (Debian's python3 and
python3-cryptography; nothing else).

It is documentation for integrators as much as a tool: it takes an act
written as JSON, encodes it as msgpack exactly as pdl does, signs it for
one ledger, and prints the envelope `pdld --http` takes, or POSTs it.

  pdlsign.py --key KEYFILE --ledger-id HEX ACT.json     print the envelope
  pdlsign.py --key KEYFILE --post URL ACT.json          sign and send it to
                                                        URL (http://HOST:PORT);
                                                        the ledger id comes from
                                                        URL/v1/head unless given
  pdlsign.py --check-vectors FILE                       check spec/vectors/

The bytes (spec/formats.md §1.5–1.6):

  act    = msgpack map of the act JSON: "v": 1 first unless the object has
           "v"; then the keys in the order the file has them; objects are
           maps, arrays arrays, strings str (UTF-8), integers the shortest
           msgpack integer (non-negative ones unsigned), true/false bool,
           null nil. No fractions. Duplicate keys are refused.
  signed = "pdl/act/v2\\n" || ledger id (32 bytes) || act
  sig    = Ed25519(seed from the key file, signed)

The ledger id is 32 zero bytes for a ledger.genesis act, else the one
`pdl ledger-id` prints (the hash of the ledger's genesis entry).
"""
import base64
import json
import os
import stat
import sys
import urllib.error
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SIGNING_PREFIX = b"pdl/act/v2\n"
SUITE = "ed25519-sha256"  # the only crypto suite this signer speaks
INT_MAX = 2**63 - 1  # pdl reads JSON integers as int64 (spec/formats.md §1.5)


class Obj(list):
    """A JSON object as its (key, value) pairs, in the order of the text."""


def _pairs(pairs):
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise ValueError("duplicate key %r" % k)
        seen.add(k)
    return Obj(pairs)


def _no_fraction(s):
    raise ValueError("fractional numbers are not allowed in acts: %s" % s)


def parse_json(text):
    """JSON with key order kept, duplicates and fractions refused."""
    return json.loads(text, object_pairs_hook=_pairs, parse_float=_no_fraction, parse_constant=_no_fraction)


# ---- msgpack, the smallest form of every value (what msgpack-c writes) ----

# (largest value, code, bytes) of the unsigned and (smallest, code, bytes)
# of the signed integer forms, smallest first
UINTS = ((0xFF, 0xCC, 1), (0xFFFF, 0xCD, 2), (0xFFFFFFFF, 0xCE, 4), (2**64 - 1, 0xCF, 8))
SINTS = ((-0x80, 0xD0, 1), (-0x8000, 0xD1, 2), (-0x80000000, 0xD2, 4), (-2**63, 0xD3, 8))


def _length(out, n, fix, fix_max, code16, code32):
    """A map, array or str header: fix form, else 16 or 32 bits (str8 is
    the caller's)."""
    if n <= fix_max:
        out.append(fix | n)
    elif n <= 0xFFFF:
        out.append(code16)
        out += n.to_bytes(2, "big")
    else:
        out.append(code32)
        out += n.to_bytes(4, "big")


def _int(v, out):
    if v > INT_MAX or v < -INT_MAX - 1:
        raise ValueError("integer %d is outside what pdl reads from JSON (int64)" % v)
    if 0 <= v <= 0x7F:  # positive fixint
        out.append(v)
    elif -32 <= v < 0:  # negative fixint
        out.append(v & 0xFF)
    elif v > 0:  # non-negative numbers are always unsigned
        bound, code, size = next(t for t in UINTS if v <= t[0])
        out.append(code)
        out += v.to_bytes(size, "big")
    else:
        bound, code, size = next(t for t in SINTS if v >= t[0])
        out.append(code)
        out += v.to_bytes(size, "big", signed=True)


def pack(v, out):
    if isinstance(v, Obj):
        _length(out, len(v), 0x80, 15, 0xDE, 0xDF)
        for k, x in v:
            pack(k, out)
            pack(x, out)
    elif isinstance(v, list):
        _length(out, len(v), 0x90, 15, 0xDC, 0xDD)
        for x in v:
            pack(x, out)
    elif isinstance(v, str):
        if "\0" in v:
            raise ValueError("a string holds U+0000")
        b = v.encode("utf-8")  # refuses lone surrogates, as pdl does
        if 32 <= len(b) <= 0xFF:
            out += bytes((0xD9, len(b)))  # str8
        else:
            _length(out, len(b), 0xA0, 31, 0xDA, 0xDB)
        out += b
    elif v is True or v is False:  # before int: a bool is an int in Python
        out.append(0xC3 if v else 0xC2)
    elif v is None:
        out.append(0xC0)
    elif isinstance(v, int):
        _int(v, out)
    else:
        raise ValueError("cannot encode %r" % (v,))


def act_bytes(act):
    """The msgpack bytes of an act object (an Obj), "v": 1 first unless given."""
    if not isinstance(act, Obj):
        raise ValueError("an act is a JSON object")
    if "v" not in (k for k, _ in act):
        act = Obj([("v", 1)] + list(act))
    out = bytearray()
    pack(act, out)
    return bytes(out)


# ---- keys and signatures ----

def load_key(path):
    """The seed of a pdl key file: "pdl-ed25519-v1\\n" base64(seed) "\\n",
    refused when group or others may access it (as pdl refuses it)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("key file %s is not a regular file" % path)
        if st.st_mode & 0o077:
            raise ValueError("key file %s is readable by group or others (mode %03o); run chmod 600 %s"
                             % (path, st.st_mode & 0o777, path))
        text = os.read(fd, 4096)
    finally:
        os.close(fd)
    lines = text.split(b"\n")
    if len(lines) == 3 and lines[0].startswith(b"pdl-") and lines[0] != b"pdl-ed25519-v1":
        raise ValueError("key file %s holds a %s key; this signer signs with Ed25519 keys only"
                         % (path, lines[0].decode("ascii", "replace")))
    if len(lines) != 3 or lines[0] != b"pdl-ed25519-v1" or lines[2] != b"" or len(lines[1]) != 44:
        raise ValueError("key file %s is malformed" % path)
    seed = base64.b64decode(lines[1], validate=True)
    if len(seed) != 32 or base64.b64encode(seed) != lines[1]:
        raise ValueError("key file %s is malformed" % path)
    return seed


def sign(seed, ledger_id, act):
    """(signed bytes, signature) of act bytes for the ledger ledger_id."""
    signed = SIGNING_PREFIX + ledger_id + act
    return signed, Ed25519PrivateKey.from_private_bytes(seed).sign(signed)


def envelope(act, sig, ledger_id):
    return {"act": base64.b64encode(act).decode(), "sig": base64.b64encode(sig).decode(),
            "ledger_id": ledger_id.hex()}


def ledger_id_for(act_obj, given):
    if dict(act_obj).get("type") == "ledger.genesis":
        return bytes(32)
    return given


# ---- commands ----

def http(url, body=None):
    """(status, JSON reply) of a GET, or of a POST of body (JSON)."""
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def check_vectors(path):
    """Every vector of FILE, encoded and signed here: prints ok / not ok."""
    with open(path, encoding="utf-8") as f:
        doc = parse_json(f.read())
    d = dict(doc)
    seed = bytes.fromhex(dict(d["key"])["seed_hex"])
    bad = 0
    for v in d["vectors"]:
        v = dict(v)
        lid = bytes.fromhex(v["ledger_id"])
        act = act_bytes(v["act"])
        signed, sig = sign(seed, lid, act)
        env = dict(v["envelope"])
        got = (act.hex(), signed.hex(), sig.hex(), envelope(act, sig, lid))
        want = (v["act_hex"], v["signed_hex"], v["sig_hex"], {k: env[k] for k in ("act", "sig", "ledger_id")})
        names = ("act bytes", "signed bytes", "signature", "envelope")
        wrong = [n for n, g, w in zip(names, got, want) if g != w]
        if wrong:
            bad += 1
            print("not ok - vector %s: %s differ" % (v["name"], ", ".join(wrong)))
        else:
            print("ok - vector %s (%d act bytes)" % (v["name"], len(act)))
    return 1 if bad else 0


def main(argv):
    args = {"--key": None, "--ledger-id": None, "--post": None, "--check-vectors": None}
    files = []
    i = 0
    while i < len(argv):
        if argv[i] in args and i + 1 < len(argv):
            args[argv[i]] = argv[i + 1]
            i += 2
        elif argv[i] in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            files.append(argv[i])
            i += 1
    if args["--check-vectors"]:
        return check_vectors(args["--check-vectors"])
    if not args["--key"] or len(files) != 1 or not (args["--ledger-id"] or args["--post"]):
        sys.stderr.write("usage: pdlsign.py --key KEYFILE (--ledger-id HEX | --post URL) ACT.json "
                         "| --check-vectors FILE\n")
        return 2
    with open(files[0], encoding="utf-8") as f:
        act_obj = parse_json(f.read())
    base = (args["--post"] or "").rstrip("/")
    lid_hex = args["--ledger-id"]
    if lid_hex is None:
        status, head = http(base + "/v1/head")
        if status != 200:
            sys.stderr.write("pdlsign.py: %s/v1/head answered %d: %s\n" % (base, status, head))
            return 1
        lid_hex = head["ledger_id"]
        # A ledger names its crypto suite (spec/formats.md); absent means
        # ed25519-sha256. This signer makes Ed25519 signatures only.
        suite = head.get("suite", SUITE)
        if suite != SUITE:
            sys.stderr.write("pdlsign.py: the ledger at %s uses the suite %s; this signer signs for %s "
                             "ledgers only; nothing sent\n" % (base, suite, SUITE))
            return 1
    lid = ledger_id_for(act_obj, bytes.fromhex(lid_hex))
    act = act_bytes(act_obj)
    _, sig = sign(load_key(args["--key"]), lid, act)
    env = json.dumps(envelope(act, sig, lid), separators=(",", ":"))
    if not base:
        print(env)
        return 0
    status, reply = http(base + "/v1/acts", env.encode())
    print(json.dumps(reply, separators=(",", ":"), ensure_ascii=False))
    if status != 200 or any("error" in r for r in reply.get("results", [])):
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (ValueError, OSError, KeyError) as e:
        sys.stderr.write("pdlsign.py: %s\n" % e)
        sys.exit(1)
