#!/usr/bin/python3
"""doc_refs.py — the files a document points at must exist.

Usage: doc_refs.py ROOT DOC...   (DOC relative to ROOT)

For each DOC prints "ok - DOC: every file it points at exists" or one
"not ok" line naming each reference that resolves to nothing. A reference
is a Markdown link target (relative to the document's folder; anchors and
URLs are not files), an absolute path ending in .md, or a path-like token
(with a slash and an extension .md .c .h .sh .py .json .txt, or a bare
*.md name) found anywhere in the text, resolved against the repository root
or the document's folder.
"""
import os
import re
import sys


def refs(root, doc):
    here = os.path.dirname(os.path.join(root, doc))
    text = open(os.path.join(root, doc), encoding="utf-8").read()
    bad = []
    for t in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", t) or t.startswith("#"):
            continue
        p = t.split("#")[0]
        if p and not os.path.exists(os.path.join(here, p)):
            bad.append("link " + t)
    for t in re.findall(r"(?<![\w/.<-])((?:[\w.-]+/)*[\w.-]+\.(?:md|c|h|sh|py|json|txt))\b", text):
        if "/" not in t and not t.endswith(".md"):
            continue
        if not any(os.path.exists(os.path.join(b, t)) for b in (root, here)):
            bad.append("path " + t)
    for t in re.findall(r"(?<![\w./])(/[\w./-]+\.md)", text):
        if not os.path.exists(os.path.join(root, t.lstrip("/"))):
            bad.append("absolute path " + t)
    return sorted(set(bad))


def main():
    root = sys.argv[1]
    fails = 0
    for doc in sys.argv[2:]:
        bad = refs(root, doc)
        if bad:
            fails += 1
            print("not ok - %s points at files that do not exist: %s" % (doc, ", ".join(bad)))
        else:
            print("ok - %s: every file it points at exists" % doc)
    return 1 if fails else 0


sys.exit(main())
