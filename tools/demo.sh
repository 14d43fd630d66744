#!/bin/sh
# make run: a demo ledger of the fixture scenario on the embedded default —
# LMDB files and ipc sockets in one data directory (PDL_DEMO_DATA, default
# ./demo-data) — with pdld and the projections (every view, the public HTTP
# server with the disclosure page on PDL_DEMO_HTTP, default 127.0.0.1:8080,
# and the private listener for revenue and the full metrics on 127.0.0.1
# only, port PDL_DEMO_PRIVATE_PORT, default 8081). The first run builds the
# ledger with tools/load-scenario.sh (test clock, fixed keys: the same
# ledger every time); later runs reuse it. Ctrl-C stops both processes
# cleanly. It stops with an error naming the process when a port it needs
# is taken: before it builds or starts anything, and once pdl-project runs
# (the listener on each port must be that pdl-project, not another).
set -eu
BUILD=$1
TOP=$(cd "$(dirname "$0")/.." && pwd)
DATA=${PDL_DEMO_DATA:-$TOP/demo-data}
HTTP=${PDL_DEMO_HTTP:-127.0.0.1:8080}
# private data: this host only, whatever the public listener's address
PRIVATE=127.0.0.1:${PDL_DEMO_PRIVATE_PORT:-8081}
PDL=$BUILD/pdl
PDLD=$BUILD/pdld
PROJ=$BUILD/pdl-project
VIEWS=$DATA/projections

