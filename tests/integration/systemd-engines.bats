#!/usr/bin/env bats
# systemd-engines.bats - the engines' defaults on a systemd machine, with
# casca as their runtime: podman with cgroup_manager = "systemd" (podman
# passes --systemd-cgroup and cgroupsPath "machine.slice:libpod:ID"), and
# containerd's runc shim with SystemdCgroup = true (ctr run
# --runc-systemd-cgroup: the shim passes --systemd-cgroup; cgroupsPath is
# "slice:prefix:name", as the kubelet's "kubepods-...-podUID.slice:
# cri-containerd:ID").  Each test checks the container's cgroup is the scope
# systemd knows, its limits are in the scope, what the engine calls casca
# for on a running container works (checkpoint and restore included), and
# that nothing (unit, casca state) is left.  Needs systemd as pid 1: runs in the vm-systemd lane
# (tests/vm/systemd-lane.sh), skips elsewhere.  Engine setups as in
# podman.bats and containerd.bats (helpers/engines.bash).
# bats file_tags=systemd

load helpers/casca
load helpers/engines
load helpers/systemd
load helpers/criu

IMG=localhost/casca-busybox
CG=/sys/fs/cgroup
# containerd's slice, nested as the kubelet's: ctrtest.slice/ctrtest-pod1.slice
SLICE=ctrtest-pod1.slice

setup_file() {
  [ "$(cat /proc/1/comm 2> /dev/null)" = systemd ] || return 0
  engine_unusable podman conmon containerd ctr containerd-shim-runc-v2 > /dev/null && return 0
  P=$BATS_FILE_TMPDIR/podman
  D=$BATS_FILE_TMPDIR/ctd
  podman_config "$P" systemd
  export P D
  (cd "$P" && busybox_tar | podman import - "$IMG" > /dev/null)
  containerd_start "$D"
}

teardown_file() {
  if [ -n "${P:-}" ]; then
    podman rm -a -f -t 0 > /dev/null 2>&1 || true
    podman rmi -a -f > /dev/null 2>&1 || true
    umount_under "$P"
  fi
  if [ -n "${D:-}" ] && [ -s "$D/pid" ]; then containerd_stop "$D"; fi
  drop_units ctrtest.slice
}

setup() {
  need_systemd
  need_engine podman conmon containerd ctr containerd-shim-runc-v2
  cd "$BATS_TEST_TMPDIR" || return
}

# Nothing of a test survives it: no engine container, no casca state, no
# libpod-*/cri-containerd-* unit (active, failed or otherwise loaded).
teardown() {
  local left rc=0 c
  [ -n "${P:-}" ] || return 0
  podman_left_behind || rc=1
  ctr_left_behind || rc=1
  left="$(state_ids /run/casca) $(state_ids "$D/casca/default")"
  [ -z "${left// /}" ] || { echo "left behind: casca state for $left" >&2; rc=1; }
  for c in 'libpod-*' 'cri-containerd-*'; do
    left=$(units "$c")
    [ -z "$left" ] || { echo "left behind: units $left" >&2; drop_units "$c"; rc=1; }
  done
  return $rc
}

# cgroup_of PID: its cgroup (below $CG)
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }

# nprocs_is DIR N: cgroup DIR holds N processes
nprocs_is() { [ "$(wc -l < "$1/cgroup.procs")" = "$2" ]; }

# runs_in_scope ID PID UNIT CGROUP MEMORYMAX [STATE-ROOT]: casca says ID runs
# as PID; PID is in CGROUP, the cgroup of UNIT, an active scope whose
# MemoryMax (the unit's property and the cgroup's file) is MEMORYMAX
runs_in_scope() {
  local root=()
  [ -z "${6:-}" ] || root=(--root "$6")
  run "$CASCA" "${root[@]}" state "$1"
  assert_success
  assert_output --partial '"status": "running"'
  assert_output --partial "\"pid\": $2"
  assert_equal "$(cgroup_of "$2")" "$4"
  assert_equal "$(prop "$3" ActiveState)" active
  assert_equal "$(prop "$3" MemoryMax)" "$5"
  assert_equal "$(cat "$CG$4/memory.max")" "$5"
}

