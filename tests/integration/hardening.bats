#!/usr/bin/env bats
# hardening.bats - escape regressions, through the real casca CLI.  Each test
# plays the attack a container could mount against a naive runtime and
# asserts on what the attacker got (and on the host afterwards).
# shellcheck disable=SC2016 # the $ in single quotes is for the container's shell

load helpers/casca

# The runtime under attack is a copy of $CASCA: should an attack work, it
# damages the copy, not the build.  Sets RT and RT_SUM.
runtime_copy() {
  RT=$BATS_TEST_TMPDIR/casca-under-attack
  cp "$CASCA" "$RT"
  RT_SUM=$(sha256sum < "$RT")
}

rt() { "$RT" --root "$STATE_ROOT" "$@"; }

# cmdline_is PID WORDS: /proc/PID/cmdline, each NUL a space, is WORDS (for
# wait_until: else says what it is).
cmdline_is() {
  local c
  c=$(tr '\0' ' ' < "/proc/$1/cmdline" 2>&1)
  [ "$c" = "$2" ] && return 0
  echo "pid $1 runs \"$c\""
  return 1
}

# The pid namespace the container's init lives in, as seen from it.
ns_pid() { awk '/^NSpid:/ {print $NF}' "/proc/$1/status"; }

# A container "attacker" (default capabilities, uid 0, casca spec --hardened's
# profile) that shares the pid namespace of host pid $1 and runs the shell
# script the test later writes to its /tmp/go.  Its output: $ATTACK_OUT.
start_attacker() {
  local save=$BUNDLE
  make_bundle "$BATS_TEST_TMPDIR/attacker"
  if [ -n "${1:-}" ]; then
    cfg "c['linux']['namespaces'] = [n if n['type'] != 'pid' else {'type': 'pid', 'path': '/proc/$1/ns/pid'} for n in c['linux']['namespaces']]"
  fi
  args sh -c 'while [ ! -e /tmp/go ]; do usleep 20000; done; . /tmp/go'
  ATTACK_OUT=$BATS_TEST_TMPDIR/attack.out
  casca run -d --bundle "$BUNDLE" "$(cid attacker)" > "$ATTACK_OUT" 2>&1 < /dev/null
  ATTACKER_PID=$(state_field "$(cid attacker)" pid)
  BUNDLE=$save
}

# attack 'SCRIPT': hand the attacker its script (atomically).
attack() {
  printf '%s\n' "$1" > "$BATS_TEST_TMPDIR/attacker/rootfs/tmp/go.tmp"
  mv "$BATS_TEST_TMPDIR/attacker/rootfs/tmp/go.tmp" "$BATS_TEST_TMPDIR/attacker/rootfs/tmp/go"
}

# Probe /proc/$1/exe: readlink, read, write; one line each.
probe_exe='probe() {
  if readlink "/proc/$1/exe" > /dev/null 2>&1; then echo "link-ok $(readlink "/proc/$1/exe")"; else echo link-denied; fi
  if cat "/proc/$1/exe" > /dev/null 2>&1; then echo read-ok; else echo read-denied; fi
  if (echo pwned >> "/proc/$1/exe") 2> /dev/null; then echo write-ok; else echo write-denied; fi
}'

@test "CVE-2019-5736: the created init's /proc/PID/exe is out of reach of the container" {
  runtime_copy
  make_bundle
  args true
  rt create --bundle "$BUNDLE" "$(cid)" > /dev/null 2>&1 < /dev/null
  pid=$(state_field "$(cid)" pid)
  assert_equal "$(state_field "$(cid)" status)" created

  # 1. A second process joins the init's namespaces (all but the mount
  #    namespace: it keeps the host's /proc and tools) and drops to the
  #    container's default capabilities.
  run nsenter -t "$pid" -p -n -i -u -C -- \
    setpriv --bounding-set -all,+audit_write,+kill,+net_bind_service --inh-caps -all -- \
    /bin/busybox sh -c "$probe_exe"'; grep ^CapEff /proc/self/status; probe '"$pid"
  assert_line --regexp '^CapEff:\s+0000000020000420$'
  assert_line link-denied
  assert_line read-denied
  assert_line write-denied

  # 2. A process inside a container that shares the init's pid namespace.
  start_attacker "$pid"
  attack "$probe_exe
probe 1; echo done"
  wait_until file_has "$ATTACK_OUT" '^done$'
  run cat "$ATTACK_OUT"
  assert_line link-denied
  assert_line read-denied
  assert_line write-denied
  rt delete --force "$(cid)"
  casca delete --force "$(cid attacker)"
  [ "$(sha256sum < "$RT")" = "$RT_SUM" ] || fail "the runtime binary was overwritten"
}

