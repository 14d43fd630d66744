#!/usr/bin/env bash
# t_120_tiles_private — tiles for public hosting carry no private entry:
# on the fixture ledger, with private acts left open (fixture_lib.sh),
# `pdl tiles` (the default, --entries public) and `pdld --tiles` write
# pdl/entries/ bundles in which each private entry (spec/views.md) is its
# 32-byte leaf hash, every item checked here against the level-0 tile;
# standard tile/entries/ bundles only where every entry is public; none of
# the private texts anywhere in OUT. --entries all writes every entry (the
# copy for auditors); an OUT of one kind is refused for the other. And the
# partial tiles of every checkpoint the ledger signed are there (tlog-tiles:
# "Logs MUST serve partial tiles corresponding to tree sizes for which a
# checkpoint was produced").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture_lib.sh"

D=$TMP/l
fixture_load "$D" || { not_ok "the fixture ledger loads"; finish; }
SIZE=$(log_size "$D")
wait_ckpt "$D" "$SIZE" || not_ok "a checkpoint at $SIZE"
stop_pdld || not_ok "pdld stops"
check "the fixture ledger fits one partial tile (the checks below assume it)" test "$SIZE" -gt 150 -a "$SIZE" -lt 256
fixture_entries "$D" "$TMP/entries.jsonl" || not_ok "pdl get of every entry"

"$PDL" tiles --data "$D" --out "$TMP/pub" >"$TMP/pub.json" 2>"$TMP/pub.err"
check_eq "pdl tiles (public): exit 0, at $SIZE" "$?:$(jl "$TMP/pub.json" 'o["size"]')" "0:$SIZE"
"$PDL" tiles --data "$D" --out "$TMP/all" --entries all >"$TMP/all.json" 2>"$TMP/all.err"
check_eq "pdl tiles --entries all: exit 0, nothing withheld" "$?:$(jl "$TMP/all.json" 'o["withheld"]')" "0:0"
for secret in "$FIXTURE_SECRET_DETAIL" "$FIXTURE_SECRET_PURPOSE" "$FIXTURE_SECRET_NOTE" amount_fen; do
	check_eq "no file of the public OUT holds '${secret:0:24}'" "$(grep -rlaF "$secret" "$TMP/pub" | wc -l)" 0
	check "  the --entries all copy does" grep -rqaF "$secret" "$TMP/all"
done

# the checkpoints the ledger signed, from its store (pdld is stopped)
$PY - "$D" >"$TMP/ckpts" <<'EOF' || not_ok "the checkpoint table reads"
import lmdb, struct, sys
env = lmdb.open(sys.argv[1], readonly=True, lock=False, max_dbs=16, subdir=True)
db = env.open_db(b"ckpt", create=False)
with env.begin() as t:
    print(" ".join(str(struct.unpack(">Q", k)[0]) for k, _ in t.cursor(db=db)))
EOF

pychecks $PY - "$TMP/pub" "$TMP/all" "$TMP/entries.jsonl" "$SIZE" "$(cat "$TMP/ckpts")" "$(jl "$TMP/pub.json" 'o["withheld"]')" <<'EOF'
import hashlib, json, os, sys
pub, full, entries_file, size, ckpts, withheld_n = sys.argv[1:7]
size, ckpts, withheld_n = int(size), [int(c) for c in ckpts.split()], int(withheld_n)
E = [json.loads(l) for l in open(entries_file)]

def check(name, cond, detail=""):
    print(("ok - %s" if cond else "not ok - %s" + (": " + detail if detail else "")) % name)

def items(path):
    b, out, i = open(path, "rb").read(), [], 0
    while i < len(b):
        n = b[i] << 8 | b[i + 1]
        out.append(b[i + 2:i + 2 + n])
        i += 2 + n
    return out

def leaf(e):
    return hashlib.sha256(b"\0" + e).digest()

entries = items(os.path.join(full, "tile/entries/000.p/%d" % size))
check("the --entries all bundle holds the %d entries" % size, len(entries) == size, str(len(entries)))
tile = open(os.path.join(pub, "tile/0/000.p/%d" % size), "rb").read()
hashes = [tile[i:i + 32] for i in range(0, len(tile), 32)]
check("the level-0 tile hashes every entry (RFC 6962 leaf)", hashes == [leaf(e) for e in entries])
got = items(os.path.join(pub, "pdl/entries/000.p/%d" % size))
check("the public bundle has an item per entry", len(got) == size, str(len(got)))
bad = [i for i, g in enumerate(got) if g != entries[i] and not (len(g) == 32 and g == hashes[i])]
check("each public item is the entry, or its leaf hash", not bad, str(bad[:5]))
withheld = [i for i, g in enumerate(got) if g != entries[i]]
check("withheld as the JSON counts them (%d)" % withheld_n, len(withheld) == withheld_n, str(len(withheld)))
types = {E[i]["act"]["type"] for i in withheld}
for t in ("call.request", "call.escalate", "quality.report", "developer.apply", "incident.report"):
    n = [i for i in range(size) if E[i]["act"]["type"] == t]
    check("every %s is withheld (%d)" % (t, len(n)), n and all(i in withheld for i in n))
