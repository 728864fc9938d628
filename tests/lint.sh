#!/bin/bash
# lint.sh - casca's static checks (`make lint`; the `lint` lane of
# tests/run-checks.sh, the first lane of `make check`).  Prints TAP, one line
# per check, with what failed as `# ` lines under it:
#   - banned: STYLE.md's banned calls in the C sources (see below)
#   - shellcheck: every shell script, bash helper and bats file
#   - layers: `make lint-layers`, includes point one way (cli -> runtime ->
#     cgroup/netns/seccomp -> base)
#   - format: `make lint-format`, no clang-format drift
#   - analyze: `make lint-analyze`, clang's static analyzer
#     (tests/lint-analyze.sh)
#   - makefile: plain `make` builds (its default goal is `all`, not a rule
#     that happens to come first, as `soak` once did: an hour-long guest)
#   - vmtags: each bats test that depends on a pure cgroup v2 hierarchy is
#     tagged for the guest lanes, which run only the tagged tests
#     (tests/vm-tags.py)
# The last three are Makefile targets of their own; a check whose target is
# not in the Makefile is reported as skipped, saying so.
# Usage: tests/lint.sh [CHECK...]   (default: all).  Exit 1 when any failed.
# shellcheck disable=SC2317 # the check_* functions are called as "check_$c"
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(banned shellcheck layers format analyze makefile vmtags)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# ---- banned: STYLE.md's list, over every tracked C file ---------------------
# What counts (comments never do; a string literal only where said):
#   a call of sprintf, strcpy, strncpy, atoi, system or popen   everywhere
#   a call of snprintf or vsnprintf outside util/ and tests/: the checked
#                                   casca_snprintf (util/format.h) says
#                                   whether the text fit
#   a call of strtol, strtoul, strtoll, strtoull, strtoimax or strtoumax
#                                   outside util/ and tests/: the one checked
#                                   integer parser is util/parse.h
#   a call of exit                  outside cli/ (the CLI picks the exit status)
#                                   and tests/ (test programs have a main of
#                                   their own); the library and the container's
#                                   child processes use _exit or return
#   shelling out to ip, nft, mount or umount, outside tests/: an exec*() or
#   posix_spawn*() call naming one of them as a literal, a literal path of
#   one (/sbin/ip, /usr/bin/mount...), or an argv array that starts with one
# No other exception: a hit is fixed in the C code, not listed here.
check_banned() {
  git ls-files -z -- '*.c' '*.h' | python3 -c '
import re, sys

def views(text):
    """(code, code_with_strings): the text with comments blanked, and with
    comments and the insides of string and character literals blanked;
    newlines are kept, so line numbers stay."""
    code, strs = [], []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            code.append(" " * (j - i)); strs.append(" " * (j - i)); i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank = re.sub(r"[^\n]", " ", text[i:j])
            code.append(blank); strs.append(blank); i = j
        elif c in "\"\x27":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j += 1
            lit = text[i:j]
            code.append(c + re.sub(r"[^\n]", " ", lit[1:-1]) + c); strs.append(lit); i = j
        else:
            code.append(c); strs.append(c); i += 1
    return "".join(code), "".join(strs)

CALLS = re.compile(r"(?<![\w.>$])(sprintf|strcpy|strncpy|atoi|system|popen)\s*\(")
EXIT = re.compile(r"(?<![\w.>$])exit\s*\(")
SNPRINTF = re.compile(r"(?<![\w.>$])(v?snprintf|strtou?ll?|strto[iu]max)\s*\(")
TOOL = r"(?:ip|nft|mount|umount)"
EXEC = re.compile(r"(?<![\w.>$])(?:exec(?:l|lp|le|v|vp|ve|vpe)|posix_spawnp?)\s*\(([^;]*)")
EXEC_ARG = re.compile(r"\"(?:(?:/usr)?/s?bin/)?" + TOOL + r"\"")
PATH = re.compile(r"\"(?:/usr)?/s?bin/" + TOOL + r"\"")
ARGV = re.compile(r"\{\s*\"(?:(?:/usr)?/s?bin/)?" + TOOL + r"\"\s*,")

hits = {}
for path in sys.stdin.read().split("\0"):
    if not path:
        continue
    parts = path.split("/")
    in_tests, in_cli = parts[0] == "tests", "cli" in parts[:-1]
    code, strs = views(open(path, encoding="utf-8", errors="replace").read())
    def hit(pos, what):
        line = code.count("\n", 0, pos) + 1
        key = (path, line, what.split()[0])
        hits.setdefault(key, f"{path}:{line}: {what}: {strs.splitlines()[line - 1].strip()}")
    for m in CALLS.finditer(code):
        hit(m.start(1), f"{m.group(1)}() banned")
    if not in_tests and parts[0] != "util":
        for m in SNPRINTF.finditer(code):
            alt = "casca_snprintf, util/format.h" if "printf" in m.group(1) else "casca_parse_*, util/parse.h"
            hit(m.start(1), f"{m.group(1)}() outside util/ ({alt})")
    if not in_tests and not in_cli:
        for m in EXIT.finditer(code):
            hit(m.start(), "exit() outside cli/ (return an error, or _exit in a child)")
    if not in_tests:
        for m in EXEC.finditer(strs):
            if EXEC_ARG.search(m.group(1)):
                hit(m.start(), "shell-out to ip/nft/mount (casca speaks netlink and syscalls)")
        for rx in (PATH, ARGV):
            for m in rx.finditer(strs):
                hit(m.start(), "shell-out to ip/nft/mount: names one as a program to run")
for key in sorted(hits):
    print(hits[key])
sys.exit(1 if hits else 0)
'
}

