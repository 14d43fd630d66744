#!/usr/bin/env bash
# t_101_mirror — pdl mirror (issue 13 item 5). From the fixture scenario's
# tiles (every act type, a checkpoint.cosign among them) and from its pdld:
# the mirror re-decides every entry and keeps a data directory on which pdl
# verify --replay, get, proof and (through pdld --read-only) pdl-project
# work, and whose own tiles are byte for byte the source's. Then, on a
# ledger that grows: a forged entry, a truncated tile, a checkpoint of
# another key are caught and nothing is kept; two checkpoints that cannot
# both be true (the same size with two roots; a later one that does not
# extend the mirror's tree) stop it with exit 3 and both notes saved.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
PDLPROJ=${PDLPROJ:-$(dirname "$PDL")/pdl-project}
L=$TMP/l

# serve DIR on a free port (Python's http.server, loopback only); sets SRV_PID, SRV_URL
serve() {
	local port
	port=$(free_port)
	(cd "$1" && exec $PY -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1) &
	SRV_PID=$!
	SRV_URL=http://127.0.0.1:$port/
	for _ in $(seq 50); do
		$PY -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1]+'checkpoint', timeout=1)" "$SRV_URL" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# ---- the scenario, as tiles
"$ROOT/tools/load-scenario.sh" "$L" >/dev/null 2>"$TMP/load.err" || { not_ok "the scenario loads"; sed 's/^/#   /' "$TMP/load.err" | tail; finish; }
VK=$("$PDL" verifier-key --data "$L")
"$PDL" tiles --entries all --data "$L" --out "$TMP/tiles" >/dev/null
serve "$TMP/tiles" || not_ok "http.server starts"
S1=$SRV_PID

"$PDL" mirror --from "$SRV_URL" --data "$TMP/m1" --vkey "$VK" --once --tiles "$TMP/m1tiles" --tiles-entries all \
	>"$TMP/m1.out" 2>"$TMP/m1.err"
check_eq "mirror from the tiles: exit 0, 191 entries" "$?:$(jl "$TMP/m1.out" 'o["entries"]')" "0:191"
"$PDL" verify --replay --data "$TMP/m1" >"$TMP/m1.v" 2>&1
check_eq "pdl verify --replay on the mirror: the scenario's golden root" "$(jl "$TMP/m1.v" '"%s %s" % (o.get("ok"), o.get("root"))')" \
	"True $(sed -n 's/^root //p' "$ROOT/fixtures/scenario/GOLDEN")"
check "the mirror holds the checkpoint the cosign act names (146)" test -s "$TMP/tiles/pdl/checkpoint/146"
check_eq "pdl get 150 --raw: the same bytes" "$(cmp <("$PDL" get 150 --raw --data "$TMP/m1") <("$PDL" get 150 --raw --data "$L") && echo same)" same
check_eq "pdl proof inclusion 7 191: the same proof" "$("$PDL" proof inclusion 7 191 --data "$TMP/m1")" "$("$PDL" proof inclusion 7 191 --data "$L")"
check_eq "the mirror has no ledger key" "$(ls "$TMP/m1" | grep -c key)" 0
# (the source also has the partial tiles of the checkpoints signed before
# 146 and 191, which the mirror never saw)
check_eq "the mirror's own tiles are the source's, byte for byte" \
	"$(cd "$TMP/m1tiles" && find . -type f ! -name .lock | while read -r f; do cmp -s "$f" "$TMP/tiles/$f" || echo "$f"; done)" ""
check_eq "  the tiles of 191 and 146 among them" "$(cd "$TMP/m1tiles" && ls checkpoint tile/0/000.p/191 tile/entries/000.p/191 \
	tile/0/000.p/146 tile/entries/000.p/146 pdl/checkpoint/146 2>&1 | wc -l)" 6
"$PDL" mirror --from "$SRV_URL" --data "$TMP/m1" --vkey "$VK" --once >"$TMP/m1b.out" 2>&1
check_eq "a second round with nothing new keeps nothing (exit 0, no line)" "$?:$(wc -l <"$TMP/m1b.out")" "0:0"
# the public copy (the default, --entries public) withholds private
# entries: a mirror cannot be made of it, and says why
"$PDL" tiles --data "$L" --out "$TMP/pubtiles" >/dev/null
serve "$TMP/pubtiles" || not_ok "http.server starts"
"$PDL" mirror --from "$SRV_URL" --data "$TMP/mpub" --vkey "$VK" --once >"$TMP/mpub.out" 2>"$TMP/mpub.err"
check_eq "a mirror of the public copy: exit 1" "$?" 1
check "  saying the public copy withholds bundles, and what to mirror instead" \
	grep -q "withholds every bundle that holds a private entry.*--entries all" "$TMP/mpub.err"
