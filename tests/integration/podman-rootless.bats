#!/usr/bin/env bats
# podman-rootless.bats - rootless podman runs containers with casca: a normal
# user (a test user made here, with Debian's default /etc/subuid and
# /etc/subgid ranges) runs `podman --runtime casca` with casca named in its
# own containers.conf, as the README's "Rootless" section tells: run, exec,
# stop, rm, and `-p` publishing through podman's own network helper
# (slirp4netns, with rootlessport for the published port).  podman's storage
# and configuration live in the user's home; casca's state in the user's
# $XDG_RUNTIME_DIR/casca.  VM lane (a guest where users can be made and the
# cgroup v2 tree is pure; the container runs without a cgroup, as with crun,
# when none is delegated).
# bats file_tags=vm

load helpers/casca
load helpers/engines
load helpers/users

IMG=localhost/casca-busybox
TOOLS="podman conmon slirp4netns newuidmap newgidmap"

# What the tests need, or why they are skipped (empty: all there).
missing() {
  # shellcheck disable=SC2086 # one tool per word
  engine_unusable $TOOLS && return 0
  # podman's rootless network helper needs the tun device
  [ -e /dev/net/tun ] || modprobe tun 2> /dev/null || true
  [ -c /dev/net/tun ] || echo "no /dev/net/tun (module tun) for slirp4netns"
}

# One test user for the file, with podman's configuration and the image in
# its home.
setup_file() {
  [ -z "$(missing)" ] || return 0
  # what udev's default rules make it on a Debian system (the guest has no
  # udev: devtmpfs leaves it 0600)
  chmod 0666 /dev/net/tun
  export TEST_USERS_FILE=$BATS_FILE_TMPDIR/test-users
  U=$(make_test_user p)
  UID_=$(id -u "$U")
  HOMEDIR=$(getent passwd "$U" | cut -d: -f6)
  XDG=/run/user/$UID_
  export U UID_ HOMEDIR XDG
  install -d -m 0700 -o "$U" "$XDG"
  C=$HOMEDIR/.config/containers
  as_user "$U" mkdir -p "$C"
  as_user "$U" tee "$C/containers.conf" > /dev/null << EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
$(casca_engine_conf)
EOF
  busybox_tar | upodman import - "$IMG" > /dev/null
}

teardown_file() {
  [ -n "${U:-}" ] || return 0
  upodman rm -a -f -t 0 > /dev/null 2>&1 || true
  # podman's storage holds files owned by the user's subordinate ids
  upodman unshare rm -rf "$HOMEDIR/.local/share/containers" > /dev/null 2>&1 || true
  pkill -u "$UID_" > /dev/null 2>&1 || true
  rm -rf "$XDG"
  remove_test_users
}

setup() {
  local why
  # shellcheck disable=SC2086 # one tool per word
  need_engine $TOOLS
  why=$(missing)
  [ -z "$why" ] || skip "$why"
}

# Nothing of a test survives it: no podman container, no casca state.
teardown() {
  [ -n "${U:-}" ] || return 0
  local left rc=0
  left=$(upodman ps -a -q)
  [ -z "$left" ] || { echo "left behind: podman containers $left" >&2; rc=1; }
  left=$(find "$XDG/casca" -mindepth 1 -maxdepth 1 ! -name '@*' 2> /dev/null)
  [ -z "$left" ] || { echo "left behind: casca state $left" >&2; rc=1; }
  return $rc
}

# podman as the test user, in its own environment (no root's CONTAINERS_*)
upodman() {
  AS_XDG=$XDG as_user "$U" podman "$@"
}

@test "rootless podman --runtime casca: run, exec, stop, rm; the container is in a user namespace mapping the user's ranges" {
  run upodman run --rm "$IMG" sh -c 'id -u; cat /proc/self/uid_map'
  assert_success
  assert_line -n 0 0
  # uid 0 inside is the user, 1... its /etc/subuid range
  read -r ustart ucount < <(awk -F: -v u="$U" '$1 == u {print $2, $3}' /etc/subuid)
  assert_output --regexp "0 +$UID_ +1"
  assert_output --regexp "1 +$ustart +$ucount"

  upodman run -d --name r1 "$IMG" sleep 1000
  id=$(upodman inspect -f '{{.Id}}' r1)
  # casca keeps the container's state in the user's runtime dir
  run as_user "$U" "$CASCA" --root "$XDG/casca" state "$id"
  assert_success
  assert_output --partial '"status": "running"'
  run upodman exec r1 sh -c 'echo in; id -u'
  assert_success
  assert_output "in
0"
  upodman stop -t 1 r1
  run upodman inspect -f '{{.State.Status}}' r1
  assert_output exited
  upodman rm r1
  run as_user "$U" "$CASCA" --root "$XDG/casca" state "$id"
  assert_failure
}

@test "rootless podman --runtime casca -p: a published port reaches the container through podman's network helper" {
  upodman run -d --name w1 -p 127.0.0.1:18080:8080 "$IMG" \
    sh -c 'mkdir -p /www && echo served-by-casca > /www/index.html && exec httpd -f -p 8080 -h /www'
  wait_until eval "as_user '$U' busybox wget -q -O - http://127.0.0.1:18080/ 2>/dev/null | grep -qx served-by-casca"
  upodman rm -f -t 0 w1
}
