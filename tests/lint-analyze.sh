#!/bin/bash
# lint-analyze.sh - clang's static analyzer over libcasca and the CLI
# (`make lint-analyze`, the analyze check of tests/lint.sh).
# Usage: ANALYZE_FLAGS="CPPFLAGS..." tests/lint-analyze.sh FILE.c...
# Env: CLANG (default clang), ANALYZE_JOBS (default: the number of CPUs).
#
# Every warning fails the check, with one exception: unix.Malloc's "Potential
# leak of memory pointed to by 'X'" where the memory is held by a variable
# declared with a _cleanup_ attribute: X itself, or the variable the memory
# went into where the analyzer says it was allocated (X is then an alias: a
# cursor over it, a const char * into it).  clang's analyzer does not model
# __attribute__((cleanup)) (Debian's clang 14; 19 still does not), so it
# reports each such variable as leaked where it is last read; the cleanup
# function frees it when it goes out of scope.  Other unix.Malloc warnings
# (double free, use after free, leaks of anything else) still count.  -v
# lists the exceptions.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
verbose=0
[ "${1:-}" = -v ] && { verbose=1; shift; }
[ $# -gt 0 ] || { echo "usage: $0 [-v] FILE.c..." >&2; exit 2; }
CLANG=${CLANG:-clang}
command -v "$CLANG" > /dev/null || { echo "$CLANG is not installed (make deps-lint)"; exit 1; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# One clang per file, ANALYZE_JOBS at a time; each file's report in $OUT,
# with a "FILE: clang failed" line when clang did not run through.
export CLANG OUT ANALYZE_FLAGS="${ANALYZE_FLAGS:-}"
# shellcheck disable=SC2016 # expanded by the inner bash
printf '%s\0' "$@" | xargs -0 -n 1 -P "${ANALYZE_JOBS:-$(nproc)}" bash -c '
  out=$OUT/$(echo "$1" | tr / _).txt
  # shellcheck disable=SC2086 # ANALYZE_FLAGS is a list of flags
  "$CLANG" --analyze -Xclang -analyzer-output=text $ANALYZE_FLAGS -o /dev/null "$1" > "$out" 2>&1 ||
    echo "$1: clang failed (exit $?)" >> "$out"' analyze
cat "$OUT"/*.txt > "$OUT/all"

VERBOSE=$verbose python3 - "$OUT/all" <<'EOF'
import os, re, sys

WARN = re.compile(r"^(\S+?):(\d+):\d+: warning: (.*) \[([\w.]+)\]$")
LEAK = re.compile(r"^Potential leak of memory pointed to by '([A-Za-z_]\w*)")
ALLOC = re.compile(r"^(\S+?):(\d+):\d+: note: (Memory is allocated|Returned allocated memory)")
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
sources = {}

def source(path):
    if path not in sources:
        sources[path] = open(path, encoding="utf-8", errors="replace").read().split("\n")
    return sources[path]

def cleanup_declared(path, line, name):
    """Is `name` declared with a _cleanup_ attribute in the function around
    path:line?  A function body opens with a `{` line of its own."""
    src = source(path)
    start = line - 1
    while start > 0 and src[start] != "{":
        start -= 1
    body = "\n".join(src[start:line])
    decl = re.compile(r"\b_cleanup_\w*(?:\([^)]*\))?\s[^;{}]*?[\s*,]" + re.escape(name) + r"\s*[=,;\[]")
    return decl.search(body) is not None

def held_by_cleanup(path, line, name, notes):
    """Is the leaked memory held by a _cleanup_ variable: `name`, or the one
    it went into at the last allocation note in path (`v = f(...)`, or
    `f(&v)` for memory returned through a parameter)?"""
    if cleanup_declared(path, line, name):
        return True
    allocs = [m for m in map(ALLOC.match, notes) if m and m.group(1) == path]
    if not allocs:
        return False
    at = int(allocs[-1].group(2))
    text = source(path)[at - 1]
    held = re.findall(r"(\w+)\s*=(?!=)", text) + re.findall(r"&(\w+)", text)
    return any(cleanup_declared(path, at, v) for v in held)

# A warning with the notes that follow it (up to the next warning).
blocks = []
for l in lines:
    m = WARN.match(l)
    if m:
        blocks.append([m, [l]])
    elif blocks and not re.match(r"^\d+ warnings? generated\.$", l):
        blocks[-1][1].append(l)

seen, report, allowed = set(), [], []
for m, text in blocks:
    path, line, msg, checker = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    key = (path, line, msg)
    if key in seen:
        continue
    seen.add(key)
    leak = LEAK.match(msg)
    if checker == "unix.Malloc" and leak and held_by_cleanup(path, line, leak.group(1), text[1:]):
        allowed.append(f"{path}:{line}: {msg} (a _cleanup_ variable)")
    else:
        report.append("\n".join(text))
for r in report:
    print(r)
if os.environ["VERBOSE"] == "1":
    for a in allowed:
        print("allowed:", a)
errs = [l for l in lines if re.match(r"^\S+: clang failed", l)]
if errs:
    print("\n".join(lines))  # the compiler's errors
print(f"{len(report)} warnings, {len(allowed)} leaks of _cleanup_ variables not counted")
sys.exit(1 if report or errs else 0)
EOF
