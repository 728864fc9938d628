#!/usr/bin/env bats
# exec: another process in a running container.

load helpers/casca

start_sleeper() {
  make_bundle
  args sleep 1000
  ID=$(cid)
  run_bg run -d --bundle "$BUNDLE" "$ID"
  assert_success
  INIT=$(state_field "$ID" pid)
}

@test "exec joins the container's namespaces and cgroup and sees its processes" {
  start_sleeper
  run casca --debug exec "$ID" sh -c 'for n in pid net ipc uts mnt cgroup user; do echo "$n $(readlink /proc/self/ns/$n)"; done; echo "cg $(cat /proc/self/cgroup | tr "\n" " ")"; ps -o pid,args'
  assert_success
  # as root: prepared outside the pid namespace, cloned in by the exec stub
  assert_line --partial 'exec: prepared outside its pid namespace, cloned in by the exec stub'
  for n in pid net ipc uts mnt cgroup user; do
    assert_line "$n $(readlink "/proc/$INIT/ns/$n")"
  done
  # the init is PID 1 in the namespace the exec'd process sees
  assert_line --regexp '^ +1 +sleep 1000$'
  casca delete --force "$ID"
}

@test "exec goes through the exec stub; where the filter would stop the stub, from a sealed copy in one stage" {
  make_bundle
  # a profile that refuses execveat(2) (its default action): the stub could
  # not be executed
  cfg 'for r in c["linux"]["seccomp"]["syscalls"]: r["names"] = [n for n in r["names"] if n != "execveat"]'
  args sleep 1000
  ID=$(cid)
  run_bg run -d --bundle "$BUNDLE" "$ID"
  assert_success
  INIT=$(state_field "$ID" pid)
  run casca --debug exec "$ID" sh -c 'readlink /proc/self/ns/pid; cat /proc/self/status'
  assert_success
  assert_line --partial "exec: linux.seccomp does not let the exec stub's syscalls through: from a sealed copy of the runtime"
  assert_line --partial 'exec: one stage, cloned straight into its pid namespace'
  refute_line --partial 'cloned in by the exec stub'
  assert_line "$(readlink "/proc/$INIT/ns/pid")"
  # the filter is the container's: execveat is refused in the process too
  assert_line --regexp '^Seccomp:\s+2$'
  casca delete --force "$ID"

  # the same container with execveat allowed: through the stub, one process
  # in the container, whose parent (the runtime) is outside it
  cfg 'c["linux"]["seccomp"]["syscalls"].append({"names": ["execveat"], "action": "SCMP_ACT_ALLOW"})'
  run_bg run -d --bundle "$BUNDLE" "$ID"
  assert_success
  run casca --debug exec "$ID" sh -c 'echo "ppid $PPID"; ps -o pid,args; true'
  assert_success
  assert_line --partial 'exec: prepared outside its pid namespace, cloned in by the exec stub'
  assert_line 'ppid 0'
  assert_line --regexp '^ +1 +sleep 1000$'
  # the stub and the stage that prepared the process are gone: sleep, sh, ps
  assert_equal "$(printf '%s\n' "${lines[@]}" | grep -cE '^ +[0-9]+ ')" 3
  casca delete --force "$ID"
}

@test "exec propagates the exit status and 128+N for a signal" {
  start_sleeper
  run casca exec "$ID" sh -c 'exit 9'
  assert_equal "$status" 9
  run casca exec "$ID" sh -c 'exit 255'
  assert_equal "$status" 255
  run casca exec "$ID" sh -c 'kill -TERM $$'
  assert_equal "$status" $((128 + 15))
  casca delete --force "$ID"
}

@test "exec takes the init's security context, and --user/--env/--cwd/--cap override it" {
  start_sleeper
  run casca exec "$ID" sh -c 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; id -u'
  assert_success
  want_caps=$(awk '/^CapEff/ {print $2}' "/proc/$INIT/status")
  assert_line --regexp "^CapEff:\s+$want_caps$"
  assert_line --regexp '^NoNewPrivs:\s+1$'
  assert_line --regexp '^Seccomp:\s+2$'
  assert_line 0
  run casca exec --user 1000:1000 --env FOO=bar --cwd /tmp --cap CAP_SYS_TIME "$ID" \
    sh -c 'id -u; id -g; echo "FOO=$FOO"; pwd'
  assert_success
  assert_output "$(printf '1000\n1000\nFOO=bar\n/tmp')"
  run casca exec --cap CAP_SYS_TIME "$ID" sh -c 'grep CapEff /proc/self/status'
  # CAP_SYS_TIME is 25: the init's set plus that bit
  assert_output "$(printf 'CapEff:\t%016x' $((0x$want_caps | (1 << 25))))"
  casca delete --force "$ID"
}

