#!/usr/bin/env bats
# checkpoint.bats - `casca checkpoint` and `casca restore` through CRIU.
# What runs criu needs a pure cgroup v2 hierarchy (need_cgroup2: the VM
# lane): criu makes and fills cgroups, which the host's hybrid hierarchy must
# never see.  The refusals and errors run everywhere (no criu runs).

load helpers/casca
load helpers/netclean
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
  net_teardown
  common_teardown
}

# casca runs in the stand-in host namespace $H once net_world made it
casca() {
  if [ -n "${H:-}" ]; then
    nsenter --net="/run/netns/$H" "$CASCA" --root "$STATE_ROOT" "$@"
  else
    "$CASCA" --root "$STATE_ROOT" "$@"
  fi
}

# net_world: a stand-in host network namespace $H (ip netns add) in which
# casca runs, so its bridge, nftables table and veth host ends live there
# and never on the machine.  Private addresses only.
net_world() {
  command -v nft > /dev/null || skip "needs nft (nftables) to observe the rules"
  H=cp$$t${BATS_TEST_NUMBER}-host
  ip netns add "$H"
  ip -n "$H" link set lo up
}

# Delete the containers inside $H (outside it, a teardown would look at the
# machine's nftables), then $H.
net_teardown() {
  local id
  [ -n "${H:-}" ] || return 0
  for id in $(net_ids); do
    casca delete --force "$id" > /dev/null 2>&1 || true
  done
  ip netns del "$H" 2> /dev/null || true
  H=
  # the leases' dir (assert_clean checked that none is a container's)
  rm -rf "$STATE_ROOT/@ipam"
}

# state_ids without the leases' dir
net_ids() { state_ids; }

inhost() { nsenter --net="/run/netns/$H" "$@"; }

# ct_link ID: "ADDRESS/PREFIX MAC" of eth0, read in container ID's network
# namespace
ct_link() {
  local pid
  pid=$(state_field "$1" pid)
  echo "$(nsenter -t "$pid" -n ip -4 -o addr show dev eth0 | awk '{print $4}')" \
    "$(nsenter -t "$pid" -n ip -o link show dev eth0 | sed -n 's|.* link/ether \([0-9a-f:]*\) .*|\1|p')"
}

# answers ADDR PORT: a connection from $H to ADDR:PORT gets "tcp-ok"
answers() {
  local got
  got=$(inhost busybox nc -w 2 "$1" "$2" 2> /dev/null)
  [ "$got" = tcp-ok ] && return 0
  echo "$1:$2 from the stand-in host answered \"$got\", not tcp-ok"
  return 1
}

# run_counter [SUFFIX [net]]: a container appending 1, 2, 3... to
# /data/log (bound from $DATA), ten a second; its stdio is its own
# /dev/null.  With "net": on the bridge cpbr0 (10.89.7.0/24, its port 8080
# published on the host's 18080), with a TCP listener (busybox nc,
# answering "tcp-ok") beside the counter.  Sets ID.
run_counter() {
  if [ "${2:-}" = net ]; then
    COUNTER_BESIDE='nc -ll -p 8080 -e echo tcp-ok & ' counter_bundle --network bridge
    cfg 'c["casca"]["network"] = {"bridge": "cpbr0", "subnet": "10.89.7.0/24", "ports": [{"hostPort": 18080, "containerPort": 8080}]}'
  else
    counter_bundle
  fi
  ID=$(cid "${1:-}")
  run_bg run -d --bundle "$BUNDLE" "$ID"
  assert_success
  wait_until has_lines 3
}

# checkpoint_runs_on OPTION...: `casca checkpoint OPTION... $ID` succeeds
# and the container runs on: running, the same init, the counter counting
# on without a gap.
checkpoint_runs_on() {
  local pid at
  pid=$(state_field "$ID" pid)
  run casca checkpoint "$@" "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" running
  assert_equal "$(state_field "$ID" pid)" "$pid"
  at=$(wc -l < "$DATA/log")
  wait_until has_lines $((at + 3))
  run log_is_one_count
  assert_success
}

# bats test_tags=vm
@test "checkpoint and restore: the counter goes on from where it was" {
  need_criu
  run_counter
  run casca checkpoint --image-path "$IMG" --work-path "$WORK" "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" stopped
  at=$(wc -l < "$DATA/log")
  sleep 0.5 # time is what is tested: half a second in which nothing more may be written
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

# stdio_of FILE N: entry N of a JSON array of strings in FILE, or of its
# "stdio" member
stdio_of() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d=d["stdio"] if isinstance(d, dict) else d; print(d[int(sys.argv[2])])' "$1" "$2"
}

