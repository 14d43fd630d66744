#!/usr/bin/python3
"""bench-table.py — the suites side by side, from `pdl bench` JSON lines.

    bench-table.py BENCH.json...     (make bench: one file per suite)

Prints one row per suite: acts/s, latency per request, the bound (that
suite's signature verifications/s on all cores, measured in the same run
through the calls pdld's verifiers make), and the ratio acts/s / bound,
whose target is 0.75 in every suite.
"""
import json
import sys

rows = []
for path in sys.argv[1:]:
    with open(path) as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
print("| suite | acts | acts/s | p50 ms | p99 ms | verify bound/s (all cores) | ratio (target >= 0.75) | last segment | vs max bound | LMDB ratio |")
print("|---|---|---|---|---|---|---|---|---|---|")
for o in rows:
    print("| %s | %d | %.0f | %.1f | %.1f | %.0f | %.2f | %.2f | %.2f | %.2f |" % (
        o.get("suite", "ed25519-sha256"), o["acts"], o["acts_per_s"], o["latency_ms_p50"], o["latency_ms_p99"],
        o["bound_verify_per_s"], o["ratio_verify"], o["ratio_verify_last_segment"], o["ratio_verify_vs_max_bound"],
        o["ratio_lmdb"]))
