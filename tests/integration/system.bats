#!/usr/bin/env bats
# System containers on the host lane (busybox): what `casca spec --system`
# writes and what its container gets, the stop signal of the image
# annotation and `stop`'s escalation, casca.cloudInit's validation and seed.
# Booting a real systemd is tests/vm/system-boot.bats (VM lane).

load helpers/casca
load helpers/netclean

# A test with casca.network (net_world) runs casca in a stand-in host
# network namespace $H (ip netns add), so its bridge, nftables table and the
# host ends of the veths live there and never on the machine.  Private
# addresses only.
net_world() {
  command -v nft > /dev/null || skip "needs nft (nftables) to observe the rules"
  H=sy$$t${BATS_TEST_NUMBER}-host
  ip netns add "$H"
  ip -n "$H" link set lo up
}
inhost() { nsenter --net="/run/netns/$H" "$@"; }
casca() {
  if [ -n "${H:-}" ]; then
    inhost "$CASCA" --root "$STATE_ROOT" "$@"
  else
    "$CASCA" --root "$STATE_ROOT" "$@"
  fi
}

teardown() {
  local id
  if [ -n "${H:-}" ]; then
    # inside $H: outside it, a delete would look at the machine's nftables
    for id in $(state_ids); do casca delete --force "$id" > /dev/null 2>&1 || true; done
    ip netns del "$H" 2> /dev/null || true
    # the leases' dir (assert_clean checked that none is a container's)
    rm -rf "$STATE_ROOT/@ipam"
  fi
  common_teardown
}

# make_system_bundle [SPEC_OPTION...]: a busybox bundle with `casca spec
# --system`'s config, without a terminal (the host tests read stdout).
make_system_bundle() {
  BUNDLE=$BATS_TEST_TMPDIR/bundle
  mkdir -p "$BUNDLE"
  cp -a "$(busybox_template)" "$BUNDLE/rootfs"
  "$CASCA" spec --system "$@" --bundle "$BUNDLE"
  host_lane_devices
  cfg 'c["process"]["terminal"] = False'
  host_caps_only
}

# The host lane runs in a container whose bounding set lacks some
# capabilities (CAP_SYS_RESOURCE): keep those the host has.
host_caps_only() {
  cfg '
names = ("CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP "
         "LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER "
         "SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE "
         "SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP "
         "MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ").split()
bnd = int([l for l in open("/proc/self/status") if l.startswith("CapBnd:")][0].split()[1], 16)
have = {"CAP_" + n for i, n in enumerate(names) if bnd >> i & 1}
for k, v in c["process"]["capabilities"].items():
    c["process"]["capabilities"][k] = [x for x in v if x in have]
'
}

@test "spec --system: init on a pty, cgroup namespace with a writable cgroup2, tmpfs /run /run/lock /tmp, container=casca, stop signal" {
  BUNDLE=$BATS_TEST_TMPDIR/bundle
  mkdir -p "$BUNDLE"
  "$CASCA" spec --system --bundle "$BUNDLE"
  run python3 - "$BUNDLE/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
p = c["process"]
print("args", p["args"], "terminal", p["terminal"], "nnp", p["noNewPrivileges"])
print("env", [e.split("=")[0] + ("=" + e.split("=")[1] if e.startswith("container=") else "") for e in p["env"]])
print("readonly", c["root"]["readonly"])
print("ns", sorted(n["type"] for n in c["linux"]["namespaces"]))
for m in c["mounts"]:
    if m["destination"] in ("/run", "/run/lock", "/tmp", "/sys/fs/cgroup"):
        print("mount", m["destination"], m["type"], "ro" in m["options"])
print("stop", c["annotations"]["org.opencontainers.image.stopSignal"])
b = p["capabilities"]["bounding"]
# without CAP_SYS_BOOT systemd's reboot(2) fails and it exits 0 (with it: killed by SIGINT)
print("caps", "CAP_SYS_ADMIN" in b, "CAP_SYS_MODULE" in b, "CAP_SYS_BOOT" in b)
print("uuid", [e for e in p["env"] if e.startswith("container_uuid=")][0].count("-"))
PY
  assert_success
  assert_line "args ['/sbin/init'] terminal True nnp False"
  assert_line "env ['PATH', 'TERM', 'container=casca', 'container_uuid']"
  assert_line "readonly False"
  assert_line "ns ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']"
  assert_line "mount /run tmpfs False"
  assert_line "mount /run/lock tmpfs False"
  assert_line "mount /tmp tmpfs False"
  assert_line "mount /sys/fs/cgroup cgroup2 False"
  assert_line "stop SIGRTMIN+3"
  assert_line "caps True False False"
  assert_line "uuid 4"
  # each config its own machine
  u1=$(grep -o 'container_uuid=[0-9a-f-]*' "$BUNDLE/config.json")
  mkdir "$BATS_TEST_TMPDIR/b2"
  "$CASCA" spec --system --bundle "$BATS_TEST_TMPDIR/b2"
  u2=$(grep -o 'container_uuid=[0-9a-f-]*' "$BATS_TEST_TMPDIR/b2/config.json")
  [ "$u1" != "$u2" ]
}

