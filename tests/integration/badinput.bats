#!/usr/bin/env bats
# Broken bundles and configs: a clear error naming the file or field, a
# non-zero exit, and nothing left behind (state, mounts, processes).

load helpers/casca

expect_create_failure() {
  run casca create --bundle "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial "$1"
  [ -z "$(state_ids)" ] || fail "state left behind"
  [ -z "$(leftover_mounts)" ] || fail "mounts left behind"
}

@test "missing bundle directory" {
  BUNDLE=$BATS_TEST_TMPDIR/nope
  expect_create_failure "bundle \`$BATS_TEST_TMPDIR/nope\`: No such file or directory"
}

@test "missing config.json" {
  make_bundle
  rm "$BUNDLE/config.json"
  expect_create_failure "config.json"
}

@test "unreadable config.json" {
  make_bundle
  chmod 000 "$BUNDLE/config.json"
  # root reads anything: make it a directory instead
  rm -f "$BUNDLE/config.json"; mkdir "$BUNDLE/config.json"
  expect_create_failure "config.json"
}

@test "invalid JSON names the file" {
  make_bundle
  echo '{"ociVersion": "1.0.0", ' > "$BUNDLE/config.json"
  expect_create_failure "$BUNDLE/config.json"
}

@test "wrong type names the JSON path" {
  make_bundle
  cfg 'c["process"]["user"]["uid"] = "zero"'
  expect_create_failure "process.user.uid"
}

@test "unknown namespace names the JSON path" {
  make_bundle
  cfg 'c["linux"]["namespaces"].append({"type": "foo"})'
  expect_create_failure 'unknown namespace "foo"'
}

@test "missing rootfs" {
  make_bundle
  rm -rf "$BUNDLE/rootfs"
  expect_create_failure "root.path"
}

@test "a missing executable fails create, not start" {
  make_bundle
  args /bin/does-not-exist
  expect_create_failure "/bin/does-not-exist"
}

@test "a relative mount destination is refused" {
  make_bundle
  cfg 'c["mounts"].append({"destination": "data", "type": "tmpfs", "source": "tmpfs"})'
  expect_create_failure "must be an absolute path"
}

@test "an unsupported ociVersion is refused" {
  make_bundle
  cfg 'c["ociVersion"] = "2.0.0"'
  expect_create_failure "ociVersion"
}

@test "a hostname without a uts namespace is refused" {
  make_bundle
  cfg 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "uts"]'
  expect_create_failure "UTS namespace"
}

@test "an invalid container id is refused" {
  make_bundle
  run casca create --bundle "$BUNDLE" "../escape"
  assert_failure
  assert_output --partial "invalid container id"
  assert [ ! -e "$BATS_TEST_TMPDIR/escape" ]
}

@test "a failing mount leaves nothing behind" {
  make_bundle
  cfg 'c["mounts"].append({"destination": "/x", "type": "bind", "source": "/does/not/exist", "options": ["bind"]})'
  expect_create_failure "/does/not/exist"
}

# bats test_tags=host
@test "resource limits or device rules on a host without pure cgroup v2 are a clear error" {
  on_hybrid_host || skip "this host has cgroup v2; the VM lane covers the limits"
  make_bundle
  cfg 'c["linux"]["resources"] = {"memory": {"limit": 67108864}}'
  expect_create_failure "linux.resources: limits need a pure cgroup v2 hierarchy at /sys/fs/cgroup, which this host does not have (--cgroup-manager disabled runs the container without them, with a warning)"
  cfg 'c["linux"]["resources"] = {"devices": [{"allow": False, "access": "rwm"}]}'
  expect_create_failure "linux.resources: device rules need a pure cgroup v2 hierarchy"
  cfg 'c["linux"]["resources"]["memory"] = {"limit": 67108864}'
  expect_create_failure "linux.resources: limits and device rules need"
  # and casca touched no cgroup
  assert_equal "$(compgen -G '/sys/fs/cgroup/*/casca*')" ""
}

@test "--cgroup-manager disabled runs device rules and limits it cannot enforce with a warning: on stderr, or only in the --log (runc's)" {
  make_bundle
  cfg 'c["linux"]["resources"] = {"devices": [{"allow": False, "access": "rwm"}], "pids": {"limit": 10}}'
  args true
  warning="linux.resources: limits and device rules not enforced: cgroups are disabled (--cgroup-manager disabled)"
  run --separate-stderr casca --cgroup-manager disabled run --bundle "$BUNDLE" "$(cid)"
  assert_success
  [[ "$stderr" == *"casca: warning: container $(cid): $warning"* ]] || fail "no warning on stderr: $stderr"
  assert_equal "$(state_ids)" ""
  # with --log only there: an engine gives the runtime the container's own
  # stdio, where a warning would read as the container's output
  run --separate-stderr casca --log "$BATS_TEST_TMPDIR/log" --cgroup-manager disabled run --bundle "$BUNDLE" "$(cid)"
  assert_success
  [ -z "$stderr" ] || fail "stderr, with --log: $stderr"
  grep -qF "level=warning msg=\"container $(cid): $warning\"" "$BATS_TEST_TMPDIR/log" || fail "no warning in the log: $(cat "$BATS_TEST_TMPDIR/log")"
  assert_equal "$(state_ids)" ""
  # a log that cannot be written: the warning is not lost
  run --separate-stderr casca --log "$BATS_TEST_TMPDIR/nodir/log" --cgroup-manager disabled run --bundle "$BUNDLE" "$(cid)"
  assert_success
  [[ "$stderr" == *"casca: warning: container $(cid): $warning"* ]] || fail "no warning on stderr: $stderr"
  assert_equal "$(state_ids)" ""
}

