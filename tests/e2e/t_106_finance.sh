#!/usr/bin/env bash
# t_106_finance — what finance staff need (issue 15, "Finance"), on the
# fixture scenario (three settled months of one product, the last at a
# negative net after a refund):
#   - `pdl settle --explain` gives every input and step, and an independent
#     Python check redoes the split from them by hand: the gross is the sum
#     of the revenue records; each resource's records are the sum of the
#     call.usage entries named (each checked with pdl get); a provider's
#     weight is the sum over its resources; each line's share formula,
#     evaluated with exact fractions, has the floor and remainder given;
#     the leftover fen go to the largest remainders; the amounts are the
#     settlement entry's lines;
#   - a dry run of a settled period shows the recorded split;
#   - `settlement.already_settled` points to pdl statement;
#   - `--period 2026-13` is named invalid (settle and statement);
#   - statements: yuan beside fen, names, a range of periods equal to the
#     periods one by one, an unknown party refused;
#   - CSV a spreadsheet sums right: a SUM over amount_fen (TOTAL row
#     included) is the total once; the TOTAL row is labelled and holds the
#     total in its own columns; --bom; a name that would be a formula is
#     quoted and neutralized.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
D=$TMP/l
K=$D/keys
P=prod-mobility-risk
"$ROOT/tools/load-scenario.sh" "$D" >"$TMP/load.out" 2>"$TMP/load.err" ||
	{ not_ok "the scenario loads"; sed 's/^/#   /' "$TMP/load.err" | head; finish; }
ok "the scenario loads"

# ---- periods that are not
"$PDL" settle --product $P --period 2026-13 --dry-run --data "$D" >/dev/null 2>"$TMP/p13.err"
check_eq "settle --period 2026-13: exit 2" "$?" 2
check "... naming the period invalid" grep -q -- "--period 2026-13 is not a period: YYYY-MM with a month 01 to 12" "$TMP/p13.err"
"$PDL" statement --party provider-transit --from 2026-00 --to 2026-02 --data "$D" >/dev/null 2>"$TMP/p00.err"
check_eq "statement --from 2026-00: exit 2, named" "$?:$(grep -c -- '--from 2026-00 is not a period' "$TMP/p00.err")" "2:1"
"$PDL" statement --party provider-transit --from 2026-11 --to 2026-09 --data "$D" >/dev/null 2>&1
check_eq "statement --from after --to: exit 2" "$?" 2

# ---- --explain, redone by hand
for per in 2026-09 2026-10 2026-11; do
	"$PDL" settle --product $P --period $per --explain --data "$D" >"$TMP/ex_$per.json" 2>"$TMP/ex_$per.err" ||
		{ not_ok "settle --explain $per"; sed 's/^/#   /' "$TMP/ex_$per.err"; }
	"$PDL" settle --product $P --period $per --dry-run --data "$D" >"$TMP/dry_$per.json"
done
cat >"$TMP/redo.py" <<'EOF'
import json, re, subprocess, sys
from fractions import Fraction
PDL, tmp, data = sys.argv[1:4]

def get(seq):
    return json.loads(subprocess.run([PDL, "get", str(seq), "--data", data], capture_output=True, text=True,
                                     check=True).stdout)

def check(cond, desc, *why):
    print(("ok - " if cond else "not ok - ") + desc)
    if not cond:
        for w in why:
            print("#   " + str(w)[:400])

