#!/usr/bin/python3
"""helpdoc.py -- man pages and bash completion made from the binaries' --help.

    helpdoc.py man BINARY SECTION > BINARY.SECTION      a man page (roff, man macros)
    helpdoc.py completion BINARY > BINARY               a bash completion script
    helpdoc.py dump BINARY                              what was read, as JSON (debugging)

The help texts are the one source: the Makefile runs this on the freshly
built binaries, so a man page or a completion can never describe options a
binary does not have, or miss one it has. What is read:

  BINARY --help       the usage lines (up to the first blank line), the
                      text after them; for a binary with commands (pdl) the
                      command table: lines "  NAME   one-line summary" that
                      come before the first option line.
  BINARY CMD --help   each command's own help. A command whose usage says
                      "pdl CMD a|b|c ... (pdl CMD SUB --help)" has each SUB's
                      help read as well.
  BINARY --version    the version for the page footer.

How a help text becomes roff: the usage block is kept as written (no fill);
a line "  --opt ARG   text" (a tag, two or more spaces, text) becomes a
tagged paragraph, and lines indented further continue its text; other
indented lines (examples, JSON shapes) are kept as written; unindented lines
are running text, and a blank line starts a new paragraph. Every '-' is
written as \\- so that options copy and paste as typed, and every backslash
and leading dot is escaped.

The date on the page is SOURCE_DATE_EPOCH's when set (Debian sets it), else
the commit date of the tree, else today: the same tree gives the same page.
"""
import json
import os
import re
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPT_RE = re.compile(r"(?<![\w/+-])(--?[A-Za-z][A-Za-z0-9-]*)")
# "  TAG   text": an indented tag, two or more spaces, then text
TAG_RE = re.compile(r"^( {1,6})(\S(?:\S| (?! ))*?) {2,}(\S.*)$")
# a placeholder after an option: DIR, KEYFILE, YYYY-MM, 6DIGITS, PROOF.json, or choices a|b|FILE
ARG_RE = re.compile(r"^(?:[A-Z0-9][A-Za-z0-9_.-]*|[A-Za-z0-9+.-]+(?:\|[A-Za-z0-9+.-]+)+)$")


def run_help(argv):
    """The text argv prints (stdout, else stderr: some print usage there)."""
    env = dict(os.environ, LC_ALL="C")
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    if not out.strip():
        out = p.stderr.decode("utf-8", "replace")
    if not out.strip():
        sys.exit("helpdoc.py: %s printed nothing" % " ".join(argv))
    return out.rstrip("\n").split("\n")


def split_usage(lines):
    """(usage lines without 'usage: ' and their common indent, the rest)."""
    if not lines or not lines[0].startswith("usage: "):
        return [], lines
    usage = [lines[0][len("usage: "):]]
    i = 1
    while i < len(lines) and lines[i].strip():
        l = lines[i]
        usage.append(l[7:] if l.startswith("       ") else l.strip())
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    return usage, lines[i:]


def subcommands(binary_name, cmd, usage):
    """Literal words after "BINARY CMD" on the usage lines: proof inclusion,
    evidence deposit|prove|check, pdl-project digest."""
    subs = []
    for u in usage:
        w = u.split()
        lead = [binary_name] + ([cmd] if cmd else [])
        if w[:len(lead)] != lead or len(w) <= len(lead):
            continue
        word = w[len(lead)]
        if re.match(r"^[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)*$", word):
            for s in word.split("|"):
                if s not in subs:
                    subs.append(s)
    return subs


def options(lines):
    """{option: argument placeholder or None}: the options a help lists, in
    its usage lines and its option table (tag lines starting with '-'), not
    those its prose mentions (often another command's or binary's)."""
    found = {}
    usage, rest = split_usage(lines)
    listed = ["usage: " + u for u in usage]
    for l in rest:
        m = TAG_RE.match(l)
        if m and m.group(2).startswith("-"):
            listed.append(m.group(2))
    for l in listed:
        toks = re.split(r"[\s\[\](),;]+", l)
        for i, t in enumerate(toks):
            m = OPT_RE.fullmatch(t)
            if not m or t in ("-", "--"):
                continue
            nxt = toks[i + 1] if i + 1 < len(toks) else ""
            arg = nxt if ARG_RE.match(nxt) and not nxt.startswith("-") else None
            if t not in found or (found[t] is None and arg is not None):
                found[t] = arg
    return found


