#!/usr/bin/env bash
# t_112_completion — bash completion for pdl, pdld and pdl-project (made by
# mk/helpdoc.py from the --help texts): sourced into bash, its functions
# complete the commands, each command's options (every option its --help
# lists), subcommands (pdl evidence deposit), option values (--policy
# presets) and only directories after --data; the scripts are exactly what
# the binaries under test give. The option check is shown to fail on a
# script with one option taken out.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
BUILD=${PDL_BUILD:-$ROOT/build}
PDLPROJ=${PDLPROJ:-$(dirname "$PDL")/pdl-project}
COMP=$BUILD/completion

# comp SCRIPT FUNC WORD...: what FUNC completes for the command line WORD...
# (the last word is the one being completed), one candidate a line, sorted
comp() {
	local script=$1 fn=$2
	shift 2
	(cd "$TMP/cwd" && bash --norc --noprofile -c '
		. "$1" || exit 1
		fn=$2; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' comp "$script" "$fn" "$@") | sed '/^$/d' | sort
}
# the options a help text lists: its usage lines, and the tag of each line
# of its option table (up to the two spaces before the description: not
# another binary's option that a description mentions)
help_opts() {
	awk 'NR == 1 && /^usage: / { u = 1 } u && /^$/ { u = 0 }
		u || /^       [a-z]/ { print; next }
		/^ +-/ { l = $0; sub(/^ +/, "", l); i = index(l, "  "); print (i ? substr(l, 1, i - 1) : l) }' |
		grep -oE -- '(^|[][ (|])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[^-]*//' | sort -u
}
mkdir -p "$TMP/cwd/ledgerdir" "$TMP/bin"
: >"$TMP/cwd/afile.key"

for b in pdl pdld pdl-project; do
	case $b in pdl) exe=$PDL ;; pdld) exe=$PDLD ;; *) exe=$PDLPROJ ;; esac
	cp "$exe" "$TMP/bin/$b"
	check "$b: a completion script is built ($COMP/$b)" test -s "$COMP/$b"
	check "$b: bash accepts it" bash -n "$COMP/$b"
	/usr/bin/python3 "$ROOT/mk/helpdoc.py" completion "$TMP/bin/$b" >"$TMP/$b.regen" 2>&1
	check "$b: it is what mk/helpdoc.py makes of the binary under test now" cmp -s "$COMP/$b" "$TMP/$b.regen"
	check "$b: sourcing it registers the completion" \
		bash --norc -c ". '$COMP/$b' && complete -p $b | grep -q -- '-F _'"
done

S=$COMP/pdl
"$PDL" --help | awk '/^Client options/ { exit } /^  [a-z][a-z-]*  / { print $1 }' | sort >"$TMP/cmds"
comp "$S" _pdl pdl "" >"$TMP/got"
check_eq "pdl <TAB>: every command of pdl --help" "$(comm -23 "$TMP/cmds" "$TMP/got" | paste -sd' ')" ""
check_eq "pdl <TAB>: nothing but the commands, --help and --version" \
	"$(comm -13 "$TMP/cmds" "$TMP/got" | paste -sd' ')" "--help --version"
check_eq "pdl ver<TAB>: verifier-key verify" "$(comp "$S" _pdl pdl ver | paste -sd' ')" "verifier-key verify"
check_eq "pdl --v<TAB>: --version" "$(comp "$S" _pdl pdl --v | paste -sd' ')" "--version"
# every command: every option its --help lists
miss=""
while read -r c; do
	{
		"$PDL" "$c" --help
		for s in $("$PDL" "$c" --help 2>&1 | sed -n "s/^usage: pdl $c \([a-z|-]*\) .*SUB --help.*/\1/p" | tr '|' ' '); do
			"$PDL" "$c" "$s" --help
		done
	} 2>&1 | awk '/^usage: / { print; next } /^       pdl / || /^ +-/' | help_opts >"$TMP/want"
	sub=$(comp "$S" _pdl pdl "$c" "" | head -1)
	case $sub in -* | "") sub="" ;; *) "$PDL" "$c" --help 2>&1 | grep -q "^usage: pdl $c $sub" || sub="" ;; esac
	comp "$S" _pdl pdl "$c" $sub -- >"$TMP/got"
	m=$(comm -23 "$TMP/want" "$TMP/got" | grep -v '^--version$' | paste -sd' ')
	[ -z "$m" ] || miss="$miss [$c: $m]"
