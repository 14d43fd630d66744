#!/usr/bin/env bash
# t_84_acts_spec — spec/acts.md documents exactly the acts pdl has: every
# act type `pdl acts` lists (its JSON lines' "type") has one section headed
# "### `type`" in spec/acts.md, and every such heading is an act pdl lists.
# Also: spec/acts.md is what tools/gen-acts-md.sh makes from spec/acts.d.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
SPEC=$ROOT/spec/acts.md

"$PDL" acts >"$TMP/acts.jsonl"
check_eq "pdl acts exits 0" "$?" 0
jl "$TMP/acts.jsonl" 'o["type"]' | sort >"$TMP/types"
check_eq "pdl acts lists act types, each once" "$(test -s "$TMP/types" && wc -l <"$TMP/types")" "$(sort -u "$TMP/types" | wc -l)"
sed -n 's/^### `\([^`]*\)`[[:space:]]*$/\1/p' "$SPEC" | sort >"$TMP/headings"
check_eq "no act heading repeats in spec/acts.md" "$(uniq -d "$TMP/headings" | paste -sd' ')" ""
check_eq "every act of pdl acts has its '### \`type\`' heading in spec/acts.md" \
	"$(comm -23 "$TMP/types" "$TMP/headings" | paste -sd' ')" ""
check_eq "every '### \`type\`' heading of spec/acts.md is an act of pdl acts" \
	"$(comm -13 "$TMP/types" "$TMP/headings" | paste -sd' ')" ""
# every family of pdl acts has its "## family" section
jl "$TMP/acts.jsonl" 'o["family"]' | sort -u >"$TMP/families"
missing=""
while read -r fam; do
	grep -qx "## $fam" "$SPEC" || missing="$missing $fam"
done <"$TMP/families"
check_eq "every family of pdl acts has its '## family' section" "$missing" ""
# each act's section lies under its family's section
bad=$($PY - "$SPEC" "$TMP/acts.jsonl" <<'EOF'
import json, re, sys
fam_of = {}
for line in open(sys.argv[2]):
    o = json.loads(line)
    fam_of[o["type"]] = o["family"]
cur, bad = None, []
for line in open(sys.argv[1]):
    m = re.match(r"^## (\S+)\s*$", line)
    if m:
        cur = m.group(1)
    m = re.match(r"^### `([^`]*)`\s*$", line)
    if m and m.group(1) in fam_of and fam_of[m.group(1)] != cur:
        bad.append("%s(under %s)" % (m.group(1), cur))
print(" ".join(bad))
EOF
)
check_eq "each act's section is in its family's section" "$bad" ""
check "spec/acts.md is up to date with spec/acts.d (tools/gen-acts-md.sh --check)" \
	sh "$ROOT/tools/gen-acts-md.sh" --check "$PDL"
finish
