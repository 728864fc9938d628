#!/usr/bin/env bats
# podman.bats - podman (Debian's package, through conmon) runs containers
# with casca, configured as the README tells a user to: casca named in
# [engine.runtimes], runtime_supports_json and runtime_supports_nocgroup,
# the cgroupfs manager.  podman's configuration, storage and image live in
# this file's temporary directory (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF);
# the image is the tests' busybox rootfs, `podman import`ed.  podman gives
# casca no --root, so casca keeps its state in its default, /run/casca.
# Pods need catatonit, from which podman builds its infra image.
# VM lane only (podman creates cgroups; see helpers/engines.bash).
# bats file_tags=vm

load helpers/casca
load helpers/engines

IMG=localhost/casca-busybox
CASCA_STATE=/run/casca
CG=/sys/fs/cgroup

setup_file() {
  engine_unusable podman conmon catatonit > /dev/null && return 0
  P=$BATS_FILE_TMPDIR/podman
  mkdir -p "$P"
  podman_config "$P"
  export P
  cd "$P" || return
  busybox_tar | podman import - "$IMG" > /dev/null
}

teardown_file() {
  if [ -z "${P:-}" ]; then return 0; fi
  podman rm -a -f -t 0 > /dev/null 2>&1 || true
  podman rmi -a -f > /dev/null 2>&1 || true
  umount_under "$P"
  rmdir_cgroups "$CG/libpod_parent" "$CG/podman_probe"
}

# conmon writes files (an `oom` marker) into its working directory, which is
# podman's: never the checkout.
setup() {
  need_engine podman conmon catatonit
  cd "$BATS_TEST_TMPDIR" || return
}

# Nothing of a test survives it: no podman container, no casca state, no
# container cgroup, no container rootfs mount.
teardown() {
  local left rc=0
  podman_left_behind || rc=1
  left=$(state_ids "$CASCA_STATE")
  [ -z "$left" ] || { echo "left behind: casca state for $left" >&2; rc=1; }
  left=$(podman pod ps -q)
  if [ -n "$left" ]; then
    echo "left behind: pods $left" >&2
    # shellcheck disable=SC2086 # one id per word
    podman pod rm -f $left > /dev/null 2>&1
    rc=1
  fi
  # conmon's own cgroup stays while its processes do
  left=$(find "$CG/libpod_parent" -mindepth 1 -maxdepth 1 -type d ! -name conmon 2> /dev/null)
  [ -z "$left" ] || { echo "left behind: cgroups $left" >&2; rc=1; }
  left=$(mounts_under "$P/graph/overlay" | grep /merged || true)
  [ -z "$left" ] || { echo "left behind: mounts $left" >&2; rc=1; }
  return $rc
}

# The cgroup (below $CG) of process $1.
cgroup_of() {
  sed -n 's/^0:://p' "/proc/$1/cgroup"
}

@test "podman --runtime casca run: the container runs through casca in its own namespaces" {
  run podman --runtime casca run --name p1 "$IMG" sh -c \
    'echo hi; for n in pid mnt uts; do readlink /proc/self/ns/$n; done; tr "\0" " " < /proc/1/cmdline; echo'
  assert_success
  assert_line -n 0 hi
  assert_not_equal "${lines[1]}" "$(readlink /proc/self/ns/pid)"
  assert_not_equal "${lines[2]}" "$(readlink /proc/self/ns/mnt)"
  assert_not_equal "${lines[3]}" "$(readlink /proc/self/ns/uts)"
  assert_line -n 4 --partial 'sh -c echo hi' # the command is the container's PID 1
  run podman inspect -f '{{.OCIRuntime}} {{.State.ExitCode}} {{.State.OOMKilled}}' p1
  assert_output "casca 0 false"
  podman rm p1
}

@test "podman: the container's exit code is podman's" {
  run podman run --rm "$IMG" sh -c 'exit 7'
  assert_equal "$status" 7
  run podman run --rm "$IMG" sh -c 'exit 0'
  assert_success
}