# bats test_tags=vm
@test "the pipe create gave the init as stdout goes on to restore's stdout though the process moved it (a shell's redirect does), twice" {
  need_criu
  counter_bundle
  # the counter writes to the pipe it got as stdout, moved to fd 3, with
  # /dev/null at fd 1: a shell in the middle of `echo >> file` has a file at
  # fd 1 and the pipe elsewhere, which is what a checkpoint may catch
  args sh -c 'exec 3>&1 > /dev/null 2>&1 < /dev/null; i=0; while :; do i=$((i + 1)); echo $i >> /data/log; echo "n $i" >&3; usleep 100000; done'
  ID=$(cid)
  casca run -d --bundle "$BUNDLE" "$ID" < /dev/null 2> "$BATS_TEST_TMPDIR/err" 3>&- | cat > "$BATS_TEST_TMPDIR/out0" 3>&- &
  reader=$!
  wait_until grep -qx 'n 3' "$BATS_TEST_TMPDIR/out0"
  # create recorded the pipe, before any of the container's code ran
  [[ "$(stdio_of "$STATE_ROOT/$ID/state.json" 1)" == pipe:* ]] || fail "state.json: $(cat "$STATE_ROOT/$ID/state.json")"
  for round in 1 2; do
    run casca checkpoint --image-path "$IMG.$round" --work-path "$WORK.$round" "$ID"
    assert_success
    # the container is gone, and with it the pipe's last writer (bounded: a
    # writer left behind must fail the test, not hang it)
    wait_until dead "$reader"
    wait "$reader"
    assert_equal "$(stdio_of "$IMG.$round/descriptors.json" 1)" "$(stdio_of "$STATE_ROOT/$ID/state.json" 1)"
    at=$(wc -l < "$DATA/log")
    run casca delete "$ID"
    assert_success
    casca restore -d --image-path "$IMG.$round" --work-path "$WORK.$round" --bundle "$BUNDLE" "$ID" < /dev/null 2> "$BATS_TEST_TMPDIR/err" 3>&- | cat > "$BATS_TEST_TMPDIR/out$round" 3>&- &
    reader=$!
    # what it writes to fd 3 reaches restore's stdout: the new pipe
    wait_until grep -qx "n $((at + 3))" "$BATS_TEST_TMPDIR/out$round"
    # and the state names that pipe, for the next checkpoint
    [[ "$(stdio_of "$STATE_ROOT/$ID/state.json" 1)" == pipe:* ]] || fail "state.json: $(cat "$STATE_ROOT/$ID/state.json")"
  done
  run log_is_one_count
  assert_success
  run casca delete --force "$ID"
  assert_success
  wait_until dead "$reader"
  wait "$reader"
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
  checkpoint_runs_on --leave-running --image-path "$IMG"
  for f in inventory.img pstree.img descriptors.json; do
    [ -s "$IMG/$f" ] || fail "no $f in the image dir: $(ls "$IMG")"
  done
  # the dump log is in the image dir (no --work-path)
  grep -q "Dumping finished successfully" "$IMG/dump.log"
  run casca delete --force "$ID"
  assert_success
}

# bats test_tags=vm
@test "checkpoint --pre-dump, then --parent-path: the container runs on after the pre-dump, the dump is linked to it, restore goes on" {
  need_criu
  run_counter
  checkpoint_runs_on --pre-dump --image-path "$IMG/pre"
  grep -q "Pre-dumping finished successfully" "$IMG/pre/pre-dump.log" || fail "no pre-dump log: $(ls "$IMG/pre")"
  ls "$IMG/pre"/pages-*.img > /dev/null || fail "no pages in the pre-dump: $(ls "$IMG/pre")"
  run casca checkpoint --parent-path ../pre --image-path "$IMG/final" "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" stopped
  # criu links the final images to their parent only when casca passed it
  # the pre-dump (--prev-images-dir, with --track-mem).  How many pages the
  # dump then skips is the kernel's soft-dirty tracking, not casca's: a VMA
  # merge or a THP collapse after the pre-dump marks a whole region dirty,
  # and twice in CI the dump wrote everything again (even a MiB the shell
  # never touched), so the page counts are not compared.
  assert_equal "$(readlink "$IMG/final/parent")" ../pre
  at=$(wc -l < "$DATA/log")
  run casca delete "$ID"
  assert_success
  run_bg restore -d --image-path "$IMG/final" --bundle "$BUNDLE" "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" running
  wait_until has_lines $((at + 3))
  run log_is_one_count
  assert_success
  run casca delete --force "$ID"
  assert_success
}

