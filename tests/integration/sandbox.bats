#!/usr/bin/env bats
# `casca sandbox -- CMD`: a config built in memory, run through create, as
# root and as a test user (rootless), asserting what the command saw.

load helpers/casca
load helpers/users

teardown() {
  if [ -n "${SANDBOX_BG:-}" ]; then
    kill -KILL "$SANDBOX_BG" 2> /dev/null || true
    wait "$SANDBOX_BG" 2> /dev/null || true
    casca sandbox -- true > /dev/null 2>&1 || true # sweeps what it left
  fi
  [ -z "${RT_DIR:-}" ] || rm -rf "$RT_DIR"
  remove_test_users
  common_teardown
}

# what a sandbox reports about itself, one fact per line
PROBE='echo "pid=$$"; echo "uid=$(id -u) gid=$(id -g)"; echo "cwd=$(pwd)"
grep -E "^(CapEff|CapBnd|CapPrm|NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t" | sed "s/:/=/"
touch /usr/casca-probe 2>/dev/null && echo "usr=rw" || echo "usr=ro"
touch /etc/casca-probe 2>/dev/null && echo "etc=rw" || echo "etc=ro"
echo "tmp=$(stat -f -c %T /tmp) $(test -e /tmp/casca-sandbox-probe && echo host || echo fresh)"
echo "net=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " ")"
echo hello > ./written && echo "cwd=rw"
echo "hostname=$(hostname)"
exit 7'

assert_probe() {  # $1: uid
  assert_equal "$status" 7
  assert_line "pid=1"
  assert_line "uid=$1 gid=$2"
  assert_line "cwd=$WORK"
  assert_line "CapEff=0000000000000000"
  assert_line "CapBnd=0000000000000000"
  assert_line "CapPrm=0000000000000000"
  assert_line "NoNewPrivs=1"
  assert_line "Seccomp=2"
  assert_line "usr=ro"
  assert_line "etc=ro"
  assert_line "tmp=tmpfs fresh"
  assert_line "net=lo "
  assert_line "cwd=rw"
  assert_line "hostname=sandbox"
  [ "$(cat "$WORK/written")" = hello ] || fail "the write in cwd did not reach the host"
  [ ! -e /usr/casca-probe ] && [ ! -e /etc/casca-probe ]
}

@test "sandbox: as root, the defaults as the command sees them; exits with its status" {
  WORK=$BATS_TEST_TMPDIR/work
  mkdir -p "$WORK"
  cd "$WORK"
  touch /tmp/casca-sandbox-probe
  run casca sandbox -- sh -c "$PROBE"
  rm -f /tmp/casca-sandbox-probe
  assert_probe 0 0
  [ -z "$(ls -A "$STATE_ROOT/@sandbox")" ] || fail "left behind: $(ls -A "$STATE_ROOT/@sandbox")"
  [ -z "$(state_ids)" ]
}

@test "sandbox: a normal user gets a rootless sandbox automatically" {
  command -v setpriv > /dev/null || skip "needs setpriv (util-linux)"
  u=$(make_test_user s)
  as_user "$u" unshare -U true 2> /dev/null || skip "unprivileged user namespaces are disabled"
  WORK=$(getent passwd "$u" | cut -d: -f6)/proj
  as_user "$u" mkdir "$WORK"
  run as_user "$u" sh -c "cd $WORK && '$CASCA' sandbox -- sh -c '$(printf %s "$PROBE" | sed "s/'/'\\\\''/g")'"
  assert_probe "$(id -u "$u")" "$(id -g "$u")"
  assert_equal "$(stat -c %u "$WORK/written")" "$(id -u "$u")"
  [ -z "$(ls -A "/tmp/casca-$(id -u "$u")/@sandbox")" ]
  # limits need a delegated cgroup: refused, nothing left
  run as_user "$u" sh -c "cd $WORK && '$CASCA' sandbox --pids 10 -- true"
  assert_failure
  assert_output --regexp '^casca: --memory/--cpus/--pids: linux.resources: limits need a pure cgroup v2 hierarchy|not delegated to uid'
  [ -z "$(ls -A "/tmp/casca-$(id -u "$u")/@sandbox")" ]
  [ -z "$(find "/tmp/casca-$(id -u "$u")" -mindepth 1 -maxdepth 1 ! -name @cache ! -name @sandbox 2>/dev/null)" ]
}

# sandbox_debug WHO BINARY: the --debug lines of `BINARY sandbox -- true`
# (WHO: a user name, or root)
sandbox_debug() {
  local home uid gid
  if [ "$1" = root ]; then
    "$2" --root "$STATE_ROOT" --debug sandbox -- true 2>&1 > /dev/null < /dev/null
  else
    home=$(getent passwd "$1" | cut -d: -f6) uid=$(id -u "$1") gid=$(id -g "$1")
    (cd "$home" && exec setpriv --reuid "$uid" --regid "$gid" --clear-groups \
      env -i PATH=/usr/bin:/bin HOME="$home" "$2" --debug sandbox -- true) 2>&1 > /dev/null < /dev/null
  fi
}

