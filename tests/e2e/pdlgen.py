#!/usr/bin/python3
"""pdlgen.py — test-side helpers for the e2e scripts (standard library only).

Independent of pdl's C code: a minimal msgpack encoder/decoder, GB 32100
USCC generation, act builders, and small CLI subcommands the shell scripts
call:

  pdlgen.py uscc I                      print a valid USCC numbered I
  pdlgen.py acts OUT_PREFIX NFILES PER_FILE START [--actor A] [--pk B64]
                                        write NFILES JSON arrays of party.register
                                        acts numbered START.., nonce = number
  pdlgen.py mp-act JSONFILE OUT [--v N] write the act (JSON) as msgpack bytes,
                                        adding v:1 unless --v or "v" is given
  pdlgen.py field FILE KEY              print one JSON field of the first JSON line
  pdlgen.py sha256 FILE                 print hex sha256 of a file
  pdlgen.py jl FILE EXPR                for each JSON line o of FILE ('-': stdin)
                                        print the Python expression EXPR
"""
import base64
import hashlib
import json
import os
import struct
import sys

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc_check_char(first17):
    s = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS))
    c = 31 - s % 31
    if c == 31:
        c = 0
    return USCC_ALPHABET[c]


def uscc(i, prefix="91420100"):
    first = prefix + "%09d" % i
    assert len(first) == 17
    return first + uscc_check_char(first)


def bad_uscc(i):
    """A USCC with a wrong check character."""
    good = uscc(i)
    wrong = USCC_ALPHABET[(USCC_ALPHABET.index(good[-1]) + 1) % 31]
    return good[:-1] + wrong


# ---- msgpack (the subset acts use) ----

class Bin(bytes):
    """Marks bytes to be packed as msgpack bin (plain bytes also pack as bin)."""


def mp_pack(v):
    out = bytearray()
    _pack(v, out)
    return bytes(out)


def _pack(v, out):
    if v is None:
        out.append(0xC0)
    elif v is True:
        out.append(0xC3)
    elif v is False:
        out.append(0xC2)
    elif isinstance(v, int):
        if v >= 0:
            if v < 0x80:
                out.append(v)
            elif v < 0x100:
                out += bytes([0xCC, v])
            elif v < 0x10000:
                out += b"\xcd" + struct.pack(">H", v)
            elif v < 0x100000000:
                out += b"\xce" + struct.pack(">I", v)
            else:
                out += b"\xcf" + struct.pack(">Q", v)
        else:
            if v >= -32:
                out.append(v & 0xFF)
            else:
                out += b"\xd3" + struct.pack(">q", v)
    elif isinstance(v, str):
        b = v.encode("utf-8")
        n = len(b)
        if n < 32:
            out.append(0xA0 | n)
        elif n < 0x100:
            out += bytes([0xD9, n])
        elif n < 0x10000:
            out += b"\xda" + struct.pack(">H", n)
        else:
            out += b"\xdb" + struct.pack(">I", n)
        out += b
    elif isinstance(v, (bytes, bytearray)):
        n = len(v)
        if n < 0x100:
            out += bytes([0xC4, n])
        elif n < 0x10000:
            out += b"\xc5" + struct.pack(">H", n)
        else:
            out += b"\xc6" + struct.pack(">I", n)
        out += v
    elif isinstance(v, (list, tuple)):
        n = len(v)
        if n < 16:
            out.append(0x90 | n)
        elif n < 0x10000:
            out += b"\xdc" + struct.pack(">H", n)
        else:
            out += b"\xdd" + struct.pack(">I", n)
        for x in v:
            _pack(x, out)
    elif isinstance(v, dict):
        n = len(v)
        if n < 16:
            out.append(0x80 | n)
        elif n < 0x10000:
            out += b"\xde" + struct.pack(">H", n)
        else:
            out += b"\xdf" + struct.pack(">I", n)
        for k, x in v.items():
            _pack(k, out)
            _pack(x, out)
    else:
        raise TypeError(type(v))


def mp_unpack(b):
    v, p = _unpack(b, 0)
    if p != len(b):
        raise ValueError("trailing bytes")
    return v


