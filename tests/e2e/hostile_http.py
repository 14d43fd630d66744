#!/usr/bin/python3
"""hostile_http.py — a hostile client against one of pdl's HTTP listeners.

  hostile_http.py HOST:PORT --pid PID [--honest PATH] [--kind public|private|pdld]
                  [--secret TEXT]... [--only NAME,...] [--scale N]

Runs each attack below against HOST:PORT (loopback only) while an honest
client asks PATH once every 50 ms on fresh connections; after each attack
it prints one line: the attack's name, the honest requests answered (any
answer with --honest-status, default 200, counts) out of those tried, PID's
VmRSS/RssAnon in KiB before and after, whether PID is still alive, and
what the attack itself saw. Every loop is bounded in count and time.

On a public listener, --secret TEXT makes every answer of every attack be
searched for TEXT (a private value must never appear there).

Exit status: 0 when PID survived every attack and no secret leaked, else 1.
The attacks are a probe, not a test: the numbers (honest success rates,
memory) are for a person to judge.
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

ARGS = None
SEEN = []          # every answer byte string an attack read (secret scan)
SEEN_MU = threading.Lock()


def note(b):
	with SEEN_MU:
		SEEN.append(b)


def mem(pid):
	out = {}
	try:
		for line in open("/proc/%d/status" % pid):
			k, _, v = line.partition(":")
			if k in ("VmRSS", "RssAnon"):
				out[k] = int(v.split()[0])
	except OSError:
		pass
	return out


def alive(pid):
	try:
		os.kill(pid, 0)
		st = open("/proc/%d/stat" % pid).read().split(")")[-1].split()[0]
		return st != "Z"
	except OSError:
		return False


def conn(timeout=5):
	s = socket.create_connection((ARGS.host, ARGS.port), timeout=timeout)
	return s


def read_all(s, limit=4 << 20, timeout=5):
	s.settimeout(timeout)
	buf = b""
	try:
		while len(buf) < limit:
			b = s.recv(65536)
			if not b:
				break
			buf += b
	except (socket.timeout, OSError):
		pass
	note(buf)
	return buf


def one(raw, timeout=5):
	"""Sends raw on a fresh connection, half-closes, reads all."""
	try:
		s = conn(timeout)
		s.sendall(raw)
		try:
			s.shutdown(socket.SHUT_WR)
		except OSError:
			pass
		b = read_all(s, timeout=timeout)
		s.close()
		return b
	except OSError as e:
		return ("ERR " + str(e)).encode()


def status(b):
	if b.startswith(b"HTTP/1."):
		try:
			return int(b[9:12])
		except ValueError:
			return -1
	return 0 if not b else -1


def statuses(b):
	"""The status of every answer in a byte string."""
	out, i = [], 0
	while True:
		j = b.find(b"HTTP/1.1 ", i)
		if j < 0:
			return out
		try:
			out.append(int(b[j + 9:j + 12]))
		except ValueError:
			pass
		i = j + 9


class Honest(threading.Thread):
	def __init__(self):
		super().__init__(daemon=True)
		self.ok = self.tried = 0
		self.stop = threading.Event()
		self.worst_ms = 0

	def run(self):
		while not self.stop.is_set():
			self.tried += 1
			t0 = time.monotonic()
			b = one(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % ARGS.honest).encode(), timeout=3)
			if status(b) == ARGS.honest_status:
				self.ok += 1
			self.worst_ms = max(self.worst_ms, int((time.monotonic() - t0) * 1000))
			self.stop.wait(0.05)


ATTACKS = []


def attack(fn):
	ATTACKS.append(fn)
	return fn


# ---- slow and idle ----

@attack
def slowloris():
	"""20 connections send a head one byte a second for up to 14 s."""
	socks = []
	for _ in range(20):
		try:
			socks.append(conn())
		except OSError:
			pass
	head = b"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 40 + b"\r\n\r\n"
	closed_at = {}
	t0 = time.monotonic()
	for i in range(14):
		for k, s in enumerate(socks):
			if k in closed_at:
				continue
			try:
				s.send(head[i:i + 1])
			except OSError:
				closed_at[k] = i
		time.sleep(1)
	ans = []
	for s in socks:
		s.setblocking(False)
		try:
			ans.append(status(s.recv(4096)))
		except OSError:
			ans.append("closed")
		s.close()
	return "closed by server after %s s; first answers %s; %.0f s" % (
		sorted(set(closed_at.values())), sorted(set(map(str, ans))), time.monotonic() - t0)


@attack
def idle_flood():
	"""As many idle connections as ARGS.scale (default 3000), held 5 s."""
	socks, refused = [], 0
	for _ in range(ARGS.scale):
		try:
			s = socket.socket()
			s.settimeout(2)
			s.connect((ARGS.host, ARGS.port))
			socks.append(s)
		except OSError:
			refused += 1
	time.sleep(5)
	# how many did the server already close (an EOF or a 503 waiting)?
	shut = 0
	for s in socks:
		s.setblocking(False)
		try:
			b = s.recv(4096)
			note(b)
			if b == b"" or b.startswith(b"HTTP/"):
				shut += 1
		except BlockingIOError:
			pass
		except OSError:
			shut += 1
	for s in socks:
		s.close()
	return "%d opened, %d refused at connect, %d closed/answered by server within 5 s" % (len(socks), refused, shut)


@attack
def connect_close_10000():
	"""10,000 connects closed at once (half with RST)."""
	n, err = 0, 0
	t0 = time.monotonic()
	for i in range(10000):
		try:
			s = socket.socket()
			if i % 2:
				s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
			s.connect((ARGS.host, ARGS.port))
			s.close()
			n += 1
		except OSError:
			err += 1
		if time.monotonic() - t0 > 60:
			break
	return "%d done, %d errors, %.1f s" % (n, err, time.monotonic() - t0)


# ---- floods ----

@attack
def pipeline_never_read():
	"""50 connections each pipeline 2,000 GETs of the big route and never read."""
	req = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % ARGS.big).encode()
	socks = []
	for _ in range(50):
		try:
			s = conn()
			s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
			s.setblocking(False)
			socks.append(s)
		except OSError:
			pass
	sent = 0
	peak = 0
	t0 = time.monotonic()
	for _ in range(2000):
		for s in socks:
			try:
				s.send(req)
				sent += 1
			except OSError:
				pass
		if time.monotonic() - t0 > 8:
			break
	for _ in range(10):
		peak = max(peak, mem(ARGS.pid).get("RssAnon", 0))
		time.sleep(0.5)
	for s in socks:
		s.close()
	return "%d requests sent, peak RssAnon %d KiB" % (sent, peak)


@attack
def pipeline_read_slowly():
	"""A pipeline of 500 requests, read 1 KiB every 20 ms for 5 s."""
	s = conn()
	s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
	s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % ARGS.honest).encode() * 500)
	got = 0
	t0 = time.monotonic()
	s.settimeout(1)
	try:
		while time.monotonic() - t0 < 5:
			b = s.recv(1024)
			if not b:
				break
			got += len(b)
			time.sleep(0.02)
	except OSError:
		pass
	s.close()
	return "%d bytes read" % got


# ---- heads ----

def head_case(name, raw, timeout=5):
	b = one(raw, timeout)
	return "%s:%s" % (name, statuses(b) or [status(b)] if b and not b.startswith(b"ERR") else b[:60])


@attack
def big_heads():
	out = []
	out.append(head_case("line-100k", b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"))
	out.append(head_case("hdr-100k", b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 100000 + b"\r\n\r\n"))
	out.append(head_case("hdr-8190", b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 8150 + b"\r\n\r\n"))
	out.append(head_case("5000-hdrs", b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 5000 + b"\r\n"))
	out.append(head_case("500-hdrs", b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 500 + b"\r\n"))
	out.append(head_case("host-300", b"GET / HTTP/1.1\r\nHost: " + b"h" * 300 + b"\r\n\r\n"))
	out.append(head_case("host-html", b"GET / HTTP/1.1\r\nHost: \"><script>alert(1)</script>\r\nAccept: text/html\r\n\r\n"))
	out.append(head_case("two-hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"))
	out.append(head_case("no-host-11", b"GET / HTTP/1.1\r\n\r\n"))
	out.append(head_case("obs-fold", b"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n  b\r\n\r\n"))
	out.append(head_case("bare-lf", b"GET / HTTP/1.1\nHost: x\n\n"))
	out.append(head_case("bare-cr", b"GET / HTTP/1.1\rHost: x\r\r\n\r\n"))
	out.append(head_case("space-colon", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n"))
	out.append(head_case("nul-hdr", b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n"))
	out.append(head_case("ctl-hdr", b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x01\x7fb\r\n\r\n"))
	out.append(head_case("8bit-hdr", b"GET / HTTP/1.1\r\nHost: x\r\nX: \xff\xfe\xe4\xb8\xad\r\n\r\n"))
	return " ".join(out)


@attack
def bodies_and_smuggling():
	out = []
	H = b"Host: x\r\n"
	cases = {
		"cl+te": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /v1/nope HTTP/1.1\r\nHost: x\r\n\r\n",
		"two-cl": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Content-Length: 3\r\nContent-Length: 40\r\n\r\nabc",
		"cl-list": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Content-Length: 3, 3\r\n\r\nabc",
		"cl-neg": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Content-Length: -1\r\n\r\n",
		"cl-plus": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Content-Length: +3\r\n\r\nabc",
		"cl-huge": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Content-Length: 99999999999999999999999\r\n\r\n",
		"cl-hex": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Content-Length: 0x10\r\n\r\n",
		"get-cl": b"GET / HTTP/1.1\r\n" + H + b"Content-Length: 30\r\n\r\nGET /v1/nope HTTP/1.1\r\n\r\n",
		"get-cl0": b"GET / HTTP/1.1\r\n" + H + b"Content-Length: 0\r\n\r\nGET / HTTP/1.1\r\n" + H + b"\r\n",
		"te-bad-hex": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
		"te-huge": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nabc\r\n0\r\n\r\n",
		"te-ext-long": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n3;" + b"x" * 20000 + b"\r\nabc\r\n0\r\n\r\n",
		"te-no-crlf": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcXX0\r\n\r\n",
		"te-trailer-flood": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\n" + b"X: y\r\n" * 5000 + b"\r\n",
		"te-gzip-chunked": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
		"te-chunked-gzip": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
		"te-case": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Transfer-Encoding: ChUnKeD\r\n\r\n0\r\n\r\n",
		"te-10": b"POST /v1/acts HTTP/1.0\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"te-space": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
		"te-twice": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n",
		"expect": b"POST /v1/acts HTTP/1.1\r\n" + H + b"Expect: 100-continue\r\nContent-Length: 2\r\n\r\n[]",
	}
	for name, raw in cases.items():
		b = one(raw, 3)
		out.append("%s:%s" % (name, statuses(b) or [b[:40]]))
		# a smuggled second request must never be answered as its own
		if name in ("cl+te", "get-cl") and len(statuses(b)) > 1:
			out.append("SMUGGLED(%s)" % name)
	return " ".join(out)


@attack
def targets():
	"""Traversal, encodings, NUL and 8-bit bytes, absurd numbers, queries."""
	paths = [b"/../../../../etc/passwd", b"/%2e%2e/%2e%2e/etc/passwd", b"//etc/passwd", b"/v1//grants",
	         b"/assets/../../../etc/passwd", b"/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd", b"/assets/..%2f..%2fMakefile",
	         b"/v1/grants/%00", b"/v1/grants/a%00b", b"/v1/\x00", b"/v1/\xff\xfe", b"/v1/%ff%fe", b"/v1/grants/%",
	         b"/v1/grants/%zz", b"/v1/grants/%2", b"/%76%31/", b"/v1/entries/18446744073709551616",
	         b"/v1/entries/18446744073709551615", b"/v1/entries/-0", b"/v1/entries/007", b"/v1/entries/1e3",
	         b"/v1/entries/0x10", b"/v1/entries/+1", b"/v1/entries/ 1", b"/v1/entries/1%20", b"/v1/entries/%31",
	         b"/v1/feed?limit=1e3", b"/v1/feed?limit=0010", b"/v1/feed?after=18446744073709551615",
	         b"/v1/feed?after=18446744073709551616", b"/v1/feed?limit=5&limit=6", b"/v1/feed?&&&", b"/v1/feed?=",
	         b"/v1/feed?limit", b"/v1/feed?%00=1", b"/v1/?" + b"a=1&" * 1000, b"/v1/feed#frag", b"*",
	         b"http://evil/v1/", b"/v1/proof/0/18446744073709551615", b"/v1/consistency/18446744073709551615/1",
	         b"/v1/checkpoint?x=1", b"/v1/head?x=1", b"/metrics?x=1", b"/v1/entries/1?x=1",
	         b"/v1/tiles/../../x", b"/tile/0/000", b"/tile/0/x999/000", b"/tile/99/000", b"/tile/0/000.p/256",
	         b"/tile/0/000.p/0", b"/tile/0/" + b"x001/" * 200 + b"000"]
	out = {}
	for p in paths:
		b = one(b"GET " + p + b" HTTP/1.1\r\nHost: x\r\n\r\n", 3)
		st = status(b)
		out.setdefault(st, []).append(p[:40])
		if b"root:x:0:0" in b or b"# pdl" in b[:200] and b"Makefile" in p:
			out.setdefault("TRAVERSAL", []).append(p)
	return "; ".join("%s x%d" % (k, len(v)) + (" %r" % v[:6] if k in (200, 0, -1, 500, "TRAVERSAL") else "")
	                 for k, v in sorted(out.items(), key=str))


@attack
def methods_and_versions():
	out = []
	cases = {
		"HEAD": b"HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n" % ARGS.honest.encode(),
		"OPTIONS": b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
		"OPTIONS-path": b"OPTIONS /v1/ HTTP/1.1\r\nHost: x\r\nOrigin: http://e\r\nAccess-Control-Request-Method: GET\r\n\r\n",
		"TRACE": b"TRACE / HTTP/1.1\r\nHost: x\r\n\r\n",
		"CONNECT": b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n",
		"BREW": b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n",
		"lower-get": b"get / HTTP/1.1\r\nHost: x\r\n\r\n",
		"long-method": b"G" * 5000 + b" / HTTP/1.1\r\nHost: x\r\n\r\n",
		"http09": b"GET /\r\n",
		"http10": b"GET / HTTP/1.0\r\n\r\n",
		"http12": b"GET / HTTP/1.2\r\nHost: x\r\n\r\n",
		"http20": b"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
		"http-9.9": b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
		"h2-preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00",
		"tls-hello": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 160,
		"garbage": os.urandom(3000).replace(b"\r\n\r\n", b"xxxx"),
		"crlf-only": b"\r\n" * 3000,
		"two-spaces": b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
		"tab-sep": b"GET\t/\tHTTP/1.1\r\nHost: x\r\n\r\n",
		"upgrade-h2c": b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
	}
	for name, raw in cases.items():
		b = one(raw, 3)
		out.append("%s:%s" % (name, statuses(b) or [b[:30]]))
	return " ".join(out)


@attack
def half_close_and_rst():
	out = []
	# a request then SHUT_WR: the answer must still come
	b = one(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % ARGS.honest).encode(), 3)
	out.append("half-closed:%s" % statuses(b))
	# RST in the middle of a large answer, 200 times
	for _ in range(200):
		try:
			s = conn()
			s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
			s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % ARGS.big).encode() * 20)
			s.recv(100)
			s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
			s.close()
		except OSError:
			pass
	out.append("rst-mid-answer x200 done")
	# half a head, then FIN
	b = one(b"GET / HTTP/1.1\r\nHo", 3)
	out.append("half-head+FIN:%s" % (statuses(b) or [b[:20]]))
	return " ".join(out)


def main():
	global ARGS
	p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	p.add_argument("addr")
	p.add_argument("--pid", type=int, required=True)
	p.add_argument("--honest", default="/v1/")
	p.add_argument("--honest-status", type=int, default=200, help="the status an honest request must get")
	p.add_argument("--big", default=None, help="a route with a large answer (default: --honest)")
	p.add_argument("--secret", action="append", default=[])
	p.add_argument("--only", default="")
	p.add_argument("--scale", type=int, default=3000)
	ARGS = p.parse_args()
	host, _, port = ARGS.addr.rpartition(":")
	assert host in ("127.0.0.1", "localhost", "::1"), "loopback only"
	ARGS.host, ARGS.port = host, int(port)
	ARGS.big = ARGS.big or ARGS.honest
	only = set(filter(None, ARGS.only.split(",")))
	bad = 0
	for fn in ATTACKS:
		if only and fn.__name__ not in only:
			continue
		if not alive(ARGS.pid):
			print("%-22s SKIPPED: the server is gone" % fn.__name__)
			bad = 1
			continue
		m0 = mem(ARGS.pid)
		h = Honest()
		h.start()
		t0 = time.monotonic()
		try:
			what = fn()
		except Exception as e:  # the attack itself broke: say so, go on
			what = "ATTACK ERROR %r" % e
		h.stop.set()
		h.join()
		time.sleep(0.3)
		m1 = mem(ARGS.pid)
		ok = alive(ARGS.pid)
		bad |= not ok
		print("%-22s honest %d/%d (worst %d ms)  RssAnon %s->%s KiB  %s  %.1fs | %s" % (
			fn.__name__, h.ok, h.tried, h.worst_ms, m0.get("RssAnon"), m1.get("RssAnon"),
			"alive" if ok else "DEAD", time.monotonic() - t0, what), flush=True)
	for sec in ARGS.secret:
		with SEEN_MU:
			hit = [b for b in SEEN if sec.encode() in b]
		if hit:
			print("LEAK: %r in %d answers, e.g. %r" % (sec, len(hit), hit[0][:300]))
			bad = 1
	print("done: server %s" % ("alive" if alive(ARGS.pid) else "DEAD"))
	return bad


if __name__ == "__main__":
	sys.exit(main())
