#!/usr/bin/env bats
# cgroup-manager.bats - the cgroup manager (cgroup/) on a real cgroup v2
# hierarchy, driven by build/tests/cgroup-tool.  These run in the VM lane
# (tests/vm/check-vm.sh) and skip elsewhere.  Only what the CLI cannot reach
# is left here (the pre-5.14 kill fallback, sub-cgroups made by the
# container, the clone3 fallback, replacing a device program, rootless
# delegation); everything else is tested through `casca` in cgroup-cli.bats.

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
    for _ in $(seq 50); do [ "$("$TOOL" pids "/$T/k" | wc -l)" -ge 3 ] && break; sleep 0.1; done
    [ "$("$TOOL" pids "/$T/k" | wc -l)" -ge 3 ]
    run "$TOOL" "$how" "/$T/k"
    [ "$status" -eq 0 ]
    for _ in $(seq 50); do grep -qx 'populated 0' "$CG/$T/k/cgroup.events" && break; sleep 0.1; done
    grep -qx 'populated 0' "$CG/$T/k/cgroup.events"
    [ -z "$("$TOOL" pids "/$T/k")" ]
    wait || true
    "$TOOL" destroy "/$T/k"
  done
  assert_gone "/$T"
}

@test "destroy kills what is left, including sub-cgroups the container made" {
  "$TOOL" create "/$T/d" d > /dev/null
  mkdir "$CG/$T/d/inner"
  "$TOOL" exec "/$T/d/inner" -- sleep 100 > /dev/null 2>&1 3>&- &
  for _ in $(seq 50); do [ -n "$("$TOOL" pids "/$T/d")" ] && break; sleep 0.1; done
  [ -n "$("$TOOL" pids "/$T/d")" ]
  run "$TOOL" destroy "/$T/d"
  [ "$status" -eq 0 ]
  wait || true
  assert_gone "/$T"
}

@test "clone3 CLONE_INTO_CGROUP and the fork+join fallback place the process" {
  run "$TOOL" run --path "/$T/c3" -- cat /proc/self/cgroup
  [ "$status" -eq 0 ]
  [ "$output" = "0::/$T/c3" ]
  run "$TOOL" run --no-clone3 --path "/$T/c3" -- cat /proc/self/cgroup
  [ "$status" -eq 0 ]
  [ "$output" = "0::/$T/c3" ]
  assert_gone "/$T"
}

@test "device filter: apply replaces the program (with both attached, the first would deny)" {
  # root may write /dev/kmsg (c 1:11) without a filter
  run "$TOOL" run --path "/$T/dev" -- sh -c 'echo casca-bats > /dev/kmsg'
  [ "$status" -eq 0 ]
  "$TOOL" create "/$T/dev2" dev2 --device 'deny a *:* rwm' --default-devices > /dev/null
  run "$TOOL" exec "/$T/dev2" -- sh -c 'echo x > /dev/kmsg'
  [ "$status" -ne 0 ]
  "$TOOL" apply "/$T/dev2" --device 'deny a *:* rwm' --device 'allow c 1:11 w' --default-devices
  run "$TOOL" exec "/$T/dev2" -- sh -c 'echo casca-bats > /dev/kmsg'
  [ "$status" -eq 0 ]
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
  [ "$status" -eq 0 ]
  [ "$(cat "$CG/$T-pre/deleg/c/pids.max")" = 5 ]
  [ "$(stat -c %u "$CG/$T-pre/deleg/c")" = 65534 ]
  run as_nobody "$TOOL" create "/$T-pre/other" other
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cgroup /$T-pre/other: /$T-pre is not delegated to uid 65534"* ]]
  run as_nobody "$TOOL" destroy "/$T-pre/deleg/c"
  [ "$status" -eq 0 ]
  assert_gone "/$T-pre/deleg/c"
  rmdir "$CG/$T-pre/deleg" "$CG/$T-pre"
}
