#!/usr/bin/env bash
# t_103_witness_policy — pdld --witness-policy (C2SP tlog-policy): with a
# 2-of-3 quorum of real witnesses (`pdl witness serve`), a checkpoint is
# published only with two valid cosignatures; when two witnesses go down,
# writes go on and the published checkpoint stays where it was; when one
# comes back, publishing resumes with a quorate checkpoint (and after a
# restart of pdld, the 409 path brings the witnesses' sizes back). Hostile
# witnesses (wrong signatures, garbage, slow, endless bodies, redirects,
# lying 409s) never stall writes and are named in pdld's log; a quorum that
# needs one stalls publishing only. Policies pdld cannot use are refused.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
C2SP="$PY $E2E/c2sp.py"

# ---- witnesses: keys, ports, the logs they witness (this ledger)
echo "log $VKEY" >"$TMP/logs"
declare -A WPID WPORT WVK
for w in W1 W2 W3 H1 H2 H3 H4; do
	WPORT[$w]=$(free_port)
	"$PDL" witness keygen --name "$w.test.example/w" --out "$TMP/$w.key" >"$TMP/$w.json" || not_ok "keygen $w"
	WVK[$w]=$(jl "$TMP/$w.json" 'o["vkey"]')
	mkdir -p "$TMP/$w"
done

wait_port() {
	$PY - "$1" <<'PYEOF'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PYEOF
}

start_w() { # NAME [serve options]
	"$PDL" witness serve --data "$TMP/$1" --listen "127.0.0.1:${WPORT[$1]}" --key "$TMP/$1.key" \
		--name "$1.test.example/w" --logs "$TMP/logs" "${@:2}" 2>>"$TMP/$1.log" &
	WPID[$1]=$!
	wait_port "${WPORT[$1]}" || not_ok "witness $1 listens"
}

stop_w() {
	kill -TERM "${WPID[$1]}" 2>/dev/null
	wait "${WPID[$1]}" 2>/dev/null
}

start_hostile() { # NAME MODES
	$PY "$E2E/hostile_witness.py" "${WPORT[$1]}" "$1.test.example/w" "$TMP/$1.key" "$2" 2>>"$TMP/$1.log" &
	WPID[$1]=$!
	wait_port "${WPORT[$1]}" || not_ok "hostile witness $1 listens"
}

witness_line() { echo "witness $1 ${WVK[$1]} ${2:-http}://127.0.0.1:${WPORT[$1]}"; }

# W3 serves https: a self-signed certificate naming 127.0.0.1 (as a DNS
# name: mbedTLS matches DNS names only), which pdld trusts by --witness-ca
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=DNS:127.0.0.1" \
	-keyout "$TMP/w3tls.key" -out "$TMP/w3tls.pem" >/dev/null 2>&1 && chmod 600 "$TMP/w3tls.key" ||
	not_ok "openssl makes W3's certificate"
W3TLS="--https-cert $TMP/w3tls.pem --https-key $TMP/w3tls.key"

# published: the size of the checkpoint `pdl checkpoint` shows (the note in $TMP/pub)
published() {
	"$PDL" checkpoint --data "$D" 2>/dev/null >"$TMP/pub" || { : >"$TMP/pub"; return; }
	sed -n 2p "$TMP/pub"
}

# witness_size W: the size witness W's monitoring route shows for this ledger
witness_size() {
	$PY - "${WPORT[$1]}" <<'PYEOF'
import hashlib, urllib.request, sys
h = hashlib.sha256(b"test.example/pdl").hexdigest()
try:
    print(urllib.request.urlopen("http://127.0.0.1:%s/%s/checkpoint" % (sys.argv[1], h), timeout=10).read().decode().split("\n")[1])
except Exception as e:
    print("error: %s" % e)
PYEOF
}

