#!/usr/bin/python3
"""hostile_witness.py — a witness that lies, stalls and floods, for t_103.

    hostile_witness.py PORT NAME KEYFILE MODES

Listens on 127.0.0.1:PORT and answers each POST /add-checkpoint with the
next behaviour of MODES (a comma list, used in turn, over and over), one
request per connection:

  wrongsig   200 with a cosignature line of NAME's key ID and a random signature
  otherkey   200 with a valid cosignature by another key under NAME
  zerotime   200 with a valid cosignature by KEYFILE's key whose timestamp is 0
  garbage    200 with bytes that are no signature line
  slow       reads the request and answers nothing for 60 s
  trickle    sends a status line, then one byte a second
  endless    200 without a length, then bytes until the client leaves
  chunks     200 chunked, chunks until the client leaves
  biglength  200 with Content-Length: 10^12, and a few bytes
  redirect   307 to itself (a redirect loop, if one followed it)
  bad409     409 with a body that is no size
  huge409    409 "1000000000\\n": a size beyond the ledger's
  good       a correct cosignature by KEYFILE's key (cosignature/v1)

KEYFILE is a pdl key file (pdl witness keygen). Runs until killed.
"""
import os
import socket
import socketserver
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import c2sp  # noqa: E402

PORT, NAME, KEYFILE, MODES = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4].split(",")
COSIGNER = c2sp.Cosigner(NAME, c2sp.load_pdl_key(KEYFILE))
OTHER = c2sp.Cosigner(NAME)
LOCK = threading.Lock()
COUNT = [0]


def next_mode():
    with LOCK:
        m = MODES[COUNT[0] % len(MODES)]
        COUNT[0] += 1
    return m


def read_request(f):
    """The request's body (by Content-Length), or None."""
    length = 0
    line = f.readline(65536)
    if not line:
        return None
    while True:
        h = f.readline(65536)
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    return f.read(length)


def note_text(body):
    note = body.decode().split("\n\n", 1)[1]
    return c2sp.split_note(note)[0]


class Handler(socketserver.StreamRequestHandler):
    def send(self, status, body=b"", ctype="text/plain", extra=""):
        head = "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%sConnection: close\r\n\r\n" % (
            status, ctype, len(body), extra)
        self.wfile.write(head.encode() + body)

    def handle(self):
        try:
            body = read_request(self.rfile)
            if body is None:
                return
            mode = next_mode()
            text = note_text(body)
            if mode == "wrongsig":
                raw = c2sp.key_id(NAME, 0x04, COSIGNER.pk) + struct.pack(">Q", int(time.time())) + os.urandom(64)
                self.send("200 OK", ("%s %s %s\n" % (c2sp.EM, NAME, c2sp.b64(raw))).encode())
            elif mode == "otherkey":
                self.send("200 OK", OTHER.sig_line(text).encode())
            elif mode == "zerotime":
                self.send("200 OK", COSIGNER.sig_line(text, ts=0).encode())
            elif mode == "garbage":
                self.send("200 OK", b"\x00\xffnot a signature line at all\r\n" + os.urandom(200))
            elif mode == "slow":
                time.sleep(60)
            elif mode == "trickle":
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for _ in range(60):
                    self.wfile.write(b"X")
                    self.wfile.flush()
                    time.sleep(1)
            elif mode == "endless":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
                chunk = (c2sp.EM + " x ").encode() * 2000
                while True:
                    self.wfile.write(chunk)
            elif mode == "chunks":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                while True:
                    self.wfile.write(b"1000\r\n" + b"y" * 4096 + b"\r\n")
            elif mode == "biglength":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\nabc")
                time.sleep(5)
            elif mode == "redirect":
                self.send("307 Temporary Redirect", b"", extra="Location: http://127.0.0.1:%d/add-checkpoint\r\n" % PORT)
            elif mode == "bad409":
                self.send("409 Conflict", b"not a size", ctype="text/x.tlog.size")
            elif mode == "huge409":
                self.send("409 Conflict", b"1000000000\n", ctype="text/x.tlog.size")
            else:  # good
                self.send("200 OK", COSIGNER.sig_line(text).encode())
        except (OSError, ValueError, IndexError):
            pass  # the client left (as it should, from the endless ones)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    with Server(("127.0.0.1", PORT), Handler) as srv:
        srv.serve_forever()