kill "$SRV_PID" 2>/dev/null

# ---- pdl-project on the mirror, through pdld --read-only
start_pdld "$TMP/m1" --read-only || not_ok "pdld --read-only starts on the mirror"
"$PDL" submit --key "$L/keys/authority.key" --data "$TMP/m1" <(echo '{"type":"calendar.publish","actor":"authority","nonce":99999,"body":{}}') >"$TMP/ro.out" 2>&1
check "a submit to pdld --read-only is refused" grep -q "read-only copy" "$TMP/ro.out"
HP=$(free_port)
"$PDLPROJ" disclosure --ledger "ipc://$TMP/m1/pdl.sock" --data "$TMP/v1" --http "127.0.0.1:$HP" >"$TMP/proj.out" 2>"$TMP/proj.err" &
PJ=$!
got=""
for _ in $(seq 100); do
	got=$($PY - "http://127.0.0.1:$HP/v1/entries/150" <<'EOF' 2>/dev/null
import json, sys, urllib.request
o = json.load(urllib.request.urlopen(sys.argv[1], timeout=2))
print(o["seq"], o["proof"] is not None and o["proof"]["size"])
EOF
)
	[ "$got" = "150 191" ] && break
	sleep 0.1
done
check_eq "pdl-project on the mirror serves entry 150 with its proof at 191" "$got" "150 191"
kill "$PJ" 2>/dev/null
wait "$PJ" 2>/dev/null
stop_pdld || not_ok "pdld --read-only stops"

# ---- the same from the ledger's pdld
start_pdld "$L" || not_ok "pdld starts on the ledger"
"$PDL" mirror --from "ipc://$L/pdl.sock" --data "$TMP/m2" --vkey "$VK" --once >"$TMP/m2.out" 2>"$TMP/m2.err"
check_eq "mirror from the pdld: exit 0, 191 entries" "$?:$(jl "$TMP/m2.out" 'o["entries"]')" "0:191"
check_eq "pdl verify on it" "$("$PDL" verify --data "$TMP/m2" | jl - 'o["ok"]')" true
stop_pdld || not_ok "pdld stops"
kill "$S1" 2>/dev/null

# ---- a ledger that grows, and a fork of it (same key)
A=$TMP/a
"$PDL" bench --acts 2000 --clients 1 --segments 1 --data "$A" --keep >/dev/null 2>"$TMP/bench.err" || not_ok "bench builds A"
VKA=$("$PDL" verifier-key --data "$A")
cp -a "$A" "$TMP/b"
rm -f "$TMP/b/pdld.lock" "$TMP/b/pdld.pid"
grow() { # DIR START COUNT
	$GEN acts "$TMP/g$2_" 1 "$3" "$2"
	start_pdld "$1" --checkpoint-ms 50 || return 1
	"$PDL" submit --key "$1/authority.key" --data "$1" "$TMP/g$2_00.json" >/dev/null 2>&1
	wait_ckpt "$1" "$(("$(log_size "$1")" + 0))" || true
	stop_pdld
}
"$PDL" tiles --entries all --data "$A" --out "$TMP/ta" >/dev/null
serve "$TMP/ta" || not_ok "http.server starts"
SA=$SRV_PID
UA=$SRV_URL
"$PDL" mirror --from "$UA" --data "$TMP/m3" --vkey "$VKA" --once >/dev/null 2>&1
check_eq "mirror of A at 2001" "$(log_size "$TMP/m3")" 2001
cp -a "$TMP/m3" "$TMP/m4"
grow "$A" 100000 300 || not_ok "A grows"
"$PDL" tiles --entries all --data "$A" --out "$TMP/ta" >/dev/null
check_eq "A is at 2301" "$(sed -n 2p "$TMP/ta/checkpoint")" 2301

# a forged entry: one byte of entry 2100 changed in its bundle (the
# partial bundle 8: entries 2048..2300)
P=tile/entries/008.p/$(ls "$TMP/ta/tile/entries/008.p" | sort -n | tail -1)
check_eq "the widest bundle is the partial 008.p/253" "$P" tile/entries/008.p/253
cp "$TMP/ta/$P" "$TMP/keep"
$PY - "$TMP/ta/$P" 52 <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
off, k = 0, 0
while k < int(sys.argv[2]):  # skip to entry 2048 + 52 = 2100
    off += 2 + int.from_bytes(b[off:off + 2], "big")
    k += 1
