#!/usr/bin/env bash
# t_115_deb — the Debian package (`make deb`, debhelper): its version is the
# tree's, it holds the binaries, man pages, completion, units and option
# files (conffiles); `dpkg -i` puts the binaries on PATH (--version works),
# creates the system user pdl and /var/lib/pdl, starts nothing (no systemd
# here), and its units pass `systemd-analyze verify` where installed; the
# installed pdl makes a ledger as user pdl; `dpkg -r` removes the binaries
# and units but keeps the option files and the ledger; `dpkg -P` removes
# the option files and the views, keeps the ledger (a system of record)
# and says so, and keeps the user. The test changes this machine: it needs
# root, runs one at a time (a lock), skips if a pdl package is installed
# already, and puts the machine back as it found it (package, user, data,
# man-db's auto-update).
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
BUILD=${PDL_BUILD:-$ROOT/build}
if [ "$(id -u)" != 0 ]; then
	ok "# SKIP the package test needs root (dpkg -i)"
	finish
fi
lockdir=/run/lock
[ -d "$lockdir" ] || lockdir=/tmp
exec 9>"$lockdir/pdl-t115-deb.lock"
flock -w 600 9 || { not_ok "another package test held the lock for 10 minutes"; finish; }
if dpkg-query -W -f='${Status}' pdl 2>/dev/null | grep -q 'install ok'; then
	ok "# SKIP a pdl package is installed on this machine already: not touching it"
	finish
fi
had_user=0
getent passwd pdl >/dev/null && had_user=1
had_dir=0
[ -e /var/lib/pdl ] && had_dir=1
# man-db's trigger rebuilds the whole man index on every dpkg -i, -r and -P
# (about 5 s each, 4 of them here): the test turns man-db/auto-update off
# for its run, as `debconf man-db/auto-update false` would, and back on
# after. `man -w` finds the page without the index.
mandb_flag=/var/lib/man-db/auto-update
mandb_off=0
if [ -e "$mandb_flag" ] && mv "$mandb_flag" "$mandb_flag.pdl-t115"; then
	mandb_off=1
fi

# dpkg fails at once when another dpkg or apt holds its lock: wait for it
dpkg_wait() {
	local i out rc
	for i in $(seq 120); do
		out=$(dpkg "$@" 2>&1)
		rc=$?
		if [ $rc -ne 0 ] && grep -q 'lock' <<<"$out"; then
			sleep 1
			continue
		fi
		printf '%s\n' "$out"
		return $rc
	done
	printf '%s\n' "$out"
	return 1
}
putback() {
	if dpkg-query -W -f='${Status}' pdl 2>/dev/null | grep -q 'ok'; then
		dpkg_wait -P pdl >/dev/null 2>&1
	fi
	[ "$had_dir" = 1 ] || rm -rf /var/lib/pdl
	if [ "$had_user" = 0 ] && getent passwd pdl >/dev/null; then
		userdel pdl 2>/dev/null
		getent group pdl >/dev/null && groupdel pdl 2>/dev/null
	fi
	[ "$mandb_off" = 0 ] || mv "$mandb_flag.pdl-t115" "$mandb_flag"
}
trap 'rc=$?; putback; (exit $rc); cleanup' EXIT # cleanup exits with the script's status

make --no-print-directory -C "$ROOT" SAN="${PDL_SAN:-}" deb >"$TMP/deb.log" 2>&1
check_eq "make deb exits 0" "$?" 0
DEB=$(ls "$BUILD"/deb/pdl_*.deb 2>/dev/null | head -1)
if [ ! -f "$DEB" ]; then
	not_ok "make deb made $BUILD/deb/pdl_*.deb"
	tail -20 "$TMP/deb.log" | sed 's/^/#   /'
	finish
fi
check_eq "the package's version is VERSION" "$(dpkg-deb -f "$DEB" Version)" "$(sed -n 1p "$ROOT/VERSION")"
check "it depends on adduser and on the libraries it links" \
	sh -c "dpkg-deb -f '$DEB' Depends | grep -q adduser && dpkg-deb -f '$DEB' Depends | grep -q liblmdb0"
dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|' >"$TMP/files"
miss=""
for f in /usr/bin/pdl /usr/sbin/pdld /usr/sbin/pdl-project /usr/share/man/man1/pdl.1.gz /usr/share/man/man8/pdld.8.gz \
	/usr/share/man/man8/pdl-project.8.gz /usr/share/bash-completion/completions/pdl /lib/systemd/system/pdld.service \
	/lib/systemd/system/pdl-project.service /etc/default/pdld /etc/default/pdl-project /usr/share/doc/pdl/README.md; do
	grep -qx "$f" "$TMP/files" || miss="$miss $f"
done
check_eq "it holds the binaries, man pages, completion, units, option files and docs" "${miss# }" ""
check_eq "the option files are conffiles" "$(dpkg-deb -I "$DEB" conffiles | sort | paste -sd' ')" \
	"/etc/default/pdl-project /etc/default/pdld"
