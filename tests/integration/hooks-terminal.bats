#!/usr/bin/env bats
# OCI hooks (order, state on stdin, failure semantics) and terminals.

load helpers/casca

# hook KIND: a host hook that logs its kind and keeps its stdin (the state).
add_hooks() {
  local log=$BATS_TEST_TMPDIR/hooks
  mkdir -p "$log"
  cfg "
import os
log = '$log'
c['root']['readonly'] = False
def h(kind):
    return {'path': '/bin/sh', 'args': ['sh', '-c', 'cat > %s/%s.json; echo %s >> %s/order' % (log, kind, kind, log)]}
c['hooks'] = {k: [h(k)] for k in ['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop']}
c['hooks']['startContainer'] = [{'path': '/bin/sh', 'args': ['sh', '-c', 'cat > /startContainer.json; echo startContainer >> /order']}]
"
}

@test "hooks run in the spec's order, each with the state on stdin" {
  make_bundle
  add_hooks
  args sleep 100
  id=$(cid)
  casca create --bundle "$BUNDLE" "$id"
  run cat "$BATS_TEST_TMPDIR/hooks/order"
  assert_output "$(printf 'prestart\ncreateRuntime\ncreateContainer')"
  casca start "$id"
  wait_until test -e "$BUNDLE/rootfs/order"
  assert_equal "$(cat "$BUNDLE/rootfs/order")" startContainer
  run cat "$BATS_TEST_TMPDIR/hooks/order"
  assert_line --index 3 poststart
  casca delete --force "$id"
  run tail -n1 "$BATS_TEST_TMPDIR/hooks/order"
  assert_output poststop
  python3 - "$BATS_TEST_TMPDIR/hooks" "$id" "$BUNDLE/rootfs/startContainer.json" <<'PY'
import json, sys
d, cid, sc = sys.argv[1:]
want = {"prestart": "creating", "createRuntime": "creating", "createContainer": "creating",
        "poststart": "running", "poststop": "stopped"}
for k, st in want.items():
    s = json.load(open(f"{d}/{k}.json"))
    assert s["id"] == cid and s["status"] == st, (k, s)
    assert k == "poststop" or s["pid"] > 0, (k, s)
s = json.load(open(sc))
assert s["id"] == cid, s
PY
}

@test "every hook gets the whole state when annotations make it bigger than a pipe holds" {
  make_bundle
  add_hooks
  # 300 KiB: more than a sync message (4 KiB) and a pipe (64 KiB) hold
  cfg 'c["annotations"] = {"big": "x" * 300000, "io.kubernetes.pod.name": "p"}'
  args sleep 100
  id=$(cid)
  casca create --bundle "$BUNDLE" "$id"
  casca start "$id"
  wait_until test -e "$BUNDLE/rootfs/order"
  casca delete --force "$id"
  python3 - "$BATS_TEST_TMPDIR/hooks" "$id" "$BUNDLE/rootfs/startContainer.json" <<'PY'
import json, sys
d, cid, sc = sys.argv[1:]
files = [f"{d}/{k}.json" for k in ["prestart", "createRuntime", "createContainer", "poststart", "poststop"]] + [sc]
for f in files:
    s = json.load(open(f))
    assert s["id"] == cid and len(s["annotations"]["big"]) == 300000, f
PY
}

@test "poststart and poststop hooks run when the key is spelt with \\u escapes" {
  make_bundle
  log=$BATS_TEST_TMPDIR/escaped
  cfg "c['hooks'] = {k: [{'path': '/bin/sh', 'args': ['sh', '-c', 'echo %s >> $log' % k]}] for k in ['poststart', 'poststop']}"
  args true
  # start and delete skip parsing a config that cannot have "hooks"
  sed -i 's/"hooks"/"\\u0068ooks"/' "$BUNDLE/config.json"
  if grep -q '"hooks"' "$BUNDLE/config.json"; then fail "the key is not escaped"; fi
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  run cat "$log"
  assert_output "$(printf 'poststart\npoststop')"
}

@test "a failing prestart hook fails create with its stderr and leaves nothing" {
  make_bundle
  cfg 'c["hooks"] = {"prestart": [{"path": "/bin/sh", "args": ["sh", "-c", "echo hook-says-no >&2; exit 3"]}]}'
  args true
  run casca create --bundle "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial 'hooks.prestart[0] `/bin/sh`: exit status 3: hook-says-no'
  assert_equal "$(state_ids)" ""
}

@test "a hook past its timeout is killed and fails create" {
  make_bundle
  cfg 'c["hooks"] = {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}'
  args true
  SECONDS=0
  run casca create --bundle "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial "timed out after 1 s"
  assert [ "$SECONDS" -lt 10 ]
  assert_equal "$(state_ids)" ""
}

