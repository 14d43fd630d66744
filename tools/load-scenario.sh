#!/usr/bin/env bash
# load-scenario.sh — builds the demo/fixture ledger from fixtures/scenario.
#
#   tools/load-scenario.sh DATA_DIR [BUILD_DIR]
#   tools/load-scenario.sh --again DATA_DIR [BUILD_DIR]
#
# Without --again: creates a fresh ledger in DATA_DIR (which must not hold
# one yet) with `pdl init` from the fixed keys of fixtures/keys (copied to
# DATA_DIR/keys, mode 600) and the genesis time of fixtures/scenario/TIMELINE,
# starts its own `pdld --test-clock`, and for each TIMELINE line sets the
# ledger clock and submits the file (`pdl submit --keys`). It prints one line
# per file, "FILE: N receipts" (and how many were refused), stops pdld with
# SIGTERM (pdld then signs the final checkpoint) and exits 1 if any act was
# refused or anything else failed. The same fixtures always give the same
# ledger, byte for byte.
#
# With --again: resubmits every file, in order, to the ledger already in
# DATA_DIR (the generated cosign act as first written, the same key swaps),
# with the clock set once to the last TIMELINE time. Every act must come back
# as the original receipt ("dup":true); the loader checks nothing more.
#
# TIMELINE lines (fixtures/scenario/TIMELINE says more):
#   genesis WHEN [origin ORIGIN] [jurisdiction 6DIGITS] [policy PRESET|FILE]
#                                       pdl init's options (defaults: origin
#                                       demo.pdl.local/wuhan, jurisdiction
#                                       420100, policy wuhan; a FILE is
#                                       relative to the scenario directory)
#   FILE WHEN
#   FILE WHEN cosign ACTOR NONCE NAME   FILE is written here: ACTOR's
#                                       checkpoint.cosign of the checkpoint
#                                       covering every act so far
#   FILE WHEN then-key ACTOR KEYFILE    after FILE, ACTOR signs with KEYFILE
#
# Writes, besides the ledger: DATA_DIR/keys (the fixture keys),
# DATA_DIR/scenario/init.json, DATA_DIR/scenario/gen/ (generated act files),
# DATA_DIR/scenario/sign/ (the key each actor signs with now),
# DATA_DIR/scenario/receipts/FILE.jsonl (--again: receipts-again/) and
# DATA_DIR/scenario/pdld.log.
#
# BUILD_DIR (default: build/ of this tree) holds pdl and pdld; the PDL and
# PDLD environment variables override each. SCENARIO overrides the fixture
# directory (fixtures/scenario, the Wuhan scenario; fixtures/scenario-ezhou
# is the Ezhou one), KEYS the key directory (default: the scenario
# directory's keys/ when it has one, else fixtures/keys).
#
# SUITE (or the TIMELINE genesis option "suite S") loads the same scenario
# under another crypto suite (pdl init --suite; spec/formats.md §16), e.g.
# SUITE=sm2-sm3: the keys are then the scenario directory's keys-SUITE/ or
# fixtures/keys-SUITE/ (same file names as the Ed25519 ones), the parties'
# public keys in the act files (which name the Ed25519 fixture keys) are
# replaced by those keys' (the rewritten files go to DATA_DIR/scenario/files/),
# cosignatures are made with `pdl cosign` instead of tools/cosign.py, and
# the pinned root is the scenario's GOLDEN.SUITE rather than GOLDEN.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-/usr/bin/python3}

again=0
if [ "${1:-}" = --again ]; then
	again=1
	shift