@test "spec --system --userns maps 0-65535 to HOSTID; --userns alone and --system --hardened are refused" {
  BUNDLE=$BATS_TEST_TMPDIR/bundle
  mkdir -p "$BUNDLE"
  "$CASCA" spec --system --userns=200000 --bundle "$BUNDLE"
  run python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["linux"]; print(c["uidMappings"], c["gidMappings"], [n["type"] for n in c["namespaces"]][-1])' "$BUNDLE/config.json"
  assert_output "[{'containerID': 0, 'hostID': 200000, 'size': 65536}] [{'containerID': 0, 'hostID': 200000, 'size': 65536}] user"
  mkdir "$BATS_TEST_TMPDIR/b2" "$BATS_TEST_TMPDIR/b3" "$BATS_TEST_TMPDIR/b4"
  run "$CASCA" spec --userns --bundle "$BATS_TEST_TMPDIR/b2"
  assert_failure
  assert_output --partial "--userns is for --system"
  run "$CASCA" spec --system --hardened --bundle "$BATS_TEST_TMPDIR/b3"
  assert_failure
  assert_output --partial "--system and --hardened"
  run "$CASCA" spec --system --userns=0 --bundle "$BATS_TEST_TMPDIR/b4"
  assert_failure
  assert_output --partial "--userns: expected a host uid"
  [ ! -e "$BATS_TEST_TMPDIR/b2/config.json" ] && [ ! -e "$BATS_TEST_TMPDIR/b3/config.json" ]
  run "$CASCA" spec --help
  assert_output --partial "--system"
}

@test "a --system container sees container=casca and tmpfs on /run, /run/lock, /tmp" {
  make_system_bundle
  args sh -c 'echo "container=$container"; awk "\$2 ~ /^\/(run|run\/lock|tmp)\$/ {print \$2, \$3}" /proc/self/mounts; touch /etc/writable && echo rootfs-rw'
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert_line "container=casca"
  assert_line "/run tmpfs"
  assert_line "/run/lock tmpfs"
  assert_line "/tmp tmpfs"
  assert_line "rootfs-rw"
}

