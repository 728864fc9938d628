#!/usr/bin/env bats
# systemd-cgroup.bats - the systemd cgroup driver (--systemd-cgroup,
# --cgroup-manager systemd): the container's cgroup is a transient scope
# systemd makes over D-Bus.  Needs systemd as pid 1 on cgroup v2: it runs in
# the vm-systemd lane (tests/vm/check-vm.sh -S runs it after
# systemd-smoke.sh, in the same boot; `VM_INIT=systemd tests/vm/check-vm.sh
# tests/integration/systemd-cgroup.bats` runs it alone) and skips elsewhere.
# What the tests read is what systemd says (systemctl show) and what the
# kernel has (the scope's control files), never casca's own account.
# bats file_tags=systemd

load helpers/casca
load helpers/systemd
load helpers/users
load helpers/criu

CG=/sys/fs/cgroup

setup() {
  common_setup
  need_systemd
  # the test's units: casca-t<N>-<pid>*.scope
  UNITS="casca-t${BATS_TEST_NUMBER}-$$*"
}

teardown() {
  local rc=0 left
  stop_user_managers
  remove_test_users
  criu_log_errors "$BATS_TEST_TMPDIR/img" "$BATS_TEST_TMPDIR/img2"
  common_teardown || rc=$?
  [ -n "${UNITS:-}" ] || return $rc
  left=$(units "$UNITS")
  if [ -n "$left" ]; then
    echo "left behind: units $left" >&2
    drop_units "$UNITS"
    rc=1
  fi
  return $rc
}

sd() { casca --systemd-cgroup "$@"; }

# ---- the user's systemd instance (rootless) ----

# start_user_manager NAME: linger NAME, so that logind starts its systemd
# --user (user@UID.service), and wait until that manager answers on its bus.
start_user_manager() {
  echo "$1" >> "$BATS_TEST_TMPDIR/lingering"
  loginctl enable-linger "$1"
  wait_until test -S "/run/user/$(id -u "$1")/bus"
  wait_until usd "$1" systemctl --user show -P Version
}

# stop_user_managers: (teardown) what start_user_manager started goes.
stop_user_managers() {
  local name uid
  [ -f "$BATS_TEST_TMPDIR/lingering" ] || return 0
  while read -r name; do
    uid=$(id -u "$name") || continue
    loginctl disable-linger "$name" || true
    systemctl stop "user@$uid.service" "user-runtime-dir@$uid.service" "user-$uid.slice" || true
  done < "$BATS_TEST_TMPDIR/lingering"
  rm -f "$BATS_TEST_TMPDIR/lingering"
}

# usd NAME CMD...: CMD as NAME with its XDG_RUNTIME_DIR (the user's bus)
usd() {
  local name=$1
  shift
  AS_XDG=/run/user/$(id -u "$name") as_user "$name" "$@"
}

# usd_bg NAME ARGS...: `run`, for casca --systemd-cgroup ARGS as NAME that
# leaves a container holding its stdio (run -d): through a file.
# shellcheck disable=SC2034 # status and output are `run`'s, for the test
usd_bg() {
  local out=$BATS_TEST_TMPDIR/ubg.$RANDOM
  status=0
  usd "$1" "$CASCA" --systemd-cgroup "${@:2}" > "$out" 2>&1 < /dev/null || status=$?
  output=$(cat "$out")
}

# uprop NAME UNIT PROPERTY: what NAME's manager says
uprop() { usd "$1" systemctl --user show -P "$3" "$2"; }

# rootless_sd_bundle NAME: `casca spec --hardened --rootless` as NAME, in its
# home; no device rules (a filter needs root), sets BUNDLE.
rootless_sd_bundle() {
  as_user "$1" unshare -U true 2> /dev/null || skip "unprivileged user namespaces are disabled"
  user_bundle "$1"
  cfg 'c["linux"].pop("resources", None)'
}

writable_rootfs() {
  cfg 'c["root"]["readonly"] = False'
}