# wait_published SIZE: up to 60 s for the published checkpoint to reach SIZE
wait_published() {
	local n=600
	while [ "$n" -gt 0 ]; do
		"$PDL" checkpoint --data "$D" >"$TMP/pub" 2>/dev/null && [ "$(sed -n 2p "$TMP/pub")" = "$1" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# cosigners: the names of the witnesses whose cosignatures on $TMP/pub verify
cosigners() {
	$C2SP cosigned "$TMP/pub" "$VKEY" "${WVK[W1]}" "${WVK[W2]}" "${WVK[W3]}" "${WVK[H1]}" "${WVK[H2]}" \
		"${WVK[H3]}" "${WVK[H4]}" | jl - '"ledger" if o["ledger"] else "NO-LEDGER-SIGNATURE"' | tr -d '\n'
	$C2SP cosigned "$TMP/pub" "$VKEY" "${WVK[W1]}" "${WVK[W2]}" "${WVK[W3]}" "${WVK[H1]}" "${WVK[H2]}" \
		"${WVK[H3]}" "${WVK[H4]}" | jl - '"".join(" " + n.split(".")[0] for n in o["cosigned"])'
}

# wait_log FILE TEXT: up to 30 s for TEXT in FILE
wait_log() {
	local n=300
	while [ "$n" -gt 0 ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# alive: pdld (the last started) still runs; if not, the end of its log
# goes to the output, so that a crash names itself
alive() {
	kill -0 "$PDLD_PID" 2>/dev/null && return 0
	echo "# pdld is gone; the end of its log:"
	tail -n 40 "$D.pdld.log" | sed 's/^/#   /'
	return 1
}

submit_n() { # COUNT FIRST-NUMBER: submits COUNT acts, prints the receipts' count
	$GEN acts "$TMP/s$2_" 1 "$1" "$2"
	"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/s$2_"*.json 2>>"$TMP/submit.err" | grep -c '"seq"'
}

# ---- policies pdld refuses, before it serves
bad_policy() { # DESC TEXT WANT
	printf '%s\n' "$2" >"$TMP/bad.policy"
	"$PDLD" --data "$D" --witness-policy "$TMP/bad.policy" 2>"$TMP/bad.err" &
	local pid=$! rc
	wait $pid
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q -- "$3" "$TMP/bad.err"; then ok "pdld refuses $1"; else
		not_ok "pdld refuses $1 (exit $rc)"; sed 's/^/#   /' "$TMP/bad.err"; fi
}
bad_policy "a witness key of type 0x01 (not a cosignature key)" \
	"witness X ${VKEY} http://127.0.0.1:1
quorum X" "type 0x01"
bad_policy "a witness without a URL" "witness X ${WVK[W1]}
quorum X" "has no URL"
bad_policy "a quorum naming nothing defined before" "quorum X
witness X ${WVK[W1]} http://127.0.0.1:1" "line 1"
bad_policy "a group with a threshold over its members" "witness X ${WVK[W1]} http://127.0.0.1:1
group G 2 X
quorum G" "threshold"
other=$($PY -c 'import sys; sys.path.insert(0, sys.argv[1]); import c2sp; print(c2sp.Signer("other.example/log").vkey())' "$E2E")
bad_policy "a policy listing logs but not this ledger" "log $other
witness X ${WVK[W1]} http://127.0.0.1:1
quorum X" "not this ledger"
bad_policy "a policy without a quorum line" "witness X ${WVK[W1]} http://127.0.0.1:1" "no quorum line"
# an sm2-sm3 ledger's checkpoints are SM2 over SM3 trees: no C2SP witness checks them
"$PDL" init --data "$TMP/sm2" --origin sm2.example/pdl --jurisdiction 420100 --suite sm2-sm3 >/dev/null 2>&1 ||
	not_ok "pdl init --suite sm2-sm3"
printf 'witness X %s http://127.0.0.1:1\nquorum X\n' "${WVK[W1]}" >"$TMP/sm2.policy"
"$PDLD" --data "$TMP/sm2" --witness-policy "$TMP/sm2.policy" 2>"$TMP/sm2.err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "crypto suite is sm2-sm3" "$TMP/sm2.err" &&
	ok "pdld refuses a witness policy for an sm2-sm3 ledger, naming its suite" ||
	{ not_ok "pdld refuses a witness policy for an sm2-sm3 ledger (exit $rc)"; sed 's/^/#   /' "$TMP/sm2.err"; }
"$PDLD" --data "$D" --read-only --witness-policy "$TMP/sm2.policy" 2>"$TMP/ro.err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "exclude each other" "$TMP/ro.err" && ok "pdld refuses --witness-policy with --read-only" ||
	{ not_ok "pdld refuses --witness-policy with --read-only (exit $rc)"; sed 's/^/#   /' "$TMP/ro.err"; }
"$PDLD" --help | grep -q -- '--witness-policy FILE' && ok "pdld --help documents --witness-policy" ||
	not_ok "pdld --help documents --witness-policy"

# ---- 2 of 3
{
	echo "# 2 of 3 witnesses"
	echo "log $VKEY"
	witness_line W1
	witness_line W2
	witness_line W3 https
	echo "group G 2 W1 W2 W3"
	echo "quorum G"
} >"$TMP/policy"
start_w W1
start_w W2
start_w W3 $W3TLS
start_pdld "$D" --witness-policy "$TMP/policy" --checkpoint-ms 100 --witness-timeout-ms 2000 \
	--witness-ca "$TMP/w3tls.pem" ||
	{ not_ok "pdld starts with a 2-of-3 policy"; finish; }
# a SUB client of our own records every checkpoint pdld publishes
$PY "$E2E/pub_watch.py" "$D/pdl.pub" "$TMP/pubc" 2>"$TMP/pubc.err" &
WATCH=$!
n=100
while [ ! -e "$TMP/pubc/ready" ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
[ -e "$TMP/pubc/ready" ] || not_ok "pub_watch.py subscribes"
wait_published 1 && ok "the genesis checkpoint is published once cosigned" || not_ok "checkpoint 1 published"
check_eq "10 acts are written" "$(submit_n 10 1)" 10
wait_published 11 && ok "the checkpoint at size 11 is published" || not_ok "checkpoint 11 published"
c=$(cosigners)
case "$c" in ledger*W?*W?*) ok "it carries the ledger's signature and at least two valid cosignatures ($c)" ;;
*) not_ok "two valid cosignatures on the published checkpoint (got '$c')" ;; esac
check "an independent verifier accepts the cosigned checkpoint" $OV checkpoint "$VKEY" "$TMP/pub"

stop_w W2
stop_w W3
check_eq "with W2 and W3 down, 20 acts are still written" "$(submit_n 20 11)" 20
check "pdld logs that the checkpoint at size 31 lacks the quorum" wait_log "$D.pdld.log" "size 31 lacks the witness quorum"
check_eq "the published checkpoint stays at size 11 (pdl checkpoint --data)" "$(published)" 11
"$PDL" checkpoint --ledger "ipc://$D/pdl.sock" >"$TMP/pub2" 2>/dev/null
check_eq "and pdld's checkpoint request says 11 too" "$(sed -n 2p "$TMP/pub2")" 11
check_eq "the log itself is at 31" "$(log_size "$D")" 31
check "pdld names the witnesses that are down" wait_log "$D.pdld.log" "witness W3 (https://127.0.0.1:${WPORT[W3]}) failed"
sleep 3
start_w W2
wait_published 31 && ok "W2 back: publishing resumes at size 31" || not_ok "checkpoint 31 published after W2 is back"
c=$(cosigners)
case "$c" in "ledger W1 W2") ok "cosigned by W1 and W2 ($c)" ;; *) not_ok "W1 and W2 cosign 31 (got '$c')" ;; esac
n=$(grep -c "witness W3 (" "$D.pdld.log")
if [ "$n" -ge 1 ] && [ "$n" -le 3 ]; then ok "W3's failures are logged, rate-limited ($n lines in about 5 s)"; else
	not_ok "W3's failures rate-limited (got $n lines)"; fi
start_w W3 $W3TLS
check_eq "5 more acts" "$(submit_n 5 31)" 5
wait_published 36 && ok "checkpoint 36 published" || not_ok "checkpoint 36 published"
n=300
while [ "$n" -gt 0 ] && [ "$(cosigners)" != "ledger W1 W2 W3" ]; do
	sleep 0.1
	"$PDL" checkpoint --data "$D" >"$TMP/pub" 2>/dev/null
	n=$((n - 1))
done
check_eq "the third cosignature (W3, over https) is kept in the checkpoint's record as it arrives" "$(cosigners)" \
	"ledger W1 W2 W3"
check "pdl verify passes with the cosigned checkpoints" "$PDL" verify --data "$D" --quiet
kill -TERM "$WATCH" 2>/dev/null
wait "$WATCH" 2>/dev/null
pubs=$($PY - "$E2E" "$TMP/pubc" "$VKEY" "${WVK[W1]}" "${WVK[W2]}" "${WVK[W3]}" <<'PYEOF'
import glob, os, sys
sys.path.insert(0, sys.argv.pop(1))
import c2sp
out = []
for f in sorted(glob.glob(sys.argv[1] + "/c-*"), key=lambda f: int(f.rsplit("-", 1)[1])):
    o = c2sp.cosigned(open(f).read(), sys.argv[2], sys.argv[3:])
    out.append("%d%s" % (o["size"], "" if o["ledger"] and len(o["cosigned"]) >= 2 else "!"))
print(" ".join(out))
PYEOF
)
# (1 too, if the subscription was in time for it; nothing while W2 and W3 were down)
case "$pubs" in
"11 31 36" | "1 11 31 36") ok "the PUB feed publishes only quorate checkpoints, each with its cosignatures ($pubs)" ;;
*) not_ok "the PUB feed published quorate 11, 31 and 36 only (got: $pubs; ! = without the quorum)" ;;
esac

