#!/usr/bin/python3
"""bench-scale-table.py RESULTS N OUT.json — the figures of tools/bench-scale.sh
(RESULTS: one "NAME VALUE" a line) as the README's table, each beside its
target, and as one JSON object in OUT.json."""
import json
import sys


def num(v):
    try:
        return int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return v


def main():
    res_path, n, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    r = {}
    for line in open(res_path):
        k, _, v = line.rstrip("\n").partition(" ")
        r[k] = num(v)
    r["entries"] = n
    with open(out_path, "w") as f:
        json.dump(r, f, sort_keys=True)
        f.write("\n")

    def g(k, fmt="{:,}"):
        v = r.get(k)
        if v is None or v == "":
            return "-"
        if isinstance(v, float) and fmt == "{:,}":
            fmt = "{:,.1f}"
        return fmt.format(v)

    def met(ok):
        return "met" if ok else "NOT met"

    rows = []
    if "build_s" in r:  # not when SCALE_REUSE=1 measured a kept ledger
        rows.append(("build: pre-signing %s acts" % "{:,}".format(n - 1), g("presign_s") + " s", ""))
        rows.append(("build: pdld, durable, 4 clients x 1,024 acts/request",
                     "%s s, %s acts/s, p99 %s ms" % (g("build_seconds", "{:,.0f}"), g("build_acts_per_s", "{:,.0f}"),
                                                      g("build_latency_ms_p99", "{:,.0f}")),
                     "ratio %s to the verify bound %s/s" % (g("build_ratio_verify", "{:.2f}"),
                                                            g("build_bound_verify_per_s", "{:,.0f}"))))
        rows.append(("build: the whole `pdl bench` run", g("build_s") + " s", ""))
    for k in ("inclusion", "consistency"):
        for where, bound in (("inproc", 50), ("wire", 1000)):
            p99 = r.get("%s_%s_us_p99" % (k, where))
            rows.append(("%s proof, %s" % (k, "in-process" if where == "inproc" else "over the wire (REQ)"),
                         "p50 %s us, p99 %s us%s" % (g("%s_%s_us_p50" % (k, where), "{:,.1f}"),
                                                     g("%s_%s_us_p99" % (k, where), "{:,.1f}"),
                                                     "" if where == "wire" or "ledger_read_s" not in r else
                                                     " (data.mdb read into the page cache first: %s s)" %
                                                     g("ledger_read_s", "{:,.1f}")),
                         "p99 <= %s us: %s%s" % ("{:,}".format(bound), met(p99 is not None and p99 <= bound),
                                                 "" if where == "wire" else
                                                 " (3 runs' p99: %s us)" % g("%s_inproc_us_p99_runs" % k, "{}"))))
    def cpu(step):
        c = r.get(step + "_cpu_s")
        return "" if c is None else "; %s s of CPU (%s entries per CPU-second), max RSS %s MiB" % (
            "{:,.1f}".format(c), "{:,.0f}".format(n / c) if c else "-", "{:,.0f}".format(r.get(step + "_maxrss_kb", 0) / 1024))

    vr = r.get("verify_ratio")
    rows.append(("pdl verify", "%s s, %s entries/s%s" % (g("verify_s", "{:,.0f}"), g("verify_per_s"), cpu("verify")),
                 "ratio %s to the bound %s/s (%s): >= 0.8 %s" % (g("verify_ratio", "{:.2f}"), g("verify_bound_per_s"),
                                                               g("verify_bound_samples", "{}"),
                                                               met(vr is not None and vr >= 0.8))))
    pr = r.get("project_per_s")
    rows.append(("view catch-up, pdl-project all --once", "%s s, %s entries/s%s" % (g("project_s", "{:,.0f}"), g("project_per_s"), cpu("project")),
                 ">= 50,000/s: %s" % met(pr is not None and pr >= 50000)))
    if r.get("project_digest_s") is not None and r.get("project_s") is not None:
        ap = r["project_s"] - r["project_digest_s"]
        rows.append(("... of which the views' digest at the end (a second --once, nothing to apply)",
                     "%s s; without it %s s, %s entries/s" % ("{:,.1f}".format(r["project_digest_s"]), "{:,.1f}".format(ap),
                                                             "{:,.0f}".format(n / ap) if ap > 0 else "-"), ""))
    rows.append(("pdl tiles", "%s s, %s entries/s%s" % (g("tiles_s", "{:,.1f}"), g("tiles_per_s"), cpu("tiles")), ""))
    rows.append(("pdl export (to /dev/null)", "%s s, %s entries/s%s" % (g("export_s", "{:,.1f}"), g("export_per_s"), cpu("export")), ""))
    rss = sorted((int(k[len("rss_kb_"):]), v) for k, v in r.items() if k[len("rss_kb_"):].isdigit() and k.startswith("rss_kb_"))
    if rss:
        first, last = rss[0], rss[-1]
        rows.append(("pdld RssAnon while building",
                     ", ".join("%s KiB at %s" % ("{:,}".format(v), "{:,}".format(e)) for e, v in (first, last)),
                     "flat: %s (all tenths: %s KiB)" % (met(last[1] <= first[1] * 1.25 + 8192),
                                                       " ".join(str(v) for _, v in rss))))
    rows.append(("pdld RssAnon, restarted / after the wire proofs",
                 "%s / %s KiB" % (g("rss_kb_restart"), g("rss_kb_after_proofs")), ""))
    rows.append(("disk: data.mdb per entry", "%s bytes (file), %s (pages in use)" % (
        "{:,.0f}".format(r["disk_file_bytes"] / n) if "disk_file_bytes" in r else "-",
        g("disk_pages_used_bytes_per_entry", "{:,.0f}")), ""))
    tables = sorted((k[len("table_"):-len("_bytes_per_entry")], v) for k, v in r.items()
                    if k.startswith("table_") and k.endswith("_bytes_per_entry"))
    rows.append(("disk: per table, bytes per entry (pages x 4096 / entries)",
                 ", ".join("%s %.0f" % (t, v) for t, v in tables if v > 0), ""))
    rows.append(("views (pdl-project all) per entry", "{:,.0f} bytes".format(r["view_bytes"] / n) if "view_bytes" in r else "-", ""))
    if "pg_rows_per_s" in r:
        pdl = r.get("build_acts_per_s") or 0
        pg = r["pg_rows_per_s"]
        near = r.get("pdl_near_acts_per_s") or 0
        rows.append(("PostgreSQL 15, SHA-256 chain trigger, fsync, synchronous_commit",
                     "%s rows/s (best of %s clients: %s)" % ("{:,.0f}".format(pg), r.get("pg_clients", "?"),
                                                            r.get("pg_runs", "?")),
                     "pdl %s acts/s just before it = %.1fx, the build's %s acts/s = %.1fx: >= 10x %s" % (
                         "{:,.0f}".format(near), near / pg if pg else 0, "{:,.0f}".format(pdl),
                         pdl / pg if pg else 0, met(pg and min(pdl, near) / pg >= 10))))
    print("| what (%s entries) | measured | target / bound of the same run |" % "{:,}".format(n))
    print("|---|---|---|")
    for a, b, c in rows:
        print("| %s | %s | %s |" % (a, b, c))


main()