@test "podman (cgroup_manager systemd) --runtime casca: libpod-ID.scope in machine.slice, limits, update, exec; stop and rm leave no unit" {
  id=$(podman --runtime "$CASCA" run -d --memory 64m --pids-limit 50 --name ps1 "$IMG" sleep 1000)
  unit=libpod-$id.scope
  pid=$(podman inspect -f '{{.State.Pid}} {{.OCIRuntime}}' ps1)
  assert_equal "${pid#* }" "$CASCA" # --runtime PATH: podman names the runtime by it
  pid=${pid% *}
  # casca runs it, its cgroup is the scope systemd made
  runs_in_scope "$id" "$pid" "$unit" "/machine.slice/$unit" 67108864
  assert_equal "$(prop "$unit" Slice)" machine.slice
  assert_equal "$(prop "$unit" Delegate)" yes
  assert_equal "$(prop "$unit" TasksMax)" 50
  assert_equal "$(cat "$CG/machine.slice/$unit/pids.max")" 50

  # podman update: casca --systemd-cgroup update, the unit's property and the file
  run podman update --memory 128m ps1
  assert_success
  assert_equal "$(prop "$unit" MemoryMax)" 134217728
  assert_equal "$(cat "$CG/machine.slice/$unit/memory.max")" 134217728
  # exec (casca exec) joins the scope, and its cgroup namespace
  podman exec -d ps1 sleep 999
  wait_until nprocs_is "$CG/machine.slice/$unit" 2
  run podman exec ps1 cat /proc/self/cgroup
  assert_output '0::/'
  run podman top ps1 pid args
  assert_success
  assert_output --partial 'sleep 1000'

  podman stop -t 0 ps1
  assert_equal "$(podman inspect -f '{{.State.Status}}' ps1)" exited
  assert no_unit "$unit"
  assert [ ! -e "$CG/machine.slice/$unit" ]
  podman rm ps1
  assert no_unit "$unit"
  assert no_unit "libpod-conmon-$id.scope"
  run "$CASCA" state "$id"
  assert_failure
}

@test "podman (cgroup_manager systemd) --runtime casca: container checkpoint and restore; the counter goes on in its scope; rm -f leaves no unit" {
  need_criu_program
  DATA=$BATS_TEST_TMPDIR/data
  mkdir -p "$DATA"
  id=$(podman --runtime "$CASCA" run -d --network none --memory 64m -v "$DATA:/data" --name pc1 "$IMG" \
    sh -c 'i=0; while :; do i=$((i + 1)); echo $i >> /data/log; echo "n $i"; usleep 100000; done')
  unit=libpod-$id.scope
  wait_until has_lines 3
  run podman container checkpoint pc1
  assert_success
  assert_equal "$(podman inspect -f '{{.State.Status}}' pc1)" exited
  at=$(wc -l < "$DATA/log")
  sleep 0.5
  # stopped for real, and the scope with it
  assert_equal "$(wc -l < "$DATA/log")" "$at"
  assert no_unit "$unit"

  run podman container restore pc1
  assert_success
  assert_equal "$(podman inspect -f '{{.State.Status}}' pc1)" running
  pid=$(podman inspect -f '{{.State.Pid}}' pc1)
  # the restored tree is in the scope systemd made again, with the limit
  runs_in_scope "$id" "$pid" "$unit" "/machine.slice/$unit" 67108864
  wait_until has_lines $((at + 3))
  run log_is_one_count
  assert_success
  # its stdout reaches conmon again: podman logs has what it wrote after
  wait_until eval "podman logs pc1 | grep -qx 'n $((at + 3))'"
  # and nothing of casca's: conmon gives the runtime the container's stdio,
  # so casca's warnings go to its --log only (a scope's holder once made one)
  run podman logs pc1
  assert_success
  refute_output --partial 'casca:'

  podman rm -f -t 0 pc1
  assert no_unit "$unit"
  assert no_unit "libpod-conmon-$id.scope"
  assert [ ! -e "$CG/machine.slice/$unit" ]
  run "$CASCA" state "$id"
  assert_failure
}

