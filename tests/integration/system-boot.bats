#!/usr/bin/env bats
# System containers, booted for real (VM lane: pure cgroup v2, slow under
# TCG): tools/mkrootfs-debian's Debian 12 rootfs (systemd, cloud-init,
# openssh-server) under `casca spec --system`, once privileged (A) and once
# in a user namespace mapping 0 to 100000 (B), both booted side by side in
# setup_file and shared by the tests.  A is on casca's network (a bridge,
# 10.89.12.2 fixed) in a stand-in host network namespace $H (ip netns add),
# where every casca command for A runs: its bridge, nftables table and veth
# host end live there; the SSH login comes from there.  Each runs in the foreground
# (`casca run`, its pty's output is the console log) in the background, so
# that its exit status is the container's.
#   tests/vm/check-vm.sh tests/integration/system-boot.bats
# bats file_tags=vm

load helpers/casca
load helpers/netclean

# A's fixed address on casca's network
A_ADDR=10.89.12.2

# The cached rootfs ($1: "" or --shift N), or nothing when it is not built.
cached_rootfs() {
  local key dir
  key=$("$TESTS_DIR/../tools/mkrootfs-debian" -k) || return 0
  dir=${CASCA_ROOTFS_CACHE:-/var/cache/casca/rootfs}/debian-bookworm-$key
  [ -d "$dir/rootfs" ] || return 0
  if [ -n "$1" ]; then
    "$TESTS_DIR/../tools/mkrootfs-debian" "$@" 2> /dev/null
  else
    echo "$dir/rootfs"
  fi
}

# boot NAME LOWER SPEC_OPTION...: an overlay copy of LOWER as the rootfs of
# bundle $SYS/NAME, `casca spec --system SPEC_OPTION...` (with
# $SYS/NAME/cloud-init.json as casca.cloudInit, $SYS/NAME/network.json as
# casca.network), run in the background; $SYS/NAME/exit gets run's exit
# status.
boot() {
  local n=$1 lower=$2 b=$SYS/$1
  shift 2
  mkdir -p "$b"
  "$TESTS_DIR/vm/rootfs-overlay.sh" mount "$lower" "$b/rootfs"
  "$CASCA" spec --system "$@" --bundle "$b"
  python3 - "$b" << 'PY'
import json, os, sys
b = sys.argv[1]
c = json.load(open(b + "/config.json"))
for key, f in (("cloudInit", "cloud-init.json"), ("network", "network.json")):
    if os.path.exists(b + "/" + f):
        c.setdefault("casca", {})[key] = json.load(open(b + "/" + f))
json.dump(c, open(b + "/config.json", "w"), indent=1)
PY
  boot_again "$n"
}

# boot_again NAME: run bundle $SYS/NAME again (its rootfs as the last boot left it)
boot_again() {
  local b=$SYS/$1
  local -a in_net=()
  [ "$1" != A ] || in_net=(nsenter --net="/run/netns/$H")
  echo "$EPOCHREALTIME" > "$b/t0"
  # in a session of its own: nothing bats does to its jobs reaches it
  # shellcheck disable=SC2016 # expanded by the inner sh
  setsid "${in_net[@]}" sh -c '"$0" --root "$1" run --bundle "$2" "$3" < /dev/null > "$2/console.log" 2>&1
    echo $? > "$2/exit"' "$CASCA" "$STATE_ROOT" "$b" "sys-$1" 3>&- > /dev/null 2>&1 &
}

# sys_casca NAME ARGS...: casca ARGS... for container NAME (A's in $H)
sys_casca() {
  local -a in_net=()
  [ "$1" != A ] || in_net=(nsenter --net="/run/netns/$H")
  shift
  "${in_net[@]}" "$CASCA" --root "$STATE_ROOT" "$@"
}
inhost() { nsenter --net="/run/netns/$H" "$@"; }

# wait_booted NAME: `systemctl is-system-running --wait` inside, into
# $SYS/NAME/state, and the seconds since boot into $SYS/NAME/boot-s.
wait_booted() {
  local b=$SYS/$1
  wait_until --timeout 600 --interval 1 running_or_exited "$1"
  # systemctl needs systemd's bus: its socket comes some seconds into the boot
  wait_until --timeout 1200 --interval 2 bus_or_exited "$1"
  sys_casca "$1" exec "sys-$1" timeout 1500 systemctl is-system-running --wait \
    > "$b/state" 2>&1 || true
  awk -v a="$(cat "$b/t0")" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }' > "$b/boot-s"
}