@test "run: the container's cgroup is casca-ID.scope with its limits as unit properties and files" {
  make_bundle
  writable_rootfs
  cfg 'c["linux"]["resources"]["memory"] = {"limit": 64 << 20}
c["linux"]["resources"]["pids"] = {"limit": 32}
c["linux"]["resources"]["cpu"] = {"quota": 50000, "period": 100000, "shares": 1024}
c["linux"]["resources"]["unified"] = {"memory.high": str(48 << 20)}
assert {"type": "cgroup"} in c["linux"]["namespaces"]'
  args sh -c 'cat /proc/self/cgroup > /tmp/cg; sleep 100'
  id=$(cid)
  unit=casca-$id.scope
  run_bg --systemd-cgroup run -d --bundle "$BUNDLE" "$id"
  assert_success
  # the scope's holder is casca's, not a process found in the cgroup: no
  # warning, and the scope is marked as this container's
  refute_output --partial "is not empty"
  assert_equal "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.casca.owner").decode())' \
    "$CG/system.slice/$unit")" "$(realpath "$STATE_ROOT")/$id"
  pid=$(state_field "$id" pid)
  assert_equal "$(prop "$unit" ActiveState)" active
  assert_equal "$(prop "$unit" Delegate)" yes
  assert_equal "$(prop "$unit" ControlGroup)" "/system.slice/$unit"
  assert_equal "$(prop "$unit" Slice)" system.slice
  assert_equal "$(prop "$unit" MemoryMax)" 67108864
  assert_equal "$(prop "$unit" MemoryHigh)" 50331648
  assert_equal "$(prop "$unit" TasksMax)" 32
  assert_equal "$(prop "$unit" CPUQuotaPerSecUSec)" 500ms
  assert_equal "$(prop "$unit" CPUWeight)" 39
  # the init is in the scope, which holds nothing else (the holder is gone)
  assert_equal "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" "/system.slice/$unit"
  assert_equal "$(cat "$CG/system.slice/$unit/cgroup.procs")" "$pid"
  # the kernel's files say the same
  assert_equal "$(cat "$CG/system.slice/$unit/memory.max")" 67108864
  assert_equal "$(cat "$CG/system.slice/$unit/memory.high")" 50331648
  assert_equal "$(cat "$CG/system.slice/$unit/pids.max")" 32
  assert_equal "$(cat "$CG/system.slice/$unit/cpu.max")" "50000 100000"
  # the init was cloned into the scope: its cgroup namespace is rooted there
  wait_until test -s "$BUNDLE/rootfs/tmp/cg"
  assert_equal "$(cat "$BUNDLE/rootfs/tmp/cg")" "0::/"
  # a daemon-reload keeps them: systemd owns them
  systemctl daemon-reload
  assert_equal "$(cat "$CG/system.slice/$unit/memory.max")" 67108864
  assert_equal "$(cat "$CG/system.slice/$unit/pids.max")" 32
  assert_equal "$(cat "$CG/system.slice/$unit/cpu.max")" "50000 100000"
  # the state names the scope
  assert_equal "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cgroupUnit"])' \
    "$STATE_ROOT/$id/state.json")" "$unit"
  sd delete --force "$id"
  assert no_unit "$unit"
  assert [ ! -e "$CG/system.slice/$unit" ]
  assert_equal "$(units "$UNITS")" ""
}

@test "cgroupsPath slice:prefix:name: a named parent slice is created, an empty prefix gives ID.scope" {
  make_bundle
  args sleep 100
  id=$(cid)
  cfg "c['linux']['cgroupsPath'] = 'machine-cascabats$$.slice:casca:$id'"
  run_bg --systemd-cgroup run -d --bundle "$BUNDLE" "$id"
  assert_success
  unit=casca-$id.scope
  assert_equal "$(prop "$unit" Slice)" "machine-cascabats$$.slice"
  assert_equal "$(prop "machine-cascabats$$.slice" ActiveState)" active
  assert_equal "$(prop "$unit" ControlGroup)" "/machine.slice/machine-cascabats$$.slice/$unit"
  assert [ -d "$CG/machine.slice/machine-cascabats$$.slice/$unit" ]
  sd delete --force "$id"
  assert no_unit "$unit"
  # the other spelling of the flag; no prefix
  id2=$(cid noprefix)
  cfg "c['linux']['cgroupsPath'] = 'system.slice::$id2'"
  run_bg --cgroup-manager systemd run -d --bundle "$BUNDLE" "$id2"
  assert_success
  assert_equal "$(prop "$id2.scope" ActiveState)" active
  casca --cgroup-manager systemd delete --force "$id2"
  assert no_unit "$id2.scope"
  systemctl stop "machine-cascabats$$.slice"
  # a cgroupfs path is refused, naming the form
  cfg "c['linux']['cgroupsPath'] = '/casca/$id'"
  run sd run --bundle "$BUNDLE" "$(cid bad)"
  assert_failure
  assert_output --partial "expects \"slice:prefix:name\""
  assert_equal "$(state_ids)" ""
}

