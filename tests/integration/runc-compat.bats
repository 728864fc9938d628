#!/usr/bin/env bats
# runc-compat.bats - bundles, command lines and scripts written for runc
# work with casca: runc's `spec` output runs as-is, `casca spec` matches
# runc's defaults where scripts rely on them and runs under Debian's crun
# and runc, pods share a UTS namespace, annotations of any size.

load helpers/casca

@test "hostname with a uts namespace joined by path (a pod): set in the joined namespace, as runc does" {
  make_bundle "$BATS_TEST_TMPDIR/infra"
  cfg 'c["hostname"] = "pod"'
  args sleep 100
  infra=$(cid infra)
  run_bg run -d --bundle "$BUNDLE" "$infra"
  assert_success
  pid=$(state_field "$infra" pid)

  make_bundle "$BATS_TEST_TMPDIR/member"
  cfg "c['hostname'] = 'member'; c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'uts'] + [{'type': 'uts', 'path': '/proc/$pid/ns/uts'}]"
  args sh -c 'hostname; readlink /proc/self/ns/uts'
  run casca run --bundle "$BUNDLE" "$(cid member)"
  assert_success
  assert_line --index 0 member
  assert_line --index 1 "$(readlink "/proc/$pid/ns/uts")"
  # one namespace: the infra container sees the name the member set
  run nsenter -t "$pid" -u hostname
  assert_output member
  casca delete --force "$infra"
}

@test "hostname without any uts namespace is refused by the one rule, naming the field" {
  make_bundle
  cfg 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "uts"]'
  args true
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial "hostname: requires a UTS namespace"
  [ -z "$(state_ids)" ]
}

# runc_spec_bundle VERSION: a busybox bundle whose config.json is what that
# runc's `spec` writes: Debian's runc 1.1 when installed (else its output,
# kept as a fixture), or the fixture of runc 1.4/1.5's.  Nothing in it is
# changed but process.args.
runc_spec_bundle() {
  make_bundle
  rm "$BUNDLE/config.json"
  if [ "$1" = 1.1 ] && command -v runc >/dev/null && runc --version | grep -q '^runc version 1\.1\.'; then
    (cd "$BUNDLE" && runc spec)
  elif [ "$1" = 1.1 ]; then
    cp "$TESTS_DIR/fixtures/config/good/runc-default.json" "$BUNDLE/config.json"
  else
    cp "$TESTS_DIR/fixtures/config/good/runc-1.4-default.json" "$BUNDLE/config.json"
  fi
}

@test "runc 1.1's spec runs as-is: the ambient capabilities it cannot have are skipped, as runc does, and --debug says so" {
  runc_spec_bundle 1.1
  grep -q '"ambient"' "$BUNDLE/config.json"
  grep -q '"terminal": true' "$BUNDLE/config.json"
  args sh -c 'grep -E "^Cap(Eff|Amb)" /proc/self/status; hostname'
  run casca --debug run --bundle "$BUNDLE" "$(cid)" < /dev/null
  assert_success
  # CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10): effective,
  # not ambient (runc 1.1's spec makes none of them inheritable)
  assert_line --regexp "^CapEff:[[:space:]]+0000000020000420"
  assert_line --regexp "^CapAmb:[[:space:]]+0000000000000000"
  assert_line --regexp "^runc"
  assert_output --partial "process.capabilities.ambient: not raised (not both permitted and inheritable): CAP_KILL CAP_NET_BIND_SERVICE CAP_AUDIT_WRITE"
  [ -z "$(state_ids)" ]
}

@test "an ambient capability that is also inheritable is raised; the others are skipped" {
  runc_spec_bundle 1.1
  cfg 'c["process"]["capabilities"]["inheritable"] = ["CAP_KILL"]'
  args sh -c 'grep -E "^Cap(Inh|Amb)" /proc/self/status'
  run casca --debug run --bundle "$BUNDLE" "$(cid)" < /dev/null
  assert_success
  assert_line --regexp "^CapInh:[[:space:]]+0000000000000020"
  assert_line --regexp "^CapAmb:[[:space:]]+0000000000000020"
  assert_output --partial "not raised (not both permitted and inheritable): CAP_NET_BIND_SERVICE CAP_AUDIT_WRITE"
}

@test "runc 1.4/1.5's spec (ociVersion 1.3.0, cgroup namespace) runs as-is" {
  runc_spec_bundle 1.4
  args sh -c 'grep -E "^CapEff" /proc/self/status; readlink /proc/self/ns/cgroup'
  run casca run --bundle "$BUNDLE" "$(cid)" < /dev/null
  assert_success
  assert_line --regexp "^CapEff:[[:space:]]+0000000020000420"
  refute_line --partial "$(readlink /proc/self/ns/cgroup)"
  [ -z "$(state_ids)" ]
}

@test "a 4,200-byte annotation without hooks: the container runs and its state has it whole" {
  make_bundle
  cfg 'c["annotations"] = {"io.kubernetes.cri.sandbox-log": "y" * 4200}'
  args sleep 100
  id=$(cid)
  run_bg create --bundle "$BUNDLE" "$id"
  assert_success
  run sh -c "'$CASCA' --root '$STATE_ROOT' state '$id' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"annotations\"][\"io.kubernetes.cri.sandbox-log\"]))'"
  assert_output 4200
  casca delete --force "$id"
}

@test "a state bigger than 64 KiB reads back whole: state and list" {
  make_bundle
  cfg 'c["annotations"] = {"k%d" % i: "v" * 1000 for i in range(1000)}'
  args sleep 100
  id=$(cid)
  run_bg run -d --bundle "$BUNDLE" "$id"
  assert_success
  run sh -c "'$CASCA' --root '$STATE_ROOT' state '$id' | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s[\"status\"], len(s[\"annotations\"]))'"
  assert_output "running 1000"
  run casca list -q
  assert_output "$id"
  casca delete --force "$id"
}

@test "a config.json over 4 MiB is refused before it is read, quickly, leaving nothing" {
  make_bundle
  cfg 'c["annotations"] = {"k%d" % i: "v" * 100 for i in range(220000)}'
  [ "$(stat -c %s "$BUNDLE/config.json")" -gt $((4 << 20)) ]
  start=$(date +%s%N)
  run casca run --bundle "$BUNDLE" "$(cid)"
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  assert_failure
  assert_output --regexp "config \`$BUNDLE/config.json\`: larger than 4194304 bytes \([0-9]+ bytes\)"
  [ "$elapsed_ms" -lt 1000 ]
  [ -z "$(state_ids)" ]
}
