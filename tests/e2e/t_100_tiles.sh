#!/usr/bin/env bash
# t_100_tiles — C2SP tlog-tiles (issue 13 item 2): a ledger of N entries
# (built by `pdl bench`: pre-signed acts, 1,024 per request, through a real
# pdld; all public, written --entries all and compared once with the
# default --entries public) written by `pdl tiles`, served by Debian's nginx with the shipped
# site file (dist/nginx-pdl-tiles.conf), and checked over HTTP by the
# project's independent verifier (outside_verify.py tiles: no pdl code):
# checkpoint signature, every tile and bundle, the tree hash rebuilt from
# the tiles, every entry against its leaf, random inclusions, consistency
# with an older checkpoint. Then: the exact paths of the tree; a second run
# writes nothing; growth writes exactly the tiles that changed (counted)
# and drops partial tiles once full; runs while pdld writes; pdld --tiles
# keeps OUT current; damaged tiles are caught; the cache, type and CORS
# headers and gzip of entry bundles; and, where Debian's Go and
# golang.org/x/mod are installed, Go's sumdb/tlog and sumdb/note (an
# outside implementation) check the same tiles.
#
# N is TILES_ENTRIES: by default 70,000, as the issue asks of `make test`
# (the spec's own example: full level-1 tiles and a level-2 tile; building
# it takes pdl bench 10-15 s on 2 shared cores); 3,000 in the sanitizer
# build (PDL_SAN set: level-0 and level-1 partial tiles, a partial tile
# filled by growth), where the build would take minutes. The spec's paths
# for 70,000 are also checked without a ledger by tests/unit/test_tlog.c.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
D=$TMP/l
OUT=$TMP/tiles
NGINX=${NGINX:-/usr/sbin/nginx}

if [ -n "${PDL_SAN:-}" ]; then N=${TILES_ENTRIES:-3000}; else N=${TILES_ENTRIES:-70000}; fi
case $N in
'' | *[!0-9]*) echo "TILES_ENTRIES must be a number of entries" >&2; exit 2 ;;
esac
[ "$N" -ge 1536 ] && [ $((N % 256)) -ne 0 ] ||
	{ echo "TILES_ENTRIES must be at least 1536 and not a multiple of 256 (a partial tile)" >&2; exit 2; }

# The tlog-tiles layout of a tree of SIZE leaves, worked out here from the
# spec alone (no pdl code): every path, one per line, checkpoint included.
layout() { # SIZE
	$PY - "$1" <<'EOF'
import sys
size = int(sys.argv[1])
def name(n):
    g = "%03d" % (n % 1000)
    n //= 1000
    while n:
        g = "x%03d/%s" % (n % 1000, g)
        n //= 1000
    return g
out = ["checkpoint"]
level, width = 0, size
while width:
    full, part = divmod(width, 256)
    for prefix in ["tile/%d/" % level] + (["tile/entries/"] if level == 0 else []):
        out += [prefix + name(n) for n in range(full)]
        if part:
            out.append("%s%s.p/%d" % (prefix, name(full), part))
    level, width = level + 1, width // 256
print("\n".join(sorted(out)))
EOF
}

# ---- a ledger of exactly N entries (genesis + N-1 acts)
"$PDL" bench --acts $((N - 1)) --clients 2 --segments 1 --data "$D" --keep >"$TMP/bench.json" 2>"$TMP/bench.err"
check_eq "pdl bench builds a ledger of $N entries" "$(jl "$TMP/bench.json" 'o["log_size"]')" "$N"
VK=$("$PDL" verifier-key --data "$D")
AK=$D/authority.key

# ---- first run
"$PDL" tiles --entries all --data "$D" --out "$OUT" >"$TMP/t1.json" 2>"$TMP/t1.err"
check_eq "pdl tiles exits 0" "$?" 0
check_eq "first run: size $N from nothing, every entry" "$(jl "$TMP/t1.json" '"%d %d %d" % (o["size"], o["from"], o["entries"])')" "$N 0 $N"
layout "$N" >"$TMP/want.paths"
check_eq "first run: one file per path of the layout ($(wc -l <"$TMP/want.paths") files)" \
	"$(jl "$TMP/t1.json" 'o["files"]')" "$(wc -l <"$TMP/want.paths")"