@test "podman: run -d, exec, ps, top, pause, unpause, stop and rm, each seen by casca" {
  id=$(podman run -d --name p3 "$IMG" sleep 1000)
  pid=$(podman inspect -f '{{.State.Pid}}' p3)
  # casca runs it: its state names podman's container and the same pid
  run "$CASCA" state "$id"
  assert_success
  assert_output --partial '"status": "running"'
  assert_output --partial "\"pid\": $pid"
  cg=$CG$(cgroup_of "$pid")
  assert_equal "$cg" "$CG/libpod_parent/libpod-$id"

  run podman exec p3 sh -c 'tr "\0" " " < /proc/1/cmdline; echo; readlink /proc/self/ns/pid'
  assert_success
  assert_line -n 0 'sleep 1000 '
  assert_line -n 1 "$(readlink "/proc/$pid/ns/pid")"
  run podman exec p3 sh -c 'exit 3'
  assert_equal "$status" 3
  run -127 podman exec p3 /no/such/command
  assert_output --partial 'casca: exec "/no/such/command": No such file or directory'

  run podman ps --format '{{.ID}} {{.Status}}'
  assert_output --regexp "^${id:0:12} Up"
  run podman top p3 pid args
  assert_line --regexp '^1 +sleep 1000'

  podman pause p3
  assert_equal "$(cat "$cg/cgroup.freeze")" 1
  run "$CASCA" state "$id"
  assert_output --partial '"status": "paused"'
  run podman inspect -f '{{.State.Status}}' p3
  assert_output paused
  podman unpause p3
  assert_equal "$(cat "$cg/cgroup.freeze")" 0
  run "$CASCA" state "$id"
  assert_output --partial '"status": "running"'

  # sleep as PID 1 ignores SIGTERM: podman falls back to SIGKILL
  podman stop -t 1 p3
  run podman inspect -f '{{.State.Status}} {{.State.ExitCode}}' p3
  assert_output 'exited 137'
  dead "$pid"
  podman rm p3
  run "$CASCA" state "$id"
  assert_failure
  assert [ ! -e "$cg" ]
}

@test "podman --memory 64m: memory.max inside the container, and an allocation over it is OOM-killed" {
  run podman run --rm --memory 64m --memory-swap 64m "$IMG" \
    cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.swap.max
  assert_success
  assert_output $'67108864\n0'
  run podman run --rm --memory 64m --memory-swap 64m "$IMG" dd if=/dev/zero of=/dev/null bs=16M count=1
  assert_success
  run podman run --name p4 --memory 64m --memory-swap 64m "$IMG" dd if=/dev/zero of=/dev/null bs=128M count=1
  assert_equal "$status" 137
  # conmon saw the OOM kill in the cgroup casca made: it leaves its `oom`
  # marker in its working directory.  (podman 4.3 looks for it in the
  # bundle instead, so .State.OOMKilled stays false, with crun and runc too.)
  assert [ -e "$BATS_TEST_TMPDIR/oom" ]
  run podman inspect -f '{{.State.ExitCode}}' p4
  assert_output 137
  podman rm p4
}

@test "podman --pids-limit 5: pids.max inside, the sixth process cannot fork" {
  run podman run --rm --pids-limit 5 "$IMG" \
    sh -c 'cat /sys/fs/cgroup/pids.max; for i in 1 2 3 4 5 6; do sleep 3 & done; wait'
  assert_line -n 0 5
  assert_output --partial "can't fork"
}

@test "podman run -t: the container's stdio is a pty from casca's console socket" {
  run script -qec "podman run --rm -t $IMG sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty'" /dev/null
  assert_success
  assert_output --partial /dev/pts/0
  assert_output --partial both-tty
  run podman run --rm "$IMG" sh -c 'tty || true'
  assert_output 'not a tty'
}

