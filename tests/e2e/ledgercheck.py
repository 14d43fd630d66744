#!/usr/bin/python3
"""ledgercheck.py — checks receipts against an exported log (test side).

Prints TAP-like "ok - …" / "not ok - …" lines and "# …" comments.

  ledgercheck.py receipts --export FILE [--label L] [--count N] [--seqs A:B]
                 [--dup false|true|any] RECEIPTS...
      every line of RECEIPTS is a receipt (torn last lines are reported and
      skipped); seqs are distinct (and exactly A..B-1 with --seqs); for each
      receipt the exported entry at its seq hashes (SHA-256 of the raw bytes)
      to the receipt's hash, and holds the very act the receipt's file/index
      names.
  ledgercheck.py resubmit --before FILE --after FILE [--label L] RECEIPTS...
      receipts of resubmitting acts: acts already in the log (per the export
      BEFORE) get dup:true with their original seq and hash; the rest get new
      seqs, exactly BEFORE's size..AFTER's size-1, and AFTER holds them.
  ledgercheck.py ckpts DATA_DIR OUTDIR
      writes every stored checkpoint (LMDB table "ckpt") to OUTDIR/ck_SIZE
      and prints the sizes.
"""
import base64
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdlgen import mp_unpack  # noqa: E402


def chain_hash(b):
    """The chain hash of entry bytes b, in the suite of the ledger under test
    (PDL_SUITE, tests/e2e/lib.sh): SHA-256, or SM3 (hashlib's, OpenSSL's: a
    receipt check, not the outside verifier) for sm2-sm3."""
    if os.environ.get("PDL_SUITE") == "sm2-sm3":
        return hashlib.new("sm3", b).hexdigest()
    return hashlib.sha256(b).hexdigest()

RESULTS = [0, 0]


def ok(cond, desc, detail=""):
    if cond:
        RESULTS[0] += 1
        print("ok - " + desc)
    else:
        RESULTS[1] += 1
        print("not ok - " + desc + (" (" + detail + ")" if detail else ""))
    return cond


def load_export(path):
    log = []
    with open(path) as f:
        for n, line in enumerate(f):
            o = json.loads(line)
            if o["seq"] != n:
                raise SystemExit("export line %d has seq %s" % (n, o["seq"]))
            log.append(base64.b64decode(o["entry"]))
    return log


def load_receipts(files):
    recs, torn = [], 0
    for fn in files:
        with open(fn) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    recs.append(json.loads(line))
                except ValueError:
                    torn += 1
    return recs, torn


_acts = {}


def submitted_act(rec):
    fn = rec["file"]
    if fn not in _acts:
        with open(fn) as f:
            a = json.load(f)
        _acts[fn] = a if isinstance(a, list) else [a]
    return _acts[fn][rec["index"]]


def entry_act(entry):
    e = mp_unpack(entry)
    return e, mp_unpack(e[3])


def same_act(entry, act):
    _, ea = entry_act(entry)
    want = dict(act)
    want.setdefault("v", 1)
    return ea == want


def sample(xs, k=5):
    xs = list(xs)
    return ", ".join(map(str, xs[:k])) + (" …" if len(xs) > k else "")


