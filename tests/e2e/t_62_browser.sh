#!/usr/bin/env bash
# t_62_browser — the disclosure page in a real browser: headless Chromium
# loads http://127.0.0.1:PORT/ and its DOM lists the grants, the released
# product, the registration under notice and the assigned code, each linked
# to its entry and proof; the page loads nothing from outside. Installs
# chromium when missing (Debian package); prints "skip - reason" when it
# cannot.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/disclosure_lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "# installing chromium (Debian package)"
		{ timeout 170 env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium ||
			{ timeout 60 apt-get update -q && timeout 150 env DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -q --no-install-recommends chromium; }; } >"$TMP/apt.log" 2>&1
		CHROMIUM=$(command -v chromium || true)
	fi
	if [ -z "$CHROMIUM" ]; then
		echo "skip - chromium is not installed and could not be installed (apt-get: $(tail -1 "$TMP/apt.log" 2>/dev/null))"
		finish
	fi
fi

D=$TMP/l
disc_phase1 "$D" && disc_phase2 "$D" || { not_ok "the scenario is accepted by the ledger"; finish; }
LAST=${S[use3]}
start_proj "$D" || { not_ok "pdl-project all --http starts"; finish; }
check "the view catches up to seq $LAST" wait_view $((LAST + 1))
CODE=$(sed -n 1p "$TMP/phase2.receipts" | $PY -c 'import json,sys; print(json.loads(sys.stdin.read())["outcome"]["code"])')

# --dump-dom prints the DOM after the page loaded (scripts would have run)
timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage \
	--user-data-dir="$(mktemp -d "$TMP/chrome.XXXXXX")" --dump-dom "$BASE/" >"$TMP/dom.html" 2>"$TMP/chrome.err"
rc=$?
check_eq "chromium --headless --dump-dom exits 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/#   /' "$TMP/chrome.err" | tail -5

# what the browser built, parsed with the standard library
pychecks $PY - "$TMP/dom.html" "$CODE" "${S[G1]}" "${S[G2]}" "${S[P1_release]}" "${S[A2_notice]}" "${S[A1_code]}" <<'EOF'
import sys
from html.parser import HTMLParser
dom, code, g1, g2, p1, a2, a1 = sys.argv[1:]

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.cur, self.text, self.links, self.src = {}, None, [], [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and a.get("id"):
            self.cur = a["id"]
            self.rows[self.cur] = {"text": "", "links": []}
        if tag == "a" and self.cur:
            self.rows[self.cur]["links"].append(a.get("href"))
        for k in ("src", "href"):
            v = a.get(k)
            if v and tag in ("script", "img", "link", "iframe") and (v.startswith("http") or v.startswith("//")):
                self.src.append(v)
    def handle_endtag(self, tag):
        if tag == "tr":
            self.cur = None
    def handle_data(self, d):
        if self.cur:
            self.rows[self.cur]["text"] += d
        self.text.append(d)

p = P()
p.feed(open(dom, encoding="utf-8").read())
text = "".join(p.text)

def check(desc, ok):
    print(("ok - " if ok else "not ok - ") + desc)

def row(rid, words, seq):
    r = p.rows.get(rid)
    check("DOM has row %s" % rid, r is not None)
    if r is None:
        return
    for w in words:
        check("  row %s shows %r" % (rid, w), w in r["text"])
    check("  row %s links entry %s and its proof" % (rid, seq),
          "/v1/entries/%s" % seq in r["links"] and "/v1/proof/inclusion?index=%s" % seq in r["links"])

row("grant-G1", ["G1", "Wuhan Data Group", "domain", "Smart traffic", "res1, res2", "2040-06-01", "active"], g1)
row("grant-G2", ["G2", "scenario", "terminated", "breach"], g2)
row("product-P1", ["Traffic Index API", "industry", "¥19.99", "per_call"], p1)
row("notice-A2", ["A2", "Road works data", "2040-03-20 00:00"], a2)
row("code-" + code, [code, "Traffic flow data", "coded"], a1)
check("the failed product P2 is not listed as released", "product-P2" not in p.rows)
check("the page shows the dispute outcome", "upheld" in text and "product.review" in text)
check("the page loads nothing from outside (%s)" % (p.src[:2] or "none"), not p.src)
check("the page says which entry it is as of", "As of entry" in text)
EOF

stop_proj
finish
