#!/usr/bin/env bash
# bench-scale.sh — `make bench-scale` (issue 17, items 3 and 4): a ledger
# of SCALE_N entries (10,000,000 by default) built through a real, durable
# pdld from pre-signed acts, then measured at that size, each figure beside
# its target and, where the target is a ratio, beside the bound measured in
# the same run:
#   - the build: pre-signing time, acts/s (signature-checked, one synced
#     commit per batch) and the all-core verify bound around it; pdld's
#     RssAnon (anonymous memory, /proc/PID/status) after each tenth;
#   - inclusion and consistency proofs, p50/p99, in-process and over the
#     wire (pdl bench-scale proofs);
#   - pdl verify (progress shown) against the verify bound measured just
#     before and just after it;
#   - view catch-up (pdl-project all --once), pdl tiles, pdl export: entries/s;
#   - disk bytes per entry, and what each LMDB table costs per entry;
#   - item 4: PostgreSQL with a SHA-256 hash-chain trigger (tools/bench-pg.sh),
#     rows/s from several clients, beside pdl's acts/s from this run.
#
#   tools/bench-scale.sh BUILD_DIR
# Environment: SCALE_N (entries, genesis included), SCALE_DIR (a directory
# to work in; default a new one under /var/tmp, removed at the end unless
# SCALE_KEEP=1), SCALE_PG=0 to skip PostgreSQL, SCALE_REUSE=1 to measure
# the ledger of SCALE_N entries a kept SCALE_DIR holds instead of building
# one (then without the build's figures). Prints the figures as a
# table on stdout and keeps them as JSON in BUILD_DIR/bench-scale.json.
set -u
B=$(cd "${1:?usage: bench-scale.sh BUILD_DIR}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${SCALE_N:-10000000}
PY=/usr/bin/python3
SEGS=10 # the build in tenths: pdld's memory is read after each
# What one entry costs on disk at most, over everything this run writes at
# once (the ledger ~1 KB, the views ~1.5 KB, the tiles ~0.4 KB), with room.
BYTES_PER_ENTRY_NEEDED=4000

case $N in '' | *[!0-9]*) echo "bench-scale: SCALE_N is a number of entries" >&2; exit 2 ;; esac
[ "$N" -ge 1000 ] || { echo "bench-scale: SCALE_N is at least 1000" >&2; exit 2; }
command -v mdb_stat >/dev/null || { echo "bench-scale: mdb_stat is missing (lmdb-utils; make deps)" >&2; exit 1; }
if [ -n "${SCALE_DIR:-}" ]; then
	TMP=$SCALE_DIR
	mkdir -p "$TMP" || exit 1
else
	TMP=$(mktemp -d /var/tmp/pdl-bench-scale.XXXXXX) || exit 1
