#!/usr/bin/env bats
# lint-analyze.bats - the analyzer check (tests/lint-analyze.sh, `make
# lint-analyze`) fails on a leak clang's analyzer finds and does not count
# the leak it reports for a _cleanup_ variable, which the cleanup frees.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

bats_require_minimum_version 1.5.0

SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup() {
  # a check of the source tree: the host lane runs it; the guest would only repeat it
  [ "${CASCA_VM:-}" != 1 ] || skip "a static check of the sources (host lane only)"
  command -v clang > /dev/null || skip "clang is not installed (make deps)"
  F=$BATS_TEST_TMPDIR/leak.c
  export ANALYZE_FLAGS="-D_GNU_SOURCE -Iinclude -I. -std=gnu11"
}

@test "lint-analyze: a leak fails the check, a _cleanup_ variable's does not count" {
  cat > "$F" <<'C'
#include <string.h>
#include "util/cleanup.h"

int kept(const char *s);
int kept(const char *s)
{
        _cleanup_free_ char *copy = strdup(s);

        return copy ? (int)strlen(copy) : -1;
}

int leaked(const char *s);
int leaked(const char *s)
{
        char *copy = strdup(s);

        return copy ? (int)strlen(copy) : -1;
}
C
  run "$SRC/tests/lint-analyze.sh" -v "$F"
  assert_failure 1
  assert_line --regexp "^$F:17:[0-9]+: warning: Potential leak of memory pointed to by 'copy' \[unix\.Malloc\]$"
  assert_line --regexp "^allowed: $F:9: Potential leak of memory pointed to by 'copy' "
  assert_line "1 warnings, 1 leaks of _cleanup_ variables not counted"
}

@test "lint-analyze: a file without warnings passes" {
  printf '%s\n' 'int one(void);' 'int one(void) { return 1; }' > "$F"
  run "$SRC/tests/lint-analyze.sh" "$F"
  assert_success
  assert_output "0 warnings, 0 leaks of _cleanup_ variables not counted"
}