# port_holders PORT [ADDR]: "PID COMMAND ADDRESS" for each socket that
# listens on TCP PORT at an address overlapping ADDR (the wildcard, or the
# same one), from /proc/net/tcp{,6} and the processes' descriptors; nothing
# when the port is free. (A listener we cannot see the process of shows as
# "? ?".)
port_holders() {
	want=$(printf '%04X' "$1")
	ip=$(printf '%s' "${2:-0.0.0.0}" | awk -F. 'NF == 4 { printf "%02X%02X%02X%02X", $4, $3, $2, $1 }')
	inodes=$(awk -v p="$want" -v ip="$ip" 'FNR > 1 && $4 == "0A" {
			split($2, a, ":")
			if (a[2] != p) next
			if (length(a[1]) == 8 && ip != "" && ip != "00000000" && a[1] != "00000000" && a[1] != ip) next
			print $10 " " a[1]
		}' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
	[ -n "$inodes" ] || return 0
	echo "$inodes" | while read -r ino addr; do
		holder="? ?"
		fd=$(find /proc/[0-9]*/fd -maxdepth 1 -lname "socket:\\[$ino\\]" 2>/dev/null | head -1)
		if [ -n "$fd" ]; then
			pid=${fd#/proc/}
			pid=${pid%%/*}
			holder="$pid $(cat "/proc/$pid/comm" 2>/dev/null || echo ?)"
		fi
		echo "$holder $addr"
	done
}
# port_free WHAT HOST:PORT VARIABLE: fails, saying who holds it, when taken
port_free() {
	h=$(port_holders "${2##*:}" "${2%:*}")
	[ -z "$h" ] && return 0
	set -- "$1" "$2" "$3" $h
	echo "make run: the $1 port ${2##*:} ($2) is in use by pid $4 ($5): stop that process, or choose" \
		"another port with $3 (make run $3=...)" >&2
	return 1
}
# port_ours WHAT HOST:PORT PID: fails unless PID is what listens there
port_ours() {
	h=$(port_holders "${2##*:}" "${2%:*}")
	for p in $(echo "$h" | awk '{ print $1 }'); do
		[ "$p" = "$3" ] && return 0
	done
	if [ -n "$h" ]; then
		echo "make run: the $1 port ${2##*:} ($2) is served by pid $(echo "$h" | awk 'NR == 1 { print $1 " (" $2 ")" }'), not by" \
			"the pdl-project just started (pid $3): the page there is not this demo's" >&2
	else
		echo "make run: nothing listens on the $1 port ${2##*:} ($2): pdl-project (pid $3) did not bind it" >&2
	fi
	return 1
}

if [ -f "$DATA/pdld.pid" ] && kill -0 "$(cat "$DATA/pdld.pid")" 2>/dev/null; then
	echo "pdld already serves $DATA (pid $(cat "$DATA/pdld.pid")); stop it first" >&2
	exit 1
fi
# before anything is built or started: both ports must be free
port_free HTTP "$HTTP" PDL_DEMO_HTTP || exit 1
port_free private "$PRIVATE" PDL_DEMO_PRIVATE_PORT || exit 1
if [ ! -f "$DATA/data.mdb" ]; then
	echo "== building the scenario ledger in $DATA (tools/load-scenario.sh)"
	rm -rf "$VIEWS" # views of an older ledger would not link to this one
	PDL=$PDL PDLD=$PDLD "$TOP/tools/load-scenario.sh" "$DATA" "$BUILD"
else
	echo "== reusing the ledger in $DATA (remove it to rebuild from fixtures/scenario)"
fi

rm -f "$DATA/pdld.pid"
"$PDLD" --data "$DATA" &
PID=$!
PROJ_PID=""
stop() {
	# the views first, while pdld still answers: a pdl-project whose pdld
	# is gone may wait out a request timeout before it sees the signal
	if [ -n "$PROJ_PID" ]; then
		kill -TERM "$PROJ_PID" 2>/dev/null || true
		j=0
		while kill -0 "$PROJ_PID" 2>/dev/null && [ $j -lt 50 ]; do sleep 0.1; j=$((j + 1)); done
		kill -9 "$PROJ_PID" 2>/dev/null || true # its cursor is durable: nothing is lost
		wait "$PROJ_PID" 2>/dev/null || true
	fi
	kill -TERM "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	exit 0
}
trap stop INT TERM
# stops what this script started and exits 1 (after its message)
fail_stop() {
	trap - INT TERM
	if [ -n "$PROJ_PID" ]; then
		kill -TERM "$PROJ_PID" 2>/dev/null || true
		wait "$PROJ_PID" 2>/dev/null || true
	fi
	kill -TERM "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	exit 1
}
i=0
while [ ! -f "$DATA/pdld.pid" ]; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "pdld did not start" >&2; exit 1; }
	sleep 0.1
done

echo "== pdl-project all: the views in $VIEWS, public HTTP on $HTTP, private on $PRIVATE"
# --rebuild: the demo's views are small, and a view directory from an older
# pdl-project is rebuilt rather than refused
"$PROJ" all --ledger "ipc://$DATA/pdl.sock" --data "$VIEWS" --http "$HTTP" --private-http "$PRIVATE" --rebuild \
	>"$DATA/pdl-project.log" 2>&1 &
PROJ_PID=$!
i=0
until grep -q serving "$DATA/pdl-project.log" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$PROJ_PID" 2>/dev/null; then
		echo "make run: pdl-project did not start; its log ($DATA/pdl-project.log):" >&2
		tail -5 "$DATA/pdl-project.log" >&2
		fail_stop
	fi
	sleep 0.1
done
# and it is this pdl-project that holds both ports (another process may have
# taken one since the check above)
if ! port_ours HTTP "$HTTP" "$PROJ_PID" || ! port_ours private "$PRIVATE" "$PROJ_PID"; then
	fail_stop
fi

echo "== latest checkpoint (verifier key: $("$PDL" verifier-key --data "$DATA"))"
"$PDL" checkpoint --data "$DATA"
echo "== pdl verify"
"$PDL" verify --data "$DATA"
cat <<MSG

pdl demo ledger is running (pid $PID) on ipc://$DATA/pdl.sock, publishing on ipc://$DATA/pdl.pub.

  Disclosure page:   http://$HTTP/          (every item verified in your browser against
                     the signed checkpoint; an entry: http://$HTTP/entries/79)
  Check a file:      http://$HTTP/verify    (was it deposited? the file stays in the browser)
  Contributors:      http://$HTTP/metrics   (the contributor evaluation, with charts)
  JSON API:          http://$HTTP/v1/   (grants, products, usage, registrations, disputes,
                     disclosures, feed, checkpoint, proofs, entries, evidence?digest=HEX,
                     reports/annual?year=2026, metrics, metrics/disclosures)
  Private listener:  http://$PRIVATE/   (this host only: revenue statements, settlements and
                     the full metrics, for parties that sign each request with their key)

Try, in another shell:
  T='/v1/revenue/parties/operator-city?period=2026-09'
  curl -H "Authorization: \$($PDL token --key $DATA/keys/operator-city.key --party operator-city --data $DATA "\$T")" \\
       "http://$PRIVATE\$T"
  curl -H "Authorization: \$($PDL token --key $DATA/keys/auditor.key --party auditor --data $DATA /v1/revenue/settlements/st-mr-2026-09)" \\
       http://$PRIVATE/v1/revenue/settlements/st-mr-2026-09
  $PDL get 1 --data $DATA
  $PDL proof inclusion 1 \$($PDL verify --data $DATA | sed 's/.*"size":\([0-9]*\).*/\1/') --data $DATA
  $PDL acts --text
Ctrl-C stops pdl-project and pdld (pdld writes a final checkpoint).
MSG
wait $PID