left=""
for f in debian/pdl debian/files debian/.debhelper debian/pdl.substvars debian/debhelper-build-stamp \
	debian/pdl.postinst.debhelper; do
	[ -e "$ROOT/$f" ] && left="$left $f"
done
ls "$ROOT"/../pdl_*.deb "$ROOT"/../pdl_*.changes >/dev/null 2>&1 && left="$left ../pdl_*.deb"
check_eq "nothing of the package build is left in the tree or beside it" "${left# }" ""

# ---- install
dpkg_wait -i "$DEB" >"$TMP/install.out"
rc=$?
check_eq "dpkg -i exits 0" "$rc" 0
[ $rc = 0 ] || sed 's/^/#   /' "$TMP/install.out" | tail -20
check_eq "pdl is on PATH at /usr/bin/pdl" "$(command -v pdl)" /usr/bin/pdl
check_eq "pdld is on PATH at /usr/sbin/pdld" "$(command -v pdld)" /usr/sbin/pdld
check_eq "pdl-project is on PATH at /usr/sbin/pdl-project" "$(command -v pdl-project)" /usr/sbin/pdl-project
check_eq "the installed pdl --version is the tree's" "$(/usr/bin/pdl --version)" "$("$PDL" --version)"
check_eq "the installed pdld --version is the tree's" "$(/usr/sbin/pdld --version)" "$("$PDLD" --version)"
check "man finds pdld(8)" sh -c 'man -w 8 pdld | grep -q /usr/share/man/man8/pdld.8.gz'
for u in pdld pdl-project; do
	systemd-analyze verify "/lib/systemd/system/$u.service" >"$TMP/verify.out" 2>&1
	check_eq "systemd-analyze verify /lib/systemd/system/$u.service passes" "$?" 0
	check_eq "and has nothing to say" "$(head -3 "$TMP/verify.out")" ""
done
check "the system user pdl exists" getent passwd pdl
uid=$(getent passwd pdl | cut -d: -f3)
check "it is a system user (uid $uid below 1000)" test "$uid" -lt 1000
check_eq "it cannot log in" "$(getent passwd pdl | cut -d: -f7)" /usr/sbin/nologin
check_eq "/var/lib/pdl belongs to pdl, mode 750" "$(stat -c '%U:%G %a' /var/lib/pdl)" "pdl:pdl 750"
check "no unit was enabled" not test -e /etc/systemd/system/multi-user.target.wants/pdld.service
check "no pdld runs as pdl (nothing started)" not pgrep -u pdl -x pdld
# the installed binaries at work, as the service user
runuser -u pdl -- /usr/bin/pdl init --data /var/lib/pdl/ledger --origin deb.example/pdl --jurisdiction 420100 \
	>"$TMP/init.json" 2>&1
check_eq "pdl init makes /var/lib/pdl/ledger as user pdl" "$?" 0
check_eq "the ledger belongs to pdl, mode 700" "$(stat -c '%U %a' /var/lib/pdl/ledger)" "pdl 700"
check "pdl verify checks it" sh -c 'runuser -u pdl -- /usr/bin/pdl verify --data /var/lib/pdl/ledger | grep -q "\"ok\":true"'
mkdir -p /var/lib/pdl/views/view && chown -R pdl:pdl /var/lib/pdl/views

# ---- remove: binaries and units go; option files, ledger and user stay
echo 'PDLD_OPTS="--workers 2"' >/etc/default/pdld
dpkg_wait -r pdl >"$TMP/remove.out"
check_eq "dpkg -r exits 0" "$?" 0
check "pdl is gone from PATH" not command -v pdl
check "pdld is gone" not test -e /usr/sbin/pdld
check "the units are gone" not test -e /lib/systemd/system/pdld.service
check_eq "the edited option file stays (a conffile)" "$(cat /etc/default/pdld 2>/dev/null)" 'PDLD_OPTS="--workers 2"'
check "the ledger stays" test -s /var/lib/pdl/ledger/data.mdb
check "the user stays" getent passwd pdl

# ---- purge: option files and views go; the ledger stays, and it says so
dpkg_wait -P pdl >"$TMP/purge.out" 2>&1
check_eq "dpkg -P exits 0" "$?" 0
check "the option files are gone" not test -e /etc/default/pdld -o -e /etc/default/pdl-project
check "the views are gone (they are rebuilt from the ledger)" not test -e /var/lib/pdl/views
check "the ledger is kept" test -s /var/lib/pdl/ledger/data.mdb
check "and purge says it kept it" grep -q 'kept /var/lib/pdl' "$TMP/purge.out"
check "the user pdl is kept (files it owns remain)" getent passwd pdl
check "dpkg knows the package no more" not sh -c "dpkg-query -W -f='\${Status}' pdl 2>/dev/null | grep -q 'ok installed'"
# purge of a machine where the ledger was never made leaves nothing in /var/lib
rm -rf /var/lib/pdl/ledger
dpkg_wait -i "$DEB" >/dev/null 2>&1 && dpkg_wait -P pdl >"$TMP/purge2.out" 2>&1
check_eq "install then purge with no ledger: exits 0" "$?" 0
check "and /var/lib/pdl is gone" not test -e /var/lib/pdl
finish