@test "CVE-2019-5736: a created init waits for start in the sealed exec stub, or runs from a sealed copy" {
  runtime_copy
  make_bundle
  args sleep 1000
  # a new pid namespace, no startContainer hook, the profile lets the stub
  # work: the init is the stub, not dumpable, holding stdio and the fifo
  rt --debug create --bundle "$BUNDLE" "$(cid)" > "$BATS_TEST_TMPDIR/create.out" 2>&1 < /dev/null
  grep -q 'the init waits for start in the exec stub' "$BATS_TEST_TMPDIR/create.out" ||
    fail "$(cat "$BATS_TEST_TMPDIR/create.out")"
  pid=$(state_field "$(cid)" pid)
  assert_equal "$(readlink "/proc/$pid/exe")" "/memfd:casca-stub (deleted)"
  mapfile -d '' words < "/proc/$pid/cmdline"
  assert_equal "${words[*]:0:2} ${words[*]:3}" "casca-stub f /bin/sleep sleep 1000"
  fifo=${words[2]}
  assert_equal "$(cd "/proc/$pid/fd" && echo *)" "0 1 2 $fifo"
  assert_equal "$(readlink "/proc/$pid/fd/$fifo")" "$STATE_ROOT/$(cid)/exec.fifo"
  # not dumpable: a process with the container's capabilities, which
  # include all the init holds, but not CAP_SYS_PTRACE, cannot look in
  run setpriv --bounding-set -all,+audit_write,+kill,+net_bind_service --inh-caps -all -- \
    /bin/busybox sh -c "grep ^CapEff /proc/self/status; cat /proc/$pid/environ > /dev/null && echo read-ok"
  assert_line --regexp '^CapEff:\s+0000000020000420$'
  refute_line read-ok
  rt start "$(cid)"
  wait_until eval '[ "$(readlink "/proc/'"$pid"'/exe")" = /bin/busybox ]'
  rt delete --force "$(cid)"

  # where the stub cannot: the init runs from a sealed copy of the runtime
  cfg 'c["hooks"] = {"startContainer": [{"path": "/bin/true"}]}'
  rt --debug create --bundle "$BUNDLE" "$(cid)" > "$BATS_TEST_TMPDIR/create.out" 2>&1 < /dev/null
  grep -q 'startContainer hooks run in the container after start: from a sealed copy' \
    "$BATS_TEST_TMPDIR/create.out" || fail "$(cat "$BATS_TEST_TMPDIR/create.out")"
  pid=$(state_field "$(cid)" pid)
  assert_equal "$(readlink "/proc/$pid/exe")" "/memfd:casca (deleted)"
  rt delete --force "$(cid)"
  [ "$(sha256sum < "$RT")" = "$RT_SUM" ] || fail "the runtime binary was changed"
}

@test "CVE-2019-5736: a '#!/proc/self/exe' init gets the exec stub, which runs nothing" {
  runtime_copy
  make_bundle
  copy_libs "$RT" "$BUNDLE/rootfs"
  printf '#!/proc/self/exe\n' > "$BUNDLE/rootfs/bin/evil"
  chmod 755 "$BUNDLE/rootfs/bin/evil"
  args /bin/evil
  run rt run --bundle "$BUNDLE" "$(cid)"
  assert_equal "$status" 126
  assert_output "casca-stub: this is casca's exec stub; it runs nothing by itself"
  [ "$(sha256sum < "$RT")" = "$RT_SUM" ] || fail "the runtime binary was changed"
}

