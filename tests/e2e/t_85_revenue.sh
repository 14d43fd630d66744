#!/usr/bin/env bash
# t_85_revenue — settlements agree to the fen across every source.
#
# For every settlement.run in a ledger, and for every party and period:
#   (a) the settlement's entry (`pdl get SEQ`): its outcome lines sum to
#       gross_fen, and equal an independent recomputation (Python, exact
#       rationals) of the ACTS.md algorithm from the acts in `pdl export`;
#   (b) `pdl settle --dry-run`, run before the settlement, printed exactly the
#       gross and lines the settlement then recorded;
#   (c) `pdl statement --party --period` (JSON and --csv) lists exactly the
#       party's lines of that period, with the right status and total;
#   (d) the revenue view over HTTP, on the private listener (`pdl-project
#       revenue --private-http`, each request signed by an auditor or the
#       authority with `pdl token`): /v1/revenue/parties/ID?period=P (JSON
#       and &format=csv), the same without a period (all periods), and
#       /v1/revenue/settlements/ID.
# Two ledgers:
#   1. the fixture scenario (fixtures/scenario via tools/load-scenario.sh),
#      which settles three periods of an industry product, the last at a
#      negative net after a refund (negative lines); the dry runs come
#      from the same scenario loaded up to just before each settlement file
#      (the loader is byte-for-byte reproducible);
#   2. a ledger built here on the test clock with the edge cases: a correction
#      of a correction, transitive inputs, a provider with no usage (zero
#      line), equal weights, a party with two roles in one settlement,
#      64-character ids with 19-digit amounts (CSV rows of ~270 bytes), a
#      party whose all-period total exceeds 2^63-1 fen (the view refuses it), settlements run both by `pdl
#      settle` and by `pdl submit`, by the operator and by the authority, and
#      some confirmed.
. "$(dirname "$0")/lib.sh"

PDLPROJ=${PDLPROJ:-$(dirname "$PDL")/pdl-project}
ROOT=$(cd "$E2E/../.." && pwd)
export PDLPROJ

if [ ! -x "$PDLPROJ" ]; then
	not_ok "pdl-project is executable ($PDLPROJ)"
	finish
fi

# ---------------------------------------------------------------- helpers

# start_view DIR VDIR: pdl-project revenue following DIR's pdld, serving its
# private listener; sets BASE. Waits until the server answers (401: no token).
start_view() {
	local dir=$1 vdir=$2 n=100 port
	port=$(free_port)
	BASE=http://127.0.0.1:$port
	"$PDLPROJ" revenue --ledger "ipc://$dir/pdl.sock" --data "$vdir" --private-http "127.0.0.1:$port" >>"$vdir.log" 2>&1 &
	VIEW_PID=$!
	while ! $PY -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
		"$BASE/v1/revenue/settlements/none" 2>&1 | grep -q 'HTTP Error 401'; do
		if ! kill -0 "$VIEW_PID" 2>/dev/null || [ "$n" -le 0 ]; then
			echo "# pdl-project did not start; its log:"
			sed 's/^/#   /' "$vdir.log"
			return 1
		fi
		sleep 0.1
		n=$((n - 1))
	done
}

stop_view() {
	[ -n "${VIEW_PID:-}" ] || return 0
	kill -TERM "$VIEW_PID" 2>/dev/null
	wait "$VIEW_PID" 2>/dev/null
	VIEW_PID=""
}

# dry SID PRODUCT PERIOD DIR OUTDIR: the dry run of a settlement, kept as OUTDIR/SID.json
dry() {
	"$PDL" settle --product "$2" --period "$3" --dry-run --data "$4" >"$5/$1.json" 2>"$5/$1.err" ||
		{ not_ok "dry run of $1 ($2 $3)"; sed 's/^/#   /' "$5/$1.err"; }
}

# The checker: recomputes every settlement from the log and compares the
# four sources. Prints its own ok / not ok lines.
cat >"$TMP/revcheck.py" <<'EOF'
import base64, csv, io, json, os, subprocess, sys, time, urllib.error, urllib.request
from fractions import Fraction

name, ledger, base, drydir = sys.argv[1:5]
reader = sys.argv[5:7]  # KEYFILE PARTY: who signs the requests to the private listener
sys.path.insert(0, os.environ["E2E"])
import pdlgen

PDL = os.environ["PDL"]
I64 = 2**63 - 1
fails = 0


def ok(desc):
    print("ok - %s: %s" % (name, desc))


def not_ok(desc, *why):
    global fails
    fails += 1
    print("not ok - %s: %s" % (name, desc))
    for w in why:
        for l in str(w).splitlines()[:30]:
            print("#   " + l)


