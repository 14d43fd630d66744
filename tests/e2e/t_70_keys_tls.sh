#!/usr/bin/env bash
# t_70_keys_tls — key files and transports. Secret key files readable by
# others are refused (pdl and pdld); a key file is opened once and checked
# on that descriptor, so a FIFO is refused at once (it hung) and a symbolic
# link or another user's file not at all; pdl keygen never replaces a name,
# not even a dangling symbolic link (it did); pdld will not listen on plain tcp://
# unless told --insecure-tcp; over tls+tcp:// (a self-signed certificate
# made here with openssl) clients with the right CA are served, and clients
# with no CA, another CA or a certificate for another name are refused.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
$GEN acts "$TMP/a_" 4 5 1

# ---- key file modes
check_eq "pdl init writes the authority key 0600" "$(stat -c %a "$AUTH_KEY")" 600
check_eq "and the ledger key 0600" "$(stat -c %a "$D/ledger.key")" 600
"$PDL" keygen --out "$TMP/k1.key" >/dev/null
check_eq "pdl keygen writes 0600" "$(stat -c %a "$TMP/k1.key")" 600
cp "$AUTH_KEY" "$TMP/open.key"
chmod 644 "$TMP/open.key"
start_pdld "$D" || { not_ok "pdld starts"; finish; }
"$PDL" submit --key "$TMP/open.key" --data "$D" "$TMP/a_00.json" >"$TMP/o" 2>"$TMP/e"
check_eq "pdl submit refuses a 0644 key file (exit 1)" "$?" 1
check "  naming the mode and the fix, with PDL_EKEY" grep -q "mode 644.*chmod 600.*PDL_EKEY" "$TMP/e"
chmod 640 "$TMP/open.key"
check "  0640 is refused too" not "$PDL" submit --key "$TMP/open.key" --data "$D" "$TMP/a_00.json"
check_eq "  nothing was appended" "$(log_size "$D")" 1
stop_pdld
chmod 644 "$D/ledger.key"
"$PDLD" --data "$D" 2>"$TMP/e"
check_eq "pdld refuses a 0644 ledger key (exit 1)" "$?" 1
check "  saying so" grep -q "readable by group or others" "$TMP/e"
chmod 600 "$D/ledger.key"

# ---- loading a key: one descriptor, and what it must be (issue 10, item 7)
mkfifo "$TMP/fifo.key"
chmod 600 "$TMP/fifo.key"
timeout 20 "$PDL" submit --key "$TMP/fifo.key" --data "$D" "$TMP/a_00.json" >/dev/null 2>"$TMP/e"
check_eq "a FIFO as --key is refused at once, not waited on (exit 1)" "$?" 1
check "  as not a regular file (PDL_EKEY)" grep -q "fifo.key is not a regular file (PDL_EKEY)" "$TMP/e"
ln -s "$AUTH_KEY" "$TMP/link.key"
"$PDL" keygen --show "$TMP/link.key" >/dev/null 2>"$TMP/e"
check_eq "a symbolic link named as a key file is refused (exit 1)" \
	"$?:$(grep -c 'link.key is a symbolic link; name the key file itself (PDL_EKEY)' "$TMP/e")" "1:1"
if [ "$(id -u)" = 0 ]; then
	cp "$AUTH_KEY" "$TMP/nobody.key"
	chown 65534 "$TMP/nobody.key"
	"$PDL" keygen --show "$TMP/nobody.key" >/dev/null 2>"$TMP/e"
	check_eq "a key file another user owns is refused (exit 1)" \
		"$?:$(grep -c 'belongs to uid 65534, not to this user (uid 0) or root' "$TMP/e")" "1:1"
else
	ok "# SKIP another user's key file: needs root to chown"
fi
# (LeakSanitizer cannot run under ptrace: no leak check in this one run)
if env ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -qq -e trace=open,openat -o "$TMP/st" "$PDL" keygen --show "$AUTH_KEY" >/dev/null 2>&1; then
	check_eq "the key file is opened exactly once, O_NOFOLLOW and O_NONBLOCK (strace)" \
		"$(grep -F "\"$AUTH_KEY\"" "$TMP/st" | grep -c 'O_NONBLOCK|O_NOFOLLOW')/$(grep -cF "\"$AUTH_KEY\"" "$TMP/st")" "1/1"
else
	ok "# SKIP the open(2) calls: strace cannot trace here"
fi

# ---- keygen never replaces a name
ln -s "$TMP/nowhere" "$TMP/dangling.key"
"$PDL" keygen --out "$TMP/dangling.key" >/dev/null 2>"$TMP/e"
check_eq "keygen refuses a dangling symbolic link (exit 1, PDL_EKEY)" \
	"$?:$(grep -c 'dangling.key exists; refusing to overwrite a key (PDL_EKEY)' "$TMP/e")" "1:1"