def read_binary(path):
    """Everything a page and a completion need, from the binary's help texts."""
    name = os.path.basename(path)
    top = run_help([path, "--help"])
    usage, rest = split_usage(top)
    version = run_help([path, "--version"])[0]
    doc = {"name": name, "version": version.split(" ", 1)[1] if " " in version else version,
           "usage": usage, "text": rest, "commands": [], "options": options(top)}
    # the command table: tags before the first option line (pdl only has one)
    table = []
    for l in rest:
        m = TAG_RE.match(l)
        if m and m.group(2).startswith("-"):
            break
        if m and re.match(r"^[a-z][a-z0-9-]*$", m.group(2)) and len(m.group(1)) == 2:
            table.append((m.group(2), m.group(3)))
    if name == "pdl":
        for cmd, summary in table:
            doc["commands"].append(read_command(path, name, [cmd], summary))
    else:
        for s in subcommands(name, None, usage):
            doc["commands"].append({"words": [s], "summary": dict(table).get(s, ""), "usage": [], "text": [],
                                    "options": {}, "subs": []})
    views = [l for l in rest if l.startswith("views:")]
    doc["words"] = views[0].split()[1:] if views else []
    return doc


def read_command(path, name, words, summary):
    lines = run_help([path] + words + ["--help"])
    usage, rest = split_usage(lines)
    c = {"words": words, "summary": summary, "usage": usage, "text": rest, "options": options(lines), "subs": []}
    subs = subcommands(name, words[0], usage)
    if any("SUB --help" in l for l in lines):
        for s in subs:
            c["subs"].append(read_command(path, name, words + [s], ""))
        c["subwords"] = subs
    else:
        c["subwords"] = subs
    return c


# ---- roff ----