# ---- /v1/checkpoint (pdl-project asks pdld's checkpoint request) carries them
PDLPROJ=${PDLPROJ:-$(dirname "$PDL")/pdl-project}
PPORT=$(free_port)
"$PDLPROJ" disclosure --ledger "ipc://$D/pdl.sock" --data "$TMP/proj" --http "127.0.0.1:$PPORT" >>"$TMP/proj.log" 2>&1 &
PROJ_PID=$!
n=300
while [ "$n" -gt 0 ]; do
	$PY - "$PPORT" "$TMP/pub" <<'PYEOF' && break
import json, sys, urllib.request
try:
    o = json.load(urllib.request.urlopen("http://127.0.0.1:%s/v1/checkpoint" % sys.argv[1], timeout=10))
except Exception:
    sys.exit(1)
open(sys.argv[2], "w").write(o["note"])
sys.exit(0 if o.get("size") == 36 and o.get("verified") else 1)
PYEOF
	sleep 0.1
	n=$((n - 1))
done
check_eq "/v1/checkpoint serves the published checkpoint with its cosignatures" "$(cosigners)" "ledger W1 W2 W3"
kill -TERM "$PROJ_PID" 2>/dev/null
wait "$PROJ_PID" 2>/dev/null
stop_pdld || not_ok "pdld stops"