check "  which is still that link, and nothing was written where it points" \
	test -L "$TMP/dangling.key" -a ! -e "$TMP/nowhere"
printf 'not a key\n' >"$TMP/precious"
"$PDL" keygen --out "$TMP/precious" >/dev/null 2>"$TMP/e"
check_eq "keygen refuses an existing file (exit 1) and leaves it as it was" \
	"$?:$(cat "$TMP/precious")" "1:not a key"
check_eq "  and leaves no temporary file behind" "$(ls "$TMP" | grep -c '\.tmp\.')" 0
"$PDL" init --data "$TMP/l2" --origin test.example/pdl2 --jurisdiction 420100 --ledger-key "$TMP/k1.key" >/dev/null 2>&1
check "pdl init copies --ledger-key into the new directory, 0600, the same key" \
	test "$(stat -c %a "$TMP/l2/ledger.key")" = 600 -a "$("$PDL" keygen --show "$TMP/l2/ledger.key" | jl - 'o["public_key"]')" = \
	"$("$PDL" keygen --show "$TMP/k1.key" | jl - 'o["public_key"]')"

# ---- plain tcp:// only with --insecure-tcp
P=$(free_port)
"$PDLD" --data "$D" --listen "tcp://127.0.0.1:$P" 2>"$TMP/e"
check_eq "pdld refuses to listen on tcp:// without TLS (exit 2)" "$?" 2
check "  pointing at tls+tcp:// and --insecure-tcp" grep -q "tls+tcp://.*--insecure-tcp" "$TMP/e"
"$PDLD" --data "$D" --publish "tcp://127.0.0.1:$P" 2>"$TMP/e"
check_eq "and to publish on tcp:// (exit 2)" "$?" 2
start_pdld "$D" --listen "tcp://127.0.0.1:$P" --insecure-tcp || { not_ok "pdld --insecure-tcp starts"; finish; }
"$PDL" submit --key "$AUTH_KEY" --ledger "tcp://127.0.0.1:$P" "$TMP/a_00.json" >"$TMP/r_tcp" 2>&1
check_eq "with --insecure-tcp it serves plain tcp:// (5 receipts)" "$(grep -c '"seq"' "$TMP/r_tcp")" 5
stop_pdld

# ---- TLS
if ! command -v openssl >/dev/null 2>&1; then
	echo "# openssl is not installed (make deps installs it): TLS checks skipped"
	finish
fi
mkcert() { # mkcert NAME CN: NAME.pem and NAME.key (0600), self-signed
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" \
		-addext "subjectAltName=DNS:$2" -keyout "$TMP/$1.key" -out "$TMP/$1.pem" >/dev/null 2>&1 &&
		chmod 600 "$TMP/$1.key"
}
# mbedTLS matches the URL host against DNS names only, so the certificate
# for 127.0.0.1 names it as DNS:127.0.0.1 (see proto.h).
check "openssl makes a self-signed certificate for 127.0.0.1" mkcert srv 127.0.0.1
mkcert other 127.0.0.1
mkcert wrongname example.org
P=$(free_port)
P2=$(free_port)
URL=tls+tcp://127.0.0.1:$P
"$PDLD" --data "$D" --listen "$URL" 2>"$TMP/e"
check_eq "pdld refuses tls+tcp:// without --tls-cert/--tls-key (exit 2)" "$?" 2
chmod 644 "$TMP/srv.key"
"$PDLD" --data "$D" --listen "$URL" --tls-cert "$TMP/srv.pem" --tls-key "$TMP/srv.key" 2>"$TMP/e"
check_eq "pdld refuses a TLS key readable by others (exit 1)" "$?" 1
check "  naming the file and PDL_EKEY" grep -q "srv.key.*PDL_EKEY" "$TMP/e"
chmod 600 "$TMP/srv.key"
"$PDLD" --data "$D" --listen "$URL" --tls-cert "$TMP/a_00.json" --tls-key "$TMP/srv.key" 2>"$TMP/e"
check_eq "pdld refuses a certificate file that is not PEM (exit 1)" "$?" 1
start_pdld "$D" --listen "$URL" --publish "tls+tcp://127.0.0.1:$P2" --tls-cert "$TMP/srv.pem" --tls-key "$TMP/srv.key" ||
	{ not_ok "pdld starts on tls+tcp://"; finish; }
ok "pdld listens and publishes on tls+tcp:// with --tls-cert/--tls-key"
"$PDL" submit --key "$AUTH_KEY" --ledger "$URL" --tls-ca "$TMP/srv.pem" "$TMP/a_01.json" >"$TMP/r_tls" 2>&1
check_eq "pdl submit over tls+tcp:// with --tls-ca: 5 receipts" "$(grep -c '"seq"' "$TMP/r_tls")" 5
check_eq "pdl get over TLS (--tls-ca=FILE form)" \
	"$("$PDL" get 7 --ledger "$URL" --tls-ca="$TMP/srv.pem" | jl - 'o["seq"]')" 7
