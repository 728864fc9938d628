#!/usr/bin/env bats
# rootfs.bats - what a process sees after casca_rootfs_setup/_pivot/_finalize
# and casca_process_setup/_set_user/_set_no_new_privs/_exec, driven by
# build/tests/rootfs-tool (fresh mount, pid, uts, ipc and net namespaces).
# shellcheck disable=SC2016 # the $ in single quotes is for the container's shell

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load 'helpers/bundle'

bats_require_minimum_version 1.5.0

setup() {
  [ "$(id -u)" -eq 0 ] || skip "needs root: mount namespaces, pivot_root and mknod"
  TOOL=${CASCA_BUILD:-$BATS_TEST_DIRNAME/../../build}/tests/rootfs-tool
  [ -x "$TOOL" ] || fail "$TOOL is missing: run 'make tests' first"
  ROOTFS=$BATS_TEST_TMPDIR/rootfs
  make_busybox_rootfs "$ROOTFS"
}

teardown() {
  host_devices_intact || return 1
  # The container's mounts die with its namespace: none may reach the host.
  local left
  left=$(grep -F "$BATS_TEST_TMPDIR" /proc/self/mountinfo || true)
  if [ -n "$left" ]; then
    echo "mounts left behind on the host:" >&2
    echo "$left" >&2
    return 1
  fi
}

# in_container [-STATUS] [OPTIONS] -- CMD...: run CMD in the test's rootfs
# through rootfs-tool; -STATUS is the exit status expected (as `run -N`).
in_container() {
  local opts=() expect=()
  if [[ "${1:-}" =~ ^-[0-9]+$ ]]; then expect=("$1"); shift; fi
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  run "${expect[@]}" "$TOOL" "${opts[@]}" "$ROOTFS" -- "$@"
}

@test "the default mounts make up the whole mount table" {
  in_container --defaults -- awk '{ print $5, $(NF-2) }' /proc/self/mountinfo
  assert_success
  assert_line --index 0 --regexp '^/ '
  assert_line '/proc proc'
  assert_line '/dev tmpfs'
  assert_line '/dev/pts devpts'
  assert_line '/dev/shm tmpfs'
  assert_line '/dev/mqueue mqueue'
  assert_line '/sys sysfs'
  # nothing of the host's mount table is visible
  refute_line --regexp '^/(mnt|home|run|boot|work)'
  local l
  for l in "${lines[@]}"; do
    [[ "${l%% *}" =~ ^/(proc|dev|sys)?(/.*)?$ ]] || fail "unexpected mount: $l"
  done
}

@test "/sys is read-only and /dev/pts is a new devpts instance" {
  in_container --defaults -- sh -c 'awk "\$5 == \"/sys\" || \$5 == \"/dev/pts\"" /proc/self/mountinfo; ls /dev/pts'
  assert_success
  assert_line --regexp ' /sys ro,nosuid,nodev,noexec.* - sysfs '
  assert_line --regexp ' /dev/pts .* - devpts .*ptmxmode=666'
  assert_line 'ptmx'
}

@test "/dev has the default nodes and links" {
  in_container --defaults -- sh -c 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done; for l in ptmx fd stdin stdout stderr; do echo "$l -> $(readlink /dev/$l)"; done'
  assert_success
  assert_line '/dev/null character special file 1:3 666'
  assert_line '/dev/zero character special file 1:5 666'
  assert_line '/dev/full character special file 1:7 666'
  assert_line '/dev/random character special file 1:8 666'
  assert_line '/dev/urandom character special file 1:9 666'
  assert_line '/dev/tty character special file 5:0 666'
  assert_line 'ptmx -> pts/ptmx'
  assert_line 'fd -> /proc/self/fd'
  assert_line 'stdin -> /proc/self/fd/0'
  assert_line 'stdout -> /proc/self/fd/1'
  assert_line 'stderr -> /proc/self/fd/2'
  # the nodes were made in the /dev tmpfs, not in the rootfs
  run ls -A "$ROOTFS/dev"
  assert_output ''
}