for t in ("ledger.genesis", "party.register", "catalog.publish", "grant.issue", "registration.apply"):
    n = [i for i in range(size) if E[i]["act"]["type"] == t]
    check("no %s is withheld (%d)" % (t, len(n)), n and not any(i in withheld for i in n))
settle = [i for i in range(size) if E[i]["act"]["type"].startswith(("settlement.", "revenue."))]
check("every settlement and revenue entry is withheld (%d)" % len(settle), settle and all(i in withheld for i in settle))
dep = [i for i in range(size) if E[i]["act"]["type"] == "evidence.deposit"]
check("an evidence deposit is withheld exactly when it carries its document",
      dep and all((i in withheld) == ("blob" in E[i]["act"]["body"]) for i in dep))
# the standard bundles: only where nothing is withheld, the same bytes
std = os.path.join(pub, "tile/entries/000.p")
for w in sorted(os.listdir(std)) if os.path.isdir(std) else []:
    b = open(os.path.join(std, w), "rb").read()
    check("tile/entries/000.p/%s: nothing withheld below %s, the pdl/entries twin" % (w, w),
          not [i for i in withheld if i < int(w)] and b == open(os.path.join(pub, "pdl/entries/000.p", w), "rb").read())
check("no standard bundle at %d (it holds private entries)" % size,
      not os.path.exists(os.path.join(std, str(size))))
# every signed checkpoint's partial tiles (all in tile 0 here)
missing = ["%s/000.p/%d" % (d, c) for c in ckpts for d in ("tile/0", "pdl/entries")
           if not os.path.exists(os.path.join(pub, d, "000.p", str(c)))]
missing += ["all:tile/entries/000.p/%d" % c for c in ckpts
            if not os.path.exists(os.path.join(full, "tile/entries/000.p", str(c)))]
check("the partial tiles of each of the %d checkpoints signed (%s)" % (len(ckpts), " ".join(map(str, ckpts))),
      len(ckpts) >= 2 and not missing, " ".join(missing))
for c in ckpts:
    t = open(os.path.join(pub, "tile/0/000.p/%d" % c), "rb").read()
    check("tile/0/000.p/%d is the first %d leaf hashes" % (c, c), t == b"".join(hashes[:c]))
EOF

# an OUT of one kind, refused for the other
"$PDL" tiles --data "$D" --out "$TMP/pub" --entries all >/dev/null 2>"$TMP/r1.err"
check_eq "--entries all into the public OUT: exit 1" "$?" 1
check "  saying it was written --entries public" grep -q "was written with --entries public" "$TMP/r1.err"
"$PDL" tiles --data "$D" --out "$TMP/all" >/dev/null 2>"$TMP/r2.err"
check_eq "the default into the --entries all OUT: exit 1" "$?" 1
check "  saying it holds private entries' bytes, never to publish" grep -q "private ones too.*never publish" "$TMP/r2.err"
"$PDL" tiles --data "$D" --out "$TMP/x" --entries some >/dev/null 2>"$TMP/r3.err"
check_eq "--entries some: a usage error (exit 2)" "$?" 2

# pdld --tiles: the same public layout as pdld writes it
start_pdld "$D" --tiles "$TMP/live" || { not_ok "pdld --tiles starts"; finish; }
n=100
while [ "$n" -gt 0 ] && [ "$(sed -n 2p "$TMP/live/checkpoint" 2>/dev/null)" != "$SIZE" ]; do
	sleep 0.1
	n=$((n - 1))
done
check_eq "pdld --tiles: OUT reaches $SIZE" "$(sed -n 2p "$TMP/live/checkpoint")" "$SIZE"
check_eq "  its pdl/entries bundle is pdl tiles' own" \
	"$(cmp "$TMP/live/pdl/entries/000.p/$SIZE" "$TMP/pub/pdl/entries/000.p/$SIZE" && echo same)" same
check_eq "  and no file holds a private text" "$(grep -rlaF -e "$FIXTURE_SECRET_NOTE" -e amount_fen "$TMP/live" | wc -l)" 0
stop_pdld || not_ok "pdld stops"
"$PDLD" --data "$D" --tiles-entries all >/dev/null 2>"$TMP/r4.err"
check_eq "pdld --tiles-entries without --tiles: exit 2" "$?" 2
finish