(cd "$OUT" && find . -type f ! -name .lock | sed 's|^\./||' | LC_ALL=C sort) >"$TMP/got.paths"
# besides them, partial tiles of checkpoints pdld signed before the last
# (tlog-tiles: served until the tile is full), counted apart
check_eq "OUT holds exactly the layout's paths, and earlier_partials more" \
	"$(LC_ALL=C sort "$TMP/want.paths" | comm -13 - "$TMP/got.paths" | grep -c '\.p/'):$(LC_ALL=C sort "$TMP/want.paths" |
		comm -23 - "$TMP/got.paths" | wc -l)" "$(jl "$TMP/t1.json" 'o["earlier_partials"]'):0"
if [ "$N" = 70000 ]; then
	# the spec: 70,000 leaves are 273 full level-0 tiles, a partial one of
	# width 112, one full level-1 tile, a partial one of width 17 and a
	# partial level-2 tile of width 1; the bundles follow level 0
	missing=""
	for p in tile/0/000 tile/0/272 tile/0/273.p/112 tile/entries/272 tile/entries/273.p/112 tile/1/000 tile/1/001.p/17 \
		tile/2/000.p/1 checkpoint; do
		[ -f "$OUT/$p" ] || missing="$missing $p"
	done
	check_eq "the spec's paths for 70,000 are there (552 files)" "$missing $(jl "$TMP/t1.json" 'o["files"]')" " 552"
fi
PT=$(printf '%03d' $((N / 256)))
check_eq "a full tile is 8,192 bytes, the $((N % 256))-wide one $((N % 256 * 32))" \
	"$(stat -c %s "$OUT/tile/0/001") $(stat -c %s "$OUT/tile/0/$PT.p/$((N % 256))")" "8192 $((N % 256 * 32))"
check_eq "OUT/checkpoint is pdl checkpoint, byte for byte" "$(cmp "$OUT/checkpoint" <("$PDL" checkpoint --data "$D") && echo same)" same
check_eq "the checkpoint has no extension line" "$(sed -n 4p "$OUT/checkpoint")" ""
cp "$OUT/checkpoint" "$TMP/old.note"
# the default, --entries public: this ledger has no private entry, so the
# public copy is the same layout, each bundle also under pdl/entries/
"$PDL" tiles --data "$D" --out "$TMP/pub" >"$TMP/tp.json" 2>&1
check_eq "--entries public of an all-public ledger: exit 0, nothing withheld" "$?:$(jl "$TMP/tp.json" 'o["withheld"]')" 0:0
check_eq "... the same tile/ files, byte for byte, and pdl/entries/ the same bundles" \
	"$(cd "$TMP/pub/tile" && find . -type f | LC_ALL=C sort | xargs md5sum | md5sum):$(cd "$TMP/pub/pdl/entries" &&
		find . -type f | LC_ALL=C sort | xargs md5sum | md5sum)" \
	"$(cd "$OUT/tile" && find . -type f | LC_ALL=C sort | xargs md5sum | md5sum):$(cd "$OUT/tile/entries" &&
		find . -type f | LC_ALL=C sort | xargs md5sum | md5sum)"

# ---- nothing new: nothing written
"$PDL" tiles --entries all --data "$D" --out "$OUT" >"$TMP/t2.json"
check_eq "second run with nothing new writes 0 files" "$(jl "$TMP/t2.json" '"%d %d" % (o["files"], o["entries"])')" "0 0"

# ---- nginx with the shipped site file, on a free port, all in TMP
PORT=$(free_port)
mkdir -p "$TMP/ngx/tmp"
sed -e "s|listen 80;|listen 127.0.0.1:$PORT;|" -e '/listen \[::\]:80;/d' -e "s|root /srv/pdl/tiles;|root $OUT;|" \
	"$ROOT/dist/nginx-pdl-tiles.conf" >"$TMP/ngx/site.conf"
