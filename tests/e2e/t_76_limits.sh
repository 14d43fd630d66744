#!/usr/bin/env bash
# t_76_limits — one client cannot stop pdld (issue 10, item 2). A client
# pipelines requests and never reads a reply, on ipc:// and on tls+tcp://
# (no client certificate); an honest client beside it must still get every
# answer (each within a 5 s hang bound — not a speed target). Many
# connections each holding a large unread range reply must not grow pdld's
# memory past its reply budget. The connection limit and the send timeout
# do what their flags say.
. "$(dirname "$0")/lib.sh"
SP="$PY $E2E/sp.py"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
# 1,100 evidence deposits carrying a 3.5 KB document each: a range reply of
# 1,024 of them is ~4 MB
$PY - "$TMP/ev.json" <<'PY'
import base64, hashlib, json, sys
acts = []
for i in range(1100):
    blob = (b"doc %06d " % i) * 350
    acts.append({"type": "evidence.deposit", "actor": "authority", "nonce": i + 1,
                 "body": {"evidence_id": "ev%05d" % i, "digest": hashlib.sha256(blob).hexdigest(),
                          "size": len(blob), "media_type": "text/plain", "subject": "s%d" % i,
                          "blob": base64.b64encode(blob).decode()}})
json.dump(acts, open(sys.argv[1], "w"))
PY
start_pdld "$D" || { not_ok "pdld starts"; finish; }
"$PDL" submit --key "$AUTH_KEY" --data "$D" --batch 256 "$TMP/ev.json" >"$TMP/ev.out" 2>&1
check_eq "1,100 large entries appended" "$(grep -c '"seq"' "$TMP/ev.out")" 1100
IPC=ipc://$D/pdl.sock

# honest N URL [client options]: N `pdl get` and `pdl checkpoint` calls, each
# under `timeout 5`; prints how many answered
honest() {
	local n=$1 url=$2 good=0 i
	shift 2
	for i in $(seq "$n"); do
		timeout 5 "$PDL" get 0 --ledger "$url" "$@" >/dev/null 2>>"$TMP/honest.err" &&
			timeout 5 "$PDL" checkpoint --ledger "$url" "$@" >/dev/null 2>>"$TMP/honest.err" &&
			good=$((good + 1))
	done
	echo "$good"
}

# ---- the pipelining attack on ipc://
$SP flood "$IPC" 3 2000 40 --op range --count 64 >"$TMP/flood1.out" 2>&1 &
FLOOD=$!
for _ in $(seq 100); do [ -s "$TMP/flood1.out" ] && break; sleep 0.1; done
check "the flooder pipelined its requests on 3 ipc:// connections, reading nothing" \
	$PY -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(not (o["conns"] == 3 and o["sent"] >= 100))' "$TMP/flood1.out"
check_eq "an honest client beside it gets all 20 answers, each within 5 s" "$(honest 10 "$IPC")" 10
kill "$FLOOD" 2>/dev/null
wait "$FLOOD" 2>/dev/null
stop_pdld || not_ok "pdld stops on SIGTERM"
check "pdld counted the requests it dropped (over --max-inflight)" \
	grep -Eq "limits: [0-9]+ connections refused \(--max-connections\), [1-9][0-9]* requests dropped" "$D.pdld.log"

# ---- the same on tls+tcp:// without a client certificate
cd "$TMP" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=DNS:127.0.0.1,IP:127.0.0.1" -keyout srv.key -out srv.pem >/dev/null 2>&1
chmod 600 srv.key
cd - >/dev/null || exit 1
P=$(free_port)
URL=tls+tcp://127.0.0.1:$P
start_pdld "$D" --listen "$URL" --tls-cert "$TMP/srv.pem" --tls-key "$TMP/srv.key" || { not_ok "pdld on TLS"; finish; }
$SP flood "$URL" 3 2000 40 --op range --count 1024 --ca "$TMP/srv.pem" >"$TMP/flood2.out" 2>&1 &
FLOOD=$!
for _ in $(seq 100); do [ -s "$TMP/flood2.out" ] && break; sleep 0.1; done
check "the flooder pipelined its requests on 3 tls+tcp:// connections" \
	$PY -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(not (o["conns"] == 3 and o["sent"] >= 100))' "$TMP/flood2.out"
