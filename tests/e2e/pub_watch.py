#!/usr/bin/python3
"""pub_watch.py — a SUB client of its own (not pdl's) on pdld's PUB socket.

    pub_watch.py SOCKPATH OUTDIR

Connects to ipc://SOCKPATH as an NNG SUB0 peer (the SP header: 00 'S' 'P' 00,
protocol 0x21 SUB0, its peer PUB0 0x20; each message one byte 0x01, a
64-bit big-endian length and the bytes) and writes the note of every
checkpoint message (topic 'c', msgpack {size, note}) to OUTDIR/c-<n>, in
the order they come. Runs until killed (or the socket closes).
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile import mp_unpack, recv_exact  # noqa: E402

path, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for _ in range(100):
    try:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(path)
        break
    except OSError:
        time.sleep(0.1)
c.sendall(b"\x00SP\x00\x00\x21\x00\x00")
hdr = recv_exact(c, 8)
if hdr[:4] != b"\x00SP\x00" or hdr[4:6] != b"\x00\x20":
    sys.exit("pub_watch.py: the peer is not a PUB socket")
open(os.path.join(out, "ready"), "w").close()
n = 0
try:
    while True:
        h = recv_exact(c, 9)
        msg = recv_exact(c, struct.unpack(">Q", h[1:])[0])
        if msg[:1] == b"c":
            m = mp_unpack(msg[1:])
            n += 1
            tmp = os.path.join(out, ".c-%d" % n)
            with open(tmp, "w") as f:
                f.write(m["note"])
            os.rename(tmp, os.path.join(out, "c-%d" % n))
except (EOFError, OSError):
    pass