fi
if [ $# -lt 1 ] || [ $# -gt 2 ] || [ "${1#-}" != "$1" ]; then
	echo "usage: $0 [--again] DATA_DIR [BUILD_DIR]" >&2
	exit 2
fi
DIR=$1
BUILD=${2:-$ROOT/build}
PDL=${PDL:-$BUILD/pdl}
PDLD=${PDLD:-$BUILD/pdld}
SCEN=${SCENARIO:-$ROOT/fixtures/scenario}
TL=$SCEN/TIMELINE
# the suite: SUITE, else the TIMELINE's genesis option, else the default
suite=${SUITE:-$(awk '$1 == "genesis" { for (i = 3; i < NF; i += 2) if ($i == "suite") print $(i + 1) }' "$TL" 2>/dev/null)}
suite=${suite:-ed25519-sha256}
# the Ed25519 keys the act files name
if [ -d "$SCEN/keys" ]; then
	EDKEYS=$SCEN/keys
else
	EDKEYS=$ROOT/fixtures/keys
fi
if [ -n "${KEYS:-}" ]; then
	KEYSRC=$KEYS
elif [ "$suite" = ed25519-sha256 ]; then
	KEYSRC=$EDKEYS
elif [ -d "$SCEN/keys-$suite" ]; then
	KEYSRC=$SCEN/keys-$suite
else
	KEYSRC=$ROOT/fixtures/keys-$suite
fi

die() {
	echo "load-scenario: $*" >&2
	exit 1
}

for f in "$PDL" "$PDLD"; do
	[ -x "$f" ] || die "$f is not executable (build first: make)"
done
[ -f "$TL" ] || die "no $TL"
[ -d "$KEYSRC" ] || die "no key directory $KEYSRC for suite $suite"

# ---- the data directory
if [ "$again" -eq 0 ]; then
	[ -e "$DIR/data.mdb" ] && die "$DIR already holds a ledger (use --again to resubmit)"
	mkdir -p "$DIR/keys" || die "cannot create $DIR/keys"
	chmod 700 "$DIR/keys"
	# git keeps no file modes, and pdl refuses a key others can read
	for k in "$KEYSRC"/*.key; do
		install -m 600 "$k" "$DIR/keys/" || die "cannot copy $k"
	done
	rm -rf "$DIR/scenario"
else
	[ -e "$DIR/data.mdb" ] || die "$DIR holds no ledger"
fi
DIR=$(cd "$DIR" && pwd)
S=$DIR/scenario
RC=$S/receipts
[ "$again" -eq 1 ] && RC=$S/receipts-again
mkdir -p "$S/gen" "$S/sign" "$RC" || die "cannot create $S"
rm -f "$RC"/*.jsonl "$RC"/*.err
# the key each actor signs with: the fixture key until a then-key line
rm -f "$S/sign"/*.key
install -m 600 "$DIR/keys"/*.key "$S/sign/" || die "cannot copy keys to $S/sign"
chmod 700 "$S/sign"

# ---- the timeline
genesis=""
last_when=""
origin=demo.pdl.local/wuhan
juris=420100
policy=wuhan
LINES=()
while read -r name when rest; do
	case "$name" in '' | '#'*) continue ;; esac
	[ -n "$when" ] || die "TIMELINE: no time for $name"
	if [ "$name" = genesis ]; then
		genesis=$when
		set -- $rest
		while [ $# -gt 0 ]; do
			[ $# -ge 2 ] || die "TIMELINE: genesis option $1 has no value"
			case "$1" in
			origin) origin=$2 ;;
			jurisdiction) juris=$2 ;;
			policy) policy=$2 ;;
			suite) ;; # read above
			*) die "TIMELINE: unknown genesis option $1" ;;
			esac
			shift 2
		done
		continue
	fi
	LINES+=("$name $when $rest")
	last_when=$when
done <"$TL"
[ -n "$genesis" ] || die "TIMELINE has no genesis line"
[ ${#LINES[@]} -gt 0 ] || die "TIMELINE names no file"

# ---- pdl init (fresh only)
if [ "$again" -eq 0 ]; then
	case "$policy" in
	wuhan | ezhou | national) ;;
	*) policy=$SCEN/$policy ;;
	esac
	"$PDL" init --data "$DIR" --origin "$origin" --jurisdiction "$juris" --policy "$policy" \
		--authority-key "$DIR/keys/authority.key" --ledger-key "$DIR/keys/ledger.key" \
		--time "$genesis" --test-clock --suite "$suite" >"$S/init.json" || die "pdl init failed"
fi

# ---- the act files: as they are, or with the suite's keys in place of the
# Ed25519 keys they name
FILES=$SCEN
if [ "$suite" != ed25519-sha256 ]; then
	FILES=$S/files
	rm -rf "$FILES" "$S/edkeys"
	mkdir -p "$FILES" "$S/edkeys" || die "cannot create $FILES"
	chmod 700 "$S/edkeys"
	: >"$S/keymap.sed"
	pubkey() { "$PDL" keygen --show "$1" | sed -n 's/^{"public_key":"\([^"]*\)".*/\1/p'; }
	for k in "$EDKEYS"/*.key; do
		n=$(basename "$k")
		[ -f "$DIR/keys/$n" ] || die "no $suite key $n in $KEYSRC for the Ed25519 key $k"
		install -m 600 "$k" "$S/edkeys/$n" || die "cannot copy $k"
		from=$(pubkey "$S/edkeys/$n") && to=$(pubkey "$DIR/keys/$n") && [ -n "$from" ] && [ -n "$to" ] ||
			die "cannot read the public keys of $n"
		echo "s|\"$from\"|\"$to\"|g" >>"$S/keymap.sed"
	done
	rm -rf "$S/edkeys"
	for f in "$SCEN"/*.json; do
		sed -f "$S/keymap.sed" "$f" >"$FILES/$(basename "$f")" || die "cannot rewrite $f"
	done
	# a deposit that carries its document names the document's digest in the
	# ledger's hash: each such SHA-256 digest becomes the suite's, wherever a
	# file cites it
	"$PY" - "$suite" "$FILES" <<'PYEOF' || die "cannot rewrite the evidence digests for $suite"
import base64, glob, hashlib, json, os, sys
algo = {"sm2-sm3": "sm3"}[sys.argv[1]]
files = sorted(glob.glob(os.path.join(sys.argv[2], "*.json")))
digests = {}
for f in files:
    acts = json.load(open(f, encoding="utf-8"))
    for a in acts if isinstance(acts, list) else [acts]:
        b = a.get("body", {})
        if a.get("type") == "evidence.deposit" and "blob" in b:
            digests[b["digest"]] = hashlib.new(algo, base64.b64decode(b["blob"])).hexdigest()
for f in files:
    text = open(f, encoding="utf-8").read()
    for old, new in digests.items():
        text = text.replace('"%s"' % old, '"%s"' % new)
    open(f, "w", encoding="utf-8").write(text)
PYEOF
fi

# ---- pdld, owned by this script
PID=""
stop_pdld() {
	[ -n "$PID" ] || return 0
	local n=100
	kill -TERM "$PID" 2>/dev/null
	while kill -0 "$PID" 2>/dev/null && [ $n -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	if kill -0 "$PID" 2>/dev/null; then
		kill -9 "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
		PID=""
		return 1
	fi
	wait "$PID" 2>/dev/null
	local rc=$?
	PID=""
	return $rc
}
trap 'stop_pdld' EXIT
trap 'exit 130' INT TERM

if [ -s "$DIR/pdld.pid" ] && kill -0 "$(cat "$DIR/pdld.pid")" 2>/dev/null; then
	die "a pdld (pid $(cat "$DIR/pdld.pid")) already serves $DIR: stop it first"
fi
rm -f "$DIR/pdld.pid"
"$PDLD" --data "$DIR" --test-clock 2>>"$S/pdld.log" &
PID=$!
n=100
while [ ! -s "$DIR/pdld.pid" ]; do
	kill -0 "$PID" 2>/dev/null || { PID=""; die "pdld did not start (see $S/pdld.log)"; }
	[ $n -gt 0 ] || die "pdld did not start within 10 s (see $S/pdld.log)"
	sleep 0.1
	n=$((n - 1))
done

clock() {
	"$PDL" clock set --data "$DIR" "$1" >/dev/null || die "pdl clock set $1 failed"
}

# The log size (kept up to date from the receipts' seqs): pdl init signed
# the first checkpoint, pdld signs one when it stops.
size=$("$PDL" checkpoint --data "$DIR" | sed -n 2p)
[ -n "$size" ] || die "cannot read the log size"

# wait_ckpt SIZE: until the latest checkpoint has SIZE leaves (pdld signs one
# at most every second while the log grows).
wait_ckpt() {
	local n=150
	while [ $n -gt 0 ]; do
		[ "$("$PDL" checkpoint --data "$DIR" 2>/dev/null | sed -n 2p)" = "$1" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

[ "$again" -eq 1 ] && clock "$last_when"
refused=0
for line in "${LINES[@]}"; do
	read -r name when verb a1 a2 a3 <<<"$line"
	file=$FILES/$name
	if [ "${verb:-}" = cosign ]; then
		file=$S/gen/$name
		if [ "$again" -eq 0 ]; then
			clock "$when"
			wait_ckpt "$size" || die "no checkpoint of size $size within 15 s"
			"$PDL" checkpoint --data "$DIR" >"$S/gen/${name%.json}.checkpoint" || die "pdl checkpoint failed"
			secs=$(date -d "$when" +%s) || die "bad time $when"
			# the Ed25519 form by an implementation of its own; another suite's by pdl
			if [ "$suite" = ed25519-sha256 ]; then
				"$PY" "$ROOT/tools/cosign.py" --key "$S/sign/$a1.key" --name "$a3" --time "$secs" \
					--actor "$a1" --nonce "$a2" "$S/gen/${name%.json}.checkpoint" >"$file"
			else
				"$PDL" cosign --key "$S/sign/$a1.key" --name "$a3" --time "$secs" \
					--actor "$a1" --nonce "$a2" "$S/gen/${name%.json}.checkpoint" >"$file"
			fi || die "cannot make the cosignature for $name"
		fi
	elif [ "$again" -eq 0 ]; then
		clock "$when"
	fi
	[ -f "$file" ] || die "no file $file"
	"$PDL" submit --keys "$S/sign" --data "$DIR" "$file" >"$RC/$name.jsonl" 2>"$RC/$name.err"
	src=$?
	[ -s "$RC/$name.err" ] || rm -f "$RC/$name.err"
	# receipts, refusals and the last seq, from the JSON lines
	read -r got bad last < <(sed -n 's/^{"seq":\([0-9]*\),.*/\1/p; s/^{"error".*/E/p' "$RC/$name.jsonl" |
		awk '$1 == "E" { b++; next } { g++; l = $1 } END { print g + 0, b + 0, (l == "" ? "-" : l) }')
	if [ "$bad" -gt 0 ] || [ "$src" -ne 0 ]; then
		refused=$((refused + bad))
		[ "$bad" -gt 0 ] || refused=$((refused + 1))
		printf '%s: %d receipts, %d refused\n' "$name" "$got" "$bad"
		grep '"error"' "$RC/$name.jsonl" | sed 's/^/  /' >&2
		[ ! -f "$RC/$name.err" ] || sed 's/^/  /' "$RC/$name.err" >&2
	else
		printf '%s: %d receipts\n' "$name" "$got"
	fi
	if [ "$again" -eq 0 ] && [ "$last" != - ] && [ $((last + 1)) -gt "$size" ]; then
		size=$((last + 1))
	fi
	if [ "${verb:-}" = then-key ]; then
		install -m 600 "$DIR/keys/$a2" "$S/sign/$a1.key" || die "cannot switch $a1 to $a2"
	fi
done

stop_pdld || die "pdld did not stop cleanly"
if [ "$refused" -gt 0 ]; then
	echo "load-scenario: $refused act(s) refused" >&2
	exit 1
fi
exit 0