def cmd_receipts(args):
    opts, files = parse(args, ["--export", "--label", "--count", "--seqs", "--dup"])
    label = opts.get("--label", "receipts")
    log = load_export(opts["--export"])
    recs, torn = load_receipts(files)
    if torn:
        print("# %s: %d torn receipt line(s) skipped" % (label, torn))
    errors = [r for r in recs if "seq" not in r or "hash" not in r]
    ok(not errors, "%s: every receipt line has a seq and a hash" % label,
       "%d without: %s" % (len(errors), sample(json.dumps(e) for e in errors)))
    good = [r for r in recs if "seq" in r and "hash" in r]
    print("# %s: %d receipts" % (label, len(good)))
    if "--count" in opts:
        ok(len(good) == int(opts["--count"]), "%s: %s receipts" % (label, opts["--count"]), "got %d" % len(good))
    seqs = [r["seq"] for r in good]
    ok(len(set(seqs)) == len(seqs), "%s: the %d seqs are distinct" % (label, len(seqs)),
       "%d duplicates" % (len(seqs) - len(set(seqs))))
    if "--seqs" in opts:
        a, b = map(int, opts["--seqs"].split(":"))
        ok(set(seqs) == set(range(a, b)), "%s: the seqs are exactly %d..%d" % (label, a, b - 1),
           "missing %s; extra %s" % (sample(sorted(set(range(a, b)) - set(seqs))),
                                     sample(sorted(set(seqs) - set(range(a, b))))))
    if "--dup" in opts and opts["--dup"] != "any":
        want = opts["--dup"] == "true"
        bad = [r["seq"] for r in good if r.get("dup") is not want]
        ok(not bad, "%s: every receipt has dup %s" % (label, opts["--dup"]), "seqs %s" % sample(bad))
    beyond = [r["seq"] for r in good if r["seq"] >= len(log)]
    ok(not beyond, "%s: every receipted seq is in the log (size %d)" % (label, len(log)), sample(beyond))
    bad_hash = [r["seq"] for r in good if r["seq"] < len(log)
                and chain_hash(log[r["seq"]]) != r["hash"]]
    ok(not bad_hash, "%s: the entry at each receipt's seq hashes to the receipt's hash" % label,
       "%d mismatches, seqs %s" % (len(bad_hash), sample(bad_hash)))
    bad_act = [r["seq"] for r in good if r["seq"] < len(log) and not same_act(log[r["seq"]], submitted_act(r))]
    ok(not bad_act, "%s: the entry at each receipt's seq holds the act that was submitted" % label,
       "%d mismatches, seqs %s" % (len(bad_act), sample(bad_act)))


def act_key(act):
    return (act["actor"], act["nonce"])


def cmd_resubmit(args):
    opts, files = parse(args, ["--before", "--after", "--label"])
    label = opts.get("--label", "resubmit")
    before = load_export(opts["--before"])
    after = load_export(opts["--after"])
    ok(after[:len(before)] == before, "%s: the log before is a prefix of the log after" % label)
    in_log = {}
    for seq, e in enumerate(before):
        _, a = entry_act(e)
        in_log[act_key(a)] = seq
    recs, torn = load_receipts(files)
    ok(torn == 0, "%s: no torn receipt lines" % label, "%d torn" % torn)
    errors = [r for r in recs if "seq" not in r]
    ok(not errors, "%s: every act got a receipt" % label, sample(json.dumps(e) for e in errors))
    good = [r for r in recs if "seq" in r]
    olds = [r for r in good if act_key(submitted_act(r)) in in_log]
    news = [r for r in good if act_key(submitted_act(r)) not in in_log]
    print("# %s: %d acts were already in the log, %d were not" % (label, len(olds), len(news)))
    bad = [r["seq"] for r in olds if r.get("dup") is not True or r["seq"] != in_log[act_key(submitted_act(r))]
           or r["hash"] != chain_hash(before[r["seq"]])]
    ok(not bad, "%s: acts already in the log get dup:true with their original seq and hash" % label,
       "%d wrong: %s" % (len(bad), sample(bad)))
    bad = [r["seq"] for r in news if r.get("dup") is not False]
    ok(not bad, "%s: acts not yet in the log get new receipts (dup:false)" % label, sample(bad))
    seqs = sorted(r["seq"] for r in news)
    ok(seqs == list(range(len(before), len(after))),
       "%s: the new receipts take exactly seqs %d..%d" % (label, len(before), len(after) - 1),
       "got %d seqs from %s" % (len(seqs), sample(seqs)))
    bad = [r["seq"] for r in news if r["seq"] >= len(after)
           or chain_hash(after[r["seq"]]) != r["hash"]
           or not same_act(after[r["seq"]], submitted_act(r))]
    ok(not bad, "%s: each new receipt's entry is in the log with its hash and act" % label, sample(bad))


def cmd_ckpts(args):
    import lmdb
    data, out = args
    env = lmdb.open(data, readonly=True, lock=False, max_dbs=8, subdir=True)
    db = env.open_db(b"ckpt", create=False)
    sizes = []
    with env.begin(db=db) as t:
        for k, v in t.cursor():
            size = int.from_bytes(k, "big")
            with open(os.path.join(out, "ck_%d" % size), "wb") as f:
                f.write(v)
            sizes.append(size)
    env.close()
    print(" ".join(map(str, sizes)))


def parse(args, names):
    opts, rest = {}, []
    i = 0
    while i < len(args):
        if args[i] in names:
            opts[args[i]] = args[i + 1]
            i += 2
        else:
            rest.append(args[i])
            i += 1
    return opts, rest


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"receipts": cmd_receipts, "resubmit": cmd_resubmit, "ckpts": cmd_ckpts}[cmd](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
