#!/usr/bin/env bash
# t_107_http_acts — pdld --http (spec/formats.md §17): signed acts over HTTP
# with the socket's receipts, errors, rule ids, limits and idempotency;
# every status it answers; bodies refused by their Content-Length before
# they are read; slowloris and slow-body clients beside an honest one; the
# connection limit; reads with the readers' rules; the listener's address
# rules; a batch that cannot be written (500). The HTTP checks themselves
# are in http_checks.py (raw sockets).
. "$(dirname "$0")/lib.sh"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
PORT=$(free_port)
start_pdld "$D" --http "127.0.0.1:$PORT" --http-timeout-ms 3000 --max-connections 16 ||
	{ not_ok "pdld --http starts"; finish; }
check "pdld says where it takes acts over HTTP" grep -q "taking acts over HTTP at http://127.0.0.1:$PORT/v1/acts" "$D.pdld.log"
pychecks $PY "$E2E/http_checks.py" "$PORT" "$D" "$AUTH_KEY" "$TMP"
check "pdld is still running" kill -0 "$PDLD_PID"

# pdl sign --array: the HTTP body for several acts, which pdl submit --signed takes too
$GEN acts "$TMP/arr_" 2 3 700
"$PDL" sign --key "$AUTH_KEY" --data "$D" --array "$TMP/arr_00.json" >"$TMP/arr0.json"
check_eq "pdl sign --array prints one JSON array of the 3 envelopes" \
	"$($PY -c 'import json,sys; a=json.load(open(sys.argv[1])); print(len(a), sorted(a[0]))' "$TMP/arr0.json")" \
	"3 ['act', 'ledger_id', 'sig']"
"$PDL" submit --signed --data "$D" "$TMP/arr0.json" >"$TMP/arr0.out"
check_eq "pdl submit --signed takes that array: 3 receipts" "$(grep -c '"dup":false' "$TMP/arr0.out")" 3
"$PDL" sign --key "$AUTH_KEY" --data "$D" --array "$TMP/arr_01.json" >"$TMP/arr1.json"
$PY - "$PORT" "$TMP/arr1.json" >"$TMP/arr1.out" <<'PYEOF'
import sys, urllib.request
req = urllib.request.Request("http://127.0.0.1:%s/v1/acts" % sys.argv[1], data=open(sys.argv[2], "rb").read(),
                             headers={"Content-Type": "application/json"}, method="POST")
print(urllib.request.urlopen(req, timeout=60).read().decode())
PYEOF
check_eq "and POST /v1/acts takes it as it is: 3 receipts" "$(jl "$TMP/arr1.out" 'len([r for r in o["results"] if "seq" in r])')" 3
printf '{"type":"party.suspend","actor":"authority","nonce":1.5,"body":{}}' >"$TMP/frac.json"
"$PDL" sign --key "$AUTH_KEY" --data "$D" --array "$TMP/arr_00.json" "$TMP/frac.json" >"$TMP/arrbad.out" 2>"$TMP/arrbad.err"
check_eq "pdl sign --array with an act it cannot sign: exit 1 and no array" "$?:$(wc -c <"$TMP/arrbad.out")" "1:0"
check "  the error on stderr names the file and index" grep -q "^pdl sign: $TMP/frac.json\[0\]: .*(PDL_EINVAL)" "$TMP/arrbad.err"
check "the ledger verifies after all of it" "$PDL" verify --data "$D" --quiet
stop_pdld
check "pdld logged the HTTP limit events" grep -q "http limits: .* connections refused" "$D.pdld.log"

# the listener's address
"$PDLD" --data "$D" --http "0.0.0.0:$PORT" 2>"$TMP/e1"
check_eq "--http on a non-loopback address without --insecure-tcp: refused (exit 1)" "$?" 1
check "  saying why and what to do" grep -q "is not a loopback address: the HTTP listener has no TLS of its own" "$TMP/e1"
"$PDLD" --data "$D" --http "localhost" 2>"$TMP/e2"
check_eq "--http without a port: refused" "$?" 1
check "  naming the form" grep -q "is not HOST:PORT" "$TMP/e2"
"$PDLD" --data "$D" --http-timeout-ms 5 --http "127.0.0.1:$PORT" 2>"$TMP/e3"
check_eq "--http-timeout-ms below 10: a usage error (exit 2)" "$?" 2
check "pdld --help describes --http and --http-timeout-ms" sh -c "'$PDLD' --help | grep -q -- '--http HOST:PORT' && '$PDLD' --help | grep -q -- '--http-timeout-ms N'"

# a batch that cannot be written: 500 with the socket's request-level error
F=$TMP/full
mkdir -p "$F"
if mount -t tmpfs -o size=4m,mode=0700 tmpfs "$F" 2>"$TMP/mount.err"; then
	full_cleanup() {
		local rc=$? pid
		for pid in $PDLD_PIDS; do
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		done
		umount "$F" 2>/dev/null || umount -l "$F"
		(exit $rc)
		cleanup
	}
	trap full_cleanup EXIT
	init_ledger "$F/l" || not_ok "pdl init on a tmpfs"
	PORT=$(free_port)
	start_pdld "$F/l" --http "127.0.0.1:$PORT" || not_ok "pdld --http on the tmpfs"
	$GEN acts "$TMP/full_" 1 200 1
	"$PDL" sign --key "$AUTH_KEY" --data "$F/l" --array "$TMP/full_00.json" >"$TMP/full.body"
	dd if=/dev/zero of="$F/l/filler" bs=64k >/dev/null 2>&1
	$PY - "$PORT" "$TMP/full.body" >"$TMP/full.out" <<'PYEOF'
import sys, urllib.request, urllib.error
req = urllib.request.Request("http://127.0.0.1:%s/v1/acts" % sys.argv[1], data=open(sys.argv[2], "rb").read(),
                             headers={"Content-Type": "application/json"}, method="POST")
try:
    r = urllib.request.urlopen(req, timeout=60)
    print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
PYEOF
	check "the disk full: POST /v1/acts answers 500 PDL_ESTORE, nothing of it in the log" \
		grep -q '^500 {"error":"PDL_ESTORE","message":"the batch was not written (PDL_ESTORE: No space left on device); nothing of it is in the log"}' "$TMP/full.out"
	check "  and pdld serves on" kill -0 "$PDLD_PID"
	stop_pdld
else
	echo "ok - # SKIP 500 on a full disk: cannot mount a tmpfs here ($(head -1 "$TMP/mount.err"))"
fi
finish
