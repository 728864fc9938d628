#!/usr/bin/env bats
# seccomp.bats - linux.seccomp through the real CLI: actions, errno values,
# argument filters, the profile of `casca spec --hardened`, seccomp notify with
# a listener agent, and bad profiles.
# shellcheck disable=SC2016 # the $ in single quotes is for the container's shell

load helpers/casca

# A bundle with a writable /tmp (tmpfs) and the given linux.seccomp object
# (a Python expression; None removes it).
seccomp_bundle() {
  make_bundle
  cfg "c['mounts'].append({'destination': '/tmp', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['nosuid', 'nodev']})"
  profile "$1"
}

profile() {
  cfg "s = $1
if s is None: c['linux'].pop('seccomp', None)
else: c['linux']['seccomp'] = s"
}

allow_but() { # allow_but ACTION-JSON-FIELDS: mkdir and mkdirat get the action
  echo "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [dict({'names': ['mkdir', 'mkdirat']}, **$1)]}"
}

run_in() { run "$@" casca run --bundle "$BUNDLE" "$(cid)"; }

@test "SCMP_ACT_ERRNO: busybox mkdir fails with the chosen errno" {
  seccomp_bundle None
  args sh -c 'mkdir /tmp/d && echo made'
  run_in
  assert_success
  assert_output made
  profile "$(allow_but "{'action': 'SCMP_ACT_ERRNO', 'errnoRet': 18}")"
  run_in -1
  assert_output "mkdir: can't create directory '/tmp/d': Invalid cross-device link"
  # without errnoRet: EPERM
  profile "$(allow_but "{'action': 'SCMP_ACT_ERRNO'}")"
  run_in -1
  assert_output "mkdir: can't create directory '/tmp/d': Operation not permitted"
}

@test "SCMP_ACT_ALLOW: an allow list runs what it names, the rest gets defaultErrnoRet" {
  seccomp_bundle None
  # casca spec --hardened's profile without mkdir/mkdirat, and ENOSPC as the default
  python3 - "$BUNDLE/config.json" "$CASCA" "$BATS_TEST_TMPDIR" <<'PY'
import json, subprocess, sys
p, casca, tmp = sys.argv[1:]
subprocess.run([casca, "spec", "--hardened", "--bundle", tmp], check=True)
s = json.load(open(tmp + "/config.json"))["linux"]["seccomp"]
for r in s["syscalls"]:
    r["names"] = [n for n in r["names"] if n not in ("mkdir", "mkdirat")]
s["syscalls"] = [r for r in s["syscalls"] if r["names"]]
s["defaultErrnoRet"] = 28
c = json.load(open(p))
c["linux"]["seccomp"] = s
json.dump(c, open(p, "w"), indent=1)
PY
  args sh -c 'echo hello > /tmp/f && cat /tmp/f; mkdir /tmp/d'
  run_in -1
  assert_line --index 0 hello
  assert_line --index 1 "mkdir: can't create directory '/tmp/d': No space left on device"
  # one more SCMP_ACT_ALLOW rule for them, and mkdir works
  cfg "c['linux']['seccomp']['syscalls'].append({'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ALLOW'})"
  args sh -c 'mkdir /tmp/d && echo made'
  run_in
  assert_success
  assert_output made
}

@test "SCMP_ACT_KILL kills the process: casca run exits 128+SIGSYS" {
  seccomp_bundle "$(allow_but "{'action': 'SCMP_ACT_KILL'}")"
  args mkdir /tmp/d
  run_in -159
  profile "$(allow_but "{'action': 'SCMP_ACT_KILL_PROCESS'}")"
  run_in -159
  # the shell survives a killed child and says so
  profile "$(allow_but "{'action': 'SCMP_ACT_KILL'}")"
  args sh -c '/bin/mkdir /tmp/d; echo "status $?"'
  run_in
  assert_line 'status 159'
}

# mkdir_logged_since N: the kernel log has more than N audit records of
# the container's mkdir (for wait_until: else says how many).
mkdir_logged_since() {
  local n
  n=$(dmesg | grep -c 'type=1326.*comm="mkdir".*syscall=83 ' || true)
  [ "$n" -gt "$1" ] && return 0
  echo "$n audit records of the mkdir in the kernel log, $1 before the run"
  return 1
}