# ldd's libraries of $1 into the rootfs $2 (the attacker's image ships them).
copy_libs() {
  local lib
  for lib in $(ldd "$1" | grep -oE '/[^ ]+'); do
    mkdir -p "$2$(dirname "$lib")"
    cp -L "$lib" "$2$lib"
  done
}

@test "CVE-2019-5736: a '#!/proc/self/exe' program cannot reach the runtime binary" {
  runtime_copy
  # The attacker owns a pid namespace and waits for its script.
  start_attacker
  # The victim's program is a script whose interpreter is /proc/self/exe:
  # the kernel runs the runtime's own binary in the container (with the
  # image's libraries, which we give it).  Its complaint about the command
  # line blocks on a full stderr pipe, keeping it alive.
  make_bundle
  copy_libs "$RT" "$BUNDLE/rootfs"
  printf '#!/proc/self/exe\n' > "$BUNDLE/rootfs/bin/evil"
  chmod 755 "$BUNDLE/rootfs/bin/evil"
  args /bin/evil
  cfg "c['linux']['namespaces'] = [n if n['type'] != 'pid' else {'type': 'pid', 'path': '/proc/$ATTACKER_PID/ns/pid'} for n in c['linux']['namespaces']]"
  mkfifo "$BATS_TEST_TMPDIR/stderr"
  exec 8<> "$BATS_TEST_TMPDIR/stderr"
  head -c 65536 /dev/zero >&8
  rt create --bundle "$BUNDLE" "$(cid)" > /dev/null 2>&8 < /dev/null
  pid=$(state_field "$(cid)" pid)
  rt start "$(cid)"
  wait_until cmdline_is "$pid" "/proc/self/exe /bin/evil " ||
    fail "the runtime binary did not start in the container"

  # The attacker takes hold of /proc/PID/exe while the runtime runs there,
  # waits for it to exit, then writes through the descriptor it kept.
  attack "$probe_exe
n=$(ns_pid "$pid")
probe \$n
if cat /proc/\$n/exe > /dev/null 2>&1; then exec 3< /proc/\$n/exe; echo held; fi
echo ready
while [ ! -e /tmp/go2 ]; do usleep 20000; done
if [ -e /proc/self/fd/3 ] && (echo pwned >> /proc/self/fd/3) 2> /dev/null; then echo wrote; else echo write-denied-later; fi
echo done"
  wait_until file_has "$ATTACK_OUT" '^ready$'
  # let the runtime in the container finish
  cat <&8 > /dev/null &
  drain=$!
  wait_until dead "$pid"
  kill "$drain"
  exec 8>&-
  touch "$BATS_TEST_TMPDIR/attacker/rootfs/tmp/go2"
  wait_until file_has "$ATTACK_OUT" '^done$'
  run cat "$ATTACK_OUT"
  refute_line wrote
  assert_line write-denied
  rt delete --force "$(cid)"
  casca delete --force "$(cid attacker)"
  [ "$(sha256sum < "$RT")" = "$RT_SUM" ] || fail "the runtime binary was overwritten"
}

