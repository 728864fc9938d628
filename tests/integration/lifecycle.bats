#!/usr/bin/env bats
# The OCI lifecycle: create, start, state, kill, stop, delete, run, list.

load helpers/casca

@test "create waits before exec; start runs the process; state follows" {
  make_bundle
  args sh -c 'echo started > /tmp/marker; sleep 100'
  cfg 'c["root"]["readonly"] = False'
  id=$(cid)
  run_bg create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$id"
  assert_success
  assert_equal "$(state_field "$id" status)" created
  pid=$(state_field "$id" pid)
  assert_equal "$(cat "$BATS_TEST_TMPDIR/pid")" "$pid"
  # the init is parked before exec: its command line is still casca's
  assert [ ! -e "$BUNDLE/rootfs/tmp/marker" ]
  run casca start "$id"
  assert_success
  wait_until test -e "$BUNDLE/rootfs/tmp/marker"
  assert_equal "$(cat "$BUNDLE/rootfs/tmp/marker")" started
  assert_equal "$(state_field "$id" status)" running
  assert_equal "$(tr '\0' ' ' < "/proc/$pid/cmdline")" "sleep 100 "
  run casca start "$id"
  assert_failure
  assert_output --partial "is not in created state (running)"
  run casca kill "$id" KILL
  assert_success
  wait_until status_is "$id" stopped
  assert_equal "$(state_field "$id" status)" stopped
  run casca delete "$id"
  assert_success
  assert [ ! -e "$STATE_ROOT/$id" ]
  run casca state "$id"
  assert_failure
  assert_output "casca: container \`$id\` does not exist"
}

