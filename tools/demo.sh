#!/bin/sh
# make run: a demo ledger of the fixture scenario on the embedded default —
# LMDB files and ipc sockets in one data directory (PDL_DEMO_DATA, default
# ./demo-data). Re-running reuses the ledger; loading the fixtures again is
# idempotent (same receipts). Ctrl-C stops pdld cleanly.
set -eu
BUILD=$1
TOP=$(cd "$(dirname "$0")/.." && pwd)
DATA=${PDL_DEMO_DATA:-$TOP/demo-data}
PDL=$BUILD/pdl
PDLD=$BUILD/pdld

mkdir -p "$DATA/keys"
# Fixture keys are public demo keys; git does not keep file modes, and pdl
# refuses secret keys others can read, so the demo uses 0600 copies.
for k in "$TOP"/fixtures/keys/*.key; do
	dst="$DATA/keys/$(basename "$k")"
	[ -f "$dst" ] || { cp "$k" "$dst"; chmod 600 "$dst"; }
done
if [ ! -f "$DATA/data.mdb" ]; then
	echo "== pdl init: a new ledger in $DATA"
	"$PDL" init --data "$DATA" --origin demo.pdl.local/wuhan --jurisdiction 420100 \
		--authority-name "Wuhan Municipal Data Administration" --authority-key "$DATA/keys/authority.key"
fi
if [ -f "$DATA/pdld.pid" ] && kill -0 "$(cat "$DATA/pdld.pid")" 2>/dev/null; then
	echo "pdld already serves $DATA (pid $(cat "$DATA/pdld.pid")); stop it first" >&2
	exit 1
fi
rm -f "$DATA/pdld.pid"
"$PDLD" --data "$DATA" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; exit 0' INT TERM
i=0
while [ ! -f "$DATA/pdld.pid" ]; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "pdld did not start" >&2; exit 1; }
	sleep 0.1
done
echo "== loading fixtures/scenario"
for f in "$TOP"/fixtures/scenario/*.json; do
	n=$("$PDL" submit --keys "$DATA/keys" --data "$DATA" "$f" | tee "$DATA/receipts-$(basename "$f" .json).jsonl" | grep -c '"seq"' || true)
	echo "   $(basename "$f"): $n acts with receipts"
done
sleep 1.2 # let pdld sign a checkpoint over the scenario
echo "== latest checkpoint (verifier key: $("$PDL" verifier-key --data "$DATA"))"
"$PDL" checkpoint --data "$DATA"
echo "== pdl verify"
"$PDL" verify --data "$DATA"
cat <<MSG

pdl demo ledger is running (pid $PID) on ipc://$DATA/pdl.sock, publishing on ipc://$DATA/pdl.pub.
Try, in another shell:
  $PDL get 1 --data $DATA
  $PDL proof inclusion 1 \$($PDL verify --data $DATA | sed 's/.*"size":\([0-9]*\).*/\1/') --data $DATA
  $PDL acts --text
The disclosure web page comes with the projections (issue 4); it is not part of this build yet.
Ctrl-C stops pdld (it writes a final checkpoint).
MSG
wait $PID