@test "without a /dev mount /dev is filled in the rootfs and /dev/shm gets a tmpfs" {
  in_container --mount proc:proc:/proc -- sh -c 'stat -c "%n %F %t:%T" /dev/null; grep " /dev/shm " /proc/self/mountinfo; stat -c %a /dev/shm'
  assert_success
  assert_line --index 0 '/dev/null character special file 1:3'
  assert_line --index 1 --regexp ' /dev/shm rw,nosuid,nodev,noexec.* - tmpfs shm '
  assert_line --index 2 '1777'
}

@test "linux.devices are created with their type, mode and owner" {
  in_container --defaults --device c:/dev/mydev:1:5:0620:1000:100 --device p:/dev/fifo0:0:0:0600 \
    --device b:/dev/sub/blk0:7:0:0640 -- \
    sh -c 'stat -c "%n %F %t:%T %a %u:%g" /dev/mydev /dev/fifo0 /dev/sub/blk0'
  assert_success
  assert_line '/dev/mydev character special file 1:5 620 1000:100'
  assert_line '/dev/fifo0 fifo 0:0 600 0:0'
  assert_line '/dev/sub/blk0 block special file 7:0 640 0:0'
}

@test "in a user namespace device nodes are bind mounts of the host's" {
  in_container --defaults --bind-devices -- sh -c 'stat -c "%n %t:%T" /dev/null /dev/tty; awk "\$5 ~ /^\/dev\/(null|zero|full|random|urandom|tty)\$/ { print \$5 }" /proc/self/mountinfo | sort; echo x >/dev/null && echo wrote'
  assert_success
  assert_line '/dev/null 1:3'
  assert_line '/dev/tty 5:0'
  assert_line '/dev/full'
  assert_line '/dev/urandom'
  assert_line 'wrote'
}

@test "a read-only /dev mount is filled first, then made read-only" {
  in_container --mount proc:proc:/proc --mount tmpfs:tmpfs:/dev:ro,nosuid,mode=755 -- \
    sh -c 'stat -c "%t:%T" /dev/null; grep " /dev " /proc/self/mountinfo; touch /dev/x'
  assert_failure
  assert_line --index 0 '1:3'
  assert_line --index 1 --regexp ' /dev ro,nosuid'
  assert_line --partial 'Read-only file system'
}

@test "masked paths: files read as empty, directories are empty and read-only, missing ones ignored" {
  echo secret >"$ROOTFS/secret-file"
  mkdir "$ROOTFS/secret-dir" && echo secret >"$ROOTFS/secret-dir/f"
  in_container --defaults --mask /secret-file --mask /secret-dir --mask /does/not/exist -- \
    sh -c 'echo "file:[$(cat /secret-file)]"; echo "dir:[$(ls -A /secret-dir)]"; echo "keys:[$(cat /proc/keys)]"; echo "acpi:[$(ls -A /proc/acpi)]"; touch /secret-dir/x'
  assert_failure
  assert_line 'file:[]'
  assert_line 'dir:[]'
  assert_line 'keys:[]'
  assert_line 'acpi:[]'
  assert_line --partial 'Read-only file system'
  # the rootfs itself is untouched
  run cat "$ROOTFS/secret-dir/f"
  assert_output secret
}

@test "readonly paths are unwritable and keep nosuid,nodev,noexec" {
  in_container --defaults --mount tmpfs:tmpfs:/data:nosuid,nodev,noexec --readonly /data -- \
    sh -c 'grep " /data " /proc/self/mountinfo | tail -1; touch /data/x; echo 1 >/proc/sys/kernel/ns_last_pid; echo 1 >/proc/sysrq-trigger; touch /tmp/ok && echo tmp-writable'
  assert_line --index 0 --regexp ' /data ro,nosuid,nodev,noexec'
  assert_line --regexp "touch: /data/x: Read-only file system"
  assert_line --regexp "/proc/sys/kernel/ns_last_pid: Read-only file system"
  assert_line 'tmp-writable'
}