def cny(a):
    return "%s%d.%02d" % ("-" if a < 0 else "", abs(a) // 100, abs(a) % 100)

for per in ("2026-09", "2026-10", "2026-11"):
    x = json.load(open("%s/ex_%s.json" % (tmp, per)))
    G = x["gross_fen"]
    check(G == sum(r["gross_fen"] for r in x["revenue"]) and x["gross_yuan"] == cny(G),
          "%s: the gross (%d) is the sum of the revenue records, yuan beside it" % (per, G), x["revenue"])
    # the revenue records are the ledger's: the entries they name
    ok = True
    for r in x["revenue"]:
        e = get(r["seq"])
        b = e["act"]["body"]
        ok &= e["act"]["type"] in ("revenue.record", "revenue.correct", "revenue.refund") and \
            b.get("revenue_id", b.get("refund_id")) == r["revenue_id"]
    check(ok, "%s: each revenue record names its entry" % per)
    # usage: each resource's records are its call.usage entries, each checked
    ok, why = True, []
    for r in x["resources"]:
        s = 0
        for u in r["usage_entries"]:
            e = get(u["seq"])
            b = e["act"]["body"]
            good = e["act"]["type"] == "call.usage" and b["call_id"] == u["call_id"] and \
                b["resource_id"] == r["resource_id"] and b["period"] == per and b["records"] == u["records"]
            ok &= good
            if not good:
                why.append(e)
            s += u["records"]
        ok &= s == r["records"]
    check(ok, "%s: every resource's records are the sum of the call.usage entries named (pdl get)" % per, *why)
    w = {}
    for r in x["resources"]:
        w[r["provider"]] = w.get(r["provider"], 0) + r["records"]
    check([(p["party"], p["weight"]) for p in x["providers"]] == sorted(w.items()),
          "%s: each provider weighs the records of its resources, providers in id order" % per, x["providers"], w)
    equal = all(v == 0 for v in w.values())
    total = len(w) if equal else sum(w.values())
    check(x["weights"]["total"] == total and x["weights"]["equal"] == equal, "%s: the weights' total" % per)
    bp = x["split_bp"]
    check(sum(bp.values()) == 10000, "%s: the basis points sum to 10000" % per, bp)
    # every line by hand: the formula, its floor and remainder
    shares, ok, why = [], True, []
    for i, l in enumerate(x["lines"]):
        nums = [int(n) for n in re.findall(r"-?\d+", l["share"])]
        if l["role"] == "provider":
            g, b_, wt, ten, s = nums
            want = Fraction(G * bp["providers"] * (1 if equal else w[l["party"]]), 10000 * total)
            good = (g, b_, wt, ten, s) == (G, bp["providers"], 1 if equal else w[l["party"]], 10000, total)
        else:
            g, b_, ten = nums
            want = Fraction(G * bp[l["role"]], 10000)
            good = (g, b_, ten) == (G, bp[l["role"]], 10000)
        fl = want.numerator // want.denominator
        r, d = (int(v) for v in l["remainder"].split("/"))
        good &= l["floor_fen"] == fl and Fraction(r, d) == want - fl and 0 <= r < d
        good &= l["amount_fen"] == l["floor_fen"] + l["extra_fen"] and l["amount_yuan"] == cny(l["amount_fen"])
        ok &= good
        if not good:
            why.append(l)
        shares.append(want - fl)
    check(ok, "%s: each line's formula, floor and remainder, redone with exact fractions" % per, *why)
    floors = sum(l["floor_fen"] for l in x["lines"])
    left = G - floors
    order = sorted(range(len(shares)), key=lambda i: (-shares[i], i))
    want_extra = [1 if i in order[:left] else 0 for i in range(len(shares))]
    check(x["floors_fen"] == floors and x["leftover_fen"] == left and
          [l["extra_fen"] for l in x["lines"]] == want_extra,
          "%s: the %d leftover fen go to the largest remainders" % (per, left), [l["extra_fen"] for l in x["lines"]])
    rec = get(x["settled"]["seq"])["outcome"]["lines"]
    check(x["matches_recorded"] and [(l["party"], l["role"], l["amount_fen"]) for l in x["lines"]] ==
          [(l["party"], l["role"], l["amount_fen"]) for l in rec],
          "%s: the explained amounts are the settlement entry's lines" % per)
    dry = json.load(open("%s/dry_%s.json" % (tmp, per)))
    check(dry["settled"]["settlement_id"] == "st-mr-" + per and dry["dry_run"] and
          [(l["party"], l["amount_fen"]) for l in dry["lines"]] == [(l["party"], l["amount_fen"]) for l in rec],
          "%s: the dry run of the settled period shows the recorded split (st-mr-%s)" % (per, per), dry)
neg = json.load(open("%s/ex_2026-11.json" % tmp))
check(neg["gross_fen"] < 0 and any(l["floor_fen"] < 0 for l in neg["lines"]),
      "2026-11 is the negative net: negative floors with remainders in [0, 1)")
EOF
pychecks $PY "$TMP/redo.py" "$PDL" "$TMP" "$D"

# ---- settlement.already_settled points to pdl statement
start_pdld "$D" --test-clock || { not_ok "pdld starts"; finish; }
cat >"$TMP/again.json" <<EOF
{"type":"settlement.run","actor":"operator-city","nonce":9300001,"body":{"settlement_id":"st-again","product_id":"$P","period":"2026-09"}}
EOF
"$PDL" submit --key "$K/operator-city.key" --data "$D" "$TMP/again.json" >"$TMP/again.out" 2>&1
check_eq "a second settlement of 2026-09: settlement.already_settled" "$(jl "$TMP/again.out" 'o.get("rule")')" \
	settlement.already_settled
check_eq "... its message points to the recorded lines" "$(jl "$TMP/again.out" 'o.get("message")')" \
	"$P for 2026-09 is already settled by st-mr-2026-09; its lines: pdl statement --party ID --period 2026-09 (or pdl settle --dry-run)"
# a party whose name a spreadsheet would run as a formula
"$PDL" keygen --out "$TMP/evil.key" >"$TMP/evil.key.json"
cat >"$TMP/evil.json" <<EOF
{"type":"party.register","actor":"authority","nonce":9300002,"body":{"id":"evil-co","name":"=HYPERLINK(\"http://x\"),\"Ltd\"","uscc":"$($GEN uscc 9301)","roles":["provider"],"public_key":"$(jl "$TMP/evil.key.json" 'o["public_key"]')"}}
EOF
"$PDL" submit --key "$K/authority.key" --data "$D" "$TMP/evil.json" >"$TMP/evil.out" 2>&1
check_eq "a party named =HYPERLINK(...),\"Ltd\" is registered" "$(jl "$TMP/evil.out" 'str(o.get("seq","x")).isdigit()')" true
stop_pdld

# ---- statements
"$PDL" statement --party provider-transit --from 2026-09 --to 2026-12 --data "$D" >"$TMP/range.json"
for per in 2026-09 2026-10 2026-11 2026-12; do
	"$PDL" statement --party provider-transit --period $per --data "$D"
done >"$TMP/one_by_one.json"
check_eq "a range of periods is the periods one by one (lines and total)" \
	"$(jl "$TMP/range.json" 'json.dumps([o["from"], o["to"], [l["settlement_id"] for l in o["lines"]], o["total_fen"]])')" \
	"$($PY -c 'import json,sys; L=[json.loads(l) for l in open(sys.argv[1])]; print(json.dumps(["2026-09","2026-12",[x["settlement_id"] for o in L for x in o["lines"]],sum(o["total_fen"] for o in L)]))' "$TMP/one_by_one.json")"
check_eq "JSON: yuan beside fen, names" \
	"$(jl "$TMP/range.json" 'json.dumps([o["party_name"], o["total_yuan"], [(l["amount_fen"], l["amount_yuan"], l["product_name"]) for l in o["lines"]][-1]])')" \
	'["Wuhan Transit Group", "8942.02", [-9333, "-93.33", "Weather-adjusted mobility and clinic demand index"]]'
"$PDL" statement --party nobody --period 2026-09 --data "$D" >"$TMP/nobody.out" 2>"$TMP/nobody.err"
check_eq "an unknown party: exit 1, nothing on stdout, PDL_ENOTFOUND" \
	"$?:$(wc -c <"$TMP/nobody.out"):$(grep -c 'no party nobody in this ledger.*PDL_ENOTFOUND' "$TMP/nobody.err")" "1:0:1"
"$PDL" statement --party provider-transit --from 2026-09 --to 2026-12 --data "$D" --csv >"$TMP/st.csv"
cat >"$TMP/sheet.py" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8-sig")))
head, body = rows[0], rows[1:]
col = {h: i for i, h in enumerate(head)}
def ok(c, d, *w):
    print(("ok - " if c else "not ok - ") + d)
    if not c:
        for x in w:
            print("#   %s" % (x,))
total = [r for r in body if r[0] == "TOTAL"]
ok(len(total) == 1 and total[0] is body[-1], "one TOTAL row, the last, labelled in the first column", body)
t = int(total[0][col["total_fen"]])
# what a spreadsheet does: =SUM(H:H) over the amount column, every row
s = sum(int(r[col["amount_fen"]]) for r in body if r[col["amount_fen"]] != "")
ok(s == t == 894202, "SUM over amount_fen (TOTAL row included) is the total once: %d" % s, s, t)
ok(total[0][col["amount_fen"]] == "" and total[0][col["total_yuan"]] == "8942.02",
   "the TOTAL row leaves amount_fen empty; total_fen/total_yuan hold the total", total[0])
ok(all(r[col["total_fen"]] == "" for r in body[:-1]), "line rows leave the total columns empty")
ok(all(r[col["party_name"]] == "Wuhan Transit Group" and r[col["product_name"]].startswith("Weather-adjusted")
       for r in body[:-1]) and total[0][col["period"]] == "2026-09..2026-12",
   "party and product names on each row; the range on the TOTAL row")
ok(all(len(r) == len(head) == 13 for r in rows), "13 columns on every row")
EOF
pychecks $PY "$TMP/sheet.py" "$TMP/st.csv"
"$PDL" statement --party provider-transit --period 2026-09 --data "$D" --csv --bom >"$TMP/bom.csv"
check_eq "--bom: the file starts with the UTF-8 byte order mark" "$(head -c 3 "$TMP/bom.csv" | od -An -tx1 | tr -d ' ')" efbbbf
check_eq "... and without --bom it does not" "$(head -c 5 "$TMP/st.csv")" "party"
"$PDL" statement --party provider-transit --period 2026-09 --data "$D" --bom >/dev/null 2>&1
check_eq "--bom without --csv is a usage error" "$?" 2
"$PDL" statement --party evil-co --period 2026-09 --data "$D" --csv >"$TMP/evil.csv"
check_eq "a formula-like name is quoted and starts with ' (no formula runs)" "$(tail -1 "$TMP/evil.csv")" \
	"TOTAL,\"'=HYPERLINK(\"\"http://x\"\"),\"\"Ltd\"\"\",2026-09,,,,,,,,,0,0.00"
finish