# ---- restarted: pdld does not know the witnesses' sizes; 409 tells it
start_pdld "$D" --witness-policy "$TMP/policy" --checkpoint-ms 100 --witness-timeout-ms 2000 \
	--witness-ca "$TMP/w3tls.pem" --tiles "$TMP/tiles" || { not_ok "pdld restarts"; finish; }
check_eq "after a restart, 3 more acts" "$(submit_n 3 36)" 3
wait_published 39 && ok "checkpoint 39 published after the restart (old 0 -> 409 -> resent from 36)" ||
	not_ok "checkpoint 39 published after restart"
check_eq "W1's record of this ledger is at 39 (its monitoring route)" "$(witness_size W1)" 39
# --tiles publishes the same checkpoint: the quorate one, with its cosignatures
n=100
while [ "$n" -gt 0 ] && [ "$(sed -n 2p "$TMP/tiles/checkpoint" 2>/dev/null)" != 39 ]; do sleep 0.1; n=$((n - 1)); done
cp "$TMP/tiles/checkpoint" "$TMP/pub" 2>/dev/null
got=$(cosigners)
case $got in
"ledger W1 W2" | "ledger W1 W3" | "ledger W2 W3" | "ledger W1 W2 W3")
	ok "pdld --tiles writes the published checkpoint 39 with a quorum of cosignatures ($got)" ;;
