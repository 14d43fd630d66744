#!/usr/bin/env bash
# t_109_http_nginx — contrib/nginx/pdld-http.conf, the shipped site file,
# run by Debian's nginx in front of pdld --http: nginx -t takes it; both
# reference signers POST acts through its TLS and get receipts; a read
# token signed for the target the client sent works through it (the
# target reaches pdld unchanged); a body over client_max_body_size gets
# nginx's JSON 413 and never reaches pdld; an unknown path a JSON 404.
# Only the addresses, certificate paths and server_name are changed for the
# test, each by a substitution that must match the file.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
SITE=$ROOT/contrib/nginx/pdld-http.conf
N=$TMP/nginx
mkdir -p "$N/body" "$N/proxy"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
HPORT=$(free_port)
start_pdld "$D" --http "127.0.0.1:$HPORT" -v || { not_ok "pdld --http starts"; finish; }
TPORT=$(free_port)

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$N/key.pem" -out "$N/cert.pem" >/dev/null 2>&1 ||
	{ not_ok "openssl makes a test certificate"; finish; }
chmod 600 "$N/key.pem"

# the site file with this test's addresses; each substitution must apply once
subst() { # PATTERN REPLACEMENT
	local n
	n=$(grep -c -F -- "$1" "$N/site.conf")
	[ "$n" = 1 ] || { not_ok "the site file has exactly one line with '$1' (has $n)"; return 1; }
	$PY -c 'import sys; p=sys.argv[1]; s=open(p).read(); open(p,"w").write(s.replace(sys.argv[2], sys.argv[3]))' \
		"$N/site.conf" "$1" "$2"
}
cp "$SITE" "$N/site.conf"
subst "listen 443 ssl;" "listen 127.0.0.1:$TPORT ssl;" &&
	subst "listen [::]:443 ssl;" "" &&
	subst "server 127.0.0.1:8420;" "server 127.0.0.1:$HPORT;" &&
	subst "ssl_certificate /etc/ssl/pdl/fullchain.pem;" "ssl_certificate $N/cert.pem;" &&
	subst "ssl_certificate_key /etc/ssl/pdl/privkey.pem;" "ssl_certificate_key $N/key.pem;" &&
	subst "server_name ledger.example.gov.cn;" "server_name localhost;" ||
	finish
cat >"$N/nginx.conf" <<CONF
daemon off;
master_process off;
pid $N/nginx.pid;
error_log $N/error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $N/body;
	proxy_temp_path $N/proxy;
	fastcgi_temp_path $N/proxy;
	uwsgi_temp_path $N/proxy;
	scgi_temp_path $N/proxy;
	include $N/site.conf;
}
CONF
check "nginx -t accepts the site file" nginx -t -p "$N" -c "$N/nginx.conf"
nginx -p "$N" -c "$N/nginx.conf" 2>>"$N/error.log" &
NGINX_PID=$!
for _ in $(seq 100); do
	$PY -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$TPORT" 2>/dev/null && break
	sleep 0.1
done
URL=https://127.0.0.1:$TPORT

$GEN acts "$TMP/a_" 1 2 1
$PY -c 'import json,sys; [json.dump(a, open(sys.argv[1] + str(i), "w")) for i, a in enumerate(json.load(open(sys.argv[2])))]' \
	"$TMP/act" "$TMP/a_00.json"
SSL_CERT_FILE=$N/cert.pem $PY "$ROOT/clients/python/pdlsign.py" --key "$AUTH_KEY" --post "$URL" "$TMP/act0" >"$TMP/py.out" 2>"$TMP/py.err"
check_eq "the Python signer posts through nginx's TLS: a receipt for seq 1" "$(jl "$TMP/py.out" 'o["results"][0]["seq"]')" 1
NODE_EXTRA_CA_CERTS=$N/cert.pem node "$ROOT/clients/js/pdlsign.mjs" --key "$AUTH_KEY" --post "$URL" "$TMP/act1" >"$TMP/js.out" 2>"$TMP/js.err"
check_eq "the JavaScript signer too: seq 2" "$(jl "$TMP/js.out" 'o["results"][0]["seq"]')" 2

# a private entry read through the proxy with a token for the target as sent
SECRET=$(printf 'private via nginx' | base64)
DIG=$(printf 'private via nginx' | sha256sum | cut -c1-64)
cat >"$TMP/dep.json" <<JSON
{"type":"evidence.deposit","actor":"authority","nonce":77,"body":{"evidence_id":"ev-n","digest":"$DIG","size":17,"media_type":"text/plain","subject":"s","blob":"$SECRET"}}
JSON
SSL_CERT_FILE=$N/cert.pem $PY "$ROOT/clients/python/pdlsign.py" --key "$AUTH_KEY" --post "$URL" "$TMP/dep.json" >"$TMP/dep.out" 2>"$TMP/dep.err"
SEQ=$(jl "$TMP/dep.out" 'o["results"][0]["seq"]')
TOK=$("$PDL" token --key "$AUTH_KEY" --party authority --data "$D" "/v1/entries/$SEQ")
$PY - "$TPORT" "$N/cert.pem" "$SEQ" "$TOK" >"$TMP/reads.out" <<'PYEOF'
import http.client, json, ssl, sys
port, ca, seq, tok = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def get(path, headers={}, body=None, method="GET"):
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ssl.create_default_context(cafile=ca), timeout=60)
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    return r.status, r.getheader("Content-Type"), r.read()
print(json.dumps({
    "anon": get("/v1/entries/" + seq)[0],
    "token": get("/v1/entries/" + seq, {"Authorization": tok})[0],
    "head": json.loads(get("/v1/head")[2])["size"],
    "nope": (lambda r: [r[0], json.loads(r[2])["error"]])(get("/v2/nope")),
    "big": (lambda r: [r[0], json.loads(r[2])["error"]])(get("/v1/acts", {"Content-Type": "application/json"},
                                                             b"[" + b" " * (8 << 20) + b"]", "POST")),
}))
PYEOF
check_eq "through nginx: a private entry anonymously 403, with its token 200 (the target reaches pdld as sent)" \
	"$(jl "$TMP/reads.out" '[o["anon"], o["token"]]')" "[403, 200]"
check_eq "GET /v1/head through nginx" "$(jl "$TMP/reads.out" 'o["head"]')" 4
check_eq "an unknown path: nginx's JSON 404" "$(jl "$TMP/reads.out" 'o["nope"]')" '[404, "PDL_ENOTFOUND"]'
check_eq "an 8 MiB body: nginx's JSON 413" "$(jl "$TMP/reads.out" 'o["big"]')" '[413, "PDL_ETOOBIG"]'
check_eq "  which never reached pdld (it logged 3 POSTs: the three acts)" "$(grep -c 'http: POST /v1/acts' "$D.pdld.log")" 3
kill "$NGINX_PID" 2>/dev/null
wait "$NGINX_PID" 2>/dev/null
stop_pdld
finish