@test "exec --process runs a runtime-spec process object" {
  start_sleeper
  cat > "$BATS_TEST_TMPDIR/process.json" <<'JSON'
{"args": ["sh", "-c", "echo from-process-json $A"], "env": ["A=1", "PATH=/bin"], "cwd": "/"}
JSON
  run casca exec --process "$BATS_TEST_TMPDIR/process.json" "$ID"
  assert_success
  assert_output "from-process-json 1"
  echo '{"args": "not-an-array", "cwd": "/"}' > "$BATS_TEST_TMPDIR/bad.json"
  run casca exec --process "$BATS_TEST_TMPDIR/bad.json" "$ID"
  assert_failure
  assert_output --partial "process.args"
  casca delete --force "$ID"
}

@test "exec --detach --pid-file returns at once; the process runs in the container" {
  start_sleeper
  run_bg exec --detach --pid-file "$BATS_TEST_TMPDIR/xpid" "$ID" sleep 1000
  assert_success
  xpid=$(cat "$BATS_TEST_TMPDIR/xpid")
  assert_equal "$(readlink "/proc/$xpid/ns/pid")" "$(readlink "/proc/$INIT/ns/pid")"
  assert_equal "$(tr '\0' ' ' < "/proc/$xpid/cmdline")" "sleep 1000 "
  casca delete --force "$ID"
  dead "$xpid"
}

@test "exec --tty: the process gets a terminal through --console-socket" {
  start_sleeper
  sock=$BATS_TEST_TMPDIR/c.sock
  "$CASCA_BUILD/tests/recvtty" "$sock" > "$BATS_TEST_TMPDIR/tty.out" &
  recv=$!
  wait_until test -S "$sock"
  run casca exec --tty --console-socket "$sock" "$ID" sh -c 'tty; [ -t 0 ] && echo isatty'
  assert_success
  wait $recv
  run cat "$BATS_TEST_TMPDIR/tty.out"
  assert_line --regexp '^/dev/pts/[0-9]+'
  assert_line --regexp '^isatty'
  casca delete --force "$ID"
}

@test "exec into a stopped or unknown container is a clear error; a missing binary too" {
  start_sleeper
  run casca exec "$ID" /does/not/exist
  assert_equal "$status" 255
  assert_output --partial 'exec "/does/not/exist": No such file or directory'
  casca kill "$ID" KILL
  wait_until status_is "$ID" stopped
  run casca exec "$ID" true
  assert_equal "$status" 255
  assert_output --partial "cannot exec in container \`$ID\`: it is stopped"
  run casca exec nosuch true
  assert_equal "$status" 255
  assert_output --partial "does not exist"
  casca delete "$ID"
}

@test "exec into a created container, as runc: it runs; the container stays created" {
  make_bundle
  cfg 'c["root"]["readonly"] = False'
  echo in-the-rootfs > "$BUNDLE/rootfs/marker"
  args sh -c 'echo started > /tmp/started; sleep 1000'
  ID=$(cid)
  run_bg create --bundle "$BUNDLE" "$ID"
  assert_success
  run casca exec "$ID" sh -c 'cat /marker; hostname; ls /tmp'
  assert_success
  assert_line in-the-rootfs
  refute_line started
  assert_equal "$(state_field "$ID" status)" created
  casca start "$ID"
  wait_until test -e "$BUNDLE/rootfs/tmp/started"
  assert [ -e "$BUNDLE/rootfs/tmp/started" ]
  assert_equal "$(state_field "$ID" status)" running
  casca delete --force "$ID"
}

@test "a failure of casca itself exits 255, as runc's exec" {
  start_sleeper
  run casca exec "$ID" /does/not/exist
  assert_equal "$status" 255
  assert_output 'casca: exec "/does/not/exist": No such file or directory'
  run casca exec --cwd relative "$ID" true
  assert_equal "$status" 255
  run casca exec nosuch true
  assert_equal "$status" 255
  assert_output --partial "does not exist"
  casca delete --force "$ID"
}