# ---- shellcheck -------------------------------------------------------------
# Every tracked *.sh, *.bash and *.bats file, and every tracked file whose
# first line is a bash or sh shebang (.ci/run).  Directives in the files and
# tests/integration/.shellcheckrc say why a warning does not apply.
shell_files() {
  local f
  git ls-files -- '*.sh' '*.bash' '*.bats'
  git ls-files | while IFS= read -r f; do
    case $f in *.sh | *.bash | *.bats) continue ;; esac
    [ -f "$f" ] && head -n 1 "$f" | grep -qE '^#!(/usr)?/bin/(env )?(ba)?sh\b' && echo "$f"
  done
}

check_shellcheck() {
  command -v shellcheck > /dev/null || { echo "shellcheck is not installed (make deps-lint)"; return 1; }
  local files
  mapfile -t files < <(shell_files | sort -u)
  echo "${#files[@]} files"
  shellcheck -x -f gcc "${files[@]}"
}

# ---- the Makefile's own lint targets -----------------------------------------
# make_target NAME: run `make NAME`, or exit 3 (skipped) when there is none.
make_target() {
  if ! make -n --no-print-directory "$1" > /dev/null 2>&1; then
    echo "no \`$1\` target in the Makefile yet"
    return 3
  fi
  make --no-print-directory "$1"
}
check_layers() { make_target lint-layers; }
check_format() { make_target lint-format; }
check_analyze() { make_target lint-analyze; }

check_makefile() {
  local goal
  goal=$(make -pnq 2> /dev/null | sed -n 's/^\.DEFAULT_GOAL := //p')
  echo "default goal: ${goal:-none}"
  [ "$goal" = all ]
}

check_vmtags() {
  python3 tests/vm-tags.py
}

# ---- TAP ----------------------------------------------------------------------
describe() {
  case $1 in
    banned) echo "banned calls in the C sources (STYLE.md)" ;;
    shellcheck) echo "shellcheck on every script and bats file" ;;
    layers) echo "include directions (make lint-layers)" ;;
    format) echo "clang-format drift (make lint-format)" ;;
    analyze) echo "clang static analyzer (make lint-analyze)" ;;
    makefile) echo "plain make builds: the default goal is all" ;;
    vmtags) echo "the tests that need cgroup v2 are tagged for the guests (tests/vm-tags.py)" ;;
  esac
}

echo "1..${#checks[@]}"
n=0 status=0
for c in "${checks[@]}"; do
  n=$((n + 1))
  if ! declare -F "check_$c" > /dev/null; then
    echo "not ok $n - $c: no such check (banned shellcheck layers format analyze makefile vmtags)"
    status=1
    continue
  fi
  "check_$c" > "$OUT/$c" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "ok $n - $c: $(describe "$c")"
  elif [ "$rc" -eq 3 ]; then
    echo "ok $n - $c: $(describe "$c") # SKIP $(tail -n 1 "$OUT/$c")"
  else
    echo "not ok $n - $c: $(describe "$c") failed (exit $rc)"
    sed 's/^/# /' "$OUT/$c" | head -n 200
    status=1
  fi
done
exit $status
