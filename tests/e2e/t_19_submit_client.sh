#!/usr/bin/env bash
# t_19_submit_client — pdl submit's fast paths and its sender thread keep
# what it does: the same signed bytes whether an act file is read by the
# fast reader or by jansson (an escape it declines, other spacing); every
# receipt in act order across requests of growing size; local refusals
# printed in their place on both paths; a broken file stops the run after
# the acts before it, whose receipts come out in full; and pdl bench-client
# prints figures consistent with each other (no speed is asserted here).
. "$(dirname "$0")/lib.sh"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
LID=$("$PDL" ledger-id --data "$D")

# ---- the same signed bytes on both reading paths (pdl sign: deterministic)
$GEN acts "$TMP/s_" 1 200 1
"$PDL" sign --key "$AUTH_KEY" --ledger-id "$LID" "$TMP/s_00.json" >"$TMP/s.fast" 2>&1
check_eq "pdl sign of 200 acts exits 0, one line each" "$?:$(wc -l <"$TMP/s.fast")" "0:200"
# \u0061 is "a": jansson reads the same strings, the fast reader declines the file
sed 's/"Party /"P\\u0061rty /g' "$TMP/s_00.json" >"$TMP/s_esc.json"
check "the escaped copy differs from the original" not cmp -s "$TMP/s_00.json" "$TMP/s_esc.json"
"$PDL" sign --key "$AUTH_KEY" --ledger-id "$LID" "$TMP/s_esc.json" >"$TMP/s.slow" 2>&1
# the same acts pretty-printed, with "v": 1 given (the fast reader takes it)
$PY -c '
import json, sys
acts = json.load(open(sys.argv[1]))
print(json.dumps([dict([("v", 1)] + list(a.items())) for a in acts], indent=2, ensure_ascii=False))' \
	"$TMP/s_00.json" >"$TMP/s_pretty.json"
"$PDL" sign --key "$AUTH_KEY" --ledger-id "$LID" "$TMP/s_pretty.json" >"$TMP/s.pretty" 2>&1
strip='json.dumps((o.get("act"), o.get("sig"), o.get("index")))'
check_eq "jansson's path (an escape) signs the same act bytes and signatures" \
	"$(jl "$TMP/s.slow" "$strip" | md5sum)" "$(jl "$TMP/s.fast" "$strip" | md5sum)"
check_eq "spacing and an explicit v: 1 change nothing either" \
	"$(jl "$TMP/s.pretty" "$strip" | md5sum)" "$(jl "$TMP/s.fast" "$strip" | md5sum)"

start_pdld "$D" || { not_ok "pdld starts"; finish; }

# ---- receipts in order across requests (64, then 100 at a time)
$GEN acts "$TMP/o_" 1 300 1000
"$PDL" submit --key "$AUTH_KEY" --data "$D" --batch 100 "$TMP/o_00.json" >"$TMP/o.out" 2>"$TMP/o.err"
check_eq "300 acts with --batch 100: exit 0, 300 receipts" "$?:$(wc -l <"$TMP/o.out")" "0:300"
check_eq "the receipts are in act order, at consecutive seqs" \
	"$(jl "$TMP/o.out" 'str(o["index"])+" "+str(o["seq"])' | awk 'NR==1{s=$2} {if ($1 != NR-1 || $2 != s+NR-1) bad++} END{print bad+0}')" 0
check_eq "and the log holds them all" "$(log_size "$D")" 301