# running_or_exited NAME, bus_or_exited NAME: the container runs (its
# systemd's private bus socket is there), or its runtime has exited, when
# what the test reads next says why (for wait_until)
running_or_exited() {
  local st
  [ ! -e "$SYS/$1/exit" ] || return 0
  st=$(sys_state "$1" status 2>&1)
  [ "$st" = running ] || { echo "status: $st"; return 1; }
}
bus_or_exited() {
  [ ! -e "$SYS/$1/exit" ] || return 0
  sys_casca "$1" exec "sys-$1" test -S /run/systemd/private
}

sys_state() {
  sys_casca "$1" state "sys-$1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}

sys_exec() {
  local n=$1
  shift
  sys_casca "$n" exec "sys-$n" "$@"
}

# The container's cgroup, as the guest sees it: its init's, less init.scope.
sys_cgroup() {
  local pid
  pid=$(sys_state "$1" pid)
  sed -n 's|^0::\(.*\)/init.scope$|\1|p' "/proc/$pid/cgroup"
}

# why the file's tests skip, or nothing
skip_reason() {
  [ "$(id -u)" = 0 ] || { echo "needs root"; return; }
  [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] ||
    { echo "needs a pure cgroup v2 hierarchy (runs in the VM lane)"; return; }
  [ -n "$(cached_rootfs "")" ] || { echo "no cached Debian rootfs: make rootfs-debian builds it"; return; }
  command -v nft > /dev/null || { echo "needs nft (nftables) to observe casca's rules"; return; }
  command -v ssh > /dev/null && command -v ssh-keygen > /dev/null ||
    echo "needs ssh and ssh-keygen (openssh-client: make deps)"
}

setup_file() {
  SYS_SKIP=$(skip_reason)
  export SYS_SKIP
  [ -z "$SYS_SKIP" ] || return 0
  LOWER=$(cached_rootfs "")
  LOWER_SHIFTED=$(cached_rootfs --shift 100000)
  SYS=$BATS_FILE_TMPDIR/sys
  STATE_ROOT=$BATS_FILE_TMPDIR/state
  H=sb$$-host
  export SYS STATE_ROOT H
  # the user namespace's root has to reach B's rootfs
  chmod o+x "$BATS_RUN_TMPDIR" "$BATS_FILE_TMPDIR"
  mkdir -p "$SYS" && chmod o+x "$SYS"
  mkdir -p "$SYS/A"
  ip netns add "$H"
  ip -n "$H" link set lo up
  echo '{"bridge": "sysbr0", "subnet": "10.89.12.0/24", "address": "'"$A_ADDR"'"}' > "$SYS/A/network.json"
  # the key the login uses; its public half goes into the user-data
  ssh-keygen -q -t ed25519 -N "" -C tester@casca -f "$SYS/A/key"
  python3 - "$SYS/A/cloud-init.json" "$(cat "$SYS/A/key.pub")" << 'PY'
import json, sys
user_data = """#cloud-config
hostname: sysc-a
users:
  - name: tester
    shell: /bin/bash
    sudo: ALL=(ALL) NOPASSWD:ALL
    ssh_authorized_keys:
      - %s
write_files:
  - path: /etc/casca-written
    content: "written by cloud-init\\n"
runcmd:
  - [sh, -c, "echo ran >> /var/tmp/runcmd-count"]
""" % sys.argv[2]
json.dump({"userData": user_data}, open(sys.argv[1], "w"))
PY
  boot A "$LOWER" --network bridge
  boot B "$LOWER_SHIFTED" --userns=100000
  wait_booted A
  wait_booted B
}

teardown_file() {
  local n in_net
  if [ -z "${SYS:-}" ]; then return 0; fi
  for n in A B; do
    in_net=()
    [ "$n" != A ] || in_net=(nsenter --net="/run/netns/$H")
    timeout 60 "${in_net[@]}" "$CASCA" --root "$STATE_ROOT" delete --force "sys-$n" > /dev/null 2>&1 || true
    for _ in $(seq 30); do [ -e "$SYS/$n/exit" ] && break; sleep 1; done
    if mountpoint -q "$SYS/$n/rootfs"; then
      timeout 60 "$TESTS_DIR/vm/rootfs-overlay.sh" umount "$SYS/$n/rootfs" || true
    fi
  done
  ip netns del "$H" 2> /dev/null || true
  return 0
}

# State is shared by the file's tests: no per-test leftover check.
setup() { [ -z "$SYS_SKIP" ] || skip "$SYS_SKIP"; }
teardown() { :; }

# show NAME: what a failing boot test needs to see
show() {
  echo "--- $1: is-system-running: $(cat "$SYS/$1/state")"
  sys_exec "$1" systemctl --failed --no-legend --plain 2>&1 || true
  echo "--- console (tail)"
  tail -n 30 "$SYS/$1/console.log" | tr -d '\r'
}

check_booted() {
  local n=$1 state failed
  state=$(tail -n 1 "$SYS/$n/state")
  failed=$(sys_exec "$n" systemctl --failed --no-legend --plain 2>&1 | awk '{print $1}' | paste -sd ' ')
  echo "# $n: $state after $(cat "$SYS/$n/boot-s") s; failed units: ${failed:-none}" >&3
  [ "$state" = running ] || [ "$state" = degraded ] || { show "$n"; return 1; }
  run sys_exec "$n" cat /proc/1/comm
  assert_output systemd
}

@test "privileged: systemd boots to running (or degraded: the failed units are listed)" {
  check_booted A
}

@test "privileged: exec systemctl status; journald and sshd run" {
  run sys_exec A systemctl status --no-pager
  assert_success
  assert_output --regexp "State: (running|degraded)"
  run sys_exec A systemctl is-active systemd-journald.service ssh.service
  assert_output $'active\nactive'
  run sys_exec A sh -c 'journalctl -b --no-pager -q -u ssh.service | grep -c "Server listening"'
  [ "$output" -ge 1 ]
}

@test "privileged: the cgroup subtree at /sys/fs/cgroup is the container's own, with systemd's cgroups in it" {
  cg=$(sys_cgroup A)
  [ -n "$cg" ] && [ "$cg" != / ]
  run sys_exec A cat /proc/1/cgroup
  assert_output "0::/init.scope"
  run sys_exec A sh -c 'test -d /sys/fs/cgroup/system.slice/ssh.service && cat /sys/fs/cgroup/cgroup.subtree_control'
  assert_success
  [ -n "$output" ]
  # the same files seen from the guest, below the container's cgroup
  assert_equal "$output" "$(cat "/sys/fs/cgroup$cg/cgroup.subtree_control")"
  [ -d "/sys/fs/cgroup$cg/system.slice/ssh.service" ]
}

@test "user namespace: systemd boots to running (or degraded), as root of a namespace mapping 0 to 100000" {
  check_booted B
  run sys_exec B cat /proc/self/uid_map
  assert_equal "$(echo "$output" | tr -s ' ' | sed 's/^ //')" "0 100000 65536"
  run sys_exec B systemctl is-active systemd-journald.service ssh.service
  assert_output $'active\nactive'
}

@test "user namespace: the container's cgroup is delegated to its root (100000), not its limit files" {
  cg=$(sys_cgroup B)
  [ -n "$cg" ] && [ "$cg" != / ]
  run stat -c '%n %u' "/sys/fs/cgroup$cg" "/sys/fs/cgroup$cg/cgroup.procs" \
    "/sys/fs/cgroup$cg/cgroup.subtree_control" "/sys/fs/cgroup$cg/memory.max"
  assert_line "/sys/fs/cgroup$cg 100000"
  assert_line "/sys/fs/cgroup$cg/cgroup.procs 100000"
  assert_line "/sys/fs/cgroup$cg/cgroup.subtree_control 100000"
  assert_line "/sys/fs/cgroup$cg/memory.max 0"
  [ -d "/sys/fs/cgroup$cg/system.slice" ]
  run sys_exec B cat /proc/1/cgroup
  assert_output "0::/init.scope"
}

@test "cloud-init: the user with its key and sudo, write_files, runcmd, hostname; status done" {
  run sys_exec A timeout 900 cloud-init status --wait
  echo "# A: cloud-init: $(echo "$output" | tail -n 1)" >&3
  assert_output --partial "status: done"
  run sys_exec A sh -c 'id -un tester; cat /home/tester/.ssh/authorized_keys; stat -c "%U %a" /home/tester/.ssh/authorized_keys; sudo -l -U tester 2>/dev/null | grep -c NOPASSWD; cat /etc/casca-written /var/tmp/runcmd-count; hostname; cat /etc/hostname'
  assert_success
  assert_equal "$output" "tester
$(cat "$SYS/A/key.pub")
tester 600
1
written by cloud-init
ran
sysc-a
sysc-a"
  # the seed it read is casca's, read-only
  run sys_exec A sh -c 'cat /var/lib/cloud/seed/nocloud/meta-data; touch /var/lib/cloud/seed/nocloud/x'
  assert_failure
  assert_line "instance-id: sys-A"
  assert_line --partial "Read-only file system"
}

@test "casca's network: cloud-init leaves it alone, no unit fails, SSH login with the test's key from the host side" {
  run sys_exec A timeout 900 cloud-init status --wait
  assert_output --partial "status: done"
  # the network did not break the boot: still running, no failed unit
  run sys_exec A systemctl is-system-running
  assert_output running
  # eth0 has casca's address
  run sys_exec A ip -4 -o addr show dev eth0
  assert_output --regexp " inet $A_ADDR/24 "
  # cloud-init read casca's network-config ("config: disabled") from the
  # seed, said so, and wrote no network config of its own (its fallback
  # would be systemd-networkd's 10-cloud-init-eth0.network)
  run sys_exec A sed -n '$p' /var/lib/cloud/seed/nocloud/network-config
  assert_output "config: disabled"
  run sys_exec A grep -c "network config is disabled by ds" /var/log/cloud-init.log
  assert_success
  [ "$output" -ge 1 ]
  run sys_exec A sh -c 'test -d /etc/systemd/network && echo networkd-dir
    find /etc/systemd/network /run/systemd/network /etc/network /etc/netplan -name "*cloud-init*" 2>/dev/null'
  assert_output networkd-dir
  # the login: from $H (the host side of casca's bridge), with the key the
  # test made, as the user cloud-init made, whose sudo needs no password
  SECONDS=0
  run inhost timeout 300 ssh -i "$SYS/A/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o BatchMode=yes -o ConnectTimeout=120 -o LogLevel=ERROR "tester@$A_ADDR" 'id -un && sudo -n true && echo sudo-ok'
  echo "# A: ssh login in $SECONDS s" >&3
  assert_success
  assert_line --index 0 tester
  assert_line sudo-ok
  # a wrong key is refused
  ssh-keygen -q -t ed25519 -N "" -f "$BATS_TEST_TMPDIR/other"
  run inhost timeout 300 ssh -i "$BATS_TEST_TMPDIR/other" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o BatchMode=yes -o ConnectTimeout=120 -o LogLevel=ERROR "tester@$A_ADDR" true
  assert_failure
  assert_output --partial "Permission denied"
}

@test "stop: SIGRTMIN+3, systemd shuts down, the container exits 0 and nothing is left" {
  for n in A B; do
    cg=$(sys_cgroup "$n")
    pid=$(sys_state "$n" pid)
    SECONDS=0
    run sys_casca "$n" stop --time 600 "sys-$n"
    assert_success
    echo "# $n: stopped in $SECONDS s" >&3
    for _ in $(seq 60); do [ -e "$SYS/$n/exit" ] && break; sleep 1; done
    if [ ! -e "$SYS/$n/exit" ]; then
      echo "--- run has not exited; processes:"
      ps -eo pid,ppid,stat,wchan:20,args | tail -n 40
      echo "--- cgroup:"
      find "/sys/fs/cgroup$cg" -name cgroup.procs -exec grep -H . {} + 2>&1 | head -20
      echo "--- console:"
      tail -n 30 "$SYS/$n/console.log" | tr -d '\r'
    fi
    assert_equal "$(cat "$SYS/$n/exit")" 0
    # a shutdown, not a kill: systemd's last words
    tr -d '\r' < "$SYS/$n/console.log" | grep -q "Reached target.*Halt\|System Halt\|Exiting container" ||
      { tail -n 20 "$SYS/$n/console.log"; false; }
    dead "$pid"
    [ ! -e "/sys/fs/cgroup$cg" ]
    ! state_ids | grep -qx "sys-$n"
  done
  # A's veth, rules and address lease went with it
  assert_clean sys-A
  [ -z "$(state_ids)" ]
}

@test "cloud-init: a second boot of the same rootfs and instance-id does not run the per-instance modules again" {
  rm -f "$SYS/A/exit"
  boot_again A
  wait_booted A
  check_booted A
  run sys_exec A timeout 900 cloud-init status --wait
  assert_output --partial "status: done"
  # runcmd (per instance) ran on the first boot only; cloud-init itself ran on both
  run sys_exec A sh -c "cat /var/tmp/runcmd-count; ls /var/lib/cloud/instances; grep -c \"running 'init-local'\" /var/log/cloud-init.log"
  assert_equal "${lines[0]}" ran
  assert_equal "${lines[1]}" "sys-A"
  assert_equal "${lines[2]}" 2
  [ "${#lines[@]}" = 3 ]
  run sys_casca A stop --time 600 "sys-A"
  assert_success
  for _ in $(seq 60); do [ -e "$SYS/A/exit" ] && break; sleep 1; done
  assert_equal "$(cat "$SYS/A/exit")" 0
  assert_clean sys-A
}