done <"$TMP/cmds"
check_eq "pdl CMD --<TAB>: every option each command's --help lists" "${miss# }" ""
check "pdl verify --<TAB>: offers --replay" grep -qx -- --replay <(comp "$S" _pdl pdl verify --)
check "pdl verify --<TAB>: not another command's --product" not grep -qx -- --product <(comp "$S" _pdl pdl verify --)
check_eq "pdl evidence <TAB>: its subcommands" "$(comp "$S" _pdl pdl evidence "" | paste -sd' ')" "check deposit prove"
check "pdl evidence deposit --<TAB>: deposit's --media-type" grep -qx -- --media-type <(comp "$S" _pdl pdl evidence deposit --)
check_eq "pdl proof <TAB>: inclusion consistency" "$(comp "$S" _pdl pdl proof "" | paste -sd' ')" "consistency inclusion"
check_eq "pdl init --policy <TAB>: the presets (and files)" "$(comp "$S" _pdl pdl init --policy "" | paste -sd' ')" \
	"afile.key ezhou ledgerdir national wuhan"
check_eq "pdl init --policy w<TAB>: wuhan" "$(comp "$S" _pdl pdl init --policy w | paste -sd' ')" "wuhan"
check_eq "pdl verify --data <TAB>: directories only" "$(comp "$S" _pdl pdl verify --data "" | paste -sd' ')" "ledgerdir"
check_eq "pdl submit --key <TAB>: files" "$(comp "$S" _pdl pdl submit --key a | paste -sd' ')" "afile.key"
check_eq "pdl get --ledger <TAB>: nothing to guess (a URL)" "$(comp "$S" _pdl pdl get --ledger "" | paste -sd' ')" ""
check "pdl --tls-ca FILE before the command: still completes the command" \
	grep -qx verify <(comp "$S" _pdl pdl --tls-ca afile.key ver)

"$PDLD" --help | help_opts >"$TMP/want"
comp "$COMP/pdld" _pdld pdld -- >"$TMP/got"
check_eq "pdld --<TAB>: every option of pdld --help" "$(comm -23 "$TMP/want" "$TMP/got" | grep -v '^-[a-z]$' | paste -sd' ')" ""
check_eq "pdld --data <TAB>: directories only" "$(comp "$COMP/pdld" _pdld pdld --data "" | paste -sd' ')" "ledgerdir"
"$PDLPROJ" --help | help_opts >"$TMP/want"
comp "$COMP/pdl-project" _pdl_project pdl-project all -- >"$TMP/got"
check_eq "pdl-project all --<TAB>: every option of pdl-project --help" \
	"$(comm -23 "$TMP/want" "$TMP/got" | grep -v '^-[a-z]$' | paste -sd' ')" ""
check_eq "pdl-project <TAB>: the views and digest" "$(comp "$COMP/pdl-project" _pdl_project pdl-project "" | paste -sd' ')" \
	"all digest disclosure metrics revenue"
check_eq "pdl-project digest <TAB>: the views" "$(comp "$COMP/pdl-project" _pdl_project pdl-project digest "" | paste -sd' ')" \
	"all disclosure metrics revenue"

# the check can fail: a script that lost verify's --replay
sed 's/ --replay / /' "$S" >"$TMP/cut"
"$PDL" verify --help | help_opts >"$TMP/want"
comp "$TMP/cut" _pdl pdl verify -- >"$TMP/got"
check_eq "the check finds an option a script lost (verify --replay)" "$(comm -23 "$TMP/want" "$TMP/got" | paste -sd' ')" "--replay"
finish
