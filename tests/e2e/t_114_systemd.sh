#!/usr/bin/env bash
# t_114_systemd — the systemd units pdld.service and pdl-project.service, as
# `make install` writes them: systemd-analyze verify passes (their binaries
# and man pages found), systemd's own reading of them shows the sandbox
# (user pdl, ProtectSystem=strict with the data directory the only writable
# path, NoNewPrivileges, PrivateTmp, ProtectHome, address families, no
# capabilities, @system-service, MemoryDenyWriteExecute ...) with an
# exposure of at most 1.5 (systemd-analyze security), and pdl-project
# ordered after pdld. There is no running systemd here, so the sandbox is
# also checked against what the daemons really do: pdld and pdl-project run
# under strace through a submit, a checkpoint, a view catching up and an
# HTTP read, and every path they write lies in their data directory and
# every system call they make is one the units' SystemCallFilter allows.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E/../.." && pwd)
PDLPROJ=${PDLPROJ:-$(dirname "$PDL")/pdl-project}
P=$TMP/prefix
make --no-print-directory -C "$ROOT" SAN="${PDL_SAN:-}" install PREFIX="$P" >"$TMP/install.log" 2>&1
check_eq "make install PREFIX=$P exits 0" "$?" 0
U=$P/lib/systemd/system
for u in pdld pdl-project; do
	check "$u.service is installed" test -s "$U/$u.service"
	MANPATH=$P/share/man systemd-analyze verify "$U/$u.service" >"$TMP/verify.out" 2>&1
	check_eq "systemd-analyze verify $u.service passes" "$?" 0
	check_eq "systemd-analyze verify $u.service has nothing to say" "$(head -3 "$TMP/verify.out")" ""
	systemd-analyze security --offline=true --threshold=15 "$U/$u.service" >"$TMP/sec.out" 2>&1
	check_eq "$u.service: exposure at most 1.5 ($(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]* [A-Z]*\).*/\1/p' "$TMP/sec.out"))" "$?" 0
	systemd-analyze security --offline=true --json=short "$U/$u.service" >"$TMP/sec.json" 2>/dev/null
	miss=$($PY - "$TMP/sec.json" <<'PY'
import json, sys
checks = {c["name"]: c["set"] for c in json.load(open(sys.argv[1]))}
want = ["User=/DynamicUser=", "ProtectSystem=", "ProtectHome=", "PrivateTmp=", "PrivateDevices=",
        "NoNewPrivileges=", "CapabilityBoundingSet=~CAP_SYS_ADMIN", "CapabilityBoundingSet=~CAP_NET_ADMIN",
        "AmbientCapabilities=", "RestrictAddressFamilies=~AF_PACKET", "RestrictAddressFamilies=~…",
        "MemoryDenyWriteExecute=", "SystemCallFilter=~@privileged", "SystemCallFilter=~@mount",
        "SystemCallFilter=~@resources", "SystemCallArchitectures=", "RestrictNamespaces=~user",
        "ProtectKernelTunables=", "ProtectKernelModules=", "ProtectControlGroups=", "LockPersonality=",
        "RestrictRealtime=", "RestrictSUIDSGID=", "ProtectClock=", "PrivateUsers="]
print(" ".join(w for w in want if checks.get(w) is not True))
PY
)
	check_eq "$u.service: systemd reads the sandbox settings as set" "$miss" ""
done
svc=$U/pdld.service
check "pdld.service runs as the system user pdl" grep -qx 'User=pdl' "$svc"
check "pdld.service: the ledger is its state directory (/var/lib/pdl/ledger)" grep -qx 'StateDirectory=pdl/ledger' "$svc"
check "pdld.service: --data is that directory" grep -q -- '--data /var/lib/pdl/ledger ' "$svc"
check "pdld.service: no capability at all" grep -qx 'CapabilityBoundingSet=' "$svc"
check "pdld.service: options from \$SYSCONFDIR/default/pdld" grep -qx "EnvironmentFile=-$P/etc/default/pdld" "$svc"
check "pdl-project.service: its views are its state directory" grep -qx 'StateDirectory=pdl/views' "$U/pdl-project.service"
check "pdl-project.service: starts after pdld.service" grep -qE '^After=.*\bpdld\.service\b' "$U/pdl-project.service"
check "pdl-project.service: wants pdld.service" grep -qx 'Wants=pdld.service' "$U/pdl-project.service"
check "pdl-project.service: follows pdld's socket in the ledger directory" \
	grep -q -- '--ledger ipc:///var/lib/pdl/ledger/pdl.sock --data /var/lib/pdl/views' "$U/pdl-project.service"
# the option files the units read, with the options the units' comments name
check "the pdld option file holds PDLD_OPTS" grep -q '^PDLD_OPTS=' "$P/etc/default/pdld"
check "the pdl-project option file holds PDL_PROJECT_OPTS" grep -q '^PDL_PROJECT_OPTS=' "$P/etc/default/pdl-project"

# ---- what the daemons really do, under strace
if ! strace -f -qq -o /dev/null true 2>/dev/null; then
	ok "# SKIP the daemons under strace: strace cannot trace here"
	finish
