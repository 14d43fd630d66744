#!/usr/bin/env bash
# t_102_witness — `pdl witness serve` against C2SP tlog-witness, by a client
# written from the spec (witness_check.py, c2sp.py): every status of
# add-checkpoint with its condition (400, 403, 404, 409 with its
# text/x.tlog.size body, 422, 200 with a cosignature/v1 line), the HTTP
# edges (405, 408, 413, chunked, 100-continue, keep-alive), pure-Python logs
# and a pdl ledger witnessed, 8 concurrent calls from the same old size (one
# wins), and kill -9 right after an answer (the state survives).
. "$(dirname "$0")/lib.sh"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
"$PDL" checkpoint --data "$D" >"$TMP/note1" || not_ok "pdl checkpoint after init"
start_pdld "$D" --checkpoint-ms 100 || { not_ok "pdld starts"; finish; }
$GEN acts "$TMP/a" 1 10 1
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP"/a*.json >/dev/null || not_ok "submit 10 acts"
wait_ckpt "$D" 11 || not_ok "a checkpoint at size 11"
stop_pdld || not_ok "pdld stops"
"$PDL" checkpoint --data "$D" >"$TMP/note2"
"$PDL" proof consistency 1 11 --data "$D" >"$TMP/proof.json" || not_ok "pdl proof consistency 1 11"
$PY - "$TMP" <<'PYEOF'
import json, sys
t = sys.argv[1]
json.dump({"note1": open(t + "/note1").read(), "note2": open(t + "/note2").read(),
           "proof": json.load(open(t + "/proof.json"))["proof"]}, open(t + "/notes.json", "w"))
PYEOF
mkdir "$TMP/w"
pychecks $PY "$E2E/witness_check.py" "$PDL" "$TMP/w" "$VKEY" "$TMP/notes.json"
"$PDL" witness serve --help | grep -q -- '--logs FILE' && ok "pdl witness serve --help" || not_ok "pdl witness serve --help"
finish