cat >"$TMP/ngx/nginx.conf" <<EOF
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 2;
daemon off;
pid $TMP/ngx/nginx.pid;
error_log $TMP/ngx/error.log;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $TMP/ngx/tmp/body;
	proxy_temp_path $TMP/ngx/tmp/proxy;
	fastcgi_temp_path $TMP/ngx/tmp/fastcgi;
	uwsgi_temp_path $TMP/ngx/tmp/uwsgi;
	scgi_temp_path $TMP/ngx/tmp/scgi;
	include $TMP/ngx/site.conf;
}
EOF
"$NGINX" -p "$TMP/ngx" -c "$TMP/ngx/nginx.conf" -t >"$TMP/ngx/t.out" 2>&1
check "the shipped site file passes nginx -t" test $? -eq 0
"$NGINX" -p "$TMP/ngx" -c "$TMP/ngx/nginx.conf" 2>>"$TMP/ngx/error.log" &
NGX_PID=$!
URL=http://127.0.0.1:$PORT/
for _ in $(seq 50); do $PY -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1]+'checkpoint', timeout=1)" "$URL" 2>/dev/null && break; sleep 0.1; done

# headers: what a CDN and a browser need
hdr() { # PATH ACCEPT-ENCODING → "status|content-type|cache-control|cors|content-encoding"
	$PY - "$URL$1" "$2" <<'EOF'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], headers={"Accept-Encoding": sys.argv[2]} if sys.argv[2] else {})
try:
    r = urllib.request.urlopen(req, timeout=10)
    st, h = r.status, r.headers
except urllib.error.HTTPError as e:
    st, h = e.code, e.headers
print("|".join([str(st), h.get("Content-Type", ""), h.get("Cache-Control", ""),
                h.get("Access-Control-Allow-Origin", ""), h.get("Content-Encoding", "")]))
EOF
}
check_eq "checkpoint: text/plain utf-8, no-cache, CORS" "$(hdr checkpoint '')" "200|text/plain; charset=utf-8|no-cache|*|"
check_eq "a hash tile: octet-stream, immutable for a year, CORS" "$(hdr tile/0/001 gzip)" \
	"200|application/octet-stream|public, max-age=31536000, immutable|*|"
check_eq "an entry bundle: gzip when asked" "$(hdr tile/entries/005 'gzip, identity')" \
	"200|application/octet-stream|public, max-age=31536000, immutable|*|gzip"
check_eq "an entry bundle: identity otherwise" "$(hdr tile/entries/005 '')" \
	"200|application/octet-stream|public, max-age=31536000, immutable|*|"
check_eq "the lock file is not served" "$(hdr .lock '' | cut -d'|' -f1)" 404
check_eq "nothing outside the layout is served" "$(hdr data.mdb '' | cut -d'|' -f1)" 404

# ---- the independent verifier over HTTP
$OV tiles "$VK" "$URL" --samples 32 --seed 7 >"$TMP/ov1.json" 2>&1
# 32 random seqs and the first and last entry (a seq drawn twice is checked once)
check_eq "outside_verify.py tiles: $N entries, every tile, root, 30 or more inclusions" \
	"$(jl "$TMP/ov1.json" '"%s %s %s %s" % (o.get("ok"), o.get("size"), o.get("entries"), o.get("inclusions", 0) >= 30)' 2>/dev/null)" \
	"True $N $N True"
[ "$(jl "$TMP/ov1.json" 'o.get("ok")' 2>/dev/null)" = true ] || sed 's/^/#   /' "$TMP/ov1.json"

# ---- growth while pdld writes: tiles runs succeed against live snapshots
start_pdld "$D" --checkpoint-ms 100 || { not_ok "pdld starts"; finish; }
$GEN acts "$TMP/g_" 4 100 500000
( for f in "$TMP"/g_0*.json; do "$PDL" submit --key "$AK" --data "$D" "$f" >>"$TMP/g.out" 2>&1; done ) &
SUB=$!
runs_ok=0
runs=0
while kill -0 "$SUB" 2>/dev/null || [ "$runs" -lt 2 ]; do
	runs=$((runs + 1))
	"$PDL" tiles --entries all --data "$D" --out "$OUT" >>"$TMP/live.json" 2>>"$TMP/live.err" && runs_ok=$((runs_ok + 1))
	[ "$runs" -ge 40 ] && break