@test "root.readonly makes / read-only, mounts on it stay writable" {
  in_container --defaults --root-readonly --mount tmpfs:tmpfs:/tmp -- \
    sh -c 'touch /newfile; touch /tmp/ok && echo tmp-writable; awk "\$5 == \"/\" { print \$6 }" /proc/self/mountinfo'
  assert_line --partial 'touch: /newfile: Read-only file system'
  assert_line 'tmp-writable'
  assert_line --regexp '^ro(,|$)'
  assert [ ! -e "$ROOTFS/newfile" ]
}

@test "symlink attack: a destination through 'evil -> /' lands inside the rootfs" {
  local name=casca-pwned-$$-$BATS_TEST_NUMBER
  ln -s / "$ROOTFS/evil"
  ln -s ../../../../../../../.. "$ROOTFS/up"
  ln -s /etc "$ROOTFS/etclink"
  [ ! -e "/tmp/$name" ] || fail "/tmp/$name exists before the test"
  echo hostfile >"$BATS_TEST_TMPDIR/hostfile"
  in_container --defaults --mount "tmpfs:tmpfs:/evil/tmp/$name" --mount "tmpfs:tmpfs:/up/tmp/$name-2" \
    --mount "bind:$BATS_TEST_TMPDIR/hostfile:/etclink/casca-should-not-exist:bind,ro" -- \
    sh -c "awk '{ print \$5, \$(NF-2) }' /proc/self/mountinfo; cat /etc/casca-should-not-exist"
  assert_success
  assert_line "/tmp/$name tmpfs"
  assert_line "/tmp/$name-2 tmpfs"
  assert_line --regexp "^/etc/casca-should-not-exist "
  assert_line hostfile
  # created inside the rootfs, never on the host
  assert [ -d "$ROOTFS/tmp/$name" ]
  assert [ -d "$ROOTFS/tmp/$name-2" ]
  assert [ -f "$ROOTFS/etc/casca-should-not-exist" ]
  assert [ ! -e "/tmp/$name" ]
  assert [ ! -e "/tmp/$name-2" ]
  assert [ ! -e /etc/casca-should-not-exist ]
}

@test "bind mounts of a file and a directory, read-only and read-write" {
  mkdir -p "$BATS_TEST_TMPDIR/hostdir"
  echo data >"$BATS_TEST_TMPDIR/hostdir/f"
  echo conf >"$BATS_TEST_TMPDIR/conf"
  in_container --defaults --mount "bind:$BATS_TEST_TMPDIR/hostdir:/mnt/dir:rbind,rw" \
    --mount "bind:$BATS_TEST_TMPDIR/conf:/etc/app/conf:bind,ro" -- \
    sh -c 'cat /mnt/dir/f /etc/app/conf; echo new >/mnt/dir/g; echo x >/etc/app/conf; stat -c %F /etc/app/conf /mnt/dir'
  assert_line --index 0 data
  assert_line --index 1 conf
  assert_line --partial '/etc/app/conf: Read-only file system'
  assert_line 'regular file'
  assert_line 'directory'
  run cat "$BATS_TEST_TMPDIR/hostdir/g"
  assert_output new
  run cat "$BATS_TEST_TMPDIR/conf"
  assert_output conf
}

