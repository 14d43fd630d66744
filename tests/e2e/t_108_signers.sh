#!/usr/bin/env bash
# t_108_signers — the reference signers of clients/ (Python with
# python3-cryptography, JavaScript with Node's crypto): both give every
# signing vector of spec/vectors/ byte for byte, a vector changed by one
# byte makes both fail, and both sign a real act with a pdl key file and
# POST it to a real pdld --http: the receipts are the log's entries, a
# resubmission comes back dup, and a key file others may read is refused.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
VEC=$ROOT/spec/vectors/ed25519-sha256.json
SIGNPY="$PY $ROOT/clients/python/pdlsign.py"
SIGNJS="node $ROOT/clients/js/pdlsign.mjs"
NVEC=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["vectors"]))' "$VEC")

for s in py js; do
	if [ $s = py ]; then SIGN=$SIGNPY; else SIGN=$SIGNJS; fi
	$SIGN --check-vectors "$VEC" >"$TMP/vec.$s" 2>&1
	check_eq "$s signer: exit 0 on the vectors" "$?" 0
	check_eq "$s signer: all $NVEC vectors ok" "$(grep -c '^ok - vector' "$TMP/vec.$s")" "$NVEC"
done

# one byte of one vector changed: each signer must notice
$PY - "$VEC" "$TMP/bad.json" <<'PYEOF'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
i = text.index('"sig_hex": "') + len('"sig_hex": "')
text = text[:i] + ("0" if text[i] != "0" else "1") + text[i + 1:]
open(sys.argv[2], "w", encoding="utf-8").write(text)
PYEOF
for s in py js; do
	if [ $s = py ]; then SIGN=$SIGNPY; else SIGN=$SIGNJS; fi
	$SIGN --check-vectors "$TMP/bad.json" >"$TMP/bad.$s" 2>&1
	check_eq "$s signer: a changed signature in the vectors fails (exit 1)" "$?" 1
	check "  naming the vector" grep -q '^not ok - vector genesis: signature differ' "$TMP/bad.$s"
done

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
PORT=$(free_port)
start_pdld "$D" --http "127.0.0.1:$PORT" || { not_ok "pdld --http starts"; finish; }
URL=http://127.0.0.1:$PORT
n=0
for s in py js; do
	if [ $s = py ]; then SIGN=$SIGNPY; else SIGN=$SIGNJS; fi
	n=$((n + 1))
	# a party with a key of its own, registered by the authority, then acting itself
	"$PDL" keygen --out "$TMP/$s.key" >"$TMP/$s.pub" || not_ok "pdl keygen"
	PK=$(jl "$TMP/$s.pub" 'o["public_key"]')
	$PY -c 'import json,sys; sys.path.insert(0, sys.argv[4]); import pdlgen
