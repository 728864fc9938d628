#!/bin/bash
# test-install.sh BUILD - `make install` into a prefix under a temporary
# directory, then: the installed files are there, libcasca.so has its soname
# and exports exactly what include/casca.h marks CASCA_EXPORT (as
# include/libcasca.sym lists), a program that includes <casca.h> only builds
# through pkg-config against the installed library and runs
# (tests/install/lifecycle.c), the man page renders, the completion loads;
# `make uninstall` removes everything it installed.  The unit lane runs it as
# BUILD/tests/test-install.  Prints TAP.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: test-install.sh BUILD}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
n=0 failed=0

ok() { # ok DESCRIPTION COMMAND...: a TAP line; the command's output on failure
  local what=$1 out
  shift
  n=$((n + 1))
  if out=$("$@" 2>&1); then
    echo "ok $n - $what"
  else
    echo "not ok $n - $what"
    printf '%s\n' "$out" | sed 's/^/# /' | head -n 40
    failed=$((failed + 1))
  fi
}

make_() { make --no-print-directory -s -C "$src" BUILD="$build" PREFIX="$prefix" "$@"; }

ok "make install PREFIX=<tmp>" make_ install
version=$(sed -n 's/^#define CASCA_VERSION "\(.*\)"/\1/p' "$src/include/casca.h")
files=(bin/casca "lib/libcasca.so.$version" lib/libcasca.so.0 lib/libcasca.so lib/libcasca.a
  include/casca.h lib/pkgconfig/casca.pc share/man/man8/casca.8
  share/bash-completion/completions/casca)
check_files() {
  local f
  for f in "${files[@]}"; do [ -e "$prefix/$f" ] || { echo "missing: $f"; return 1; }; done
  [ "$(readlink "$prefix/lib/libcasca.so")" = libcasca.so.0 ] || return 1
  [ "$(readlink "$prefix/lib/libcasca.so.0")" = "libcasca.so.$version" ]
}
ok "binary, library (soname links, archive), header, casca.pc, man page, completion" check_files

check_soname() {
  objdump -p "$prefix/lib/libcasca.so.$version" | grep -E '^\s+SONAME\s+libcasca\.so\.0$'
}
ok "libcasca.so.$version has the soname libcasca.so.0" check_soname

no_libsystemd() {
  # cgroup/sdbus.c loads it when the systemd cgroup manager needs the bus
  ! readelf -d "$prefix/bin/casca" "$prefix/lib/libcasca.so.$version" | grep -F libsystemd
}
ok "neither casca nor libcasca.so links libsystemd (dlopen'd by the systemd manager)" no_libsystemd

exports() {
  local want got
  want=$(sed -n 's/^CASCA_EXPORT [^(]*[ *]\(casca_[a-z0-9_]*\)(.*/\1/p' "$src/include/casca.h" | sort)
  got=$(nm -D --defined-only "$prefix/lib/libcasca.so.$version" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort)
  [ -n "$want" ] && diff <(echo "$want") <(echo "$got") || return 1
  # and the version script names the same
  diff <(echo "$want") <(sed -n 's/^ *\(casca_[a-z0-9_]*\);$/\1/p' "$src/include/libcasca.sym" | sort)
}
ok "the library exports exactly casca.h's CASCA_EXPORT functions (and libcasca.sym's)" exports

no_internal() {
  # an internal function (the cgroup manager's) is not reachable
  ! nm -D --defined-only "$prefix/lib/libcasca.so.$version" | grep -w casca_cgroup_open
}
ok "internal functions are hidden" no_internal

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
ok "pkg-config knows casca $version" test "$(pkg-config --modversion casca)" = "$version"
build_demo() {
  # shellcheck disable=SC2046 # pkg-config's flags are words
  # DEMO_CFLAGS: a sanitizer build's -fsanitize flags, whose runtime the
  # program brings for the library
  # shellcheck disable=SC2086 # DEMO_CFLAGS is words too
  "${CC:-cc}" -std=c99 -Wall -Wextra -Werror ${DEMO_CFLAGS:-} -o "$tmp/lifecycle" \
    "$src/tests/install/lifecycle.c" $(pkg-config --cflags --libs casca) &&
    readelf -d "$tmp/lifecycle" | grep -F '[libcasca.so.0]'
}
ok "a program including <casca.h> only builds against the installed library through pkg-config" build_demo
run_demo() {
  mkdir -p "$tmp/state" "$tmp/bundle"
  LD_LIBRARY_PATH=$prefix/lib "$tmp/lifecycle" "$tmp/state" "$tmp/bundle" "$version" &&
    LD_LIBRARY_PATH=$prefix/lib ldd "$tmp/lifecycle" | grep -F "$prefix/lib/libcasca.so.0"
}
ok "it runs against the installed libcasca.so.0 (list, create, state, delete, resources)" run_demo

ok "man casca renders the installed page" sh -c "MANWIDTH=80 man -l '$prefix/share/man/man8/casca.8' | grep -q 'casca — a lightweight OCI container runtime'"
completion() {
  # shellcheck disable=SC1091 # the installed file
  source "$prefix/share/bash-completion/completions/casca" &&
    COMP_WORDS=(casca st) COMP_CWORD=1 && _casca && [ "${COMPREPLY[*]}" = "start state stop" ]
}
ok "the bash completion completes commands" completion

uninstalled() {
  make_ uninstall || return 1
  local left
  left=$(find "$prefix" -type f -o -type l)
  [ -z "$left" ] || { echo "left behind: $left"; return 1; }
}
ok "make uninstall removes every file it installed" uninstalled

echo "1..$n"
[ "$failed" -eq 0 ]
