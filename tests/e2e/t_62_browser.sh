#!/usr/bin/env bash
# t_62_browser — the pages that prove themselves (issue 16), in a real
# browser: Debian's headless Chromium, driven over the DevTools protocol by
# browser_check.py (standard library only, --remote-debugging-pipe), loads
# the running demo — the fixture ledger (fixtures/scenario) with pdl-project
# serving it — through a proxy of the test's that logs every request and,
# when told, alters one inclusion proof or the checkpoint. It checks: a
# verified checkpoint and ✓ on every listed item; ✗ on exactly the item
# whose proof was altered, and on the checkpoint and every item when the
# checkpoint was; /verify finds a deposited file (its entry verified) and
# says "not deposited" for another file and for a privately deposited one;
# values that are markup show as text and run nothing; at 400 px no element
# leaves the viewport; no request leaves 127.0.0.1. Screenshots at 1400 and
# 400 px go to $PDL_SHOTS (make test: build/screenshots/), their paths
# printed as "# screenshot: PATH".
#
# The same scenario loaded on a ledger of the SM2/SM3 suite (tools/load-scenario.sh
# with SUITE=sm2-sm3), served by a second pdl-project, shows its page and an
# entry page "not checked" — neither ✓ nor ✗ (no browser has SM2 or SM3).
#
# Besides the fixture, the test submits: a party whose name is markup
# (hostile-co, registered by the authority) and its public deposit
# (no blob) of a file only this test has.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture_lib.sh"

CHROMIUM=$(command -v chromium || true)
if [ -z "$CHROMIUM" ]; then
	not_ok "chromium is installed (make deps installs Debian's chromium)"
	finish
fi

D=$TMP/l
fixture_load "$D" || { not_ok "the fixture ledger loads"; finish; }

# ---- a party with a hostile name, and its deposit of a file
HOSTILE='Evil <img src=x onerror="window.__pdl_pwned=1"> & "Co" '"'"'<script>window.__pdl_pwned=2</script>'
mkdir -p "$TMP/keys" "$TMP/files"
cp "$D/scenario/sign/authority.key" "$TMP/keys/"
"$PDL" keygen --out "$TMP/keys/hostile-co.key" >"$TMP/hostile.pub.json" || { not_ok "pdl keygen"; finish; }
printf 't_62: a file deposited in the ledger by hostile-co\n' >"$TMP/files/deposited.txt"
printf 't_62: a file nobody deposited\n' >"$TMP/files/other.txt"
# the blob of the fixture's ev-ridership-spec-v1: deposited, but privately (with its document)
$PY -c 'import base64,json,sys
acts = json.load(open(sys.argv[1]))
b = next(a["body"]["blob"] for a in acts if a["body"].get("evidence_id") == "ev-ridership-spec-v1")
open(sys.argv[2], "wb").write(base64.b64decode(b))' "$E2E/../../fixtures/scenario/040-evidence.json" "$TMP/files/private.txt"
$PY - "$TMP/hostile.act.json" "$TMP/hostile.pub.json" "$TMP/files/deposited.txt" "$HOSTILE" "$E2E" <<'EOF'
import hashlib, json, sys
sys.path.insert(0, sys.argv[5])
import pdlgen
out, pub, f, hostile = sys.argv[1:5]
data = open(f, "rb").read()
acts = [
    {"type": "party.register", "actor": "authority", "nonce": 9100,
     "body": {"id": "hostile-co", "name": hostile, "uscc": pdlgen.uscc(6262), "roles": ["provider"],
              "public_key": json.load(open(pub))["public_key"]}},
    {"type": "evidence.deposit", "actor": "hostile-co", "nonce": 1,
     "body": {"evidence_id": "ev-t62", "digest": hashlib.sha256(data).hexdigest(), "size": len(data),
              "media_type": "text/plain", "subject": hostile}},
]
json.dump(acts, open(out, "w"))
EOF
"$PDL" submit --keys "$TMP/keys" --data "$D" "$TMP/hostile.act.json" >"$TMP/hostile.receipts" 2>&1
check "the hostile party and its deposit are accepted" not grep -q '"error"' "$TMP/hostile.receipts"
HSEQ=$(sed -n 2p "$TMP/hostile.receipts" | $PY -c 'import json,sys; print(json.loads(sys.stdin.read())["seq"])')
SIZE=$((HSEQ + 1))
check "a checkpoint covers the deposit (size $SIZE)" wait_ckpt "$D" "$SIZE"

start_views "$D" || { not_ok "pdl-project all --http starts"; finish; }
check "the view catches up to seq $HSEQ" wait_public "$SIZE"

# ---- the same scenario on a ledger of the SM2/SM3 suite (国密), served by
# a second pdl-project: no browser can check it, and the page must say so
SM2_PID=""
stop_sm2_views() {
	[ -n "$SM2_PID" ] || return 0
	kill -TERM "$SM2_PID" 2>/dev/null
	_wait_gone "$SM2_PID" 100 || kill -9 "$SM2_PID" 2>/dev/null
	wait "$SM2_PID" 2>/dev/null
	SM2_PID=""
}
trap '_fx_rc=$?; stop_sm2_views; stop_views; (exit $_fx_rc); cleanup' EXIT
S=$TMP/s
SUITE=sm2-sm3 PDL=$PDL PDLD=$PDLD bash "$E2E/../../tools/load-scenario.sh" "$S" >"$S.load.log" 2>&1 ||
	{ not_ok "the fixture scenario loads on an sm2-sm3 ledger"; sed 's/^/#   /' "$S.load.log" | tail -20; finish; }
start_pdld "$S" || { not_ok "pdld starts on the sm2-sm3 ledger"; finish; }
SSIZE=$(log_size "$S")
check "the sm2-sm3 ledger (genesis suite $("$PDL" get 0 --data "$S" | jl - 'o["act"]["body"]["suite"]')) has a checkpoint of its $SSIZE entries" \
	wait_ckpt "$S" "$SSIZE"
SM2_PORT=$(free_port)
SM2_BASE=http://127.0.0.1:$SM2_PORT
"$PDLPROJ" all --ledger "ipc://$S/pdl.sock" --data "$TMP/proj-sm2" --http "127.0.0.1:$SM2_PORT" >>"$TMP/proj-sm2.log" 2>&1 &
SM2_PID=$!
ED_BASE=$PUB_BASE
PUB_BASE=$SM2_BASE # wait_public asks $PUB_BASE
check "its view catches up to seq $((SSIZE - 1))" wait_public "$SSIZE"
PUB_BASE=$ED_BASE

SHOTS=${PDL_SHOTS:-$TMP/screenshots}
pychecks $PY "$E2E/browser_check.py" --chromium "$CHROMIUM" --base "$PUB_BASE" --sm2-base "$SM2_BASE" \
	--deposited "$TMP/files/deposited.txt" --other "$TMP/files/other.txt" --private "$TMP/files/private.txt" \
	--hostile-seq "$HSEQ" --hostile-text "$HOSTILE" --ledger-key "$D/keys/ledger.key" --shots "$SHOTS" --tmp "$TMP"

stop_sm2_views
stop_views
finish