@test "tmpcopyup: a tmpfs starts with a copy of what it covers, the rootfs is left alone" {
  local s=$ROOTFS/srv
  mkdir -p "$s/sub/deep"
  echo top > "$s/file"
  echo deep > "$s/sub/deep/f"
  ln -s file "$s/link"
  ln -s /etc/passwd "$s/abs-link" # copied as a link, never followed
  mkfifo "$s/fifo"
  chmod 4750 "$s/file"
  chown 1000:1000 "$s/sub"
  chmod 0701 "$s/sub"
  in_container --defaults --mount tmpfs:tmpfs:/srv:tmpcopyup,mode=755 -- sh -c '
    stat -f -c %T /srv; cat /srv/file /srv/sub/deep/f /srv/link; readlink /srv/abs-link
    stat -c "%n %a %u:%g %F" /srv/file /srv/sub /srv/fifo; echo new > /srv/file; cat /srv/file'
  assert_success
  assert_output "tmpfs
top
deep
top
/etc/passwd
/srv/file 4750 0:0 regular file
/srv/sub 701 1000:1000 directory
/srv/fifo 644 0:0 fifo
new"
  run cat "$s/file"
  assert_output top
  # read-only: filled first, then made read-only
  in_container --defaults --mount tmpfs:tmpfs:/srv:tmpcopyup,ro -- sh -c 'cat /srv/file; touch /srv/x'
  assert_failure
  assert_line -n 0 top
  assert_output --partial 'Read-only file system'
  # without tmpcopyup the tmpfs is empty
  in_container --defaults --mount tmpfs:tmpfs:/srv:mode=755 -- ls -A /srv
  assert_success
  assert_output ''
}

@test "a bind mount of a missing source fails and names it" {
  in_container --defaults --mount "bind:$BATS_TEST_TMPDIR/nope:/mnt:bind" -- true
  assert_failure 125
  assert_output "rootfs-tool: mounts[7] \`/mnt\`: bind source \`$BATS_TEST_TMPDIR/nope\`: No such file or directory"
}

@test "a mount over /proc is refused, except the files LXCFS covers" {
  echo fake >"$BATS_TEST_TMPDIR/cpuinfo"
  in_container --defaults --mount "bind:$BATS_TEST_TMPDIR/cpuinfo:/proc/cpuinfo:bind,ro" -- cat /proc/cpuinfo
  assert_success
  assert_output fake
  in_container --defaults --mount "bind:$BATS_TEST_TMPDIR/cpuinfo:/proc/version:bind" -- true
  assert_failure 125
  assert_output --partial '`/proc/version` is inside /proc: refusing to mount over it'
}

# bats test_tags=vm
@test "a cgroup mount is cgroup2 on a cgroup v2 host and skipped otherwise" {
  in_container --defaults -- awk '$5 ~ /^\/sys\/fs\/cgroup/ { print $5, $(NF-2) }' /proc/self/mountinfo
  assert_success
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    assert_output '/sys/fs/cgroup cgroup2'
  else
    assert_output ''
  fi
}

@test "capabilities: bounding, effective and permitted as configured" {
  # CAP_CHOWN=0, CAP_KILL=5, CAP_NET_BIND_SERVICE=10
  in_container --defaults --caps all=CAP_CHOWN,CAP_KILL,CAP_NET_BIND_SERVICE -- grep ^Cap /proc/self/status
  assert_success
  assert_line "CapBnd:	0000000000000421"
  assert_line "CapEff:	0000000000000421"
  assert_line "CapPrm:	0000000000000421"
  assert_line "CapInh:	0000000000000000"
  assert_line "CapAmb:	0000000000000000"
}

@test "capabilities: ambient ones survive exec as a non-root user" {
  # CAP_KILL=5, CAP_NET_RAW=13
  in_container --mount proc:proc:/proc --user 1000:1000 --caps all=CAP_KILL,CAP_NET_RAW --caps inheritable=CAP_NET_RAW \
    --caps ambient=CAP_NET_RAW -- grep ^Cap /proc/self/status
  assert_success
  assert_line "CapBnd:	0000000000002020"
  assert_line "CapAmb:	0000000000002000"
  assert_line "CapEff:	0000000000002000"
  assert_line "CapPrm:	0000000000002000"
}

@test "without process.capabilities the capabilities are left alone" {
  local bnd
  bnd=$(grep ^CapBnd /proc/self/status)
  in_container --mount proc:proc:/proc -- grep ^CapBnd /proc/self/status
  assert_success
  assert_output "$bnd"
}

@test "noNewPrivileges sets NoNewPrivs" {
  in_container --mount proc:proc:/proc --no-new-privs -- grep ^NoNewPrivs /proc/self/status
  assert_output "NoNewPrivs:	1"
  in_container --mount proc:proc:/proc -- grep ^NoNewPrivs /proc/self/status
  assert_output "NoNewPrivs:	0"
}

