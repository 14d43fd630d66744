#!/usr/bin/python3
"""gen_tlog_corpus.py — the seed corpus of fuzz_tlog (tests/fuzz/corpus/tlog/).

    gen_tlog_corpus.py OUTDIR

Deterministic (Ed25519 signatures are): the fuzz ledger key (32 bytes 0xa5,
fuzz.h) signs the add-checkpoint seeds, so the fuzzer starts behind a valid
signature. One file per seed: a selector byte (fuzz_tlog.c), then the input.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import c2sp  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
sk = Ed25519PrivateKey.from_private_bytes(bytes([0xA5]) * 32)
log = c2sp.Log("fuzz.example/pdl", c2sp.Signer("fuzz.example/pdl", sk))
co = c2sp.Cosigner("fuzz.example/pdl", sk)
seeds = {}
log.grow(5)
seeds["add-old0"] = b"\x00" + c2sp.add_checkpoint_body(0, [], log.checkpoint())
log.grow(8)
seeds["add-proof"] = b"\x00" + c2sp.add_checkpoint_body(5, log.proof(5), log.checkpoint(ext=["ext line"]))
t = log.text()
seeds["add-cosig"] = b"\x00" + c2sp.add_checkpoint_body(13, [], t + "\n" + co.sig_line(t, ts=1700000000))
w = c2sp.Cosigner("w.example/1", Ed25519PrivateKey.from_private_bytes(bytes([0x11]) * 32))
seeds["policy"] = b"\x01" + ("# p\nlog %s https://l/\nwitness A %s http://a/\nwitness B %s\ngroup G any A B\n"
                             "group H all G A\nquorum H\n" % (log.signer.vkey(), w.vkey(),
                                                            c2sp.Cosigner("w.example/2", sk).vkey())).encode()
seeds["request"] = b"\x02POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n"
seeds["request-chunked"] = b"\x02POST / HTTP/1.0\nTransfer-Encoding: chunked\nConnection: keep-alive\n\n"
seeds["response"] = b"\x03HTTP/1.1 409 Conflict\r\nContent-Type: text/x.tlog.size\r\nContent-Length: 3\r\n\r\n"
seeds["chunks"] = b"\x04\x03\x10" + b"5;x=y\r\nhello\r\n3\r\nabc\r\n0\r\nT: v\r\n\r\n"
seeds["url"] = b"\x05https://[::1]:8443/prefix/"
seeds["vkey"] = b"\x06" + w.vkey().encode()
for name, data in seeds.items():
    with open(os.path.join(out, "seed-" + name), "wb") as f:
        f.write(data)
print("gen_tlog_corpus: %d seeds in %s" % (len(seeds), out))