def esc(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    # roff input is ASCII: other characters by their code point (groff's \[uXXXX])
    return "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in s)


def line_out(s):
    """A text line: no leading dot or quote (a request), no leading space (a break).
    A comma with no space after it (a JSON shape: "ok","size",...) may end a
    line (\\:), or groff could not fill a long one."""
    s = esc(s).replace(",", ",\\:").replace(",\\: ", ", ")
    if s.endswith(",\\:"):
        s = s[:-2]
    if s.startswith((".", "'")):
        s = "\\&" + s
    return s


def tag_out(tag):
    """--opt ARG, -v, --verbose: options bold, placeholders italic."""
    out = []
    for w in tag.split(" "):
        core = w.rstrip(",")
        tail = w[len(core):]
        opt = re.fullmatch(r"(--?[A-Za-z][A-Za-z0-9-]*)(\[?=)([A-Z][A-Z0-9_]*)(\]?)", core)
        if OPT_RE.fullmatch(core):
            out.append("\\fB%s\\fR%s" % (esc(core), tail))
        elif opt and (opt.group(2) == "[=") == (opt.group(4) == "]"):
            # --progress[=SECONDS], --opt=ARG: the option bold, its argument italic
            out.append("\\fB%s\\fR%s\\fI%s\\fR%s%s" % (esc(opt.group(1)), opt.group(2), opt.group(3),
                                                      opt.group(4), tail))
        elif ARG_RE.match(core) and core.upper() == core:
            out.append("\\fI%s\\fR%s" % (esc(core), tail))
        else:
            out.append(esc(w))
    return " ".join(out)


def body_roff(lines):
    """Help text (after its usage block) as roff."""
    out = []
    mode = None  # None, "text", "tag", "pre"
    tag_indent = 0
    for l in lines:
        if not l.strip():
            if mode == "pre":
                out.append(".EE")
            mode = None
            out.append(".PP")
            continue
        indent = len(l) - len(l.lstrip(" "))
        m = TAG_RE.match(l)
        if indent == 0:
            if mode == "pre":
                out.append(".EE")
            if mode in ("tag", "pre"):
                out.append(".PP")
            mode = "text"
            out.append(line_out(l))
        elif mode == "tag" and indent > tag_indent and not l.lstrip().startswith("-"):
            out.append(line_out(l.strip()))  # the tag's text goes on
        elif m and (mode != "pre" or m.group(2).startswith("-")):
            if mode == "pre":
                out.append(".EE")
            mode = "tag"
            tag_indent = indent
            out.append(".TP")
            out.append(tag_out(m.group(2)))
            out.append(line_out(m.group(3)))
        else:
            if mode != "pre":
                if mode == "tag":
                    out.append(".PP")
                out.append(".EX")
                mode = "pre"
            out.append(esc(l[2:] if l.startswith("  ") else l))
    if mode == "pre":
        out.append(".EE")
    # no empty paragraphs
    clean = []
    for o in out:
        if o == ".PP" and (not clean or clean[-1] in (".PP", ".SH", ".SS") or clean[-1].startswith((".SH", ".SS"))):
            continue
        clean.append(o)
    while clean and clean[-1] == ".PP":
        clean.pop()
    return clean


def usage_roff(usage):
    return [".nf"] + [esc(u) for u in usage] + [".fi"]


def page_date():
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if sde and sde.isdigit():
        return time.strftime("%Y-%m-%d", time.gmtime(int(sde)))
    try:
        p = subprocess.run(["git", "-C", TOP, "log", "-1", "--format=%cs"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=20)
        d = p.stdout.decode().strip()
        if p.returncode == 0 and re.match(r"^\d{4}-\d{2}-\d{2}$", d):
            return d
    except (OSError, subprocess.SubprocessError):
        pass
    return time.strftime("%Y-%m-%d", time.gmtime())


PAGES = {"pdl": "1", "pdld": "8", "pdl-project": "8", "pdl-witness": "8"}


def man(doc, section):
    name = doc["name"]
    text = list(doc["text"])
    # NAME: the first line of the description, less a leading "NAME, "
    first = ""
    for i, l in enumerate(text):
        if l.strip() and not l.startswith(" "):
            first = l.strip()
            break
    summary = re.sub(r"^%s,\s*" % re.escape(name), "", first).rstrip(".")
    if len(summary) > 1 and summary[0].isupper() and summary[1].islower():
        summary = summary[0].lower() + summary[1:]
    out = ['.\\" %s(%s) -- generated by mk/helpdoc.py from `%s --help`; edit the help text, not this file'
           % (name, section, name),
           '.TH %s %s "%s" "pdl %s" "pdl manual"' % (name.upper().replace("-", "\\-"), section, page_date(),
                                                      doc["version"]),
           # ragged right: JSON shapes in running text break only at their commas,
           # and justifying such lines would stretch a few spaces very wide
           ".ad l",
           ".SH NAME", "%s \\- %s" % (esc(name), esc(summary)),
           ".SH SYNOPSIS"] + usage_roff(doc["usage"])
    if doc["commands"] and name == "pdl":
        # the description, the command table, then the client options
        desc, opts = [], []
        seen_table = False
        for l in text:
            m = TAG_RE.match(l)
            if m and not m.group(2).startswith("-") and len(m.group(1)) == 2:
                seen_table = True
                continue
            (opts if seen_table else desc).append(l)
        out += [".SH DESCRIPTION"] + body_roff(desc)
        out += [".SH COMMANDS"]
        for c in doc["commands"]:
            out += [".TP", "\\fB%s\\fR" % esc(c["words"][0]), line_out(c["summary"])]
        out += [".SH OPTIONS"] + body_roff(opts)
        out += [".TP", "\\fB\\-\\-help\\fR", "this text; \\fBpdl \\fICOMMAND\\fB \\-\\-help\\fR for a command's",
                ".TP", "\\fB\\-\\-version\\fR", "print the version"]
        out += [".SH \"COMMAND DETAILS\""]
        for c in doc["commands"]:
            out += command_roff(c)
    else:
        # the description up to the first option, then the options
        k = next((i for i, l in enumerate(text) if TAG_RE.match(l) and TAG_RE.match(l).group(2).startswith("-")),
                 len(text))
        out += [".SH DESCRIPTION"] + body_roff(text[:k])
        if k < len(text):
            out += [".SH OPTIONS"] + body_roff(text[k:])
    others = [p for p in ("pdl", "pdld", "pdl-project") if p != name]
    out += [".SH \"SEE ALSO\"",
            ", ".join("\\fB%s\\fR(%s)" % (esc(p), PAGES[p]) for p in others) + ",",
            "README.md and spec/ in /usr/share/doc/pdl (or the source tree)."]
    return "\n".join(out) + "\n"


def command_roff(c):
    out = [".SS \"pdl %s\"" % esc(" ".join(c["words"]))]
    if c["usage"]:
        out += usage_roff(c["usage"])
        if c["text"]:
            out.append(".PP")
    out += body_roff(c["text"])
    for s in c["subs"]:
        out += command_roff(s)
    return out


# ---- bash completion ----

def argtype(arg):
    """How to complete an option's argument: dirs, files, words, or nothing."""
    if arg is None:
        return None
    if "|" in arg:
        words = [w for w in arg.split("|") if not w.isupper()]
        return ("words", words, any(w.isupper() and "FILE" in w for w in arg.split("|")))
    if arg in ("DIR", "VIEWDIR", "KEYDIR", "OUT") or arg.endswith("DIR"):
        return ("dirs",)
    if "FILE" in arg or arg.endswith((".json", ".pem")) or arg in ("PROOF.json",):
        return ("files",)
    return ("none",)


def sh_words(ws):
    return " ".join(ws)


def completion(doc):
    name = doc["name"]
    fn = "_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
    glob_opts = doc["options"]
    lines = ["# bash completion for %s -- generated by mk/helpdoc.py from `%s --help`" % (name, name),
             "# (and each command's --help); edit the help texts, not this file.",
             "%s_arg() {" % fn,
             "\t# completes the argument of option $1 of command $2; 1 if $1 takes none",
             "\tlocal cur=$3",
             "\tcase \"$2 $1\" in"]
    cases = []

    def add_cases(key, opts):
        for o, a in sorted(opts.items()):
            t = argtype(a)
            if t is None:
                continue
            if t[0] == "dirs":
                act = "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\"))"
            elif t[0] == "files":
                act = "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\"))"
            elif t[0] == "words":
                act = "COMPREPLY=($(compgen -W '%s' -- \"$cur\"))" % sh_words(t[1])
                if t[2]:
                    act = ("compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -W '%s' -- \"$cur\") "
                           "$(compgen -f -- \"$cur\"))" % sh_words(t[1]))
            else:
                act = "COMPREPLY=()"
            cases.append("\t'%s %s') %s ;;" % (key, o, act))

    for c in doc["commands"]:
        all_opts = dict(glob_opts) if name == "pdl" else {}
        all_opts.update(c["options"])
        for s in c["subs"]:
            all_opts.update(s["options"])
        add_cases(c["words"][0], all_opts)
    add_cases("-", glob_opts)
    lines += cases
    lines += ["\t*) return 1 ;;", "\tesac", "\treturn 0", "}", ""]
    lines += ["%s() {" % fn,
              "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd=- sub= i w",
              "\tCOMPREPLY=()"]
    cmd_words = [c["words"][0] for c in doc["commands"]]
    if name == "pdl":
        # the command: the first word that is neither an option nor an option's argument
        lines += ["\tfor ((i = 1; i < COMP_CWORD; i++)); do",
                  "\t\tw=${COMP_WORDS[i]}",
                  "\t\tcase \" %s \" in *\" $w \"*) cmd=$w; break ;; esac" % sh_words(cmd_words),
                  "\tdone"]
    else:
        lines += ["\tfor ((i = 1; i < COMP_CWORD; i++)); do",
                  "\t\tw=${COMP_WORDS[i]}",
                  "\t\tcase \" %s \" in *\" $w \"*) cmd=$w; break ;; esac" % sh_words(cmd_words),
                  "\tdone"]
    # pdl's options depend on the command; the others' do not
    lines += ["\tif [[ $prev == -* ]] && %s_arg \"$prev\" %s \"$cur\"; then return 0; fi"
              % (fn, '"$cmd"' if name == "pdl" else "-")]
    lines += ["\tcase $cmd in"]
    glob_list = sorted(glob_opts)
    if name == "pdl":
        first = cmd_words + ["--help", "--version"]
        lines += ["\t-)",
                  "\t\tif [[ $cur == -* ]]; then COMPREPLY=($(compgen -W '%s' -- \"$cur\"))" % sh_words(
                      sorted(set(glob_list + ["--help", "--version"]))),
                  "\t\telse COMPREPLY=($(compgen -W '%s' -- \"$cur\")); fi ;;" % sh_words(first)]
        for c in doc["commands"]:
            opts = set(c["options"]) | (set(glob_list) - {"--version", "--help"})
            for s in c["subs"]:
                opts |= set(s["options"])
            opts.add("--help")
            subs = c.get("subwords") or []
            lines.append("\t%s)" % c["words"][0])
            if subs:
                # the sub-command comes first: offer it until one is given
                lines += ["\t\tfor ((i = i + 1; i < COMP_CWORD; i++)); do",
                          "\t\t\tcase \" %s \" in *\" ${COMP_WORDS[i]} \"*) sub=${COMP_WORDS[i]}; break ;; esac"
                          % sh_words(subs),
                          "\t\tdone",
                          "\t\tif [[ -z $sub && $cur != -* ]]; then COMPREPLY=($(compgen -W '%s' -- \"$cur\")); "
                          "return 0; fi" % sh_words(subs)]
            lines += ["\t\tif [[ $cur == -* ]]; then COMPREPLY=($(compgen -W '%s' -- \"$cur\"))" % sh_words(
                sorted(opts)),
                      "\t\telse compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); fi ;;"]
    else:
        words = [w for w in doc.get("words", []) if w not in cmd_words] + cmd_words
        opts = sorted(set(glob_list) | {"--help", "--version"})
        lines += ["\t-)",
                  "\t\tif [[ $cur == -* ]]; then COMPREPLY=($(compgen -W '%s' -- \"$cur\"))" % sh_words(opts)]
        if words:
            lines += ["\t\telif ((COMP_CWORD == 1)); then COMPREPLY=($(compgen -W '%s' -- \"$cur\"))" % sh_words(
                words)]
        lines += ["\t\telse compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); fi ;;"]
        for c in doc["commands"]:
            lines += ["\t%s)" % c["words"][0],
                      "\t\tif [[ $cur == -* ]]; then COMPREPLY=($(compgen -W '%s' -- \"$cur\"))" % sh_words(opts)]
            if doc.get("words"):
                lines += ["\t\telse COMPREPLY=($(compgen -W '%s' -- \"$cur\"))" % sh_words(
                    [w for w in doc["words"] if w not in cmd_words])]
            lines += ["\t\tfi ;;"]
    lines += ["\tesac", "\treturn 0", "}", "complete -F %s %s" % (fn, name), ""]
    return "\n".join(lines)


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("man", "completion", "dump"):
        sys.exit(__doc__)
    doc = read_binary(sys.argv[2])
    if sys.argv[1] == "man":
        if len(sys.argv) != 4 or sys.argv[3] not in ("1", "8"):
            sys.exit("helpdoc.py man BINARY 1|8")
        sys.stdout.write(man(doc, sys.argv[3]))
    elif sys.argv[1] == "completion":
        sys.stdout.write(completion(doc))
    else:
        json.dump(doc, sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