@test "podman logs: a detached container's stdout and stderr reach podman through conmon" {
  podman run -d --name p7 "$IMG" sh -c 'echo out; echo err >&2; exit 4'
  run podman wait p7
  assert_output 4
  run podman logs p7
  assert_line out
  assert_line err
  podman rm p7
}

@test "podman: a container casca cannot start fails with casca's own error text" {
  run -127 podman run --rm "$IMG" /no/such/binary
  assert_equal "$status" 127 # podman's "command not found", from casca's message
  assert_output --partial 'casca: exec "/no/such/binary": No such file or directory'
}

@test "podman --cgroups=disabled: casca runs the container without a cgroup of its own" {
  id=$(podman run -d --cgroups=disabled --name p9 "$IMG" sleep 1000)
  pid=$(podman inspect -f '{{.State.Pid}}' p9)
  conmon=$(podman inspect -f '{{.State.ConmonPid}}' p9)
  assert_equal "$(cgroup_of "$pid")" "$(cgroup_of "$conmon")"
  assert [ ! -e "$CG/libpod_parent/libpod-$id" ]
  podman rm -f -t 0 p9
}

@test "podman --read-only and --tmpfs: tmpfs mounts filled from the image (tmpcopyup)" {
  run podman run --rm --read-only "$IMG" sh -c \
    'touch /x 2> /dev/null || echo root-ro; for d in /run /tmp /var/tmp; do stat -f -c "$d %T" $d; done; touch /tmp/ok && echo tmp-rw'
  assert_success
  assert_output $'root-ro\n/run tmpfs\n/tmp tmpfs\n/var/tmp tmpfs\ntmp-rw'
  # podman asks for tmpcopyup on --tmpfs: /etc is a tmpfs holding the image's /etc
  run podman run --rm --tmpfs /etc "$IMG" sh -c 'stat -f -c %T /etc; grep ^root: /etc/passwd; echo x > /etc/new && echo rw'
  assert_success
  assert_output $'tmpfs\nroot:x:0:0:root:/root:/bin/sh\nrw'
}

@test "podman --privileged: every capability, and an allow-all device filter the kernel accepts" {
  run podman run --rm --privileged "$IMG" sh -c \
    'grep ^CapEff: /proc/self/status; dd if=/dev/kmsg of=/dev/null bs=8192 count=1 2> /dev/null && echo kmsg-read'
  assert_success
  assert_line -n 0 "$(grep ^CapBnd: /proc/self/status | sed 's/CapBnd/CapEff/')"
  assert_line -n 1 kmsg-read
}

@test "podman pod: casca joins the infra container's namespaces by path, as a Kubernetes pod does" {
  podman pod create --name pd > /dev/null
  podman run -d --pod pd --name pa "$IMG" sleep 1000 > /dev/null
  infra=$(podman pod inspect -f '{{.InfraContainerID}}' pd)
  ipid=$(podman inspect -f '{{.State.Pid}}' "$infra")
  apid=$(podman inspect -f '{{.State.Pid}}' pa)
  # the infra container (catatonit) is casca's too
  run "$CASCA" state "$infra"
  assert_output --partial '"status": "running"'
  for ns in net ipc uts; do
    assert_equal "$(readlink "/proc/$apid/ns/$ns")" "$(readlink "/proc/$ipid/ns/$ns")"
    assert_not_equal "$(readlink "/proc/$apid/ns/$ns")" "$(readlink "/proc/self/ns/$ns")"
  done
  for ns in pid mnt; do
    assert_not_equal "$(readlink "/proc/$apid/ns/$ns")" "$(readlink "/proc/$ipid/ns/$ns")"
  done
  run podman run --rm --pod pd "$IMG" hostname
  assert_output pd
  podman pod stop -t 0 pd > /dev/null
  podman pod rm pd > /dev/null
  run "$CASCA" state "$infra"
  assert_failure
}
