#!/bin/sh
# layers.sh — proves the layering the Makefile sets up (spec/architecture.md).
#
#   sh mk/layers.sh build/layers.txt      (make layers; part of make test)
#
# build/layers.txt has one line per folder: FOLDER|its compiler flags|the
# external libraries it may use. For every source folder F it checks:
#   1. each header of F compiles alone with F's flags (a header that
#      includes one of a layer above does not);
#   2. for every other folder G that F may not see, including a header of
#      G from F fails: "No such file or directory";
#   3. for every external library F may not use, including its header from
#      F fails: the #error of mk/deny/<lib>/;
#   4. the sources of F, preprocessed with F's flags (cc -M), reach no
#      header of a library F may not use, directly or through another
#      header;
# that no two folders hold a header of the same name (the -I paths are one
# name space), and that the view folders and projections/views.h's
# PDL_VIEW_LIST name the same views. Prints "not ok - …" for each failure and one summary
# line; exits 1 on any failure.
set -u
list=${1:?usage: layers.sh build/layers.txt}
CC=${CC:-cc}
CFLAGS=${CFLAGS:--std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
probes=0

bad() {
	echo "not ok - layers: $*"
	fail=1
}

# the main header of each external library, and what its headers look like
lib_header() {
	case $1 in
	sodium) echo sodium.h ;;
	lmdb) echo lmdb.h ;;
	nng) echo nng/nng.h ;;
	msgpack) echo msgpack.h ;;
	jansson) echo jansson.h ;;
	openssl) echo openssl/evp.h ;;
	esac
}
lib_pattern() {
	case $1 in
	sodium) echo '/sodium\.h|/sodium/' ;;
	lmdb) echo '/lmdb\.h' ;;
	nng) echo '/nng/' ;;
	msgpack) echo '/msgpack\.h|/msgpack/' ;;
	jansson) echo '/jansson\.h|/jansson_config\.h' ;;
	openssl) echo '/openssl/' ;;
	esac
}
ALL_LIBS="sodium lmdb nng msgpack jansson openssl"

# Source folders: the tests see everything and are not checked here.
grep -v '^tests/' "$list" >"$tmp/folders"
cut -d'|' -f1 "$tmp/folders" >"$tmp/names"

# One name space: no header name in two folders.
while read -r f; do
	for h in "$f"/*.h; do
		[ -e "$h" ] && echo "$(basename "$h") $f"
	done
done <"$tmp/names" | sort >"$tmp/headers"
dups=$(cut -d' ' -f1 "$tmp/headers" | uniq -d)
for d in $dups; do
	bad "header $d is in more than one folder: $(grep "^$d " "$tmp/headers" | cut -d' ' -f2 | tr '\n' ' ')"
done

try() { # flags file -> compiler output in $tmp/out, exit status
	# shellcheck disable=SC2086
	$CC $CFLAGS $1 -fsyntax-only "$2" >"$tmp/out" 2>&1
}

while IFS='|' read -r f flags uses; do
	sees=$(for w in $flags; do case $w in -Imk/*) ;; -I*) echo "${w#-I}" ;; esac; done)
	# 1. own headers alone
	for h in "$f"/*.h; do
		[ -e "$h" ] || continue
		printf '#include "%s"\n' "$(basename "$h")" >"$tmp/p.c"
		probes=$((probes + 1))
		try "$flags" "$tmp/p.c" || bad "$h does not compile alone with $f's flags: $(grep -m1 error "$tmp/out")"
	done
	# 2. folders F may not see
	while read -r g; do
		[ "$g" = "$f" ] && continue
		echo "$sees" | grep -qx "$g" && continue
		h=$(ls "$g"/*.h 2>/dev/null | head -1)
		[ -n "$h" ] || continue
		printf '#include "%s"\n' "$(basename "$h")" >"$tmp/p.c"
		probes=$((probes + 1))
		if try "$flags" "$tmp/p.c"; then
			bad "$f can include $g's $(basename "$h"), a layer it may not see"
		elif ! grep -q 'No such file or directory' "$tmp/out"; then
			bad "$f including $g's $(basename "$h") failed otherwise: $(grep -m1 error "$tmp/out")"
		fi
	done <"$tmp/names"
	# 3. libraries F may not use
	for l in $ALL_LIBS; do
		case " $uses " in *" $l "*) continue ;; esac
		printf '#include <%s>\n' "$(lib_header "$l")" >"$tmp/p.c"
		probes=$((probes + 1))
		if try "$flags" "$tmp/p.c"; then
			bad "$f can include <$(lib_header "$l")> but may not use $l"
		elif ! grep -q 'may not use' "$tmp/out"; then
			bad "$f including <$(lib_header "$l")> failed otherwise: $(grep -m1 error "$tmp/out")"
		fi
	done
	# 4. every header the sources reach, transitively
	srcs=$(ls "$f"/*.c 2>/dev/null)
	[ -n "$srcs" ] || continue
	probes=$((probes + 1))
	# shellcheck disable=SC2086
	if ! $CC $CFLAGS $flags -M $srcs >"$tmp/deps" 2>"$tmp/out"; then
		bad "$f's sources do not preprocess with its flags: $(grep -m1 error "$tmp/out")"
		continue
	fi
	for l in $ALL_LIBS; do
		case " $uses " in *" $l "*) continue ;; esac
		# the rules are "x.o: x.c headers…" with continuation lines
		awk -v pat="$(lib_pattern "$l")" '
			/^[^ ]+\.o:/ { obj = $1; sub(/:$/, "", obj) }
			!(obj in seen) { for (i = 1; i <= NF; i++) if ($i ~ pat) { print obj " reaches " $i; seen[obj] = 1; break } }
		' "$tmp/deps" | sort -u >"$tmp/hits"
		while read -r hit; do
			bad "$f may not use $l, but $hit"
		done <"$tmp/hits"
	done
done <"$tmp/folders"

# Every view folder is registered (views.h's PDL_VIEW_LIST), and every
# registered view has its folder: a view the list lacks is never served.
for d in projections/*/; do
	v=$(basename "$d")
	[ "$v" = core ] && continue
	probes=$((probes + 1))
	grep -q "PDL_VIEW_LIST(X).*X($v)" projections/views.h || bad "projections/$v/ is not in PDL_VIEW_LIST (projections/views.h)"
done
for v in $(sed -n 's/^#define PDL_VIEW_LIST(X) //p' projections/views.h | tr -d 'X()' ); do
	probes=$((probes + 1))
	[ -d "projections/$v" ] || bad "PDL_VIEW_LIST names $v but there is no projections/$v/"
done

if [ "$fail" -eq 0 ]; then
	echo "ok - layers: $(wc -l <"$tmp/names" | tr -d ' ') folders, $probes probes: each sees only the layers below it and the libraries it may use"
fi
exit $fail
