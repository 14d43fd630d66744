#!/usr/bin/env bash
# t_113_install — `make install` with DESTDIR and PREFIX: the binaries (pdl in
# bin/, the daemons in sbin/), man pages, bash completion, systemd units
# naming this PREFIX's paths and nothing of DESTDIR, their option files
# (kept when already there), the docs and every nginx site file of the tree;
# the installed binaries and man pages work; `make uninstall` removes all
# of it but the option files.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
mk() { make --no-print-directory -C "$ROOT" SAN="${PDL_SAN:-}" "$@"; }

S=$TMP/stage
mk install DESTDIR="$S" PREFIX=/usr >"$TMP/install.log" 2>&1
rc=$?
check_eq "make install DESTDIR=… PREFIX=/usr exits 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/#   /' "$TMP/install.log" | tail -20
want="usr/bin/pdl 755
usr/sbin/pdld 755
usr/sbin/pdl-project 755
usr/share/man/man1/pdl.1 644
usr/share/man/man8/pdld.8 644
usr/share/man/man8/pdl-project.8 644
usr/share/bash-completion/completions/pdl 644
usr/share/bash-completion/completions/pdld 644
usr/share/bash-completion/completions/pdl-project 644
usr/lib/systemd/system/pdld.service 644
usr/lib/systemd/system/pdl-project.service 644
etc/default/pdld 644
etc/default/pdl-project 644
usr/share/doc/pdl/README.md 644
usr/share/doc/pdl/spec/formats.md 644"
miss=""
while read -r f m; do
	[ -f "$S/$f" ] && [ "$(stat -c %a "$S/$f")" = "$m" ] || miss="$miss $f($m)"
done <<<"$want"
check_eq "every file is installed with its mode" "${miss# }" ""
check_eq "nothing installed names the staging directory" "$(grep -rl "$S" "$S" 2>/dev/null | head -3)" ""
check "pdld.service runs /usr/sbin/pdld" grep -q '^ExecStart=/usr/sbin/pdld --data /var/lib/pdl/ledger' "$S/usr/lib/systemd/system/pdld.service"
check "pdld.service reads /etc/default/pdld (PREFIX=/usr: /etc)" grep -qx 'EnvironmentFile=-/etc/default/pdld' "$S/usr/lib/systemd/system/pdld.service"
check "pdl-project.service runs /usr/sbin/pdl-project" grep -q '^ExecStart=/usr/sbin/pdl-project ' "$S/usr/lib/systemd/system/pdl-project.service"
check_eq "no @PLACEHOLDER@ left in the units" "$(grep -l '@[A-Z]*@' "$S"/usr/lib/systemd/system/*)" ""
check_eq "the installed pdl is the one built" "$("$S/usr/bin/pdl" --version)" "$("$PDL" --version)"
check_eq "the installed pdld is the one built" "$("$S/usr/sbin/pdld" --version)" "$("$PDLD" --version)"
check "man finds the installed pdld(8)" sh -c "LC_ALL=C.UTF-8 man -M '$S/usr/share/man' 8 pdld | grep -q -- '--max-inflight'"
check "man finds the installed pdl(1)" sh -c "LC_ALL=C.UTF-8 man -M '$S/usr/share/man' 1 pdl | grep -q 'pdl evidence deposit'"
# every nginx site file of the tree (a .conf in a folder named nginx) is installed as an example
nginx=$(cd "$ROOT" && find . -path ./build -prune -o -path ./build-san -prune -o -path ./build-fuzz -prune \
	-o -path ./.git -prune -o -path ./debian -prune -o -type f -path '*/nginx/*.conf' -print)
check "the tree's nginx site file contrib/nginx/pdld-http.conf is one of them" grep -qx ./contrib/nginx/pdld-http.conf <<<"$nginx"
check "and no test script is taken for one" not test -e "$S/usr/share/doc/pdl/examples/nginx/t_109_http_nginx.sh"
miss=""
for f in $nginx; do [ -f "$S/usr/share/doc/pdl/examples/nginx/$(basename "$f")" ] || miss="$miss $f"; done
check_eq "every nginx site file of the tree is installed ($(echo $nginx | wc -w) found)" "${miss# }" ""

# an option file the operator edited is kept by the next install
echo 'PDLD_OPTS="--workers 3"' >"$S/etc/default/pdld"
mk install DESTDIR="$S" PREFIX=/usr >"$TMP/install2.log" 2>&1
check_eq "a second make install exits 0" "$?" 0
check_eq "it keeps the operator's /etc/default/pdld" "$(cat "$S/etc/default/pdld")" 'PDLD_OPTS="--workers 3"'
check "and says so" grep -q 'keeping .*/etc/default/pdld' "$TMP/install2.log"

# the default PREFIX is /usr/local, its option files in /usr/local/etc
L=$TMP/local
mk install DESTDIR="$L" >"$TMP/install3.log" 2>&1
check_eq "make install DESTDIR=… (default PREFIX) exits 0" "$?" 0
check "default PREFIX /usr/local: pdl in /usr/local/bin" test -x "$L/usr/local/bin/pdl"
check "default PREFIX: pdld.service runs /usr/local/sbin/pdld" \
	grep -q '^ExecStart=/usr/local/sbin/pdld ' "$L/usr/local/lib/systemd/system/pdld.service"
check "default PREFIX: its options in /usr/local/etc/default/pdld" \
	grep -qx 'EnvironmentFile=-/usr/local/etc/default/pdld' "$L/usr/local/lib/systemd/system/pdld.service"

mk uninstall DESTDIR="$S" PREFIX=/usr >"$TMP/uninstall.log" 2>&1
check_eq "make uninstall exits 0" "$?" 0
left=$(cd "$S" && find . -type f | sort | paste -sd' ')
check_eq "make uninstall leaves only the option files" "$left" "./etc/default/pdl-project ./etc/default/pdld"
finish
