"""browser_check.py — the pages of a running pdl-project in headless Chromium
(t_62_browser; issue 16). Prints "ok - " / "not ok - " lines.

    browser_check.py --chromium /usr/bin/chromium --base http://127.0.0.1:PORT
                     --sm2-base http://127.0.0.1:PORT2
                     --deposited FILE --other FILE --private FILE --hostile-seq N
                     --hostile-text TEXT --ledger-key FILE --shots DIR --tmp DIR

Chromium runs once, with every request going through a proxy of this
script's (--proxy-server, loopback included), which logs each request
and, when told, alters what pdl-project answers:
  clean       the page of the demo: a verified checkpoint and ✓ on every
              item; screenshots at 1400 and 400 px; at 400 px no element
              is wider than the viewport (measured in the DOM), on the
              page, /metrics, an entry page and /verify;
  /verify     a deposited file shows its deposit, verified; a file nobody
              deposited, and one deposited privately (with its blob), say
              "not deposited";
  hostile     an entry whose party name and subject are markup shows them
              as text and runs nothing;
  one proof   one bit of one inclusion proof altered: ✗ on exactly the
              items of that entry, ✓ on the rest;
  checkpoint  one bit of the checkpoint's root altered: ✗ on the
              checkpoint and on every item;
  reshape     the checkpoint with the old "chain" extension line if
              pdld writes none, without it if pdld writes one, signed
              again with the ledger key (--ledger-key): ✓ all the same;
  sm2         the page and an entry page of the same scenario on a ledger
              of the SM2/SM3 suite (--sm2-base, a second pdl-project):
              "not checked", neither ✓ nor ✗;
and at the end, no request left 127.0.0.1.
"""
import argparse
import base64
import hashlib
import html.parser
import http.client
import http.server
import json
import os
import sys
import threading
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, CDPError  # noqa: E402

ap = argparse.ArgumentParser()
for a in ("chromium", "base", "deposited", "other", "private", "hostile-text", "shots", "tmp"):
    ap.add_argument("--" + a, required=True)
ap.add_argument("--hostile-seq", type=int, required=True)
ap.add_argument("--sm2-base", required=True)  # the scenario on an sm2-sm3 ledger
ap.add_argument("--ledger-key", required=True)  # the fixture's (public, demo only): to re-sign a reshaped checkpoint
A = ap.parse_args()
BASE = A.base.rstrip("/")
HOSTPORT = urllib.parse.urlsplit(BASE).netloc
SM2_BASE = A.sm2_base.rstrip("/")
HOSTPORTS = (HOSTPORT, urllib.parse.urlsplit(SM2_BASE).netloc)

failures = 0


def check(desc, ok, *detail):
    global failures
    print(("ok - " if ok else "not ok - ") + desc)
    if not ok:
        failures += 1
        for d in detail:
            print("#   " + str(d)[:600])
    return ok


# ---- the proxy: logs every request, forwards loopback ones, may tamper ----

class Proxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.mode = None  # None | ("proof", seq) | "checkpoint" | "reshape"
        self.chain_line = None  # reshape: whether the reshaped note has the chain line
        self.log = []     # (method, target)
        self.tampered = 0
        self.lock = threading.Lock()