# ---- local refusals in their place, on the fast path and on jansson's
$PY - "$TMP" "$E2E" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[2])
import pdlgen
t = sys.argv[1]
acts = [pdlgen.register_act(2000 + i) for i in range(150)]
acts[70]["body"]["name"] = "x" * 50000          # over 48 KiB: refused before sending
json.dump(acts, open(t + "/big.json", "w"))
acts = [pdlgen.register_act(3000 + i) for i in range(150)]
acts[20]["body"]["amount"] = 1.5                # fractional: refused before sending
json.dump(acts, open(t + "/real.json", "w"))
EOF
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/big.json" >"$TMP/big.out" 2>"$TMP/big.err"
check_eq "an act over the limit: exit 1, 150 lines" "$?:$(wc -l <"$TMP/big.out")" "1:150"
check_eq "  line 71 is its refusal (PDL_ETOOBIG, index 70), the rest receipts" \
	"$(grep -c '"error"' "$TMP/big.out") $(grep -c '"seq"' "$TMP/big.out")|$(sed -n 71p "$TMP/big.out" | jl - 'o["error"]+" "+o["file"].split("/")[-1]+" "+str(o["index"])')" \
	"1 149|PDL_ETOOBIG big.json 70"
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/real.json" >"$TMP/real.out" 2>"$TMP/real.err"
check_eq "a fractional number: exit 1, line 21 its refusal (PDL_EINVAL, index 20)" \
	"$?:$(wc -l <"$TMP/real.out"):$(sed -n 21p "$TMP/real.out" | jl - 'o["error"]+" "+str(o["index"])')" "1:150:PDL_EINVAL 20"
check "  naming fractional numbers" grep -q 'fractional numbers are not allowed' "$TMP/real.out"
check_eq "the log holds the 298 others" "$(log_size "$D")" $((301 + 298))

# ---- a broken file stops the run after the acts before it
$GEN acts "$TMP/a_" 1 200 5000
$GEN acts "$TMP/c_" 1 50 6000
printf '[{"type": "party.register",,]\n' >"$TMP/broken.json"
size=$(log_size "$D")
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a_00.json" "$TMP/broken.json" "$TMP/c_00.json" \
	>"$TMP/b.out" 2>"$TMP/b.err"
check_ne "a broken file: exit non-zero" "$?" 0
check "  the message names the file and the place (PDL_EDECODE)" grep -q 'broken.json:1:.*PDL_EDECODE' "$TMP/b.err"
check_eq "  the 200 acts before it are sent, each receipt printed; none after it" \
	"$(wc -l <"$TMP/b.out"):$(jl "$TMP/b.out" 'o["file"].split("/")[-1]' | sort -u | tr '\n' ' '):$(log_size "$D")" \
	"200:a_00.json :$((size + 200))"

# ---- pdl bench-client: its figures agree with each other
"$PDL" bench-client --acts 400 --procs 2 --proc-acts 200 --runs 1 >"$TMP/bc.json" 2>"$TMP/bc.err"
check_eq "pdl bench-client exits 0 and prints one JSON line" "$?:$(wc -l <"$TMP/bc.json")" "0:1"
check_eq "ratio_client = client acts per CPU second / sign bound" \
	"$(jl "$TMP/bc.json" 'abs(o["ratio_client"][0] - o["client_acts_per_cpu_s"][0] / o["sign_bound_per_cpu_s"][0]) < 1e-9 and o["ratio_client_median"] == o["ratio_client"][0]')" true
check_eq "ratio_e2e = end-to-end acts/s / verify bound" \
	"$(jl "$TMP/bc.json" 'abs(o["ratio_e2e"][0] - o["e2e_acts_per_s"][0] / o["verify_bound_per_s"][0]) < 1e-9 and o["ratio_e2e_median"] == o["ratio_e2e"][0]')" true
check_eq "every figure is positive" \
	"$(jl "$TMP/bc.json" 'min(o[k][0] for k in ("sign_bound_per_cpu_s", "client_acts_per_cpu_s", "verify_bound_per_s", "e2e_acts_per_s")) > 0')" true
check "stderr names both targets" grep -q 'target >= 0.7).*target >= 0.55' "$TMP/bc.err"
"$PDL" bench-client --runs 0 >"$TMP/bad.out" 2>&1
check_eq "--runs 0 is refused, naming the option" "$?:$(grep -c -- '--runs is 1..20' "$TMP/bad.out")" "2:1"

finish
