#!/usr/bin/env bash
# t_77_readers — readers are authenticated on network listeners (issue 10,
# item 5), on the fixture ledger over tls+tcp:// with mutual TLS. No client
# certificate, or one from another CA: refused. With a certificate but no
# reader identity, public entries are served and private ones refused with
# PDL_EPRIVATE (a placeholder in `range`); the actor, a party named in the
# act, the authority and an auditor are served; another party, a forged,
# stale or other-op token, and a rotated-out key are refused. A PUB
# subscriber without a reader identity never receives a private entry's
# bytes; pdl-project over TLS with an auditor identity builds the same view
# as over ipc://, live too.
. "$(dirname "$0")/lib.sh"
: "${PDLPROJ:?set PDLPROJ to the pdl-project binary}"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SP="$PY $E2E/sp.py"

D=$TMP/l
PDL=$PDL PDLD=$PDLD bash "$TOP/tools/load-scenario.sh" "$D" >"$TMP/load.log" 2>&1 || {
	not_ok "the fixture scenario loads"
	sed 's/^/#   /' "$TMP/load.log"
	finish
}
K=$D/keys
SIZE=$(log_size "$D")
for s in $(seq 0 $((SIZE - 1))); do "$PDL" get "$s" --data "$D"; done >"$TMP/entries.jsonl"
LID=$("$PDL" get 0 --raw --data "$D" | sha256sum | cut -c1-64)
# seqs of interest, from the ledger itself
seq_of() { $PY - "$TMP/entries.jsonl" "$@" <<'PY'
import json, sys
E = [json.loads(l) for l in open(sys.argv[1])]
t, cond = sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "True"
print([e["seq"] for e in E if e["act"]["type"] == t and eval(cond)][0])
PY
}
REQ=$(seq_of call.request 'e["act"]["actor"] == "developer-a"')
APPROVE_CALL=$($PY -c 'import json,sys; E=[json.loads(l) for l in open(sys.argv[1])]; print(E[int(sys.argv[2])]["act"]["body"]["call_id"])' "$TMP/entries.jsonl" "$REQ")
APPROVE=$(seq_of call.approve "e['act']['body']['call_id'] == '$APPROVE_CALL'")
SETTLE=$(seq_of settlement.run)
REV=$(seq_of revenue.record)
echo "# call.request $REQ (developer-a), its call.approve $APPROVE, revenue.record $REV, settlement.run $SETTLE"

# the views over ipc://, for comparison
start_pdld "$D" || { not_ok "pdld starts"; finish; }
"$PDLPROJ" all --once --ledger "ipc://$D/pdl.sock" --data "$TMP/proj_ipc" >"$TMP/dig_ipc" 2>"$TMP/proj_ipc.err" ||
	not_ok "pdl-project over ipc"
stop_pdld

# ---- certificates: a server CA (the server's own, self-signed), a client CA
# with client certificates, and a rogue CA
cd "$TMP" || exit 1
ossl() { openssl "$@" >/dev/null 2>&1; }
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=DNS:127.0.0.1,IP:127.0.0.1" -keyout srv.key -out srv.pem
for ca in cca rogue; do
	ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$ca" -keyout $ca.key -out $ca.pem
