#!/usr/bin/env bats
# What the process inside really sees.

load helpers/casca

run_in() { run casca run --bundle "$BUNDLE" "$(cid)"; }

# own_ns PID TYPE: process PID is in a TYPE namespace other than ours (for
# wait_until: else says which it is in).
own_ns() {
  local theirs ours
  theirs=$(readlink "/proc/$1/ns/$2")
  ours=$(readlink "/proc/self/ns/$2")
  [ -n "$theirs" ] && [ "$theirs" != "$ours" ] && return 0
  echo "pid $1 is in ${theirs:-no} $2 namespace, ours is $ours"
  return 1
}

@test "new namespaces differ from the host's; the process is PID 1" {
  make_bundle
  args sh -c 'for n in pid net ipc uts mnt cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done; echo "pid1 $$"'
  run_in
  assert_success
  assert_line "pid1 1"
  for n in pid net ipc uts mnt cgroup; do
    inside=$(echo "$output" | awk -v n=$n '$1==n {print $2}')
    assert [ -n "$inside" ]
    [ "$inside" != "$(readlink /proc/self/ns/$n)" ] || fail "$n namespace is the host's"
  done
}

@test "hostname and domainname are the container's own" {
  make_bundle
  cfg 'c["hostname"] = "box1"; c["domainname"] = "example.org"'
  args sh -c 'hostname; cat /proc/sys/kernel/domainname'
  run_in
  assert_success
  assert_line box1
  assert_line example.org
  assert_not_equal "$(hostname)" box1
}

@test "the mount table is the container's: rootfs at /, config mounts, no host mounts" {
  make_bundle
  args cat /proc/self/mountinfo
  cfg 'c["mounts"].append({"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "nosuid"]})'
  run_in
  assert_success
  # field 5 is the mount point: the rootfs is /, read-only
  assert_line --regexp "^[0-9]+ [0-9]+ [0-9:]+ [^ ]*/bundle/rootfs / ro,"
  assert_line --regexp ' /data rw,nosuid.* - tmpfs tmpfs '
  assert_line --regexp ' /proc .* - proc proc '
  assert_line --regexp ' /dev/pts .* - devpts devpts '
  # none of the host's own mount points
  mps=$(echo "$output" | awk '{print $5}')
  while IFS= read -r hostmp; do
    ! echo "$mps" | grep -qxF -- "$hostmp" || fail "host mount $hostmp is visible inside"
  done < <(awk '$5 != "/" {print $5}' /proc/self/mountinfo | grep -vE '^/(proc|sys|dev)(/|$)')
}

@test "user namespace: uid_map as configured, root inside is not root outside" {
  # the container's root (uid 100000 outside) must reach the rootfs
  chmod o+x "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
  make_bundle
  cfg 'c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; sleep 1000'
  id=$(cid)
  casca run -d --bundle "$BUNDLE" "$id" > "$BATS_TEST_TMPDIR/out"
  pid=$(state_field "$id" pid)
  wait_until file_has "$BATS_TEST_TMPDIR/out" '^0$'
  run cat "$BATS_TEST_TMPDIR/out"
  assert_line --regexp '^ +0 +100000 +65536$'
  assert_line 0
  # seen from the host, the container's root is uid 100000
  run awk '/^Uid:/ {print $2}' "/proc/$pid/status"
  assert_output 100000
  assert_not_equal "$(readlink "/proc/$pid/ns/user")" "$(readlink /proc/self/ns/user)"
  casca delete --force "$id"
}

@test "capabilities: the configured sets, nothing more" {
  make_bundle
  cfg 'caps = ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
c["process"]["capabilities"] = {"bounding": caps, "effective": caps, "permitted": caps}'
  args sh -c 'grep -E "^Cap(Eff|Bnd|Prm|Inh|Amb)" /proc/self/status'
  run_in
  assert_success
  # CAP_KILL = 5, CAP_NET_BIND_SERVICE = 10 -> 0x420
  assert_line --regexp '^CapEff:\s+0000000000000420$'
  assert_line --regexp '^CapBnd:\s+0000000000000420$'
  assert_line --regexp '^CapPrm:\s+0000000000000420$'
  assert_line --regexp '^CapInh:\s+0000000000000000$'
}