fi
LIB=$TMP/var/lib/pdl
mkdir -p "$LIB"
D=$LIB/ledger
init_ledger "$D" || { not_ok "pdl init"; finish; }
# the options the shipped option files give (their listeners on free ports)
eval "$(grep '^PDLD_OPTS=' "$P/etc/default/pdld")"
eval "$(grep -E '^PDL_PROJECT_(VIEWS|OPTS)=' "$P/etc/default/pdl-project")"
HP=$(free_port)
PP=$(free_port)
MP=$(free_port)
MQ=$(free_port)
PDLD_OPTS=$(echo "$PDLD_OPTS" | sed -E "s/127\.0\.0\.1:[0-9]+/127.0.0.1:$MP/")
PDL_PROJECT_OPTS=$(echo "$PDL_PROJECT_OPTS" | sed -E "s/--http 127\.0\.0\.1:[0-9]+/--http 127.0.0.1:$HP/;
	s/--private-http 127\.0\.0\.1:[0-9]+/--private-http 127.0.0.1:$PP/; s/--metrics 127\.0\.0\.1:[0-9]+/--metrics 127.0.0.1:$MQ/")
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" # LeakSanitizer cannot run under ptrace
rm -f "$D/pdld.pid"
# shellcheck disable=SC2086
strace -f -qq -o "$TMP/pdld.trace" "$PDLD" --data "$D" $PDLD_OPTS 2>>"$D.pdld.log" &
SPID=$!
PDLD_PIDS="$PDLD_PIDS $SPID"
n=150
while [ ! -s "$D/pdld.pid" ] && [ $n -gt 0 ] && kill -0 $SPID 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
check "pdld starts under strace with the shipped options ($PDLD_OPTS)" test -s "$D/pdld.pid"
$GEN acts "$TMP/a" 1 5 1
check "acts are submitted" sh -c "'$PDL' submit --key '$AUTH_KEY' --data '$D' '$TMP/a00.json' >'$TMP/sub.out'"
# shellcheck disable=SC2086
strace -f -qq -o "$TMP/proj.trace" "$PDLPROJ" $PDL_PROJECT_VIEWS --ledger "ipc://$D/pdl.sock" --data "$LIB/views" \
	$PDL_PROJECT_OPTS >"$TMP/proj.log" 2>&1 &
PROJ=$!
n=150
until grep -q serving "$TMP/proj.log" 2>/dev/null || [ $n -le 0 ] || ! kill -0 $PROJ 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
check "pdl-project starts under strace with the shipped options" grep -q serving "$TMP/proj.log"
n=100
until curl -sf "http://127.0.0.1:$HP/v1/grants" >/dev/null 2>&1 || [ $n -le 0 ]; do sleep 0.1; n=$((n - 1)); done
check "its public listener answers" curl -sf -o /dev/null "http://127.0.0.1:$HP/v1/feed"
wait_ckpt "$D" 6
# strace -o FILE PROG blocks fatal signals for itself: signal the traced processes
kill -TERM "$(pgrep -P $PROJ | head -1)"
wait $PROJ
check_eq "pdl-project stops cleanly under strace" "$?" 0
kill -TERM "$(cat "$D/pdld.pid")"
wait $SPID
check_eq "pdld stops cleanly under strace" "$?" 0
check_eq "pdld wrote only inside its data directory" \
	"$($PY "$E2E/sandbox_check.py" writes "$TMP/pdld.trace" "$D" | head -5 | paste -sd';')" ""
check_eq "pdl-project wrote only inside its data directory" \
	"$($PY "$E2E/sandbox_check.py" writes "$TMP/proj.trace" "$LIB/views" | head -5 | paste -sd';')" ""
# the checks see what they look for: every write, and calls a filter would refuse
check "the write check sees pdld write its data.mdb (allowing nothing)" \
	grep -q "data.mdb" <($PY "$E2E/sandbox_check.py" writes "$TMP/pdld.trace" /nonexistent)
check "the write check sees pdld bind its socket (allowing nothing)" \
	grep -q "^bind .*pdl.sock" <($PY "$E2E/sandbox_check.py" writes "$TMP/pdld.trace" /nonexistent)
if ldd "$PDLD" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	ok "# SKIP the system calls against SystemCallFilter: the sanitizers' runtime makes calls of its own"
else
	systemd-analyze syscall-filter >"$TMP/filters" 2>/dev/null
	check "the call check sees a call a filter would refuse (fdatasync against ~@sync)" \
		grep -qx fdatasync <($PY "$E2E/sandbox_check.py" syscalls "$TMP/pdld.trace" "$TMP/filters" @system-service @sync)
	for t in pdld proj; do
		f=$(sed -n 's/^SystemCallFilter=\(@.*\)/\1/p' "$U/pdld.service")
		deny=$(sed -n 's/^SystemCallFilter=~\(.*\)/\1/p' "$U/pdld.service")
		# shellcheck disable=SC2086
		check_eq "$t: every system call it made is one SystemCallFilter=$f ~$deny allows" \
			"$($PY "$E2E/sandbox_check.py" syscalls "$TMP/$t.trace" "$TMP/filters" "$f" $deny | paste -sd' ')" ""
	done
fi
finish
