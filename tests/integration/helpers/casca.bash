# casca.bash - shared set-up for casca's bats tests.
#   load helpers/casca     (in each .bats file)
# Each test gets its own state root and bundle under $BATS_TEST_TMPDIR, and
# teardown checks that nothing is left behind.

bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load helpers/bundle
load helpers/wait

CASCA=${CASCA:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build/casca}
CASCA_BUILD=${CASCA_BUILD:-$(dirname "$CASCA")}
# shellcheck disable=SC2034 # for the .bats files
TESTS_DIR=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# make_bundle [DIR] [SPEC_OPTION...]: a bundle with the busybox rootfs
# (helpers/bundle.bash) and `casca spec --hardened`'s config (casca's
# profile: no terminal, seccomp; plain `casca spec` is runc's).
make_bundle() {
  BUNDLE=${1:-$BATS_TEST_TMPDIR/bundle}
  mkdir -p "$BUNDLE"
  make_busybox_rootfs "$BUNDLE/rootfs"
  "$CASCA" spec --hardened "${@:2}" --bundle "$BUNDLE"
  host_lane_devices
}

# Where there is no cgroup v2 (the host lane) nothing can enforce the
# deny-all device rule `casca spec` writes, and casca refuses it: leave the
# rule out there (the VM lane keeps it).
host_lane_devices() {
  if on_hybrid_host; then
    cfg 'c["linux"].pop("resources", None)'
  fi
}

# cfg 'PYTHON': edit $BUNDLE/config.json; the document is `c`.
cfg() {
  python3 - "$BUNDLE/config.json" "$1" <<'PY'
import json, sys
p, code = sys.argv[1], sys.argv[2]
c = json.load(open(p))
exec(code)
json.dump(c, open(p, "w"), indent=1)
PY
}

# args CMD...: set process.args
args() {
  python3 - "$BUNDLE/config.json" "$@" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["args"] = sys.argv[2:]
json.dump(c, open(p, "w"), indent=1)
PY
}

casca() {
  "$CASCA" --root "$STATE_ROOT" "$@"
}

# A unique container id per test.
cid() { echo "t${BATS_TEST_NUMBER}-$$${1:+-$1}"; }

need_root() {
  [ "$(id -u)" = 0 ] || skip "needs root (creates namespaces and mounts)"
}

need_cgroup2() {
  [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] ||
    skip "needs a pure cgroup v2 hierarchy (runs in the VM lane)"
}

on_hybrid_host() {
  [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]
}

# Mounts under the test dir still present in the host's mount table.
leftover_mounts() {
  grep -F "$BATS_TEST_TMPDIR" /proc/self/mountinfo || true
}

# State of container $1 as a JSON field $2.
state_field() {
  casca state "$1" | python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(v)' "$2"
}

common_setup() {
  need_root
  STATE_ROOT=$BATS_TEST_TMPDIR/state
  export STATE_ROOT
}

# What is left under state root $1 (default: the test's) besides the
# seccomp filter cache (@cache), the sandboxes' bundles (@sandbox, which sandbox.bats
# checks is empty), the named networks (@networks) and the one-off bridges' leases
# (@ipam), which are not containers: one name per line.
state_ids() {
  find "${1:-$STATE_ROOT}" -mindepth 1 -maxdepth 1 ! -name @cache ! -name @sandbox ! -name @networks ! -name @ipam -printf '%f
' 2>/dev/null | sort
}

# Fails the test when anything survived it.
common_teardown() {
  local ids left
  if [ -d "$STATE_ROOT" ]; then
    ids=$(state_ids "$STATE_ROOT")
    for id in $ids; do "$CASCA" --root "$STATE_ROOT" delete --force "$id" >/dev/null 2>&1 || true; done
    [ -z "$ids" ] || { echo "left behind: state for $ids" >&2; return 1; }
  fi
  left=$(leftover_mounts)
  [ -z "$left" ] || { echo "left behind: mounts $left" >&2; return 1; }
  host_devices_intact
}

setup() { common_setup; }
teardown() { common_teardown; }

# run_bg ARGS...: like `run casca ARGS...` for commands that leave a
# container holding their stdio (create, run -d): through a file, not a pipe,
# which would stay open as long as the container lives.
# shellcheck disable=SC2034 # status and output are `run`'s, for the test
run_bg() {
  local out=$BATS_TEST_TMPDIR/bg.$BATS_TEST_NUMBER.$RANDOM
  status=0
  casca "$@" > "$out" 2>&1 < /dev/null || status=$?
  output=$(cat "$out")
}

# For a container's shell script, which cannot use wait_until: defines
# `wait_listen PORT`, which waits up to 3 s for a TCP socket to listen on
# PORT (from /proc/net: busybox has no ss).  args sh -c "$WAIT_LISTEN; ..."
# shellcheck disable=SC2016,SC2034 # expanded by the container's shell
WAIT_LISTEN='wait_listen() { p=$(printf ":%04X " "$1"); i=0; until grep -q "$p[0-9A-F]*:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null || [ $i -ge 300 ]; do i=$((i + 1)); usleep 10000; done; }'

# dead PID: the process is gone (or a zombie waiting for its reaper); else
# prints what it is (for wait_until)
dead() {
  [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null && return 0
  echo "pid $1 lives: $(grep -h '^State:' "/proc/$1/status" 2>/dev/null) $(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null)"
  return 1
}

# status_is ID STATUS: `casca state ID` says STATUS; else prints what it says
# (for wait_until)
status_is() {
  local s
  s=$(state_field "$1" status 2>&1)
  [ "$s" = "$2" ] && return 0
  echo "container $1: status ${s:-(none)}, not $2"
  return 1
}