@test "with the default capabilities a mount, a raw socket, a module load and a clock change fail" {
  make_bundle
  cfg 'c["root"]["readonly"] = False'
  args sh -c 'grep CapEff /proc/self/status; mkdir -p /mnt; mount -t tmpfs none /mnt 2>&1 || echo mount-denied; ping -c1 -W1 127.0.0.1 2>&1; date -s "$(date "+%Y-%m-%d %H:%M:%S")" 2>&1; insmod /bin/busybox 2>&1; echo done'
  # the capabilities alone (the default seccomp profile refuses most of
  # these too), then with casca spec --hardened's profile.  The clock is set to what it
  # is (to the second): should the protection fail, the host's clock barely
  # moves (a time namespace does not cover CLOCK_REALTIME).
  for profile in without with; do
    [ $profile = with ] || cfg 'c["linux"]["seccomp_saved"] = c["linux"].pop("seccomp")'
    [ $profile = without ] || cfg 'c["linux"]["seccomp"] = c["linux"].pop("seccomp_saved")'
    run_in
    assert_line 'done'
    assert_line --regexp '^CapEff:\s+0000000020000420$'
    assert_line mount-denied
    refute_output --partial "1 packets transmitted"
    assert_output --partial "ping: permission denied"
    assert_output --partial "date: can't set date: Operation not permitted"
    # a kernel without module support (no /proc/modules) says ENOSYS first
    if [ $profile = with ] || [ -e /proc/modules ]; then
      assert_output --partial "insmod: can't insert '/bin/busybox': Operation not permitted"
    else
      assert_output --partial "insmod: can't insert '/bin/busybox': kernel does not support requested operation"
    fi
  done
}

@test "noNewPrivileges sets NoNewPrivs; without it, it is clear" {
  make_bundle
  args sh -c 'grep NoNewPrivs /proc/self/status'
  cfg 'c["process"]["noNewPrivileges"] = True'
  run_in
  assert_line --regexp 'NoNewPrivs:\s+1'
  cfg 'c["process"]["noNewPrivileges"] = False'
  run_in
  assert_line --regexp 'NoNewPrivs:\s+0'
}

@test "user, groups, umask, env, cwd and rlimits are applied" {
  make_bundle
  soft=$(( $(ulimit -Hn) < 512 ? $(ulimit -Hn) : 512 ))
  cfg "c['process']['user'] = {'uid': 1000, 'gid': 1000, 'umask': 63, 'additionalGids': [5, 7]}
c['process']['env'] = ['PATH=/bin', 'FOO=bar baz']
c['process']['cwd'] = '/home/user'
c['process']['rlimits'] = [{'type': 'RLIMIT_NOFILE', 'soft': $soft, 'hard': $soft}]"
  args sh -c 'id; umask; echo "FOO=$FOO"; pwd; ulimit -n; ulimit -Hn'
  run_in
  assert_success
  # (gid 5 is tty in the tests' /etc/group, 7 is in none)
  assert_line --regexp '^uid=1000\(user\) gid=1000\(user\) groups=5\(tty\),7$'
  assert_line 0077
  assert_line "FOO=bar baz"
  assert_line /home/user
  assert_equal "$(echo "$output" | tail -2 | head -1)" "$soft"
}

