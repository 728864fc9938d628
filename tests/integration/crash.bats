#!/usr/bin/env bats
# crash.bats - a runtime SIGKILLed in the middle of create, as an
# orchestrator may do: whatever moment it dies at, `list` shows the id,
# `state` answers, `delete --force` removes all of it (state dir,
# processes, cgroup) and exits 0, and the id can be created again.
#
# build/tests/casca-steps is casca built with create's test-only kill
# points (-DCASCA_TEST_STEPS): with CASCA_TEST_KILL_AT=STEP it SIGKILLs
# itself at that step.  The steps, in create's order:
#   dir      the state dir exists, empty
#   state    state.json, naming the cgroup and network to come
#   config   config.json copied in
#   fifo     the exec fifo made
#   cgroup   the cgroup made (none on a hybrid host)
#   clone    the init cloned, its pid not yet recorded
#   pid      the init's pid recorded
#   hooks    the init waits for the prestart hooks
#   ready    the init waits at the exec fifo, not yet recorded ready
#   created  recorded ready, create not yet returned
# (network, after casca.network is built, is killed in network-cli.bats.)

load helpers/casca

STEPS="dir state config fifo cgroup clone pid hooks ready created"
CG=/sys/fs/cgroup

setup() {
  common_setup
  CASCA_STEPS=$CASCA_BUILD/tests/casca-steps
  [ -x "$CASCA_STEPS" ] || fail "$CASCA_STEPS is missing: make tests builds it"
  # every process of the test's containers carries it: the runtime (and
  # its forks before exec) in its environment, the container's process
  # through process.env
  MARK=casca-crash-$$-$BATS_TEST_NUMBER
}

# Pids of live processes that carry $MARK in their environment.
marked() {
  grep -lsz "^CASCA_TEST_MARK=$MARK\$" /proc/[0-9]*/environ | cut -d/ -f3 || true
}

# no_marked_process: none is left (for wait_until: else lists them).
no_marked_process() {
  local left
  left=$(marked)
  [ -z "$left" ] && return 0
  echo "left behind: processes $(echo "$left" | tr '\n' ' ')"
  return 1
}

# kill_at STEP VERB... ID: run casca-steps VERB... ID dying at STEP.
kill_at() {
  local step=$1 out=$BATS_TEST_TMPDIR/steps.out
  shift
  status=0
  CASCA_TEST_MARK=$MARK CASCA_TEST_KILL_AT=$step "$CASCA_STEPS" --root "$STATE_ROOT" "$@" \
    > "$out" 2>&1 < /dev/null || status=$?
  output=$(cat "$out")
}

# bats test_tags=vm
@test "a runtime SIGKILLed at each step of create: list, state, delete --force, create again" {
  make_bundle
  args sleep 1000
  cfg "c['process']['env'].append('CASCA_TEST_MARK=$MARK')"
  for verb in "run -d" create; do
    for step in $STEPS; do
      id=$(cid "${verb% *}-$step")
      # shellcheck disable=SC2086 # "run -d" is two words
      kill_at "$step" $verb --bundle "$BUNDLE" "$id"
      # it died by SIGKILL at that step (a step that never comes would
      # let it finish with 0)
      assert_equal "$status" 137
      assert [ -d "$STATE_ROOT/$id" ]

      run casca list
      assert_success
      assert_line --regexp "^$id +[0-9]+ +(stopped|creating|created) "
      run casca state "$id"
      assert_success
      python3 - "$output" "$id" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
assert s["id"] == sys.argv[2], s
assert s["status"] in ("stopped", "creating", "created"), s
assert (s["pid"] > 0) == (s["status"] != "stopped"), s
PY
      run casca create --bundle "$BUNDLE" "$id"
      assert_failure
      if [ "$step" = created ]; then
        assert_output "casca: container \`$id\` already exists"
      else
        assert_output "casca: container \`$id\` already exists: left over from a create that did not finish (\`casca delete --force $id\` removes it)"
      fi

      run casca delete --force "$id"
      assert_success
      assert_output ""
      assert [ ! -e "$STATE_ROOT/$id" ]
      wait_until no_marked_process
      assert [ ! -e "$CG/casca/$id" ]

      run_bg create --bundle "$BUNDLE" "$id"
      assert_success
      assert_equal "$(state_field "$id" status)" created
      casca delete --force "$id"
    done
  done
  # in the VM lane the cgroup step did leave a cgroup for delete to remove
  if ! on_hybrid_host; then
    kill_at cgroup create --bundle "$BUNDLE" "$(cid cg)"
    assert [ -d "$CG/casca/$(cid cg)" ]
    casca delete --force "$(cid cg)"
    assert [ ! -e "$CG/casca/$(cid cg)" ]
  fi
}