# CVE-2019-5736 is a container writing the runtime's binary through
# /proc/PID/exe.  A binary the caller cannot write, none of the caller's
# containers can either: casca runs its init as it is, without the exec stub
# or the sealed copy.
@test "sandbox: a user runs root's casca binary as it is; a binary the user can write is kept from the sandbox" {
  command -v setpriv > /dev/null || skip "needs setpriv (util-linux)"
  u=$(make_test_user x)
  as_user "$u" unshare -U true 2> /dev/null || skip "unprivileged user namespaces are disabled"
  RT_DIR=$(mktemp -d /tmp/casca-rt.XXXXXX)
  chmod 0755 "$RT_DIR"
  install -m 0755 "$CASCA" "$RT_DIR/casca-root"
  install -m 0755 -o "$u" "$CASCA" "$RT_DIR/casca-user"
  run sandbox_debug "$u" "$RT_DIR/casca-root"
  refute_output --partial 'exec stub'
  refute_output --partial 'sealed copy'
  assert_output --partial 'created, init pid'
  run sandbox_debug "$u" "$RT_DIR/casca-user"
  assert_output --partial 'the init waits for start in the exec stub'
  # root can write any binary: always kept from it
  run sandbox_debug root "$RT_DIR/casca-root"
  assert_output --partial 'the init waits for start in the exec stub'
  [ -z "$(ls -A "/tmp/casca-$(id -u "$u")/@sandbox")" ]
}