@test "rlimits are set" {
  [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 512 ] || skip "the hard RLIMIT_NOFILE here is below 512"
  in_container --rlimit RLIMIT_NOFILE:256:512 --rlimit RLIMIT_CORE:0:0 -- sh -c 'ulimit -n; ulimit -Hn; ulimit -c'
  assert_success
  assert_output $'256\n512\n0'
}

@test "an rlimit that cannot be set names the entry" {
  local over=$(($(cat /proc/sys/fs/nr_open) + 1))
  in_container --rlimit RLIMIT_CORE:0:0 --rlimit "RLIMIT_NOFILE:1024:$over" -- true
  assert_failure 125
  assert_output "rootfs-tool: process.rlimits[1] RLIMIT_NOFILE: soft 1024, hard $over: Operation not permitted"
}

@test "umask: 0022 by default, process.user.umask when given" {
  in_container -- sh -c umask
  assert_output 0022
  in_container --umask 077 -- sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
  assert_output $'0077\n600'
}

@test "uid, gid and additional gids" {
  in_container --defaults --user 1000:1000:10,100 -- id
  assert_success
  assert_output 'uid=1000(user) gid=1000(user) groups=10(wheel),100(users)'
  in_container --defaults --user 65534:65534 -- id
  assert_output 'uid=65534(nobody) gid=65534(nogroup)'
}

@test "cwd: set, reachable only before the uid changes, or missing" {
  in_container --cwd /tmp -- pwd
  assert_output /tmp
  # /root is 0700 root: entered before setresuid, as runc does
  in_container --user 1000:1000 --cwd /root -- pwd
  assert_success
  assert_output /root
  in_container -127 --cwd /nope -- pwd
  assert_failure 127
  assert_output 'rootfs-tool: process.cwd: chdir `/nope`: No such file or directory'
}

@test "env is the process's and PATH from it finds the program" {
  in_container --env FOO=bar --env PATH=/bin -- env
  assert_success
  assert_output $'FOO=bar\nPATH=/bin'
  # no PATH in env: the default one
  in_container --no-env -- env
  assert_success
  assert_output ''
  in_container -127 --env PATH=/nonexistent:/also-not -- sh -c true
  assert_failure 127
  assert_output 'rootfs-tool: exec "sh": No such file or directory'
}

@test "exec errors: a missing binary, a non-executable file" {
  in_container -127 --defaults -- nosuchbin
  assert_failure 127
  assert_output 'rootfs-tool: exec "nosuchbin": No such file or directory'
  in_container -127 --defaults -- /bin/nosuchbin
  assert_output 'rootfs-tool: exec "/bin/nosuchbin": No such file or directory'
  printf '#!/bin/sh\n' >"$ROOTFS/bin/notexec"
  chmod 0644 "$ROOTFS/bin/notexec"
  in_container -127 --defaults -- notexec
  assert_failure 127
  assert_output 'rootfs-tool: exec "notexec": Permission denied'
}

@test "rootfsPropagation: shared, private and unbindable on the new /" {
  in_container --defaults --propagation rshared -- awk '$5 == "/"' /proc/self/mountinfo
  assert_success
  assert_output --regexp ' shared:[0-9]+ '
  in_container --defaults --propagation rprivate -- awk '$5 == "/"' /proc/self/mountinfo
  assert_success
  refute_output --regexp '(shared|master):'
  # unbindable comes last: masked and read-only paths are binds from these mounts
  in_container --defaults --propagation runbindable -- awk '$5 == "/" || $5 == "/proc/keys"' /proc/self/mountinfo
  assert_success
  assert_line --regexp ' / .* unbindable '
  assert_line --regexp ' /proc/keys .* unbindable '
}