@test "a failing poststart hook is a warning; the container runs" {
  make_bundle
  cfg 'c["ociVersion"] = "1.2.0"; c["hooks"] = {"poststart": [{"path": "/bin/false"}]}'
  args sleep 100
  id=$(cid)
  casca create --bundle "$BUNDLE" "$id"
  run casca start "$id"
  assert_success
  assert_output --partial "warning"
  assert_equal "$(state_field "$id" status)" running
  casca delete --force "$id"
}

# failing_then_marking KIND: hooks.KIND = a hook that fails with a message,
# then one that leaves a mark.
failing_then_marking() {
  cfg "c['hooks'] = {'$1': [{'path': '/bin/sh', 'args': ['sh', '-c', 'echo first-fails >&2; exit 3']}, {'path': '/bin/sh', 'args': ['sh', '-c', 'echo ran > $BATS_TEST_TMPDIR/$1.second']}]}"
}

@test "a failing poststop hook is a warning and the next poststop hook still runs" {
  make_bundle
  failing_then_marking poststop
  args true
  id=$(cid)
  run_bg create --bundle "$BUNDLE" "$id"
  assert_success
  run casca delete "$id"
  assert_success
  assert_output --partial "hooks.poststop[0] \`/bin/sh\`: exit status 3: first-fails"
  assert_equal "$(cat "$BATS_TEST_TMPDIR/poststop.second")" ran
  assert_equal "$(state_ids)" ""
}

@test "before runtime-spec 1.3 a failing poststart hook is a warning and the next one runs" {
  make_bundle
  cfg 'c["ociVersion"] = "1.2.0"'
  failing_then_marking poststart
  args sleep 100
  id=$(cid)
  run_bg create --bundle "$BUNDLE" "$id"
  assert_success
  run casca start "$id"
  assert_success
  assert_output --partial "hooks.poststart[0] \`/bin/sh\`: exit status 3: first-fails"
  assert_equal "$(cat "$BATS_TEST_TMPDIR/poststart.second")" ran
  assert_equal "$(state_field "$id" status)" running
  casca delete --force "$id"
}

@test "runtime-spec 1.3 (and runc): a failing poststart hook fails start and stops the container" {
  make_bundle
  cfg 'c["ociVersion"] = "1.3.0"'
  failing_then_marking poststart
  args sleep 100
  id=$(cid)
  run_bg create --bundle "$BUNDLE" "$id"
  assert_success
  run casca start "$id"
  assert_failure
  assert_output --partial "container \`$id\` stopped: hooks.poststart[0] \`/bin/sh\`: exit status 3: first-fails"
  assert [ ! -e "$BATS_TEST_TMPDIR/poststart.second" ]
  assert_equal "$(state_field "$id" status)" stopped
  casca delete "$id"
  assert_equal "$(state_ids)" ""
}

@test "terminal: --console-socket receives the pty master; the process has a tty" {
  make_bundle
  cfg 'c["process"]["terminal"] = True'
  args sh -c 'tty; echo isatty=$([ -t 0 ] && echo yes)'
  sock=$BATS_TEST_TMPDIR/console.sock
  "$CASCA_BUILD/tests/recvtty" "$sock" > "$BATS_TEST_TMPDIR/tty.out" &
  recv=$!
  wait_until test -S "$sock"
  id=$(cid)
  run_bg run -d --console-socket "$sock" --bundle "$BUNDLE" "$id"
  assert_success
  wait $recv
  run cat "$BATS_TEST_TMPDIR/tty.out"
  assert_line "received /dev/ptmx"
  assert_line --regexp '^/dev/pts/0'
  assert_line --regexp '^isatty=yes'
  wait_until status_is "$id" stopped
  casca delete "$id"
}

@test "terminal: a detached container with a terminal needs --console-socket" {
  make_bundle
  cfg 'c["process"]["terminal"] = True'
  run casca create --bundle "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial "no --console-socket"
  assert_equal "$(state_ids)" ""
}

@test "terminal: a foreground run owns the pty and relays it" {
  make_bundle
  cfg 'c["process"]["terminal"] = True; c["process"]["consoleSize"] = {"height": 30, "width": 100}'
  args sh -c 'tty; stty size; read line; echo "got $line"; exit 3'
  run script -qec "echo typed-in | $CASCA --root $STATE_ROOT run --bundle $BUNDLE $(cid)" /dev/null
  assert_equal "$status" 3
  assert_output --partial /dev/pts/0
  assert_output --partial "30 100"
  assert_output --partial "got typed-in"
}