fi
L=$TMP/ledger V=$TMP/view T=$TMP/tiles
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ "${SCALE_KEEP:-0}" = 1 ] || [ -n "${SCALE_DIR:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

avail=$(df -Pk "$TMP" | awk 'NR == 2 {print $4}')
need=$((N / 1000 * BYTES_PER_ENTRY_NEEDED))
if [ "$avail" -lt "$need" ]; then
	echo "bench-scale: $TMP has $((avail / 1024)) MiB free; $N entries need about $((need / 1024)) MiB" >&2
	exit 1
fi
REUSE=0
if [ "${SCALE_REUSE:-0}" = 1 ] && [ -f "$L/data.mdb" ] &&
	[ "$("$B/pdl" checkpoint --data "$L" 2>/dev/null | sed -n 2p)" = "$N" ]; then
	REUSE=1
	echo "bench-scale: SCALE_REUSE=1: measuring the ledger of $N entries already in $L (no build figures)" >&2
else
	rm -rf "$L"
fi
rm -rf "$V" "$T"
R=$TMP/results
: >"$R"
put() { echo "$1 $2" >>"$R"; } # NAME VALUE, for the table
now() { date +%s.%N; }
# STEP CMD...: runs CMD under GNU time; STEP_cpu_s (user + system) and STEP_maxrss_kb go to the results
timed() {
	local step=$1
	shift
	/usr/bin/time -o "$TMP/$step.time" -f '%U %S %M' "$@" || return
	read -r u s m <"$TMP/$step.time"
	put "${step}_cpu_s" "$($PY -c "print(round($u + $s, 2))")"
	put "${step}_maxrss_kb" "$m"
}
# stdin lines to stderr and to FILE, each prefixed with the time (s since the epoch)
stamp() { while IFS= read -r line; do printf '%s %s\n' "$(now)" "$line" | tee -a "$1" | cut -d' ' -f2- >&2; done; }
json() { $PY -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o[sys.argv[2]])' "$@"; }
bound() { "$B/pdl" bench-scale bound --data "$L" | $PY -c 'import json,sys; print(int(json.load(sys.stdin)["bound_verify_per_s"]))'; }

# ---- 1. the build: pdl bench (pre-signed party.register acts, 4 clients x
# 1,024 acts a request, durable pdld), with pdld's RssAnon after each tenth
if [ "$REUSE" = 0 ]; then
	echo "bench-scale: building a ledger of $N entries in $TMP (pdl bench --acts $((N - 1)) --segments $SEGS)" >&2
	rss_watch() {
		seen=0
		while [ ! -e "$TMP/build.done" ]; do
			k=$(grep -c ' bench: segment ' "$TMP/build.err" 2>/dev/null)
			if [ "${k:-0}" -gt "$seen" ] && [ -r "$L/pdld.pid" ]; then
				pid=$(cat "$L/pdld.pid")
				rss=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
				# the log's size: the segment's last act, and genesis
				last=$(sed -n 's/.* bench: segment [0-9]*\/[0-9]*: acts [0-9]*\.\.\([0-9]*\) .*/\1/p' "$TMP/build.err" | tail -1)
				echo "$((last + 1)) ${rss:-0}" >>"$TMP/rss"
				seen=$k
			fi
			sleep 0.2
		done
	}
	: >"$TMP/rss"
	rm -f "$TMP/build.done"
	rss_watch &
	PIDS="$PIDS $!"
	t0=$(now)
	"$B/pdl" bench --acts $((N - 1)) --segments "$SEGS" --data "$L" --keep >"$TMP/build.json" 2> >(stamp "$TMP/build.err")
	rc=$?
	t1=$(now)
	touch "$TMP/build.done"
	sleep 0.5
	[ "$rc" = 0 ] || { echo "bench-scale: the build failed (pdl bench exit $rc)" >&2; exit 1; }
	put build_s "$($PY -c "print(round($t1 - $t0, 1))")"
	sign_t0=$(awk '/ bench: pre-signing / {print $1; exit}' "$TMP/build.err")
	sign_t1=$(awk '/ bench: submitting / {print $1; exit}' "$TMP/build.err")
	put presign_s "$($PY -c "print(round($sign_t1 - $sign_t0, 1))")"
	for k in acts_per_s bound_verify_per_s ratio_verify seconds latency_ms_p99 log_size; do
		put "build_$k" "$(json "$TMP/build.json" "$k")"
	done
	[ "$(json "$TMP/build.json" log_size)" = "$N" ] || { echo "bench-scale: the ledger is not $N entries long" >&2; exit 1; }
	while read -r size rss; do put "rss_kb_$size" "$rss"; done <"$TMP/rss"
fi

# ---- 2. disk: the file, the pages in use, and each table's pages per entry
mdb_stat -e -a "$L" >"$TMP/mdb_stat.txt" || exit 1
put disk_file_bytes "$(stat -c %s "$L/data.mdb")"
put disk_alloc_bytes "$(du -B1 "$L/data.mdb" | cut -f1)"
$PY - "$TMP/mdb_stat.txt" "$N" >>"$R" <<'EOF'
import re, sys
text, n = open(sys.argv[1]).read(), int(sys.argv[2])
used = int(re.search(r"Number of pages used: (\d+)", text).group(1))
print("disk_pages_used_bytes_per_entry %.1f" % (used * 4096 / n))
for m in re.finditer(r"Status of (\w+)\n((?:  .*\n)+)", text):
    name, body = m.group(1), m.group(2)
    f = {k: int(v) for k, v in re.findall(r"  (\w[\w ]*?): (\d+)", body)}
    pages = f.get("Branch pages", 0) + f.get("Leaf pages", 0) + f.get("Overflow pages", 0)
    print("table_%s_bytes_per_entry %.1f" % (name.replace(" ", "_"), pages * 4096 / n))
    print("table_%s_records %d" % (name.replace(" ", "_"), f.get("Entries", 0)))
EOF

# ---- 3. proofs in-process (no pdld), three runs (the machine is shared:
# the spread is printed, the median run is the figure), then over the wire
# from a fresh pdld. First the data file is read once into the page cache:
# a serving pdld's tree stays resident, but the removals above, or a
# build of views as large as the ledger, may have evicted it, and then the
# proofs would time the disk (a random tree page read from it is a
# millisecond) rather than the proof. How long that read took is kept.
t0=$(now)
cat "$L/data.mdb" >/dev/null
put ledger_read_s "$($PY -c "print(round($(now) - $t0, 1))")"
echo "bench-scale: proofs in-process, 3 runs" >&2
for i in 1 2 3; do
	"$B/pdl" bench-scale proofs --data "$L" --wire-count 0 >"$TMP/proofs$i.json" || exit 1
done
$PY - "$TMP"/proofs[123].json >>"$R" <<'EOF2'
import json, sys
runs = [json.load(open(f)) for f in sys.argv[1:]]
for kind in ("inclusion_inproc", "consistency_inproc"):
    p99 = sorted(r[kind + "_us_p99"] for r in runs)
    mid = sorted(runs, key=lambda r: r[kind + "_us_p99"])[1]
    print("%s_us_p50 %.1f" % (kind, mid[kind + "_us_p50"]))
    print("%s_us_p99 %.1f" % (kind, p99[1]))
    print("%s_us_p99_runs %s" % (kind, "/".join("%.1f" % v for v in p99)))
EOF2
"$B/pdld" --data "$L" 2>"$TMP/pdld.log" &
DPID=$!
PIDS="$PIDS $DPID"
for _ in $(seq 300); do [ -S "$L/pdl.sock" ] && break; sleep 0.1; done
put rss_kb_restart "$(awk '/^RssAnon:/ {print $2}' "/proc/$DPID/status")"
echo "bench-scale: proofs over the wire (pdld's REQ socket, one request at a time)" >&2
"$B/pdl" bench-scale proofs --data "$L" --count 1000 >"$TMP/wire.json" || exit 1
for k in inclusion_wire_us_p50 inclusion_wire_us_p99 consistency_wire_us_p50 consistency_wire_us_p99; do
	put "$k" "$(json "$TMP/wire.json" "$k")"
done
put rss_kb_after_proofs "$(awk '/^RssAnon:/ {print $2}' "/proc/$DPID/status")"

# ---- 4. view catch-up: pdl-project all --once, from seq 0, pdld serving
echo "bench-scale: view catch-up (pdl-project all --once)" >&2
t0=$(now)
timed project "$B/pdl-project" all --ledger "ipc://$L/pdl.sock" --data "$V" --once >"$TMP/project.json" 2>"$TMP/project.err" ||
	{ cat "$TMP/project.err" >&2; exit 1; }
t1=$(now)
put project_s "$($PY -c "print(round($t1 - $t0, 2))")"
put project_per_s "$($PY -c "print(int($N / ($t1 - $t0)))")"
[ "$(json "$TMP/project.json" next)" = "$N" ] || { echo "bench-scale: the views did not reach $N" >&2; exit 1; }
# --once ends with the views' digest (a hash of every view table): a second
# --once, with nothing left to apply, times that alone
t0=$(now)
"$B/pdl-project" all --ledger "ipc://$L/pdl.sock" --data "$V" --once >"$TMP/project2.json" 2>>"$TMP/project.err" || exit 1
t1=$(now)
put project_digest_s "$($PY -c "print(round($t1 - $t0, 2))")"
[ "$(json "$TMP/project2.json" digest)" = "$(json "$TMP/project.json" digest)" ] ||
	{ echo "bench-scale: the views' digest changed with nothing to apply" >&2; exit 1; }
put view_bytes "$(du -sb "$V" | cut -f1)"
kill "$DPID"
wait "$DPID" 2>/dev/null

# ---- 5. pdl verify (progress shown) between two measurements of the bound
echo "bench-scale: pdl verify" >&2
b0=$(bound)
timed verify "$B/pdl" verify --data "$L" --progress=30 >"$TMP/verify.json" || { echo "bench-scale: pdl verify failed" >&2; exit 1; }
b1=$(bound)
vs=$(json "$TMP/verify.json" seconds)
put verify_s "$vs"
put verify_per_s "$($PY -c "print(int($N / $vs))")"
put verify_bound_per_s "$(((b0 + b1) / 2))"
put verify_bound_samples "$b0/$b1"
put verify_ratio "$($PY -c "print(round($N / $vs / (($b0 + $b1) / 2), 3))")"

# ---- 6. pdl tiles, pdl export
echo "bench-scale: pdl tiles" >&2
timed tiles "$B/pdl" tiles --data "$L" --out "$T" --progress=30 >"$TMP/tiles.json" || exit 1
put tiles_s "$(json "$TMP/tiles.json" seconds)"
put tiles_per_s "$(json "$TMP/tiles.json" entries_per_s)"
rm -rf "$T"
echo "bench-scale: pdl export" >&2
t0=$(now)
timed export "$B/pdl" export --data "$L" --progress=30 >/dev/null || exit 1
t1=$(now)
put export_s "$($PY -c "print(round($t1 - $t0, 2))")"
put export_per_s "$($PY -c "print(int($N / ($t1 - $t0)))")"

# ---- 7. PostgreSQL, a hash-chain trigger (item 4)
if [ "${SCALE_PG:-1}" != 0 ]; then
	# pdl again just before it, on a fresh ledger, so that the two run
	# under the same load of the shared machine (and the build's figure,
	# at full size, is printed beside it too)
	echo "bench-scale: pdl bench, 200,000 acts, just before PostgreSQL" >&2
	"$B/pdl" bench --acts 200000 --segments 1 >"$TMP/pdl-near.json" 2>"$TMP/pdl-near.err" ||
		{ cat "$TMP/pdl-near.err" >&2; exit 1; }
	put pdl_near_acts_per_s "$(json "$TMP/pdl-near.json" acts_per_s)"
	echo "bench-scale: PostgreSQL with a SHA-256 hash-chain trigger (tools/bench-pg.sh)" >&2
	bash "$ROOT/tools/bench-pg.sh" >"$TMP/pg.json" || { echo "bench-scale: bench-pg failed" >&2; exit 1; }
	put pg_rows_per_s "$(json "$TMP/pg.json" rows_per_s)"
	put pg_clients "$(json "$TMP/pg.json" clients)"
	put pg_runs "$(json "$TMP/pg.json" runs)"
fi

$PY "$ROOT/tools/bench-scale-table.py" "$R" "$N" "$B/bench-scale.json"
