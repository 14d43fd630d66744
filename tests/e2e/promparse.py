#!/usr/bin/python3
"""promparse.py -- a strict reader of the Prometheus text exposition format
(version 0.0.4), written from the format's description, for the metrics
tests (t_116).

    promparse.py FILE            every sample, one a line, in a canonical form:
                                 name{k="v",...} value   (labels sorted by name)
    promparse.py FILE get NAME [LABEL=VALUE ...]
                                 the value of the one sample with NAME and
                                 exactly those labels; exit 1 if none
    promparse.py FILE sum NAME [LABEL=VALUE ...]
                                 the sum over the samples of NAME whose labels
                                 include those
    promparse.py FILE type NAME  the TYPE line's type of NAME

FILE '-' reads stdin. Anything outside the format is an error (exit 2,
"promparse.py: line N: what"), checked before any answer:

  - the text is UTF-8, lines end with "\\n" (the last one too), no "\\r";
  - "# HELP name text" and "# TYPE name type" at most once per name, TYPE
    before the name's first sample, type one of counter, gauge, histogram,
    summary, untyped; HELP text escapes only "\\\\" and "\\n";
  - a sample is name, an optional {label="value",...} (a trailing comma is
    allowed), one space or tab, a value (a Go float: digits, exponent, NaN,
    +Inf, -Inf) and an optional integer timestamp;
  - names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*
    and do not start with "__"; a label appears once per sample; label values
    escape only "\\\\", "\\"" and "\\n";
  - all samples of one metric family are one group (no family comes back
    after another began), and no two samples have the same name and labels;
  - a counter's samples are >= 0 and, by convention (and OpenMetrics), its
    name ends in _total;
  - a histogram NAME has only NAME_bucket (each with le), NAME_sum and
    NAME_count; per label set the le values are distinct, in ascending
    order, include +Inf, and the counts are cumulative (non-decreasing),
    the +Inf bucket equal to NAME_count.
"""
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
FLOAT = re.compile(r"^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf|inf|NaN)$")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class Bad(Exception):
    pass


def parse_value(s):
    if not FLOAT.match(s):
        raise Bad("value %r is not a float" % s)
    return float(s)


def parse_labels(s, i, line):
    """Labels from s[i] == '{'; returns (dict, index after '}')."""
    labels = {}
    i += 1
    while True:
        if i < len(s) and s[i] == "}":
            return labels, i + 1
        m = LABEL.match(s, i)
        if not m:
            raise Bad("expected a label name at column %d" % (i + 1))
        name = m.group(0)
        if name.startswith("__"):
            raise Bad("label name %s is reserved (starts with __)" % name)
        if name in labels:
            raise Bad("label %s given twice" % name)
        i = m.end()
        if s[i:i + 2] != '="':
            raise Bad('expected =" after label %s' % name)
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise Bad("label value of %s is not closed" % name)
            c = s[i]
            if c == "\\":
                if i + 1 >= len(s) or s[i + 1] not in '\\"n':
                    raise Bad("label value of %s has an escape other than \\\\, \\\" and \\n" % name)
                val.append({"\\": "\\", '"': '"', "n": "\n"}[s[i + 1]])
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise Bad("raw newline in a label value")
            else:
                val.append(c)
                i += 1
        labels[name] = "".join(val)
        if i < len(s) and s[i] == ",":
            i += 1
            continue
        if i < len(s) and s[i] == "}":
            return labels, i + 1
        raise Bad("expected , or } after the value of label %s" % name)


def family_of(name, types):
    """The family a sample name belongs to: a histogram's or summary's
    _bucket/_sum/_count go to their base name when it has that TYPE."""
    for suf in ("_bucket", "_sum", "_count"):
        if name.endswith(suf):
            base = name[: -len(suf)]
            if types.get(base) in ("histogram", "summary"):
                return base
    return name


