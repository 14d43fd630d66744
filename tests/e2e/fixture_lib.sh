# fixture_lib.sh — the fixture ledger with pdl-project serving it, for the
# tests of what the public and private listeners serve (bash; source lib.sh
# first). Not a test itself (run-all.sh runs t_*.sh only).
#
# Gives:
#   fixture_load DIR    tools/load-scenario.sh DIR (fixtures/scenario), then
#                       starts pdld on DIR (real clock, after the scenario's
#                       last time) and submits FIXTURE_EXTRA: private acts
#                       left open at the end (a quality report not yet
#                       resolved, a call request escalated and not yet
#                       assessed), each with a text found nowhere else
#   fixture_entries DIR OUT   every entry as `pdl get` JSON, one line each
#   start_views DIR [ARGS]    pdl-project all --http on $PUB (and whatever
#                       ARGS add, e.g. --private-http); waits until it
#                       serves; PROJ_PID, PUB_BASE
#   stop_views          SIGTERM, waits (call before finish, while pdld runs)
#   wait_public N       until /v1/ says the view applied seq N-1 (20 s)

FIXTURE_SECRET_DETAIL="SECRET-OPEN-REPORT the clinic counts look copied from last week"
FIXTURE_SECRET_PURPOSE="SECRET-PURPOSE-ESC matching clinic visits to commuter cards"
FIXTURE_SECRET_NOTE="SECRET-RISK-NOTE re-identification of patients is likely"

fixture_load() {
	local dir=$1 top
	top=$(cd "$E2E/../.." && pwd)
	PDL=$PDL PDLD=$PDLD bash "$top/tools/load-scenario.sh" "$dir" >"$dir.load.log" 2>&1 || {
		echo "# load-scenario failed:" >&2
		sed 's/^/#   /' "$dir.load.log" | tail -20 >&2
		return 1
	}
	start_pdld "$dir" || return 1
	cat >"$TMP/extra.json" <<EOF
[
 {"type": "quality.report", "actor": "developer-a", "nonce": 9001,
  "body": {"report_id": "q-open-secret", "resource_id": "health-clinic-load", "issue": "omission",
           "detail": "$FIXTURE_SECRET_DETAIL"}},
 {"type": "call.request", "actor": "developer-a", "nonce": 9002,
  "body": {"call_id": "call-esc-secret", "grant_id": "grant-city", "resources": ["health-clinic-load"],
           "purpose": "$FIXTURE_SECRET_PURPOSE"}},
 {"type": "call.escalate", "actor": "operator-city", "nonce": 9003,
  "body": {"call_id": "call-esc-secret", "risk": "privacy", "note": "$FIXTURE_SECRET_NOTE"}}
]
EOF
	"$PDL" submit --keys "$dir/scenario/sign" --data "$dir" "$TMP/extra.json" >"$TMP/extra.receipts" 2>&1 &&
		! grep -q '"error"' "$TMP/extra.receipts" || {
		echo "# the extra acts were refused:" >&2
		sed 's/^/#   /' "$TMP/extra.receipts" >&2
		return 1
	}
}

fixture_entries() {
	local dir=$1 out=$2 size s
	size=$(log_size "$dir")
	[ -n "$size" ] || return 1
	for s in $(seq 0 $((size - 1))); do "$PDL" get "$s" --data "$dir" || return 1; done >"$out"
}

PROJ_PID=""
# lib.sh's cleanup stops pdld first; stop pdl-project before it does.
trap '_fx_rc=$?; stop_views; (exit $_fx_rc); cleanup' EXIT

start_views() {
	local dir=$1 n=200
	shift
	PUB_PORT=$(free_port)
	PUB_BASE=http://127.0.0.1:$PUB_PORT
	"$PDLPROJ" all --ledger "ipc://$dir/pdl.sock" --data "$TMP/proj" --http "127.0.0.1:$PUB_PORT" "$@" \
		>>"$TMP/proj.log" 2>&1 &
	PROJ_PID=$!
	until $PY -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$PUB_BASE/v1/" 2>/dev/null; do
		if ! kill -0 "$PROJ_PID" 2>/dev/null || [ "$n" -le 0 ]; then
			echo "# pdl-project did not start; its log:" >&2
			sed 's/^/#   /' "$TMP/proj.log" >&2
			return 1
		fi
		sleep 0.1
		n=$((n - 1))
	done
}

stop_views() {
	[ -n "$PROJ_PID" ] || return 0
	kill -TERM "$PROJ_PID" 2>/dev/null
	_wait_gone "$PROJ_PID" 100 || kill -9 "$PROJ_PID" 2>/dev/null
	wait "$PROJ_PID" 2>/dev/null
	PROJ_PID=""
}

wait_public() {
	local want=$(($1 - 1)) n=200 got
	while [ "$n" -gt 0 ]; do
		got=$($PY -c 'import json,sys,urllib.request
a = json.load(urllib.request.urlopen(sys.argv[1], timeout=5)).get("as_of")
print(a["seq"] if a else -1)' "$PUB_BASE/v1/" 2>/dev/null)
		[ "$got" = "$want" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
