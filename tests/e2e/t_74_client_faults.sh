#!/usr/bin/env bash
# t_74_client_faults — clients that come and go, and clients that hang.
#  1. A projection worker (`pdl-project all --once`) and one-shot clients
#     (pdl submit / get / checkpoint) connect and disconnect in loops for a
#     while: every request is served, pdld keeps going, the view catches up.
#  2. Raw Unix-socket clients that connect to pdld's ipc socket and stop
#     half-way — after part of the NNG SP handshake, after the handshake
#     with half a message, after a frame header claiming a huge message, or
#     with nothing sent — and hold the connection open: other clients are
#     still served at once, and pdld stops on SIGTERM within 5 s with them
#     still connected.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
PDLPROJ=${PDLPROJ:-$(dirname "$PDL")/pdl-project}
SECS=${CLIENT_LOOP_SECS:-6}
init_ledger "$D" || { not_ok "pdl init"; finish; }
start_pdld "$D" --checkpoint-ms 200 || { not_ok "pdld starts"; finish; }
URL="ipc://$D/pdl.sock"

# ---- 1. connect/disconnect loops
$GEN acts "$TMP/a_" 400 5 1
end=$(($(date +%s) + SECS))
(
	i=0
	while [ "$(date +%s)" -lt "$end" ] && [ "$i" -lt 400 ]; do
		f=$TMP/a_$(printf %02d "$i").json
		"$PDL" submit --key "$AUTH_KEY" --data "$D" "$f" >>"$TMP/r_sub" 2>"$TMP/e_sub" ||
			echo "submit $i: $?: $(tail -1 "$TMP/e_sub")" >>"$TMP/fail"
		i=$((i + 1))
	done
	echo "$i" >"$TMP/n_sub"
) &
sub=$!
(
	n=0
	while [ "$(date +%s)" -lt "$end" ]; do
		"$PDL" get 0 --data "$D" >/dev/null 2>"$TMP/e_rd" || echo "get: $?: $(tail -1 "$TMP/e_rd")" >>"$TMP/fail"
		"$PDL" checkpoint --data "$D" >/dev/null 2>"$TMP/e_rd" ||
			echo "checkpoint: $?: $(tail -1 "$TMP/e_rd")" >>"$TMP/fail"
		n=$((n + 2))
	done
	echo "$n" >"$TMP/n_rd"
) &
rd=$!
(
	n=0
	while [ "$(date +%s)" -lt "$end" ]; do
		"$PDLPROJ" all --once --ledger "$URL" --data "$TMP/proj" >>"$TMP/proj.out" 2>"$TMP/proj.err" ||
			echo "pdl-project: $?: $(tail -1 "$TMP/proj.err")" >>"$TMP/fail"
		n=$((n + 1))
	done
	echo "$n" >"$TMP/n_proj"
) &
pj=$!
wait $sub $rd $pj
nsub=$(cat "$TMP/n_sub")
echo "# in ${SECS}s: $nsub submits, $(cat "$TMP/n_rd") reads, $(cat "$TMP/n_proj") pdl-project --once runs, each its own connection"
check_eq "no client failed" "$(cat "$TMP/fail" 2>/dev/null | head -3)" ""
check_eq "every submitted act has a receipt" "$(grep -c '"seq"' "$TMP/r_sub")" $((nsub * 5))
check "pdld is still running" kill -0 "$PDLD_PID"
size=$(log_size "$D")
"$PDLPROJ" all --once --ledger "$URL" --data "$TMP/proj" >"$TMP/proj.last" 2>&1
check_eq "the view catches up to the whole log" "$(jl "$TMP/proj.last" 'o.get("next")' | tail -1)" "$size"

# ---- 2. half-open clients
cat >"$TMP/hang.py" <<'EOF'
import os, socket, struct, sys, time
path, ready, stop = sys.argv[1:4]
SP_REQ = b"\x00SP\x00\x00\x30\x00\x00"   # SP header, protocol REQ0 (0x30)
conns = []
def conn(data):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    if data:
        s.sendall(data)
    conns.append(s)
for i in range(10):
    conn(b"")                                   # connected, silent
    conn(SP_REQ[:4])                            # half a handshake
    conn(SP_REQ)                                # handshake only
    # handshake, then a frame promising 1000 bytes and giving 10
    conn(SP_REQ + b"\x01" + struct.pack(">Q", 1000) + b"\x80\x00\x00\x01" + b"\x81\xa2op")
    # a frame header claiming 1 TiB (over pdld's receive limit)
    conn(SP_REQ + b"\x01" + struct.pack(">Q", 1 << 40) + b"x")
open(ready, "w").close()
t = time.time()
while not os.path.exists(stop) and time.time() - t < 60:
    time.sleep(0.05)
for s in conns:
    s.close()
EOF
$PY "$TMP/hang.py" "$D/pdl.sock" "$TMP/.ready" "$TMP/.stop" &
hang=$!
n=100
while [ ! -e "$TMP/.ready" ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
check "50 raw clients connected and hung half-way" test -e "$TMP/.ready"
$GEN acts "$TMP/h_" 1 100 100001
t0=$(date +%s%N)
timeout 10 "$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/h_00.json" >"$TMP/r_h" 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "meanwhile a submit of 100 acts is served (in ${ms} ms)" "$rc:$(grep -c '"seq"' "$TMP/r_h")" "0:100"
check "  and reads" timeout 10 "$PDL" get 1 --data "$D"
check "  and a projection worker" timeout 10 "$PDLPROJ" all --once --ledger "$URL" --data "$TMP/proj"
check "pdld stops on SIGTERM within 5 s with the hung clients still connected" stop_pdld
touch "$TMP/.stop"
wait $hang
check_eq "pdl verify passes" "$(log_size "$D")" $((size + 100))

finish
