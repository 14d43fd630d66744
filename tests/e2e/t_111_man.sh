#!/usr/bin/env bash
# t_111_man — the man pages pdl(1), pdld(8) and pdl-project(8), made by
# mk/helpdoc.py from the binaries' --help texts: each renders without a
# groff warning (man -l and groff -ww), has a NAME line whatis can index,
# carries the binary's version, is exactly what the binaries under test give
# now (so it cannot lag behind them), and lists every command and every
# option the help texts list (their usage lines and option tables), each
# command's options in that command's own section. The option check is
# shown to fail on a page with one option taken out.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
BUILD=${PDL_BUILD:-$ROOT/build}
PDLPROJ=${PDLPROJ:-$(dirname "$PDL")/pdl-project}
MAN=$BUILD/man
export LC_ALL=C.UTF-8 MANWIDTH=120

# the options a help text lists: its usage lines and its option table (lines
# starting with "-"), not those its prose mentions
help_opts() {
	awk 'NR == 1 && /^usage: / { u = 1 } u && /^$/ { u = 0 } u || /^ +-/' |
		grep -oE -- '(^|[][ (|])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[^-]*//' | sort -u
}
# render PAGE: the page as man shows it
render() {
	man -l "$1" 2>"$TMP/man.err"
}
# section TEXT HEADING: the lines of a rendered page under HEADING (a
# section "NAME" or a subsection "pdl init"), up to the next one
section() {
	awk -v h="$2" '
		$0 == h || $0 == "   " h { on = 1; next }
		on && (/^[A-Z]/ || /^   [^ ]/) { exit }
		on' "$1"
}
# missing_opts TEXTFILE: the options on stdin that TEXTFILE does not show
missing_opts() {
	local o miss=""
	while read -r o; do
		grep -qE -- "(^|[^A-Za-z0-9-])$o([^A-Za-z0-9-]|\$)" "$1" || miss="$miss $o"
	done
	echo "${miss# }"
}

