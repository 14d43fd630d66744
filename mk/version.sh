#!/bin/sh
# version.sh — the version every binary, man page and package shows, from
# one place: the VERSION file at the top of the tree.
#
#   sh mk/version.sh            0.1.0 (git 1a2b3c4d5e6f)   in a git checkout
#                               0.1.0                      in a tarball, or when git is absent
#   sh mk/version.sh --plain    0.1.0                      (the Debian package's version)
#
# Tags play no part, so a clean clone without tags (CI) and an exported
# tarball (`git archive`) build the same version; the commit is only added
# when the tree is itself a git checkout (not a tarball unpacked inside some
# other repository). Exits 1 when VERSION is missing or malformed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$top/VERSION" ]; then
	echo "mk/version.sh: $top/VERSION is missing" >&2
	exit 1
fi
v=$(sed -n '1p' "$top/VERSION")
# a Debian upstream version without epoch or revision: digits first, then
# letters, digits, '.', '+' and '~' (no quotes: it is pasted into C and roff)
case $v in
'' | [!0-9]* | *[!0-9A-Za-z.+~]*)
	echo "mk/version.sh: VERSION holds \"$v\", not a version such as 0.1.0" >&2
	exit 1
	;;
esac
if [ "${1:-}" = "--plain" ]; then
	echo "$v"
	exit 0
fi
rev=""
if command -v git >/dev/null 2>&1 &&
	[ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = "$top" ]; then
	rev=$(git -C "$top" rev-parse --short=12 HEAD 2>/dev/null || true)
fi
if [ -n "$rev" ]; then
	echo "$v (git $rev)"
else
	echo "$v"
fi
