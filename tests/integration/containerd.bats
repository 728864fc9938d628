#!/usr/bin/env bats
# containerd.bats - containerd (Debian's package) runs containers with casca
# through its runc shim (containerd-shim-runc-v2), the way a Kubernetes node
# would: `ctr run --runc-binary casca`.  A private containerd instance with
# its own root, state and sockets under this file's temporary directory is
# started in setup_file and stopped by pid in teardown_file; the shim keeps
# casca's state under --runc-root.  VM lane only (the shim creates cgroups;
# see helpers/engines.bash).
# bats file_tags=vm

load helpers/casca
load helpers/engines

CG=/sys/fs/cgroup

setup_file() {
  engine_unusable containerd ctr containerd-shim-runc-v2 > /dev/null && return 0
  D=$BATS_FILE_TMPDIR/ctd
  export D
  containerd_start "$D"
}

teardown_file() {
  if [ -z "${D:-}" ] || [ ! -s "$D/pid" ]; then return 0; fi
  containerd_stop "$D"
  rmdir_cgroups "$CG/default"
}

setup() {
  need_engine containerd ctr containerd-shim-runc-v2
  cd "$BATS_TEST_TMPDIR" || return
  R=$D/casca # casca's state root, as the shim passes it (--runc-root)
  ROOTFS=$BATS_TEST_TMPDIR/rootfs
  make_busybox_rootfs "$ROOTFS"
}

# Nothing of a test survives it: no containerd task or container, no casca
# state, no container cgroup, no mount of the test's rootfs.
teardown() {
  local left rc=0
  # where setup_file started no containerd (the test skipped), nothing ran;
  # ctr would wait 10 s for its socket twice
  [ -s "${D:-}/pid" ] || return 0
  ctr_left_behind || rc=1
  left=$(state_ids "$R/default")
  [ -z "$left" ] || { echo "left behind: casca state for $left" >&2; rc=1; }
  left=$(find "$CG/default" -mindepth 1 -maxdepth 1 -type d 2> /dev/null)
  [ -z "$left" ] || { echo "left behind: cgroups $left" >&2; rc=1; }
  left=$(mounts_under "$BATS_TEST_TMPDIR")
  [ -z "$left" ] || { echo "left behind: mounts $left" >&2; rc=1; }
  return $rc
}

@test "ctr run --runc-binary casca: the container runs in its own namespaces, output and exit code reach ctr" {
  run ctr_run --rm c1 sh -c \
    'echo hi; for n in pid mnt; do readlink /proc/self/ns/$n; done; tr "\0" " " < /proc/1/cmdline; echo'
  assert_success
  assert_line -n 0 hi
  assert_not_equal "${lines[1]}" "$(readlink /proc/self/ns/pid)"
  assert_not_equal "${lines[2]}" "$(readlink /proc/self/ns/mnt)"
  assert_line -n 3 --partial 'sh -c echo hi'
  run ctr_run --rm c1b sh -c 'exit 5'
  assert_equal "$status" 5
}

@test "ctr: run -d, task exec, task ps, pause, resume, kill and rm, each seen by casca" {
  ctr_run -d c2 sleep 1000
  pid=$(ctr task ls | awk '$1 == "c2" { print $2 }')
  assert [ -n "$pid" ]
  run "$CASCA" --root "$R/default" state c2
  assert_success
  assert_output --partial '"status": "running"'
  assert_output --partial "\"pid\": $pid"
  cg=$CG$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
  assert_equal "$cg" "$CG/default/c2"

  run ctr task exec --exec-id e1 c2 sh -c 'tr "\0" " " < /proc/1/cmdline; echo; readlink /proc/self/ns/pid'
  assert_success
  assert_line -n 0 'sleep 1000 '
  assert_line -n 1 "$(readlink "/proc/$pid/ns/pid")"
  run ctr task exec --exec-id e2 c2 sh -c 'exit 6'
  assert_equal "$status" 6

  ( ctr task exec --exec-id e3 c2 sleep 1000 > /dev/null 2>&1 3>&- & )
  wait_until task_has_pids c2 2
  run ctr task ps c2
  assert_line --regexp "^$pid +"

  ctr task pause c2
  assert_equal "$(cat "$cg/cgroup.freeze")" 1
  run "$CASCA" --root "$R/default" state c2
  assert_output --partial '"status": "paused"'
  task_is c2 PAUSED
  ctr task resume c2
  assert_equal "$(cat "$cg/cgroup.freeze")" 0
  task_is c2 RUNNING

  ctr task kill -s SIGKILL c2
  wait_until task_is c2 STOPPED
  dead "$pid"
  run "$CASCA" --root "$R/default" state c2
  assert_output --partial '"status": "stopped"'
  ctr task rm c2 > /dev/null 2>&1
  ctr containers rm c2
  run "$CASCA" --root "$R/default" state c2
  assert_failure
  assert [ ! -e "$cg" ]
}

@test "ctr --memory-limit: memory.max of the container's cgroup, and an allocation over it is OOM-killed" {
  # ctr's spec mounts no cgroupfs in the container: look from outside
  ctr_run -d --memory-limit=67108864 c3 sleep 1000
  pid=$(ctr task ls | awk '$1 == "c3" { print $2 }')
  assert_equal "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" /default/c3
  assert_equal "$(cat "$CG/default/c3/memory.max")" 67108864
  ctr task kill -s SIGKILL c3
  wait_until task_is c3 STOPPED
  ctr task rm c3 > /dev/null 2>&1
  ctr containers rm c3
  run ctr_run --rm --memory-limit=67108864 c3b dd if=/dev/zero of=/dev/null bs=16M count=1
  assert_success
  run ctr_run --rm --memory-limit=67108864 c3c dd if=/dev/zero of=/dev/null bs=128M count=1
  assert_equal "$status" 137
}

@test "ctr run --config: casca runs the OCI spec file it is given" {
  "$CASCA" spec --hardened --bundle "$BATS_TEST_TMPDIR"
  python3 - "$BATS_TEST_TMPDIR/config.json" "$ROOTFS" << 'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["root"]["path"] = sys.argv[2]
c["process"]["args"] = ["sh", "-c", "hostname; echo $FROM_SPEC"]
c["process"]["env"].append("FROM_SPEC=spec-env")
c["hostname"] = "from-spec"
json.dump(c, open(p, "w"))
EOF
  run ctr run --runc-binary "$CASCA" --runc-root "$R" --rm --config "$BATS_TEST_TMPDIR/config.json" c4
  assert_success
  assert_output $'from-spec\nspec-env'
}

@test "ctr run -t: the container's stdio is a pty from casca's console socket" {
  run script -qec "ctr --address $D/containerd.sock run --runc-binary $CASCA --runc-root $R -t --rm --rootfs $ROOTFS c5 sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty'" /dev/null
  assert_success
  assert_output --partial /dev/pts/0
  assert_output --partial both-tty
}

@test "ctr: a container casca cannot start fails with casca's own error text" {
  run ctr_run --rm c6 /no/such/binary
  assert_failure
  # the shim reads it from casca's --log (JSON lines)
  assert_output --partial 'OCI runtime create failed: exec "/no/such/binary": No such file or directory'
}