@test "device rules that allow every device need no cgroup (podman --privileged)" {
  make_bundle
  cfg 'c["linux"]["resources"] = {"devices": [{"allow": False, "access": "rwm"}, {"allow": True, "access": "rwm"}]}'
  args true
  run --separate-stderr casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  [ -z "$stderr" ] || fail "unexpected: $stderr"
}

@test "org.systemd.property.* annotations need the systemd cgroup manager: refused before any cgroup" {
  make_bundle
  args true
  # a cgroup tree casca would make the container's cgroup in (a test tree of
  # plain files: nothing under /sys/fs/cgroup)
  mkdir "$BATS_TEST_TMPDIR/cg"
  touch "$BATS_TEST_TMPDIR/cg/cgroup.controllers"
  export CASCA_CGROUP_ROOT=$BATS_TEST_TMPDIR/cg
  cfg 'c.setdefault("annotations", {})["org.systemd.property.CollectMode"] = "\x27inactive-or-failed\x27"'
  expect_create_failure 'annotations["org.systemd.property.CollectMode"]: a systemd unit property needs the systemd cgroup manager (--systemd-cgroup); this container'"'"'s is cgroupfs'
  assert_equal "$(ls -A "$BATS_TEST_TMPDIR/cg")" cgroup.controllers
  unset CASCA_CGROUP_ROOT
  # what podman adds to every container, whatever its cgroup manager: how
  # systemd would stop the unit; without one, not applied (a debug line)
  cfg 'c["annotations"] = {"org.systemd.property.KillSignal": "15", "org.systemd.property.TimeoutStopUSec": "uint64 10000000"}'
  run casca --debug run --bundle "$BUNDLE" "$(cid podman)"
  assert_success
  assert_output --partial 'annotations["org.systemd.property.KillSignal"]: not applied: no systemd unit to stop with the cgroupfs manager'
  # but not beside another one
  cfg 'c["annotations"]["org.systemd.property.CollectMode"] = "\x27inactive-or-failed\x27"'
  expect_create_failure 'annotations["org.systemd.property.CollectMode"]: a systemd unit property needs the systemd cgroup manager'
  # where the caller opted out of cgroups: not applied, with a warning
  run --separate-stderr casca --cgroup-manager disabled run --bundle "$BUNDLE" "$(cid)"
  assert_success
  [[ "$stderr" == *'casca: warning: container '"$(cid)"': annotations["org.systemd.property.CollectMode"]: not applied: cgroups are disabled (--cgroup-manager disabled)'* ]] || fail "no warning: $stderr"
  # a malformed one is refused whatever the manager
  cfg 'c["annotations"]["org.systemd.property.CollectMode"] = "inactive-or-failed"'
  run casca --cgroup-manager disabled run --bundle "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial 'annotations["org.systemd.property.CollectMode"]: value "inactive-or-failed" is not a GVariant value casca understands'
  assert_equal "$(state_ids)" ""
}

@test "a bind mount option that is not a flag is refused, not dropped" {
  make_bundle
  mkdir -p "$BATS_TEST_TMPDIR/src"
  cfg 'c["mounts"].append({"destination": "/mnt", "type": "bind", "source": "'"$BATS_TEST_TMPDIR/src"'", "options": ["rbind", "rro", "idmapped"]})'
  expect_create_failure 'mounts[6].options: unknown option "idmapped": a bind mount takes no filesystem options'
}

@test "rbind,rro gives a read-only bind mount through the CLI" {
  make_bundle
  mkdir -p "$BATS_TEST_TMPDIR/src"
  cfg 'c["mounts"].append({"destination": "/mnt", "type": "bind", "source": "'"$BATS_TEST_TMPDIR/src"'", "options": ["rbind", "rro"]})'
  args sh -c 'touch /mnt/x 2>&1; awk "\$5 == \"/mnt\" { print \$6 }" /proc/self/mountinfo'
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_line --partial "/mnt/x: Read-only file system"
  assert_line --regexp '^ro(,|$)'
  assert [ ! -e "$BATS_TEST_TMPDIR/src/x" ]
}