@test "CVE-2019-5736: an exec'd '#!/proc/self/exe' program runs the sealed exec stub, never the runtime binary" {
  runtime_copy
  make_bundle
  # the image ships the runtime's libraries, as the attack's image would
  copy_libs "$RT" "$BUNDLE/rootfs"
  printf '#!/proc/self/exe\n' > "$BUNDLE/rootfs/bin/evil"
  chmod 755 "$BUNDLE/rootfs/bin/evil"
  args sleep 1000
  rt run -d --bundle "$BUNDLE" "$(cid)" > /dev/null 2>&1 < /dev/null
  # The exec'd program's interpreter is /proc/self/exe, which the kernel
  # resolves in the process that executes it.  Its complaint blocks on a
  # full stderr pipe, keeping it alive.
  mkfifo "$BATS_TEST_TMPDIR/stderr"
  exec 8<> "$BATS_TEST_TMPDIR/stderr"
  head -c 65536 /dev/zero >&8
  # (timeout: a failing check below must not leave it blocked for ever)
  timeout 60 "$RT" --root "$STATE_ROOT" exec "$(cid)" /bin/evil 2>&8 > /dev/null &
  execpid=$!
  wait_until pgrep -f -x "/proc/self/exe /bin/evil"
  pid=$(pgrep -f -x "/proc/self/exe /bin/evil")
  # what runs is the stub, from its sealed memfd: not the runtime
  link=$(readlink "/proc/$pid/exe")
  [[ $link == "/memfd:casca-stub (deleted)" ]] || fail "it runs $link"
  # a process of the container can read it but not write it
  run rt exec "$(cid)" sh -c "$probe_exe"'
probe '"$(ns_pid "$pid")"
  assert_line "link-ok /memfd:casca-stub (deleted)"
  assert_line read-ok
  assert_line write-denied
  # let it go: it ran nothing, said so and exited 126 (the drain holds the
  # fifo open itself: it ends when killed, once the complaint is through)
  cat <&8 > "$BATS_TEST_TMPDIR/stderr.out" &
  drain=$!
  wait "$execpid" || st=$?
  wait_until file_has "$BATS_TEST_TMPDIR/stderr.out" "casca-stub: this is casca's exec stub; it runs nothing by itself"
  kill "$drain"
  exec 8>&-
  assert_equal "${st:-0}" 126
  rt delete --force "$(cid)"
  [ "$(sha256sum < "$RT")" = "$RT_SUM" ] || fail "the runtime binary was overwritten"
}

# The kernel refuses F_SEAL_WRITE with EBUSY while a page of the new memfd
# still has a transient reference (runtime/sealed-exe.c); seal-busy.so plays
# that refusal for the first $SEAL_BUSY seals of each process.
sealbusy() {
  SEAL_BUSY=$1 LD_PRELOAD=$CASCA_BUILD/tests/seal-busy.so \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" casca "${@:2}"
}

@test "the sealed copy of the runtime: a seal refused for a moment is made again, one always refused is an error" {
  [ -f "$CASCA_BUILD/tests/seal-busy.so" ] || fail "seal-busy.so not built (make tests)"
  make_bundle
  args echo sealed-ok
  # two refusals, then a seal: the runtime makes its copy a third time
  run sealbusy 2 run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert_line sealed-ok
  # the same for the sealed memfd that hands the init its hooks' state
  # (casca_fs_memfd_of): the re-executed runtime's first seals are refused
  # (the hook runs before pivot_root: it sees the host's paths)
  cfg 'c["hooks"] = {"createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > '"$BATS_TEST_TMPDIR"'/hook-state"]}]}'
  run sealbusy 2 run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert_line sealed-ok
  grep -q '"status": *"creating"' "$BATS_TEST_TMPDIR/hook-state" || fail "the hook got no state: $(cat "$BATS_TEST_TMPDIR/hook-state")"
  # never sealed: the runtime never runs unsealed, and says why
  run sealbusy 100 run --bundle "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial 'seal the copy of the runtime: Device or resource busy'
  refute_line sealed-ok
  [ -z "$(state_ids)" ] || fail "left behind: $(state_ids)"
  # exec's stub (runtime/sealed-exe.c) is sealed the same way; where it
  # never is, exec falls back to the sealed copy, which is not either
  args sleep 1000
  run_bg run -d --bundle "$BUNDLE" "$(cid)"
  assert_success
  run sealbusy 2 --debug exec "$(cid)" echo exec-ok
  assert_success
  assert_line exec-ok
  assert_line --partial 'cloned in by the exec stub'
  run sealbusy 100 --debug exec "$(cid)" echo exec-ok
  assert_equal "$status" 255
  assert_line --partial 'exec: seal the exec stub: Device or resource busy: from a sealed copy of the runtime'
  assert_line --partial 'seal the copy of the runtime: Device or resource busy'
  refute_line exec-ok
  casca delete --force "$(cid)"
}

