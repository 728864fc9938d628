#!/usr/bin/env bats
# cgroup-manager.bats - the cgroup manager (cgroup/) on a real cgroup v2
# hierarchy, driven by build/tests/cgroup-tool.  These run in the VM lane
# (tests/vm/check-vm.sh) and skip elsewhere.  Only what the CLI cannot reach
# is left here (the pre-5.14 kill fallback, sub-cgroups made by the
# container, the clone3 fallback, replacing a device program, rootless
# delegation); everything else is tested through `casca` in cgroup-cli.bats.
# bats file_tags=vm

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load helpers/wait

CG=/sys/fs/cgroup
T=casca-bats # every test works below /$T, /$T-pod or /$T-pre

setup() {
  [ "$(stat -f -c %T $CG)" = cgroup2fs ] || skip "needs a pure cgroup v2 hierarchy (VM lane)"
  [ "$(id -u)" = 0 ] || skip "needs root"
  TOOL=${CASCA_BUILD:-$BATS_TEST_DIRNAME/../../build}/tests/cgroup-tool
  [ -x "$TOOL" ] || skip "no $TOOL: run make tests"
}

teardown() {
  [ -n "${TOOL:-}" ] || return 0
  local d
  for d in "$T" "$T-pod" "$T-pre"; do
    [ -d "$CG/$d" ] || continue
    # remove leftovers of a failed test, leaves first
    find "$CG/$d" -depth -type d | while read -r sub; do
      "$TOOL" destroy "${sub#"$CG"}" > /dev/null 2>&1 || true
    done
    rmdir "$CG/$d" 2> /dev/null || true
  done
}

# pids_at_least N CGROUP: cgroup-tool lists N processes or more in CGROUP
# (for wait_until: else says which it lists).
pids_at_least() {
  local pids
  pids=$("$TOOL" pids "$2")
  [ "$(echo "$pids" | grep -c .)" -ge "$1" ] && return 0
  echo "cgroup $2 has pids: $(echo "$pids" | tr '\n' ' ')"
  return 1
}

# Nothing of a test may be left behind.
assert_gone() {
  local d
  for d in "$@"; do
    if [ -e "$CG$d" ]; then
      echo "left behind: $CG$d"
      return 1
    fi
  done
}

@test "kill empties the cgroup (cgroup.kill and the pre-5.14 fallback)" {
  for how in kill kill-by-pids; do
    "$TOOL" create "/$T/k" k > /dev/null
    "$TOOL" exec "/$T/k" -- sh -c 'sleep 100 & sleep 100 & sleep 100' > /dev/null 2>&1 3>&- &
    wait_until pids_at_least 3 "/$T/k"
    run "$TOOL" "$how" "/$T/k"
    assert_success
    wait_until file_has "$CG/$T/k/cgroup.events" '^populated 0$'
    assert_equal "$("$TOOL" pids "/$T/k")" ""
    wait || true
    "$TOOL" destroy "/$T/k"
  done
  assert_gone "/$T"
}

@test "destroy kills what is left, including sub-cgroups the container made" {
  "$TOOL" create "/$T/d" d > /dev/null
  mkdir "$CG/$T/d/inner"
  "$TOOL" exec "/$T/d/inner" -- sleep 100 > /dev/null 2>&1 3>&- &
  wait_until pids_at_least 1 "/$T/d"
  run "$TOOL" destroy "/$T/d"
  assert_success
  wait || true
  assert_gone "/$T"
}

@test "clone3 CLONE_INTO_CGROUP and the fork+join fallback place the process" {
  run "$TOOL" run --path "/$T/c3" -- cat /proc/self/cgroup
  assert_success
  assert_output "0::/$T/c3"
  run "$TOOL" run --no-clone3 --path "/$T/c3" -- cat /proc/self/cgroup
  assert_success
  assert_output "0::/$T/c3"
  assert_gone "/$T"
}

@test "device filter: apply replaces the program (with both attached, the first would deny)" {
  # root may write /dev/kmsg (c 1:11) without a filter
  run "$TOOL" run --path "/$T/dev" -- sh -c 'echo casca-bats > /dev/kmsg'
  assert_success
  "$TOOL" create "/$T/dev2" dev2 --device 'deny a *:* rwm' --default-devices > /dev/null
  run "$TOOL" exec "/$T/dev2" -- sh -c 'echo x > /dev/kmsg'
  assert_failure
  "$TOOL" apply "/$T/dev2" --device 'deny a *:* rwm' --device 'allow c 1:11 w' --default-devices
  run "$TOOL" exec "/$T/dev2" -- sh -c 'echo casca-bats > /dev/kmsg'
  assert_success
  "$TOOL" destroy "/$T/dev2"
  assert_gone "/$T"
}

@test "rootless: creation only below a subtree delegated to the user" {
  command -v setpriv > /dev/null || skip "no setpriv"
  mkdir "$CG/$T-pre"
  echo "+memory +pids" > "$CG/$T-pre/cgroup.subtree_control" 2> /dev/null || true
  mkdir "$CG/$T-pre/deleg"
  chown 65534:65534 "$CG/$T-pre/deleg" "$CG/$T-pre/deleg/cgroup.procs" \
    "$CG/$T-pre/deleg/cgroup.subtree_control"
  as_nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups -- "$@"; }
  run as_nobody "$TOOL" create "/$T-pre/deleg/c" c --pids 5
  echo "$output"
  assert_success
  assert_equal "$(cat "$CG/$T-pre/deleg/c/pids.max")" 5
  assert_equal "$(stat -c %u "$CG/$T-pre/deleg/c")" 65534
  run as_nobody "$TOOL" create "/$T-pre/other" other
  echo "$output"
  assert_failure 1
  assert_output --partial "cgroup /$T-pre/other: /$T-pre is not delegated to uid 65534"
  run as_nobody "$TOOL" destroy "/$T-pre/deleg/c"
  assert_success
  assert_gone "/$T-pre/deleg/c"
  rmdir "$CG/$T-pre/deleg" "$CG/$T-pre"
}