@test "an allocation over memory.max is OOM-killed in the scope; delete leaves no (failed) unit" {
  make_bundle
  writable_rootfs
  cfg 'c["linux"]["resources"]["memory"] = {"limit": 32 << 20, "swap": 32 << 20}'
  args dd if=/dev/zero of=/dev/null bs=64M count=1
  id=$(cid run)
  run sd run --bundle "$BUNDLE" "$id"
  echo "$output"
  assert_equal "$status" 137
  assert no_unit "casca-$id.scope"
  # detached: the kill is in the scope's memory.events; the container stops
  args sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; exec dd if=/dev/zero of=/dev/null bs=64M count=1'
  id=$(cid)
  unit=casca-$id.scope
  run_bg --systemd-cgroup run -d --bundle "$BUNDLE" "$id"
  assert_success
  assert_equal "$(cat "$CG/system.slice/$unit/memory.swap.max")" 0
  touch "$BUNDLE/rootfs/tmp/go"
  wait_until status_is "$id" stopped
  # systemd saw it too (a unit it stopped for the OOM kill is failed)
  result=$(prop "$unit" Result)
  echo "unit $unit: $(prop "$unit" ActiveState) $result"
  case $result in oom-kill | success) ;; *) false ;; esac
  sd delete "$id"
  assert no_unit "$unit"
}

@test "pause and resume freeze the scope's cgroup" {
  make_bundle
  writable_rootfs
  args sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.05; done'
  id=$(cid)
  unit=casca-$id.scope
  run_bg --systemd-cgroup run -d --bundle "$BUNDLE" "$id"
  assert_success
  count=$BUNDLE/rootfs/tmp/count
  wait_until test -s "$count"
  sd pause "$id"
  assert file_has "$CG/system.slice/$unit/cgroup.events" '^frozen 1$'
  assert_equal "$(state_field "$id" status)" paused
  a=$(cat "$count")
  sleep 1 # time is what is tested: a second in which the frozen counter must not move
  assert_equal "$(cat "$count")" "$a"
  sd resume "$id"
  assert file_has "$CG/system.slice/$unit/cgroup.events" '^frozen 0$'
  assert_equal "$(state_field "$id" status)" running
  wait_until file_changed "$count" "$a"
  sd delete --force "$id"
  assert no_unit "$unit"
}

# file_changed FILE OLD: FILE no longer holds OLD
file_changed() {
  [ "$(cat "$1")" != "$2" ] && return 0
  echo "$1 still holds $2"
  return 1
}

@test "update changes the unit's properties and the scope's files" {
  make_bundle
  cfg 'c["linux"]["resources"]["memory"] = {"limit": 256 << 20}
c["linux"]["resources"]["pids"] = {"limit": 100}'
  args sleep 100
  id=$(cid)
  unit=casca-$id.scope
  run_bg --systemd-cgroup run -d --bundle "$BUNDLE" "$id"
  assert_success
  run sd update --memory 128m --pids-limit 64 --cpu-quota 20000 --cpu-period 100000 \
    --cpu-weight 50 "$id"
  assert_success
  assert_equal "$(prop "$unit" MemoryMax)" 134217728
  assert_equal "$(prop "$unit" TasksMax)" 64
  assert_equal "$(prop "$unit" CPUQuotaPerSecUSec)" 200ms
  assert_equal "$(prop "$unit" CPUWeight)" 50
  assert_equal "$(cat "$CG/system.slice/$unit/memory.max")" 134217728
  assert_equal "$(cat "$CG/system.slice/$unit/pids.max")" 64
  assert_equal "$(cat "$CG/system.slice/$unit/cpu.max")" "20000 100000"
  assert_equal "$(cat "$CG/system.slice/$unit/cpu.weight")" 50
  # and they survive a daemon-reload
  systemctl daemon-reload
  assert_equal "$(cat "$CG/system.slice/$unit/memory.max")" 134217728
  assert_equal "$(cat "$CG/system.slice/$unit/pids.max")" 64
  echo '{"pids": {"limit": 0}}' | sd update -r - "$id"
  assert_equal "$(prop "$unit" TasksMax)" infinity
  assert_equal "$(cat "$CG/system.slice/$unit/pids.max")" max
  sd delete --force "$id"
  assert no_unit "$unit"
}

