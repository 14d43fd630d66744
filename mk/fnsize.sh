#!/bin/sh
# fnsize.sh — the short-functions rule (spec/architecture.md, STYLE.md):
# no function of the production code over FN_LINES_MAX lines of body.
# A function's body runs from a "{" in column 0 to the next "}" in column 0
# (the project's style, which the formatter keeps); its name is the last
# identifier before "(" on the last column-0 line before the "{". Tables
# (initialised arrays) are not functions and are not counted.
#
# mk/fnsize.baseline lists the functions still over the limit, as
# "FILE FUNCTION LINES": each may not grow past LINES, and none may be
# added. The core (base lib crypto store rules audit wire daemon) has none
# and gets none: only tools/ and projections/ may be listed.
#
#   sh mk/fnsize.sh            check (make test runs it)
#   sh mk/fnsize.sh --list     every function over the limit, longest first
set -eu
FN_LINES_MAX=70 # a function that fits a screen: read whole, reviewed whole
cd "$(dirname "$0")/.."
BASE=mk/fnsize.baseline
DIRS="base lib crypto store rules audit wire daemon projections tools"
CORE="base lib crypto store rules audit wire daemon"

lengths() {
	# shellcheck disable=SC2046 # one word per file
	awk '
	/^\{/ { start = FNR; name = sig; next }
	/^\}/ {
		if (start) {
			n = split(name, a, "(")
			m = split(a[1], w, /[ \t*]+/)
			printf "%s %s %d\n", FILENAME, w[m], FNR - start - 1
		}
		start = 0
		next
	}
	!start && /^[A-Za-z_][^;]*\(/ { sig = $0 }
	' $(find $DIRS -name '*.c' | LC_ALL=C sort)
}

if [ "${1:-}" = "--list" ]; then
	lengths | awk -v max=$FN_LINES_MAX '$3 > max' | sort -k3,3nr
	exit 0
fi

lengths | awk -v max=$FN_LINES_MAX -v core="$CORE" -v base="$BASE" '
BEGIN {
	while ((getline line < base) > 0) {
		if (line ~ /^#/ || line ~ /^[ \t]*$/) continue
		split(line, f, " ")
		allowed[f[1] " " f[2]] = f[3]
		nbase++
	}
	nc = split(core, c, " ")
	for (i = 1; i <= nc; i++) iscore[c[i]] = 1
	bad = 0
}
{
	key = $1 " " $2
	seen[key] = 1
	if ($3 <= max) {
		if (key in allowed) short[key] = $3
		next
	}
	dir = $1
	sub(/\/.*/, "", dir)
	if (key in allowed && !(dir in iscore)) {
		if ($3 > allowed[key]) {
			printf "not ok - %s: %s has %d lines, more than its baseline %d (shorten it, do not grow it)\n", $1, $2, $3, allowed[key]
			bad = 1
		}
		next
	}
	printf "not ok - %s: %s has %d lines (at most %d; split it, see spec/architecture.md)\n", $1, $2, $3, max
	bad = 1
}
END {
	for (k in allowed) {
		if (k in short)
			printf "# %s is now %d lines: remove it from %s\n", k, short[k], base
		else if (!(k in seen))
			printf "# %s no longer exists: remove it from %s\n", k, base
	}
	if (!bad)
		printf "ok - no function over %d lines outside the %d of %s\n", max, nbase, base
	exit bad
}'