# bats test_tags=vm
@test "restore makes the config's mount targets a new rootfs lacks (containerd restores into a new snapshot of the image)" {
  need_criu
  counter_bundle
  cfg 'c["mounts"].append({"destination": "/newtmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]})'
  cfg 'c["mounts"].append({"destination": "/newtmp/sub", "type": "tmpfs", "source": "tmpfs"})'
  ID=$(cid)
  run_bg run -d --bundle "$BUNDLE" "$ID"
  assert_success
  wait_until has_lines 3
  [ -d "$BUNDLE/rootfs/newtmp" ]
  run casca checkpoint --image-path "$IMG" "$ID"
  assert_success
  at=$(wc -l < "$DATA/log")
  run casca delete "$ID"
  assert_success
  # the rootfs as a fresh copy of the image has it: without the target
  rmdir "$BUNDLE/rootfs/newtmp"
  run_bg restore -d --image-path "$IMG" --bundle "$BUNDLE" "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" running
  [ -d "$BUNDLE/rootfs/newtmp" ]
  # the nested tmpfs's target is the outer tmpfs's, not the rootfs's
  [ ! -e "$BUNDLE/rootfs/newtmp/sub" ]
  wait_until has_lines $((at + 3))
  run log_is_one_count
  assert_success
  run casca delete --force "$ID"
  assert_success
}

# bats test_tags=vm
@test "checkpoint of a paused container (containerd's ctr pauses first): criu is told its cgroup is frozen and does not hang; it stays paused, resumes, and the restore goes on" {
  need_criu
  run_counter
  run casca pause "$ID"
  assert_success
  at=$(wc -l < "$DATA/log")
  # without --freeze-cgroup criu waited forever for its parasite, frozen
  run timeout 60 "$CASCA" --root "$STATE_ROOT" checkpoint --leave-running --image-path "$IMG" "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" paused
  assert_equal "$(cat "/sys/fs/cgroup/casca/$ID/cgroup.freeze")" 1
  sleep 0.5
  assert_equal "$(wc -l < "$DATA/log")" "$at"
  run casca resume "$ID"
  assert_success
  wait_until has_lines $((at + 3))
  run log_is_one_count
  assert_success
  # the image is whole: a restore under a new id counts on from the pause
  run casca delete --force "$ID"
  assert_success
  now=$(wc -l < "$DATA/log")
  new=$(cid new)
  run_bg restore -d --image-path "$IMG" --bundle "$BUNDLE" "$new"
  assert_success
  assert_equal "$(state_field "$new" status)" running
  wait_until has_lines $((now + 3))
  assert_equal "$(sed -n "$((now + 1))p" "$DATA/log")" $((at + 1))
  run casca delete --force "$new"
  assert_success
}