def parse(text):
    if "\r" in text:
        raise Bad("carriage return in the text (line 1 or later)")
    if text and not text.endswith("\n"):
        raise Bad("the last line does not end with a newline")
    helps, types, samples = {}, {}, []
    seen_series = set()
    done_families, current = set(), None
    for n, line in enumerate(text.split("\n")[:-1] if text else [], 1):
        try:
            if line == "" or line.strip() == "":
                continue
            if line.startswith("#"):
                parts = line.split(None, 3)
                if len(parts) >= 2 and parts[1] in ("HELP", "TYPE"):
                    if len(parts) < 3 or not NAME.fullmatch(parts[2]):
                        raise Bad("# %s without a metric name" % parts[1])
                    name = parts[2]
                    rest = parts[3] if len(parts) > 3 else ""
                    if parts[1] == "HELP":
                        if name in helps:
                            raise Bad("second HELP for %s" % name)
                        if re.search(r"\\[^\\n]|\\$", rest):
                            raise Bad("HELP of %s has an escape other than \\\\ and \\n" % name)
                        helps[name] = rest
                    else:
                        if name in types:
                            raise Bad("second TYPE for %s" % name)
                        if rest not in TYPES:
                            raise Bad("TYPE of %s is %r, not one of %s" % (name, rest, ", ".join(TYPES)))
                        if any(family_of(s[0], {name: rest}) == name for s in samples):
                            raise Bad("TYPE of %s after its samples" % name)
                        types[name] = rest
                continue
            m = NAME.match(line)
            if not m:
                raise Bad("a sample must start with a metric name")
            name, i = m.group(0), m.end()
            labels = {}
            if i < len(line) and line[i] == "{":
                labels, i = parse_labels(line, i, n)
            rest = line[i:]
            if not rest or rest[0] not in " \t":
                raise Bad("expected a blank before the value of %s" % name)
            fields = rest.split()
            if len(fields) not in (1, 2):
                raise Bad("expected a value and at most a timestamp after %s" % name)
            value = parse_value(fields[0])
            if len(fields) == 2 and not re.fullmatch(r"-?\d+", fields[1]):
                raise Bad("timestamp %r is not an integer" % fields[1])
            fam = family_of(name, types)
            if fam != current:
                if fam in done_families:
                    raise Bad("samples of %s are not all in one group" % fam)
                if current is not None:
                    done_families.add(current)
                current = fam
            key = (name, tuple(sorted(labels.items())))
            if key in seen_series:
                raise Bad("sample %s%s given twice" % (name, canon_labels(labels)))
            seen_series.add(key)
            t = types.get(fam, "untyped")
            if t == "counter":
                if value < 0 or math.isnan(value):
                    raise Bad("counter %s is %s" % (name, fields[0]))
                if not name.endswith("_total"):
                    raise Bad("counter %s does not end in _total" % name)
            if t == "histogram":
                if name == fam + "_bucket":
                    if "le" not in labels:
                        raise Bad("%s without le" % name)
                    parse_value(labels["le"])
                elif name not in (fam + "_sum", fam + "_count"):
                    raise Bad("%s is not a sample a histogram has" % name)
                elif "le" in labels:
                    raise Bad("%s has an le label" % name)
            samples.append((name, labels, value, n))
        except Bad as e:
            raise Bad("line %d: %s" % (n, e))
    check_histograms(samples, types)
    return samples, types


def check_histograms(samples, types):
    for fam, t in types.items():
        if t != "histogram":
            continue
        groups = {}
        for name, labels, value, n in samples:
            if name not in (fam + "_bucket", fam + "_sum", fam + "_count"):
                continue
            rest = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
            g = groups.setdefault(rest, {"buckets": [], "count": None, "sum": None, "line": n})
            if name == fam + "_bucket":
                g["buckets"].append((parse_value(labels["le"]), value, n))
            elif name == fam + "_count":
                g["count"] = value
            elif name == fam + "_sum":
                g["sum"] = value
        for rest, g in groups.items():
            b = g["buckets"]
            where = "line %d: histogram %s%s" % (g["line"], fam, canon_labels(dict(rest)))
            if not b:
                raise Bad("%s has no buckets" % where)
            les = [x[0] for x in b]
            if les != sorted(les) or len(set(les)) != len(les):
                raise Bad("%s: le values not distinct and ascending" % where)
            if les[-1] != math.inf:
                raise Bad("%s has no le=\"+Inf\" bucket" % where)
            for (l1, c1, _), (l2, c2, n2) in zip(b, b[1:]):
                if c2 < c1:
                    raise Bad("%s: bucket le=%s (line %d) counts fewer than le=%s: not cumulative" % (where, l2, n2, l1))
            if g["count"] is None or g["sum"] is None:
                raise Bad("%s lacks _count or _sum" % where)
            if g["count"] != b[-1][1]:
                raise Bad("%s: _count %s is not the +Inf bucket's %s" % (where, g["count"], b[-1][1]))


def canon_labels(labels):
    if not labels:
        return ""
    esc = lambda v: v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return "{" + ",".join('%s="%s"' % (k, esc(labels[k])) for k in sorted(labels)) + "}"


def fmt(v):
    return str(int(v)) if v == int(v) and abs(v) < 2 ** 63 else repr(v)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    data = sys.stdin.buffer.read() if argv[1] == "-" else open(argv[1], "rb").read()
    try:
        text = data.decode("utf-8")
        samples, types = parse(text)
    except UnicodeDecodeError:
        print("promparse.py: the text is not UTF-8", file=sys.stderr)
        return 2
    except Bad as e:
        print("promparse.py: %s" % e, file=sys.stderr)
        return 2
    if len(argv) == 2:
        for name, labels, value, _ in samples:
            print("%s%s %s" % (name, canon_labels(labels), fmt(value)))
        return 0
    op, name = argv[2], argv[3]
    want = dict(a.split("=", 1) for a in argv[4:])
    if op == "type":
        print(types.get(name, ""))
        return 0 if name in types else 1
    if op == "get":
        hits = [v for nm, lb, v, _ in samples if nm == name and lb == want]
        if len(hits) != 1:
            print("promparse.py: %d samples %s%s" % (len(hits), name, canon_labels(want)), file=sys.stderr)
            return 1
        print(fmt(hits[0]))
        return 0
    if op == "sum":
        print(fmt(sum(v for nm, lb, v, _ in samples if nm == name and all(lb.get(k) == x for k, x in want.items()))))
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
