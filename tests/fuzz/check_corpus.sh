#!/bin/sh
# check_corpus.sh — part of `make test`: the seed corpus generator runs
# (it exits 1 when an act it builds from a rules table does not decode, so
# a new field type or act it cannot fill stops the build here, not months
# later at `make fuzz-corpus`), and the committed corpus has a seed for
# every act type `pdl acts` lists (regenerate it with `make fuzz-corpus`).
#
#   sh tests/fuzz/check_corpus.sh BUILD_DIR
build=${1:?usage: check_corpus.sh BUILD_DIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$build/corpus-check
rm -rf "$out" && mkdir -p "$out" || exit 1
if ! "$build/gen_corpus" "$out" >"$out.log" 2>&1; then
	echo "not ok - gen_corpus fails:"
	sed 's/^/#   /' "$out.log"
	exit 1
fi
missing=""
for t in $("$build/pdl" acts | sed -n 's/^{"type":"\([^"]*\)".*/\1/p'); do
	[ -s "$out/act/seed-$t" ] || missing="$missing generated:$t"
	[ -s "$top/tests/fuzz/corpus/act/seed-$t" ] || missing="$missing committed:$t"
done
if [ -n "$missing" ]; then
	echo "not ok - fuzz seeds missing for act types:$missing (run make fuzz-corpus)"
	exit 1
fi
echo "ok - gen_corpus: $(cat "$out.log")"
rm -rf "$out" "$out.log"