@test "delete --force after the runtime was SIGKILLed mid-create leaves no unit" {
  make_bundle
  args true
  hook=$BATS_TEST_TMPDIR/hook.pid
  cfg "c['hooks'] = {'createRuntime': [{'path': '/bin/sh', 'args': ['sh', '-c', 'echo \$\$ > $hook; exec sleep 60']}]}"
  id=$(cid)
  unit=casca-$id.scope
  "$CASCA" --root "$STATE_ROOT" --systemd-cgroup create --bundle "$BUNDLE" "$id" > /dev/null 2>&1 < /dev/null &
  runtime=$!
  wait_until test -s "$hook"
  assert_equal "$(prop "$unit" ActiveState)" active
  kill -KILL "$runtime"
  wait "$runtime" || true
  kill -KILL "$(cat "$hook")" 2> /dev/null || true
  run sd delete --force "$id"
  assert_success
  assert no_unit "$unit"
  assert [ ! -e "$CG/system.slice/$unit" ]
  assert [ ! -e "$STATE_ROOT/$id" ]
  # killed before its init was cloned: the scope held only the holder
  if [ -x "$CASCA_BUILD/tests/casca-steps" ]; then
    id=$(cid steps)
    CASCA_TEST_KILL_AT=cgroup "$CASCA_BUILD/tests/casca-steps" --root "$STATE_ROOT" \
      --systemd-cgroup create --bundle "$BUNDLE" "$id" > /dev/null 2>&1 < /dev/null || true
    run sd delete --force "$id"
    assert_success
    assert no_unit "casca-$id.scope"
  fi
}

@test "a failed create leaves no unit" {
  make_bundle
  args true
  # a value the kernel refuses, written after the scope started
  cfg 'c["linux"]["resources"]["unified"] = {"cpu.idle": "5"}'
  id=$(cid)
  run sd run --bundle "$BUNDLE" "$id"
  assert_failure
  assert_output --partial "write cpu.idle \"5\""
  assert no_unit "casca-$id.scope"
  assert_equal "$(state_ids)" ""
}

@test "libsystemd is loaded only for the systemd manager: not linked; where it cannot load, create fails naming it and leaves nothing" {
  # linked, it and the five libraries it needs were mapped on every call
  run readelf -d "$CASCA"
  assert_success
  refute_output --partial libsystemd
  make_bundle
  args true
  id=$(cid)
  lib=$(realpath /lib/x86_64-linux-gnu/libsystemd.so.0)
  # a private mount namespace in which the library is an empty file
  run unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$lib" \
    "$CASCA" --root "$STATE_ROOT" --systemd-cgroup run --bundle "$BUNDLE" "$id"
  assert_failure
  assert_output --partial "systemd cgroup manager: cannot load libsystemd.so.0 (Debian's libsystemd0)"
  assert no_unit "casca-$id.scope"
  assert_equal "$(state_ids)" ""
  # and with it, the same create works (the dlopen'd library drives the bus)
  run sd run --bundle "$BUNDLE" "$id"
  assert_success
  assert no_unit "casca-$id.scope"
}

