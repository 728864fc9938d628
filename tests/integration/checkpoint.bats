#!/usr/bin/env bats
# checkpoint.bats - `casca checkpoint` and `casca restore` through CRIU.
# What runs criu needs a pure cgroup v2 hierarchy (need_cgroup2: the VM
# lane): criu makes and fills cgroups, which the host's hybrid hierarchy must
# never see.  The refusals and errors run everywhere (no criu runs).

load helpers/casca
load helpers/criu

setup() {
  common_setup
  IMG=$BATS_TEST_TMPDIR/img
  WORK=$BATS_TEST_TMPDIR/work
  DATA=$BATS_TEST_TMPDIR/data
  mkdir -p "$DATA"
}

teardown() {
  criu_log_errors "$WORK" "$IMG"
  common_teardown
}

# The counter (counter_bundle) run detached.  Sets ID.
run_counter() {
  counter_bundle
  ID=$(cid "${1:-}")
  run_bg run -d --bundle "$BUNDLE" "$ID"
  assert_success
  wait_until has_lines 3
}

# bats test_tags=vm
@test "checkpoint and restore: the counter goes on from where it was" {
  need_criu
  run_counter
  run casca checkpoint --image-path "$IMG" --work-path "$WORK" "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" stopped
  at=$(wc -l < "$DATA/log")
  sleep 0.5
  # stopped for real: nothing more was written
  assert_equal "$(wc -l < "$DATA/log")" "$at"
  [ -s "$IMG/inventory.img" ]
  run casca delete "$ID"
  assert_success
  run_bg restore -d --image-path "$IMG" --work-path "$WORK" --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" running
  pid=$(state_field "$ID" pid)
  assert_equal "$(cat "$BATS_TEST_TMPDIR/pid")" "$pid"
  assert_equal "$(tr '\0' ' ' < "/proc/$pid/cmdline" | cut -d' ' -f1)" sh
  wait_until has_lines $((at + 3))
  run log_is_one_count
  assert_success
  # the restored init is the container's: it is in the container's cgroup
  assert_equal "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" "/casca/$ID"
  run casca delete --force "$ID"
  assert_success
  [ ! -e "/proc/$pid" ] || wait_until dead "$pid"
  [ ! -d "/sys/fs/cgroup/casca/$ID" ]
}

# bats test_tags=vm
@test "restore under a new id" {
  need_criu
  run_counter old
  run casca checkpoint --image-path "$IMG" "$ID"
  assert_success
  old=$ID
  at=$(wc -l < "$DATA/log")
  new=$(cid new)
  run_bg restore --detach --image-path "$IMG" --bundle "$BUNDLE" "$new"
  assert_success
  assert_equal "$(state_field "$new" status)" running
  assert_equal "$(state_field "$old" status)" stopped
  pid=$(state_field "$new" pid)
  assert_equal "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" "/casca/$new"
  wait_until has_lines $((at + 3))
  run log_is_one_count
  assert_success
  run casca delete --force "$new"
  assert_success
  run casca delete "$old"
  assert_success
}

# bats test_tags=vm
@test "checkpoint --leave-running: the container goes on, the images are written" {
  need_criu
  run_counter
  pid=$(state_field "$ID" pid)
  run casca checkpoint --leave-running --image-path "$IMG" "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" running
  assert_equal "$(state_field "$ID" pid)" "$pid"
  at=$(wc -l < "$DATA/log")
  wait_until has_lines $((at + 3))
  run log_is_one_count
  assert_success
  for f in inventory.img pstree.img descriptors.json; do
    [ -s "$IMG/$f" ] || fail "no $f in the image dir: $(ls "$IMG")"
  done
  # the dump log is in the image dir (no --work-path)
  grep -q "Dumping finished successfully" "$IMG/dump.log"
  run casca delete --force "$ID"
  assert_success
}

@test "checkpoint of a container that does not exist or does not run: an error naming it" {
  run casca checkpoint --image-path "$IMG" nosuch
  assert_failure
  assert_output "casca: container \`nosuch\` does not exist"
  [ ! -e "$IMG" ]
  make_bundle
  args true
  ID=$(cid)
  run_bg create --bundle "$BUNDLE" "$ID"
  assert_success
  run casca checkpoint --image-path "$IMG" "$ID"
  assert_failure
  assert_output "casca: container \`$ID\` is created: checkpoint needs a running container"
  [ ! -e "$IMG" ]
  run casca delete --force "$ID"
  assert_success
}

