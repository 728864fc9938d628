#!/usr/bin/env bats
# lint-layers.bats - the include-direction check (tests/lint-layers.sh, `make
# lint-layers`) passes on the tree and fails, naming file, line and rule, when
# a wrong-direction include is added to a copy of it.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

bats_require_minimum_version 1.5.0

SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup() {
  # a check of the source tree: the host lane runs it; the guest would only repeat it
  [ "${CASCA_VM:-}" != 1 ] || skip "a static check of the sources (host lane only)"
  COPY=$BATS_TEST_TMPDIR/src
  mkdir -p "$COPY"
  cp -r "$SRC"/{util,cgroup,netns,seccomp,runtime,cli,include} "$COPY"/
}

# add FILE LINE: append an include line to FILE in the copy
add() {
  printf '%s\n' "$2" >> "$COPY/$1"
}

@test "the tree's includes point one way" {
  run "$SRC/tests/lint-layers.sh" "$COPY"
  assert_success
  assert_output ""
}

@test "a subsystem including runtime/ is refused" {
  add cgroup/cgroupfs.c '#include "runtime/config.h"'
  run "$SRC/tests/lint-layers.sh" "$COPY"
  assert_failure 1
  assert_output --regexp '^cgroup/cgroupfs\.c:[0-9]+: "runtime/config\.h": cgroup/ must not include runtime/ '
}

@test "subsystems do not include one another" {
  add netns/nat.c '#include "seccomp/seccomp.h"'
  run "$SRC/tests/lint-layers.sh" "$COPY"
  assert_failure 1
  assert_output --regexp '^netns/nat\.c:[0-9]+: "seccomp/seccomp\.h": netns/ must not include seccomp/ '
}

@test "the base includes no subsystem, runtime nor cli" {
  add util/fs.c '#include "cgroup/cgroup.h"'
  add util/json.h '#include "cli/cli.h"'
  run "$SRC/tests/lint-layers.sh" "$COPY"
  assert_failure 1
  assert_line --regexp '^util/fs\.c:[0-9]+: "cgroup/cgroup\.h": util/ must not include cgroup/ '
  assert_line --regexp '^util/json\.h:[0-9]+: "cli/cli\.h": util/ must not include cli/ '
}

@test "runtime does not include the cli" {
  add runtime/create.c '#include "cli/cli.h"'
  run "$SRC/tests/lint-layers.sh" "$COPY"
  assert_failure 1
  assert_output --regexp '^runtime/create\.c:[0-9]+: "cli/cli\.h": runtime/ must not include cli/ '
}

@test "an include names its folder; the public header includes no project header" {
  add seccomp/filter.c '#include "config.h"'
  add include/casca.h '#include "util/error.h"'
  run "$SRC/tests/lint-layers.sh" "$COPY"
  assert_failure 1
  assert_line --regexp '^seccomp/filter\.c:[0-9]+: "config\.h": an include names its folder'
  assert_line --regexp '^include/casca\.h:[0-9]+: "util/error\.h": the public header includes no project header$'
}

@test "yajl is included by the JSON layer only" {
  add runtime/state.c '#include <yajl/yajl_tree.h>'
  run "$SRC/tests/lint-layers.sh" "$COPY"
  assert_failure 1
  assert_output --regexp '^runtime/state\.c:[0-9]+: <yajl/yajl_tree\.h>: yajl is used by util/json\.c and util/json-gen\.c only'
}

@test "the cli may include every layer below it" {
  add cli/main.c '#include "cgroup/cgroup.h"'
  add runtime/create.c '#include "netns/netconf.h"'
  run "$SRC/tests/lint-layers.sh" "$COPY"
  assert_success
}
