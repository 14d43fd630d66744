#!/usr/bin/env bash
# t_61_http_errors — every class of bad request to the public HTTP server
# (unknown paths, bad seqs, out-of-range limits, non-numeric and unknown
# parameters, bad codes and ids, out-of-range proofs) gets its exact 4xx
# status and a JSON {error, message}; after each one a good request still
# works. The view keeps serving while pdld is down (ledger-backed routes
# answer 503) and recovers when it returns; a burst of parallel requests
# is served.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/disclosure_lib.sh"

D=$TMP/l
disc_phase1 "$D" && disc_phase2 "$D" || { not_ok "the scenario is accepted by the ledger"; finish; }
LAST=${S[use3]}
start_proj "$D" || { not_ok "pdl-project all --http starts"; finish; }
check "the view catches up to seq $LAST" wait_view $((LAST + 1))
wait_ckpt "$D" $((LAST + 1)) || not_ok "a checkpoint covers the scenario"
SIZE=$((LAST + 1))

# bad PATH STATUS ERROR: the status, a JSON body {error, message} with that
# error, then a good request that still answers with the two grants.
bad() {
	local path=$1 want=$2 err=$3 out
	out=$($PY - "$BASE" "$path" <<'EOF'
import json, sys, urllib.request, urllib.error
def get(u):
    try:
        r = urllib.request.urlopen(u, timeout=20)
        return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception as e:
        return 0, str(e).encode()
c, b = get(sys.argv[1] + sys.argv[2])
try:
    o = json.loads(b)
    e = o["error"] if set(o) >= {"error", "message"} and o["message"] else "NO-MESSAGE"
except Exception:
    e = "NOT-JSON"
c2, b2 = get(sys.argv[1] + "/v1/grants")
try:
    ids = json.dumps([g["grant_id"] for g in json.loads(b2)["items"]])
except Exception:
    ids = "?"
print("%s %s\n%s:%s" % (c, e, c2, ids))
EOF
)
	check_eq "$path → $want $err" "$(echo "$out" | sed -n 1p)" "$want $err"
	check_eq "  then /v1/grants still answers" "$(echo "$out" | sed -n 2p)" '200:["G1", "G2"]'
}

