#!/usr/bin/env bats
# The compiled seccomp filter cache (<root>/@cache/seccomp): a second run of
# the same profile loads the cached program, which filters like a fresh one;
# a changed profile is compiled anew.

load helpers/casca

@test "seccomp: the cached filter is used for the same profile and filters alike" {
  make_bundle
  args sh -c 'grep Seccomp: /proc/self/status; mkdir /dev/shm/d && echo mkdir-ok || echo mkdir-failed'
  run casca --debug run --bundle "$BUNDLE" "$(cid 1)"
  assert_success
  assert_line --regexp '^Seccomp:[[:space:]]+2$'
  assert_line mkdir-ok
  refute_line --partial 'seccomp filter from cache'
  assert_equal "$(find "$STATE_ROOT/@cache/seccomp" -mindepth 1 -maxdepth 1 | wc -l)" 1

  run casca --debug run --bundle "$BUNDLE" "$(cid 2)"
  assert_success
  assert_line --partial 'seccomp filter from cache'
  assert_line --regexp '^Seccomp:[[:space:]]+2$'
  assert_line mkdir-ok

  # mkdir -> ENOSYS: a new program, then that one from the cache
  cfg 'c["linux"]["seccomp"]["syscalls"].insert(0, {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38})'
  run casca --debug run --bundle "$BUNDLE" "$(cid 3)"
  assert_success
  refute_line --partial 'seccomp filter from cache'
  assert_line mkdir-failed
  run casca --debug run --bundle "$BUNDLE" "$(cid 4)"
  assert_success
  assert_line --partial 'seccomp filter from cache'
  assert_line mkdir-failed
  refute_line mkdir-ok
  assert_equal "$(find "$STATE_ROOT/@cache/seccomp" -mindepth 1 -maxdepth 1 | wc -l)" 2
}

@test "seccomp: a damaged cache file is ignored and rewritten" {
  make_bundle
  args true
  run casca run --bundle "$BUNDLE" "$(cid 1)"
  assert_success
  f=$(ls "$STATE_ROOT"/@cache/seccomp/*.bpf)
  truncate -s 100 "$f"
  run casca --debug run --bundle "$BUNDLE" "$(cid 2)"
  assert_success
  refute_line --partial 'seccomp filter from cache'
  assert [ "$(stat -c %s "$f")" -gt 100 ]
  run casca --debug run --bundle "$BUNDLE" "$(cid 3)"
  assert_success
  assert_line --partial 'seccomp filter from cache'
}

@test "seccomp: exec loads the filter from the cache create filled, and fills it too" {
  make_bundle
  cfg 'c["linux"]["seccomp"]["syscalls"].insert(0, {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38})'
  args sleep 1000
  id=$(cid)
  run_bg run -d --bundle "$BUNDLE" "$id"
  assert_success
  f=$(ls "$STATE_ROOT"/@cache/seccomp/*.bpf)
  run casca --debug exec "$id" sh -c 'grep Seccomp: /proc/self/status; mkdir /tmp/d || echo mkdir-failed'
  assert_success
  assert_line --partial 'seccomp filter from cache'
  assert_line --regexp '^Seccomp:[[:space:]]+2$'
  assert_line mkdir-failed
  # damaged: exec compiles the profile and writes the entry anew
  truncate -s 100 "$f"
  run casca --debug exec "$id" sh -c 'mkdir /tmp/d || echo mkdir-failed'
  assert_success
  refute_line --partial 'seccomp filter from cache'
  assert_line mkdir-failed
  assert [ "$(stat -c %s "$f")" -gt 100 ]
  run casca --debug exec "$id" true
  assert_line --partial 'seccomp filter from cache'
  casca delete --force "$id"
}

@test "casca list does not show the cache" {
  make_bundle
  args true
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert [ -d "$STATE_ROOT/@cache" ]
  run casca list --quiet
  assert_success
  assert_output ''
}
