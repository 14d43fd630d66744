#!/usr/bin/env bash
# t_52_redial — a client outlives NNG 1.5.2's stopped dialer. A pdld killed
# just as a client redials it can take the connection into its listener's
# backlog and close it before the client writes its SP handshake; the write
# fails with EPIPE, and NNG 1.5.2's dialer takes that for its own closing
# and never dials again (seen in CI: a `pdl submit` waiting out its 30 s
# under t_50_crash). sp.py rep-flaky plays that pdld: it takes a request
# and closes the connection, closes the next connections before their
# handshake, then answers. The client's reply must come from it, not from
# its own timeout ("no reply from pdld").
. "$(dirname "$0")/lib.sh"

SOCK=$TMP/flaky.sock
for round in 1 2; do
	$PY "$(dirname "$0")/sp.py" rep-flaky "$SOCK" 1.5 >"$TMP/flaky$round.json" 2>"$TMP/flaky$round.err" &
	fp=$!
	n=50
	while [ ! -S "$SOCK" ] && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	"$PDL" get --ledger "ipc://$SOCK" 1 >"$TMP/get$round.out" 2>&1
	rc=$?
	wait "$fp"
	check_eq "round $round: pdl get fails with the fake pdld's answer, not a timeout" \
		"$rc:$(grep -c 'rep-flaky answers' "$TMP/get$round.out"):$(grep -c 'no reply' "$TMP/get$round.out")" "1:1:0"
	[ "$rc" = 1 ] || sed 's/^/#   /' "$TMP/get$round.out" "$TMP/flaky$round.err"
	check_eq "round $round: the fake pdld closed connections before their handshake, then answered" \
		"$(jl "$TMP/flaky$round.json" 'o["dropped"] > 0 and o["answered"] == 1')" true
	echo "# round $round: $(cat "$TMP/flaky$round.json")"
	rm -f "$SOCK"
done
finish
