#!/bin/sh
# gen-acts-md.sh — writes spec/acts.md from its parts in spec/acts.d/.
#
#   tools/gen-acts-md.sh [--check] [PDL]
#
# spec/acts.md = spec/acts.d/_intro.md, then one document per act family in
# the order below, then spec/acts.d/_tail.md, separated by one blank line.
# Every family document starts with "## <family>" and gives each of its acts
# one section headed "### `<act type>`".
#
# Refuses (exit 1, nothing written) when a family document is missing, when
# spec/acts.d holds a document that is not in the list, or when an act
# heading appears twice. With PDL (a pdl binary; default $PDL, else build/pdl
# when it exists) it also checks that the headings are exactly the act types
# `pdl acts` lists. --check writes nothing and exits 1 if spec/acts.md is
# not what the parts give.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PARTS=$ROOT/spec/acts.d
OUT=$ROOT/spec/acts.md
FAMILIES="ledger party calendar catalog evidence registration grant developer call product dispute quality revenue pricing disclosure incident witness"

check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
pdl=${1:-${PDL:-$ROOT/build/pdl}}

die() {
	echo "gen-acts-md: $*" >&2
	exit 1
}

for f in _intro $FAMILIES _tail; do
	[ -f "$PARTS/$f.md" ] || die "missing $PARTS/$f.md"
done
for p in "$PARTS"/*.md; do
	b=$(basename "$p" .md)
	case " _intro _tail $FAMILIES " in
	*" $b "*) ;;
	*) die "$p is not a known part: add its family to FAMILIES in $0" ;;
	esac
done

tmp=$(mktemp "${TMPDIR:-/tmp}/acts.md.XXXXXX")
trap 'rm -f "$tmp" "$tmp.h" "$tmp.a"' EXIT
first=1
for f in _intro $FAMILIES _tail; do
	[ $first -eq 1 ] || echo >>"$tmp"
	first=0
	# the part without its trailing blank lines
	awk '{ l[NR] = $0 } END { n = NR; while (n > 0 && l[n] ~ /^[ \t]*$/) n--; for (i = 1; i <= n; i++) print l[i] }' \
		"$PARTS/$f.md" >>"$tmp"
done

# every act heading once
sed -n 's/^### `\([a-z_]*\.[a-z_]*\)`[[:space:]]*$/\1/p' "$tmp" | sort >"$tmp.h"
dups=$(uniq -d "$tmp.h")
[ -z "$dups" ] || die "act sections repeated: $dups"
if [ -x "$pdl" ]; then
	"$pdl" acts | sed -n 's/^{"type":"\([^"]*\)".*/\1/p' | sort >"$tmp.a"
	[ -s "$tmp.a" ] || die "$pdl acts listed no act"
	if ! cmp -s "$tmp.h" "$tmp.a"; then
		echo "gen-acts-md: act sections differ from \`pdl acts\` (< sections, > pdl acts):" >&2
		diff "$tmp.h" "$tmp.a" | grep '^[<>]' >&2
		exit 1
	fi
fi

if [ $check -eq 1 ]; then
	cmp -s "$tmp" "$OUT" || die "spec/acts.md is out of date: run tools/gen-acts-md.sh"
	exit 0
fi
cp "$tmp" "$OUT"
echo "gen-acts-md: wrote spec/acts.md ($(wc -l <"$OUT") lines, $(wc -l <"$tmp.h") acts)"