@test "CVE-2024-21626: no host descriptor or directory reaches the container" {
  make_bundle
  mkdir -p "$BATS_TEST_TMPDIR/hostcwd" "$BATS_TEST_TMPDIR/hostdir"
  touch "$BATS_TEST_TMPDIR/hostdir/host-marker"
  cfg 'c["process"]["cwd"] = "/tmp"'
  args sh -c 'ls -l /proc/1/fd; echo "cwd $(readlink /proc/self/cwd)"; echo "cwd1 $(readlink /proc/1/cwd)"; echo "root1 $(readlink /proc/1/root)"; ls /proc/1/fd/*/ 2>/dev/null; ls ..'
  # the runtime runs from a host directory with host files and a directory open
  (cd "$BATS_TEST_TMPDIR/hostcwd" && "$CASCA" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$(cid)" \
    5< /etc/passwd 6< "$BATS_TEST_TMPDIR/hostdir" > "$BATS_TEST_TMPDIR/out" 2>&1 < /dev/null)
  run cat "$BATS_TEST_TMPDIR/out"
  assert_line 'cwd /tmp'
  assert_line 'cwd1 /tmp'
  assert_line 'root1 /'
  # the init's (the shell's) stdio: /dev/null and the output file, which
  # the container sees by its host path; nothing else
  fds=$(echo "$output" | awk '$(NF-1) == "->" {print $(NF-2)}' | tr '\n' ' ')
  assert_equal "$fds" "0 1 2 "
  assert_line --regexp ' 0 -> /dev/null$'
  refute_output --partial /etc/passwd
  refute_output --partial hostdir
  refute_output --partial hostcwd
  refute_output --partial host-marker

  # process.cwd through an inherited host directory fd: refused, or inside
  for cwd in /proc/self/fd/6 /proc/self/fd/6/.. /proc/self/cwd; do
    cfg "c['process']['cwd'] = '$cwd'"
    args sh -c 'echo "cwd $(readlink /proc/self/cwd)"; ls'
    (cd "$BATS_TEST_TMPDIR/hostcwd" && "$CASCA" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$(cid)" \
      6< "$BATS_TEST_TMPDIR/hostdir" > "$BATS_TEST_TMPDIR/out" 2>&1 < /dev/null) || true
    run cat "$BATS_TEST_TMPDIR/out"
    refute_output --partial host-marker
    refute_output --partial "$BATS_TEST_TMPDIR"
    if ! echo "$output" | grep -q '^cwd '; then
      assert_output --partial "process.cwd"
    fi
  done

  # a host program run through an inherited directory fd: not found
  cp /bin/busybox "$BATS_TEST_TMPDIR/hostdir/echo"
  cfg 'c["process"]["cwd"] = "/"'
  args /proc/self/fd/6/echo escaped
  run "$CASCA" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$(cid)" 6< "$BATS_TEST_TMPDIR/hostdir"
  refute_output --partial escaped
  assert_failure 1
  assert_output --partial 'exec "/proc/self/fd/6/echo": No such file or directory'
}

@test "CVE-2024-21626: a process.cwd that resolves outside the root is refused" {
  # another container owns the pid namespace; its /proc/1/root is not ours
  start_attacker
  touch "$BATS_TEST_TMPDIR/attacker/rootfs/tmp/other-root-marker"
  make_bundle
  cfg "c['linux']['namespaces'] = [n if n['type'] != 'pid' else {'type': 'pid', 'path': '/proc/$ATTACKER_PID/ns/pid'} for n in c['linux']['namespaces']]
c['process']['cwd'] = '/proc/1/root/tmp'"
  args sh -c 'echo "cwd $(pwd)"; ls'
  run casca run --bundle "$BUNDLE" "$(cid)"
  attack 'echo done'
  casca delete --force "$(cid attacker)"
  refute_output --partial other-root-marker
  assert_failure 1
  assert_output --partial "process.cwd \`/proc/1/root/tmp\`: outside the container's root"
}

@test "CVE-2021-30465: a symlink in the rootfs cannot point a mount at the host" {
  make_bundle
  pwned=casca-pwned-$$-$BATS_TEST_NUMBER
  rm -rf "/tmp/$pwned"
  ln -s / "$BUNDLE/rootfs/evil"
  mkdir -p "$BATS_TEST_TMPDIR/src"
  echo from-the-volume > "$BATS_TEST_TMPDIR/src/marker"
  cfg "c['mounts'].append({'destination': '/evil/tmp/$pwned', 'type': 'bind', 'source': '$BATS_TEST_TMPDIR/src', 'options': ['bind', 'ro']})
c['mounts'].append({'destination': '/evil/tmp/$pwned-tmpfs', 'type': 'tmpfs', 'source': 'tmpfs'})"
  args sh -c "cat /tmp/$pwned/marker; awk '{print \$5}' /proc/self/mountinfo"
  run casca run --bundle "$BUNDLE" "$(cid)"
  # no host path was created, let alone mounted over
  leaked=
  for d in "/tmp/$pwned" "/tmp/$pwned-tmpfs"; do
    [ ! -e "$d" ] || { leaked+=" $d"; rm -rf "$d"; }
  done
  [ -z "$leaked" ] || fail "mount targets created on the host:$leaked"
  # the mounts landed inside the rootfs
  assert_success
  assert_line from-the-volume
  assert_line "/tmp/$pwned"
  assert_line "/tmp/$pwned-tmpfs"
  assert [ -d "$BUNDLE/rootfs/tmp/$pwned" ]
  assert [ ! -e "$BUNDLE/rootfs/tmp/$pwned/marker" ]
}

# The race CVE-2021-30465 was: a container that can write a directory on a
# mount's path (a volume two share) swaps the mount point for a link after
# the bind and before the runtime remounts it read-only.  mount-swap.so
# plays the winner: right after the bind, /shared/data (the volume) and
# /shared/decoy (a link to /proc) trade places.  The remount must still hit
# the volume.
@test "CVE-2021-30465: a mount point swapped right after the bind still gets its read-only remount" {
  [ -f "$CASCA_BUILD/tests/mount-swap.so" ] || fail "mount-swap.so not built (make tests)"
  make_bundle
  mkdir -p "$BUNDLE/rootfs/shared/data" "$BATS_TEST_TMPDIR/hostdata"
  ln -s /proc "$BUNDLE/rootfs/shared/decoy"
  cfg "c['mounts'].append({'destination': '/shared/data', 'type': 'bind', 'source': '$BATS_TEST_TMPDIR/hostdata', 'options': ['bind', 'ro']})"
  args sh -c 'ls -ld /shared/decoy/ ; echo x > /shared/decoy/w; echo "write $?"; grep " /proc " /proc/self/mountinfo'
  run env MOUNT_SWAP=shared/data LD_PRELOAD="$CASCA_BUILD/tests/mount-swap.so" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
    "$CASCA" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$(cid)"
  assert_success
  # the swap happened: the volume's mount point is named decoy now
  assert [ -L "$BUNDLE/rootfs/shared/data" ]
  assert [ -d "$BUNDLE/rootfs/shared/decoy" ]
  # and the volume stayed read-only: nothing reached the host directory
  assert_line --partial "Read-only file system"
  refute_line "write 0"
  assert [ ! -e "$BATS_TEST_TMPDIR/hostdata/w" ]
  # the remount did not land on /proc either
  refute_line --regexp ' /proc ro,'
}

# A device node swapped for a link to a host file right after its mknod
# (another container that can write the image's /dev, played by
# mount-swap.so): its mode is set on the node made, never on the host file.
@test "a device node swapped for a link between its mknod and its chmod: the host file keeps its mode" {
  [ -f "$CASCA_BUILD/tests/mount-swap.so" ] || fail "mount-swap.so not built (make tests)"
  make_bundle
  args true
  canary=$BATS_TEST_TMPDIR/canary
  echo secret > "$canary"
  chmod 600 "$canary"
  run env MKNOD_SWAP=null MKNOD_SWAP_TO="$canary" LD_PRELOAD="$CASCA_BUILD/tests/mount-swap.so" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
    "$CASCA" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial '`/dev/null` was replaced while it was made'
  assert_equal "$(stat -c %a "$canary")" 600
  [ -z "$(state_ids)" ] || fail "left behind: $(state_ids)"
}

# The mounts casca adds of its own accord are held to the config's rule: no
# mount through an image's symlink onto procfs or sysfs (CVE-2019-16884).
@test "CVE-2019-16884 class: the /dev/shm casca adds is not mounted through a symlink into /proc" {
  make_bundle
  cfg "c['mounts'] = [m for m in c['mounts'] if m['destination'] not in ('/dev', '/dev/shm')]"
  rm -rf "$BUNDLE/rootfs/dev/shm"
  ln -s /proc "$BUNDLE/rootfs/dev/shm"
  args true
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial '`/dev/shm` is on procfs (a symlink in the rootfs?): refusing to mount over it'
  [ -z "$(state_ids)" ] || fail "left behind: $(state_ids)"
}

# podman's (containers/common) and docker's default masked and read-only
# paths; every one must be masked or read-only in `casca spec --hardened`.
# (podman: the defaults listed under --security-opt unmask in
# podman-run(1); docker adds /proc/asound and /proc/interrupts as masked)
podman_paths=(/proc/acpi /proc/asound /proc/interrupts /proc/kcore /proc/keys
  /proc/latency_stats /proc/sched_debug /proc/scsi /proc/timer_list /proc/timer_stats
  /sys/devices/virtual/powercap /sys/firmware /sys/fs/selinux
  /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger /sys/fs/cgroup)

@test "casca spec --hardened masks or write-protects everything podman's defaults do" {
  make_bundle
  run python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))["linux"]
for p in c["maskedPaths"]: print("masked", p)
for p in c["readonlyPaths"]: print("readonly", p)' "$BUNDLE/config.json"
  for p in "${podman_paths[@]}"; do
    echo "$output" | grep -qE "^(masked|readonly) $p\$" || fail "$p is neither masked nor read-only"
  done
  assert_line 'readonly /proc/sys'
  assert_line 'readonly /proc/sysrq-trigger'
  assert_line masked\ /proc/kcore
  assert_line masked\ /proc/keys
  # and inside: masked ones are empty, read-only ones refuse writes
  args sh -c 'for p in "$@"; do
    if [ -d "$p" ]; then echo "$p dir $(ls -A "$p" | wc -l)"
    elif [ -e "$p" ]; then echo "$p file $(head -c 16 "$p" 2>/dev/null | wc -c)"; fi
  done
  # root may write a sysctl of its own network namespace, unless read-only
  echo 1 2>&1 > /proc/sys/net/ipv4/ip_forward && echo ip_forward-written
  awk '"'"'{print "mount", $5, $6}'"'"' /proc/self/mountinfo' sh /proc/kcore /proc/keys /proc/timer_list /proc/interrupts /proc/acpi /proc/scsi /sys/firmware /sys/devices/virtual/powercap /proc/sched_debug
  run casca run --bundle "$BUNDLE" "$(cid)"
  refute_line ip_forward-written
  assert_output --partial "/proc/sys/net/ipv4/ip_forward: Read-only file system"
  for p in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger /proc/asound; do
    [ ! -e "$p" ] || assert_line --regexp "^mount $p ro,"
  done
  for p in /proc/kcore /proc/keys /proc/timer_list /proc/interrupts /proc/sched_debug; do
    [ ! -e "$p" ] || assert_line "$p file 0"
  done
  for p in /proc/acpi /proc/scsi /sys/firmware /sys/devices/virtual/powercap; do
    [ ! -e "$p" ] || assert_line "$p dir 0"
  done
}