done
wait "$SUB"
check_eq "every pdl tiles run while pdld writes succeeds ($runs runs)" "$runs_ok" "$runs"
check_eq "the 400 acts were accepted" "$(grep -c '"seq"' "$TMP/g.out")" 400
wait_ckpt "$D" $((N + 400)) || not_ok "checkpoint $((N + 400)) in time"
stop_pdld || not_ok "pdld stops"
before=$(head -2 "$OUT/checkpoint" | tail -1)
"$PDL" tiles --entries all --data "$D" --out "$OUT" >"$TMP/t3.json"
# which files changed, computed here from the two sizes alone
want=$($PY - "$before" $((N + 400)) <<'EOF'
import sys
old, new = int(sys.argv[1]), int(sys.argv[2])
files = 1  # the checkpoint
level = 0
while new >> (8 * level):
    fo, po = divmod(old >> (8 * level), 256)
    fn, pn = divmod(new >> (8 * level), 256)
    n = (fn - fo) + (1 if pn and (fn, pn) != (fo, po) else 0)
    files += n * (2 if level == 0 else 1)
    level += 1
print(files if old != new else 0)
EOF
)
check_eq "growth from $before to $((N + 400)) writes exactly the tiles that changed ($want files)" "$(jl "$TMP/t3.json" 'o["files"]')" "$want"
check "the partial tile $PT.p is gone once $PT is full" test ! -e "$OUT/tile/0/$PT.p" -a -f "$OUT/tile/0/$PT" \
	-a ! -e "$OUT/tile/entries/$PT.p" -a -f "$OUT/tile/entries/$PT"
# the spec: partial tiles of every checkpointed size stay served until the
# tile is full; so besides the layout for the new size, OUT may hold only
# narrower partials of tiles that are still partial
(cd "$OUT" && find . -type f ! -name .lock | sed 's|^\./||' | LC_ALL=C sort) >"$TMP/got.paths"
layout $((N + 400)) | LC_ALL=C sort >"$TMP/want.paths"
check_eq "OUT holds the layout's paths for $((N + 400)), and older partials of partial tiles only" \
	"$($PY - "$TMP/want.paths" "$TMP/got.paths" <<'EOF'
import sys
want = set(open(sys.argv[1]).read().split())
got = set(open(sys.argv[2]).read().split())
bad = sorted(want - got)
for p in sorted(got - want):
    tile, sep, w = p.rpartition(".p/")
    if not sep or not any(q.startswith(tile + ".p/") and int(q.rpartition("/")[2]) > int(w) for q in want):
        bad.append(p)
print(" ".join(bad) or "ok")
EOF
)" ok
check_eq "no temporary file is left" "$(find "$OUT" -name '.tmp.*' | wc -l)" 0
$OV tiles "$VK" "$URL" --old "$TMP/old.note" >"$TMP/ov2.json" 2>&1
check_eq "outside_verify.py: $((N + 400)) entries, consistent with the $N checkpoint" \
	"$(jl "$TMP/ov2.json" '"%s %s %s" % (o.get("ok"), o.get("entries"), o.get("consistent_with"))' 2>/dev/null)" "True $((N + 400)) $N"
[ "$(jl "$TMP/ov2.json" 'o.get("ok")' 2>/dev/null)" = true ] || sed 's/^/#   /' "$TMP/ov2.json"