@test "a state dir without state.json, or with a damaged one, is listed and deleted" {
  make_bundle
  args sleep 1000
  # what a create of an older casca killed early left: config.json and
  # the exec fifo, nothing else
  id=$(cid bare)
  mkdir -p "$STATE_ROOT/$id"
  cp "$BUNDLE/config.json" "$STATE_ROOT/$id/config.json"
  mkfifo "$STATE_ROOT/$id/exec.fifo"
  run casca list
  assert_line --regexp "^$id +0 +stopped "
  run casca state "$id"
  assert_success
  assert_equal "$(state_field "$id" status)" stopped
  run casca create --bundle "$BUNDLE" "$id"
  assert_failure
  assert_output --partial "\`casca delete --force $id\` removes it"
  run casca delete --force "$id"
  assert_success
  assert [ ! -e "$STATE_ROOT/$id" ]

  # a state.json cut short, of a container whose init is gone
  id=$(cid cut)
  run_bg create --bundle "$BUNDLE" "$id"
  assert_success
  pid=$(state_field "$id" pid)
  kill -KILL "$pid"
  wait_until dead "$pid"
  head -c 40 "$STATE_ROOT/$id/state.json" > "$BATS_TEST_TMPDIR/cut"
  cp "$BATS_TEST_TMPDIR/cut" "$STATE_ROOT/$id/state.json"
  run casca list -q
  assert_line "$id"
  assert_equal "$(state_field "$id" status)" stopped
  run casca delete --force "$id"
  assert_success
  assert [ ! -e "$STATE_ROOT/$id" ]
  # the id is free again
  run_bg create --bundle "$BUNDLE" "$id"
  assert_success
  casca delete --force "$id"
}

# bats test_tags=vm
@test "a running container whose state.json is damaged: delete --force kills it and removes its cgroup" {
  need_cgroup2
  make_bundle
  args sleep 1000
  cfg "c['process']['env'].append('CASCA_TEST_MARK=$MARK')"
  id=$(cid)
  run_bg run -d --bundle "$BUNDLE" "$id"
  assert_success
  pid=$(state_field "$id" pid)
  [ -d "$CG/casca/$id" ]
  printf '{"ociVersion": "1.2.0", "id": "%s", "pid": "x' "$id" > "$STATE_ROOT/$id/state.json"
  run casca list -q
  assert_line "$id"
  run casca delete --force "$id"
  assert_success
  assert [ ! -e "$STATE_ROOT/$id" ]
  # the init (and all else in the cgroup) is dead and the cgroup gone
  wait_until dead "$pid"
  wait_until no_marked_process
  assert [ ! -e "$CG/casca/$id" ]
}

@test "a create out of file descriptors (ulimit -n) fails with EMFILE and leaves no state dir" {
  make_bundle
  args sleep 1000
  local n failed=0
  for n in 4 5 6 7 8 9 10 11 12; do
    id=$(cid "n$n")
    status=0
    # only stdio open (bats keeps others), then the soft limit lowered
    python3 -c '
import os, resource, sys
os.closerange(3, 65536)
resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]), resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
os.execv(sys.argv[2], sys.argv[2:])' "$n" "$CASCA" --root "$STATE_ROOT" create --bundle "$BUNDLE" "$id" \
      > "$BATS_TEST_TMPDIR/out" 2>&1 < /dev/null || status=$?
    output=$(cat "$BATS_TEST_TMPDIR/out")
    if [ "$status" -ne 0 ]; then
      failed=$((failed + 1))
      assert_output --partial "Too many open files"
      # nothing half-made: the state dir went with the failed create
      assert [ ! -e "$STATE_ROOT/$id" ]
    else
      casca delete --force "$id"
    fi
  done
  # the small limits did make create fail
  [ "$failed" -ge 3 ]
}

@test "delete --force never signals a process that merely has the recorded pid" {
  make_bundle
  args sleep 1000
  sleep 1000 &
  other=$!
  for how in wrong-start no-start; do
    id=$(cid "$how")
    run_bg create --bundle "$BUNDLE" "$id"
    assert_success
    pid=$(state_field "$id" pid)
    kill -KILL "$pid"
    wait_until dead "$pid"
    # the init is gone and its pid now belongs to another process: a
    # start time that is not that process's, or none at all
    python3 - "$STATE_ROOT/$id/state.json" "$other" "$how" <<'PY'
import json, sys
p, other, how = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = json.load(open(p))
start = int(open(f"/proc/{other}/stat").read().rsplit(")", 1)[1].split()[19])
s["pid"] = other
if how == "wrong-start":
    s["pidStart"] = start + 1
else:
    del s["pidStart"]
json.dump(s, open(p, "w"))
PY
    assert_equal "$(state_field "$id" status)" stopped
    assert_equal "$(state_field "$id" pid)" 0
    run casca kill "$id" KILL
    assert_failure
    assert_output "casca: container \`$id\` is not running"
    run casca delete --force "$id"
    assert_success
    assert [ ! -e "$STATE_ROOT/$id" ]
    kill -0 "$other"
  done
  kill "$other"
}

@test "a state.json naming another container is damaged: delete removes this one's directory only" {
  make_bundle
  args sleep 1000
  id=$(cid)
  run_bg create --bundle "$BUNDLE" "$id"
  assert_success
  pid=$(state_field "$id" pid)
  casca kill "$id" KILL
  wait_until dead "$pid"
  victim=$BATS_TEST_TMPDIR/victim
  mkdir "$victim"
  echo keep > "$victim/file"
  python3 - "$STATE_ROOT/$id/state.json" "$(realpath --relative-to="$STATE_ROOT" "$victim")" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["id"] = sys.argv[2]
json.dump(s, open(sys.argv[1], "w"))
PY
  run casca list -q
  assert_output "$id"
  run casca delete --force "$id"
  assert_success
  assert [ ! -e "$STATE_ROOT/$id" ]
  assert_equal "$(cat "$victim/file")" keep
}

@test "delete removes an empty directory in the state dir (a restore's criu-root, killed half-way)" {
  make_bundle
  args sleep 1000
  id=$(cid)
  run_bg create --bundle "$BUNDLE" "$id"
  assert_success
  mkdir "$STATE_ROOT/$id/criu-root"
  run casca delete --force "$id"
  assert_success
  assert [ ! -e "$STATE_ROOT/$id" ]
}