@test "a --system --userns container runs as root of its own user namespace" {
  make_system_bundle --userns=100000
  chown -R 100000:100000 "$BUNDLE/rootfs"
  # the namespace's root has to reach its rootfs
  chmod o+x "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR" "$BUNDLE"
  args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; ls -ln /dev/pts/ptmx >/dev/null && stat -c "%g" /dev/pts'
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  [ "$(echo "${lines[0]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 65536" ]
  [ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 65536" ]
  assert_equal "${lines[2]}" 0
}

# run_detached: `run -d` the bundle as $id; its init's pid in $pid
run_detached() {
  id=$(cid)
  run_bg run -d --bundle "$BUNDLE" "$id"
  assert_success
  pid=$(state_field "$id" pid)
}

stopped_and_delete() {
  assert_equal "$(state_field "$id" status)" stopped
  casca delete "$id"
  [ -z "$(state_ids)" ]
}

@test "stop sends the annotation's stop signal (SIGRTMIN+3) and returns once the container exited" {
  make_system_bundle
  # glibc's SIGRTMIN is 34: SIGRTMIN+3 is 37, the signal systemd takes as "halt"
  args sh -c 'trap "echo got-37 > /tmp/sig; exit 0" 37; trap "echo got-TERM > /tmp/sig; exit 0" TERM; echo ready > /tmp/ready; while true; do sleep 0.1; done'
  cfg 'c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/tmp"]'
  run_detached
  wait_until test -e "$BUNDLE/rootfs/tmp/ready"
  SECONDS=0
  run casca stop --time 30 "$id"
  assert_success
  [ "$SECONDS" -lt 10 ]
  dead "$pid"
  assert_equal "$(cat "$BUNDLE/rootfs/tmp/sig")" got-37
  stopped_and_delete
}

@test "stop escalates to SIGKILL after --time when the stop signal is ignored" {
  make_system_bundle
  args sh -c 'trap "" USR1; echo ready > /tmp/ready; while true; do sleep 0.1; done'
  cfg 'c["annotations"]["org.opencontainers.image.stopSignal"] = "SIGUSR1"'
  cfg 'c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/tmp"]'
  run_detached
  wait_until test -e "$BUNDLE/rootfs/tmp/ready"
  SECONDS=0
  run casca --debug stop --time 2 "$id"
  assert_success
  [ "$SECONDS" -ge 2 ] && [ "$SECONDS" -lt 10 ]
  assert_output --partial "no exit 2 s after USR1, sending SIGKILL"
  dead "$pid"
  stopped_and_delete
}

@test "an unknown stop signal in the annotation is refused at create, naming the annotation" {
  make_system_bundle
  for bad in SIGNOPE 0 RTMIN+99 ""; do
    cfg "c['annotations']['org.opencontainers.image.stopSignal'] = '$bad'"
    run_bg create --bundle "$BUNDLE" "$(cid)"
    assert_failure
    assert_output --partial "annotations[\"org.opencontainers.image.stopSignal\"]: unknown signal \"$bad\""
    [ -z "$(state_ids)" ]
  done
  run casca stop --help
  assert_success
  assert_output --partial "org.opencontainers.image.stopSignal"
}

# cloud_init JSON: set casca.cloudInit
cloud_init() {
  cfg "c.setdefault('casca', {})['cloudInit'] = json.loads(r'''$1''')"
}

@test "casca.cloudInit: a read-only NoCloud seed at /var/lib/cloud/seed/nocloud, from inline text and bundle files" {
  make_system_bundle
  cfg 'c["hostname"] = "sysc"'
  printf 'version: 2\nethernets:\n  eth0:\n    dhcp4: false\n' > "$BUNDLE/net.yaml"
  cloud_init '{"userData": "#cloud-config\nruncmd:\n  - [touch, /ran]\n", "networkConfig": {"path": "net.yaml"}}'
  args sh -c 'cd /var/lib/cloud/seed/nocloud && for f in *; do echo "== $f"; cat "$f"; done; touch x 2>/dev/null || echo read-only; awk "\$2 == \"/var/lib/cloud/seed/nocloud\" {print \$3, substr(\$4, 1, 2)}" /proc/self/mounts'
  id=$(cid)
  run casca run --bundle "$BUNDLE" "$id"
  assert_success
  assert_equal "$output" "== meta-data
instance-id: $id
local-hostname: sysc
== network-config
version: 2
ethernets:
  eth0:
    dhcp4: false
== user-data
#cloud-config
runcmd:
  - [touch, /ran]
read-only
tmpfs ro"
  # nothing of it on the host or in the rootfs
  [ ! -e "$BUNDLE/rootfs/var/lib/cloud/seed/nocloud/user-data" ]
}

@test "casca.cloudInit: metaData given is used as is; a user-data that is not cloud-config is not parsed as YAML" {
  make_system_bundle
  printf '#!/bin/sh\necho {{ not: yaml: [\n' > "$BUNDLE/script"
  cloud_init '{"metaData": "instance-id: iid-42\n", "userData": {"path": "'"$BUNDLE"'/script"}}'
  args sh -c 'cat /var/lib/cloud/seed/nocloud/meta-data /var/lib/cloud/seed/nocloud/user-data; ls /var/lib/cloud/seed/nocloud'
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert_equal "$output" $'instance-id: iid-42\n#!/bin/sh\necho {{ not: yaml: [\nmeta-data\nuser-data'
}

@test "casca.cloudInit: bad input is refused at create, naming the field, and nothing is left behind" {
  make_system_bundle
  check_refused() {
    cloud_init "$1"
    run_bg create --bundle "$BUNDLE" "$(cid)"
    assert_failure
    assert_output --partial "$2"
    [ -z "$(state_ids)" ]
    [ -z "$(leftover_mounts)" ]
  }
  check_refused '{"userData": "#cloud-config\nusers:\n  - name: a\n   shell: /bin/sh\n"}' \
    'casca.cloudInit.userData: invalid YAML at line 4, column'
  check_refused '{"userData": "#cloud-config\n- a list\n"}' \
    'casca.cloudInit.userData: the top level must be a YAML mapping (line 2)'
  check_refused '{"metaData": "instance-id: [unclosed\n"}' \
    'casca.cloudInit.metaData: invalid YAML at line 2'
  check_refused '{"networkConfig": {"path": "nope.yaml"}}' \
    "casca.cloudInit.networkConfig.path: open \`$BUNDLE/nope.yaml\`: No such file or directory"
  check_refused '{"userData": {"path": "/proc/self/nonexistent"}}' \
    'casca.cloudInit.userData.path: open `/proc/self/nonexistent`'
  check_refused '{"userdata": "x"}' \
    'casca.cloudInit: unknown key "userdata" (casca knows "userData", "metaData", "networkConfig")'
  check_refused '{"userData": {"file": "x"}}' \
    'casca.cloudInit.userData: unknown key "file" (expected "path")'
  check_refused '{"userData": 42}' \
    'casca.cloudInit.userData: expected a string (the text) or {"path": FILE}'
}

@test "casca.cloudInit: libyaml is loaded only for it; where it cannot load, create fails naming it and leaves nothing" {
  # not linked (util/dl.h): the loader mapped it on every casca call
  run readelf -d "$CASCA"
  assert_success
  refute_output --partial libyaml
  make_system_bundle
  cloud_init '{"userData": "#cloud-config\nruncmd:\n  - [touch, /ran]\n"}'
  args true
  id=$(cid)
  # a private mount namespace in which the library is an empty file
  run unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh \
    "$(realpath /lib/x86_64-linux-gnu/libyaml-0.so.2)" \
    "$CASCA" --root "$STATE_ROOT" create --bundle "$BUNDLE" "$id"
  assert_failure
  assert_output --partial "casca.cloudInit: cannot load libyaml-0.so.2 (Debian's libyaml-0-2)"
  [ -z "$(state_ids)" ]
  [ -z "$(leftover_mounts)" ]
  # and with it, the same create works: the loaded library checks the YAML
  run_bg create --bundle "$BUNDLE" "$id"
  assert_success
  casca delete -f "$id"
}

# net_system_bundle [NETWORK_CONFIG]: a --system bundle on casca's network
# (bridge sysbr0, 10.89.12.2/24 fixed) in the stand-in host $H, whose
# casca.cloudInit has a user-data and the given networkConfig (none when
# empty); its container prints its seed and eth0's address.
net_system_bundle() {
  net_world
  make_system_bundle --network bridge
  cfg 'c["casca"]["network"] = {"bridge": "sysbr0", "subnet": "10.89.12.0/24", "address": "10.89.12.2"}'
  if [ -n "${1:-}" ]; then
    cloud_init '{"userData": "#cloud-config\n", "networkConfig": "'"$1"'"}'
  else
    cloud_init '{"userData": "#cloud-config\n"}'
  fi
  args sh -c 'cd /var/lib/cloud/seed/nocloud && ls; echo "== network-config"; cat network-config; ip addr show dev eth0 | grep -o "inet [0-9./]*"; awk "\$5 ~ /^\/etc\// {print \$5}" /proc/self/mountinfo'
}

@test "casca.cloudInit with casca.network: the seed's network-config tells cloud-init to leave the network alone; /etc/hostname is the system's" {
  net_system_bundle
  id=$(cid)
  run casca run --bundle "$BUNDLE" "$id"
  assert_success
  # cloud-init's net.is_disabled_cfg() form, taken from the datasource
  assert_equal "$output" "meta-data
network-config
user-data
== network-config
# casca.network configures this container's network: cloud-init leaves it alone
config: disabled
inet 10.89.12.2/24
/etc/hosts
/etc/resolv.conf"
  assert_clean "$id"
}

@test "casca.cloudInit.networkConfig beside casca.network: refused at create naming both, nothing left; its disabled form is taken" {
  net_system_bundle 'version: 2\nethernets:\n  eth0:\n    dhcp4: true\n'
  id=$(cid)
  run_bg create --bundle "$BUNDLE" "$id"
  assert_failure
  assert_output --partial 'casca.cloudInit.networkConfig: casca.network configures eth0 already and cloud-init would configure it again: leave networkConfig out (casca then tells cloud-init to leave the network alone) or make it "config: disabled"'
  [ -z "$(state_ids)" ]
  assert_clean "$id"
  # nothing was set up: no bridge, no veth in the stand-in host
  run inhost ip -o link show
  assert_success
  assert_equal "$(echo "$output" | wc -l)" 1
  # the user's own "leave it alone" is taken, as given
  cloud_init '{"userData": "#cloud-config\n", "networkConfig": "network:\n  config: disabled\n"}'
  run casca run --bundle "$BUNDLE" "$id"
  assert_success
  assert_line --index 3 "== network-config"
  assert_line --index 4 "network:"
  assert_line --index 5 "  config: disabled"
  assert_line --index 6 "inet 10.89.12.2/24"
  assert_clean "$id"
}
