#!/usr/bin/env bash
# t_122_memory_max — requests sent in part cannot pin pdld's memory for
# good. NNG reads a request into a buffer of its declared size before pdld
# sees any of it: here 20 connections each begin an 8 MiB request and send
# 6 MiB of it (120 MiB held). Under the default --memory-max (1 GiB) they
# stay open; with --memory-max 64 MiB pdld closes idle ones within seconds
# until it is under the bound, says so, counts them, gives the memory back,
# and still answers. A subscriber
# that sends anything to the PUB listener is closed at once (a PUB reads
# nothing worth a buffer).
. "$(dirname "$0")/lib.sh"
SP="$PY $(dirname "$0")/sp.py"
MIB=1048576

# rss_anon PID: RssAnon in KiB
rss_anon() {
	awk '/^RssAnon:/ {print $2}' "/proc/$1/status"
}

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
P=$(free_port)
URL=tcp://127.0.0.1:$P

# ---- the default bound leaves them be
start_pdld "$D" --insecure-tcp --listen "$URL" || { not_ok "pdld starts"; finish; }
$SP pin "$URL" 20 $((8 * MIB)) $((6 * MIB)) 3.5 >"$TMP/pin1.json" 2>"$TMP/pin1.err"
check_eq "under the default --memory-max, 20 part-sent requests stay open" \
	"$(jl "$TMP/pin1.json" 'o["conns"], o["closed"]')" "(20, 0)"
check "  and pdld logged no memory line" not grep -q "over --memory-max" "$D.pdld.log"
stop_pdld || not_ok "pdld stops on SIGTERM"

# ---- a 64 MiB bound closes them
MP=$(free_port)
start_pdld "$D" --insecure-tcp --listen "$URL" --memory-max $((64 * MIB)) --metrics "127.0.0.1:$MP" ||
	{ not_ok "pdld --memory-max starts"; finish; }
# four whole 8 MiB requests first (refused: not msgpack): glibc's malloc,
# left to itself, keeps buffers of that size in its heap once one is freed
# and zeroes them for reuse, which pdld fixes (mallopt)
$SP pin "$URL" 4 $((8 * MIB)) $((8 * MIB)) 1 >/dev/null 2>&1
$SP pin "$URL" 20 $((8 * MIB)) $((6 * MIB)) 4.5 >"$TMP/pin2.json" 2>"$TMP/pin2.err"
# what stays open must fit under the bound: at most 10 x 6 MiB
closed=$(jl "$TMP/pin2.json" 'o["closed"]')
check "over --memory-max 64 MiB, pdld closed idle part-sent requests until under it (${closed} of 20)" \
	test "${closed:-0}" -ge 10
check "  and said why" grep -Eq "over --memory-max 64 MiB: closed [1-9][0-9]* of" "$D.pdld.log"
if [ "${PDL_SAN:-}" = 1 ]; then
	echo "# under the sanitizers ASan's allocator (quarantine, shadow) stands in for glibc's: no memory check"
else
	anon=$(rss_anon "$PDLD_PID")
	check "  its anonymous memory went back under the bound (${anon} KiB)" test "$anon" -lt $((64 * 1024))
fi
curl -sf "http://127.0.0.1:$MP/metrics" >"$TMP/m.txt"
check_eq "  the metrics count the connections closed for memory" \
	"$(awk '/^pdl_limit_events_total\{event="connection_memory_closed"\}/ {print $2}' "$TMP/m.txt")" "$closed"
timeout 15 "$PDL" get 0 --ledger "$URL" >"$TMP/get.out" 2>&1
check_eq "pdl get over the same listener still answers (genesis)" "$(jl "$TMP/get.out" 'o["act"]["type"]')" \
	ledger.genesis

# ---- a subscriber that sends
$SP pin "ipc://$D/pdl.pub" 3 $MIB 1024 1 --sub >"$TMP/pin3.json" 2>"$TMP/pin3.err"
check_eq "a subscriber that begins a 1 MiB message is closed at once" \
	"$(jl "$TMP/pin3.json" 'o["conns"], o["closed"]')" "(3, 3)"
stop_pdld || not_ok "pdld stops on SIGTERM"
finish