@test "rootfsPropagation: a rootfs on a shared mount sends nothing back to the host, whatever is asked" {
  # the rootfs on a mount of its own, shared: a mount the container makes
  # under it would show in the host's table if its propagation reached it
  mount --bind "$ROOTFS" "$ROOTFS"
  mount --make-shared "$ROOTFS"
  local p host bad=
  for p in "" rslave rprivate rshared runbindable slave private; do
    run "$TOOL" --defaults ${p:+--propagation "$p"} --mount tmpfs:tmpfs:/mnt "$ROOTFS" -- \
      sh -c 'awk "\$5 == \"/mnt\" { print \$(NF-2) }" /proc/self/mountinfo'
    [ "$status" = 0 ] && [ "$output" = tmpfs ] || bad+=" ${p:-default}: exit $status, /mnt: $output;"
    host=$(awk -v r="$ROOTFS" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo)
    [ "$host" = "$ROOTFS" ] || bad+=" ${p:-default}: the host sees $(echo "$host" | paste -sd ' ');"
    # what did leak goes now, or it stays on the host after the test
    if [ "$host" != "$ROOTFS" ]; then
      while mountpoint -q "$ROOTFS"; do umount -R -l "$ROOTFS"; done
      mount --bind "$ROOTFS" "$ROOTFS"
      mount --make-shared "$ROOTFS"
    fi
  done
  while mountpoint -q "$ROOTFS"; do umount -R -l "$ROOTFS"; done
  [ -z "$bad" ] || fail "propagation:$bad"
}

@test "linux.devices: a node replaces what the image has at its path, a right one is kept" {
  mkdir -p "$ROOTFS/opt"
  echo data > "$ROOTFS/opt/file"
  mknod "$ROOTFS/opt/wrong" c 1 5
  mknod -m 0600 "$ROOTFS/opt/right" c 1 3
  ln -s /etc/passwd "$ROOTFS/opt/link"
  in_container --defaults --device c:/opt/file:1:3 --device c:/opt/wrong:1:3 \
    --device c:/opt/right:1:3 --device c:/opt/link:1:3 --device c:/opt/new:1:3 -- \
    sh -c 'stat -c "%n %F %t:%T %a" /opt/file /opt/wrong /opt/right /opt/link /opt/new; head -n 1 /etc/passwd'
  assert_success
  local f
  for f in file wrong right link new; do
    assert_line "/opt/$f character special file 1:3 666"
  done
  # the link was replaced, not followed
  assert_line --regexp '^root:'
}

@test "no_pivot: MS_MOVE and chroot" {
  in_container --defaults --no-pivot -- sh -c 'ls /; awk "\$5 == \"/proc\" { print \$(NF-2) }" /proc/self/mountinfo'
  assert_success
  assert_line bin
  assert_line etc
  assert_line proc
  refute_line work
}

@test "linux.sysctl is written under /proc/sys and cannot leave it" {
  in_container --defaults --sysctl kernel.domainname=casca.test --sysctl net.ipv4.ip_forward=1 -- \
    cat /proc/sys/kernel/domainname /proc/sys/net/ipv4/ip_forward
  assert_success
  assert_output $'casca.test\n1'
  in_container --defaults --sysctl ../../../etc/passwd=x -- true
  assert_failure 125
  assert_output --partial 'linux.sysctl `../../../etc/passwd`'
}

@test "the console fd is bound onto /dev/console" {
  in_container --defaults --console -- stat -c '%F %t' /dev/console
  assert_success
  # a pty slave: major 136 (0x88)
  assert_output 'character special file 88'
}

@test "personality and oomScoreAdj" {
  # oomScoreAdj is written through the container's /proc
  in_container --mount proc:proc:/proc --personality linux32 --oom-score-adj 500 -- sh -c 'uname -m; cat /proc/self/oom_score_adj'
  assert_success
  assert_line --index 0 --regexp '^i[3-6]86$'
  assert_line --index 1 500
}

@test "user namespace: mknod gets EPERM and the host's nodes are bind-mounted instead" {
  in_container --userns --defaults -- sh -c 'cat /proc/self/uid_map; stat -c "%n %t:%T" /dev/null /dev/zero; awk "\$5 == \"/dev/null\" { print \$5 }" /proc/self/mountinfo; head -c 4 /dev/zero | wc -c'
  assert_success
  assert_line --regexp '^ +0 +0 +4294967295$'
  assert_line '/dev/null 1:3'
  assert_line '/dev/zero 1:5'
  assert_line '/dev/null'
  assert_line '4'
}