# bats test_tags=vm
@test "casca.network: restored with its address and MAC, its listener and published port answer, the counter goes on" {
  need_criu
  net_world
  run_counter "" net
  link=$(ct_link "$ID")
  addr=${link%%/*}
  [[ $addr == 10.89.7.* ]] || fail "eth0: $link"
  wait_until --interval 0.2 answers "$addr" 8080
  run casca checkpoint --image-path "$IMG" --work-path "$WORK" "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" stopped
  run python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["address"])' "$IMG/casca-network.json"
  assert_output "$addr"
  at=$(wc -l < "$DATA/log")
  # podman's order: checkpoint, delete (the lease, the veth, the rules go), restore
  run casca delete "$ID"
  assert_success
  assert_clean "$ID"
  run answers "$addr" 8080
  assert_failure
  run_bg restore -d --image-path "$IMG" --work-path "$WORK" --bundle "$BUNDLE" "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" running
  # the same address and MAC on the restored container's interface
  assert_equal "$(ct_link "$ID")" "$link"
  # the restored listener answers at that address, and at the published port
  answers "$addr" 8080
  answers 127.0.0.1 18080
  run inhost nft list ruleset
  assert_output --partial "\"casca:$ID\""
  wait_until has_lines $((at + 3))
  run log_is_one_count
  assert_success
  run casca delete --force "$ID"
  assert_success
  assert_clean "$ID"
}

# bats test_tags=vm
@test "casca.network: --leave-running keeps the network; a restore while the address is taken fails and leaves nothing; under a new id it works" {
  need_criu
  net_world
  run_counter old net
  old=$ID
  new=$(cid new)
  link=$(ct_link "$old")
  addr=${link%%/*}
  wait_until --interval 0.2 answers "$addr" 8080
  run casca checkpoint --leave-running --image-path "$IMG" "$old"
  assert_success
  assert_equal "$(state_field "$old" status)" running
  assert_equal "$(ct_link "$old")" "$link"
  answers "$addr" 8080
  # the published port and the address are the running original's: each
  # refused by name, and nothing of $new is left
  run_bg restore -d --image-path "$IMG" --bundle "$BUNDLE" "$new"
  assert_failure
  assert_output --partial "18080/tcp is already published by container \`$old\`"
  assert_clean "$new"
  cp -a "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.json"
  cfg 'del c["casca"]["network"]["ports"]'
  run_bg restore -d --image-path "$IMG" --bundle "$BUNDLE" "$new"
  assert_failure
  assert_output --partial "address $addr is already leased to \`$old\`"
  assert_clean "$new"
  assert_equal "$(net_ids)" "$old"
  cp "$BATS_TEST_TMPDIR/config.json" "$BUNDLE/config.json"
  answers "$addr" 8080
  answers 127.0.0.1 18080
  run casca delete --force "$old"
  assert_success
  assert_clean "$old"
  at=$(wc -l < "$DATA/log")
  run_bg restore -d --image-path "$IMG" --bundle "$BUNDLE" "$new"
  assert_success
  assert_equal "$(ct_link "$new")" "$link"
  answers "$addr" 8080
  answers 127.0.0.1 18080
  run inhost nft list ruleset
  assert_output --partial "\"casca:$new\""
  pid=$(state_field "$new" pid)
  assert_equal "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" "/casca/$new"
  # the counter goes on from the checkpoint (the original wrote on after it)
  wait_until has_lines $((at + 3))
  run casca delete --force "$new"
  assert_success
  assert_clean "$new"
}

@test "restore: casca.network needs the checkpoint's address record; netDevices and user-mode networks are refused; nothing is left" {
  make_bundle "" --network bridge
  mkdir -p "$IMG"
  echo '["/dev/null", "/dev/null", "/dev/null"]' > "$IMG/descriptors.json"
  run casca restore -d --image-path "$IMG" --bundle "$BUNDLE" x1
  assert_failure
  assert_output --partial "casca.network: the checkpoint has no casca-network.json (not a checkpoint of a container with casca.network)"
  assert_equal "$(state_ids)" ""
  cfg 'c["casca"]["network"] = {"mode": "user"}'
  run casca restore -d --image-path "$IMG" --bundle "$BUNDLE" x2
  assert_failure
  assert_output "casca: casca.network.mode: checkpoint/restore of a container with user-mode networking (pasta) is not supported yet"
  cfg 'del c["casca"]; c["linux"]["netDevices"] = {"cpdummy0": {}}'
  run casca restore -d --image-path "$IMG" --bundle "$BUNDLE" x3
  assert_failure
  assert_output "casca: linux.netDevices: checkpoint/restore of a container with host interfaces moved in is not supported"
  assert_equal "$(state_ids)" ""
}

@test "restore: casca.network built, then criu fails: no veth, lease, rule or state dir is left" {
  net_world
  make_bundle "" --network bridge
  cfg 'c["casca"]["network"] = {"bridge": "cpbr0", "subnet": "10.89.7.0/24", "ports": [{"hostPort": 18080, "containerPort": 8080}]}'
  mkdir -p "$IMG"
  echo '["/dev/null", "/dev/null", "/dev/null"]' > "$IMG/descriptors.json"
  # the address record of a checkpoint, and no criu image at all
  echo '{"address": "10.89.7.9", "mac": "02:42:0a:59:07:09"}' > "$IMG/casca-network.json"
  id=$(cid)
  run_bg restore -d --image-path "$IMG" --bundle "$BUNDLE" "$id"
  assert_failure
  assert_output --regexp "casca: restore \`$id\`: criu restore (failed|: cannot run)"
  # the network was made (the bridge stays, as after any container)
  run inhost ip -o link show cpbr0
  assert_success
  assert_clean "$id"
  assert_equal "$(net_ids)" ""
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

@test "refused options are named" {
  for opt in --lazy-pages --auto-dedup "--page-server=x:1" "--empty-ns=network"; do
    run casca checkpoint "$opt" x
    assert_failure
    assert_output "casca: checkpoint: ${opt%%=*} is not supported"
  done
  for opt in --lazy-pages --pre-dump "--parent-path=x"; do
    run casca restore "$opt" -d x
    assert_failure
    assert_output "casca: restore: ${opt%%=*} is not supported"
  done
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

@test "restore takes runc's -no-subreaper with one dash (as containerd's runc shim passes it, through go-runc)" {
  # past the options: it fails on the bundle with no config.json, not with the usage
  run casca restore -d --image-path "$BATS_TEST_TMPDIR/none" -no-subreaper --bundle "$BATS_TEST_TMPDIR" x
  assert_failure
  assert_output "casca: config \`$BATS_TEST_TMPDIR/config.json\`: no such file"
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

@test "stdio that is the caller's /dev/null becomes the container's own (runc's; criu cannot dump the caller's)" {
  make_bundle
  # fd 0's mount is one of the container's mounts (mountinfo's first field)
  args sh -c 'm=$(sed -n "s/^mnt_id:[[:space:]]*//p" /proc/self/fdinfo/0); if grep -q "^$m " /proc/self/mountinfo; then echo "fd 0 on $m: inside"; else echo "fd 0 on $m: outside"; fi; readlink /proc/self/fd/0'
  run_bg run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert_output --regexp '^fd 0 on [0-9]+: inside'$'\n''/dev/null$'
}

@test "runc's options reach criu: --tcp-established, --file-locks, --ext-unix-sk, --shell-job, --manage-cgroups-mode, --pre-dump, --parent-path (a stand-in criu records its argv)" {
  # a script bound over /usr/sbin/criu in a private mount namespace records
  # what casca runs, then fails as criu would: the container stays as it was
  [ -e /usr/sbin/criu ] || skip "needs /usr/sbin/criu to bind the stand-in over (make deps)"
  make_bundle
  args sleep 100
  casca run -d --bundle "$BUNDLE" "$(cid)"
  fake=$BATS_TEST_TMPDIR/criu
  printf '#!/bin/sh\necho "$@" >> %s/argv\necho "Error (stand-in): no dump" >> %s/dump.log\nexit 1\n' \
    "$BATS_TEST_TMPDIR" "$WORK" > "$fake"
  chmod 0755 "$fake"
  mkdir -p "$WORK"
  run unshare -m --propagation private sh -c "mount --bind '$fake' /usr/sbin/criu && \
    '$CASCA' --root '$STATE_ROOT' checkpoint --image-path '$IMG' --work-path '$WORK' \
      --tcp-established --file-locks --ext-unix-sk --shell-job --manage-cgroups-mode full '$(cid)'"
  assert_failure
  assert_output --partial "Error (stand-in): no dump"
  run cat "$BATS_TEST_TMPDIR/argv"
  assert_output --regexp "^dump .*--images-dir=$IMG .*--work-dir=$WORK .*--manage-cgroups=full --tcp-established --file-locks --ext-unix-sk --shell-job"
  # --pre-dump is criu's pre-dump with memory tracking; --parent-path its
  # --prev-images-dir (and tracking again)
  rm "$BATS_TEST_TMPDIR/argv"
  for opts in "--pre-dump" "--parent-path ../pre"; do
    run unshare -m --propagation private sh -c "mount --bind '$fake' /usr/sbin/criu && \
      '$CASCA' --root '$STATE_ROOT' checkpoint --image-path '$IMG' --work-path '$WORK' $opts '$(cid)'"
    assert_failure
  done
  run cat "$BATS_TEST_TMPDIR/argv"
  assert_line -n 0 --regexp "^pre-dump .* --track-mem( |$)"
  assert_line -n 1 --regexp "^dump .* --track-mem --prev-images-dir=\.\./pre( |$)"
  # a failed dump leaves the container running
  run casca state "$(cid)"
  assert_output --partial '"status": "running"'
  casca delete --force "$(cid)"
}