check_eq "an honest TLS client beside it gets all 20 answers, each within 5 s" \
	"$(honest 10 "$URL" --tls-ca "$TMP/srv.pem")" 10
kill "$FLOOD" 2>/dev/null
wait "$FLOOD" 2>/dev/null
stop_pdld || not_ok "pdld stops on SIGTERM"

# ---- memory: 100 connections, each asking for a ~4 MB range and never reading
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# a small ASan quarantine, so freed replies are not counted as held
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=16" start_pdld "$D" || { not_ok "pdld starts"; finish; }
timeout 10 "$PDL" export --ledger "$IPC" --count 50 >/dev/null # warm up: maps, arenas
BASE_KB=$(rss_kb "$PDLD_PID")
$SP flood "$IPC" 100 1 12 --op range --count 1024 >"$TMP/flood3.out" 2>&1 &
FLOOD=$!
MAX_KB=$BASE_KB
for _ in $(seq 60); do
	r=$(rss_kb "$PDLD_PID")
	[ "$r" -gt "$MAX_KB" ] && MAX_KB=$r
	sleep 0.1
done
check "100 connections each asked for a large range" \
	$PY -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(not (o["conns"] == 100 and o["sent"] == 100))' "$TMP/flood3.out"
GROWTH_MB=$(((MAX_KB - BASE_KB) / 1024))
echo "# pdld RSS grew by $GROWTH_MB MiB under 100 unread ~4 MB range replies (reply budget 64 MiB)"
check "pdld's memory stays within its reply budget plus 64 MiB (grew $GROWTH_MB MiB)" test "$GROWTH_MB" -lt 128
check_eq "an honest client still gets answers meanwhile" "$(honest 3 "$IPC")" 3
kill "$FLOOD" 2>/dev/null
wait "$FLOOD" 2>/dev/null
stop_pdld || not_ok "pdld stops on SIGTERM"
check "pdld refused large replies over the budget, saying so" \
	grep -Eq "[1-9][0-9]* replies refused \(--reply-bytes-max\)" "$D.pdld.log"

# ---- the connection limit and the send timeout, with small values
start_pdld "$D" --max-connections 4 --send-timeout-ms 500 -v || { not_ok "pdld starts"; finish; }
$SP flood "$IPC" 8 30 3 --op range --count 64 >"$TMP/flood4.out" 2>&1
# (the flood opens its 8 before it sends: the later ones take the slots of
# the idle earlier ones, t_53; once all 4 have requests in flight, refused)
check "connections over --max-connections 4 evict an idle one or are refused, named in the log" \
	grep -q "connection from local refused: 4 open (--max-connections 4)\|closed while idle: a new one needs its slot (--max-connections 4)" "$D.pdld.log"
check "  never more than 4 open" not grep -q "opened ([5-9] open)" "$D.pdld.log"
check "replies not read within --send-timeout-ms 500 are dropped, named in the log" \
	grep -q "not read within 500 ms (--send-timeout-ms)\|its last reply was not taken within 500 ms" "$D.pdld.log"
check_eq "and the connections are free again for an honest client" "$(honest 2 "$IPC")" 2
stop_pdld || not_ok "pdld stops on SIGTERM"
"$PDLD" --data "$D" --max-inflight 0 2>"$TMP/e"
check_eq "pdld refuses --max-inflight 0 (exit 2)" "$?" 2
check "  naming the range" grep -q -- "--max-inflight must be a number from 1 to 64" "$TMP/e"
# every numeric option goes through the one checked parser: `--checkpoint-ms x`
# silently became 1 ms, and --workers/--blob-max/--map-size read garbage as 0
for o in "--checkpoint-ms x" "--checkpoint-ms 0" "--workers 2x" "--blob-max -1" "--map-size 1e9"; do
	# shellcheck disable=SC2086 # the option and its value are two words
	timeout 10 "$PDLD" --data "$D" $o 2>"$TMP/e" # the old pdld started serving
	check_eq "pdld refuses $o (exit 2)" "$?" 2
	check "  naming the option and the value" grep -q -- "${o%% *} must be a number from .*, not '${o#* }'" "$TMP/e"
done
check_eq "the log is whole" "$(log_size "$D")" 1101
finish