@test "user namespace: sysfs without its own netns is a read-only bind of /sys, submounts included" {
  in_container --userns --share-net --defaults -- awk '$5 ~ /^\/sys/ { print $5, $6 }' /proc/self/mountinfo
  assert_success
  assert_line --regexp '^/sys ro,nosuid,nodev,noexec'
  local l
  for l in "${lines[@]}"; do
    [[ "${l#* }" == ro,* ]] || fail "not read-only: $l"
  done
}

@test "user namespace: read-only remounts keep the locked flags, ids and groups work" {
  in_container --userns --defaults --root-readonly --user 1000:1000:10 -- \
    sh -c 'id; touch /x; echo 1 >/proc/sys/kernel/ns_last_pid; awk "\$5 == \"/\" { print \$6 }" /proc/self/mountinfo'
  assert_line 'uid=1000(user) gid=1000(user) groups=10(wheel)'
  assert_line --partial 'touch: /x: Read-only file system'
  assert_line --partial '/proc/sys/kernel/ns_last_pid: Read-only file system'
  assert_line --regexp '^ro(,|$)'
}

# A host directory with a tmpfs submount (made in a private mount namespace,
# so nothing reaches the host), bound into the container with OPTS; the
# container prints each mount's options and tries to write to both levels.
bind_with_submount() {
  local bind_opts=$1
  mkdir -p "$BATS_TEST_TMPDIR/src/sub"
  run unshare -m --propagation private sh -c '
    mount -t tmpfs -o size=64k,suid,dev,exec,strictatime sub "$1/src/sub" || exit 99
    echo x > "$1/src/sub/f" && ln -s f "$1/src/sub/link" || exit 99
    shift; exec "$@"' sh "$BATS_TEST_TMPDIR" \
    "$TOOL" --defaults --mount "bind:$BATS_TEST_TMPDIR/src:/mnt:$bind_opts" "$ROOTFS" -- sh -c '
      awk "\$5 == \"/mnt\" || \$5 == \"/mnt/sub\" { print \$5, \$6 }" /proc/self/mountinfo
      touch /mnt/top 2>/dev/null && echo top-writable
      touch /mnt/sub/g 2>/dev/null && echo sub-writable
      cat /mnt/sub/link >/dev/null 2>&1 && echo link-followed; true'
}

@test "recursive mount options: rbind,rro makes every submount read-only, ro only the top" {
  bind_with_submount rbind,rro
  assert_success
  assert_line --regexp '^/mnt ro,'
  assert_line --regexp '^/mnt/sub ro(,|$)'
  refute_line top-writable
  refute_line sub-writable
  bind_with_submount rbind,ro
  assert_success
  assert_line --regexp '^/mnt ro,'
  assert_line --regexp '^/mnt/sub rw(,|$)'
  assert_line sub-writable
}

@test "recursive mount options: rnosuid, rnodev, rnoexec, rnoatime, rnosymfollow reach submounts" {
  bind_with_submount rbind,rnosuid,rnodev,rnoexec,rnoatime,rnosymfollow
  assert_success
  assert_line --regexp '^/mnt/sub rw,nosuid,nodev,noexec,noatime,nosymfollow$'
  assert_line sub-writable
  refute_line link-followed
  # later options undo earlier ones; the access time is one setting
  bind_with_submount rbind,rro,rrw,rnoexec,rexec,rnoatime,rrelatime
  assert_success
  assert_line --regexp '^/mnt/sub rw,relatime$'
  assert_line link-followed
}