# A static setuid-root program in the rootfs that prints its ids.
suid_probe() {
  local probe=$CASCA_BUILD/tests/suid-probe
  [ -x "$probe" ] || fail "$probe is missing: run 'make tests' first"
  cp "$probe" "$BUNDLE/rootfs/bin/suid-probe"
  chown 0:0 "$BUNDLE/rootfs/bin/suid-probe"
  chmod 4755 "$BUNDLE/rootfs/bin/suid-probe"
}

@test "noNewPrivileges: a setuid-root binary gains root without it and nothing with it" {
  make_bundle
  suid_probe
  # no seccomp profile: it needs no_new_privs (or CAP_SYS_ADMIN) to load
  cfg 'c["process"]["user"] = {"uid": 1000, "gid": 1000}; c["linux"].pop("seccomp")'
  args sh -c 'id -u; /bin/suid-probe; grep NoNewPrivs /proc/self/status'
  cfg 'c["process"]["noNewPrivileges"] = False'
  run casca run --bundle "$BUNDLE" "$(cid a)"
  assert_success
  assert_line --index 0 1000
  assert_line 'uid=1000 euid=0'
  assert_line --regexp 'NoNewPrivs:\s+0'
  cfg 'c["process"]["noNewPrivileges"] = True'
  run casca run --bundle "$BUNDLE" "$(cid b)"
  assert_success
  assert_line 'uid=1000 euid=1000'
  assert_line --regexp 'NoNewPrivs:\s+1'
}