def resign_other_shape(note):
    """The note with its extension lines toggled — the old "chain" line
    dropped when it is there, one added when it is not — and signed again
    with the ledger key: a checkpoint of the other shape, as valid."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives import serialization
    text = open(A.ledger_key).read().split("\n")
    assert text[0] == "pdl-ed25519-v1"
    sk = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text[1]))
    pub = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    body = note[:note.index("\n\n") + 1].split("\n")[:-1]
    name = body[0]
    body = body[:3] if len(body) > 3 else body + ["chain " + base64.b64encode(bytes(32)).decode()]
    signed = "\n".join(body) + "\n"
    key_id = hashlib.sha256(name.encode() + b"\n\x01" + pub).digest()[:4]
    sig = base64.b64encode(key_id + sk.sign(signed.encode())).decode()
    return signed + "\n\u2014 " + name + " " + sig + "\n", len(body) > 3


def flip_b64(s):
    b = bytearray(base64.b64decode(s))
    b[0] ^= 1
    return base64.b64encode(bytes(b)).decode()


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _refuse(self, why):
        body = why.encode()
        self.send_response(403)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_CONNECT(self):
        with self.server.lock:
            self.server.log.append(("CONNECT", self.path))
        self._refuse("no tunnels in this test")

    def do_GET(self):
        with self.server.lock:
            self.server.log.append(("GET", self.path))
        u = urllib.parse.urlsplit(self.path)
        if u.scheme != "http" or u.netloc not in HOSTPORTS:
            self._refuse("only %s in this test" % " and ".join(HOSTPORTS))
            return
        target = u.path + ("?" + u.query if u.query else "")
        c = http.client.HTTPConnection(u.netloc, timeout=30)
        try:
            c.request("GET", target, headers={"Host": u.netloc, "Accept": self.headers.get("Accept", "*/*")})
            r = c.getresponse()
            body = r.read()
            headers = [(k, v) for k, v in r.getheaders()
                       if k.lower() not in ("content-length", "connection", "transfer-encoding")]
            status = r.status
        finally:
            c.close()
        body = self._tamper(u, body)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _tamper(self, u, body):
        mode = self.server.mode
        q = urllib.parse.parse_qs(u.query)
        try:
            if isinstance(mode, tuple) and mode[0] == "proof" and u.path == "/v1/proof/inclusion" and \
                    q.get("index") == [str(mode[1])]:
                d = json.loads(body)
                d["proof"][0] = flip_b64(d["proof"][0])
            elif mode == "reshape" and u.path == "/v1/checkpoint":
                d = json.loads(body)
                d["note"], self.server.chain_line = resign_other_shape(d["note"])
            elif mode == "checkpoint" and u.path == "/v1/checkpoint":
                d = json.loads(body)
                lines = d["note"].split("\n")
                lines[2] = flip_b64(lines[2])
                d["note"] = "\n".join(lines)
                d["root"] = lines[2]
            else:
                return body
        except (ValueError, KeyError, IndexError):
            return body
        with self.server.lock:
            self.server.tampered += 1
        return json.dumps(d).encode()


proxy = Proxy()
threading.Thread(target=proxy.serve_forever, daemon=True).start()
PROXY = "127.0.0.1:%d" % proxy.server_address[1]

# ---- what the page looks like without a browser: readable, no inline script ----

r = urllib.request.urlopen(BASE + "/", timeout=30)
raw = r.read().decode()
csp = r.headers.get("Content-Security-Policy", "")


class Scan(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.inline_scripts, self.script_srcs, self.rows, self.noscript, self.handlers = 0, [], 0, 0, []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            if a.get("src"):
                self.script_srcs.append(a["src"])
            else:
                self._in_script = True
        if tag == "tr" and a.get("id"):
            self.rows += 1
        if tag == "noscript":
            self.noscript += 1
        self.handlers += [k for k in a if k.startswith("on")]

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, d):
        if self._in_script and d.strip():
            self.inline_scripts += 1


s = Scan()
s.feed(raw)
check("without JavaScript the page lists its %d items (server-rendered) and says verification needs it" % s.rows,
      s.rows >= 10 and s.noscript >= 1)
check("the page has no inline script or event handler; its one script is /assets/pdl.js",
      s.inline_scripts == 0 and not s.handlers and s.script_srcs == ["/assets/pdl.js"], s.script_srcs, s.handlers)
check("the public listener sends a Content-Security-Policy that runs only this origin's script files",
      "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp, csp)

# ---- /metrics says what the public JSON says, for people ----

class Rows(html.parser.HTMLParser):
    """The text of every <tr> with an id."""
    def __init__(self):
        super().__init__()
        self.rows, self.cur = {}, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and a.get("id"):
            self.cur = a["id"]
            self.rows[self.cur] = ""

    def handle_endtag(self, tag):
        if tag == "tr":
            self.cur = None

    def handle_data(self, d):
        if self.cur:
            self.rows[self.cur] += d


figs = json.loads(urllib.request.urlopen(BASE + "/v1/metrics/providers?limit=1000", timeout=30).read())["items"]
rows = Rows()
rows.feed(urllib.request.urlopen(BASE + "/metrics", timeout=30).read().decode())
wrong = []
for f in figs:
    t = rows.rows.get("m-%s-%s" % (f["provider"], f["period"]))
    want = [("%s%%" % f["score"]["score"]) if f["score"]["score"] else "—",
            "{:,}".format(f["usage"]["records_served"]), "{:,}".format(f["usage"]["approved_calls"])]
    cr = f["catalog_review"]
    if cr["count"]:
        want.append("median %s h" % cr["median_work_hours"])
    if t is None or any(w not in t for w in want) or "not public" not in t:
        wrong.append((f["provider"], f["period"], want, t))
check("/metrics shows each provider and month as the public JSON has it (%d rows): score %%, counts with "
      "separators, median hours, revenue not public" % len(figs), figs and not wrong, *wrong[:3])

# ---- the browser ----

OVERFLOW = """(() => {
  const W = window.innerWidth, bad = [];
  if (document.documentElement.scrollWidth > W)
    bad.push("document scrollWidth " + document.documentElement.scrollWidth + " > " + W);
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > W + 0.5 || r.left < -0.5)
      bad.push(el.tagName + (el.id ? "#" + el.id : "") + (el.className && el.className.baseVal === undefined ?
               "." + el.className : "") + " [" + Math.round(r.left) + ", " + Math.round(r.right) + "]");
  }
  return {width: W, elements: document.querySelectorAll("body *").length, bad: bad.slice(0, 12)};
})()"""

MARKS = """JSON.stringify({
  ck: (document.getElementById("pdl-ckpt") || {dataset: {}}).dataset.state || null,
  ckText: (document.getElementById("pdl-ckpt") || {}).textContent || "",
  items: Array.from(document.querySelectorAll("[data-seq]")).map(e =>
    [Number(e.dataset.seq), e.dataset.type, e.dataset.state || null, e.textContent]),
  sum: Object.assign({}, (document.getElementById("pdl-vsum") || {dataset: {}}).dataset)
})"""

DONE = "document.documentElement.dataset.pdlChecked === 'done'"


def load(tab, path, timeout=90, base=BASE):
    tab.navigate(base + path)
    tab.wait_for(DONE, timeout)
    return json.loads(tab.eval(MARKS))


def shot(tab, name):
    os.makedirs(A.shots, exist_ok=True)
    p = os.path.join(A.shots, name)
    tab.screenshot(p)
    print("# screenshot: %s" % p)


def no_overflow(tab, what):
    o = tab.eval(OVERFLOW)
    check("at %d px wide nothing on %s leaves the viewport (%d elements measured)" % (o["width"], what, o["elements"]),
          o["width"] == 400 and not o["bad"], *o["bad"])


b = Browser(A.chromium, os.path.join(A.tmp, "chromium-profile"), os.path.join(A.tmp, "chromium.log"), proxy=PROXY)
try:
    tab = b.new_tab()

    # -- clean, 1400 px
    tab.viewport(1400, 900)
    m = load(tab, "/")
    items = m["items"]
    check("the checkpoint is verified in the browser (%s)" % m["ckText"][:90], m["ck"] == "ok", m["ckText"])
    bad = [i for i in items if i[2] != "ok"]
    check("every one of the %d listed items shows ✓ verified" % len(items),
          len(items) >= 20 and not bad and all(i[3].startswith("✓") for i in items), *bad[:5])
    check("the summary counts them all: %s of %s" % (m["sum"].get("ok"), m["sum"].get("total")),
          m["sum"].get("ok") == str(len(items)) and m["sum"].get("bad") == "0")
    shot(tab, "page-1400.png")
    # an entry page: the act for people, its verification step by step
    seq0, type0 = items[0][0], items[0][1]
    m = load(tab, "/entries/%d" % seq0)
    steps = tab.eval("Array.from(document.querySelectorAll('#pdl-steps li')).map(l => [l.dataset.state, l.textContent])")
    text = tab.eval("document.querySelector('main').textContent")
    check("entry page #%d: its entry verified in four steps (checkpoint, bytes, leaf, root)" % seq0,
          m["items"] and m["items"][0][2] == "ok" and len(steps) == 4 and all(s[0] == "ok" for s in steps), steps)
    check("entry page #%d shows the act decoded with Chinese labels and CST times (%s)" % (seq0, type0),
          "CST" in " ".join(s[1] for s in steps) and "内容" in text and "提交方" in text and type0 in text)
    shot(tab, "entry-1400.png")
    tab.navigate(BASE + "/metrics")
    mt = tab.eval("({svg: document.querySelectorAll('svg.chart').length, bars: document.querySelectorAll('svg.chart a rect').length,"
                  " explain: document.querySelectorAll('a[href*=\"/explain?period=\"]').length,"
                  " text: document.querySelector('main').textContent})")
    check("/metrics draws SVG charts over periods (%d charts, %d bars) whose figures link to /explain (%d links)"
          % (mt["svg"], mt["bars"], mt["explain"]), mt["svg"] >= 3 and mt["bars"] >= 3 and mt["explain"] >= 10)
    check("/metrics says revenue attributed is not public", "not public" in mt["text"] and "%" in mt["text"])
    shot(tab, "metrics-1400.png")

    # -- /verify: a deposited file, an unknown one, a privately deposited one
    def verify_file(path):
        tab.navigate(BASE + "/verify")
        tab.wait_for(DONE, 60)
        tab.set_file("#pdl-file", path)
        tab.wait_for("(() => { const r = document.getElementById('pdl-fres');"
                     " return r.dataset.result && !r.querySelector('.vs.wait'); })()", 60)
        return tab.eval("(() => { const r = document.getElementById('pdl-fres'); return {result: r.dataset.result,"
                        " text: r.textContent, marks: Array.from(r.querySelectorAll('.vs')).map(e => e.dataset.state)}; })()")

    want = hashlib.sha256(open(A.deposited, "rb").read()).hexdigest()
    v = verify_file(A.deposited)
    check("/verify with the deposited file: found, its entry verified in the page",
          v["result"] == "found" and v["marks"] == ["ok"] and want in v["text"], v)
    check("/verify names who deposited it and when, as text (%r…)" % A.hostile_text[:24],
          A.hostile_text in v["text"] and "CST" in v["text"], v["text"][:300])
    pwned = tab.eval("window.__pdl_pwned === undefined && document.querySelectorAll('img').length === 0")
    check("markup in the depositor's name runs nothing and makes no element", pwned is True)
    v = verify_file(A.other)
    check("/verify with a file nobody deposited: \"not deposited\"",
          v["result"] == "none" and "Not deposited" in v["text"] and not v["marks"], v)
    v = verify_file(A.private)
    check("/verify with a file deposited privately (with its blob): \"not deposited\" too (no oracle)",
          v["result"] == "none", v)

    # -- hostile values on an entry page
    m = load(tab, "/entries/%d" % A.hostile_seq)
    h = tab.eval("({text: document.querySelector('main').textContent, img: document.querySelectorAll('img').length,"
                 " scripts: Array.from(document.scripts).map(s => s.getAttribute('src')), pwned: window.__pdl_pwned})")
    check("an entry whose texts are markup shows them as text and runs nothing",
          A.hostile_text in h["text"] and h["img"] == 0 and h["scripts"] == ["/assets/pdl.js"] and h.get("pwned") is None,
          h["scripts"], h["img"])
    check("…and is verified like any other", m["items"] and m["items"][0][2] == "ok", m["items"])

    # -- 400 px
    tab.viewport(400, 860, mobile=True)
    m = load(tab, "/")
    check("at 400 px the page still verifies every item",
          m["ck"] == "ok" and all(i[2] == "ok" for i in m["items"]) and len(m["items"]) == len(items))
    no_overflow(tab, "the disclosure page")
    shot(tab, "page-400.png")
    tab.navigate(BASE + "/metrics")
    no_overflow(tab, "/metrics")
    load(tab, "/entries/%d" % seq0)
    no_overflow(tab, "an entry page")
    v = verify_file(A.deposited)
    no_overflow(tab, "/verify with a result")
    shot(tab, "verify-400.png")
    tab.viewport(1400, 900)

    # -- one proof altered
    counts = {}
    for i in items:
        counts[i[0]] = counts.get(i[0], 0) + 1
    victim = next(i[0] for i in items[len(items) // 2:] if counts[i[0]] == 1)
    proxy.mode = ("proof", victim)
    m = load(tab, "/")
    proxy.mode = None
    hit = [i for i in m["items"] if i[0] == victim]
    rest = [i for i in m["items"] if i[0] != victim]
    check("a proof with one bit altered (entry #%d): that item shows ✗ with the reason" % victim,
          proxy.tampered >= 1 and hit and all(i[2] == "bad" and "signed root" in i[3] for i in hit), hit)
    check("…and only that one: the other %d items and the checkpoint stay ✓" % len(rest),
          m["ck"] == "ok" and rest and all(i[2] == "ok" for i in rest), [i for i in rest if i[2] != "ok"][:3])

    # -- the checkpoint altered
    proxy.mode = "checkpoint"
    m = load(tab, "/")
    proxy.mode = None
    check("a checkpoint with one bit of its root altered: ✗ on the checkpoint (%s)" % m["ckText"][:80],
          m["ck"] == "bad" and "signature" in m["ckText"], m["ckText"])
    check("…and ✗ on every item", m["items"] and all(i[2] == "bad" for i in m["items"]),
          [i for i in m["items"] if i[2] != "bad"][:3])

    # -- the checkpoint of the other shape: with the old "chain" line if pdld
    # writes none, without it if pdld writes one (re-signed with the ledger key)
    served_chain = "\nchain " in json.loads(urllib.request.urlopen(BASE + "/v1/checkpoint", timeout=30).read())["note"]
    proxy.mode = "reshape"
    m = load(tab, "/")
    proxy.mode = None
    check("a checkpoint %s the old chain line verifies as well (the served one is %s it), and so does every item" %
          ("with" if proxy.chain_line else "without", "with" if served_chain else "without"),
          proxy.chain_line is not None and proxy.chain_line != served_chain and m["ck"] == "ok" and
          all(i[2] == "ok" for i in m["items"]), m["ckText"], [i for i in m["items"] if i[2] != "ok"][:3])

    # -- the scenario on a ledger of the SM2/SM3 suite (the second pdl-project):
    # nothing checked, and nothing shown as checked
    raw2 = urllib.request.urlopen(SM2_BASE + "/", timeout=30).read().decode()
    m = load(tab, "/", base=SM2_BASE)
    check("on an SM2/SM3 ledger (data-suite=\"sm2-sm3\" in its page) the page says it cannot check (%s…)" % m["ckText"][:60],
          'data-suite="sm2-sm3"' in raw2 and m["ck"] == "na" and "SM2" in m["ckText"] and "pdl verify" in m["ckText"],
          m["ckText"])
    check("…and shows no ✓ and no ✗ on any of its %d items" % len(m["items"]),
          len(m["items"]) >= 20 and all(i[2] == "na" and "✓" not in i[3] and "✗" not in i[3] for i in m["items"]),
          [i for i in m["items"] if i[2] != "na"][:3])
    seq2 = m["items"][0][0] if m["items"] else 1
    m = load(tab, "/entries/%d" % seq2, base=SM2_BASE)
    e = tab.eval("({steps: Array.from(document.querySelectorAll('#pdl-steps li')).map(l => [l.dataset.state, l.textContent]),"
                 " text: document.querySelector('main').textContent})")
    check("its entry page #%d shows the act and its bytes, and checks nothing either" % seq2,
          m["items"] and m["items"][0][2] == "na" and "内容" in e["text"] and
          not any(st[0] in ("ok", "bad") for st in e["steps"]) and "✓" not in e["text"] and "✗" not in e["text"],
          m["items"][:1], e["steps"])

    # -- where the browser went
    urls = tab.requests
finally:
    b.close()
    proxy.shutdown()

outside = [(m_, t) for m_, t in proxy.log if not t.startswith("http://127.0.0.1:")]
check("no request left 127.0.0.1: the proxy saw %d requests, all to %s" % (len(proxy.log), " and ".join(HOSTPORTS)),
      proxy.log and not outside, *outside[:10])
pages = [u for u in urls if not (u.startswith(BASE + "/") or u.startswith(SM2_BASE + "/") or u == "about:blank")]
check("the DevTools log agrees: %d requests of the pages, all to %s and %s" % (len(urls), BASE, SM2_BASE),
      urls and not pages, *pages[:10])
sys.exit(0)
