#!/usr/bin/env bash
# t_130_http_body_off_loop — pdld --http makes a large body into its
# request on a thread of its own, not on the loop that serves every
# connection (the second hostile review, 3 December: a 6.8 MB body of
# junk JSON held the loop 0.2 s, and eight of them 2 s, with every other
# client waiting). Bodies over 64 KiB go to the converter; the loop goes on
# answering meanwhile; what the converter refuses, and what it sends on,
# is answered exactly as before.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
PORT=$(free_port)
start_pdld "$D" --http "127.0.0.1:$PORT" || { not_ok "pdld --http starts"; finish; }

# ---- a large good body: 600 signed acts (about 500 KB) through the converter
$GEN acts "$TMP/big_" 1 600 100
"$PDL" sign --key "$AUTH_KEY" --data "$D" --array "$TMP/big_00.json" >"$TMP/big.json"
check "the body is over 64 KiB ($(wc -c <"$TMP/big.json") bytes)" test "$(wc -c <"$TMP/big.json")" -gt 65536

# post FILE: prints the status and the body's summary: receipts, errors
post() {
	$PY - "$PORT" "$1" <<'PY'
import json, sys, urllib.error, urllib.request
req = urllib.request.Request("http://127.0.0.1:%s/v1/acts" % sys.argv[1], data=open(sys.argv[2], "rb").read(),
                             headers={"Content-Type": "application/json"}, method="POST")
try:
    r = urllib.request.urlopen(req, timeout=60)
    st, doc = r.status, json.loads(r.read())
except urllib.error.HTTPError as e:
    st, doc = e.code, json.loads(e.read())
if "results" in doc:
    print(st, len([x for x in doc["results"] if "seq" in x]), len([x for x in doc["results"] if "error" in x]))
else:
    print(st, doc.get("error"), doc.get("message", "")[:80].replace(" ", "_"))
PY
}
check_eq "POST /v1/acts of it: 200, 600 receipts, no error" "$(post "$TMP/big.json")" "200 600 0"
check_eq "the log holds them" "$(log_size "$D")" 601
check_eq "the same body again: 200, 600 receipts (dup), nothing appended" "$(post "$TMP/big.json"):$(log_size "$D")" \
	"200 600 0:601"

# ---- large refused bodies: the converter's refusals are the loop's
$PY -c 'import json,sys; open(sys.argv[1],"w").write(json.dumps([{}] * 20000))' "$TMP/many.json"
check_eq "20,000 envelopes (over 64 KiB): 413 PDL_ETOOBIG, as a small body of 4,097" \
	"$(post "$TMP/many.json" | cut -d' ' -f1-2)" "413 PDL_ETOOBIG"
$PY -c 'import sys; open(sys.argv[1],"w").write("[" + "{\"act\":1}," * 30000 + "nope")' "$TMP/broken.json"
printf '[{"act":1},nope' >"$TMP/broken_small.json"
check_eq "a large body that is not JSON: 400 PDL_EDECODE, as a small one" \
	"$(post "$TMP/broken.json" | cut -d' ' -f1-2):$(post "$TMP/broken_small.json" | cut -d' ' -f1-2)" \
	"400 PDL_EDECODE:400 PDL_EDECODE"

# ---- eight 6.6 MB bodies of junk at once; GET /v1/head meanwhile
$PY - "$PORT" >"$TMP/flood.out" 2>&1 <<'PY'
import http.client, sys, threading, time
port = int(sys.argv[1])
body = ("[" + ",".join(['{"a":[1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6,7,8,9]}'] * 100000) + "]").encode()
lat, res, stop = [], [], []
def big():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", "/v1/acts", body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    res.append(r.status)
def probe():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while not stop:
        t0 = time.time()
        c.request("GET", "/v1/head")
        r = c.getresponse()
        r.read()
        lat.append((r.status, time.time() - t0))
        time.sleep(0.01)
p = threading.Thread(target=probe)
p.start()
time.sleep(0.3)
t0 = time.time()
ts = [threading.Thread(target=big) for _ in range(8)]
for t in ts: t.start()
for t in ts: t.join()
took = time.time() - t0
time.sleep(0.2)
stop.append(1)
p.join()
print("bodies", len(body), " ".join(sorted(set(str(s) for s in res))), "%.2f" % took)
print("probe", len(lat), len([1 for s, _ in lat if s == 200]), int(max(t for _, t in lat) * 1000))
PY
sed 's/^/# /' "$TMP/flood.out"
read -r _ blen bst btook <<<"$(grep '^bodies' "$TMP/flood.out")"
read -r _ pn p200 pmax <<<"$(grep '^probe' "$TMP/flood.out")"
check_eq "each junk body of $blen bytes: 413 (4,097 envelopes or more)" "$bst" 413
check "GET /v1/head meanwhile: answered every time ($p200 of $pn)" test "${pn:-0}" -ge 20 -a "${p200:-x}" = "${pn:-y}"
check "  never held up by the bodies: the slowest $pmax ms, under a tenth of their ${btook} s" \
	$PY -c 'import sys; sys.exit(0 if int(sys.argv[1]) * 10 < float(sys.argv[2]) * 1000 else 1)' "${pmax:-99999}" "${btook:-0}"
check "pdld is still running" kill -0 "$PDLD_PID"
check_eq "and the log is as it was" "$(log_size "$D")" 601
stop_pdld || not_ok "pdld stops"
finish
