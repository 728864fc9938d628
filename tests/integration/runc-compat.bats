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