@test "a scope name another container holds is refused, and that container's unit is left alone" {
  make_bundle
  args sleep 100
  cfg "c['linux']['cgroupsPath'] = 'system.slice:casca:shared-$$'"
  id=$(cid)
  run_bg --systemd-cgroup run -d --bundle "$BUNDLE" "$id"
  assert_success
  unit=casca-shared-$$.scope
  pid=$(state_field "$id" pid)
  run sd run --bundle "$BUNDLE" "$(cid second)"
  assert_failure
  assert_output --partial "StartTransientUnit $unit"
  assert_equal "$(prop "$unit" ActiveState)" active
  assert_equal "$(cat "$CG/system.slice/$unit/cgroup.procs")" "$pid"
  sd delete --force "$id"
  assert no_unit "$unit"
}

@test "org.systemd.property.* annotations are the scope's unit properties (runc's rules)" {
  make_bundle
  args sleep 100
  cfg 'a = c.setdefault("annotations", {})
a["org.systemd.property.TimeoutStopSec"] = "5"
a["org.systemd.property.CollectMode"] = "\x27inactive-or-failed\x27"
a["org.systemd.property.Description"] = "\"casca bats annotation\""
a["org.systemd.property.IOAccounting"] = "false"
a["org.systemd.property.MemoryMax"] = "uint64 134217728"'
  id=$(cid)
  unit=casca-$id.scope
  run_bg --systemd-cgroup run -d --bundle "$BUNDLE" "$id"
  assert_success
  assert_equal "$(prop "$unit" ActiveState)" active
  # Sec: seconds, sent as TimeoutStopUSec
  assert_equal "$(prop "$unit" TimeoutStopUSec)" 5s
  assert_equal "$(prop "$unit" CollectMode)" inactive-or-failed
  # the annotation wins over casca's own Description and IOAccounting=yes
  assert_equal "$(prop "$unit" Description)" "casca bats annotation"
  assert_equal "$(prop "$unit" IOAccounting)" no
  # a resource property linux.resources does not set: systemd wrote the file
  assert_equal "$(prop "$unit" MemoryMax)" 134217728
  assert_equal "$(cat "$CG/system.slice/$unit/memory.max")" 134217728
  # casca's own are still there
  assert_equal "$(prop "$unit" Delegate)" yes
  assert_equal "$(prop "$unit" MemoryAccounting)" yes
  sd delete --force "$id"
  assert no_unit "$unit"
  # runc's documented form: a USec property, an explicit uint64
  cfg 'c["annotations"] = {"org.systemd.property.TimeoutStopUSec": "uint64 123456789"}'
  id2=$(cid usec)
  run_bg --systemd-cgroup run -d --bundle "$BUNDLE" "$id2"
  assert_success
  assert_equal "$(prop "casca-$id2.scope" TimeoutStopUSec)" "2min 3.456789s"
  sd delete --force "$id2"
  assert no_unit "casca-$id2.scope"
}

@test "a bad org.systemd.property.* annotation is refused at create, naming it, and leaves no unit" {
  make_bundle
  args true
  id=$(cid)
  # not a property name (runc: latin letters only)
  cfg 'c["annotations"] = {"org.systemd.property.Foo-Bar": "true"}'
  run sd run --bundle "$BUNDLE" "$id"
  assert_failure
  assert_output --partial 'annotations["org.systemd.property.Foo-Bar"]: "Foo-Bar" is not a systemd property name'
  assert no_unit "casca-$id.scope"
  assert_equal "$(state_ids)" ""
  # a value that is not GVariant text (unquoted string)
  cfg 'c["annotations"] = {"org.systemd.property.CollectMode": "inactive-or-failed"}'
  run sd run --bundle "$BUNDLE" "$id"
  assert_failure
  assert_output --partial 'annotations["org.systemd.property.CollectMode"]: value "inactive-or-failed" is not a GVariant value'
  assert no_unit "casca-$id.scope"
  assert_equal "$(state_ids)" ""
  # a property linux.resources sets too
  cfg 'c["annotations"] = {"org.systemd.property.MemoryMax": "uint64 134217728"}
c["linux"]["resources"]["memory"] = {"limit": 64 << 20}'
  run sd run --bundle "$BUNDLE" "$id"
  assert_failure
  assert_output --partial 'annotations["org.systemd.property.MemoryMax"]: linux.resources sets the unit'"'"'s MemoryMax too'
  assert no_unit "casca-$id.scope"
  # one casca sets to run the container
  cfg 'c["annotations"] = {"org.systemd.property.Slice": "\x27other.slice\x27"}
del c["linux"]["resources"]["memory"]'
  run sd run --bundle "$BUNDLE" "$id"
  assert_failure
  assert_output --partial 'annotations["org.systemd.property.Slice"]: casca sets the unit'"'"'s Slice itself'
  assert no_unit "casca-$id.scope"
  # well-formed, but systemd has no such property for a scope: its refusal
  cfg 'c["annotations"] = {"org.systemd.property.NoSuchProperty": "true"}'
  run sd run --bundle "$BUNDLE" "$id"
  assert_failure
  assert_output --partial "StartTransientUnit casca-$id.scope"
  assert_output --partial NoSuchProperty
  assert no_unit "casca-$id.scope"
  assert_equal "$(state_ids)" ""
}

