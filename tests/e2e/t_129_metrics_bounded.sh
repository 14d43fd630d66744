#!/usr/bin/env bash
# t_129_metrics_bounded — the --metrics listener bounds what a client
# costs (the second hostile review, 3 December: it was NNG's HTTP server,
# with no limit on connections and no deadline, so connections that never
# sent a byte each held a descriptor of pdld for good). It is now the
# server under pdl-project's listeners (wire/hsrv.h) with one thread and at
# most 32 connections: a new one takes the place of the one idle the
# longest, and one that sends nothing is closed after 5 s.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
init_ledger "$D" || { not_ok "init"; finish; }
MP=$(free_port)
start_pdld "$D" --metrics "127.0.0.1:$MP" || { not_ok "pdld --metrics starts"; finish; }
fds() { ls "/proc/$PDLD_PID/fd" | wc -l; }

$PY - "$MP" "$PDLD_PID" >"$TMP/m.out" 2>&1 <<'PY'
import os, socket, sys, time, urllib.request
port, pid = int(sys.argv[1]), sys.argv[2]
def fds():
    return len(os.listdir("/proc/%s/fd" % pid))
def scrape():
    t0 = time.time()
    r = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10)
    body = r.read()
    return r.status, b"pdl_log_size" in body, time.time() - t0
print("scrape0", *scrape())
f0 = fds()
# 300 connections that send nothing
idle = []
for _ in range(300):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    idle.append(s)
time.sleep(0.5)
print("fds_added", fds() - f0)
st, has, secs = scrape()
print("scrape_idle", st, has, "%.3f" % secs)
for s in idle:
    s.close()
time.sleep(0.5)
# one more that sends nothing is closed within its first-byte deadline
last = socket.create_connection(("127.0.0.1", port), timeout=5)
last.settimeout(8)
t0 = time.time()
try:
    got = last.recv(1)
    print("last_closed", "eof" if got == b"" else "data", "%.1f" % (time.time() - t0))
except socket.timeout:
    print("last_closed", "no", "%.1f" % (time.time() - t0))
except OSError:
    print("last_closed", "eof", "%.1f" % (time.time() - t0))
last.close()
time.sleep(0.3)
print("fds_after", fds() - f0)
PY
sed 's/^/# /' "$TMP/m.out"
check_eq "a scrape answers 200 with pdld's metrics" "$(awk '/^scrape0/{print $2, $3}' "$TMP/m.out")" "200 True"
added=$(awk '/^fds_added/{print $2}' "$TMP/m.out")
check "300 silent connections cost pdld at most 32 + 64 descriptors ($added; one each before)" \
	test "${added:-999}" -le 96
check_eq "  a scrape meanwhile still answers 200" "$(awk '/^scrape_idle/{print $2, $3}' "$TMP/m.out")" "200 True"
read -r _ how secs <<<"$(grep '^last_closed' "$TMP/m.out")"
check "a connection that sends nothing is closed by pdld within 8 s ($how after $secs s)" test "$how" = eof
after=$(awk '/^fds_after/{print $2}' "$TMP/m.out")
check "once they are gone, pdld holds no more descriptors than before them ($after)" test "${after:-9}" -le 0
check_eq "pdld still takes a request on its socket" "$(log_size "$D")" 1
stop_pdld
finish