b[off + 2 + 60] ^= 0x20
open(sys.argv[1], "wb").write(bytes(b))
EOF
"$PDL" mirror --from "$UA" --data "$TMP/m3" --vkey "$VKA" --once >/dev/null 2>"$TMP/forge.err"
check_eq "a forged entry stops the mirror (exit 1)" "$?" 1
check "  naming entry 2100 as forged or altered" grep -q "entry 2100 served in $P does not match its leaf" "$TMP/forge.err"
check_eq "  and nothing of the round is kept" "$(log_size "$TMP/m3")" 2001
cp "$TMP/keep" "$TMP/ta/$P"

# a truncated tile: the partial bundle cut short
head -c 5000 "$TMP/keep" >"$TMP/ta/$P"
"$PDL" mirror --from "$UA" --data "$TMP/m3" --vkey "$VKA" --once >/dev/null 2>"$TMP/trunc.err"
check_eq "a truncated tile stops the mirror (exit 1)" "$?" 1
check "  naming it" grep -q "$P is truncated" "$TMP/trunc.err"
check_eq "  and nothing is kept" "$(log_size "$TMP/m3")" 2001
cp "$TMP/keep" "$TMP/ta/$P"

# a checkpoint signed by another key
cp "$TMP/ta/checkpoint" "$TMP/keep"
"$PDL" init --data "$TMP/c" --origin "$(sed -n 1p "$TMP/keep")" --jurisdiction 420100 >/dev/null 2>&1
"$PDL" checkpoint --data "$TMP/c" >"$TMP/ta/checkpoint"
"$PDL" mirror --from "$UA" --data "$TMP/m3" --vkey "$VKA" --once >/dev/null 2>"$TMP/key.err"
check_eq "a checkpoint not signed by --vkey stops the mirror (exit 1)" "$?" 1
check "  saying so" grep -q "is not signed by --vkey" "$TMP/key.err"
cp "$TMP/keep" "$TMP/ta/checkpoint"

"$PDL" mirror --from "$UA" --data "$TMP/m3" --vkey "$VKA" --once >/dev/null 2>"$TMP/ok.err"
check_eq "with the tiles restored the mirror reaches 2301 (exit 0)" "$?:$(log_size "$TMP/m3")" "0:2301"

# the fork: B, from the same key, grows other acts to the same size
grow "$TMP/b" 200000 300 || not_ok "B grows"
"$PDL" tiles --entries all --data "$TMP/b" --out "$TMP/tb" >/dev/null
serve "$TMP/tb" || not_ok "http.server starts"
SB=$SRV_PID
UB=$SRV_URL
"$PDL" mirror --from "$UB" --data "$TMP/m3" --vkey "$VKA" --once >/dev/null 2>"$TMP/fork.err"
check_eq "the same size with another root stops the mirror with exit 3" "$?" 3
check "  saying FORK" grep -q "FORK: its checkpoint at size 2301 has another root" "$TMP/fork.err"
ev=$(ls -d "$TMP"/m3/evidence/fork-* 2>/dev/null | head -1)
check "  both notes are saved, each signed by the ledger key" sh -c \
	"$OV checkpoint '$VKA' '$ev'/checkpoint-2301-kept >/dev/null && $OV checkpoint '$VKA' '$ev'/checkpoint-2301-new >/dev/null"
check_ne "  and their roots differ" "$(sed -n 3p "$ev"/checkpoint-2301-kept)" "$(sed -n 3p "$ev"/checkpoint-2301-new)"
# a later checkpoint of B (2401) whose tree does not extend A's 2301
grow "$TMP/b" 300000 100 || not_ok "B grows again"
"$PDL" tiles --entries all --data "$TMP/b" --out "$TMP/tb" >/dev/null
"$PDL" mirror --from "$UB" --data "$TMP/m3" --vkey "$VKA" --once >/dev/null 2>"$TMP/fork2.err"
check_eq "a later checkpoint that does not extend the mirror's tree: exit 3" "$?" 3
check "  saying FORK" grep -q "FORK: its checkpoint at size 2401 does not extend the mirror's verified tree of 2301" "$TMP/fork2.err"
check_eq "  and the mirror still holds A's 2301" "$(log_size "$TMP/m3")" 2301
# m4 (A at 2001) follows B, a valid continuation of what it verified
"$PDL" mirror --from "$UB" --data "$TMP/m4" --vkey "$VKA" --once >/dev/null 2>&1
check_eq "a mirror at 2001 follows B, which extends it (2401)" "$(log_size "$TMP/m4")" 2401

kill "$SA" "$SB" 2>/dev/null
finish
