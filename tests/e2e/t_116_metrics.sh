#!/usr/bin/env bash
# t_116_metrics — pdld --metrics and pdl-project --metrics: GET /metrics on a
# listener of its own, read by a strict parser of the Prometheus text format
# (promparse.py, which is shown to refuse malformed text), and the counters
# moving as acts are accepted, refused (by type, error and rule) and
# resubmitted; batch sizes and commit latency; log size and the latest
# checkpoint; each view's cursor and lag; HTTP requests by listener, route
# and status; a taken port refused with a clear error.
. "$(dirname "$0")/lib.sh"

PDLPROJ=${PDLPROJ:-$(dirname "$PDL")/pdl-project}
PP="$PY $E2E/promparse.py"

# the parser refuses what the format does not allow
bad() { # DESC TEXT: the parser must refuse TEXT
	printf '%b' "$2" >"$TMP/bad.txt"
	if $PP "$TMP/bad.txt" >/dev/null 2>"$TMP/bad.err"; then
		not_ok "promparse.py refuses $1"
	else
		ok "promparse.py refuses $1 ($(cut -c1-90 "$TMP/bad.err"))"
	fi
}
printf '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 2\n' >"$TMP/good.txt"
check_eq "promparse.py reads a well-formed text" "$($PP "$TMP/good.txt" get a_total x=1)" 2
bad "a bad escape in a label value" '# TYPE a_total counter\na_total{x="\\q"} 1\n'
bad "a sample given twice" '# TYPE a_total counter\na_total{x="1"} 1\na_total{x="1"} 2\n'
bad "TYPE after the samples" 'a_total 1\n# TYPE a_total counter\n'
bad "a family split in two groups" '# TYPE a_total counter\n# TYPE b gauge\na_total 1\nb 1\na_total{x="2"} 1\n'
bad "a negative counter" '# TYPE a_total counter\na_total -1\n'
bad "a counter not named _total" '# TYPE a counter\na 1\n'
bad "buckets that are not cumulative" '# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n'
bad "a histogram without +Inf" '# TYPE h histogram\nh_bucket{le="1"} 3\nh_sum 1\nh_count 3\n'
bad "_count other than the +Inf bucket" '# TYPE h histogram\nh_bucket{le="+Inf"} 3\nh_sum 1\nh_count 4\n'
bad "a value that is not a number" 'a 1,5\n'
bad "a missing last newline" 'a 1'
bad "a reserved label name" 'a{__x="1"} 1\n'

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
MP=$(free_port)
WP=$(free_port)
start_pdld "$D" --metrics "127.0.0.1:$MP" --http "127.0.0.1:$WP" --checkpoint-ms 50 || { not_ok "pdld --metrics starts"; finish; }
ok "pdld --metrics starts"
check "pdld says where its metrics are" grep -q "metrics at http://127.0.0.1:$MP/metrics" "$D.pdld.log"
scrape() { # PORT FILE: scrapes, and parses strictly
	curl -sf -o "$2" -D "$2.h" "http://127.0.0.1:$1/metrics" && $PP "$2" >/dev/null 2>"$2.err" ||
		{ cat "$2.err" >&2; return 1; }
}
check "a scrape of pdld parses strictly" scrape "$MP" "$TMP/m0"
check "it is served as the text format 0.0.4" grep -qi '^content-type: text/plain; version=0.0.4' "$TMP/m0.h"
v=$("$PDLD" --version)
check_eq "pdl_build_info names pdld's version" "$($PP "$TMP/m0" get pdl_build_info "version=${v#pdld }")" 1
check_eq "pdl_log_size is 1 (genesis)" "$($PP "$TMP/m0" get pdl_log_size)" 1
check_eq "every act type is listed before its first act (party.register at 0)" \
	"$($PP "$TMP/m0" get pdl_acts_accepted_total type=party.register)" 0
check "there are at least 40 act types listed" test "$($PP "$TMP/m0" | grep -c '^pdl_acts_accepted_total{')" -ge 40
check_eq "pdl_batch_acts is a histogram" "$($PP "$TMP/m0" type pdl_batch_acts)" histogram
check_eq "pdl_commit_seconds is a histogram" "$($PP "$TMP/m0" type pdl_commit_seconds)" histogram
check_eq "pdl_verify_queue_depth is a gauge" "$($PP "$TMP/m0" type pdl_verify_queue_depth)" gauge

# five accepted, then three refused (a rule, an unknown actor, another rule), then the five again
$GEN acts "$TMP/a" 1 5 1
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a00.json" >/dev/null
$PY - "$TMP/a00.json" "$TMP/bad.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
b = dict(a[0], nonce=100, body=dict(a[0]["body"], id="pbad", uscc="91420100MA4KXXXXXX"))
c = dict(a[0], nonce=101, actor="nobody")
d = dict(a[0], nonce=102, body=dict(a[0]["body"], uscc=a[1]["body"]["uscc"]))
json.dump([b, c, d], open(sys.argv[2], "w"))
PY
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/bad.json" >"$TMP/bad.out"
check_eq "the three are refused as expected" "$(jl "$TMP/bad.out" 'o.get("rule", o["error"])' | paste -sd' ')" \
	"party.uscc_invalid PDL_EACTOR party.id_taken"
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a00.json" >"$TMP/dup.out"
check_eq "the five again are duplicates" "$(jl "$TMP/dup.out" 'o["dup"]' | sort -u)" true
# an act that does not decode (raw msgpack that is not an act)
printf '\x93\x01\x02\x03' >"$TMP/junk.mp"
"$PDL" submit --key "$AUTH_KEY" --data "$D" --raw "$TMP/junk.mp" >"$TMP/junk.out" 2>&1
check "the undecodable act is refused" grep -q '"error"' "$TMP/junk.out"
wait_ckpt "$D" 6
check "a second scrape parses strictly" scrape "$MP" "$TMP/m1"
check_eq "accepted party.register: 5" "$($PP "$TMP/m1" get pdl_acts_accepted_total type=party.register)" 5
check_eq "refused by rule party.uscc_invalid: 1" \
	"$($PP "$TMP/m1" get pdl_acts_refused_total type=party.register error=PDL_ERULE rule=party.uscc_invalid)" 1
check_eq "refused by rule party.id_taken: 1" \
	"$($PP "$TMP/m1" get pdl_acts_refused_total type=party.register error=PDL_ERULE rule=party.id_taken)" 1
check_eq "refused for an unknown actor (no rule): 1" \
	"$($PP "$TMP/m1" get pdl_acts_refused_total type=party.register error=PDL_EACTOR rule=)" 1
check_eq "refused undecoded (type unknown): 1" "$($PP "$TMP/m1" sum pdl_acts_refused_total type=unknown)" 1
check_eq "refused in all: 4" "$($PP "$TMP/m1" sum pdl_acts_refused_total)" 4
check_eq "duplicates: 5" "$($PP "$TMP/m1" get pdl_acts_duplicate_total)" 5
check_eq "batch sizes: 4 batches of acts" "$($PP "$TMP/m1" get pdl_batch_acts_count)" 4
check_eq "batch sizes: 14 acts in them (5 + 3 + 5 + 1)" "$($PP "$TMP/m1" get pdl_batch_acts_sum)" 14
check_eq "a batch of 5 is in the le=8 bucket and not le=4" \
	"$(($($PP "$TMP/m1" get pdl_batch_acts_bucket le=8) - $($PP "$TMP/m1" get pdl_batch_acts_bucket le=4)))" 2
check_eq "commit latency: one sample per batch" "$($PP "$TMP/m1" get pdl_commit_seconds_count)" 4
check_eq "log size 6" "$($PP "$TMP/m1" get pdl_log_size)" 6
check_eq "the latest checkpoint covers it" "$($PP "$TMP/m1" get pdl_checkpoint_size)" 6
check "the checkpoint is younger than a minute" $PY -c "import sys; sys.exit(not float(sys.argv[1]) < 60)" \
	"$($PP "$TMP/m1" get pdl_checkpoint_age_seconds)"
check_eq "nothing waits for a verifier" "$($PP "$TMP/m1" get pdl_verify_queue_depth)" 0
check_eq "the scrapes are counted: 1 before this one" "$($PP "$TMP/m1" get pdl_http_requests_total route=/metrics status=200)" 1
curl -s -o /dev/null "http://127.0.0.1:$MP/other"
scrape "$MP" "$TMP/m2"
check_eq "another path is a 404, counted" "$($PP "$TMP/m2" get pdl_http_requests_total route=other status=404)" 1
check_eq "and the scrapes: 2 before this one" "$($PP "$TMP/m2" get pdl_http_requests_total route=/metrics status=200)" 2
# pdld --http's requests, by route and status (an entry's seq is no label of its own)
for u in /v1/head /v1/head /v1/entries/0 /v1/entries/1 /v1/entries/999 /v1/nope; do
	curl -s -o /dev/null "http://127.0.0.1:$WP$u"
done
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary '' "http://127.0.0.1:$WP/v1/acts"
scrape "$MP" "$TMP/m3"
check_eq "--http: GET /v1/head twice, 200" "$($PP "$TMP/m3" get pdl_http_requests_total route=/v1/head status=200)" 2
check_eq "--http: two entries read, one route" "$($PP "$TMP/m3" get pdl_http_requests_total route=/v1/entries/ status=200)" 2
check_eq "--http: an entry past the head, 404" "$($PP "$TMP/m3" get pdl_http_requests_total route=/v1/entries/ status=404)" 1
check_eq "--http: no such route, unmatched 404" "$($PP "$TMP/m3" get pdl_http_requests_total route=unmatched status=404)" 1
check_eq "--http: POST /v1/acts with an empty body, 400" "$($PP "$TMP/m3" get pdl_http_requests_total route=/v1/acts status=400)" 1

# ---- pdl-project
HP=$(free_port)
MQ=$(free_port)
"$PDLPROJ" all --ledger "ipc://$D/pdl.sock" --data "$TMP/views" --http "127.0.0.1:$HP" --metrics "127.0.0.1:$MQ" \
	>"$TMP/proj.log" 2>&1 &
PROJ=$!
n=100
until grep -q serving "$TMP/proj.log" || [ $n -le 0 ]; do sleep 0.1; n=$((n - 1)); done
check "pdl-project --metrics starts and says where" grep -q "metrics at http://127.0.0.1:$MQ/metrics" "$TMP/proj.log"
n=100
until scrape "$MQ" "$TMP/p0" 2>/dev/null && [ "$($PP "$TMP/p0" get pdl_project_view_next view=disclosure)" = 6 ] || [ $n -le 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
check "a scrape of pdl-project parses strictly" $PP "$TMP/p0"
for view in disclosure metrics revenue; do
	check_eq "view $view: cursor at the log size (6)" "$($PP "$TMP/p0" get pdl_project_view_next view=$view)" 6
	check_eq "view $view: no lag" "$($PP "$TMP/p0" get pdl_project_view_lag_entries view=$view)" 0
done
check_eq "entries applied: 6" "$($PP "$TMP/p0" get pdl_project_entries_applied_total)" 6
curl -s -o /dev/null "http://127.0.0.1:$HP/v1/grants"
curl -s -o /dev/null "http://127.0.0.1:$HP/v1/grants"
curl -s -o /dev/null "http://127.0.0.1:$HP/v1/nothing-here"
curl -s -o /dev/null "http://127.0.0.1:$HP/v1/grants?bad=1"
# three more acts, live
$GEN acts "$TMP/b" 1 3 50
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/b00.json" >/dev/null
n=100
until scrape "$MQ" "$TMP/p1" 2>/dev/null && [ "$($PP "$TMP/p1" get pdl_project_view_next view=disclosure)" = 9 ] || [ $n -le 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
check_eq "live entries move the cursor (9)" "$($PP "$TMP/p1" get pdl_project_view_next view=disclosure)" 9
check_eq "and the log size seen (9)" "$($PP "$TMP/p1" get pdl_project_ledger_size)" 9
check_eq "and the entries applied (9)" "$($PP "$TMP/p1" get pdl_project_entries_applied_total)" 9
check "the apply lag has samples" test "$($PP "$TMP/p1" get pdl_project_apply_lag_seconds_count)" -ge 1
check_eq "GET /v1/grants: 2 by route and status" \
	"$($PP "$TMP/p1" get pdl_http_requests_total listener=public route=/v1/grants status=200)" 2
check_eq "an unknown path: 1 unmatched 404" \
	"$($PP "$TMP/p1" get pdl_http_requests_total listener=public route=unmatched status=404)" 1
check_eq "an unknown parameter: 1 400 on its route" \
	"$($PP "$TMP/p1" get pdl_http_requests_total listener=public route=/v1/grants status=400)" 1
check "the metrics listener counts its own scrapes" \
	test "$($PP "$TMP/p1" get pdl_http_requests_total listener=metrics route=/metrics status=200)" -ge 1
kill -TERM $PROJ
wait $PROJ

# a taken port: a clear error, exit 1
"$PDLPROJ" all --ledger "ipc://$D/pdl.sock" --data "$TMP/views2" --metrics "127.0.0.1:$MP" >"$TMP/taken.log" 2>&1
check_eq "pdl-project --metrics on a taken port exits 1" "$?" 1
check "and says the address is in use" grep -q "cannot serve metrics on 127.0.0.1:$MP: Address already in use" "$TMP/taken.log"
stop_pdld
# pdld likewise, before it serves anything
LP=$(free_port)
$PY -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$LP" &
HOLD=$!
sleep 0.3
"$PDLD" --data "$D" --metrics "127.0.0.1:$LP" 2>"$TMP/taken2.log"
check_eq "pdld --metrics on a taken port exits 1" "$?" 1
check "and says the address is in use" grep -q "cannot serve metrics on 127.0.0.1:$LP: Address already in use" "$TMP/taken2.log"
check "and did not start serving" not grep -q "serving" "$TMP/taken2.log"
kill $HOLD
wait $HOLD 2>/dev/null
finish
