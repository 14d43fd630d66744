#!/usr/bin/env bash
# t_17_bench — `pdl bench` on a small load: it drives a real pdld, counts
# what it sent, and its figures are consistent with each other (the ratio is
# acts/s over the time-weighted bound, which lies within the bounds it
# measured). No speed is asserted here: speed is `make bench`'s business.
. "$(dirname "$0")/lib.sh"

ACTS=3000
"$PDL" bench --acts $ACTS --batch 100 --clients 3 --segments 3 --data "$TMP/b" --keep >"$TMP/bench.json" 2>"$TMP/bench.err"
check_eq "pdl bench exits 0" "$?" 0
check_eq "it prints one JSON line" "$(wc -l <"$TMP/bench.json")" 1
check_eq "acts, refused, log size" "$(jl "$TMP/bench.json" '(o["acts"], o["refused"], o["log_size"])')" "($ACTS, 0, $((ACTS + 1)))"
check_eq "3 segments, 4 bound measurements" \
	"$(jl "$TMP/bench.json" '(o["segments"], len(o["segment_acts_per_s"]), len(o["bound_verify_samples_per_s"]))')" "(3, 3, 4)"
check_eq "ratio = acts/s / time-weighted bound" \
	"$(jl "$TMP/bench.json" 'abs(o["ratio_verify"] - o["acts_per_s"] / o["bound_verify_per_s"]) < 1e-9')" true
check_eq "the time-weighted bound lies within the measured bounds" \
	"$(jl "$TMP/bench.json" 'min(o["bound_verify_samples_per_s"]) <= o["bound_verify_per_s"] <= max(o["bound_verify_samples_per_s"]) and o["bound_verify_max_per_s"] == max(o["bound_verify_samples_per_s"])')" true
check_eq "the ratio against the highest bound is the lowest" \
	"$(jl "$TMP/bench.json" 'o["ratio_verify_vs_max_bound"] <= o["ratio_verify"] and o["bound_verify_max_per_s"] > 0')" true
check_eq "p50 <= p99 latency, both > 0" \
	"$(jl "$TMP/bench.json" '0 < o["latency_ms_p50"] <= o["latency_ms_p99"]')" true
# (CPU comes in 10 ms ticks per thread: on a load this short only the
# verifiers, the bulk of the work, are sure to have any)
check_eq "CPU is counted for pdld's verifier threads; no group is negative" \
	"$(jl "$TMP/bench.json" 'o["cpu_cores_pdld_verify"] > 0 and min(o["cpu_cores_pdld_writer"], o["cpu_cores_pdld_other"], o["cpu_cores_client"]) >= 0')" true
check "stderr names the target" grep -q "target >= 0.75" "$TMP/bench.err"
check "the kept ledger is in $TMP/b" test -f "$TMP/b/data.mdb"
"$PDL" verify --data "$TMP/b" >"$TMP/verify.json" 2>&1
check_eq "pdl verify passes on the kept ledger" "$?" 0
check_eq "it holds $((ACTS + 1)) entries" "$(jl "$TMP/verify.json" 'o["size"]')" $((ACTS + 1))

# the other suite: its own bound (SM2 verifications), its acts on an sm2-sm3 ledger
"$PDL" bench --suite sm2-sm3 --acts 300 --batch 50 --clients 2 --segments 1 --data "$TMP/s" --keep \
	>"$TMP/sm2.json" 2>"$TMP/sm2.err"
check_eq "pdl bench --suite sm2-sm3 exits 0, names its suite, all acts in" \
	"$?:$(jl "$TMP/sm2.json" '(o["suite"], o["acts"], o["refused"], o["log_size"])')" "0:('sm2-sm3', 300, 0, 301)"
check "it measured the SM2 verify bound" grep -q "SM2 verify bound" "$TMP/sm2.err"
check_eq "its ledger is an sm2-sm3 ledger" "$("$PDL" get 0 --data "$TMP/s" | jl - 'o["act"]["body"]["suite"]')" sm2-sm3
"$PDL" bench --suite rsa >"$TMP/bad.out" 2>&1
check_ne "--suite rsa is refused" "$?" 0

# --curve: one point (--batch 16), offered open loop at 5% of the bound for 1 s
"$PDL" bench --curve --batch 16 --load 5 --seconds 1 --clients 4 --data "$TMP/c" --keep >"$TMP/curve.json" 2>"$TMP/curve.err"
check_eq "pdl bench --curve exits 0: one point of 16 acts a request, none refused" \
	"$?:$(jl "$TMP/curve.json" '(o["mode"], len(o["points"]), o["points"][0]["acts_per_request"], o["refused"], o["load"])')" \
	"0:('curve', 1, 16, 0, 0.05)"
CACTS=$(jl "$TMP/curve.json" 'o["points"][0]["acts"]')
check_eq "its acts are whole requests" "$((CACTS % 16))" 0
check_eq "every act of the point is in the log" "$("$PDL" verify --data "$TMP/c" | jl - 'o["size"]')" $((CACTS + 1))
check_eq "ratio = achieved / bound, both > 0" \
	"$(jl "$TMP/curve.json" '[abs(p["ratio_verify"] - p["achieved_per_s"] / p["bound_verify_per_s"]) < 1e-9 and p["achieved_per_s"] > 0 for p in o["points"]]')" "[true]"
check_eq "latency from when due >= from the send, p50 <= p99" \
	"$(jl "$TMP/curve.json" '[0 < p["service_ms_p50"] <= p["latency_ms_p50"] <= p["latency_ms_p99"] and p["service_ms_p99"] <= p["latency_ms_p99"] for p in o["points"]]')" "[true]"
check "stderr prints the curve with its targets" grep -q "p99 ms (target <= 25)" "$TMP/curve.err"
check_eq "each point has the host's steal share over it and over its bound (0 to 1)" \
	"$(jl "$TMP/curve.json" '[0 <= p["host_steal_share"] <= 1 and 0 <= p["bound_host_steal_share"] <= 1 for p in o["points"]]')" "[true]"
check_eq "and the largest share in any 200 ms of it (0 to 1)" \
	"$(jl "$TMP/curve.json" '[0 <= p["host_steal_worst_200ms_share"] <= 1 for p in o["points"]]')" "[true]"
check "the table has the worst 0.2 s steal column" grep -q "worst 0.2 s steal" "$TMP/curve.err"
check_eq "pdl's own check of a known key: one at a time and in lists of 64, both > 0" \
	"$(jl "$TMP/curve.json" 'o["check_known_key_per_s"] > 0 and o["check_known_key_lists_of_64_per_s"] > 0')" "true"
"$PDL" bench --curve --load 0 >"$TMP/bad.out" 2>&1
check_ne "--load 0 is refused" "$?" 0
check "with a message naming the option" grep -q -- "--load is a percentage" "$TMP/bad.out"

"$PDL" bench --segments 0 >"$TMP/bad.out" 2>&1
check_ne "--segments 0 is refused" "$?" 0
check "with a message naming the option" grep -q -- "--segments is 1..50" "$TMP/bad.out"

finish