@test "restore: a missing image dir or a refused config leave nothing behind" {
  make_bundle
  run casca restore -d --image-path "$BATS_TEST_TMPDIR/none" --bundle "$BUNDLE" x1
  assert_failure
  assert_output --partial "--image-path \`$BATS_TEST_TMPDIR/none\`: No such file or directory"
  assert_equal "$(state_ids)" ""
  mkdir -p "$IMG"
  cfg 'c["process"]["terminal"] = True'
  run casca restore -d --image-path "$IMG" --bundle "$BUNDLE" x2
  assert_failure
  assert_output "casca: process.terminal: checkpoint/restore of a container with a terminal is not supported yet"
  assert_equal "$(state_ids)" ""
}

@test "restore: org.systemd.property.* annotations are checked as create checks them" {
  make_bundle
  mkdir -p "$IMG"
  # a unit property needs the systemd manager: refused with cgroupfs, as at create
  cfg 'c["annotations"] = {"org.systemd.property.CPUWeight": "42"}'
  run casca restore -d --image-path "$IMG" --bundle "$BUNDLE" x1
  assert_failure
  assert_output "casca: annotations[\"org.systemd.property.CPUWeight\"]: a systemd unit property needs the systemd cgroup manager (--systemd-cgroup); this container's is cgroupfs"
  assert_equal "$(state_ids)" ""
  # a bad value is named
  cfg 'c["annotations"] = {"org.systemd.property.TimeoutStopUSec": "x"}'
  run casca --systemd-cgroup restore -d --image-path "$IMG" --bundle "$BUNDLE" x2
  assert_failure
  assert_output --partial 'annotations["org.systemd.property.TimeoutStopUSec"]'
  assert_equal "$(state_ids)" ""
}

@test "refused options are named" {
  for opt in --pre-dump --lazy-pages --auto-dedup "--parent-path=x" "--page-server=x:1" "--empty-ns=network"; do
    run casca checkpoint "$opt" x
    assert_failure
    assert_output "casca: checkpoint: ${opt%%=*} is not supported"
  done
  run casca restore --lazy-pages -d x
  assert_failure
  assert_output "casca: restore: --lazy-pages is not supported"
  run casca restore --image-path "$IMG" x
  assert_failure
  assert_output "casca: restore: in the foreground (without --detach) is not supported yet: pass --detach"
  run casca restore -d --console-socket /nonexistent x
  assert_failure
  assert_output "casca: --console-socket: restore of a container with a terminal is not supported yet"
  run casca checkpoint --manage-cgroups-mode bogus x
  assert_failure
  assert_output --partial "--manage-cgroups-mode: expected soft, full, strict or ignore, got \`bogus\`"
  run casca checkpoint --help
  assert_success
  assert_output --partial "--leave-running"
  run casca restore --help
  assert_success
  assert_output --partial "--bundle DIR"
}

@test "features: checkpoint support is reported as criu's presence" {
  run casca features
  assert_success
  if [ -x /usr/sbin/criu ]; then
    assert_output --partial '"io.github.casca.checkpoint.enabled": "true"'
  else
    assert_output --partial '"io.github.casca.checkpoint.enabled": "false"'
  fi
}

@test "the container's init leads its own session (runc's; criu dumps no session led from outside)" {
  make_bundle
  args cat /proc/self/stat
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  # pid, comm, state, ppid, pgrp, session: pid 1 of its namespace, and its session
  assert_equal "$(echo "$output" | cut -d' ' -f1,5,6)" "1 1 1"
}

@test "stdio that is the caller's /dev/null becomes the container's own (runc's; criu cannot dump the caller's)" {
  make_bundle
  # fd 0's mount is one of the container's mounts (mountinfo's first field)
  args sh -c 'm=$(sed -n "s/^mnt_id:[[:space:]]*//p" /proc/self/fdinfo/0); if grep -q "^$m " /proc/self/mountinfo; then echo "fd 0 on $m: inside"; else echo "fd 0 on $m: outside"; fi; readlink /proc/self/fd/0'
  run_bg run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert_output --regexp '^fd 0 on [0-9]+: inside'$'\n''/dev/null$'
}
