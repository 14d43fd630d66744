#!/usr/bin/env bash
# t_128_walk_one — routes that read every record they cover run one at a
# time (the second hostile review, 3 December: the annual report and the
# metrics' explanations read all their records on every request, so a
# handful of clients asking again and again kept every server thread
# busy). Now such a request takes the listener's one walk: three more
# may wait for it, any other is answered 503 busy with Retry-After: 1 at
# once, and the cheap routes keep their threads. Here prov1 has some 6,000
# records_served rows, which /v1/metrics/providers/prov1/explain reads
# (and counts) on each request.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/disclosure_lib.sh"

D=$TMP/l
N=6000
disc_phase1 "$D" || { not_ok "the scenario is accepted by the ledger"; finish; }
$PY - "$TMP/usage.json" "$N" "$DISC_YEAR" <<'PY'
import json, sys
n, y = int(sys.argv[2]), sys.argv[3]
json.dump([{"type": "call.usage", "actor": "op1", "nonce": 700000 + i,
            "body": {"call_id": "C1", "resource_id": "res1", "period": y + "-03", "records": 1 + i % 7, "bytes": 100}}
           for i in range(n)], open(sys.argv[1], "w"))
PY
"$PDL" submit --key "$TMP/keys/op1.key" --data "$D" --batch 500 "$TMP/usage.json" >"$TMP/usage.out" 2>&1
check_eq "$N usage reports accepted" "$(grep -c '"seq"' "$TMP/usage.out")" "$N"
LAST=$(tail -1 "$TMP/usage.out" | jl - 'o["seq"]')
start_proj "$D" || { not_ok "pdl-project all --http starts"; finish; }
check "the view catches up to seq $LAST" wait_view $((LAST + 1))

EX="/v1/metrics/providers/prov1/explain?limit=1"
check_eq "one explain alone: 200" "$(hget "$EX" "$TMP/ex1.json")" 200
ROWS=$(jq_ "$TMP/ex1.json" 'sum(p["figures"].get("records_served", {}).get("count", 0) for p in o["periods"])')
check "  it counts the $N reports and the scenario's ($ROWS rows)" test "$ROWS" -ge "$N"

# ---- wrk keeps 16 connections asking for it for 3 s; beside it one client
# asks for it too (to read the refusals' headers) and another asks /v1/
wrk -t2 -c16 -d3s --timeout 10s "$BASE$EX" >"$TMP/wrk.out" 2>&1 &
WRK=$!
$PY - "$PORT" "$EX" "$ROWS" >"$TMP/flood.out" 2>&1 <<'PY'
import http.client, json, sys, threading, time
port, path, rows = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
res, cheap = [], []
time.sleep(0.3)
end = time.time() + 2.4
def conn():
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)
def walker():
    c = conn()
    while time.time() < end:
        c.request("GET", path)
        r = c.getresponse()
        body = json.loads(r.read())
        if r.status == 200:
            n = sum(p["figures"].get("records_served", {}).get("count", 0) for p in body["periods"])
            res.append("200" if n == rows else "200-wrong-count-%d" % n)
        else:
            res.append("%d-%s-retry-%s" % (r.status, body.get("error"), r.getheader("Retry-After")))
def probe():
    c = conn()
    while time.time() < end:
        t0 = time.time()
        c.request("GET", "/v1/")
        r = c.getresponse()
        r.read()
        cheap.append((r.status, time.time() - t0))
        time.sleep(0.05)
ts = [threading.Thread(target=walker), threading.Thread(target=probe)]
for t in ts: t.start()
for t in ts: t.join()
kinds = {}
for w in res:
    kinds[w] = kinds.get(w, 0) + 1
print("kinds", " ".join("%s=%d" % kv for kv in sorted(kinds.items())))
print("ok200", kinds.get("200", 0))
print("busy", kinds.get("503-busy-retry-1", 0))
print("other", len(res) - kinds.get("200", 0) - kinds.get("503-busy-retry-1", 0))
print("cheap", len(cheap), sum(1 for s, _ in cheap if s == 200), int(max(t for _, t in cheap) * 1000))
PY
wait "$WRK"
sed 's/^/# /' "$TMP/flood.out" "$TMP/wrk.out"
read -r _ ok200 <<<"$(grep '^ok200' "$TMP/flood.out")"
read -r _ busy <<<"$(grep '^busy' "$TMP/flood.out")"
read -r _ other <<<"$(grep '^other' "$TMP/flood.out")"
read -r _ ncheap cheap200 cheapms <<<"$(grep '^cheap' "$TMP/flood.out")"
total=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$TMP/wrk.out")
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$TMP/wrk.out")
check "wrk: some explains answered 200, others refused (${non2xx:-0} of ${total:-0} not 2xx)" \
	test "${total:-0}" -gt "${non2xx:-0}" -a "${non2xx:-0}" -ge 1
check "the client beside it: explains answered in full ($ok200), each with all $ROWS rows counted" test "${ok200:-0}" -ge 1
check "  and refused as 503 busy with Retry-After: 1 ($busy)" test "${busy:-0}" -ge 1
check_eq "  nothing else" "${other:-x}" 0
check "  /v1/ meanwhile: every answer 200, none slower than 1 s ($cheap200 of $ncheap, slowest $cheapms ms)" \
	test "${ncheap:-0}" -ge 10 -a "${cheap200:-0}" = "${ncheap:-x}" -a "${cheapms:-9999}" -lt 1000
check_eq "after the flood, one explain alone: 200" "$(hget "$EX")" 200
stop_proj
finish