def _unpack(b, p):
    t = b[p]
    p += 1
    if t <= 0x7F:
        return t, p
    if t >= 0xE0:
        return t - 0x100, p
    if 0xA0 <= t <= 0xBF:
        n = t & 0x1F
        return b[p:p + n].decode("utf-8", "surrogateescape"), p + n
    if 0x90 <= t <= 0x9F:
        return _arr(b, p, t & 0x0F)
    if 0x80 <= t <= 0x8F:
        return _map(b, p, t & 0x0F)
    if t == 0xC0:
        return None, p
    if t == 0xC2:
        return False, p
    if t == 0xC3:
        return True, p
    ints = {0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q"}
    if t in ints:
        f = ints[t]
        n = struct.calcsize(f)
        return struct.unpack(f, b[p:p + n])[0], p + n
    lens = {0xD9: ">B", 0xDA: ">H", 0xDB: ">I", 0xC4: ">B", 0xC5: ">H", 0xC6: ">I"}
    if t in lens:
        f = lens[t]
        w = struct.calcsize(f)
        n = struct.unpack(f, b[p:p + w])[0]
        p += w
        raw = bytes(b[p:p + n])
        if len(raw) != n:
            raise ValueError("truncated")
        return (raw if t in (0xC4, 0xC5, 0xC6) else raw.decode("utf-8", "surrogateescape")), p + n
    if t in (0xDC, 0xDD):
        w = 2 if t == 0xDC else 4
        n = int.from_bytes(b[p:p + w], "big")
        return _arr(b, p + w, n)
    if t in (0xDE, 0xDF):
        w = 2 if t == 0xDE else 4
        n = int.from_bytes(b[p:p + w], "big")
        return _map(b, p + w, n)
    raise ValueError("unsupported msgpack byte 0x%02x" % t)


def _arr(b, p, n):
    a = []
    for _ in range(n):
        v, p = _unpack(b, p)
        a.append(v)
    return a, p


def _map(b, p, n):
    m = {}
    for _ in range(n):
        k, p = _unpack(b, p)
        v, p = _unpack(b, p)
        m[k] = v
    return m, p


def entry_fields(entry_bytes):
    """[seq, time_ms, prev, act(bytes), sig, outcome] with the act decoded."""
    e = mp_unpack(entry_bytes)
    assert isinstance(e, list) and len(e) == 6
    return e[0], e[1], e[2], mp_unpack(e[3]), e[4], e[5]


# ---- acts ----

# A party key no one holds, of the suite of the ledgers under test
# (PDL_SUITE, tests/e2e/lib.sh): 32 zero bytes for Ed25519; for SM2 the
# curve's generator point G (GB/T 32918.5), 04 || x || y.
SM2_G = bytes.fromhex("04"
                      "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"
                      "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0")
DEFAULT_PK = base64.b64encode(SM2_G if os.environ.get("PDL_SUITE") == "sm2-sm3" else bytes(32)).decode()


def register_act(i, actor="authority", nonce=None, pk=None, roles=("provider",), pid=None):
    return {
        "type": "party.register",
        "actor": actor,
        "nonce": i if nonce is None else nonce,
        "body": {
            "id": pid or ("p%07d" % i),
            "name": "Party %d" % i,
            "uscc": uscc(i),
            "roles": list(roles),
            "public_key": pk or DEFAULT_PK,
        },
    }


def main(argv):
    cmd = argv[1]
    if cmd == "uscc":
        print(uscc(int(argv[2])))
    elif cmd == "bad-uscc":
        print(bad_uscc(int(argv[2])))
    elif cmd == "acts":
        prefix, nfiles, per, start = argv[2], int(argv[3]), int(argv[4]), int(argv[5])
        opts = dict(zip(argv[6::2], argv[7::2]))
        actor = opts.get("--actor", "authority")
        pk = opts.get("--pk")
        k = start
        for f in range(nfiles):
            acts = []
            for _ in range(per):
                acts.append(register_act(k, actor=actor, pk=pk))
                k += 1
            with open("%s%02d.json" % (prefix, f), "w") as fh:
                json.dump(acts, fh)
    elif cmd == "mp-act":
        with open(argv[2]) as fh:
            act = json.load(fh)
        opts = dict(zip(argv[4::2], argv[5::2]))
        if "v" not in act:
            act = dict([("v", int(opts.get("--v", 1)))] + list(act.items()))
        with open(argv[3], "wb") as fh:
            fh.write(mp_pack(act))
    elif cmd == "field":
        with open(argv[2]) as fh:
            line = fh.readline()
        v = json.loads(line).get(argv[3])
        print("" if v is None else (json.dumps(v) if isinstance(v, (dict, list, bool)) else v))
    elif cmd == "jl":
        fh = sys.stdin if argv[2] == "-" else open(argv[2])
        code = compile(argv[3], "<expr>", "eval")
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                o = json.loads(line)
            except ValueError:
                print("<not json>")
                continue
            v = eval(code, {"o": o, "json": json, "hashlib": hashlib, "base64": base64})
            print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)
    elif cmd == "sha256":
        with open(argv[2], "rb") as fh:
            print(hashlib.sha256(fh.read()).hexdigest())
    else:
        sys.exit("pdlgen.py: unknown command %s" % cmd)


if __name__ == "__main__":
    main(sys.argv)