@test "masked paths are unreadable, readonly paths unwritable, readonly root holds" {
  make_bundle
  # on the host these have content
  for f in /proc/interrupts /proc/timer_list; do [ -s "$f" ] || [ "$(head -c1 "$f" | wc -c)" = 1 ]; done
  assert [ -n "$(ls /sys/firmware)" ]
  args sh -c 'for f in /proc/interrupts /proc/timer_list; do echo "$f $(cat $f | wc -c)"; done; echo "firmware $(ls /sys/firmware | wc -l)"; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null || echo ro-sys; touch /newfile 2>/dev/null || echo ro-root; echo x > /proc/sysrq-trigger 2>/dev/null || echo ro-sysrq'
  run_in
  assert_line "/proc/interrupts 0"
  assert_line "/proc/timer_list 0"
  assert_line "firmware 0"
  assert_line ro-sys
  assert_line ro-root
  assert_line ro-sysrq
}

@test "only stdio and --preserve-fds reach the container" {
  make_bundle
  args sh -c 'ls /proc/self/fd'
  # the runtime holds fd 7 and its cwd; neither may reach the container
  (cd "$BATS_TEST_TMPDIR" && "$CASCA" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$(cid a)" \
      7>"$BATS_TEST_TMPDIR/seven" > "$BATS_TEST_TMPDIR/fds" 2>&1)
  # ls itself holds its directory fd (3); nothing else besides stdio
  assert_equal "$(tr '\n' ' ' < "$BATS_TEST_TMPDIR/fds")" "0 1 2 3 "
  args sh -c 'echo through-three >&3; ls /proc/self/fd'
  "$CASCA" --root "$STATE_ROOT" run --preserve-fds 1 --bundle "$BUNDLE" "$(cid b)" \
      3>"$BATS_TEST_TMPDIR/three" > "$BATS_TEST_TMPDIR/fds" 2>&1
  assert_equal "$(cat "$BATS_TEST_TMPDIR/three")" through-three
  assert_equal "$(tr '\n' ' ' < "$BATS_TEST_TMPDIR/fds")" "0 1 2 3 4 "
}

@test "a network namespace given by path is joined, not created" {
  make_bundle
  unshare --net sleep 100 &
  holder=$!
  wait_until own_ns "$holder" net
  cfg "c['linux']['namespaces'] = [n if n['type'] != 'network' else {'type': 'network', 'path': '/proc/$holder/ns/net'} for n in c['linux']['namespaces']]"
  want=$(readlink /proc/$holder/ns/net)
  args readlink /proc/self/ns/net
  run_in
  kill $holder
  assert_success
  assert_output "$want"
  assert_not_equal "$want" "$(readlink /proc/self/ns/net)"
}

@test "time namespace: timeOffsets move the container's clocks" {
  make_bundle
  cfg 'c["linux"]["namespaces"].append({"type": "time"})
c["linux"]["timeOffsets"] = {"monotonic": {"secs": 86400000, "nanosecs": 0}, "boottime": {"secs": 86400000, "nanosecs": 0}}'
  # /proc/uptime reads CLOCK_BOOTTIME, which the namespace offsets
  args cat /proc/uptime
  run_in
  assert_success
  up=${output%%.*}
  [ "$up" -ge 86400000 ] || fail "uptime $up is not offset"
}

# userns_oom_time_bundle OOM: a user namespace with mappings, a time namespace with
# offsets, and process.oomScoreAdj OOM; the process prints what it sees.
userns_oom_time_bundle() {
  chmod o+x "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
  make_bundle
  cfg 'c["linux"]["namespaces"] += [{"type": "user"}, {"type": "time"}]
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["linux"]["timeOffsets"] = {"monotonic": {"secs": 86400000, "nanosecs": 0}, "boottime": {"secs": 172800000, "nanosecs": 0}}
c["process"]["oomScoreAdj"] = '"$1"
  args sh -c 'id -u; cat /proc/self/oom_score_adj /proc/self/timens_offsets /proc/uptime'
}

@test "user namespace: oomScoreAdj and timeOffsets are applied" {
  userns_oom_time_bundle 321
  run_in
  assert_success
  assert_line --index 0 0
  assert_line --index 1 321
  assert_line --regexp '^monotonic +86400000 +0$'
  assert_line --regexp '^boottime +172800000 +0$'
  # /proc/uptime reads CLOCK_BOOTTIME, which the namespace offsets
  up=$(echo "$output" | tail -n 1)
  up=${up%%.*}
  [ "$up" -ge 172800000 ] || fail "uptime $up is not offset"
}

@test "user namespace: exec gets oomScoreAdj and the time namespace too" {
  userns_oom_time_bundle 321
  args sleep 100
  id=$(cid)
  run_bg run -d --bundle "$BUNDLE" "$id"
  assert_success
  run casca exec "$id" cat /proc/self/oom_score_adj /proc/self/timens_offsets
  assert_success
  assert_line --index 0 321
  assert_line --regexp '^boottime +172800000 +0$'
  casca delete --force "$id"
}

@test "oomScoreAdj with a pid namespace joined by path (the two-stage create)" {
  make_bundle
  unshare --pid --fork sleep 100 &
  holder=$!
  wait_until pgrep -P "$holder"
  child=$(pgrep -P "$holder")
  assert [ -n "$child" ]
  cfg "c['linux']['namespaces'] = [n if n['type'] != 'pid' else {'type': 'pid', 'path': '/proc/$child/ns/pid'} for n in c['linux']['namespaces']]
c['process']['oomScoreAdj'] = 222"
  args cat /proc/self/oom_score_adj
  run_in
  kill "$child" "$holder"
  assert_success
  assert_output 222
}

# bats test_tags=vm
@test "user namespace: oomScoreAdj below the runtime's is applied" {
  # CAP_SYS_RESOURCE: bit 24
  (( 0x$(awk '/^CapEff/ {print $2}' /proc/self/status) & (1 << 24) )) ||
    skip "needs CAP_SYS_RESOURCE, which this host withholds (runs in the VM lane)"
  userns_oom_time_bundle -321
  run_in
  assert_success
  assert_line --index 0 0
  assert_line --index 1 -- -321
}

@test "a new network namespace without casca.network has lo up and 127.0.0.1 reachable" {
  make_bundle
  args sh -c "$WAIT_LISTEN"'; cat /sys/class/net/lo/flags; ip -o link show lo; (nc -l -p 5555 -e echo hello-lo &); wait_listen 5555; nc -w 2 127.0.0.1 5555'
  run_in
  assert_success
  # IFF_UP | IFF_LOOPBACK
  assert_line --index 0 0x9
  assert_line --index 1 --regexp '^1: lo: <LOOPBACK,UP,LOWER_UP>'
  assert_line hello-lo
}

@test "casca links only what every call needs; a container's init maps no library it loads on demand" {
  # libmnl, libnftnl (networking), libyaml (cloud-init), libsystemd (the
  # systemd cgroup manager) are dlopen()ed by the verbs that need them
  # (util/dl.h): the loader maps them on no call, twice per run as root
  run readelf -d "$CASCA"
  assert_success
  assert_output --partial '[libyajl.so.2]'
  refute_output --regexp 'libmnl|libnftnl|libyaml|libsystemd'
  make_bundle
  args true
  id=$(cid)
  casca create --bundle "$BUNDLE" "$id"
  pid=$(casca state "$id" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
  # the init waits for start in the exec stub (runtime/sealed-exe.c), which
  # maps no library at all
  run cat "/proc/$pid/maps"
  assert_success
  assert_output --partial 'memfd:casca-stub'
  refute_output --partial '.so'
  casca start "$id"
  casca delete -f "$id"
  # where it waits as a fork of casca (a startContainer hook: no stub)
  cfg 'c["hooks"] = {"startContainer": [{"path": "/bin/true"}]}'
  casca create --bundle "$BUNDLE" "$id"
  pid=$(casca state "$id" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
  run cat "/proc/$pid/maps"
  assert_success
  assert_output --partial libyajl.so
  refute_output --regexp 'libmnl|libnftnl|libyaml|libsystemd'
  casca start "$id"
  casca delete -f "$id"
}

@test "namespaced sysctls are set" {
  make_bundle
  cfg 'c["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234"}'
  args sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni'
  run_in
  assert_success
  assert_line --index 0 1
  assert_line --index 1 1234
}

@test "default devices exist and work; /dev/console is absent without a terminal" {
  make_bundle
  args sh -c 'for d in null zero full random urandom tty; do [ -c /dev/$d ] && echo $d; done; head -c 4 /dev/zero | wc -c; readlink /dev/ptmx; readlink /dev/fd'
  run_in
  assert_success
  for d in null zero full random urandom tty; do assert_line $d; done
  assert_line 4
  assert_line pts/ptmx
  assert_line /proc/self/fd
}

@test "--no-pivot: MS_MOVE + chroot gives the same root" {
  make_bundle
  args sh -c 'ls /; readlink /proc/1/root'
  run casca run --no-pivot --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert_line bin
  assert_line /
  refute_line work
}

@test "linux.devices are created with their type, numbers and mode; oomScoreAdj is set" {
  make_bundle
  # (1:3, the null device, is one of the devices every container may use)
  cfg 'c["linux"]["devices"] = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 438, "uid": 0, "gid": 0}]
c["process"]["oomScoreAdj"] = 123'
  args sh -c 'stat -c "%F %t:%T %a" /dev/mynull; echo hi > /dev/mynull && echo wrote; cat /proc/self/oom_score_adj'
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert_line "character special file 1:3 666"
  assert_line wrote
  assert_line 123
}

@test "LISTEN_FDS: socket-activation fds are passed like --preserve-fds" {
  make_bundle
  args sh -c 'echo via-listen-fds >&3'
  LISTEN_FDS=1 "$CASCA" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$(cid)" 3>"$BATS_TEST_TMPDIR/l3"
  assert_equal "$(cat "$BATS_TEST_TMPDIR/l3")" via-listen-fds
}

@test "user namespace: a bind source only host root can reach is mounted from the runtime's side" {
  chmod o+x "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
  make_bundle
  # the container's root is uid 100000 outside: it cannot traverse secret/
  mkdir -p "$BATS_TEST_TMPDIR/secret/data/sub" "$BATS_TEST_TMPDIR/secret/file.d"
  chmod 700 "$BATS_TEST_TMPDIR/secret"
  chmod 755 "$BATS_TEST_TMPDIR/secret/data"
  echo payload > "$BATS_TEST_TMPDIR/secret/data/f"
  echo single > "$BATS_TEST_TMPDIR/secret/file"
  chmod 644 "$BATS_TEST_TMPDIR/secret/data/f" "$BATS_TEST_TMPDIR/secret/file"
  # (the rootfs is host root's: the mount points are there already)
  mkdir "$BUNDLE/rootfs/data"; touch "$BUNDLE/rootfs/etc/single"
  cfg 'c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["mounts"].append({"destination": "/data", "type": "bind", "source": "'"$BATS_TEST_TMPDIR"'/secret/data", "options": ["rbind", "ro"]})
c["mounts"].append({"destination": "/etc/single", "type": "bind", "source": "'"$BATS_TEST_TMPDIR"'/secret/file", "options": ["bind"]})'
  args sh -c 'cat /data/f /etc/single; touch /data/x 2>&1; awk "\$5 == \"/data\" { print \$6 }" /proc/self/mountinfo'
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert_line payload
  assert_line single
  assert_line --partial "/data/x: Read-only file system"
  assert_line --regexp '^ro(,|$)'
  # a missing source is still a clear error naming it
  cfg 'c["mounts"][-1]["source"] = "'"$BATS_TEST_TMPDIR"'/secret/missing"'
  run casca run --bundle "$BUNDLE" "$(cid missing)"
  assert_failure
  assert_output --partial "bind source \`$BATS_TEST_TMPDIR/secret/missing\`: No such file or directory"
  assert_equal "$(state_ids)" ""
}