@test "a bind mount refuses options that are not flags; other filesystems' own refusal names them" {
  mkdir -p "$BATS_TEST_TMPDIR/src"
  in_container -125 --defaults --mount "bind:$BATS_TEST_TMPDIR/src:/mnt:rbind,ro,rrro" -- true
  assert_output --partial 'unknown option "rrro": a bind mount takes no filesystem options'
  in_container -125 --defaults --mount "tmpfs:tmpfs:/mnt:size=1m,bogus=1" -- true
  assert_output --partial 'mount tmpfs on `/mnt` with options "size=1m,bogus=1": Invalid argument'
}

@test "per-mount flags a bind mount needs a remount for are all applied, nosymfollow too" {
  mkdir -p "$BATS_TEST_TMPDIR/src"
  ln -s /etc/passwd "$BATS_TEST_TMPDIR/src/link"
  in_container --defaults --mount "bind:$BATS_TEST_TMPDIR/src:/mnt:bind,nosymfollow,noexec" -- \
    sh -c 'awk "\$5 == \"/mnt\" { print \$6 }" /proc/self/mountinfo; cat /mnt/link > /dev/null 2>&1 && echo followed; true'
  assert_success
  assert_line --regexp '^rw,.*noexec.*nosymfollow'
  refute_line followed
  # a filesystem-wide flag cannot be set by a bind mount: refused, not dropped
  in_container -125 --defaults --mount "bind:$BATS_TEST_TMPDIR/src:/mnt:sync,bind" -- true
  assert_output --partial "option \"sync\": a bind mount cannot change the filesystem's own flags"
}

@test "remount: changes the flags and options of an earlier mount on the same destination" {
  mkdir -p "$BATS_TEST_TMPDIR/src"
  in_container --defaults --mount "bind:$BATS_TEST_TMPDIR/src:/mnt:rbind,rw" \
    --mount "bind:none:/mnt:remount,bind,ro,nosuid" \
    --mount "tmpfs:tmpfs:/t:size=1m" --mount "tmpfs:tmpfs:/t:remount,size=2m,noexec" -- \
    sh -c 'awk "\$5 == \"/mnt\" || \$5 == \"/t\" { print \$5, \$6, \$NF }" /proc/self/mountinfo; touch /mnt/x 2>/dev/null && echo writable; true'
  assert_success
  assert_line --regexp '^/mnt ro,nosuid'
  assert_line --regexp '^/t rw,.*noexec.* rw,size=2048k'
  refute_line writable
  # exactly one mount on each: remounted, not mounted again
  assert_equal "$(echo "$output" | grep -c '^/mnt ')" 1
  assert_equal "$(echo "$output" | grep -c '^/t ')" 1
}

@test "CVE-2019-16884 class: no mount through a symlink into /proc or /sys, no procfs on a symlink" {
  mkdir -p "$BATS_TEST_TMPDIR/src"
  ln -s /proc/sys/kernel "$ROOTFS/kern"
  ln -s ../sys/fs "$ROOTFS/sysfs-link"
  in_container -125 --defaults --mount "bind:$BATS_TEST_TMPDIR/src:/kern:rbind" -- true
  assert_output --partial '`/kern` is a symlink to `/proc/sys/kernel`: a mount into /proc or /sys must be mounted on an ordinary directory'
  in_container -125 --defaults --mount "tmpfs:tmpfs:/sysfs-link" -- true
  assert_output --partial '`/sysfs-link` is a symlink to `/sys/fs`'
  # /proc itself a symlink in the image: the procfs would land elsewhere
  rmdir "$ROOTFS/proc"
  mkdir "$ROOTFS/fakeproc"
  ln -s /fakeproc "$ROOTFS/proc"
  in_container -125 --defaults -- true
  assert_output --partial '`/proc` is a symlink to `/fakeproc`: proc must be mounted on an ordinary directory'
  # a symlink that stays out of /proc and /sys is followed inside the root, as before
  rm "$ROOTFS/proc"; mkdir "$ROOTFS/proc"
  ln -s /tmp "$ROOTFS/tmplink"
  in_container --defaults --mount "tmpfs:tmpfs:/tmplink/x" -- sh -c 'awk "\$5 == \"/tmp/x\"" /proc/self/mountinfo | wc -l'
  assert_success
  assert_output 1
}