@test "containerd runc shim with SystemdCgroup (ctr --runc-systemd-cgroup, --runc-binary casca): the scope, limits, ps, exec, pause; delete leaves no unit" {
  R=$D/casca
  ROOTFS=$BATS_TEST_TMPDIR/rootfs
  make_busybox_rootfs "$ROOTFS"
  unit=cri-containerd-cs1.scope
  cg=/ctrtest.slice/$SLICE/$unit
  ctr_run -d --runc-systemd-cgroup --cgroup="$SLICE:cri-containerd:cs1" \
    --memory-limit=$((64 << 20)) cs1 sleep 1000
  pid=$(ctr task ls | awk '$1 == "cs1" { print $2 }')
  assert [ -n "$pid" ]
  runs_in_scope cs1 "$pid" "$unit" "$cg" 67108864 "$R/default"
  assert_equal "$(prop "$unit" Slice)" "$SLICE"
  assert_equal "$(prop "$unit" ControlGroup)" "$cg"

  # exec (casca exec): the process is in the scope; task ps (casca ps) lists both
  ctr task exec -d --exec-id e1 cs1 sleep 999
  wait_until nprocs_is "$CG$cg" 2
  assert task_has_pids cs1 2
  # pause and resume (casca pause/resume): the scope's cgroup freezes
  ctr task pause cs1
  assert task_is cs1 PAUSED
  assert_equal "$(cat "$CG$cg/cgroup.freeze")" 1
  ctr task resume cs1
  assert_equal "$(cat "$CG$cg/cgroup.freeze")" 0

  ctr task kill -s SIGKILL cs1
  wait_until task_is cs1 STOPPED
  ctr task rm cs1
  ctr containers rm cs1
  assert no_unit "$unit"
  assert [ ! -e "$CG$cg" ]
  run "$CASCA" --root "$R/default" state cs1
  assert_failure
}


@test "containerd runc shim with SystemdCgroup: ctr containers checkpoint --task and restore --live through casca; the counter goes on in its scope; rm leaves nothing" {
  need_criu_program
  R=$D/casca
  DATA=$BATS_TEST_TMPDIR/data
  mkdir -p "$DATA"
  # containerd 1.6 checkpoints a container made from an image only (the
  # checkpoint names it, the restore makes its snapshot from it): an OCI
  # archive of the busybox rootfs, imported
  img=localhost/casca-ctr-busybox:1 cp=localhost/casca-ctr-checkpoint:1
  oci_archive "$img" "$BATS_TEST_TMPDIR/img.tar"
  ctr image import "$BATS_TEST_TMPDIR/img.tar"
  unit=cri-containerd-cc1.scope
  cg=/ctrtest.slice/$SLICE/$unit
  ctr run -d --runc-binary "$CASCA" --runc-root "$R" --runc-systemd-cgroup \
    --cgroup="$SLICE:cri-containerd:cc1" --memory-limit=$((64 << 20)) \
    --mount "type=bind,src=$DATA,dst=/data,options=rbind:rw" "$img" cc1 \
    sh -c 'exec </dev/null >/dev/null 2>&1; i=0; while :; do i=$((i + 1)); echo $i >> /data/log; usleep 100000; done'
  wait_until has_lines 3
  before=$(wc -l < "$DATA/log")

  # ctr pauses the task, the shim runs casca checkpoint --leave-running into
  # the checkpoint image, ctr resumes: it goes on
  run ctr containers checkpoint --task cc1 "$cp"
  assert_success
  run ctr image ls -q
  assert_output --partial "$cp"
  assert task_is cc1 RUNNING
  assert_equal "$(cat "$CG$cg/cgroup.freeze")" 0
  wait_until has_lines $((before + 3))

  ctr task kill -s SIGKILL cc1
  wait_until task_is cc1 STOPPED
  ctr task rm cc1
  ctr containers rm cc1
  at=$(wc -l < "$DATA/log")
  sleep 0.5
  assert_equal "$(wc -l < "$DATA/log")" "$at"
  assert no_unit "$unit"
  run "$CASCA" --root "$R/default" state cc1
  assert_failure

  # a new container from the checkpoint (its spec, runtime options and
  # image), its task restored by the shim (casca restore)
  run ctr containers restore --live cc1 "$cp"
  assert_success
  assert task_is cc1 RUNNING
  pid=$(ctr task ls | awk '$1 == "cc1" { print $2 }')
  runs_in_scope cc1 "$pid" "$unit" "$cg" 67108864 "$R/default"
  # the counter goes on from where the checkpoint took it (after $before,
  # at most $at), not from 1, and counts on without a gap
  wait_until has_lines $((at + 3))
  run awk -v at="$at" -v b="$before" '
    NR <= at { if ($1 != NR) { print "line " NR " is " $1; bad = 1 } next }
    NR == at + 1 { v = $1; if (v <= b || v > at + 1) { print "restored at " v ", not in " b + 1 ".." at + 1; bad = 1 } next }
    $1 != v + NR - at - 1 { print "line " NR " is " $1; bad = 1 }
    END { exit bad }' "$DATA/log"
  assert_success

  ctr task kill -s SIGKILL cc1
  wait_until task_is cc1 STOPPED
  ctr task rm cc1
  ctr containers rm cc1
  ctr image rm "$cp" "$img"
  assert no_unit "$unit"
  assert [ ! -e "$CG$cg" ]
  run "$CASCA" --root "$R/default" state cc1
  assert_failure
}