a = pdlgen.register_act(int(sys.argv[1]), pk=sys.argv[2], pid=sys.argv[3], roles=("provider",))
a["body"]["name"] = "数据提供方 " + sys.argv[3]
json.dump(a, open(sys.argv[5], "w"), ensure_ascii=False)' "$((100 + n))" "$PK" "party-$s" "$E2E" "$TMP/reg.$s.json"
	$SIGN --key "$AUTH_KEY" --post "$URL" "$TMP/reg.$s.json" >"$TMP/reg.$s.out" 2>"$TMP/reg.$s.err"
	check_eq "$s signer: registers a party (non-ASCII name) over HTTP with the authority's key (exit 0)" "$?" 0
	SEQ=$(jl "$TMP/reg.$s.out" 'o["results"][0]["seq"]')
	HASH=$(jl "$TMP/reg.$s.out" 'o["results"][0]["hash"]')
	check_eq "  the receipt's hash is entry $SEQ's (pdl get)" "$("$PDL" get "$SEQ" --data "$D" | jl - 'o["hash"]')" "$HASH"
	check_eq "  the entry holds the act as written" \
		"$("$PDL" get "$SEQ" --data "$D" | jl - 'o["act"]["body"]["name"]')" "数据提供方 party-$s"
	cat >"$TMP/dep.$s.json" <<JSON
{"type":"evidence.deposit","actor":"party-$s","nonce":9007199254740993,"body":{"evidence_id":"ev-$s","digest":"$(printf %064d $n)","size":1,"media_type":"text/plain","subject":"a deposit signed by the $s signer"}}
JSON
	$SIGN --key "$TMP/$s.key" --post "$URL" "$TMP/dep.$s.json" >"$TMP/dep.$s.out" 2>"$TMP/dep.$s.err"
	check_eq "$s signer: the party signs its own act (nonce 2^53+1) and it is accepted" "$?" 0
	SEQ=$(jl "$TMP/dep.$s.out" 'o["results"][0]["seq"]')
	check_eq "  the entry's nonce is exact" "$("$PDL" get "$SEQ" --data "$D" | jl - 'o["act"]["nonce"]')" 9007199254740993
	$SIGN --key "$TMP/$s.key" --post "$URL" "$TMP/dep.$s.json" >"$TMP/dep2.$s.out" 2>"$TMP/dep2.$s.err"
	check_eq "  signed again and resubmitted: the original receipt, dup" \
		"$(jl "$TMP/dep2.$s.out" '[o["results"][0]["seq"], o["results"][0]["dup"]]')" "[$SEQ, true]"
	$SIGN --key "$TMP/$s.key" --ledger-id "$("$PDL" ledger-id --data "$D")" "$TMP/dep.$s.json" >"$TMP/env.$s"
	check_eq "  offline (--ledger-id) it prints the envelope pdl sign prints for the same act" \
		"$(jl "$TMP/env.$s" '[o["act"], o["sig"]]')" \
		"$("$PDL" sign --key "$TMP/$s.key" --data "$D" "$TMP/dep.$s.json" | jl - '[o["act"], o["sig"]]')"
	chmod 640 "$TMP/$s.key"
	$SIGN --key "$TMP/$s.key" --post "$URL" "$TMP/dep.$s.json" >"$TMP/mode.$s" 2>&1
	check_eq "  a key file group may read is refused (exit 1)" "$?" 1
	check "  saying so" grep -q "is readable by group or others" "$TMP/mode.$s"
	cat >"$TMP/frac.$s.json" <<'JSON'
{"type":"party.suspend","actor":"authority","nonce":1.5,"body":{"id":"x","reason":"y"}}
JSON
	$SIGN --key "$AUTH_KEY" --post "$URL" "$TMP/frac.$s.json" >"$TMP/frac.$s" 2>&1
	check_eq "  a fraction in the act is refused before signing (exit 1)" "$?" 1
	check "  saying so" grep -q "fractional numbers are not allowed in acts" "$TMP/frac.$s"
done
check_eq "the ledger verifies: genesis and the four acts" "$(log_size "$D")" 5
stop_pdld

# The signers make Ed25519 signatures only. A ledger whose head names
# another suite (an sm2-sm3 ledger) and a key file of another algorithm are
# refused by name, before anything is sent. The head comes from a stand-in
# server that logs each request, so the test shows no POST was made.
$PY - "$TMP/fake.port" "$TMP/fake.log" <<'PYEOF' &
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def answer(self):
        with open(sys.argv[2], "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
        body = json.dumps({"size": 1, "suite": "sm2-sm3", "ledger_id": "ab" * 32}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = answer
s = http.server.HTTPServer(("127.0.0.1", 0), H)
s.timeout = 60
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    s.handle_request()
PYEOF
FAKE=$!
i=0
while [ ! -s "$TMP/fake.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
FURL=http://127.0.0.1:$(cat "$TMP/fake.port")
printf 'pdl-sm2-v1\n%s\n' "$(head -c 32 /dev/zero | base64)" >"$TMP/sm2.key"
chmod 600 "$TMP/sm2.key" "$TMP/py.key" "$TMP/js.key"
for s in py js; do
	if [ $s = py ]; then SIGN=$SIGNPY; else SIGN=$SIGNJS; fi
	$SIGN --key "$TMP/$s.key" --post "$FURL" "$TMP/dep.$s.json" >"$TMP/suite.$s" 2>&1
	check_eq "$s signer: a ledger whose head names the suite sm2-sm3 is refused (exit 1)" "$?" 1
	check "  naming the suite" grep -q "uses the suite sm2-sm3; this signer signs for ed25519-sha256 ledgers only" \
		"$TMP/suite.$s"
	$SIGN --key "$TMP/sm2.key" --ledger-id "$(printf 'ab%.0s' $(seq 32))" "$TMP/dep.$s.json" >"$TMP/alg.$s" 2>&1
	check_eq "$s signer: an SM2 key file is refused (exit 1)" "$?" 1
	check "  naming its algorithm" grep -q "holds a pdl-sm2-v1 key; this signer signs with Ed25519 keys only" \
		"$TMP/alg.$s"
done
check_eq "nothing but the two heads was asked of that ledger" "$(cat "$TMP/fake.log")" "GET /v1/head
GET /v1/head"
kill "$FAKE" 2>/dev/null
wait "$FAKE" 2>/dev/null
finish