@test "rootless: the user's systemd instance makes the scope below user@UID.service; limits, pause, update, delete" {
  u=$(make_test_user s)
  uid=$(id -u "$u")
  start_user_manager "$u"
  rootless_sd_bundle "$u"
  cfg 'c["linux"]["resources"] = {"pids": {"limit": 32}, "memory": {"limit": 64 << 20}}
assert {"type": "cgroup"} in c["linux"]["namespaces"]
assert {"type": "user"} in c["linux"]["namespaces"]'
  args sleep 100
  id=$(cid)
  unit=casca-$id.scope
  mcg=/user.slice/user-$uid.slice/user@$uid.service
  # runc's default slice for a rootless container: user.slice, the user manager's
  scg=$mcg/user.slice/$unit
  usd_bg "$u" run -d --bundle "$BUNDLE" "$id"
  assert_success
  pid=$(usd "$u" "$CASCA" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  # the user's manager has the unit, delegated, with the limits
  assert_equal "$(uprop "$u" "$unit" ActiveState)" active
  assert_equal "$(uprop "$u" "$unit" Delegate)" yes
  assert_equal "$(uprop "$u" "$unit" ControlGroup)" "$scg"
  assert_equal "$(uprop "$u" "$unit" TasksMax)" 32
  assert_equal "$(uprop "$u" "$unit" MemoryMax)" 67108864
  # the system manager has no such unit
  assert no_unit "$unit"
  # the init is in the scope, alone (the holder is gone), owned by the user
  assert_equal "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" "$scg"
  assert_equal "$(cat "$CG$scg/cgroup.procs")" "$pid"
  assert_equal "$(stat -c %U "$CG$scg")" "$u"
  assert_equal "$(cat "$CG$scg/pids.max")" 32
  assert_equal "$(cat "$CG$scg/memory.max")" 67108864
  # its cgroup namespace is rooted in the scope; exec lands there too
  run usd "$u" "$CASCA" exec "$id" cat /proc/self/cgroup
  assert_success
  assert_output "0::/"
  # pause and resume freeze the scope
  run usd "$u" "$CASCA" --systemd-cgroup pause "$id"
  assert_success
  assert_equal "$(sed -n 's/^frozen //p' "$CG$scg/cgroup.events")" 1
  run usd "$u" "$CASCA" --systemd-cgroup resume "$id"
  assert_success
  assert_equal "$(sed -n 's/^frozen //p' "$CG$scg/cgroup.events")" 0
  # update: the property and the file
  run usd "$u" "$CASCA" --systemd-cgroup update --pids-limit 20 "$id"
  assert_success
  assert_equal "$(uprop "$u" "$unit" TasksMax)" 20
  assert_equal "$(cat "$CG$scg/pids.max")" 20
  # a crash: the init SIGKILLed; delete stops the unit and leaves nothing
  kill -KILL "$pid"
  wait_until dead "$pid"
  run usd "$u" "$CASCA" --systemd-cgroup delete "$id"
  assert_success
  [ -z "$(usd "$u" systemctl --user list-units --all --plain --no-legend "$unit")" ] ||
    fail "left behind: $(usd "$u" systemctl --user list-units --all --plain --no-legend "$unit")"
  assert [ ! -e "$CG$scg" ]
  assert [ ! -e "/run/user/$uid/casca/$id" ]
}

@test "rootless: a cgroupsPath of the user's, and a limit of a controller the user's manager lacks is refused by name" {
  u=$(make_test_user p)
  uid=$(id -u "$u")
  start_user_manager "$u"
  rootless_sd_bundle "$u"
  args sleep 100
  id=$(cid)
  mcg=/user.slice/user-$uid.slice/user@$uid.service
  cfg "c['linux']['cgroupsPath'] = 'app-cascabats.slice::$id'"
  usd_bg "$u" run -d --bundle "$BUNDLE" "$id"
  assert_success
  pid=$(usd "$u" "$CASCA" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  assert_equal "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" "$mcg/app.slice/app-cascabats.slice/$id.scope"
  assert_equal "$(uprop "$u" "$id.scope" Slice)" app-cascabats.slice
  run usd "$u" "$CASCA" --systemd-cgroup delete --force "$id"
  assert_success
  [ -z "$(usd "$u" systemctl --user list-units --all --plain --no-legend "$id.scope")" ] || fail "unit left behind"
  # cpuset: not among the controllers user@.service delegates (Debian:
  # Delegate=pids memory cpu), refused before a unit is made
  ctls=$(cat "/sys/fs/cgroup$mcg/cgroup.controllers")
  [[ " $ctls " != *" cpuset "* ]] || skip "the user manager has cpuset ($ctls)"
  cfg 'c["linux"]["resources"] = {"cpu": {"cpus": "0"}}
c["linux"].pop("cgroupsPath")'
  run usd "$u" "$CASCA" --systemd-cgroup run --bundle "$BUNDLE" "$id"
  assert_failure
  assert_output --regexp "^casca: (.*: )?linux\.resources\.cpu\.cpus: the cpuset controller is not delegated"
  assert_output --partial "the cpuset controller is not delegated to the user's systemd instance (/sys/fs/cgroup$mcg/cgroup.controllers has \"$ctls\"): an admin delegates it with \`Delegate=\` in a drop-in for user@.service (e.g. /etc/systemd/system/user@.service.d/delegate.conf: [Service] Delegate=cpu cpuset io memory pids)"
  [ -z "$(usd "$u" systemctl --user list-units --all --plain --no-legend "casca-$id.scope")" ] || fail "unit left behind"
  assert [ ! -e "/run/user/$uid/casca/$id" ]
}

@test "rootless: no systemd --user for the user: a clear error naming the bus and loginctl enable-linger" {
  u=$(make_test_user n)
  uid=$(id -u "$u")
  rootless_sd_bundle "$u"
  args true
  home=$(getent passwd "$u" | cut -d: -f6)
  assert [ ! -e "/run/user/$uid" ]
  # XDG_RUNTIME_DIR names the usual place, where no manager listens
  run usd "$u" "$CASCA" --systemd-cgroup --root "$home/state" run --bundle "$BUNDLE" x1
  assert_failure
  assert_output --partial "systemd cgroup manager: casca-x1.scope: no user bus at /run/user/$uid/bus: is \`loginctl enable-linger $u\` or a login session running the user's systemd (user@$uid.service)?"
  # no XDG_RUNTIME_DIR, no DBUS_SESSION_BUS_ADDRESS
  run as_user "$u" "$CASCA" --systemd-cgroup --root "$home/state" run --bundle "$BUNDLE" x1
  assert_failure
  assert_output --partial "casca: systemd cgroup manager: casca-x1.scope: no user bus: neither XDG_RUNTIME_DIR nor DBUS_SESSION_BUS_ADDRESS is set"
  assert_output --partial "loginctl enable-linger $u"
  assert_equal "$(find "$home/state" -mindepth 1 -maxdepth 1 ! -name @cache 2> /dev/null)" ""
}

# only_tree_in UNIT PID: every process of UNIT's cgroup is PID or its child
# (the counter's usleep): neither criu nor the scope's holder was left there
only_tree_in() {
  local p
  while read -r p; do
    [ "$p" = "$2" ] || [ "$(awk '{ print $4 }' "/proc/$p/stat" 2> /dev/null)" = "$2" ] ||
      [ ! -e "/proc/$p" ] || {
      echo "$1 holds $p ($(cat "/proc/$p/comm" 2> /dev/null)), not of $2"
      return 1
    }
  done < "$CG/system.slice/$1/cgroup.procs"
}

@test "checkpoint and restore with --systemd-cgroup: the counter goes on in the scope, with its limit" {
  need_criu_program
  IMG=$BATS_TEST_TMPDIR/img
  counter_bundle
  cfg 'c["linux"]["resources"]["memory"] = {"limit": 64 << 20}'
  id=$(cid)
  unit=casca-$id.scope
  run_bg --systemd-cgroup run -d --bundle "$BUNDLE" "$id"
  assert_success
  wait_until has_lines 3
  run sd checkpoint --image-path "$IMG" "$id"
  assert_success
  assert_equal "$(state_field "$id" status)" stopped
  at=$(wc -l < "$DATA/log")
  sleep 0.5
  assert_equal "$(wc -l < "$DATA/log")" "$at"
  run sd delete "$id"
  assert_success
  assert no_unit "$unit"
  run_bg --systemd-cgroup restore -d --image-path "$IMG" --bundle "$BUNDLE" "$id"
  assert_success
  pid=$(state_field "$id" pid)
  assert_equal "$(tr '\0' ' ' < "/proc/$pid/cmdline" | cut -d' ' -f1)" sh
  # the restored tree is in the scope systemd made, with the limit
  assert_equal "$(prop "$unit" ActiveState)" active
  assert_equal "$(prop "$unit" Delegate)" yes
  assert_equal "$(prop "$unit" ControlGroup)" "/system.slice/$unit"
  assert_equal "$(prop "$unit" MemoryMax)" 67108864
  assert_equal "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" "/system.slice/$unit"
  assert_equal "$(cat "$CG/system.slice/$unit/memory.max")" 67108864
  run only_tree_in "$unit" "$pid"
  assert_success
  wait_until has_lines $((at + 3))
  run log_is_one_count
  assert_success
  # delete stops the unit
  run sd delete --force "$id"
  assert_success
  wait_until dead "$pid"
  assert no_unit "$unit"
  [ ! -d "$CG/system.slice/$unit" ]
}

@test "restore with --systemd-cgroup under a new id: its own scope with the annotations' properties; a failed restore leaves no unit" {
  need_criu_program
  IMG=$BATS_TEST_TMPDIR/img
  counter_bundle
  old=$(cid old)
  new=$(cid new)
  run_bg --systemd-cgroup run -d --bundle "$BUNDLE" "$old"
  assert_success
  wait_until has_lines 3
  run sd checkpoint --image-path "$IMG" "$old"
  assert_success
  at=$(wc -l < "$DATA/log")
  cfg 'c["annotations"] = {"org.systemd.property.CollectMode": "\x27inactive-or-failed\x27",
"org.systemd.property.TimeoutStopSec": "7"}'
  run_bg --systemd-cgroup restore -d --image-path "$IMG" --bundle "$BUNDLE" "$new"
  assert_success
  pid=$(state_field "$new" pid)
  assert_equal "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" "/system.slice/casca-$new.scope"
  assert_equal "$(prop "casca-$new.scope" ActiveState)" active
  assert_equal "$(prop "casca-$new.scope" CollectMode)" inactive-or-failed
  assert_equal "$(prop "casca-$new.scope" TimeoutStopUSec)" 7s
  wait_until has_lines $((at + 3))
  run log_is_one_count
  assert_success
  run sd delete "$old"
  assert_success
  assert no_unit "casca-$old.scope"
  # criu fails (no images but the descriptors): the scope made for it goes
  mkdir "$BATS_TEST_TMPDIR/img2"
  cp "$IMG/descriptors.json" "$BATS_TEST_TMPDIR/img2/"
  bad=$(cid bad)
  run_bg --systemd-cgroup restore -d --image-path "$BATS_TEST_TMPDIR/img2" --bundle "$BUNDLE" "$bad"
  assert_failure
  assert_output --partial "criu restore failed"
  assert no_unit "casca-$bad.scope"
  [ ! -d "$CG/system.slice/casca-$bad.scope" ]
  assert_equal "$(state_ids)" "$new"
  run sd delete --force "$new"
  assert_success
  assert no_unit "casca-$new.scope"
}
