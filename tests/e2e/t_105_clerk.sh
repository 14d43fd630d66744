#!/usr/bin/env bash
# t_105_clerk — what a registration clerk needs (issue 15, "Clerks"):
#   - README's "A registration, start to finish", run exactly as written
#     (the lines between its walkthrough markers, from a copy of this tree's
#     docs/ and fixtures/): every act accepted but the early assign_code,
#     which says in words and CST when the notice ends; CST beside every ms
#     in the receipts; the code; code check and show find who and when;
#   - spec/acts.md points only at files that exist (and README too);
#   - pdl acts --template for every act type: the schema's fields, and
#     submitted unfilled it is refused with every field named in one reply;
#   - an act with three field mistakes gets one reply naming all three;
#   - pdl code uscc / check name the expected check character; code check
#     and show over --ledger agree with --data;
#   - the test clock: pdld refuses --test-clock on a ledger whose genesis
#     does not allow it; pdld warns when the ledger's time is ahead of the
#     machine's; pdl get 0 and verify show test_clock;
#   - the feed carries time_cst.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
PDLPROJ=${PDLPROJ:-$(dirname "$PDL")/pdl-project}
BIN=$TMP/bin
mkdir -p "$BIN" "$TMP/walk"
ln -s "$PDL" "$BIN/pdl"
ln -s "$PDLD" "$BIN/pdld"
cp -r "$ROOT/docs" "$ROOT/fixtures" "$TMP/walk/"

# ---- the README walkthrough, exactly
sed -n '/<!-- walkthrough:begin -->/,/<!-- walkthrough:end -->/p' "$ROOT/README.md" | sed '1,2d;$d' | sed '$d' >"$TMP/walk.sh"
check_eq "README has the walkthrough block (init … verify)" \
	"$(head -1 "$TMP/walk.sh" | cut -d' ' -f1-2) / $(tail -1 "$TMP/walk.sh")" "install -d / pdl verify --data walk"
(cd "$TMP/walk" && PATH=$BIN:$PATH bash "$TMP/walk.sh") >"$TMP/walk.out" 2>"$TMP/walk.err"
check_eq "the walkthrough runs to the end (exit 0)" "$?" 0 || sed 's/^/#   /' "$TMP/walk.err" | head
grep '^{' "$TMP/walk.out" >"$TMP/walk.json"
check_eq "every act is accepted but the early assign_code (rule registration.notice_not_over)" \
	"$(jl "$TMP/walk.json" 'o.get("rule","")' | grep -v '^$' | tr '\n' ' ')" "registration.notice_not_over "
check_eq "... which says when, in CST and working days" \
	"$(jl "$TMP/walk.json" 'o.get("message","")' | grep notice)" \
	"the notice of application app-walk ends 2026-09-16T00:00+08:00 (in 10 working days); it is now 2026-09-01T10:00+08:00"
check_eq "receipts carry time_cst beside time_ms" \
	"$(jl "$TMP/walk.json" 'o.get("time_cst","-")' | grep -c '^2026-09-0[1]T1[0]:00+08:00$')" 7
check_eq "apply's outcome: accept_due and accept_due_cst (3 working days)" \
	"$(jl "$TMP/walk.json" 'o.get("outcome",{}).get("accept_due_cst","")' | grep -v '^$')" "2026-09-05T00:00+08:00"
check_eq "publicize's outcome: notice_ends_cst (10 working days)" \
	"$(jl "$TMP/walk.json" 'o.get("outcome",{}).get("notice_ends_cst","")' | grep -v '^$')" "2026-09-16T00:00+08:00"
check_eq "the code assigned" "$(jl "$TMP/walk.json" 'o.get("outcome",{}).get("code","")' | grep -v '^$')" \
	420100-2026-R-00000001-T
check_eq "code check: assigned by the registrar at seq 9, when, live" \
	"$(grep '"assigned"' "$TMP/walk.json" | jl - '" ".join(str(o[k]) for k in ("assigned","by","seq","time_cst","status","application_id"))')" \
	"True registrar 9 2026-09-16T09:00+08:00 live app-walk"
check_eq "show registration: coded, notice_ends_cst, and its 5 entries in order" \
	"$(grep '"kind":"registration"' "$TMP/walk.json" | jl - 'o["state"]["status"]+" "+o["state"]["notice_ends_cst"]+" "+" ".join(e["type"].split(".")[1] for e in o["entries"])')" \
	"coded 2026-09-16T00:00+08:00 apply accept review publicize assign_code"
