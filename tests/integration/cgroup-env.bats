#!/usr/bin/env bats
# cgroup-env.bats - the environment the cgroup tests rely on.  These run for
# real in the VM lane (tests/vm/check-vm.sh) and skip on hybrid/v1 hosts.
# bats file_tags=vm

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

needs_cgroup2() {
  [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] ||
    skip "needs a pure cgroup v2 hierarchy (VM lane)"
}

needs_vm() {
  [ "${CASCA_VM:-}" = 1 ] || skip "$1 (VM lane only)"
}

@test "guest has pure cgroup v2 with controllers" {
  needs_cgroup2
  run cat /sys/fs/cgroup/cgroup.controllers
  assert_success
  for c in cpu cpuset io memory pids; do
    [[ " $output " == *" $c "* ]] || { echo "controller $c not available: $output"; false; }
  done
  run cat /sys/fs/cgroup/cgroup.subtree_control
  for c in cpu cpuset io memory pids; do
    [[ " $output " == *" $c "* ]] || { echo "controller $c not enabled: $output"; false; }
  done
  # no v1 hierarchy anywhere
  run grep -c ' cgroup ' /proc/self/mounts
  assert_output 0
  assert_equal "$(cat /proc/self/cgroup)" "0::/"
}

@test "modprobe null_blk gives a block device for io limits" {
  needs_vm "loads a kernel module"
  run modprobe null_blk nr_devices=1
  assert_success
  assert [ -b /dev/nullb0 ]
  run cat /sys/block/nullb0/dev
  assert_output --regexp '^[0-9]+:0$'
}

@test "state and temporary directories are on tmpfs" {
  needs_vm "checks the guest's tmpfs layout"
  assert_equal "$(stat -f -c %T /run)" tmpfs
  assert_equal "$(stat -f -c %T "$BATS_TEST_TMPDIR")" tmpfs
  assert_equal "$(stat -f -c %T "${CASCA_ROOT:-/run}")" tmpfs
  mkfifo "$BATS_TEST_TMPDIR/fifo"
  assert [ -p "$BATS_TEST_TMPDIR/fifo" ]
}