done
for c in client:cca other:rogue; do
	n=${c%%:*} ca=${c#*:}
	ossl req -newkey rsa:2048 -nodes -subj "/CN=$n" -keyout $n.key -out $n.csr
	ossl x509 -req -in $n.csr -CA $ca.pem -CAkey $ca.key -CAcreateserial -days 2 -out $n.pem
done
chmod 600 ./*.key
cd - >/dev/null || exit 1
check "openssl made the server, client and rogue certificates" test -s "$TMP/client.pem" -a -s "$TMP/other.pem"
P=$(free_port)
P2=$(free_port)
URL=tls+tcp://127.0.0.1:$P
PUB=tls+tcp://127.0.0.1:$P2
start_pdld "$D" --listen "$URL" --publish "$PUB" --tls-cert "$TMP/srv.pem" --tls-key "$TMP/srv.key" \
	--tls-client-ca "$TMP/cca.pem" -v || { not_ok "pdld starts with --tls-client-ca"; finish; }
export PDL_TLS_CA=$TMP/srv.pem
mkfifo "$TMP/fifo.key"
timeout 5 "$PDLD" --data "$D" --listen "tls+tcp://127.0.0.1:$(free_port)" --tls-cert "$TMP/srv.pem" \
	--tls-key "$TMP/fifo.key" 2>"$TMP/e"
check_eq "a FIFO as pdld's TLS key is refused at once, never waited on (exit 1)" "$?" 1
check "  as not a regular file" grep -q "fifo.key is not a regular file (PDL_EKEY)" "$TMP/e"
"$PDL" get 0 --ledger "$URL" --tls-cert "$TMP/client.pem" --tls-key "$TMP/fifo.key" >"$TMP/o" 2>"$TMP/e"
check "a FIFO as the client's TLS key likewise" grep -q "fifo.key is not a regular file" "$TMP/e"

# ---- mutual TLS
"$PDL" get 0 --ledger "$URL" >"$TMP/o" 2>"$TMP/e"
check_eq "no client certificate: refused (exit 1)" "$?" 1
"$PDL" get 0 --ledger "$URL" --tls-cert "$TMP/other.pem" --tls-key "$TMP/other.key" >"$TMP/o" 2>"$TMP/e"
check_eq "a client certificate from another CA: refused (exit 1)" "$?" 1
"$PDL" get 0 --ledger "$URL" --tls-cert "$TMP/client.pem" >"$TMP/o" 2>"$TMP/e"
check "--tls-cert without --tls-key is an error saying so" grep -q "needs both --tls-cert FILE and --tls-key FILE" "$TMP/e"
export PDL_TLS_CERT=$TMP/client.pem PDL_TLS_KEY=$TMP/client.key
check_eq "with the client certificate (PDL_TLS_CERT/PDL_TLS_KEY): the public genesis is served" \
	"$("$PDL" get 0 --ledger "$URL" | jl - 'o["seq"]')" 0
check_eq "  and --tls-cert/--tls-key on the command line work too" \
	"$(env -u PDL_TLS_CERT -u PDL_TLS_KEY "$PDL" get 0 --ledger "$URL" --tls-cert "$TMP/client.pem" --tls-key "$TMP/client.key" | jl - 'o["seq"]')" 0
# Connections opened and closed before their handshake make pdld probe its
# listener (listen.c); a listener that requires client certificates must
# pass the probe, not be restarted as dead (dropping every connection).
"$PY" -c "
import socket, sys
for _ in range(3):
    socket.create_connection(('127.0.0.1', int(sys.argv[1]))).close()
" "$P"
sleep 2.5 # pdld looks at its listeners each second; a probe takes up to 1 s
check "TCP connections closed before their TLS handshake: the listener is not restarted" \
	not grep -q "the listener on $URL stopped accepting" "$D.pdld.log"
check_eq "  and serves a client with a certificate" "$("$PDL" get 0 --ledger "$URL" | jl - 'o["seq"]')" 0

# ---- who may read a private entry
getas() { # getas SEQ [reader options]: prints the seq served, or the error
	local s=$1
	shift
	"$PDL" get "$s" --ledger "$URL" "$@" 2>"$TMP/getas.err" | jl - 'o["seq"]' || true
	grep -o "PDL_E[A-Z]*" "$TMP/getas.err" | head -1
}
"$PDL" get "$REQ" --ledger "$URL" >"$TMP/o" 2>"$TMP/e"
check_eq "anonymous get of a private call.request: refused (exit 1)" "$?" 1
check "  with a clear error: PDL_EPRIVATE, who may read it, how to identify" \
	grep -q "entry $REQ is private: only its actor, parties named in it, the authority and auditors may read it; identify with --reader ID --reader-key FILE (PDL_EPRIVATE)" "$TMP/e"
check "  and nothing of it on stdout" test ! -s "$TMP/o"
check_eq "anonymous get of the revenue.record: refused" "$(getas "$REV")" PDL_EPRIVATE
check_eq "its actor developer-a gets the call.request" "$(getas "$REQ" --reader developer-a --reader-key "$K/developer-a.key")" "$REQ"
check_eq "the authority gets it" "$(getas "$REQ" --reader authority --reader-key "$K/authority.key")" "$REQ"
check_eq "an auditor gets it (PDL_READER/PDL_READER_KEY)" \
	"$(PDL_READER=auditor PDL_READER_KEY=$K/auditor.key getas "$REQ")" "$REQ"
check_eq "another developer does not" "$(getas "$REQ" --reader developer-b --reader-key "$K/developer-b.key")" PDL_EPRIVATE
check_eq "the requester gets the operator's call.approve (named in the call's record)" \
	"$(getas "$APPROVE" --reader developer-a --reader-key "$K/developer-a.key")" "$APPROVE"
# paid in the settlement, and not in it (nor its actor, product or grant's operator)
read -r NAMED UNNAMED <<<"$($PY - "$TMP/entries.jsonl" "$SETTLE" <<'PY'
import json, sys
E = [json.loads(l) for l in open(sys.argv[1])]
e = E[int(sys.argv[2])]
paid = sorted({l["party"] for l in e["outcome"]["lines"]} - {"authority"})
others = [p for p in ("provider-transit", "provider-health", "provider-weather", "developer-a", "developer-b",
                      "developer-c", "operator-scenario", "registrar") if p not in paid and p != e["act"]["actor"]]
print(paid[0], others[0])
PY
)"
check_eq "a party paid in the settlement ($NAMED) gets the settlement.run" \
	"$(getas "$SETTLE" --reader "$NAMED" --reader-key "$K/$NAMED.key")" "$SETTLE"
check_eq "a party not in it ($UNNAMED) does not" \
	"$(getas "$SETTLE" --reader "$UNNAMED" --reader-key "$K/$UNNAMED.key")" PDL_EPRIVATE

# ---- tokens that must not work
check_eq "a forged token (developer-a's name, developer-b's key): PDL_EBADSIG" \
	"$(getas "$REQ" --reader developer-a --reader-key "$K/developer-b.key")" PDL_EBADSIG
check_eq "a rotated-out key (developer-c's first key): PDL_EBADSIG" \
	"$(getas 0 --reader developer-c --reader-key "$K/developer-c.key")" PDL_EBADSIG
check_eq "  its current key works" "$(getas 0 --reader developer-c --reader-key "$K/developer-c-2.key")" 0
check_eq "an unknown party: PDL_EACTOR" "$(getas 0 --reader nobody-here --reader-key "$K/developer-b.key")" PDL_EACTOR
TLSO="--ca $TMP/srv.pem --cert $TMP/client.pem --key $TMP/client.key"
$SP call "$URL" "{\"op\":\"get\",\"seq\":$REQ}" --auth developer-a "$K/developer-a.key" get "$LID" 0 $TLSO >"$TMP/c1"
check "sp.py's own token, made now, is served (the check is not pdl-specific)" grep -q '"entry"' "$TMP/c1"
$SP call "$URL" "{\"op\":\"get\",\"seq\":$REQ}" --auth developer-a "$K/developer-a.key" get "$LID" -600000 $TLSO >"$TMP/c2"
check "a token 10 minutes old: PDL_ECLOCK, saying it is stale" grep -q '"PDL_ECLOCK".*stale' "$TMP/c2"
$SP call "$URL" "{\"op\":\"get\",\"seq\":$REQ}" --auth developer-a "$K/developer-a.key" head "$LID" 0 $TLSO >"$TMP/c3"
check "a token made for another op (head) used for get: PDL_EBADSIG" grep -q '"PDL_EBADSIG"' "$TMP/c3"
$SP call "$URL" "{\"op\":\"get\",\"seq\":$REQ}" --auth developer-a "$K/developer-a.key" get "$(echo "$LID" | tr 0-9a-f 1-9a-f0)" 0 $TLSO >"$TMP/c4"
check "a token for another ledger: PDL_EBADSIG" grep -q '"PDL_EBADSIG"' "$TMP/c4"

# ---- blob (a deposit's file): only its depositor or the authority, so
# that the answer tells an anonymous client nothing (a hostile review
# found an oracle: a guessed file of a private deposit was confirmed)
SPEC=$($PY -c 'import json; [print(a["body"]["blob"]) for a in json.load(open("'"$TOP"'/fixtures/scenario/040-evidence.json")) if a["body"]["evidence_id"] == "ev-clinic-spec"]')
GUESS=$(printf 'a guess' | base64)
blob() { # ID B64 [--auth …]: the reply's error and message, or "stored SIZE"
	local id=$1 b=$2
	shift 2
	$SP call "$URL" "{\"op\":\"blob\",\"evidence_id\":\"$id\",\"data\":{\"bin\":\"$b\"}}" "$@" $TLSO |
		jl - 'o.get("error", "stored") + " " + str(o.get("message", o.get("size")))'
}
a1=$(blob ev-clinic-spec "$GUESS")
a2=$(blob ev-clinic-spec "$SPEC")
a3=$(blob ev-nothing-here "$GUESS")
check "anonymous blob of a private deposit's right file: PDL_EPRIVATE, a reader token needed" \
	test "${a2%% *}" = PDL_EPRIVATE
check "  the same answer for a wrong guess and for an unknown id (no oracle)" test "$a1" = "$a2" -a "$a3" = "$a2"
b1=$(blob ev-clinic-spec "$SPEC" --auth developer-a "$K/developer-a.key" blob "$LID" 0)
b2=$(blob ev-nothing-here "$SPEC" --auth developer-a "$K/developer-a.key" blob "$LID" 0)
check_eq "another party's token: told what an unknown id gets" "$b1" \
	"PDL_ENOTFOUND no evidence ev-clinic-spec deposited by developer-a in the log"
check "  likewise for an unknown id" test "${b2%% *}" = PDL_ENOTFOUND
check_eq "the depositor's token stores its file" \
	"$(blob ev-clinic-spec "$SPEC" --auth provider-health "$K/provider-health.key" blob "$LID" 0)" "stored 79"

# ---- range: placeholders, exactly for the private entries
$SP call "$URL" "{\"op\":\"range\",\"from\":0,\"count\":$SIZE}" $TLSO >"$TMP/range.json"
pychecks $PY - "$TMP/range.json" "$TMP/entries.jsonl" "$D" <<'PY'
import base64, hashlib, json, subprocess, sys, os
r = json.load(open(sys.argv[1]))
E = [json.loads(l) for l in open(sys.argv[2])]
PRIVATE = {a["type"] for a in map(json.loads, subprocess.run([os.environ["PDL"], "acts"], capture_output=True,
           text=True).stdout.splitlines()) if a["disclosure"] in ("private", "public_without", "private_until_resolved")}
def private(e):
    t, b = e["act"]["type"], e["act"]["body"]
    return t in PRIVATE or (t == "evidence.deposit" and "blob" in b)
want = [e["seq"] for e in E if private(e)]
els = r["entries"]
got = [i for i, x in enumerate(els) if isinstance(x, dict) and x.get("private") is True and "bin" not in x]
print(("ok" if len(els) == len(E) else "not ok") + " - anonymous range gives one element per entry (%d)" % len(els))
print(("ok" if got == want and want else "not ok") + " - placeholders exactly for the %d private entries" % len(want))
bad = 0
for i in got:
    raw = subprocess.run([os.environ["PDL"], "get", str(i), "--raw", "--data", sys.argv[3]], capture_output=True).stdout
    x = els[i]
    if x["seq"] != i or base64.b64decode(x["hash"]["bin"]) != hashlib.sha256(raw).digest() or len(x) != 3:
        bad += 1
print(("ok" if bad == 0 else "not ok") + " - each placeholder is {seq, private, hash} with the entry's chain hash")
pub = [i for i, x in enumerate(els) if isinstance(x, dict) and "bin" in x]
same = all(base64.b64decode(els[i]["bin"]) == subprocess.run([os.environ["PDL"], "get", str(i), "--raw", "--data", sys.argv[3]], capture_output=True).stdout for i in pub[:20])
print(("ok" if same and len(pub) == len(E) - len(want) else "not ok") + " - the public entries come whole")
PY

# ---- pdl-project over TLS: an auditor builds the same views as over ipc://
"$PDLPROJ" all --once --ledger "$URL" --pub "$PUB" --reader auditor --reader-key "$K/auditor.key" \
	--data "$TMP/proj_tls" >"$TMP/dig_tls" 2>"$TMP/proj_tls.err"
proj_rc=$?
check_eq "pdl-project --once over TLS as auditor" "$proj_rc" 0
# seen once under load (exit 1): say why if it happens again
[ "$proj_rc" = 0 ] || tail -5 "$TMP/proj_tls.err" | sed 's/^/#   /'
check_eq "  builds the same view digest as over ipc://" "$(jl "$TMP/dig_tls" 'o["digest"]')" "$(jl "$TMP/dig_ipc" 'o["digest"]')"
"$PDLPROJ" all --once --ledger "$URL" --pub "$PUB" --data "$TMP/proj_anon" >"$TMP/o" 2>"$TMP/e"
check_eq "without a reader identity it refuses to build views from part of the log (exit 1)" "$?" 1
check "  naming the private entry and what it needs" grep -q "is private.*an auditor or the authority.*PDL_EPRIVATE" "$TMP/e"

# ---- PUB on a network listener: no private bytes to a subscriber without identity
"$PDLPROJ" all --ledger "$URL" --pub "$PUB" --reader auditor --reader-key "$K/auditor.key" --data "$TMP/proj_tls" \
	>"$TMP/live.out" 2>"$TMP/live.err" &
LIVE=$!
$SP sub "$PUB" 6 "$TMP/sub.jsonl" $TLSO >"$TMP/sub.out" 2>&1 &
SUB=$!
sleep 1.5 # both subscribed
$PY - "$TMP/pub_acts.json" <<'PY'
import base64, hashlib, json, sys
secret = b"PRIVATE-DOC-7f3a " * 40
acts = [
    {"type": "evidence.deposit", "actor": "auditor", "nonce": 900001,
     "body": {"evidence_id": "t77-private", "digest": hashlib.sha256(secret).hexdigest(), "size": len(secret),
              "media_type": "text/plain", "subject": "SUBJECT-PRIV-91c2", "blob": base64.b64encode(secret).decode()}},
    {"type": "evidence.deposit", "actor": "auditor", "nonce": 900002,
     "body": {"evidence_id": "t77-public", "digest": hashlib.sha256(b"p").hexdigest(), "size": 1,
              "media_type": "text/plain", "subject": "SUBJECT-PUBLIC-44d0"}},
]
json.dump(acts, open(sys.argv[1], "w"))
PY
"$PDL" submit --key "$K/auditor.key" --ledger "$URL" "$TMP/pub_acts.json" >"$TMP/pub_r" 2>&1
check_eq "a private and a public act submitted over TLS" "$(grep -c '"seq"' "$TMP/pub_r")" 2
wait "$SUB"
pychecks $PY - "$TMP/sub.jsonl" "$SIZE" "$E2E" <<'PY'
import base64, json, sys
sys.path.insert(0, sys.argv[3])
from pdlgen import mp_unpack
msgs = [base64.b64decode(json.loads(l)["b64"]) for l in open(sys.argv[1])]
size = int(sys.argv[2])
raw = b"".join(msgs)
secrets = [b"PRIVATE-DOC-7f3a", base64.b64encode(b"PRIVATE-DOC-7f3a " * 3)[:24], b"SUBJECT-PRIV-91c2", b"t77-private"]
print(("ok" if msgs else "not ok") + " - the subscriber received %d messages" % len(msgs))
print(("ok" if not any(s in raw for s in secrets) else "not ok") + " - none carries the private act's document, subject or id")
print(("ok" if b"SUBJECT-PUBLIC-44d0" in raw else "not ok") + " - the public act came whole")
ph = []
for m in msgs:
    if m[:1] == b"e":
        o = mp_unpack(m[1:])
        ph += [x for x in o["entries"] if isinstance(x, dict)]
print(("ok" if [x["seq"] for x in ph] == [size] and ph[0]["private"] is True else "not ok") +
      " - the private entry came as a placeholder {seq %d, private, hash}" % size)
PY
for _ in $(seq 100); do
	[ "$("$PDLPROJ" digest all --data "$TMP/proj_tls" | jl - 'o["next"]')" = $((SIZE + 2)) ] && break
	sleep 0.1
done
check_eq "the live auditor follower applied both, the private one fetched by range" \
	"$("$PDLPROJ" digest all --data "$TMP/proj_tls" | jl - 'o["next"]')" $((SIZE + 2))
kill -TERM "$LIVE"
wait "$LIVE"
check_eq "  and exits 0 on SIGTERM" "$?" 0
# ---- the network blob put, last: its deposit adds an entry
printf 'a file of t_77\n' >"$TMP/t77.txt"
"$PDL" evidence deposit "$TMP/t77.txt" --key "$K/developer-b.key" --actor developer-b --id t77-stored \
	--subject "t_77 file" --ledger "$URL" --tls-cert "$TMP/client.pem" --tls-key "$TMP/client.key" --store \
	>"$TMP/dep.out" 2>"$TMP/dep.err"
check_eq "pdl evidence deposit --store over the network signs its own token: stored" \
	"$?:$(jl "$TMP/dep.out" 'o.get("stored")' | tail -1)" "0:true"
# ---- a suspended party reads nothing private (as on the private HTTP listener)
printf '[{"type": "party.suspend", "actor": "authority", "nonce": 900101, "body": {"id": "developer-a", "reason": "t77"}}]' \
	>"$TMP/susp.json"
"$PDL" submit --key "$K/authority.key" --ledger "$URL" "$TMP/susp.json" >"$TMP/susp_r" 2>&1
check_eq "developer-a suspended" "$(grep -c '"seq"' "$TMP/susp_r")" 1
"$PDL" get "$REQ" --ledger "$URL" --reader developer-a --reader-key "$K/developer-a.key" >"$TMP/o" 2>"$TMP/e"
check_eq "  its own private call.request is now refused to it (exit 1)" "$?" 1
check "  PDL_ESUSPENDED, saying it is suspended" grep -q "developer-a is suspended: it reads nothing private" "$TMP/e"
check "  and nothing of it on stdout" test ! -s "$TMP/o"
stop_pdld || not_ok "pdld stops"
check "pdld logged the refused private reads (--verbose)" grep -q "private entry $REQ refused to an anonymous reader" "$D.pdld.log"
finish