# start_tty_sleeper: a container whose config asks for a terminal
start_tty_sleeper() {
  make_bundle
  cfg 'c["process"]["terminal"] = True'
  args sleep 1000
  ID=$(cid)
  sock=$BATS_TEST_TMPDIR/c.sock
  "$CASCA_BUILD/tests/recvtty" "$sock" > /dev/null 3>&- &
  wait_until test -S "$sock"
  run_bg run -d --console-socket "$sock" --bundle "$BUNDLE" "$ID"
  assert_success
}

@test "exec without --tty has no terminal, whatever config.json says; --process decides for itself" {
  start_tty_sleeper
  run casca exec "$ID" sh -c '[ -t 0 ] || [ -t 1 ] && echo tty || echo no-tty'
  assert_success
  # no terminal: no "\r\n" line ends either
  assert_output no-tty
  run_bg exec -d --pid-file "$BATS_TEST_TMPDIR/xpid" "$ID" sleep 1000
  assert_success
  assert [ -n "$(cat "$BATS_TEST_TMPDIR/xpid")" ]
  # a --process object with "terminal": true has one; detached it needs a console socket
  echo '{"terminal": true, "args": ["true"], "cwd": "/"}' > "$BATS_TEST_TMPDIR/p.json"
  run casca exec -d --process "$BATS_TEST_TMPDIR/p.json" "$ID"
  assert_equal "$status" 255
  assert_output --partial "a terminal for a detached exec needs --console-socket"
  run script -qec "$CASCA --root $STATE_ROOT exec --process $BATS_TEST_TMPDIR/p.json $ID" /dev/null
  assert_success
  echo '{"terminal": false, "args": ["sh", "-c", "[ -t 1 ] && echo tty || echo no-tty"], "cwd": "/"}' > "$BATS_TEST_TMPDIR/p.json"
  run casca exec --process "$BATS_TEST_TMPDIR/p.json" "$ID"
  assert_output no-tty
  run script -qec "$CASCA --root $STATE_ROOT exec -t --process $BATS_TEST_TMPDIR/p.json $ID" /dev/null
  assert_output --partial tty
  refute_output --partial no-tty
  casca delete --force "$ID"
}

@test "exec --additional-gids adds supplementary groups" {
  start_sleeper
  run casca exec -g 10 --additional-gids 20,30 "$ID" id -G
  assert_success
  assert_output "0 10 20 30"
  run casca exec --user 1000:1000 -g 100 "$ID" sh -c 'id -u; id -G'
  assert_success
  assert_output "$(printf '1000\n1000 100')"
  run casca exec -g nope "$ID" true
  assert_equal "$status" 2
  assert_output --partial "--additional-gids: expected GID"
  casca delete --force "$ID"
}

@test "exec --apparmor and --process-label are refused where the LSM is not enabled" {
  [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] || skip "AppArmor is enabled on this host"
  [ "$(stat -f -c %T /sys/fs/selinux 2>/dev/null)" != selinux ] || skip "SELinux is enabled on this host"
  start_sleeper
  run casca exec --apparmor casca-test "$ID" true
  assert_equal "$status" 255
  assert_output 'casca: --apparmor "casca-test": AppArmor is not enabled on this host'
  run casca exec --process-label system_u:system_r:container_t:s0 "$ID" true
  assert_equal "$status" 255
  assert_output 'casca: --process-label "system_u:system_r:container_t:s0": SELinux is not enabled on this host'
  echo '{"args": ["true"], "cwd": "/", "apparmorProfile": "from-json"}' > "$BATS_TEST_TMPDIR/p.json"
  run casca exec --process "$BATS_TEST_TMPDIR/p.json" "$ID"
  assert_equal "$status" 255
  assert_output --partial 'process.apparmorProfile "from-json": AppArmor is not enabled'
  casca delete --force "$ID"
  # create refuses what config.json asks for, instead of ignoring it
  cfg 'c["process"]["selinuxLabel"] = "system_u:system_r:container_t:s0"'
  run casca create --bundle "$BUNDLE" "$(cid 2)"
  assert_failure
  assert_output --partial 'process.selinuxLabel "system_u:system_r:container_t:s0": SELinux is not enabled'
  assert_equal "$(state_ids)" ""
}

# the sub-cgroup tests: $CGDIR is the container's cgroup
container_cgroup() {
  CGDIR=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$INIT/cgroup")
}

