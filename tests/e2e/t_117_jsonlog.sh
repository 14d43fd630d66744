#!/usr/bin/env bash
# t_117_jsonlog — one JSON object per log event (--log-format json, or auto
# when stderr is the journal): pdld and pdl-project write each event as a
# line with time, level, program, event, message and fields; under
# JOURNAL_STREAM naming their stderr they do so by themselves, each line led
# by its syslog priority; otherwise auto is the old text; an unknown format
# is refused. The rebuild's progress lines are events as well.
. "$(dirname "$0")/lib.sh"

PDLPROJ=${PDLPROJ:-$(dirname "$PDL")/pdl-project}
# every line of FILE is one JSON log event (after an optional <N> priority);
# prints "event level" per line, or "BAD: line" for one that is not
events() {
	$PY - "$1" <<'PY'
import json, re, sys
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    m = re.match(r"^<([0-7])>", line)
    body = line[m.end():] if m else line
    try:
        o = json.loads(body)
        assert set(o) == {"time", "level", "program", "event", "message", "fields"}, sorted(o)
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", o["time"]), o["time"]
        assert o["level"] in ("debug", "info", "warning", "error")
        assert isinstance(o["fields"], dict) and isinstance(o["message"], str)
        if m:
            want = {"debug": "7", "info": "6", "warning": "4", "error": "3"}[o["level"]]
            assert m.group(1) == want, "priority %s for %s" % (m.group(1), o["level"])
        print(o["program"], o["event"], o["level"], ("<%s>" % m.group(1)) if m else "")
    except Exception as e:
        print("BAD:", line[:200], e)
PY
}
field() { # FILE EVENT KEY: the field KEY of the first EVENT line
	$PY - "$@" <<'PY'
import json, re, sys
for line in open(sys.argv[1]):
    o = json.loads(re.sub(r"^<[0-7]>", "", line))
    if o["event"] == sys.argv[2]:
        v = o["fields"].get(sys.argv[3])
        print(json.dumps(v) if isinstance(v, (bool, type(None))) else v)
        break
PY
}

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
rm -f "$D.pdld.log"
start_pdld "$D" --log-format json -v || { not_ok "pdld --log-format json starts"; finish; }
$GEN acts "$TMP/a" 1 3 1
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a00.json" >/dev/null
stop_pdld
events "$D.pdld.log" >"$TMP/ev"
check_eq "pdld --log-format json: every line is one JSON event" "$(grep -c '^BAD' "$TMP/ev")" 0
check "it logged serving, a batch, stopping and stopped" \
	sh -c "grep -q 'pdld serving info' '$TMP/ev' && grep -q 'pdld batch_committed debug' '$TMP/ev' &&
	       grep -q 'pdld stopping info' '$TMP/ev' && grep -q 'pdld stopped info' '$TMP/ev'"
check_eq "serving names the data directory" "$(field "$D.pdld.log" serving dir)" "$D"
check_eq "serving names the log size" "$(field "$D.pdld.log" serving log_size)" 1
check_eq "serving says the listener is trusted (a boolean)" "$(field "$D.pdld.log" serving listen_trusted)" true
check_eq "a batch names its acts" "$(field "$D.pdld.log" batch_committed acts)" 3
check_eq "stopped names the log size" "$(field "$D.pdld.log" stopped log_size)" 4

# auto, stderr the journal: JSON by itself, with the priority
rm -f "$D.pdld.log"
touch "$D.pdld.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$D.pdld.log") start_pdld "$D" || { not_ok "pdld starts on the journal"; finish; }
stop_pdld
events "$D.pdld.log" >"$TMP/ev2"
check_eq "auto, stderr the journal: every line is one JSON event" "$(grep -c '^BAD' "$TMP/ev2")" 0
check "each led by its syslog priority (<6> for info)" grep -q 'pdld serving info <6>' "$TMP/ev2"
# auto, stderr a file (JOURNAL_STREAM naming another): the text lines
rm -f "$D.pdld.log"
JOURNAL_STREAM=1:1 start_pdld "$D" || { not_ok "pdld starts"; finish; }
stop_pdld
check "auto, stderr not the journal: text lines" grep -q '^pdld: serving ' "$D.pdld.log"
check "and no JSON" not grep -q '^{' "$D.pdld.log"

# an error at start is an event too
"$PDLD" --data "$TMP/none" --log-format json 2>"$TMP/fail.log"
check_eq "pdld on a missing ledger exits 1" "$?" 1
check_eq "its error is one JSON event: start_failed, level error" "$(events "$TMP/fail.log" | head -1)" "pdld start_failed error "
"$PDLD" --data "$D" --log-format yaml 2>"$TMP/bad.log"
check_eq "an unknown --log-format: exit 2" "$?" 2
check "and it says what formats there are" grep -q 'text, json or auto' "$TMP/bad.log"

# pdl-project: following, then its pdld going away is a warning
start_pdld "$D" || { not_ok "pdld starts"; finish; }
"$PDLPROJ" all --ledger "ipc://$D/pdl.sock" --data "$TMP/views" --log-format json 2>"$TMP/proj.log" >/dev/null &
PROJ=$!
n=100
until grep -q '"following"' "$TMP/proj.log" || [ $n -le 0 ]; do sleep 0.1; n=$((n - 1)); done
stop_pdld
n=100
until grep -q '"follow_retry"' "$TMP/proj.log" || [ $n -le 0 ]; do sleep 0.1; n=$((n - 1)); done
kill -TERM $PROJ
wait $PROJ
events "$TMP/proj.log" >"$TMP/ev3"
check_eq "pdl-project --log-format json: every line is one JSON event" "$(grep -c '^BAD' "$TMP/ev3")" 0
check "it logged following (info)" grep -q 'pdl-project following info' "$TMP/ev3"
check "and its pdld gone as follow_retry (warning)" grep -q 'pdl-project follow_retry warning' "$TMP/ev3"
check_eq "following names the view" "$(field "$TMP/proj.log" following view)" all

# the rebuild's progress lines (--progress) are events too, not text among them
start_pdld "$D" || { not_ok "pdld starts"; finish; }
"$PDLPROJ" all --ledger "ipc://$D/pdl.sock" --data "$TMP/views" --rebuild --once --progress=0 --log-format json \
	2>"$TMP/rebuild.log" >/dev/null
check_eq "pdl-project --rebuild --progress=0 --log-format json exits 0" "$?" 0
stop_pdld
events "$TMP/rebuild.log" >"$TMP/ev4"
check_eq "every line of its stderr is one JSON event" "$(grep -c '^BAD' "$TMP/ev4")" 0
check "its progress as rebuild_progress events" grep -q 'pdl-project rebuild_progress info' "$TMP/ev4"
check_eq "and the last line as rebuild_end, with the entries applied" \
	"$(field "$TMP/rebuild.log" rebuild_end entries)" 4
finish