# unknown paths
bad /v1/nope 404 not_found
bad /nope 404 not_found
bad /v1/grants/ 400 bad_id
bad /v1/grants/G1/x 400 bad_id
bad /v1/grants/NOPE 404 not_found
bad /v1/products/NOPE 404 not_found
bad /v1/entries/ 400 bad_seq
# bad seqs
bad /v1/entries/abc 400 bad_seq
bad /v1/entries/-1 400 bad_seq
bad /v1/entries/1.5 400 bad_seq
bad /v1/entries/99999999999999999999 400 bad_seq
bad /v1/entries/7/x 400 bad_seq
bad /v1/entries/100000 404 not_found
# limits
bad '/v1/feed?limit=1001' 400 bad_parameter
bad '/v1/feed?limit=0' 400 bad_parameter
bad '/v1/feed?limit=' 400 bad_parameter
bad '/v1/grants?limit=5000' 400 bad_parameter
bad '/v1/feed.atom?limit=100000' 400 bad_parameter
# non-numeric and unknown parameters
bad '/v1/feed?after=x' 400 bad_parameter
bad '/v1/feed?after=-3' 400 bad_parameter
bad '/v1/feed?limit=ten' 400 bad_parameter
bad '/v1/feed?afterr=3' 400 unknown_parameter
bad '/v1/grants?foo=1' 400 unknown_parameter
bad '/v1/entries/7?x=1' 400 unknown_parameter
bad '/?debug=1' 400 unknown_parameter
# the evidence check: a SHA-256 digest, nothing else
bad '/v1/evidence' 400 missing_parameter
bad '/v1/evidence?digest=' 400 missing_parameter
bad '/v1/evidence?digest=abc' 400 bad_parameter
bad '/v1/evidence?digest=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz' 400 bad_parameter
bad '/v1/evidence?digest=0000000000000000000000000000000000000000000000000000000000000000aa' 400 bad_parameter
bad '/v1/evidence?digest=00&size=1' 400 unknown_parameter
bad '/v1/proof/inclusion' 400 missing_parameter
bad '/v1/proof/inclusion?index=abc' 400 bad_parameter
bad '/v1/proof/inclusion?index=1&size=z' 400 bad_parameter
bad '/v1/proof/inclusion?index=5&size=5' 400 bad_parameter
bad "/v1/proof/inclusion?index=1&size=$((SIZE + 100))" 400 bad_parameter
bad "/v1/proof/inclusion?index=$((SIZE + 5))" 404 not_found
bad '/v1/reports/annual' 400 missing_parameter
bad '/v1/reports/annual?year=20x0' 400 bad_parameter
bad '/v1/reports/annual?year=99999' 400 bad_parameter
# filters
bad '/v1/registrations?status=bogus' 400 bad_parameter
bad '/v1/registrations?kind=X' 400 bad_parameter
bad '/v1/grants?status=open' 400 bad_parameter
bad '/v1/products?status=gone' 400 bad_parameter
bad '/v1/usage?period=2040-13' 400 bad_parameter
bad '/v1/usage?period=204003' 400 bad_parameter
bad '/v1/usage?resource=bad%2Fid' 400 bad_parameter
bad '/v1/disputes?outcome=maybe' 400 bad_parameter
bad '/v1/grants?after=%01' 400 bad_parameter
# registration codes and ids
CODE=$(sed -n 1p "$TMP/phase2.receipts" | $PY -c 'import json,sys; print(json.loads(sys.stdin.read())["outcome"]["code"])')
WRONG=$($PY -c 'import sys; c=sys.argv[1]; a="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"; print(c[:-1] + a[(a.index(c[-1]) + 1) % 36])' "$CODE")
bad "/v1/registrations/$WRONG" 400 bad_code
bad /v1/registrations/420100-2040-R-0000000A-5 400 bad_code
bad '/v1/registrations/not!an%20id' 400 bad_code
bad /v1/registrations/NOPE 404 not_found
bad /v1/registrations/420100-2040-R-00000009-$($PY -c '
a="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"; s="4201002040R00000009"; p=36
for ch in s:
    p = (((p + a.index(ch)) % 36) or 36) * 2 % 37
print(a[(37 - p) % 36])') 404 not_found

# the good variants answer
check_eq "/v1/registrations/$CODE: 200" "$(hget "/v1/registrations/$CODE")" 200
check_eq "/v1/registrations/A1 (application id): 200, same code" "$(hget /v1/registrations/A1):$(jq_ "$TMP/h.body" 'o["code"]')" "200:$CODE"
check_eq "empty filter is no filter: /v1/registrations?status=" "$(hget '/v1/registrations?status='):$(jq_ "$TMP/h.body" 'len(o["items"])')" "200:2"
check_eq "private entry: 403 with JSON" "$(hget "/v1/entries/${S[C1]}"):$(jq_ "$TMP/h.body" 'o["error"]')" "403:not_public"
check_eq "content type of errors is JSON" \
	"$($PY -c 'import sys,urllib.request,urllib.error
try: urllib.request.urlopen(sys.argv[1])
except urllib.error.HTTPError as e: print(e.headers["Content-Type"])' "$BASE/v1/entries/abc")" "application/json"
check "pdl-project is still running" kill -0 "$PROJ_PID"

# ---- a burst of parallel requests, good and bad mixed
burst=$($PY - "$BASE" "${S[G1]}" <<'EOF'
import sys, threading, urllib.request, urllib.error
base, g1 = sys.argv[1], sys.argv[2]
# ledger-backed routes (checkpoint, proofs, entries) do blocking NNG I/O:
# many at once once deadlocked NNG's task threads (http.c runs routes on
# its own workers since)
paths = ["/v1/grants", "/v1/entries/abc", "/v1/checkpoint", "/", "/v1/entries/" + g1, "/v1/nope",
         "/v1/proof/inclusion?index=3", "/v1/entries/" + g1]
want = [200, 400, 200, 200, 200, 404, 200, 200]
bad = []
def run(i):
    p = paths[i % len(paths)]
    try:
        c = urllib.request.urlopen(base + p, timeout=30).status
    except urllib.error.HTTPError as e:
        c = e.code
    except Exception as e:
        c = str(e)
    if c != want[i % len(paths)]:
        bad.append((p, c))
ts = [threading.Thread(target=run, args=(i,)) for i in range(200)]
[t.start() for t in ts]
[t.join() for t in ts]
print("bad", bad[:3]) if bad else print("all", len(ts))
EOF
)
check_eq "200 parallel requests all get their expected status" "$burst" "all 200"

# ---- the ledger goes away: the view still serves; ledger-backed routes 503
stop_pdld || not_ok "pdld stops"
check_eq "pdld down: /v1/checkpoint → 503 ledger_unavailable" \
	"$(hget /v1/checkpoint):$(jq_ "$TMP/h.body" 'o["error"]')" "503:ledger_unavailable"
# entries and proofs come from the view's own copy (issue 13 item 6)
check_eq "pdld down: /v1/entries/${S[G1]} still 200, with its proof, from the view's copy" \
	"$(hget "/v1/entries/${S[G1]}"):$(jq_ "$TMP/h.body" 'o["proof"] is not None and o["seq"]')" "200:${S[G1]}"
check_eq "pdld down: /v1/proof/inclusion?index=${S[G1]} still 200" \
	"$(hget "/v1/proof/inclusion?index=${S[G1]}"):$(jq_ "$TMP/h.body" 'o["index"]')" "200:${S[G1]}"
check_eq "pdld down: a private entry is still 403 (decided by the view)" "$(hget "/v1/entries/${S[C1]}")" 403
check_eq "pdld down: /v1/grants still 200" "$(hget /v1/grants)" 200
check_eq "pdld down: the page still 200" "$(hget /)" 200
start_pdld "$D" --test-clock --checkpoint-ms 50 || not_ok "pdld restarts"
n=50
while [ "$(hget /v1/checkpoint)" != 200 ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
check_eq "pdld back: /v1/checkpoint 200, size $SIZE" "$(hget /v1/checkpoint):$(jq_ "$TMP/h.body" 'o["size"]')" "200:$SIZE"
check_eq "pdld back: /v1/entries/${S[G1]} 200" "$(hget "/v1/entries/${S[G1]}")" 200
check "pdl-project is still running" kill -0 "$PROJ_PID"

stop_proj
finish