@test "rootless: the init, not dumpable, still gets its id maps from an unprivileged parent" {
  [ "$(cat /proc/sys/user/max_user_namespaces)" -gt 0 ] || skip "user namespaces are disabled"
  uid=4242
  chmod o+x "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
  mkdir -p "$BATS_TEST_TMPDIR/xdg"
  make_bundle
  rm "$BUNDLE/config.json"
  chown -R "$uid:$uid" "$BUNDLE" "$BATS_TEST_TMPDIR/xdg"
  setpriv --reuid "$uid" --regid "$uid" --clear-groups env XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/xdg" \
    "$CASCA" spec --hardened --rootless --bundle "$BUNDLE"
  args sh -c 'id -u; cat /proc/self/uid_map'
  run setpriv --reuid "$uid" --regid "$uid" --clear-groups env XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/xdg" \
    "$CASCA" --root "$BATS_TEST_TMPDIR/xdg/casca" run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert_line --index 0 0
  assert_line --regexp "^ +0 +$uid +1$"
  assert_equal "$(state_ids "$BATS_TEST_TMPDIR/xdg/casca")" ""
}

# A user-namespaced container with the capabilities to map root in a nested
# user namespace; the attack: a new procfs or sysfs without the masks.
nested_proc_bundle() {
  chmod o+x "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
  make_bundle
  cfg 'c["linux"].pop("seccomp", None)
c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
caps = ["CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETFCAP", "CAP_SYS_CHROOT"]
for k in ("bounding", "effective", "permitted"):
    c["process"]["capabilities"][k] = caps'
  args sh -c 'unshare -mrpf true && echo userns-ok
unshare -mrpf sh -c "mount -t proc none /proc && echo proc-mounted; mount -t sysfs none /sys && echo sysfs-mounted"
awk "\$(NF-2) == \"proc\" || \$(NF-2) == \"sysfs\" { print \"mount\", \$4, \$5 }" /proc/self/mountinfo'
}

@test "--no-pivot: no fully visible host procfs or sysfs is left to mount an unmasked one from" {
  nested_proc_bundle
  for pivot in --no-pivot ""; do
    # shellcheck disable=SC2086
    run casca run $pivot --bundle "$BUNDLE" "$(cid)"
    assert_success
    # the nested user namespace works: the mounts are refused, not the attack
    assert_line userns-ok
    refute_line proc-mounted
    refute_line sysfs-mounted
    # the container's own /proc and /sys, masked; nothing of the host's
    assert_line "mount / /proc"
    refute_line --regexp "^mount / /(host|.*/proc$)"
    [ "$(echo "$output" | grep -c '^mount / ')" -le 2 ] || fail "more than one whole procfs/sysfs: $output"
  done
}
