#!/usr/bin/env bash
# t_72_disk_full — the data directory on a 4 MiB tmpfs mounted here. With
# the disk filled up, a submit is refused with a clear error (the OS's "No
# space left on device"), nothing of it is in the log, reads go on and the
# ledger verifies; with 8 KiB left (a short write, which LMDB calls EIO) the
# refusal says the same; once space is freed the same acts are appended and
# it verifies again. Skipped (with the reason) where a tmpfs cannot be mounted.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
mkdir -p "$D"
if ! mount -t tmpfs -o size=4m,mode=0700 tmpfs "$D" 2>"$TMP/mount.err"; then
	echo "ok - # SKIP disk full: cannot mount a tmpfs here ($(head -1 "$TMP/mount.err"))"
	finish
fi
# pdld must be gone before the tmpfs can be unmounted; then lib.sh cleans up
disk_cleanup() {
	local rc=$? pid
	for pid in $PDLD_PIDS; do
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	umount "$D" 2>/dev/null || umount -l "$D"
	(exit $rc)
	cleanup
}
trap disk_cleanup EXIT

init_ledger "$D" || { not_ok "pdl init on the tmpfs"; finish; }
start_pdld "$D" --checkpoint-ms 100 || { not_ok "pdld starts"; finish; }
$GEN acts "$TMP/a_" 3 1000 1
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a_00.json" >"$TMP/r0" 2>&1
check_eq "1000 acts go in while there is room" "$(grep -c '"seq"' "$TMP/r0")" 1000
wait_ckpt "$D" 1001 || not_ok "a checkpoint covers them"

# fill the disk
dd if=/dev/zero of="$D/filler" bs=64k >/dev/null 2>&1
check_eq "the tmpfs is full" "$(df --output=avail -B1 "$D" | tail -1 | tr -d ' ')" 0
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a_01.json" >"$TMP/r1" 2>"$TMP/e1"
check_eq "a submit on the full disk fails (exit 1)" "$?" 1
check_eq "  with no receipt" "$(grep -c '"seq"' "$TMP/r1")" 0
check "  and a clear error: PDL_ESTORE, no space left, nothing in the log" \
	grep -q "PDL_ESTORE: No space left on device); nothing of it is in the log" "$TMP/e1"
check "pdld logs the refusal" grep -q "refused: PDL_ESTORE: No space left on device" "$D.pdld.log"
check "pdld is still running" kill -0 "$PDLD_PID"
check_eq "it still serves reads (get 1000)" "$("$PDL" get 1000 --data "$D" | jl - 'o["seq"]')" 1000
check_eq "the ledger verifies on the full disk, still 1001 entries" "$(log_size "$D")" 1001
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a_01.json" >/dev/null 2>&1
check_eq "a second try is refused the same way, and pdld survives" "$?:$(kill -0 "$PDLD_PID" && echo up)" "1:up"

# nearly full: two pages left, so LMDB's write is cut short. LMDB reports a
# short write as EIO; the refusal must still say what happened (issue 10,
# item 7: it said "Input/output error")
rm -f "$D/filler"
avail=$(df --output=avail -B1 "$D" | tail -1 | tr -d ' ')
dd if=/dev/zero of="$D/filler" bs=4096 count=$(((avail - 8192) / 4096)) >/dev/null 2>&1
check_eq "the tmpfs has 8 KiB left" "$(df --output=avail -B1 "$D" | tail -1 | tr -d ' ')" 8192
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a_01.json" >"$TMP/r1b" 2>"$TMP/e1b"
check_eq "a batch that does not fit the last 8 KiB is refused (exit 1, no receipt)" \
	"$?:$(grep -c '"seq"' "$TMP/r1b")" "1:0"
check "  saying No space left on device" \
	grep -q "PDL_ESTORE: No space left on device); nothing of it is in the log" "$TMP/e1b"
check "  not Input/output error (LMDB's word for a short write)" not grep -q "Input/output error" "$TMP/e1b" "$D.pdld.log"
check_eq "  nothing of it is in the log" "$(log_size "$D")" 1001

# free the space: the same acts go in now, as new (nothing was kept)
rm -f "$D/filler"
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a_01.json" >"$TMP/r2" 2>&1
check_eq "after freeing space the same 1000 acts are appended" "$(grep -c '"dup":false' "$TMP/r2")" 1000
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a_02.json" >"$TMP/r3" 2>&1
check_eq "and 1000 more" "$(grep -c '"seq"' "$TMP/r3")" 1000
"$PDL" export --data "$D" >"$TMP/export"
pychecks $PY "$E2E/ledgercheck.py" receipts --export "$TMP/export" --label "disk full" --dup false \
	--seqs 1:3001 "$TMP/r0" "$TMP/r2" "$TMP/r3"
check "pdld stops cleanly (final checkpoint written)" stop_pdld
check_eq "pdl verify passes at the end" "$(log_size "$D")" 3001
check_eq "the last checkpoint covers the log" "$("$PDL" checkpoint --data "$D" | sed -n 2p)" 3001

finish