@test "SCMP_ACT_LOG allows and logs" {
  seccomp_bundle "$(allow_but "{'action': 'SCMP_ACT_LOG'}")"
  args sh -c 'mkdir /tmp/d && echo made'
  before=$(dmesg 2>/dev/null | grep -c 'type=1326.*comm="mkdir".*syscall=83 ' || true)
  run_in
  assert_success
  assert_output made
  if ! pidof auditd > /dev/null && dmesg > /dev/null 2>&1; then
    wait_until mkdir_logged_since "$before" ||
      fail "no audit record of the logged mkdir in the kernel log"
  fi
}

@test "argument filters: a rule on chmod's mode matches and does not match" {
  # chmod(path, mode) on x86_64; fchmodat(dirfd, path, mode) elsewhere
  rules=
  for n in chmod:1 fchmodat:2 fchmodat2:2; do
    rules+="{'names': ['${n%:*}'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 13, 'args': [{'index': ${n#*:}, 'value': 448, 'op': 'SCMP_CMP_EQ'}]},
    {'names': ['${n%:*}'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 18, 'args': [{'index': ${n#*:}, 'value': 7, 'valueTwo': 5, 'op': 'SCMP_CMP_MASKED_EQ'}]},"
  done
  seccomp_bundle "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [$rules]}"
  args sh -c 'for m in 700 755 750 705; do touch /tmp/f$m; chmod $m /tmp/f$m 2>&1 && echo "$m changed"; done; true'
  run_in
  assert_success
  # 0700 == 448: EACCES; 0755 & 7 == 5: EXDEV; 0750 passes both
  assert_line "chmod: /tmp/f700: Permission denied"
  assert_line "chmod: /tmp/f755: Invalid cross-device link"
  assert_line "750 changed"
  assert_line "chmod: /tmp/f705: Invalid cross-device link"
  refute_line "700 changed"
  refute_line "755 changed"
  refute_line "705 changed"
}

@test "the filter loads with and without noNewPrivileges, as root and as a user" {
  seccomp_bundle "$(allow_but "{'action': 'SCMP_ACT_ERRNO', 'errnoRet': 18}")"
  args sh -c 'grep NoNewPrivs /proc/self/status; mkdir /tmp/d'
  for nnp in True False; do
    for uid in 0 1000; do
      cfg "c['process']['noNewPrivileges'] = $nnp; c['process']['user'] = {'uid': $uid, 'gid': $uid}"
      run_in -1
      assert_line --regexp "NoNewPrivs:\s+$([ $nnp = True ] && echo 1 || echo 0)"
      assert_line "mkdir: can't create directory '/tmp/d': Invalid cross-device link"
    done
  done
}

# What casca itself used to call after loading the filter.
runtime_calls=(faccessat2 close_range getcwd)

@test "the filter goes in last: a profile denying faccessat2, close_range, getcwd runs a container and an exec" {
  seccomp_bundle "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['faccessat2', 'close_range', 'getcwd'], 'action': 'SCMP_ACT_ERRNO'}]}"
  cp "$CASCA_BUILD/tests/sys-probe" "$BUNDLE/rootfs/bin/sys-probe"
  cfg "c['process']['cwd'] = '/tmp'"
  for nnp in True False; do
    for uid in 0 1000; do
      cfg "c['process']['noNewPrivileges'] = $nnp; c['process']['user'] = {'uid': $uid, 'gid': $uid}"
      # casca spec's capabilities for root; none for a user.  Without
      # no_new_privs CAP_SYS_ADMIN is kept to load the filter: it must be gone.
      caps=$([ "$uid" = 0 ] && echo 0000000020000420 || echo 0000000000000000)
      # the init: started, and the filter holds for it
      args sh -c 'sys-probe faccessat2 close_range getcwd getpid; id -u; grep -E "^(NoNewPrivs|CapEff|CapPrm)" /proc/self/status'
      run_in
      assert_success
      for s in "${runtime_calls[@]}"; do assert_line "$s: EPERM"; done
      assert_line "getpid: ok"
      assert_line "$uid"
      assert_line --regexp "NoNewPrivs:\s+$([ $nnp = True ] && echo 1 || echo 0)"
      assert_line "$(printf 'CapEff:\t%s' "$caps")"
      assert_line "$(printf 'CapPrm:\t%s' "$caps")"
      # an exec'd process too
      id=$(cid "$nnp$uid")
      args sleep 1000
      run_bg run -d --bundle "$BUNDLE" "$id"
      assert_success
      run casca exec "$id" sh -c 'sys-probe faccessat2 close_range getcwd getpid; id -u; grep -E "^(CapEff|CapPrm)" /proc/self/status'
      assert_success
      for s in "${runtime_calls[@]}"; do assert_line "$s: EPERM"; done
      assert_line "getpid: ok"
      assert_line "$uid"
      assert_line "$(printf 'CapEff:\t%s' "$caps")"
      assert_line "$(printf 'CapPrm:\t%s' "$caps")"
      casca delete --force "$id"
    done
  done
}

# sys-probe in the rootfs: what the default profile lets through.
probe_bundle() {
  make_bundle
  cp "$CASCA_BUILD/tests/sys-probe" "$BUNDLE/rootfs/bin/sys-probe"
}

# (unshare-user last: a new user namespace takes the capabilities)
blocked=(keyctl add_key request_key bpf perf_event_open open_by_handle_at kexec_load
  init_module unshare-mount mount userfaultfd io_uring_setup socket-vsock
  settimeofday reboot syslog unshare-user)

@test "the profile of casca spec --hardened blocks what it says" {
  probe_bundle
  args /bin/sys-probe "${blocked[@]}" clone3 getpid
  run_in
  assert_success
  for s in "${blocked[@]}"; do assert_line "$s: EPERM"; done
  # clone3 says ENOSYS, so that libc falls back to clone (filtered by flags)
  assert_line "clone3: ENOSYS"
  assert_line "getpid: ok"
  # the profile, not the capabilities, refuses these: with every capability
  # but without the profile they work
  cfg 'caps = ["CAP_SYS_ADMIN", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
c["process"]["capabilities"] = {"bounding": caps, "effective": caps, "permitted": caps}'
  args /bin/sys-probe keyctl mount unshare-mount unshare-user
  run_in
  assert_line "keyctl: EPERM"
  assert_line "unshare-user: EPERM"
  assert_line "mount: EPERM"
  assert_line "unshare-mount: EPERM"
  profile None
  run_in
  assert_line "keyctl: ok"
  assert_line "unshare-user: ok"
  assert_line "mount: ok"
  assert_line "unshare-mount: ok"
}

@test "the default profile still runs busybox sh, ls, ps and wget (loopback httpd)" {
  make_bundle
  assert file_has "$BUNDLE/config.json" SCMP_ACT_ERRNO
  mkdir -p "$BUNDLE/rootfs/www"
  echo served-over-loopback > "$BUNDLE/rootfs/www/index.html"
  # bringing lo up needs CAP_NET_ADMIN; the new network namespace has only lo
  cfg 'caps = ["CAP_NET_ADMIN", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
c["process"]["capabilities"] = {"bounding": caps, "effective": caps, "permitted": caps}'
  args sh -c "$WAIT_LISTEN"'; ip link set lo up; ls /bin/busybox; httpd -p 127.0.0.1:8080 -h /www; wait_listen 8080
ps; wget -q -O - http://127.0.0.1:8080/index.html; echo "exit $?"'
  run_in
  assert_success
  assert_line /bin/busybox
  assert_line --regexp '^ +1 +root .* sh -c'
  assert_line --regexp 'httpd -p 127.0.0.1:8080'
  assert_line served-over-loopback
  assert_line "exit 0"
}

@test "SCMP_ACT_NOTIFY: the agent at listenerPath gets the fd and the state and answers" {
  seccomp_bundle "{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '$BATS_TEST_TMPDIR/agent.sock',
    'listenerMetadata': 'casca-test-metadata',
    'syscalls': [{'names': ['mkdir', 'mkdirat', 'getpid'], 'action': 'SCMP_ACT_NOTIFY'}]}"
  args sh -c 'echo "pid $$"; mkdir /tmp/d; echo made > /tmp/f && cat /tmp/f'
  "$CASCA_BUILD/tests/seccomp-agent" "$BATS_TEST_TMPDIR/agent.sock" 122 4242 > "$BATS_TEST_TMPDIR/agent.out" 2>&1 &
  agent=$!
  wait_until test -S "$BATS_TEST_TMPDIR/agent.sock"
  run_in
  wait_until file_has "$BATS_TEST_TMPDIR/agent.out" '^done$'
  kill "$agent" 2>/dev/null || true
  wait "$agent" || true
  # the container saw the agent's answers
  assert_line "pid 4242"
  assert_line "mkdir: can't create directory '/tmp/d': Disk quota exceeded"
  assert_line made
  run cat "$BATS_TEST_TMPDIR/agent.out"
  assert_line "notified getpid"
  assert_line --regexp '^notified mkdir(at)?$'
  assert_line "done"
  # the container process state, as the runtime-spec describes it
  echo "$output" | sed -n 's/^state //p' > "$BATS_TEST_TMPDIR/state.json"
  python3 - "$BATS_TEST_TMPDIR/state.json" "$(cid)" "$BUNDLE" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["fds"] == ["seccompFd"], s
assert s["metadata"] == "casca-test-metadata", s
assert isinstance(s["pid"], int) and s["pid"] > 0, s
st = s["state"]
assert st["id"] == sys.argv[2] and st["bundle"] == sys.argv[3], st
assert st["status"] == "creating" and st["pid"] == s["pid"], st
assert s["ociVersion"], s
PY
}

# start_agent NAME: a seccomp-agent on $BATS_TEST_TMPDIR/agent.sock, output
# in $BATS_TEST_TMPDIR/NAME.out, its pid in $agent.
start_agent() {
  rm -f "$BATS_TEST_TMPDIR/agent.sock"
  "$CASCA_BUILD/tests/seccomp-agent" "$BATS_TEST_TMPDIR/agent.sock" 122 4242 > "$BATS_TEST_TMPDIR/$1.out" 2>&1 3>&- &
  agent=$!
  wait_until test -S "$BATS_TEST_TMPDIR/agent.sock"
}

@test "SCMP_ACT_NOTIFY: an exec'd process's listener reaches listenerPath too" {
  seccomp_bundle "{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '$BATS_TEST_TMPDIR/agent.sock',
    'listenerMetadata': 'exec-metadata',
    'syscalls': [{'names': ['mkdir', 'mkdirat', 'getpid'], 'action': 'SCMP_ACT_NOTIFY'}]}"
  args sleep 1000
  id=$(cid)
  start_agent init
  run_bg run -d --bundle "$BUNDLE" "$id"
  assert_success
  assert file_has "$BATS_TEST_TMPDIR/init.out" '^state '
  init_agent=$agent
  # a second agent for the exec'd process, which loads a filter of its own
  start_agent exec
  run casca exec "$id" sh -c 'echo "pid $$"; mkdir /tmp/d; echo done-in-container'
  assert_success
  assert_line "pid 4242"
  assert_line "mkdir: can't create directory '/tmp/d': Disk quota exceeded"
  assert_line done-in-container
  wait_until file_has "$BATS_TEST_TMPDIR/exec.out" '^done$'
  run cat "$BATS_TEST_TMPDIR/exec.out"
  assert_line "notified getpid"
  assert_line --regexp '^notified mkdir(at)?$'
  assert_line 'done'
  echo "$output" | sed -n 's/^state //p' > "$BATS_TEST_TMPDIR/state.json"
  python3 - "$BATS_TEST_TMPDIR/state.json" "$id" "$(state_field "$id" pid)" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["fds"] == ["seccompFd"] and s["metadata"] == "exec-metadata", s
assert s["pid"] > 0 and s["pid"] != int(sys.argv[3]), s  # the exec'd process, not the init
assert s["state"]["id"] == sys.argv[2] and s["state"]["status"] == "running", s
PY
  casca delete --force "$id"
  kill "$agent" "$init_agent" 2>/dev/null || true
  wait "$agent" "$init_agent" || true
}

# CVE-2016-9962's class: an exec'd process that starts from the sealed copy
# of casca (a NOTIFY profile takes that way) is born in the container's pid
# namespace.  Until its execve it holds the runtime's fds and has dropped to
# the container's capabilities: were it dumpable, the container's root could
# ptrace it or open the fds through its /proc/PID/fd.  Its execve is held
# here (NOTIFY, a listener that never answers) while the init looks.
@test "an exec'd process is not dumpable while it is the runtime: its fds are out of the container's reach" {
  seccomp_bundle "{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '$BATS_TEST_TMPDIR/agent.sock',
    'syscalls': [{'names': ['execve', 'execveat'], 'action': 'SCMP_ACT_NOTIFY'}]}"
  mkdir "$BATS_TEST_TMPDIR/x"
  cfg "c['mounts'].append({'destination': '/x', 'type': 'bind', 'source': '$BATS_TEST_TMPDIR/x', 'options': ['rbind', 'rw']})"
  args sh -c 'while [ ! -e /x/go ]; do sleep 0.1; done
for p in /proc/[0-9]*; do n=${p#/proc/}; [ "$n" = 1 ] && continue; l=0 r=0
  for f in $p/fd/*; do [ -L "$f" ] && l=$((l + 1)); [ -e "$f" ] && r=$((r + 1)); done
  echo "$n listed $l reachable $r"; done > /x/seen
echo end >> /x/seen; exec sleep 1000'
  id=$(cid)
  start_agent init # answers the init's execve: continue
  run_bg run -d --bundle "$BUNDLE" "$id"
  assert_success
  init_agent=$agent
  # the exec'd process's listener takes its fd and never answers
  rm -f "$BATS_TEST_TMPDIR/agent.sock"
  python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
_, fds, _, _ = socket.recv_fds(c, 65536, 4)
open(sys.argv[2], "w").write("fds %d\n" % len(fds))
time.sleep(300)' "$BATS_TEST_TMPDIR/agent.sock" "$BATS_TEST_TMPDIR/silent.out" 3>&- &
  silent=$!
  wait_until test -S "$BATS_TEST_TMPDIR/agent.sock"
  casca exec "$id" /bin/true > "$BATS_TEST_TMPDIR/exec.out" 2>&1 3>&- &
  exec_pid=$!
  wait_until file_has "$BATS_TEST_TMPDIR/silent.out" '^fds 1$'
  touch "$BATS_TEST_TMPDIR/x/go"
  wait_until file_has "$BATS_TEST_TMPDIR/x/seen" '^end$'
  run cat "$BATS_TEST_TMPDIR/x/seen"
  # the init saw the exec'd process and its fds (root may list them), and
  # could follow none (that needs ptrace access)
  assert_line --regexp '^[0-9]+ listed [1-9][0-9]* reachable 0$'
  refute_line --regexp 'reachable [1-9]'
  kill "$silent"
  wait "$silent" || true
  # the listener gone, the held execve fails (ENOSYS): exec fails
  run wait "$exec_pid"
  assert_failure
  casca delete --force "$id"
  kill "$init_agent" 2>/dev/null || true
  wait "$init_agent" || true
}

@test "bad profiles: clear errors naming the JSON path, nothing left behind" {
  seccomp_bundle None
  args true
  bad() { # bad PROFILE MESSAGE
    profile "$1"
    run_in -1
    assert_output --partial "$2"
    [ -z "$(state_ids)" ] || fail "state left behind for $1"
  }
  bad "{'defaultAction': 'SCMP_ACT_FOO'}" \
    'linux.seccomp.defaultAction: unknown seccomp action "SCMP_ACT_FOO"'
  bad "$(allow_but "{'action': 'SCMP_ACT_BAR'}")" \
    'linux.seccomp.syscalls[0].action: unknown seccomp action "SCMP_ACT_BAR"'
  bad "{'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_X86', 'SCMP_ARCH_NOPE']}" \
    'linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_NOPE"'
  bad "$(allow_but "{'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 1, 'value': 1, 'op': 'SCMP_CMP_FOO'}]}")" \
    'linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator "SCMP_CMP_FOO"'
  bad "$(allow_but "{'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 6, 'value': 1, 'op': 'SCMP_CMP_EQ'}]}")" \
    'linux.seccomp.syscalls[0].args[0].index: expected an integer between 0 and 5'
  bad "$(allow_but "{'action': 'SCMP_ACT_ALLOW', 'errnoRet': 3}")" \
    'linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE'
  bad "$(allow_but "{'action': 'SCMP_ACT_ERRNO', 'errnoRet': 5000}")" \
    'linux.seccomp.syscalls[0].errnoRet: 5000 is out of range (0-4095)'
  bad "{'defaultAction': 'SCMP_ACT_ALLOW', 'flags': ['SECCOMP_FILTER_FLAG_NOPE']}" \
    'linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_NOPE"'
  bad "$(allow_but "{'action': 'SCMP_ACT_NOTIFY'}")" \
    'linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY requires linux.seccomp.listenerPath'
  # the failure comes after the init exists: it goes too
  bad "{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '$BATS_TEST_TMPDIR/nobody.sock', 'syscalls': [{'names': ['mkdir'], 'action': 'SCMP_ACT_NOTIFY'}]}" \
    "linux.seccomp.listenerPath: seccomp listener \`$BATS_TEST_TMPDIR/nobody.sock\`: connect: No such file or directory"
  bad "{'syscalls': []}" 'linux.seccomp.defaultAction'
  # found only when libseccomp builds the filter (Debian 12's libseccomp 2.5
  # has no attribute for this flag; 2.6 has)
  if ! pkg-config --atleast-version=2.6 libseccomp; then
    bad "{'defaultAction': 'SCMP_ACT_ALLOW', 'flags': ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']}" \
      'linux.seccomp.flags[0]: flag "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" is not supported by libseccomp'
  fi
}