for page in pdl.1 pdld.8 pdl-project.8; do
	bin=${page%.*}
	f=$MAN/$page
	if [ ! -s "$f" ]; then
		not_ok "$page exists in $MAN (make docs)"
		continue
	fi
	case $bin in pdl) exe=$PDL ;; pdld) exe=$PDLD ;; *) exe=$PDLPROJ ;; esac
	# an exact copy named like the binary: helpdoc names the page after it
	mkdir -p "$TMP/bin"
	cp "$exe" "$TMP/bin/$bin"
	groff -man -Tutf8 -ww -z "$f" 2>"$TMP/groff.err"
	check_eq "$page: groff -ww renders it without a warning" "$(head -3 "$TMP/groff.err")" ""
	render "$f" >"$TMP/$bin.txt"
	check_eq "$page: man -l renders it" "$?" 0
	check_eq "$page: man -l has nothing to say" "$(cat "$TMP/man.err")" ""
	for s in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
		check "$page: has a $s section" grep -qx "$s" "$TMP/$bin.txt"
	done
	check "$page: whatis can index its NAME line" sh -c "lexgrog '$f' | grep -q '\"$bin - '"
	ver=$("$exe" --version)
	check "$page: its footer names the version $bin --version prints" grep -qF "pdl ${ver#* }" "$TMP/$bin.txt"
	SOURCE_DATE_EPOCH=$(date -d "$(sed -n 's/^\.TH [^ ]* [18] "\([0-9-]*\)".*/\1/p' "$f")" +%s) \
		/usr/bin/python3 "$ROOT/mk/helpdoc.py" man "$TMP/bin/$bin" "${page##*.}" >"$TMP/$page.regen" 2>"$TMP/regen.err"
	check "$page: is what mk/helpdoc.py makes of the binary under test now" cmp -s "$f" "$TMP/$page.regen"
	"$exe" --help >"$TMP/$bin.help" 2>&1
	case $bin in
	pdl)
		# the top-level options, and every command in COMMANDS
		section "$TMP/$bin.txt" OPTIONS >"$TMP/sec"
		check_eq "pdl.1: OPTIONS shows every option pdl --help lists" "$(help_opts <"$TMP/$bin.help" | missing_opts "$TMP/sec")" ""
		awk '/^Client options/ { exit } /^  [a-z][a-z-]*  / { print $1 }' "$TMP/$bin.help" >"$TMP/cmds"
		check "pdl --help lists commands" test "$(wc -l <"$TMP/cmds")" -ge 10
		section "$TMP/$bin.txt" COMMANDS >"$TMP/sec"
		miss=""
		while read -r c; do grep -qE "^       $c( |\$)" "$TMP/sec" || miss="$miss $c"; done <"$TMP/cmds"
		check_eq "pdl.1: COMMANDS lists every command of pdl --help" "${miss# }" ""
		# each command's options in its own subsection ("pdl init"), and
		# the subcommands a command's usage names (pdl evidence deposit)
		miss=""
		nsec=0
		while read -r c; do
			"$exe" "$c" --help >"$TMP/c.help" 2>&1
			section "$TMP/$bin.txt" "pdl $c" >"$TMP/sec"
			subs=$(sed -n "s/^usage: pdl $c \([a-z|-]*\) .*SUB --help.*/\1/p" "$TMP/c.help" | tr '|' ' ')
			for s in $subs; do
				"$exe" "$c" "$s" --help >>"$TMP/c.help" 2>&1
				section "$TMP/$bin.txt" "pdl $c $s" >>"$TMP/sec"
				nsec=$((nsec + 1))
			done
			[ -s "$TMP/sec" ] || miss="$miss [no section pdl $c]"
			m=$(awk '/^usage: / { print; next } /^       pdl / || /^ +-/' "$TMP/c.help" | help_opts | missing_opts "$TMP/sec")
			[ -z "$m" ] || miss="$miss [pdl $c: $m]"
			nsec=$((nsec + 1))
		done <"$TMP/cmds"
		check_eq "pdl.1: each command's section shows every option its --help lists ($nsec sections)" "${miss# }" ""
		;;
	*)
		section "$TMP/$bin.txt" OPTIONS >"$TMP/sec"
		check_eq "$page: OPTIONS shows every option $bin --help lists" \
			"$(help_opts <"$TMP/$bin.help" | missing_opts "$TMP/sec")" ""
		check "$page: lists at least 10 options" test "$(help_opts <"$TMP/$bin.help" | wc -l)" -ge 10
		;;
	esac
done
check "pdl-project.8: names its digest command" grep -qE '^       digest ' "$TMP/pdl-project.txt"

# the check can fail: a page with one option's paragraph taken out (an
# option pdld --help names once, on a line that names no other)
grep -oE -- '--[a-z][a-z0-9-]*' "$TMP/pdld.help" | sort | uniq -u >"$TMP/once"
cut=$(awk '/^  --[a-z]/ { line = $0; if (gsub(/--[a-z]/, "&", line) == 1) print $1 }' "$TMP/pdld.help" |
	grep -Fx -f "$TMP/once" | grep -vx -- '--help' | head -1)
tag=$(printf '\\fB%s\\fR' "$cut" | sed 's/-/\\-/g') # as the page writes it: \fB\-\-blob\-max\fR
TAG=$tag awk 'index($0, ENVIRON["TAG"]) == 1 { skip = 2 } skip > 0 { skip--; next } { print }' "$MAN/pdld.8" |
	sed '$!N;/^\.TP\n\.TP$/!P;D' >"$TMP/cut.8"
check "the cut page is shorter" test "$(wc -l <"$TMP/cut.8")" -lt "$(wc -l <"$MAN/pdld.8")"
render "$TMP/cut.8" >"$TMP/cut.txt"
section "$TMP/cut.txt" OPTIONS >"$TMP/sec"
check_eq "the check finds an option missing from a page (pdld.8 without $cut)" \
	"$(help_opts <"$TMP/pdld.help" | missing_opts "$TMP/sec")" "$cut"
finish