*) not_ok "pdld --tiles writes the published checkpoint 39 with a quorum of cosignatures (got '$got')" ;;
esac
stop_pdld || not_ok "pdld stops"

# ---- without a policy, the newest signed checkpoint is published again
start_pdld "$D" --checkpoint-ms 100 || { not_ok "pdld starts without a policy"; finish; }
check_eq "2 acts without a policy" "$(submit_n 2 39)" 2
wait_published 41 && ok "without a policy the newest signed checkpoint is published" || not_ok "checkpoint 41"
stop_pdld || not_ok "pdld stops"

# ---- hostile witnesses beside two good ones: writes and publishing go on
start_hostile H1 wrongsig,otherkey,zerotime
start_hostile H2 garbage,redirect,bad409
start_hostile H3 slow,trickle,biglength
start_hostile H4 endless,chunks,huge409
{
	echo "log $VKEY"
	witness_line W1
	witness_line W2
	for h in H1 H2 H3 H4; do witness_line $h; done
	echo "group G 2 W1 W2 H1 H2 H3 H4"
	echo "quorum G"
} >"$TMP/policy.hostile"
start_pdld "$D" --witness-policy "$TMP/policy.hostile" --checkpoint-ms 100 --witness-timeout-ms 1000 -v ||
	{ not_ok "pdld starts with hostile witnesses"; finish; }
got=0
for i in $(seq 1 10); do
	got=$((got + $(submit_n 3 $((100 + i * 3)))))
	sleep 0.3
done
check_eq "30 acts are written in 10 batches while four witnesses misbehave" "$got" 30
check "pdld still runs beside the hostile witnesses" alive
wait_published 71 && ok "the good witnesses' quorum publishes checkpoint 71" || not_ok "checkpoint 71 published"
check_eq "only W1 and W2 cosigned it" "$(cosigners)" "ledger W1 W2"
for reason in "H1.*does not verify" "H1.*without a cosignature by its key" "H1.*no timestamp" \
	"H2.*not note signature lines" "H2.*a redirect: not followed" "H2.*409 without a text/x.tlog.size" \
	"H3.*no response within 1000 ms" "H3.*over 65536 bytes" "H4.*over 65536 bytes" "H4.*another history"; do
	check "pdld's log names witness ${reason%%.*}: ${reason#*\*}" wait_log "$D.pdld.log" "witness $reason"
done
alive >/dev/null || alive
stop_pdld || not_ok "pdld stops promptly with hostile witnesses still stalling"

# ---- a quorum that needs a hostile witness: publishing stalls, writes do not
{
	echo "log $VKEY"
	witness_line W1
	witness_line H3
	echo "group G all W1 H3"
	echo "quorum G"
} >"$TMP/policy.stall"
start_pdld "$D" --witness-policy "$TMP/policy.stall" --checkpoint-ms 100 --witness-timeout-ms 1000 --log-format json ||
	{ not_ok "pdld starts"; finish; }
check_eq "5 acts are written while the quorum needs a witness that never answers" "$(submit_n 5 200)" 5
check "pdld still runs while its quorum stalls" alive
check "pdld logs that the checkpoint at size 76 lacks the quorum" wait_log "$D.pdld.log" "size 76 lacks the witness quorum"
check "under --log-format json, as an event with its fields" wait_log "$D.pdld.log" \
	'"event":"witness_quorum_lacking".*"fields":{"size":76,"quorum":"G"'
check "and H3's failures as witness_failed events" wait_log "$D.pdld.log" '"event":"witness_failed".*"witness":"H3"'
alive >/dev/null || alive # a pdld that died: the end of its log (pdld writes its stack there on SIGABRT)
check_eq "the published checkpoint stays at 71" "$(published)" 71
stop_pdld || not_ok "pdld stops"
check "pdl verify passes at the end" "$PDL" verify --data "$D" --quiet
finish