@test "state JSON carries the spec's fields and the annotations" {
  make_bundle
  args sleep 100
  cfg 'c["annotations"] = {"org.example.key": "value"}'
  id=$(cid)
  casca create --bundle "$BUNDLE" "$id"
  run casca state "$id"
  assert_success
  python3 - "$output" "$id" "$BUNDLE" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
assert s["ociVersion"].startswith("1."), s
assert s["id"] == sys.argv[2], s
assert s["status"] == "created", s
assert s["pid"] > 0, s
assert s["bundle"] == sys.argv[3], s
assert s["annotations"] == {"org.example.key": "value"}, s
# when create ran, as RFC 3339 in UTC with nanoseconds, as runc has it
import datetime, re
c = s["created"]
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", c), c
t = datetime.datetime.fromisoformat(c[:26] + "+00:00")
assert abs((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()) < 60, c
PY
  casca delete "$id"
}

@test "run exits with the container's status and deletes it" {
  make_bundle
  args sh -c 'exit 42'
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_equal "$status" 42
  assert_equal "$(state_ids)" ""
}

@test "run reports 128+N when the process is killed by signal N" {
  make_bundle
  args sleep 100
  id=$(cid)
  "$CASCA" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$id" &
  runner=$!
  wait_until status_is "$id" running
  casca kill "$id" KILL
  wait $runner || rc=$?
  assert_equal "${rc:-0}" $((128 + 9))
}

@test "run forwards signals to the container" {
  make_bundle
  args sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while true; do sleep 0.1; done'
  id=$(cid)
  "$CASCA" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$id" > "$BATS_TEST_TMPDIR/out" &
  runner=$!
  wait_until file_has "$BATS_TEST_TMPDIR/out" ready
  kill -TERM $runner
  wait $runner || rc=$?
  assert_equal "${rc:-0}" 7
  run cat "$BATS_TEST_TMPDIR/out"
  assert_line got-term
}

@test "run --keep leaves a stopped container; run --detach returns at once" {
  make_bundle
  args true
  id=$(cid keep)
  run casca run --keep --bundle "$BUNDLE" "$id"
  assert_success
  assert_equal "$(state_field "$id" status)" stopped
  casca delete "$id"
  args sleep 100
  id=$(cid detach)
  run_bg run --detach --bundle "$BUNDLE" "$id"
  assert_success
  assert_equal "$(state_field "$id" status)" running
  casca delete --force "$id"
}

@test "stdout and stderr of a foreground run reach the caller" {
  make_bundle
  args sh -c 'echo to-out; echo to-err >&2'
  run --separate-stderr casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert_output to-out
  # shellcheck disable=SC2154 # set by run --separate-stderr
  assert_equal "$stderr" to-err
}

@test "two concurrent creates of one id: exactly one wins" {
  make_bundle
  args sleep 100
  id=$(cid)
  for i in 1 2 3 4; do
    ( casca create --bundle "$BUNDLE" "$id" > "$BATS_TEST_TMPDIR/c$i" 2>&1; echo $? >> "$BATS_TEST_TMPDIR/c$i" ) &
  done
  wait
  wins=$(tail -qn1 "$BATS_TEST_TMPDIR"/c? | grep -cx 0)
  assert_equal "$wins" 1
  run cat "$BATS_TEST_TMPDIR"/c?
  assert_output --partial "container \`$id\` already exists"
  casca delete --force "$id"
}

@test "delete refuses a running container without --force" {
  make_bundle
  args sleep 100
  id=$(cid)
  casca run -d --bundle "$BUNDLE" "$id"
  pid=$(state_field "$id" pid)
  run casca delete "$id"
  assert_failure
  assert_output --partial "is running: stop it first or use --force"
  kill -0 "$pid"
  run casca delete --force "$id"
  assert_success
  dead "$pid"
  assert [ ! -e "$STATE_ROOT/$id" ]
}

@test "delete of a created container kills its parked init" {
  make_bundle
  args sleep 100
  id=$(cid)
  casca create --bundle "$BUNDLE" "$id"
  pid=$(state_field "$id" pid)
  run casca delete "$id"
  assert_success
  dead "$pid"
}

@test "stop: SIGTERM first, SIGKILL after --time" {
  make_bundle
  args sh -c 'trap "" TERM; while true; do sleep 0.1; done'
  id=$(cid ignores)
  casca run -d --bundle "$BUNDLE" "$id"
  pid=$(state_field "$id" pid)
  SECONDS=0
  run casca stop --time 1 "$id"
  assert_success
  dead "$pid"
  assert [ "$SECONDS" -ge 1 ]
  assert_equal "$(state_field "$id" status)" stopped
  casca delete "$id"
  # the container's pid 1 ignores a SIGTERM that comes before its trap is
  # set (the kernel drops signals init has no handler for): wait for it
  args sh -c 'trap "exit 0" TERM; touch /tmp/trapped; while true; do sleep 0.1; done'
  cfg 'c["root"]["readonly"] = False'
  id=$(cid obeys)
  casca run -d --bundle "$BUNDLE" "$id"
  wait_until test -e "$BUNDLE/rootfs/tmp/trapped"
  SECONDS=0
  run casca stop --time 30 "$id"
  assert_success
  assert [ "$SECONDS" -lt 10 ]
  assert_equal "$(state_field "$id" status)" stopped
  casca delete "$id"
}

@test "kill takes signal names and numbers and refuses unknown ones" {
  make_bundle
  args sh -c 'trap "echo usr1 > /tmp/sig" USR1; touch /tmp/trapped; while true; do sleep 0.1; done'
  cfg 'c["root"]["readonly"] = False'
  id=$(cid)
  casca run -d --bundle "$BUNDLE" "$id"
  wait_until test -e "$BUNDLE/rootfs/tmp/trapped"
  run casca kill "$id" SIGUSR1
  assert_success
  wait_until test -e "$BUNDLE/rootfs/tmp/sig"
  assert_equal "$(cat "$BUNDLE/rootfs/tmp/sig")" usr1
  run casca kill "$id" NOSUCHSIG
  assert_failure
  assert_output --partial "unknown signal"
  run casca kill "$id" 9
  assert_success
  wait_until status_is "$id" stopped
  run casca kill "$id" 9
  assert_failure
  assert_output --partial "is not running"
  casca delete "$id"
}

@test "kill 0 checks that the container can be signalled; kill --all on a stopped one is no error" {
  make_bundle
  args sleep 100
  id=$(cid)
  casca run -d --bundle "$BUNDLE" "$id"
  pid=$(state_field "$id" pid)
  run casca kill "$id" 0
  assert_success
  assert_output ""
  kill -0 "$pid"
  run casca kill --all "$id" 0
  assert_success
  casca kill "$id" KILL
  wait_until dead "$pid"
  run casca kill "$id" 0
  assert_failure
  assert_output "casca: container \`$id\` is not running"
  # like runc: --all on a stopped container has nothing to do, and says nothing
  run casca kill --all "$id" TERM
  assert_success
  assert_output ""
  run casca kill --all "$id"
  assert_success
  run casca kill --all nosuch TERM
  assert_failure
  assert_output "casca: container \`nosuch\` does not exist"
  casca delete "$id"
}

# The pids of $1 and of every process below it, sorted.
descendants() {
  python3 - "$1" <<'PY'
import os, sys
kids = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            ppid = int(open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        kids.setdefault(ppid, []).append(int(d))
out, todo = [], [int(sys.argv[1])]
while todo:
    p = todo.pop()
    out.append(p)
    todo += kids.get(p, [])
print(" ".join(map(str, sorted(out))))
PY
}

# n_descendants_at_least PID N: PID and its descendants are N processes or
# more (for wait_until: else lists them).
n_descendants_at_least() {
  local d
  d=$(descendants "$1")
  [ "$(echo "$d" | wc -w)" -ge "$2" ] && return 0
  echo "pid $1 and its descendants: $d"
  return 1
}

@test "without a cgroup, ps and kill --all find every process of the container's pid namespace" {
  make_bundle
  # unshare -p inside needs CAP_SYS_ADMIN and no default seccomp profile
  cfg 'c["root"]["readonly"] = False
c["linux"].pop("seccomp", None)
for s in ("bounding", "effective", "permitted"):
    c["process"]["capabilities"][s].append("CAP_SYS_ADMIN")'
  mkfifo "$BUNDLE/rootfs/tmp/fifo"
  # two sleeps, a shell with a sleep of its own, a sleep in a pid namespace
  # below the container's; the init takes USR1 and waits on a fifo
  args sh -c 'trap "echo usr1 >> /tmp/got" USR1; sleep 100 & sleep 101 & sh -c "sleep 102; :" & unshare -p -f sleep 103 & exec 3<> /tmp/fifo; touch /tmp/ready; while :; do read x <&3; done'
  id=$(cid)
  # --cgroup-manager disabled: no cgroup in any lane
  run_bg --cgroup-manager disabled run -d --bundle "$BUNDLE" "$id"
  assert_success
  pid=$(state_field "$id" pid)
  wait_until test -e "$BUNDLE/rootfs/tmp/ready"
  wait_until n_descendants_at_least "$pid" 7
  expected=$(descendants "$pid")
  assert_equal "$(echo "$expected" | wc -w)" 7
  nested=$(pgrep -xf "sleep 103")
  assert_regex " $expected " " $nested "
  run casca ps --format json "$id"
  assert_success
  assert_equal "$(echo "$output" | tr -d '[]' | tr ',' ' ')" "$expected"
  run casca ps "$id"
  assert_success
  assert_line --regexp "^root +$pid +[0-9]+ +S +00:00:00 +sh -c trap "
  assert_line --regexp "^root +$nested +[0-9]+ +S +00:00:00 +sleep 103\$"
  assert_equal "${#lines[@]}" 8

  # USR1 to all: all but the init (which takes it) and the nested
  # namespace's first process (which has no handler) die of it
  run casca kill --all "$id" USR1
  assert_success
  for p in $expected; do
    [ "$p" = "$pid" ] || [ "$p" = "$nested" ] || wait_until dead "$p"
  done
  wait_until test -s "$BUNDLE/rootfs/tmp/got"
  assert_equal "$(cat "$BUNDLE/rootfs/tmp/got")" usr1
  kill -0 "$pid"
  kill -0 "$nested"
  run casca kill --all "$id" KILL
  assert_success
  wait_until dead "$pid"
  wait_until dead "$nested"
  run casca ps --format json "$id"
  assert_success
  assert_output "[]"
  casca delete "$id"
}

@test "without a cgroup or a pid namespace of its own, ps and kill --all refuse" {
  make_bundle
  cfg 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "pid"]'
  args sh -c 'sleep 100 & wait'
  id=$(cid)
  run_bg --cgroup-manager disabled run -d --bundle "$BUNDLE" "$id"
  assert_success
  pid=$(state_field "$id" pid)
  run casca kill --all "$id" TERM
  assert_failure
  assert_output "casca: container \`$id\` has no cgroup and no pid namespace of its own: kill --all needs one of them"
  kill -0 "$pid"
  run casca ps "$id"
  assert_failure
  assert_output "casca: container \`$id\` has no cgroup and no pid namespace of its own: ps needs one of them"
  # the init alone can still be signalled
  run casca kill "$id" 0
  assert_success
  pkill -KILL -P "$pid" sleep
  casca delete --force "$id"
  dead "$pid"
}

@test "list is sorted by id, as runc's" {
  make_bundle
  args sleep 100
  for s in m c x a q; do casca create --bundle "$BUNDLE" "$(cid "$s")"; done
  run casca list -q
  assert_success
  assert_equal "$(echo "$output" | tr '\n' ' ')" "$(for s in a c m q x; do printf '%s ' "$(cid "$s")"; done)"
  run casca list
  assert_equal "$(echo "$output" | tail -n +2 | awk '{print $1}' | tr '\n' ' ')" "$(for s in a c m q x; do printf '%s ' "$(cid "$s")"; done)"
  run casca list --format json
  python3 - "$output" <<'PY'
import json, sys
ids = [c["id"] for c in json.loads(sys.argv[1])]
assert ids == sorted(ids) and len(ids) == 5, ids
PY
  for s in m c x a q; do casca delete --force "$(cid "$s")"; done
}

@test "list shows containers as a table, as JSON and quietly" {
  make_bundle
  args sleep 100
  casca create --bundle "$BUNDLE" "$(cid a)"
  casca run -d --bundle "$BUNDLE" "$(cid b)"
  run casca list -q
  assert_success
  assert_line "$(cid a)"
  assert_line "$(cid b)"
  run casca list
  assert_line --regexp "^$(cid a) +[0-9]+ +created +$BUNDLE"
  assert_line --regexp "^$(cid b) +[0-9]+ +running +$BUNDLE"
  run casca list --format json
  python3 - "$output" <<'PY'
import json, sys
l = {c["id"]: c for c in json.loads(sys.argv[1])}
assert sorted(c["status"] for c in l.values()) == ["created", "running"], l
PY
  casca delete --force "$(cid a)"
  casca delete --force "$(cid b)"
}

@test "every verb has --help; bad usage exits 2" {
  for verb in create start run state kill stop delete list spec features; do
    run "$CASCA" "$verb" --help
    assert_success
    assert_output --partial "usage: casca $verb"
  done
  run "$CASCA" --help
  assert_success
  run "$CASCA" nosuchverb
  assert_equal "$status" 2
  run "$CASCA" start
  assert_equal "$status" 2
  run "$CASCA" --cgroup-manager nosuch list
  assert_failure
  assert_output --partial "expected cgroupfs, systemd or disabled"
  run "$CASCA" --version
  assert_output --partial "casca version"
}

@test "errors go to --log as JSON lines when asked" {
  run "$CASCA" --root "$STATE_ROOT" --log "$BATS_TEST_TMPDIR/log" --log-format json state nope
  assert_failure
  python3 - "$BATS_TEST_TMPDIR/log" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
e = json.loads(lines[-1])
assert e["level"] == "error" and "does not exist" in e["msg"] and e["time"], e
PY
  # a refused global option before --log still reaches the log: podman and
  # the containerd shim put theirs first, and show the log's text
  run "$CASCA" --cgroup-manager nosuch --log "$BATS_TEST_TMPDIR/log2" --log-format json state nope
  assert_failure
  run cat "$BATS_TEST_TMPDIR/log2"
  assert_output --regexp '^\{"level":"error","msg":"--cgroup-manager: expected cgroupfs, systemd or disabled, got `nosuch`","time":"[0-9T:.-]+Z"\}$'
}

@test "--pid-file in a shared directory: a file planted at a fixed temporary name is never used" {
  make_bundle
  args sleep 1000
  id=$(cid)
  # a sticky directory all can write, as /tmp (whose path nobody can reach)
  dir=$(mktemp -d /tmp/casca-pidfile.XXXXXX)
  chmod 1777 "$dir"
  # what another user could put where a predictable temporary file goes
  setpriv --reuid 65534 --regid 65534 --clear-groups sh -c "umask 0; : > '$dir/pid.casca-tmp'"
  timeout 20 "$CASCA" --root "$STATE_ROOT" create --bundle "$BUNDLE" --pid-file "$dir/pid" "$id" 3>&-
  assert_equal "$(cat "$dir/pid")" "$(state_field "$id" pid)"
  assert_equal "$(stat -c '%u %a' "$dir/pid")" "0 644"
  # the planted files are as they were, and nothing else is left
  assert_equal "$(stat -c '%u %s' "$dir/pid.casca-tmp")" "65534 0"
  assert_equal "$(find "$dir" -mindepth 1 | sort | tr '\n' ' ')" "$dir/pid $dir/pid.casca-tmp "
  casca delete --force "$id"
  rm -rf "$dir"
}

@test "start gives up on a stopped init, which holds no lock: kill and delete still work" {
  make_bundle
  args sleep 1000
  id=$(cid)
  run_bg create --bundle "$BUNDLE" "$id"
  assert_success
  pid=$(state_field "$id" pid)
  kill -STOP "$pid"
  run timeout 20 "$CASCA" --root "$STATE_ROOT" start "$id"
  assert_failure 1
  assert_output --partial "container \`$id\`: its init is stopped (SIGSTOP, or traced): not started"
  assert_equal "$(state_field "$id" status)" created
  # it can still start once it runs again
  kill -CONT "$pid"
  run timeout 20 "$CASCA" --root "$STATE_ROOT" start "$id"
  assert_success
  wait_until status_is "$id" running
  kill -STOP "$pid"
  run timeout 20 "$CASCA" --root "$STATE_ROOT" delete --force "$id"
  assert_success
  assert [ ! -e "$STATE_ROOT/$id" ]
}

@test "an id with a leading dot is listed like any other (as runc does)" {
  make_bundle
  args sleep 1000
  id=".$(cid)"
  run_bg create --bundle "$BUNDLE" "$id"
  assert_success
  run casca list -q
  assert_line -- "$id"
  casca delete --force "$id"
  assert [ ! -e "$STATE_ROOT/$id" ]
}

@test "list does not wait for a create in progress: it shows the container creating" {
  make_bundle
  args sleep 1000
  # the create holds the container's lock while its hook runs
  cfg 'c["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "cd '"$BATS_TEST_TMPDIR"' && touch in-hook && while [ ! -e go ]; do sleep 0.1; done"]}]}'
  id=$(cid)
  casca create --bundle "$BUNDLE" "$id" > /dev/null 2>&1 3>&- &
  create=$!
  wait_until test -e "$BATS_TEST_TMPDIR/in-hook"
  run timeout 5 "$CASCA" --root "$STATE_ROOT" list
  touch "$BATS_TEST_TMPDIR/go"
  wait "$create"
  assert_success
  assert_line --regexp "^$id +[0-9]+ +creating "
  # the create went on to the end
  assert_equal "$(state_field "$id" status)" created
  casca delete --force "$id"
}
