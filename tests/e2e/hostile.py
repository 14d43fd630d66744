#!/usr/bin/python3
"""hostile.py — damaged data directories and a lying pdld, for the readers' tests.

Auditors run pdl on data handed to them, so every reader must meet a hostile
store or server with a clean error. This builds the inputs, with Debian's
python3-lmdb and the standard library only:

  hostile.py store SRC OUT CASE   copy SRC/data.mdb (a ledger no pdld is
                                  writing) into the new directory OUT and
                                  damage it as CASE says
  hostile.py cases                list the store cases, one per line
  hostile.py serve SOCK           a fake pdld on the Unix socket SOCK
                                  (ipc://SOCK) whose replies are hostile
                                  (see serve()); runs until killed
  hostile.py submit SOCK ACT SIG  send one signed act (base64 act bytes and
                                  signature, as in an entry) to the pdld on
                                  ipc://SOCK with a REQ client of its own,
                                  not pdl's; print the result as JSON

The store cases (the log has at least 3 entries and a checkpoint):
  big-entry       entry 1 is 200,000 bytes
  big-genesis     entry 0 is 200,000 bytes
  truncated       entry 1 cut in half
  garbage         entry 1 is bytes that are no msgpack
  garbage-genesis entry 0 is bytes that are no msgpack
  node-short      leaf node (0, 1) is 31 bytes
  node-long       node (1, 0) is 100 bytes
  huge-head       the head says 2^64 - 1 entries
  head-short      the head record is 47 bytes
  ckpt-big        the newest checkpoint is 1 MiB
  ckpt-huge       a checkpoint stored under size 2^64 - 1
  ckpt-zero       a checkpoint stored under size 0, and none else
  ckpt-key        a checkpoint key of 3 bytes
  state-garbage   settle/ and evid/ records of garbage, and ones whose seq
                  points past the log or at the damaged entry 1 (which is
                  then garbage too)
"""
import base64
import hashlib
import json
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdlgen import mp_pack, mp_unpack  # noqa: E402

import lmdb  # noqa: E402

U64_MAX = 2 ** 64 - 1
DBS = (b"log", b"tree", b"meta", b"nonce", b"state", b"ckpt", b"blob")


def be64(n):
    return struct.pack(">Q", n)


def noise(n, seed=b"pdl"):
    """n deterministic bytes that are not msgpack (0xc1 is never used)."""
    out = bytearray()
    h = seed
    while len(out) < n:
        h = hashlib.sha256(h).digest()
        out += h
    out = bytes(out[:n])
    return b"\xc1" + out[1:]


def copy_store(src, out):
    os.mkdir(out, 0o700)
    with open(os.path.join(src, "data.mdb"), "rb") as f, open(os.path.join(out, "data.mdb"), "wb") as g:
        g.write(f.read())
    os.chmod(os.path.join(out, "data.mdb"), 0o600)
    env = lmdb.open(out, max_dbs=8, map_size=1 << 30)
    return env, {n.decode(): env.open_db(n) for n in DBS}


def tree_key(t, meta, level, index):
    """Node (level, index)'s key in the store's tree layout (spec/formats.md §9):
    layout 2 (meta tree_layout = 0x02) last leaf under it ‖ level, else level ‖ index."""
    if t.get(b"tree_layout", db=meta) == b"\x02":
        return be64(((index + 1) << level) - 1) + bytes([level])
    return bytes([level]) + be64(index)


