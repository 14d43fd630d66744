#!/usr/bin/python3
"""sandbox_check.py -- what a process traced by `strace -f -o FILE` did,
against what its systemd unit lets it do (t_114).

    sandbox_check.py writes TRACE ALLOWED_PREFIX...
        prints every path the process wrote to (created, opened for
        writing, removed, renamed, bound a socket at...) outside the
        allowed prefixes, one a line; nothing when it kept to them.
    sandbox_check.py syscalls TRACE FILTER_DUMP ALLOW_GROUP DENY_GROUP...
        prints every system call the process made that the unit's
        SystemCallFilter= (ALLOW_GROUP, then ~DENY_GROUPs) refuses.
        FILTER_DUMP is `systemd-analyze syscall-filter`'s output (every
        group and what it holds, groups nested by name).

ProtectSystem=strict with StateDirectory= makes the data directory the only
writable path, and a call outside the filter fails with EPERM: either would
break pdld under systemd in a way no test without systemd would see, so the
tests run the daemons under strace and check here what they would meet.
"""
import re
import sys

CALL = re.compile(r"^(\d+)\s+(?:<\.\.\. )?([a-z_0-9]+)(\(| resumed>)(.*)$")
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC")
STR = re.compile(r'"((?:[^"\\]|\\.)*)"')


def calls(path):
    for line in open(path, errors="replace"):
        m = CALL.match(line)
        if m:
            yield m.group(2), m.group(3) == "(", m.group(4)


def written_paths(path):
    """What the process changed: calls that failed (= -1, such as a mkdir of
    a directory that exists, which a sanitizer's log path makes) wrote
    nothing, and are not what it needs. A call strace split across lines
    ("<unfinished ...>") is judged by its start: it counts."""
    for name, start, rest in calls(path):
        if not start:
            continue
        if re.search(r"\) += -1 [A-Z]+", rest):
            continue
        strs = STR.findall(rest)
        if name in ("open", "openat", "openat2", "creat"):
            if strs and (name == "creat" or any(f in rest for f in WRITE_FLAGS)):
                yield name, strs[0]
        elif name in ("mkdir", "mkdirat", "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2",
                      "link", "linkat", "symlink", "symlinkat", "chmod", "fchmodat", "chown", "fchownat",
                      "lchown", "truncate", "mknod", "mknodat", "utimensat", "utimes", "setxattr", "lsetxattr"):
            for s in strs:
                yield name, s
        elif name == "bind" and "AF_UNIX" in rest and "sun_path=" in rest:
            m = re.search(r'sun_path="((?:[^"\\]|\\.)*)"', rest)
            if m and not m.group(1).startswith("@"):
                yield name, m.group(1)


def cmd_writes(trace, prefixes):
    bad = set()
    for name, p in written_paths(trace):
        if p.startswith("/proc/self/task/") and p.endswith("/comm"):
            continue  # thread names (pthread_setname_np): the process's own /proc
        if not any(p == a or p.startswith(a.rstrip("/") + "/") for a in prefixes):
            bad.add("%s %s" % (name, p))
    for b in sorted(bad):
        print(b)


def groups(dump):
    """{"@group": set of members (syscalls and "@nested" names)}"""
    g, cur = {}, None
    for line in open(dump):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if not line.startswith((" ", "\t")) and s.startswith("@"):
            cur = g.setdefault(s, set())
        elif cur is not None:
            cur.add(s)
    return g


def expand(g, name, seen=None):
    seen = seen or set()
    out = set()
    for m in g.get(name, ()):
        if m.startswith("@"):
            if m not in seen:
                seen.add(m)
                out |= expand(g, m, seen)
        else:
            out.add(m)
    return out


def cmd_syscalls(trace, dump, allow, deny):
    g = groups(dump)
    if allow not in g:
        sys.exit("sandbox_check.py: no group %s in %s" % (allow, dump))
    ok = expand(g, allow)
    for d in deny:
        ok -= expand(g, d)
    used = {name for name, start, _ in calls(trace) if start}
    for s in sorted(used - ok):
        print(s)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "writes":
        cmd_writes(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) >= 5 and sys.argv[1] == "syscalls":
        cmd_syscalls(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
