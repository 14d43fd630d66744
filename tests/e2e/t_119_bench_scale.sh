#!/usr/bin/env bash
# t_119_bench_scale — `pdl bench-scale`, the library half of `make
# bench-scale` (issue 17; the 10-million-entry run itself is never part of
# make test). On a small ledger: proofs in-process and over pdld's socket
# all check against the roots and give their percentiles; on a copy whose
# Merkle node (0, 1) is cut to 31 bytes the proofs fail with a named error
# (exit 1), not a figure; `bound` gives the verify bound as JSON.
. "$(dirname "$0")/lib.sh"

D=$TMP/l
init_ledger "$D" || { not_ok "pdl init"; finish; }
start_pdld "$D" --checkpoint-ms 50 || { not_ok "pdld starts"; finish; }
$GEN acts "$TMP/a_" 1 40 1
"$PDL" submit --key "$AUTH_KEY" --data "$D" "$TMP/a_00.json" >"$TMP/r0" 2>&1
check_eq "40 acts go in" "$(grep -c '"seq"' "$TMP/r0")" 40

"$PDL" bench-scale proofs --data "$D" --count 300 --wire-count 100 >"$TMP/p.json" 2>"$TMP/p.err"
check_eq "bench-scale proofs exits 0" "$?" 0
check_eq "it measured the ledger's 41 entries" "$(jl "$TMP/p.json" 'o["size"]')" 41
check_eq "every proof checked against the roots" "$(jl "$TMP/p.json" 'o["bad_proofs"]')" 0
check_eq "p50 <= p99 <= max, all positive, for the four kinds" "$(jl "$TMP/p.json" 'all(0 < o[k + "_us_p50"] <= o[k + "_us_p99"] <= o[k + "_us_max"] for k in ("inclusion_inproc", "consistency_inproc", "inclusion_wire", "consistency_wire"))')" true
check "it prints each against its target" grep -q 'inclusion_wire .* (target <= 1000 us: ' "$TMP/p.err"
check "pdld stops" stop_pdld

$PY "$E2E/hostile.py" store "$D" "$TMP/h" node-short || not_ok "hostile.py damages node (0, 1)"
"$PDL" bench-scale proofs --data "$TMP/h" --count 100 --wire-count 0 >"$TMP/h.json" 2>"$TMP/h.err"
check_eq "on a damaged tree it fails (exit 1)" "$?" 1
check "and names the error" grep -q '(PDL_E[A-Z]*)' "$TMP/h.err"

"$PDL" bench-scale bound --data "$D" >"$TMP/b.json"
check_eq "bound: the ledger's suite, a positive rate" "$(jl "$TMP/b.json" 'o["suite"] == "ed25519-sha256" and o["bound_verify_per_s"] > 0 and o["cores"] >= 1')" true
"$PDL" bench-scale nonsense >/dev/null 2>"$TMP/u.err"
check_eq "an unknown mode is a usage error (exit 2)" "$?" 2
finish
