#!/usr/bin/env bash
# t_124_list_scan — a filter that matches little costs a list request no
# more than a full page. With 2,400 more resources, GET
# /v1/resources?status=withdrawn (none withdrawn) used to parse every
# document before it answered (a hostile review, 3 December: 16 such
# requests kept honest ones waiting 10 s); now each request looks at no
# more than its limit + 1,000 documents, answers what it found with
# `more` and a `next` cursor to go on from, and following the cursors
# gives exactly what one unbounded walk would.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/disclosure_lib.sh"

D=$TMP/l
bulk_view "$D" 2400 8 bulk || finish

# walk QUERY: follows next from the first page to the last; prints
# "PAGES ITEMS DISTINCT FIRST_MORE FIRST_ITEMS"
walk() {
	$PY - "$BASE" "$1" <<'PY'
import json, sys, urllib.request
base, q = sys.argv[1], sys.argv[2]
pages, ids, after, first = 0, [], None, None
while True:
    url = base + q + ("&after=" + after if after else "")
    o = json.load(urllib.request.urlopen(url, timeout=30))
    pages += 1
    ids += [i["resource_id"] for i in o["items"]]
    if first is None:
        first = (o["more"], len(o["items"]))
    if not o["more"]:
        break
    after = o["next"]
print(pages, len(ids), len(set(ids)), first[0], first[1])
PY
}
read -r pages items distinct more1 first1 <<<"$(walk "/v1/resources?status=withdrawn&limit=10")"
check_eq "status=withdrawn, limit 10: the first page stops at its bound, empty, with more and a cursor" \
	"$more1:$first1" "True:0"
check "  the cursors lead on to the end: 3 requests or more, no item (${pages} requests)" \
	test "$pages" -ge 3 -a "$items" -eq 0
read -r pages items distinct more1 first1 <<<"$(walk "/v1/resources?status=listed&limit=700")"
check_eq "status=listed, limit 700: the cursors give all 2,402 resources once each" "$items:$distinct" 2402:2402
check_eq "  a full first page" "$more1:$first1" "True:700"
read -r pages items distinct more1 first1 <<<"$(walk "/v1/resources?limit=1000")"
check_eq "no filter, limit 1000: 3 pages, 2,402 resources" "$pages:$items:$distinct" 3:2402:2402
stop_proj
finish
