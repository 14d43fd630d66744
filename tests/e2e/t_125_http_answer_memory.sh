#!/usr/bin/env bash
# t_125_http_answer_memory — clients that ask for large answers and do not
# read them cannot make pdl-project hold unbounded memory. 48 connections
# each ask GET /v1/resources?limit=1000 (about 4.5 MB here) and read
# nothing: before, every answer was held whole (its buffer doubled: 8 MB)
# until the send deadline, 60 such connections 443 MB (a hostile review,
# 3 December). Now the answers held together stay within 128 MiB: past
# it a large answer is a 503 with Retry-After, small ones are served, and
# the memory stays bounded. Requests that wait unread while every thread
# builds a large answer are answered, not closed at the first-byte
# deadline (each gets a status line here).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/disclosure_lib.sh"

D=$TMP/l
bulk_view "$D" 1000 4000 big || finish

$PY - "$PORT" "$PROJ_PID" >"$TMP/hold.out" 2>&1 <<'PY'
import json, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
def anon():
    for l in open("/proc/%d/status" % pid):
        if l.startswith("RssAnon:"):
            return int(l.split()[1])
req = b"GET /v1/resources?limit=1000 HTTP/1.1\r\nHost: t\r\n\r\n"
cs = []
for _ in range(48):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(req)
    cs.append(s)
time.sleep(3)
held = anon()
small = socket.create_connection(("127.0.0.1", port), timeout=30)
small.sendall(b"GET /v1/grants?limit=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
sh = small.recv(64)
small_status = sh.split(b" ")[1].decode() if sh else "closed"
codes = {}
for s in cs:
    s.settimeout(30)
    try:
        head = s.recv(4096)
    except OSError as e:
        head = b"x " + type(e).__name__.encode()
    code = head.split(b" ")[1].decode() if head else "closed"
    codes[code] = codes.get(code, 0) + 1
    if code == "503" and b"Retry-After: 1" not in head:
        codes["503-without-retry-after"] = 1
print(json.dumps({"codes": codes, "held_kib": held, "small": small_status}))
PY
cat "$TMP/hold.out" | sed 's/^/# /'
check "some of the 48 large answers were refused with 503 and Retry-After, the others served" \
	$PY -c 'import json,sys; c=json.load(open(sys.argv[1]))["codes"]; sys.exit(not (c.get("503", 0) >= 1 and c.get("200", 0) >= 1 and set(c) <= {"200", "503"}))' "$TMP/hold.out"
check_eq "a small answer is served meanwhile" "$(jl "$TMP/hold.out" 'o["small"]')" 200
held=$(jl "$TMP/hold.out" 'o["held_kib"]')
if [ "${PDL_SAN:-}" = 1 ]; then
	echo "# under the sanitizers ASan's allocator stands in for glibc's: no memory check"
else
	check "pdl-project's anonymous memory stayed under 300 MiB while they held (${held} KiB)" \
		test "$held" -lt $((300 * 1024))
fi
stop_proj
finish
