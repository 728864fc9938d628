#!/usr/bin/env python3
"""vm-tags.py [--fix] [BATS...] - every test that behaves differently where
casca owns a pure cgroup v2 hierarchy carries the bats tag the guest lanes
select on (tests/vm/check-vm.sh runs `bats --filter-tags vm`).

The host lane runs every test; the VM lane's guests run only the tests
tagged `vm`, and the vm-systemd lane the files tagged `systemd`.  A test
needs the tag when it (or a function it calls, in its file or in
tests/integration/helpers/, or the file's setup/setup_file) looks at the
cgroup file system type or at CASCA_VM, as need_cgroup2, on_hybrid_host,
need_engine and need_systemd do: such a test skips, or takes another
branch, on the hybrid host, so without the tag that branch would run in
no lane.  (run-checks.sh also checks afterwards that every test the host
lane skipped ran in a guest lane.)

Without --fix: prints each untagged test as FILE:LINE and exits 1.
--fix: adds `# bats test_tags=TAG` above each of them.
"""
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ITEST = os.path.join(HERE, "integration")

# what a test or function does that depends on the lane it runs in
BASE = re.compile(r'cgroup2fs|\$\{CASCA_VM:-\}" = 1|skip .*\bVM lane')
SYSTEMD = re.compile(r"(?<![\w-])need_systemd(?![\w-])")
# Functions that adapt every test's bundle to the lane rather than test
# anything of it: make_bundle drops the deny-all device rule where no cgroup
# v2 can enforce it (host_lane_devices).  The tests tagged vm run with it.
ADAPT = {"host_lane_devices"}
FUNC = re.compile(r"^([A-Za-z_][\w-]*)\s*\(\)\s*\{")
TEST = re.compile(r'^@test\s+"(.*)"\s*\{')
TAGS = re.compile(r"^#\s*bats\s+(test_tags|file_tags)=(.*)$")


def blocks(lines):
    """(kind, name, first line index, body text) for each function and test
    defined at column 0 and closed by a `}` at column 0."""
    out = []
    i = 0
    while i < len(lines):
        m = FUNC.match(lines[i]) or TEST.match(lines[i])
        if not m:
            i += 1
            continue
        kind = "test" if lines[i].startswith("@test") else "func"
        j = i
        if not lines[i].rstrip().endswith("}"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("}"):
                j += 1
        out.append((kind, m.group(1), i, "\n".join(lines[i : j + 1])))
        i = j + 1
    return out


def classify(funcs):
    """name -> 'systemd' | 'vm' for the functions that depend on the lane,
    following calls until nothing changes."""
    marked = {}
    for name, body in funcs.items():
        if name in ADAPT:
            continue
        if name == "need_systemd" or SYSTEMD.search(body):
            marked[name] = "systemd"
        elif BASE.search(body):
            marked[name] = "vm"
    changed = True
    while changed:
        changed = False
        for name, body in funcs.items():
            if name in marked or name in ADAPT:
                continue
            for callee, tag in list(marked.items()):
                if callee != name and re.search(r"(?<![\w-])" + re.escape(callee) + r"(?![\w-])", body):
                    marked[name] = tag
                    changed = True
                    break
    return marked


def need(body, marked):
    tag = None
    if BASE.search(body):
        tag = "vm"
    for callee, t in marked.items():
        if re.search(r"(?<![\w-])" + re.escape(callee) + r"(?![\w-])", body):
            if t == "systemd":
                return "systemd"
            tag = "vm"
    if SYSTEMD.search(body):
        return "systemd"
    return tag


def helper_funcs():
    funcs = {}
    for path in sorted(glob.glob(os.path.join(ITEST, "helpers", "*.bash"))):
        with open(path) as f:
            for kind, name, _, body in blocks(f.read().split("\n")):
                if kind == "func":
                    funcs[name] = body
    return funcs


def check(path, helpers, fix):
    with open(path) as f:
        lines = f.read().split("\n")
    file_tags = set()
    for line in lines:
        m = TAGS.match(line)
        if m and m.group(1) == "file_tags":
            file_tags |= {t.strip() for t in m.group(2).split(",")}
    bl = blocks(lines)
    own = {name: body for kind, name, _, body in bl if kind == "func"}
    funcs = dict(helpers)
    funcs.update(own)
    marked = classify(funcs)
    file_need = None
    for name in ("setup_file", "setup"):
        if name in own:
            file_need = need(own[name], {k: v for k, v in marked.items() if k != name}) or file_need
    bad = []
    for kind, name, i, body in bl:
        if kind != "test":
            continue
        tags = set(file_tags)
        k = i - 1
        while k >= 0 and lines[k].startswith("#"):
            m = TAGS.match(lines[k])
            if m and m.group(1) == "test_tags":
                tags |= {t.strip() for t in m.group(2).split(",")}
            k -= 1
        want = need(body, marked) or file_need
        # `host`: the test runs for real on the hybrid host only and skips
        # where there is cgroup v2 (on_hybrid_host || skip ...)
        if want and want not in tags and "host" not in tags:
            bad.append((i, name, want))
    rel = os.path.relpath(path)
    for i, name, want in bad:
        print(f"{rel}:{i + 1}: '{name}' depends on the cgroup hierarchy or the lane but is not tagged"
              f" {want}: add `# bats test_tags={want}` above it")
    if fix and bad:
        for i, _, want in sorted(bad, reverse=True):
            lines.insert(i, f"# bats test_tags={want}")
        with open(path, "w") as f:
            f.write("\n".join(lines))
    return not bad


def main(argv):
    fix = "--fix" in argv
    files = [a for a in argv if a != "--fix"] or sorted(glob.glob(os.path.join(ITEST, "*.bats")))
    helpers = helper_funcs()
    ok = True
    for path in files:
        ok = check(path, helpers, fix) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
