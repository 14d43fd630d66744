#!/usr/bin/env bash
# t_110_version — every binary answers --version with the one version of the
# tree: the VERSION file, plus the git commit when built from a checkout
# (mk/version.sh). The script works without tags (a clean CI clone), in a
# tarball (no .git), and in a tarball unpacked inside another repository
# (whose commit is not ours), and refuses a malformed VERSION.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
PDLPROJ=${PDLPROJ:-$(dirname "$PDL")/pdl-project}
want=$(sh "$ROOT/mk/version.sh")
plain=$(sed -n 1p "$ROOT/VERSION")
check_eq "mk/version.sh starts with the VERSION file" "${want%% *}" "$plain"
for b in "pdl:$PDL" "pdld:$PDLD" "pdl-project:$PDLPROJ"; do
	name=${b%%:*}
	out=$("${b#*:}" --version 2>&1)
	rc=$?
	check_eq "$name --version exits 0" "$rc" 0
	check_eq "$name --version prints '$name $want' (rebuild if the commit moved)" "$out" "$name $want"
	"${b#*:}" --help >"$TMP/help" 2>&1
	check "$name --help mentions --version" grep -q -- '--version' "$TMP/help"
done

# the script alone, in a directory that is not a checkout (a tarball)
mkdir -p "$TMP/tar/mk"
cp "$ROOT/VERSION" "$TMP/tar/VERSION"
cp "$ROOT/mk/version.sh" "$TMP/tar/mk/version.sh"
check_eq "in a tarball: the VERSION file alone" "$(sh "$TMP/tar/mk/version.sh")" "$plain"
# a tarball unpacked inside another repository: not that repository's commit
git -C "$TMP" init -q outer 2>/dev/null
mkdir -p "$TMP/outer/src/mk"
cp "$ROOT/VERSION" "$TMP/outer/src/VERSION"
cp "$ROOT/mk/version.sh" "$TMP/outer/src/mk/version.sh"
git -C "$TMP/outer" -c user.name=t -c user.email=t@example add -A >/dev/null 2>&1
git -C "$TMP/outer" -c user.name=t -c user.email=t@example commit -qm outer >/dev/null 2>&1
check_eq "inside another repository: the VERSION file alone" "$(sh "$TMP/outer/src/mk/version.sh")" "$plain"
# a clean clone: a repository of its own, without any tag
mkdir -p "$TMP/clone/mk"
cp "$ROOT/VERSION" "$TMP/clone/VERSION"
cp "$ROOT/mk/version.sh" "$TMP/clone/mk/version.sh"
git -C "$TMP/clone" init -q
git -C "$TMP/clone" -c user.name=t -c user.email=t@example add -A >/dev/null
git -C "$TMP/clone" -c user.name=t -c user.email=t@example commit -qm clone >/dev/null
rev=$(git -C "$TMP/clone" rev-parse --short=12 HEAD)
check_eq "in a checkout without tags: VERSION and the commit" "$(sh "$TMP/clone/mk/version.sh")" "$plain (git $rev)"
check_eq "--plain: the VERSION file alone (the package version)" "$(sh "$TMP/clone/mk/version.sh" --plain)" "$plain"
# a malformed VERSION is refused, naming the problem
echo 'v1 "beta"' >"$TMP/tar/VERSION"
out=$(sh "$TMP/tar/mk/version.sh" 2>&1)
check_eq "a malformed VERSION: exit 1" "$?" 1
check "a malformed VERSION: the message says what is wrong" grep -q 'not a version' <<<"$out"
rm "$TMP/tar/VERSION"
out=$(sh "$TMP/tar/mk/version.sh" 2>&1)
check_eq "no VERSION: exit 1" "$?" 1
finish