check_eq "verify: ok, and the genesis says test clock" \
	"$(grep '"checked"' "$TMP/walk.json" | jl - 'str(o["ok"])+" "+str(o["test_clock"])+" "+str(o["size"])')" "True True 10"
W=$TMP/walk/walk

# ---- the documents point at files that exist
pychecks $PY "$E2E/doc_refs.py" "$ROOT" spec/acts.md README.md

# ---- pdl acts --template
cat >"$TMP/tmpl.py" <<'PY'
import json, subprocess, sys
PDL = sys.argv[1]
acts = [json.loads(l) for l in subprocess.run([PDL, "acts"], capture_output=True, text=True, check=True).stdout.splitlines()]
bad = []
def fields(spec, tmpl, path):
    names = [f["name"] for f in spec]
    if list(tmpl) != names:
        bad.append("%s: %s != %s" % (path, list(tmpl), names))
    for f in spec:
        v = tmpl.get(f["name"])
        if "fields" in f:
            sub = v[0] if isinstance(v, list) else v
            fields(f["fields"], sub, path + "." + f["name"])
        elif f["type"] != "map":
            leaf = v[0] if isinstance(v, list) else v
            if not (isinstance(leaf, str) and leaf.startswith("<") and leaf.endswith(">")):
                bad.append("%s.%s: %r" % (path, f["name"], v))
            elif f.get("optional") and "optional" not in leaf:
                bad.append("%s.%s is optional but not marked: %r" % (path, f["name"], leaf))
            elif "values" in f and not all(x in leaf for x in f["values"]):
                bad.append("%s.%s does not list its values: %r" % (path, f["name"], leaf))
for a in acts:
    t = json.loads(subprocess.run([PDL, "acts", "--template", a["type"]], capture_output=True, text=True, check=True).stdout)
    if t.get("type") != a["type"] or not t["actor"].startswith("<") or not t["nonce"].startswith("<"):
        bad.append(a["type"] + ": head")
    fields(a["body"], t["body"], a["type"])
print(("ok - " if not bad else "not ok - ") + "acts --template: every act type's fields, placeholders that say the type, optional ones marked (%d types)" % len(acts))
for b in bad[:10]:
    print("#   " + b)
PY
pychecks $PY "$TMP/tmpl.py" "$PDL"
"$PDL" acts --template no.such >/dev/null 2>"$TMP/t.err"
check_eq "an unknown type: exit 1, PDL_ETYPE" "$?:$(grep -c PDL_ETYPE "$TMP/t.err")" "1:1"

# a fresh ledger, not on a test clock, for what follows
D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
"$PDLD" --data "$D" --test-clock 2>"$TMP/refused.err"
check_eq "pdld --test-clock on a ledger made without it: exit 2" "$?" 2
check "... saying why" grep -q "test-clock refused: the genesis of $D does not allow a test clock" "$TMP/refused.err"
check_eq "its genesis has no test_clock; verify says false" \
	"$("$PDL" get 0 --data "$D" | jl - 'str(o["act"]["body"].get("test_clock"))') $("$PDL" verify --data "$D" --quiet | jl - 'str(o["test_clock"])')" \
	"None False"
check_eq "the walkthrough's genesis has test_clock: true" "$("$PDL" get 0 --data "$W" | jl - 'str(o["act"]["body"]["test_clock"])')" True
start_pdld "$D" || { not_ok "pdld starts"; finish; }
"$PDL" acts --template registration.apply >"$TMP/apply_tmpl.json"
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/apply_tmpl.json" >"$TMP/tmpl.out" 2>&1
check_eq "the template submitted unfilled: refused, PDL_EFIELD, every placeholder field named in one reply" \
	"$(jl "$TMP/tmpl.out" 'o.get("error")+" "+" ".join(str(x in o["message"]) for x in ("act.actor","act.nonce","body.application_id","body.kind","body.subject","body.evidence[0]"))' 2>/dev/null)" \
	"PDL_EFIELD True True True True True True"
cat >"$TMP/three.json" <<'JSON'
{"type":"registration.apply","actor":"authority","nonce":7,"body":{"application_id":"a1","kind":"X","subject":"s1","name":"n","evidence":["e1"],"colour":"red"}}
JSON
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/three.json" >"$TMP/three.out" 2>&1
check_eq "three mistakes, one reply naming all three" "$(jl "$TMP/three.out" 'o.get("message")')" \
	'3 field errors: body.kind: must be one of R|P|S; body: unknown field "colour"; body.summary: missing field'