def check(cond, desc, *why):
    (ok if cond else not_ok)(desc, *(() if cond else why))
    return cond


def pdl(*args):
    r = subprocess.run([PDL] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("pdl %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr.strip()))
    return r.stdout


def http(path):
    tok = subprocess.run([PDL, "token", "--key", reader[0], "--party", reader[1], "--data", ledger, path],
                         capture_output=True, text=True, check=True).stdout.strip()
    req = urllib.request.Request(base + path, headers={"Authorization": tok})
    try:
        r = urllib.request.urlopen(req, timeout=20)
        return r.status, r.headers.get("Content-Type", ""), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode("utf-8", "replace")


def cny(a):
    return "%s%d.%02d" % ("-" if a < 0 else "", abs(a) // 100, abs(a) % 100)


# ---- the log, and the ACTS.md algorithm re-implemented on it
entries = []
for line in pdl("export", "--data", ledger).splitlines():
    o = json.loads(line)
    seq, tms, prev, act, sig, outcome = pdlgen.entry_fields(base64.b64decode(o["entry"]))
    entries.append((seq, act, outcome))

provider_of, grants, calls, products = {}, {}, {}, {}
names, pnames = {}, {}  # party and product names, for the statements' CSV
usage, rev_root, rev_latest, settlement_product = {}, {}, {}, {}
settlements, confirmed = [], {}


def split(G, bp, weights):
    if all(w == 0 for w in weights):
        weights = [1] * len(weights)
    S = sum(weights)
    exact = [Fraction(G * bp["providers"] * w, 10000 * S) for w in weights]
    exact += [Fraction(G * bp[r], 10000) for r in ("operator", "developer", "authority")]
    amounts = [e.numerator // e.denominator for e in exact]
    left = G - sum(amounts)
    # largest fractional part first; ties to the line that comes first
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - amounts[i]), i))
    for i in order[:left]:
        amounts[i] += 1
    return amounts


def resources_of(pid, seen):
    if pid in seen:
        return []
    seen.add(pid)
    p = products[pid]
    out = list(p["inputs"]["resources"])
    for q in p["inputs"]["products"]:
        out += resources_of(q, seen)
    return out


def settle(pid, period):
    p = products[pid]
    g = grants[p["grant_id"]]
    gross = sum(v for (prod, per, root), v in rev_latest.items() if prod == pid and per == period)
    res = sorted(set(resources_of(pid, set())))
    w = {}
    for r in res:
        w.setdefault(provider_of[r], 0)
        w[provider_of[r]] += usage.get((p["grant_id"], p["developer"], period, r), 0)
    provs = sorted(w, key=lambda s: s.encode())  # byte order
    amounts = split(gross, g["split_bp"], [w[x] for x in provs])
    parties = [(x, "provider") for x in provs] + [(g["operator"], "operator"), (p["developer"], "developer"),
                                                  (g["authority"], "authority")]
    return {"gross_fen": gross,
            "lines": [{"party": a, "role": b, "amount_fen": m} for (a, b), m in zip(parties, amounts)]}


for seq, act, outcome in entries:
    t, a, b = act["type"], act["actor"], act["body"]
    if t == "ledger.genesis":
        names[b["authority"]["id"]] = b["authority"]["name"]
    elif t == "party.register":
        names[b["id"]] = b["name"]
    elif t == "product.submit":
        pnames[b["product_id"]] = b["name"]
    if t == "catalog.publish":
        provider_of[b["resource_id"]] = a
    elif t == "catalog.decide" and b.get("decision") == "approve":
        provider_of[b["resource"]["resource_id"]] = a
    elif t == "grant.issue":
        grants[b["grant_id"]] = dict(b, authority=a)
    elif t == "call.request":
        calls[b["call_id"]] = {"developer": a, "grant_id": b["grant_id"]}
    elif t == "call.usage":
        c = calls[b["call_id"]]
        k = (c["grant_id"], c["developer"], b["period"], b["resource_id"])
        usage[k] = usage.get(k, 0) + b["records"]
    elif t == "product.submit":
        products[b["product_id"]] = dict(b, developer=a)
    elif t == "revenue.record":
        rev_root[b["revenue_id"]] = (b["product_id"], b["period"], b["revenue_id"])
        rev_latest[rev_root[b["revenue_id"]]] = b["gross_fen"]
    elif t == "revenue.correct":
        root = rev_root[b["corrects"]]
        rev_root[b["revenue_id"]] = root
        rev_latest[root] = b["gross_fen"]  # entries come in seq order: the latest wins
    elif t == "revenue.refund":
        # a negative record of a later period of the settled product
        prod = settlement_product[b["settlement_id"]]
        rev_root[b["refund_id"]] = (prod, b["period"], b["refund_id"])
        rev_latest[rev_root[b["refund_id"]]] = -b["amount_fen"]
    elif t == "settlement.run":
        settlement_product[b["settlement_id"]] = b["product_id"]
        settlements.append({"sid": b["settlement_id"], "product": b["product_id"], "period": b["period"],
                            "seq": seq, "outcome": outcome, "want": settle(b["product_id"], b["period"])})
    elif t == "settlement.confirm":
        confirmed[b["settlement_id"]] = seq

check(len(settlements) > 0, "the log has settlements (%d)" % len(settlements))

# ---- (a) and (b), per settlement
for s in settlements:
    sid = s["sid"]
    got = json.loads(pdl("get", str(s["seq"]), "--data", ledger))
    out = got["outcome"]
    s["lines"] = out["lines"]
    check(got["act"]["type"] == "settlement.run" and got["act"]["body"]["settlement_id"] == sid,
          "pdl get %d is settlement.run %s" % (s["seq"], sid), got["act"])
    # every line has the gross's sign (a refunded period may settle below zero)
    check(sum(l["amount_fen"] for l in out["lines"]) == out["gross_fen"]
          and all(l["amount_fen"] * (1 if out["gross_fen"] >= 0 else -1) >= 0 for l in out["lines"]),
          "%s: %d lines sum to gross %d" % (sid, len(out["lines"]), out["gross_fen"]), out)
    check(out == s["want"], "%s: lines equal the ACTS.md split recomputed from the log" % sid,
          "got  " + json.dumps(out), "want " + json.dumps(s["want"]))
    try:
        d = json.load(open(os.path.join(drydir, sid + ".json")))
        # yuan beside fen (exact decimal strings), then the recorded shape
        yuan_ok = d.get("gross_yuan") == cny(d.get("gross_fen", 0)) and \
            all(l.get("amount_yuan") == cny(l.get("amount_fen", 0)) for l in d.get("lines", []))
        dl = [{k: v for k, v in l.items() if k != "amount_yuan"} for l in d.get("lines", [])]
        check(yuan_ok and {"gross_fen": d.get("gross_fen"), "lines": dl} == out and d.get("dry_run") is True
              and d.get("product_id") == s["product"] and d.get("period") == s["period"],
              "%s: the dry run before it printed the same gross and lines" % sid,
              "dry  " + json.dumps(d), "got  " + json.dumps(out))
    except (OSError, ValueError) as e:
        not_ok("%s: the dry run before it printed the same gross and lines" % sid, e)

# ---- the view: wait until it has applied every settlement and confirmation
deadline = time.time() + 20
while True:
    behind = []
    for s in settlements:
        st, ct, body = http("/v1/revenue/settlements/" + s["sid"])
        want_status = "confirmed" if s["sid"] in confirmed else "run"
        if st != 200 or json.loads(body).get("status") != want_status:
            behind.append(s["sid"])
    if not behind or time.time() > deadline:
        break
    time.sleep(0.1)
check(not behind, "the revenue view caught up (%d settlements)" % len(settlements), "behind: %s" % behind)
for s in settlements:
    st, ct, body = http("/v1/revenue/settlements/" + s["sid"])
    doc = json.loads(body) if st == 200 else {}
    want_status = "confirmed" if s["sid"] in confirmed else "run"
    check(st == 200 and doc.get("gross_fen") == s["outcome"]["gross_fen"] and doc.get("lines") == s["lines"]
          and doc.get("status") == want_status and doc.get("seq") == s["seq"]
          and doc.get("product_id") == s["product"] and doc.get("period") == s["period"]
          and doc.get("confirmed_seq") == confirmed.get(s["sid"]),
          "%s: /v1/revenue/settlements has its gross, lines and status (%s)" % (s["sid"], want_status),
          "%d %s" % (st, body))

# ---- (c) and (d), per party and period
periods = sorted({s["period"] for s in settlements})
parties = sorted({l["party"] for s in settlements for l in s["lines"]})

# a party the ledger does not know: an error, not an empty statement
for period in periods[:1]:
    r = subprocess.run([PDL, "statement", "--party", "nobody-at-all", "--period", period, "--data", ledger],
                       capture_output=True, text=True)
    check(r.returncode == 1 and "no party nobody-at-all" in r.stderr and "PDL_ENOTFOUND" in r.stderr and not r.stdout,
          "pdl statement of an unknown party: exit 1, PDL_ENOTFOUND", r.returncode, r.stdout, r.stderr)
    code, ct, body = http("/v1/revenue/parties/nobody-at-all?period=%s" % period)
    check(code == 404 and "not_found" in body, "the view: an unknown party is 404 not_found", code, body)
HEADER = ("party,party_name,period,settlement_id,product_id,product_name,role,amount_fen,amount_yuan,status,seq,"
          "total_fen,total_yuan")


def expected(party, period):
    rows = []
    for s in settlements:
        if period is not None and s["period"] != period:
            continue
        for l in s["lines"]:
            if l["party"] == party:
                rows.append({"settlement_id": s["sid"], "product_id": s["product"], "role": l["role"],
                             "amount_fen": l["amount_fen"], "period": s["period"],
                             "status": "confirmed" if s["sid"] in confirmed else "run", "seq": s["seq"]})
    return rows


def key(r):
    return (r["settlement_id"], r["role"])


def neut(t):
    # a text field a spreadsheet would run as a formula gets a leading ' (lib/csv.h)
    return "'" + t if t[:1] in ("=", "+", "-", "@", "\t", "\r") else t


def check_csv(text, party, period, rows, total, what):
    """The statement CSV of lib/csv.h: header, one row per line with the names,
    and a TOTAL row whose total stands in its own columns, so that a
    spreadsheet's SUM over amount_fen counts it once."""
    recs = list(csv.reader(io.StringIO(text)))
    if not text.endswith("\n") or len(recs) != len(rows) + 2 or ",".join(recs[0]) != HEADER:
        return False
    if any(len(r) != 13 for r in recs):
        return False
    want = sorted((neut(party), names.get(party, ""), r["period"], neut(r["settlement_id"]), neut(r["product_id"]),
                   pnames.get(r["product_id"], ""), r["role"], str(r["amount_fen"]), cny(r["amount_fen"]), r["status"],
                   str(r["seq"]), "", "") for r in rows)
    if sorted(tuple(r) for r in recs[1:-1]) != want:
        return False
    last = recs[-1]
    if last[0] != "TOTAL" or last[1] != names.get(party, "") or last[2] != (period or "") or \
            any(last[i] != "" for i in range(3, 11)) or last[11] != str(total) or last[12] != cny(total):
        return False
    return sum(int(r[7]) for r in recs[1:] if r[7] != "") == total


for period in periods:
    for party in parties:
        rows = expected(party, period)
        total = sum(r["amount_fen"] for r in rows)
        where = "%s %s (%d lines, %d fen)" % (party, period, len(rows), total)
        why = []
        # (c) pdl statement, JSON
        try:
            st = json.loads(pdl("statement", "--party", party, "--period", period, "--data", ledger))
            got = sorted(({k: r.get(k) for k in ("settlement_id", "product_id", "role", "amount_fen", "status", "seq")}
                          for r in st["lines"]), key=key)
            want = sorted(({k: r[k] for k in ("settlement_id", "product_id", "role", "amount_fen", "status", "seq")}
                           for r in rows), key=key)
            if got != want or st.get("total_fen") != total or st.get("party") != party or st.get("period") != period \
                    or st.get("total_yuan") != cny(total) or st.get("party_name") != names.get(party) \
                    or any(r.get("amount_yuan") != cny(r["amount_fen"]) or r.get("product_name") != pnames.get(r["product_id"])
                           for r in st["lines"]):
                why.append("statement: " + json.dumps(st))
            st_csv = pdl("statement", "--party", party, "--period", period, "--data", ledger, "--csv")
            if not check_csv(st_csv, party, period, rows, total, "statement --csv"):
                why.append("statement --csv:\n" + st_csv)
        except RuntimeError as e:
            why.append(str(e))
        # (d) the view, JSON and CSV
        code, ct, body = http("/v1/revenue/parties/%s?period=%s" % (party, period))
        try:
            v = json.loads(body)
            got = sorted(({k: r.get(k) for k in ("settlement_id", "product_id", "role", "amount_fen", "status", "seq",
                                                  "period", "party")} for r in v["lines"]), key=key)
            want = sorted((dict(r, party=party) for r in rows), key=key)
            if code != 200 or got != want or v.get("total_fen") != total or \
                    v.get("periods") != ({period: total} if rows else {}):
                why.append("view: %d %s" % (code, body))
        except (ValueError, KeyError) as e:
            why.append("view: %d %s (%s)" % (code, body, e))
        code, ct, body = http("/v1/revenue/parties/%s?period=%s&format=csv" % (party, period))
        if code != 200 or not ct.startswith("text/csv") or not check_csv(body, party, period, rows, total, "view csv"):
            why.append("view csv: %d %s\n%s" % (code, ct, body))
        check(not why, "%s: statement, statement --csv, view and view csv agree with the settlement lines" % where, *why)

# the view over all periods: lines, per-period totals and the total
for party in parties:
    rows = expected(party, None)
    total = sum(r["amount_fen"] for r in rows)
    per = {}
    for r in rows:
        per[r["period"]] = per.get(r["period"], 0) + r["amount_fen"]
    code, ct, body = http("/v1/revenue/parties/%s" % party)
    code2, ct2, body2 = http("/v1/revenue/parties/%s?format=csv" % party)
    if total > I64 or any(x > I64 for x in per.values()):
        # past int64 fen the view must refuse, not wrap
        check(code >= 400 and code2 >= 400 and "total_overflow" in body and "total_overflow" in body2,
              "%s, all periods: a total past 2^63-1 fen is refused, not wrapped" % party,
              "%d %s" % (code, body), "%d %s" % (code2, body2))
        continue
    why = []
    try:
        v = json.loads(body)
        got = sorted(({k: r.get(k) for k in ("settlement_id", "role", "amount_fen", "period")} for r in v["lines"]),
                     key=key)
        want = sorted(({k: r[k] for k in ("settlement_id", "role", "amount_fen", "period")} for r in rows), key=key)
        if code != 200 or got != want or v.get("total_fen") != total or v.get("periods") != per or "period" in v:
            why.append("view: %d %s" % (code, body))
    except (ValueError, KeyError) as e:
        why.append("view: %d %s (%s)" % (code, body, e))
    if code2 != 200 or not check_csv(body2, party, None, rows, total, "view csv"):
        why.append("view csv: %d\n%s" % (code2, body2))
    check(not why, "%s, all periods (%d lines, %d fen): the view's lines, periods and total" % (party, len(rows), total),
          *why)

# bad queries get a 400 naming the problem
for q, err in (("?period=2041-13", "bad_period"), ("?period=2041-1x", "bad_period"), ("?period=41-01", "bad_period"),
               ("?format=xml", "bad_format")):
    code, ct, body = http("/v1/revenue/parties/%s%s" % (parties[0], q))
    check(code == 400 and err in body, "view: %s is refused with 400 %s" % (q, err), "%d %s" % (code, body))
sys.exit(0)
EOF
export E2E

# ---------------------------------------------------------------- 1. the scenario

SCEN=$ROOT/fixtures/scenario
LOADER=$ROOT/tools/load-scenario.sh
if [ -x "$LOADER" ] && [ -f "$SCEN/TIMELINE" ] && grep -q settlement.run "$SCEN"/*.json 2>/dev/null; then
	mkdir -p "$TMP/s_dry"
	# For each file that runs settlements: the scenario up to just before it,
	# and the dry run of each of its settlements there.
	for f in $(grep -l '"settlement.run"' "$SCEN"/*.json); do
		f=$(basename "$f")
		grep -q "^$f " "$SCEN/TIMELINE" || continue
		cut=$TMP/s_cut_${f%.json}
		mkdir -p "$cut"
		for x in "$SCEN"/*; do ln -s "$x" "$cut/"; done
		rm "$cut/TIMELINE"
		sed "/^$f /,\$d" "$SCEN/TIMELINE" >"$cut/TIMELINE"
		if ! SCENARIO=$cut "$LOADER" "$TMP/s_pre_${f%.json}" >"$TMP/s_pre_${f%.json}.out" 2>&1; then
			not_ok "scenario: load-scenario.sh up to $f"
			sed 's/^/#   /' "$TMP/s_pre_${f%.json}.out" | tail -20
			continue
		fi
		$PY -c '
import json, sys
for a in json.load(open(sys.argv[1])):
    if a["type"] == "settlement.run":
        b = a["body"]
        print(b["settlement_id"], b["product_id"], b["period"])' "$SCEN/$f" |
			while read -r sid prod per; do
				dry "$sid" "$prod" "$per" "$TMP/s_pre_${f%.json}" "$TMP/s_dry"
			done
	done
	SD=$TMP/s_full
	if SCENARIO=$SCEN "$LOADER" "$SD" >"$SD.out" 2>&1; then
		ok "scenario: load-scenario.sh builds the fixture ledger"
		if start_pdld "$SD" --test-clock && start_view "$SD" "$TMP/s_view"; then
			pychecks $PY "$TMP/revcheck.py" scenario "$SD" "$BASE" "$TMP/s_dry" "$SD/keys/auditor.key" auditor
		else
			not_ok "scenario: pdld and the revenue view start"
		fi
		stop_view
		stop_pdld
	else
		not_ok "scenario: load-scenario.sh builds the fixture ledger"
		sed 's/^/#   /' "$SD.out" | tail -20
	fi
else
	echo "# no fixture scenario with settlements here: part 1 skipped"
fi

# ---------------------------------------------------------------- 2. edge cases

Y=2041 # the test clock only moves forward: a fixed year well ahead
D=$TMP/own
K=$TMP/keys
mkdir -p "$K" "$TMP/o_dry"
LONGDEV=dev-$(printf 'x%.0s' $(seq 60))
LONGPROD=prod-$(printf 'y%.0s' $(seq 59))
PARTIES="authority prov-a prov-b Z-prov op1 dev1 dev2 $LONGDEV"
for p in $PARTIES; do
	"$PDL" keygen --out "$K/$p.key" >"$K/$p.pub.json" || not_ok "keygen $p"
done
init_ledger "$D" --authority-key "$K/authority.key" --test-clock || { not_ok "pdl init"; finish; }
start_pdld "$D" --test-clock || { not_ok "pdld starts"; finish; }
"$PDL" clock set --data "$D" $Y-03-05T10:00:00+08:00 >/dev/null || not_ok "clock set"
start_view "$D" "$TMP/o_view" || { not_ok "the revenue view starts"; finish; }

# The acts, by phase, as JSON arrays in $TMP/own_PHASE.json. Long settlement
# ids: ls-01 … ls-09, padded to 64 characters; own_long.ids lists the
# settlements of phase "long" (for their dry runs).
$PY - "$TMP" "$K" "$E2E" "$Y" "$LONGDEV" "$LONGPROD" <<'EOF'
import json, sys
out, keys, e2e, Y, LONGDEV, LONGPROD = sys.argv[1:7]
sys.path.insert(0, e2e)
import pdlgen
nonce = {}
phases = {}
def act(phase, actor, type_, body):
    nonce[actor] = nonce.get(actor, 0) + 1
    phases.setdefault(phase, []).append({"type": type_, "actor": actor, "nonce": nonce[actor], "body": body})
def pk(p):
    return json.load(open("%s/%s.pub.json" % (keys, p)))["public_key"]
def sid(i):
    s = "ls-%02d-" % i
    return s + "z" * (64 - len(s))
roles = {"prov-a": ["provider"], "prov-b": ["provider"], "Z-prov": ["provider"], "op1": ["operator", "provider"],
         "dev1": ["developer"], "dev2": ["developer"], LONGDEV: ["developer"]}
for i, (p, r) in enumerate(roles.items()):
    act("setup", "authority", "party.register", {"id": p, "name": "Party " + p[:20], "uscc": pdlgen.uscc(300 + i),
                                                 "roles": r, "public_key": pk(p)})
for rid, prov in (("res-a", "prov-a"), ("res-b1", "prov-b"), ("res-b2", "prov-b"), ("res-z", "Z-prov"),
                  ("res-o", "op1")):
    act("setup", prov, "catalog.publish", {"resource_id": rid, "name": "Resource " + rid, "items": ["k", "v"],
                                           "format": "csv", "update_frequency": "daily",
                                           "usage_conditions": "authorized use only", "level": 2,
                                           "attribute": "authorized"})
act("setup", "authority", "evidence.deposit", {"evidence_id": "AG", "digest": "cd" * 32, "size": 100,
                                                "media_type": "application/pdf", "subject": "the agreements"})
def grant(gid, resources, split):
    act("setup", "authority", "grant.issue", {"grant_id": gid, "operator": "op1", "mode": "domain",
                                              "resources": resources, "scope": "transport", "start": Y + "-01-01",
                                              "end": str(int(Y) + 1) + "-12-31", "exclusive": False,
                                              "split_bp": split, "fee_cap_fen": 10000000, "agreement": "AG"})
grant("G1", ["res-a", "res-b1", "res-b2", "res-z", "res-o"],
      {"providers": 4500, "operator": 2500, "developer": 2000, "authority": 1000})
grant("G2", ["res-a"], {"providers": 100, "operator": 100, "developer": 9700, "authority": 100})
grant("G3", ["res-a"], {"providers": 100, "operator": 100, "developer": 9700, "authority": 100})
for g, d in (("G1", "dev1"), ("G1", "dev2"), ("G2", LONGDEV), ("G3", "dev2")):
    act("setup", "op1", "developer.admit", {"grant_id": g, "developer": d, "controlled": False})
for cid, d, res in (("C1", "dev1", ["res-a", "res-b1", "res-b2", "res-z", "res-o"]), ("C2", "dev2", ["res-a"])):
    act("setup", d, "call.request", {"call_id": cid, "grant_id": "G1", "resources": res, "purpose": "planning"})
    act("setup", "op1", "call.approve", {"call_id": cid})
for pid, dev, g, res, prods in (("P1", "dev1", "G1", ["res-b1", "res-a"], []),
                                ("P2", "dev1", "G1", ["res-z", "res-o"], ["P1"]),
                                (LONGPROD, LONGDEV, "G2", ["res-a"], []),
                                ("P9", "dev2", "G3", ["res-a"], [])):
    act("setup", dev, "product.submit", {"product_id": pid, "grant_id": g, "name": "Product " + pid[:10],
                                         "inputs": {"resources": res, "products": prods}, "category": "industry",
                                         "price_fen": 500, "unit": "per_call"})
    act("setup", "op1", "product.review", {"product_id": pid, "outcome": "pass", "notes": "compliant"})
    act("setup", "authority", "product.file", {"product_id": pid})
    act("setup", "op1", "product.release", {"product_id": pid})
# period 1 (Y-02): usage; dev2's and res-b2's do not count for P1/P2
for cid, rid, n in (("C1", "res-a", 120), ("C1", "res-b1", 45), ("C1", "res-b2", 10), ("C1", "res-o", 33),
                    ("C2", "res-a", 900)):
    act("p1", "op1", "call.usage", {"call_id": cid, "resource_id": rid, "period": Y + "-02", "records": n,
                                    "bytes": n * 100})
def rec(phase, rid, pid, period, g):
    act(phase, "op1", "revenue.record", {"revenue_id": rid, "product_id": pid, "period": period, "gross_fen": g})
def cor(phase, rid, target, g):
    act(phase, "op1", "revenue.correct", {"revenue_id": rid, "corrects": target, "gross_fen": g,
                                          "reason": "invoice reissued"})
rec("p1", "R1", "P1", Y + "-02", 1234567)
rec("p1", "R2", "P1", Y + "-02", 89)
cor("p1", "R2c", "R2", 90001)
cor("p1", "R2cc", "R2c", 90002)  # a correction of a correction: R2's latest
rec("p1", "R3", "P2", Y + "-02", 55555)
# the long product: months 01 … 09 at about 1.03 × 10^18 fen: its developer's
# lines have 19 digits (CSV rows of about 270 bytes), their sum stays below 2^63-1
# (in the year before: settlement.run needs the period to be over)
PY_ = str(int(Y) - 1)
for m in range(1, 10):
    rec("p1", "RL%d" % m, LONGPROD, "%s-%02d" % (PY_, m), 1031 * 10**15 + m)
    act("long", "authority", "settlement.run", {"settlement_id": sid(m), "product_id": LONGPROD,
                                                "period": "%s-%02d" % (PY_, m)})
    act("long", "authority", "settlement.confirm", {"settlement_id": sid(m)})
# P9 of dev2 under G3 (97 % to the developer): months 10 and 11 at 2^63-1 fen,
# so dev2's all-period total passes 2^63-1
for m in (10, 11):
    rec("p1", "R9-%d" % m, "P9", "%s-%02d" % (PY_, m), 2**63 - 1)
    act("long", "op1", "settlement.run", {"settlement_id": "S9-%d" % m, "product_id": "P9",
                                          "period": "%s-%02d" % (PY_, m)})
act("p1_after", "authority", "settlement.confirm", {"settlement_id": "S1"})
# period 2 (Y-03): only res-z used (P1's providers: equal weights)
act("p2", "op1", "call.usage", {"call_id": "C1", "resource_id": "res-z", "period": Y + "-03", "records": 7,
                                "bytes": 70})
rec("p2", "R4", "P1", Y + "-03", 1003)
rec("p2", "R5", "P2", Y + "-03", 999999)
rec("p2", "R6", "P2", Y + "-03", 1)
cor("p2", "R6c", "R6", 2)
act("s4", "authority", "settlement.run", {"settlement_id": "S4", "product_id": "P2", "period": Y + "-03"})
act("s4", "authority", "settlement.confirm", {"settlement_id": "S4"})
# refused after settlement
act("late", "op1", "revenue.record", {"revenue_id": "R9", "product_id": "P1", "period": Y + "-02", "gross_fen": 1})
act("late2", "op1", "settlement.run", {"settlement_id": "S9", "product_id": "P1", "period": Y + "-02"})
for ph, acts in phases.items():
    json.dump(acts, open("%s/own_%s.json" % (out, ph), "w"), indent=1)
open("%s/own_long.ids" % out, "w").write("".join("%s %s %s-%02d\n" % (sid(m), LONGPROD, PY_, m) for m in range(1, 10)) +
                                         "".join("S9-%d P9 %s-%d\n" % (m, PY_, m) for m in (10, 11)))
EOF

submit() {
	"$PDL" submit --keys "$K" --data "$D" "$TMP/own_$1.json" >"$TMP/own_$1.out" 2>"$TMP/own_$1.err"
}
if submit setup && submit p1; then
	ok "own ledger: parties, grants, calls, products, usage and revenue of $Y-02 accepted"
else
	not_ok "own ledger: setup acts accepted"
	sed 's/^/#   /' "$TMP/own_setup.out" "$TMP/own_setup.err" "$TMP/own_p1.out" "$TMP/own_p1.err" | grep -v '"seq"' | head
fi

# period 1: dry runs, then the settlements
dry S1 P1 $Y-02 "$D" "$TMP/o_dry"
dry S2 P2 $Y-02 "$D" "$TMP/o_dry"
while read -r sid prod per; do dry "$sid" "$prod" "$per" "$D" "$TMP/o_dry"; done <"$TMP/own_long.ids"
check "pdl settle runs S1 (P1 $Y-02) as the operator" \
	"$PDL" settle --product P1 --period $Y-02 --id S1 --actor op1 --key "$K/op1.key" --data "$D"
check "pdl settle runs S2 (P2 $Y-02) as the authority" \
	"$PDL" settle --product P2 --period $Y-02 --id S2 --actor authority --key "$K/authority.key" --data "$D"
check "pdl submit runs and confirms the 9 long-id settlements, and runs P9's two" submit long
check "the authority confirms S1" submit p1_after

# refusals once a period is settled: revenue, a second settlement, the dry run
submit late
check_eq "revenue for a settled period is refused (revenue.period_settled)" \
	"$(jl "$TMP/own_late.out" 'o.get("rule")')" revenue.period_settled
submit late2
check_eq "a second settlement of a period is refused (settlement.already_settled)" \
	"$(jl "$TMP/own_late2.out" 'o.get("rule")')" settlement.already_settled
check "the refusal points to pdl statement" grep -q 'already settled by S1; its lines: pdl statement' "$TMP/own_late2.out"
# a dry run of a settled period shows what the ledger recorded, and says so
"$PDL" settle --product P1 --period $Y-02 --dry-run --data "$D" >"$TMP/late_dry.out" 2>"$TMP/late_dry.err"
rc=$?
S1_SEQ=$(jl "$TMP/late_dry.out" 'o["settled"]["seq"]')
check_eq "a dry run of a settled period: exit 0, the recorded settlement S1 and its status" \
	"$rc:$(jl "$TMP/late_dry.out" 'o["settled"]["settlement_id"]+" "+o["settled"]["status"]')" "0:S1 confirmed"
check_eq "... and exactly the lines of S1's entry" \
	"$(jl "$TMP/late_dry.out" 'json.dumps([[l["party"],l["role"],l["amount_fen"]] for l in o["lines"]])')" \
	"$("$PDL" get "$S1_SEQ" --data "$D" | jl - 'json.dumps([[l["party"],l["role"],l["amount_fen"]] for l in o["outcome"]["lines"]])')"

# period 2
"$PDL" clock set --data "$D" $Y-04-02T10:00:00+08:00 >/dev/null || not_ok "clock set"
check "usage and revenue of $Y-03 accepted" submit p2
dry S3 P1 $Y-03 "$D" "$TMP/o_dry"
dry S4 P2 $Y-03 "$D" "$TMP/o_dry"
check "pdl settle runs S3 (P1 $Y-03) as the operator" \
	"$PDL" settle --product P1 --period $Y-03 --id S3 --actor op1 --key "$K/op1.key" --data "$D"
check "pdl submit runs S4 (P2 $Y-03) as the authority and confirms it" submit s4

# S1 by hand (spec/revenue.md works a case like it): G = 1234567 + 90002 =
# 1324569; weights prov-a 120, prov-b 45 (res-b2 is not an input of P1, dev2's
# usage is not dev1's)
check_eq "S1's lines, worked by hand" \
	"$(jl "$TMP/o_dry/S1.json" '" ".join("%s:%s:%d" % (l["party"], l["role"], l["amount_fen"]) for l in o["lines"])')" \
	"prov-a:provider:433495 prov-b:provider:162561 op1:operator:331142 dev1:developer:264914 authority:authority:132457"

pychecks $PY "$TMP/revcheck.py" own "$D" "$BASE" "$TMP/o_dry" "$K/authority.key" authority
stop_view
finish