# ---- pdld --tiles keeps OUT current
start_pdld "$D" --checkpoint-ms 100 --tiles "$OUT" --tiles-entries all || { not_ok "pdld --tiles starts"; finish; }
$GEN acts "$TMP/h_" 1 300 600000
"$PDL" submit --key "$AK" --data "$D" "$TMP/h_00.json" >"$TMP/h.out" 2>&1
n=100
while [ "$n" -gt 0 ] && [ "$(sed -n 2p "$OUT/checkpoint")" != $((N + 700)) ]; do sleep 0.1; n=$((n - 1)); done
check_eq "pdld --tiles: OUT/checkpoint reaches $((N + 700))" "$(sed -n 2p "$OUT/checkpoint")" $((N + 700))
stop_pdld || not_ok "pdld stops"
check_eq "pdld --tiles: OUT/checkpoint is pdld's last checkpoint" "$(cmp "$OUT/checkpoint" <("$PDL" checkpoint --data "$D") && echo same)" same
$OV tiles "$VK" "$URL" --old "$TMP/old.note" --seed 3 >"$TMP/ov3.json" 2>&1
check_eq "outside_verify.py after pdld --tiles: $((N + 700)) entries, consistent" \
	"$(jl "$TMP/ov3.json" '"%s %s %s" % (o.get("ok"), o.get("entries"), o.get("consistent_with"))' 2>/dev/null)" "True $((N + 700)) $N"
"$PDL" tiles --entries all --data "$D" --out "$OUT" >"$TMP/t4.json"
check_eq "pdl tiles after pdld --tiles writes nothing" "$(jl "$TMP/t4.json" 'o["files"]')" 0

# ---- another ledger's OUT is refused
"$PDL" init --data "$TMP/other" --origin other.example/log --jurisdiction 420100 >/dev/null 2>&1
"$PDL" tiles --data "$TMP/other" --out "$OUT" >/dev/null 2>"$TMP/other.err"
check_eq "pdl tiles refuses an OUT that holds another log (exit 1)" "$?" 1
check "  saying so" grep -q "not a checkpoint of other.example/log" "$TMP/other.err"

# ---- damage is caught by the outside verifier
T1=$(layout $((N + 700)) | grep '^tile/1/' | head -1)
cp "$OUT/$T1" "$TMP/keep"
head -c 200 "$TMP/keep" >"$OUT/$T1"
$OV tiles "$VK" "$URL" >"$TMP/bad1.json" 2>&1
check_eq "a truncated level-1 tile is caught" "$(jl "$TMP/bad1.json" 'o.get("ok")' 2>/dev/null)" false
check "  naming the tile" grep -q "$T1 is 200 bytes" "$TMP/bad1.json"
cp "$TMP/keep" "$OUT/$T1"
cp "$OUT/tile/entries/005" "$TMP/keep"
$PY - "$OUT/tile/entries/005" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[40] ^= 1
open(sys.argv[1], "wb").write(bytes(b))
EOF
$OV tiles "$VK" "$URL" >"$TMP/bad2.json" 2>&1
check_eq "a changed byte in an entry bundle is caught" "$(jl "$TMP/bad2.json" 'o.get("ok")' 2>/dev/null)" false
check "  naming the entry" grep -q "entry 1280 does not hash to its leaf" "$TMP/bad2.json"
cp "$TMP/keep" "$OUT/tile/entries/005"
$OV tiles "$VK" "$URL" --samples 2 >"$TMP/ov4.json" 2>&1
check_eq "restored, it verifies again" "$(jl "$TMP/ov4.json" 'o.get("ok")' 2>/dev/null)" true

# ---- an outside implementation: Go's golang.org/x/mod/sumdb (Debian's
# golang-go and golang-golang-x-mod-dev), when installed
if command -v go >/dev/null 2>&1 && [ -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog ]; then
	mkdir -p "$TMP/go/src/tilecheck" "$TMP/go/cache"
	cp "$E2E/tilecheck.go" "$TMP/go/src/tilecheck/main.go"
	GOPATH="$TMP/go:/usr/share/gocode" GO111MODULE=off GOCACHE="$TMP/go/cache" GOFLAGS= \
		go run "$TMP/go/src/tilecheck/main.go" "$VK" "$URL" "$TMP/old.note" >"$TMP/go.out" 2>&1
	check_eq "Go's sumdb/tlog and sumdb/note accept the tiles (exit 0)" "$?" 0
	sed 's/^/# go: /' "$TMP/go.out" | head -5
else
	echo "# Go's golang.org/x/mod/sumdb not installed: outside check by Go skipped"
fi

kill "$NGX_PID" 2>/dev/null
wait "$NGX_PID" 2>/dev/null
finish