# bats test_tags=vm
@test "exec --cgroup runs the process in an existing sub-cgroup of the container's" {
  need_cgroup2
  start_sleeper
  container_cgroup
  mkdir "$CGDIR/sub"
  run casca exec --cgroup sub "$ID" cat /proc/self/cgroup
  assert_success
  # the container's cgroup namespace: its cgroup is /
  assert_output "0::/sub"
  run_bg exec -d --pid-file "$BATS_TEST_TMPDIR/xpid" --cgroup pids,memory:/sub "$ID" sleep 1000
  assert_success
  xpid=$(cat "$BATS_TEST_TMPDIR/xpid")
  assert file_has "$CGDIR/sub/cgroup.procs" "^$xpid$"
  run casca exec --cgroup nosuch "$ID" true
  assert_equal "$status" 255
  assert_output --partial "--cgroup \`nosuch\`: no such sub-cgroup of the container's cgroup"
  run casca exec --cgroup ../escape "$ID" true
  assert_equal "$status" 255
  assert_output --partial '".." is not allowed'
  run casca exec --cgroup nosuchctl:sub "$ID" true
  assert_equal "$status" 255
  assert_output --partial "controller \`nosuchctl\` is not in the container's cgroup"
  run casca exec --cgroup pids:sub --cgroup memory:other "$ID" true
  assert_equal "$status" 255
  assert_output --partial "cgroup v2 has one hierarchy"
  casca delete --force "$ID"
  assert [ ! -e "$CGDIR" ]
}

# bats test_tags=host
@test "exec --cgroup without a container cgroup is a clear error" {
  on_hybrid_host || skip "the container has a cgroup here (VM lane)"
  start_sleeper
  run casca exec --cgroup sub "$ID" true
  assert_equal "$status" 255
  assert_output "casca: --cgroup \`sub\`: the container has no cgroup (a sub-cgroup needs cgroup v2)"
  casca delete --force "$ID"
}

# bats test_tags=vm
@test "exec into a paused container: refused, or with --ignore-paused run once resumed" {
  need_cgroup2
  start_sleeper
  casca pause "$ID"
  run casca exec "$ID" echo ok
  assert_equal "$status" 255
  assert_output "casca: cannot exec in container \`$ID\`: it is paused (--ignore-paused to exec anyway)"
  # time is what is tested: exec waits the 2 s the container stays paused
  (sleep 2; "$CASCA" --root "$STATE_ROOT" resume "$ID") 3>&- &
  SECONDS=0
  run casca exec --ignore-paused "$ID" echo ok
  assert_success
  assert_output ok
  assert [ "$SECONDS" -ge 2 ]
  casca delete --force "$ID"
}

@test "exec -t: the terminal has the caller's size before the process starts" {
  start_sleeper
  for _ in $(seq 10); do
    run script -qec "stty rows 33 cols 111; $CASCA --root $STATE_ROOT exec -t $ID stty size" /dev/null
    assert_success
    assert_output --partial "33 111"
  done
  casca delete --force "$ID"
}

@test "the process's uid owns its stdio: pipes and its terminal (run and exec)" {
  make_bundle
  cfg 'c["process"]["user"] = {"uid": 1000, "gid": 1000}'
  # a pipe the runtime was given: the user can reopen it through /dev/stdout
  args sh -c 'stat -L -c "%u" /proc/self/fd/1; echo through-dev-stdout > /dev/stdout'
  run casca run --bundle "$BUNDLE" "$(cid 1)"
  assert_success
  assert_output "$(printf '1000\nthrough-dev-stdout')"
  cfg 'c["process"]["terminal"] = True'
  args sh -c 'stat -L -c "%u %g" /proc/self/fd/0; ls -l $(tty) | cut -c1-10'
  run script -qec "$CASCA --root $STATE_ROOT run --bundle $BUNDLE $(cid 2)" /dev/null
  assert_success
  # the tty group stays, as devpts gives it (runc changes the uid only)
  assert_output --partial "1000 5"
  assert_output --partial "crw--w----"
  cfg 'c["process"]["terminal"] = False'
  args sleep 1000
  ID=$(cid 3)
  run_bg run -d --bundle "$BUNDLE" "$ID"
  assert_success
  run casca exec --user 1234 "$ID" sh -c 'stat -L -c "%u" /proc/self/fd/1; echo exec-dev-stdout > /dev/stdout'
  assert_success
  assert_output "$(printf '1234\nexec-dev-stdout')"
  run script -qec "$CASCA --root $STATE_ROOT exec -t --user 1234 $ID stat -L -c '%u' /proc/self/fd/0" /dev/null
  assert_success
  assert_output --partial 1234
  casca delete --force "$ID"
}
