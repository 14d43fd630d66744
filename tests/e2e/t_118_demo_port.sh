#!/usr/bin/env bash
# t_118_demo_port — `make run` (tools/demo.sh) and its ports. A taken HTTP
# or private port stops it at once with an error naming the port and the
# process that holds it, before it builds a ledger or starts a daemon; a
# port taken by another process while pdl-project starts (a stand-in
# pdl-project that lets a stranger bind it) stops it too, everything it
# started stopped; on free ports it runs, its pdl-project holding both.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
PDLPROJ=${PDLPROJ:-$(dirname "$PDL")/pdl-project}
DEMO="$ROOT/tools/demo.sh"
mkdir -p "$TMP/bin"
cp "$PDL" "$PDLD" "$PDLPROJ" "$TMP/bin/"
# hold PORT: a stranger listening on 127.0.0.1:PORT; sets HOLD
hold() {
	$PY -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); print("up", flush=True); time.sleep(120)' "$1" \
		>"$TMP/hold.$1" &
	HOLD=$!
	local n=50
	until grep -q up "$TMP/hold.$1" 2>/dev/null || [ $n -le 0 ]; do sleep 0.1; n=$((n - 1)); done
}

# ---- the HTTP port taken before make run starts
HP=$(free_port)
PP=$(free_port)
hold "$HP"
PDL_DEMO_DATA=$TMP/d1 PDL_DEMO_HTTP=127.0.0.1:$HP PDL_DEMO_PRIVATE_PORT=$PP timeout 60 sh "$DEMO" "$TMP/bin" \
	>"$TMP/d1.out" 2>"$TMP/d1.err"
check_eq "a taken HTTP port: make run exits 1" "$?" 1
check "it names the port and who holds it (pid $HOLD)" \
	grep -q "the HTTP port $HP (127.0.0.1:$HP) is in use by pid $HOLD (python3)" "$TMP/d1.err"
check "it says how to choose another" grep -q "PDL_DEMO_HTTP" "$TMP/d1.err"
check "it built no ledger" not test -e "$TMP/d1/data.mdb"
check "it claims nothing is running" not grep -q "is running" "$TMP/d1.out"
kill $HOLD
wait $HOLD 2>/dev/null

# ---- the private port taken
hold "$PP"
PDL_DEMO_DATA=$TMP/d2 PDL_DEMO_HTTP=127.0.0.1:$HP PDL_DEMO_PRIVATE_PORT=$PP timeout 60 sh "$DEMO" "$TMP/bin" \
	>"$TMP/d2.out" 2>"$TMP/d2.err"
check_eq "a taken private port: make run exits 1" "$?" 1
check "it names the private port and its holder" grep -q "the private port $PP (127.0.0.1:$PP) is in use by pid $HOLD" "$TMP/d2.err"
check "it says how to choose another" grep -q "PDL_DEMO_PRIVATE_PORT" "$TMP/d2.err"
kill $HOLD
wait $HOLD 2>/dev/null

# ---- a stranger binds the port after the check: a stand-in pdl-project
# lets another process take the HTTP port and says "serving" as pdl-project would
D3=$TMP/d3
init_ledger "$D3" >/dev/null || { not_ok "pdl init"; finish; }
mkdir -p "$TMP/fake"
cp "$PDL" "$PDLD" "$TMP/fake/"
cat >"$TMP/fake/pdl-project" <<FAKE
#!/bin/sh
$PY -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(120)' $HP &
echo \$! >"$TMP/stranger.pid"
sleep 0.5
echo "pdl-project: all following, serving http://127.0.0.1:$HP" >&2
exec sleep 120
FAKE
chmod +x "$TMP/fake/pdl-project"
PDL_DEMO_DATA=$D3 PDL_DEMO_HTTP=127.0.0.1:$HP PDL_DEMO_PRIVATE_PORT=$PP timeout 60 sh "$DEMO" "$TMP/fake" \
	>"$TMP/d3.out" 2>"$TMP/d3.err"
check_eq "a port taken by another process as pdl-project starts: make run exits 1" "$?" 1
check "it says the port is served by another process, not its pdl-project" \
	grep -q "the HTTP port $HP (127.0.0.1:$HP) is served by pid $(cat "$TMP/stranger.pid") (python3), not by the pdl-project just started" \
	"$TMP/d3.err"
check "it claims nothing is running" not grep -q "is running" "$TMP/d3.out"
check "it stopped the pdld it started" not sh -c "pgrep -f -- '--data $D3\$' >/dev/null"
kill "$(cat "$TMP/stranger.pid")" 2>/dev/null

# ---- free ports: it runs, and its pdl-project holds both
D4=$TMP/d4
init_ledger "$D4" >/dev/null || { not_ok "pdl init"; finish; }
HP=$(free_port)
PP=$(free_port)
PDL_DEMO_DATA=$D4 PDL_DEMO_HTTP=127.0.0.1:$HP PDL_DEMO_PRIVATE_PORT=$PP sh "$DEMO" "$TMP/bin" >"$TMP/d4.out" 2>"$TMP/d4.err" &
DEMO_PID=$!
n=300
until grep -q "is running" "$TMP/d4.out" || [ $n -le 0 ] || ! kill -0 $DEMO_PID 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
check "on free ports make run says it is running" grep -q "demo ledger is running" "$TMP/d4.out"
check "its page answers on the HTTP port" curl -sf -o /dev/null "http://127.0.0.1:$HP/v1/feed"
kill -TERM $DEMO_PID
wait $DEMO_PID
check_eq "it stops cleanly on SIGTERM" "$?" 0
check "its pdl-project is gone" not curl -sf -o /dev/null "http://127.0.0.1:$HP/v1/feed"
finish
