#!/usr/bin/env bash
# t_121_http_busy — pdl-project's HTTP listener with every connection in
# the middle of a request (none idle to give up its slot): a newcomer gets
# 503 with Retry-After, not a bare reset (the hostile-client review,
# finding 6). The table is made small by the descriptor limit (prlimit:
# 400 descriptors keep (400 - 64 - 99) / 2 = 118 connections a listener:
# 64 descriptors and the metrics listener's 99 are kept apart).
. "$(dirname "$0")/lib.sh"
: "${PDLPROJ:?set PDLPROJ to the pdl-project binary}"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
start_pdld "$D" || { not_ok "pdld starts"; finish; }
PORT=$(free_port)
prlimit --nofile=400:400 "$PDLPROJ" disclosure --ledger "ipc://$D/pdl.sock" --data "$TMP/v" \
	--http "127.0.0.1:$PORT" >"$TMP/proj.log" 2>&1 &
PJ=$!
n=100
until $PY -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "http://127.0.0.1:$PORT/v1/" 2>/dev/null ||
	[ "$n" -le 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
check "pdl-project keeps 118 connections a listener under 400 descriptors, saying so" \
	grep -q "keeps 118 connections" "$TMP/proj.log"
pychecks $PY - "$PORT" <<'PYEOF'
import socket, sys, time
port = int(sys.argv[1])
held = []
for _ in range(118 + 64 + 4):  # the table and its eviction spare, all mid-request
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /v1/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # a head still arriving
    held.append(s)
time.sleep(0.5)
c = socket.create_connection(("127.0.0.1", port), timeout=5)
c.sendall(b"GET /v1/ HTTP/1.1\r\nHost: x\r\n\r\n")
got = b""
try:
    while True:
        k = c.recv(4096)
        if not k:
            break
        got += k
except OSError:
    pass
ok = got.startswith(b"HTTP/1.1 503") and b"Retry-After: 1" in got and b'"error":"busy"' in got
print(("ok - " if ok else "not ok - ") + "a newcomer while every connection is mid-request: 503 with Retry-After, "
      "saying so" + ("" if ok else " (got %r)" % got[:200]))
for s in held:
    s.close()
PYEOF
kill -TERM "$PJ" 2>/dev/null
wait "$PJ" 2>/dev/null
finish