PDL_TLS_CA=$TMP/srv.pem "$PDL" submit --key "$AUTH_KEY" --ledger "$URL" "$TMP/a_02.json" >"$TMP/r_env" 2>&1
check_eq "PDL_TLS_CA in the environment works too" "$(grep -c '"seq"' "$TMP/r_env")" 5
sleep 1.2 # a checkpoint over them
check "pdl checkpoint and proof over TLS" \
	"$PDL" proof inclusion 3 "$("$PDL" checkpoint --ledger "$URL" --tls-ca "$TMP/srv.pem" | sed -n 2p)" \
	--ledger "$URL" --tls-ca "$TMP/srv.pem"
"$PDL" get 1 --ledger "$URL" >"$TMP/o" 2>"$TMP/e"
check_eq "without a CA the client refuses to dial tls+tcp:// (exit 1)" "$?" 1
check "  asking for --tls-ca" grep -q -- "--tls-ca FILE" "$TMP/e"
"$PDL" submit --key "$AUTH_KEY" --ledger "$URL" --tls-ca "$TMP/other.pem" "$TMP/a_03.json" >"$TMP/o" 2>"$TMP/e"
check_eq "a server certificate not from the given CA is refused (exit 1)" "$?" 1
check "  as a cryptographic error" grep -qi "crypto" "$TMP/e"
"$PDL" get 1 --ledger "$URL" --tls-ca "$TMP/nonexistent.pem" >"$TMP/o" 2>"$TMP/e"
check "a CA file that does not load is an error" grep -q "PDL_EKEY" "$TMP/e"
if [ -n "${PDLPROJ:-}" ] && [ -x "${PDLPROJ:-}" ]; then
	# --once reads with REQ only (pdl_client_open, which takes PDL_TLS_CA);
	# following the PUB socket over TLS needs proj.c to dial it with
	# pdl_client_dial.
	PDL_TLS_CA=$TMP/srv.pem "$PDLPROJ" all --once --ledger "$URL" --pub "tls+tcp://127.0.0.1:$P2" \
		--data "$TMP/proj" >"$TMP/proj.out" 2>"$TMP/proj.err"
	check_eq "pdl-project all --once catches up over TLS (PDL_TLS_CA)" "$?:$(jl "$TMP/proj.out" 'o.get("next")')" "0:16"
	# following live: the SUB socket dials tls+tcp:// with the same CA (--tls-ca)
	$GEN acts "$TMP/l_" 3 1 21
	"$PDLPROJ" all --ledger "$URL" --pub "tls+tcp://127.0.0.1:$P2" --tls-ca "$TMP/srv.pem" --data "$TMP/proj" \
		>"$TMP/live.out" 2>"$TMP/live.err" &
	LIVE=$!
	sleep 1.5 # connected and subscribed
	for i in 00 01 02; do
		"$PDL" submit --key "$AUTH_KEY" --ledger "$URL" --tls-ca "$TMP/srv.pem" "$TMP/l_$i.json" >>"$TMP/r_live" 2>&1
		sleep 0.3
	done
	EXPECT_LOG=19
	check_eq "3 more acts over TLS" "$(grep -c '"seq"' "$TMP/r_live")" 3
	for _ in $(seq 100); do
		[ "$("$PDLPROJ" digest all --data "$TMP/proj" | jl - 'o["next"]')" = 19 ] && break
		sleep 0.1
	done
	check_eq "the live worker applies them" "$("$PDLPROJ" digest all --data "$TMP/proj" | jl - 'o["next"]')" 19
	kill -TERM "$LIVE"
	wait "$LIVE"
	check_eq "  and exits 0 on SIGTERM" "$?" 0
	check_eq "  3 entries applied, and entry messages came over the TLS subscription" \
		"$(jl "$TMP/live.out" 'o["applied"] == 3 and o["live_messages"] >= 1')" true
	check "  no dial error" not grep -q "cannot\|retrying" "$TMP/live.err"
fi
stop_pdld
start_pdld "$D" --listen "$URL" --tls-cert "$TMP/wrongname.pem" --tls-key "$TMP/wrongname.key" ||
	{ not_ok "pdld starts with the example.org certificate"; finish; }
"$PDL" get 1 --ledger "$URL" --tls-ca "$TMP/wrongname.pem" >"$TMP/o" 2>"$TMP/e"
check_eq "a certificate for another host name is refused (exit 1)" "$?" 1
stop_pdld
check_eq "the log holds exactly the acts served (plus genesis) and verifies" "$(log_size "$D")" "${EXPECT_LOG:-16}"
check "no act of the refused submits is in it" not grep -q '"p0000016"' <("$PDL" export --data "$D")

finish