def damage(t, db, case):
    log, tree, meta, ckpt, state = db["log"], db["tree"], db["meta"], db["ckpt"], db["state"]
    if case == "big-entry":
        t.put(be64(1), b"\x96" + noise(199999), db=log)
    elif case == "big-genesis":
        t.put(be64(0), b"\x96" + noise(199999), db=log)
    elif case == "truncated":
        e = t.get(be64(1), db=log)
        t.put(be64(1), e[:len(e) // 2], db=log)
    elif case == "garbage":
        t.put(be64(1), noise(300), db=log)
    elif case == "garbage-genesis":
        t.put(be64(0), noise(300), db=log)
    elif case == "node-short":
        assert t.get(tree_key(t, meta, 0, 1), db=tree) is not None
        t.put(tree_key(t, meta, 0, 1), bytes(31), db=tree)
    elif case == "node-long":
        assert t.get(tree_key(t, meta, 1, 0), db=tree) is not None
        t.put(tree_key(t, meta, 1, 0), bytes(100), db=tree)
    elif case == "huge-head":
        h = t.get(b"head", db=meta)
        t.put(b"head", be64(U64_MAX) + h[8:], db=meta)
    elif case == "head-short":
        t.put(b"head", t.get(b"head", db=meta)[:47], db=meta)
    elif case in ("ckpt-big", "ckpt-huge", "ckpt-zero"):
        cur = t.cursor(db=ckpt)
        cur.last()
        key, note = cur.key(), cur.value()
        if case == "ckpt-big":
            t.put(key, note + b"A" * (1 << 20), db=ckpt)
        elif case == "ckpt-huge":
            t.put(be64(U64_MAX), note, db=ckpt)
        else:
            for k in [k for k, _ in t.cursor(db=ckpt)]:
                t.delete(k, db=ckpt)
            t.put(be64(0), note, db=ckpt)
    elif case == "ckpt-key":
        t.put(b"abc", b"x", db=ckpt)
    elif case == "state-garbage":
        t.put(be64(1), noise(300), db=log)
        period = "2026-10"
        t.put(b"settle/garbage", noise(50), db=state)
        t.put(b"settle/past-end", mp_pack({"period": period, "seq": U64_MAX, "product_id": "p",
                                          "status": "run"}), db=state)
        t.put(b"settle/damaged", mp_pack({"period": period, "seq": 1, "product_id": "p", "status": "run"}),
              db=state)
        digest = hashlib.sha256(b"evidence\n").hexdigest()
        t.put(b"evid/garbage", noise(40), db=state)
        t.put(b"evid/past-end", mp_pack({"digest": digest, "seq": U64_MAX}), db=state)
        t.put(b"evid/damaged", mp_pack({"digest": digest, "seq": 1}), db=state)
    else:
        raise SystemExit("hostile.py: unknown case %s" % case)


CASES = ("big-entry", "big-genesis", "truncated", "garbage", "garbage-genesis", "node-short", "node-long",
         "huge-head", "head-short", "ckpt-big", "ckpt-huge", "ckpt-zero", "ckpt-key", "state-garbage")


def cmd_store(src, out, case):
    env, db = copy_store(src, out)
    with env.begin(write=True) as t:
        damage(t, db, case)
    env.close()


# ---- a lying pdld: NNG's SP protocol over ipc, written from the wire format
#
# Each side first sends 8 bytes: 00 'S' 'P' 00, the 16-bit protocol number
# (REP0 = 0x31; its peer REQ0 = 0x30), 00 00. Every message then travels as
# one byte 0x01, a 64-bit big-endian length, and that many bytes: for REQ/REP
# the 4-byte request id (high bit set), which the reply repeats, then the body.

def recv_exact(c, n):
    b = bytearray()
    while len(b) < n:
        r = c.recv(n - len(b))
        if not r:
            raise EOFError
        b += r
    return bytes(b)


def reply_for(req):
    op = req.get("op")
    if op == "head":
        return {"size": 3, "time_ms": 0, "chain": bytes(32), "blob_max": 0, "ledger_id": bytes(32)}
    if op == "get":
        seq = req.get("seq")
        if seq == 1:
            return {"entry": b"\x96" + noise(199999)}  # over PDL_ENTRY_BYTES_MAX
        if seq == 2:
            return {"entry": noise(10)}
        return {"entry": noise(64)}
    if op == "checkpoint":
        return {"note": "x" * 100000}  # over PDL_NOTE_BYTES_MAX
    if op == "inclusion":
        return {"leaf_hash": bytes(32), "proof": [bytes(32)] * 1000}  # over the longest proof
    if op == "consistency":
        return {"proof": [bytes(31)]}  # a hash of the wrong size
    if op == "range":
        return {"from": 0, "entries": [noise(64)] * 3}
    return {"error": "PDL_EPROTO", "message": "no such op here"}


def serve(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(8)
    print("listening", flush=True)
    while True:
        c, _ = s.accept()
        try:
            c.sendall(b"\x00SP\x00\x00\x31\x00\x00")
            hdr = recv_exact(c, 8)
            if hdr[:4] != b"\x00SP\x00" or hdr[4:6] != b"\x00\x30":
                c.close()
                continue
            while True:
                h = recv_exact(c, 9)
                if h[0] != 1:
                    break
                msg = recv_exact(c, struct.unpack(">Q", h[1:])[0])
                rid, body = msg[:4], msg[4:]
                try:
                    req = mp_unpack(body)
                except (ValueError, IndexError):
                    req = {}
                rep = rid + mp_pack(reply_for(req if isinstance(req, dict) else {}))
                c.sendall(b"\x01" + be64(len(rep)) + rep)
        except (EOFError, OSError):
            pass
        finally:
            c.close()


def bin_to_b64(v):
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(v).decode()
    if isinstance(v, dict):
        return {k: bin_to_b64(x) for k, x in v.items()}
    if isinstance(v, list):
        return [bin_to_b64(x) for x in v]
    return v


def submit(path, act_b64, sig_b64):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(30)
    c.connect(path)
    c.sendall(b"\x00SP\x00\x00\x30\x00\x00")
    hdr = recv_exact(c, 8)
    if hdr[:4] != b"\x00SP\x00" or hdr[4:6] != b"\x00\x31":
        raise SystemExit("hostile.py: the peer is not a REP socket")
    body = mp_pack({"op": "submit", "acts": [{"act": base64.b64decode(act_b64), "sig": base64.b64decode(sig_b64)}]})
    msg = b"\x80\x00\x00\x01" + body
    c.sendall(b"\x01" + be64(len(msg)) + msg)
    h = recv_exact(c, 9)
    rep = recv_exact(c, struct.unpack(">Q", h[1:])[0])
    c.close()
    if rep[:4] != b"\x80\x00\x00\x01":
        raise SystemExit("hostile.py: the reply is for another request")
    r = mp_unpack(rep[4:])
    print(json.dumps(bin_to_b64(r["results"][0] if "results" in r else r)))


def main(argv):
    if len(argv) == 2 and argv[1] == "cases":
        print("\n".join(CASES))
    elif len(argv) == 5 and argv[1] == "store":
        cmd_store(argv[2], argv[3], argv[4])
    elif len(argv) == 3 and argv[1] == "serve":
        serve(argv[2])
    elif len(argv) == 5 and argv[1] == "submit":
        submit(argv[2], argv[3], argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