@test "sandbox: --bind, --ro-bind, --tmpfs, --env, --cwd, --hostname, --uid/--gid, --net host" {
  WORK=$BATS_TEST_TMPDIR/work
  mkdir -p "$WORK" "$BATS_TEST_TMPDIR/rw" "$BATS_TEST_TMPDIR/ro"
  echo data > "$BATS_TEST_TMPDIR/ro/f"
  chmod 0777 "$BATS_TEST_TMPDIR/rw" "$BATS_TEST_TMPDIR/ro/f"
  cd "$WORK"
  run casca sandbox --bind "$BATS_TEST_TMPDIR/rw:/data" --ro-bind "$BATS_TEST_TMPDIR/ro:/in" \
    --bind "$BATS_TEST_TMPDIR/ro:/in2:ro" --tmpfs /scratch --env FOO=bar --cwd /data \
    --hostname box --uid 1234 --gid 4321 -- \
    sh -c 'echo "cwd=$(pwd) foo=$FOO host=$(hostname) ids=$(id -u):$(id -g)"; echo x > /data/out;
           cat /in/f; echo y > /in/f 2>/dev/null || echo "in=ro"; echo y > /in2/f 2>/dev/null || echo "in2=ro";
           echo "scratch=$(stat -f -c %T /scratch)"'
  assert_success
  assert_line "cwd=/data foo=bar host=box ids=1234:4321"
  assert_line data
  assert_line "in=ro"
  assert_line "in2=ro"
  assert_line "scratch=tmpfs"
  assert_equal "$(stat -c '%u %g' "$BATS_TEST_TMPDIR/rw/out")" "1234 4321"
  assert_equal "$(cat "$BATS_TEST_TMPDIR/ro/f")" data
  # --net host: the host's interfaces (read, not used)
  run casca sandbox --net host -- cat /proc/net/dev
  assert_success
  assert_equal "$output" "$(cat /proc/net/dev)"
  # --keep-env passes the caller's environment; without it only PATH
  run env CASCA_PROBE=1 "$CASCA" --root "$STATE_ROOT" sandbox --keep-env -- env
  assert_line CASCA_PROBE=1
  run env CASCA_PROBE=1 "$CASCA" --root "$STATE_ROOT" sandbox -- env
  refute_line CASCA_PROBE=1
  assert_line "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}

@test "sandbox: --print-config prints the OCI config and runs nothing; --help; bad options" {
  WORK=$BATS_TEST_TMPDIR/work
  mkdir -p "$WORK"
  cd "$WORK"
  run casca sandbox --print-config --memory 64m -- touch "$WORK/marker"
  assert_success
  [ ! -e "$WORK/marker" ] || fail "--print-config ran the command"
  run python3 -c '
import json, sys
c = json.loads(sys.argv[1])
p = c["process"]
print(p["args"], p["noNewPrivileges"], p["capabilities"]["bounding"], c["root"]["readonly"])
print(c["linux"]["resources"]["memory"]["limit"], "seccomp" in c["linux"], [n["type"] for n in c["linux"]["namespaces"]])
print(sorted(m["destination"] for m in c["mounts"] if "ro" in m.get("options", [])))' "$output"
  assert_line --index 0 "['touch', '$WORK/marker'] True [] True"
  assert_line --index 1 "67108864 True ['pid', 'ipc', 'uts', 'mount', 'cgroup', 'network']"
  assert_line --index 2 --regexp "^\[.*'/etc'.*'/usr'\]$"
  [ -z "$(state_ids)" ] && [ ! -e "$STATE_ROOT/@sandbox" ]
  run casca sandbox --help
  assert_success
  assert_output --partial "usage: casca sandbox [options] [--] COMMAND"
  run casca sandbox --net wifi -- true
  assert_failure 2
  assert_output "casca: --net \`wifi\`: expected none, user or host"
  # an early return frees the option lists too (LeakSanitizer, asan lane)
  run casca sandbox --bind "$WORK" --ro-bind "$WORK" --tmpfs /t --env A=1 --publish 8080:80 \
    --net wifi -- true
  assert_failure 2
  assert_output "casca: --net \`wifi\`: expected none, user or host"
  run casca sandbox --bind "$WORK:/x:rw" -- true
  assert_failure
  assert_output "casca: --bind \`$WORK:/x:rw\`: expected SRC[:DST[:ro]], the mode can only be \`ro\`"
  run casca sandbox --publish 8080:80 -- true
  assert_failure
  assert_output "casca: --publish needs --net user"
  run casca sandbox --memory lots -- true
  assert_failure
  assert_output "casca: --memory \`lots\`: expected a size (bytes, or with k, m, g)"
  [ -z "$(ls -A "$STATE_ROOT/@sandbox" 2>/dev/null)" ]
}

@test "sandbox: the terminal is passed through when stdin is one" {
  command -v script > /dev/null || skip "needs script (bsdutils)"
  WORK=$BATS_TEST_TMPDIR/work
  mkdir -p "$WORK"
  cd "$WORK"
  run script -qec "'$CASCA' --root '$STATE_ROOT' sandbox -- sh -c 'test -t 0 && test -t 1 && echo tty=yes; tty'" /dev/null
  assert_success
  assert_output --partial "tty=yes"
  assert_output --regexp "/dev/pts/[0-9]+"
  run casca sandbox -- sh -c 'test -t 0 || echo tty=no' < /dev/null
  assert_output "tty=no"
}

@test "sandbox: --rootfs DIR is the read-only root instead of the host's directories" {
  ROOTFS=$BATS_TEST_TMPDIR/rootfs
  cp -a "$(busybox_template)" "$ROOTFS"
  touch "$ROOTFS/etc/from-rootfs"
  run casca sandbox --rootfs "$ROOTFS" -- sh -c 'pwd; ls /etc/from-rootfs; test -e /usr/lib/os-release || echo "no host usr"; touch /x 2>/dev/null || echo ro'
  assert_success
  assert_output "/
/etc/from-rootfs
no host usr
ro"
  [ -z "$(ls -A "$STATE_ROOT/@sandbox")" ]
}

# the pid of the sandbox's command: the process whose argv is exactly ARGV
# (a marker only this test runs), a child of casca's pid namespace
# (fails while there is none: wait_until waits on it)
marked_pid() {
  local p
  p=$(pgrep -fx "$1" | head -n 1)
  [ -n "$p" ] && echo "$p"
}

@test "sandbox: a SIGKILLed casca takes its command with it; the next sandbox removes what it left" {
  local mark="sleep 9$$7" casca_pid cmd_pid left
  # shellcheck disable=SC2086 # the marker is two words
  "$CASCA" --root "$STATE_ROOT" sandbox -- $mark &
  casca_pid=$!
  SANDBOX_BG=$casca_pid # teardown ends it if the test fails first
  wait_until --timeout 20 marked_pid "$mark"
  cmd_pid=$(marked_pid "$mark")
  [ -n "$cmd_pid" ]
  [ -n "$(ls -A "$STATE_ROOT/@sandbox")" ]
  kill -KILL "$casca_pid"
  wait "$casca_pid" || true
  # the command dies with the runtime (bwrap's --die-with-parent)
  wait_until dead "$cmd_pid"
  # its bundle and state stay until the next sandbox sweeps them
  left=$(ls -A "$STATE_ROOT/@sandbox")
  [ "$left" = "sandbox-$casca_pid" ] || fail "expected sandbox-$casca_pid, found: $left"
  run casca sandbox -- true
  assert_success
  [ -z "$(ls -A "$STATE_ROOT/@sandbox")" ] || fail "left behind: $(ls -A "$STATE_ROOT/@sandbox")"
  [ -z "$(state_ids)" ] || fail "state left: $(state_ids)"
}