# ---- codes
check_eq "code uscc: the expected check character" \
	"$("$PDL" code uscc 91420100MA4K12345A | jl - 'o["expected_check"]+" / "+o["why"]')" \
	"K / check character mismatch: the rest of the code calls for K, not A"
check_eq "code check: the expected check character" \
	"$("$PDL" code check 420100-2026-R-00000001-A | jl - 'o["expected_check"]')" T
"$PDL" code check 420100-2026-R-00000002-$("$PDL" code check 420100-2026-R-00000002-0 | jl - 'o["expected_check"]') --data "$W" >"$TMP/never.out" 2>"$TMP/never.err"
check_eq "a valid code the ledger never assigned: exit 1, assigned false" "$?:$(jl "$TMP/never.out" 'o["assigned"]')" "1:false"
stop_pdld
start_pdld "$W" --test-clock || { not_ok "pdld starts on the walkthrough ledger"; finish; }
"$PDL" code check 420100-2026-R-00000001-T --data "$W" >"$TMP/cd.json"
"$PDL" code check 420100-2026-R-00000001-T --ledger "ipc://$W/pdl.sock" >"$TMP/cl.json"
check "code check over --ledger prints what --data prints" cmp "$TMP/cd.json" "$TMP/cl.json"
"$PDL" show registration app-walk --ledger "ipc://$W/pdl.sock" >"$TMP/sl.json"
"$PDL" show registration app-walk --data "$W" >"$TMP/sd.json"
check_eq "show over --ledger: the same entries, state null (pdld serves entries)" \
	"$(jl "$TMP/sl.json" 'json.dumps([o["state"], o["entries"]])')" "$(jl "$TMP/sd.json" 'json.dumps([None, o["entries"]])')"
check_eq "show party registrar: roles by name, registered at seq 1" \
	"$("$PDL" show party registrar --data "$W" | jl - 'str(o["state"]["roles"])+" "+str(o["entries"][0]["seq"])')" "['registrar'] 1"
"$PDL" show grant nothing --data "$W" >/dev/null 2>"$TMP/sg.err"
check_eq "show of nothing: exit 1, PDL_ENOTFOUND" "$?:$(grep -c PDL_ENOTFOUND "$TMP/sg.err")" "1:1"

# ---- the feed's CST
port=$(free_port)
"$PDLPROJ" disclosure --ledger "ipc://$W/pdl.sock" --data "$TMP/view" --http "127.0.0.1:$port" >"$TMP/view.log" 2>&1 &
VIEW=$!
n=100
until $PY -c 'import sys,urllib.request,json; d=json.load(urllib.request.urlopen(sys.argv[1])); sys.exit(0 if d["as_of"] and d["as_of"]["seq"] >= 9 else 1)' \
	"http://127.0.0.1:$port/v1/feed?limit=1" 2>/dev/null || [ $n -le 0 ]; do sleep 0.1; n=$((n - 1)); done
$PY -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' \
	"http://127.0.0.1:$port/v1/feed?limit=100" >"$TMP/feed.json"
check_eq "feed items: time_cst beside time_ms, notice_ends_cst in publicize's outcome" \
	"$(jl "$TMP/feed.json" 'str(all(i["time_cst"].endswith("+08:00") for i in o["items"]))+" "+" ".join(i["outcome"]["notice_ends_cst"] for i in o["items"] if "notice_ends_cst" in i.get("outcome",{}))')" \
	"True 2026-09-16T00:00+08:00"
kill "$VIEW" 2>/dev/null
wait "$VIEW" 2>/dev/null
stop_pdld

# ---- pdld warns when the ledger's time is ahead of the machine's
F=$TMP/future
init_ledger "$F" --time 2099-01-01T00:00+08:00 || not_ok "pdl init --time 2099"
start_pdld "$F" || not_ok "pdld starts on a ledger from 2099"
stop_pdld
check "pdld warns: the ledger's time is ahead of this machine's clock" \
	grep -q "pdld: warning: the ledger's time (2099-01-01T00:00+08:00, entry 0) is ahead of this machine's clock" "$F.pdld.log"
check "... not on a ledger of today" not grep -q "warning: the ledger's time" "$D.pdld.log"
finish
