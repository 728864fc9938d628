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
  assert_equal "$(state_ids)" ""
}

# Options that run a runc-written config "as-is" here: where there is no
# cgroup v2 (the host lane) its deny-all device rule cannot be enforced and
# casca refuses it unless told to run without cgroups (and warn); runc
# itself cannot run there at all.  The VM lane runs it with nothing added.
as_is() {
  AS_IS=()
  if on_hybrid_host; then AS_IS=(--cgroup-manager disabled); fi
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

# bats test_tags=vm
@test "runc 1.1's spec runs as-is: the ambient capabilities it cannot have are skipped, as runc does, and --debug says so" {
  runc_spec_bundle 1.1
  assert file_has "$BUNDLE/config.json" '"ambient"'
  assert file_has "$BUNDLE/config.json" '"terminal": true'
  args sh -c 'grep -E "^Cap(Eff|Amb)" /proc/self/status; hostname'
  as_is
  run casca --debug "${AS_IS[@]}" run --bundle "$BUNDLE" "$(cid)" < /dev/null
  assert_success
  # CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10): effective,
  # not ambient (runc 1.1's spec makes none of them inheritable)
  assert_line --regexp "^CapEff:[[:space:]]+0000000020000420"
  assert_line --regexp "^CapAmb:[[:space:]]+0000000000000000"
  assert_line --regexp "^runc"
  assert_output --partial "process.capabilities.ambient: not raised (not both permitted and inheritable): CAP_KILL CAP_NET_BIND_SERVICE CAP_AUDIT_WRITE"
  assert_equal "$(state_ids)" ""
}

# bats test_tags=vm
@test "an ambient capability that is also inheritable is raised; the others are skipped" {
  runc_spec_bundle 1.1
  cfg 'c["process"]["capabilities"]["inheritable"] = ["CAP_KILL"]'
  args sh -c 'grep -E "^Cap(Inh|Amb)" /proc/self/status'
  as_is
  run casca --debug "${AS_IS[@]}" run --bundle "$BUNDLE" "$(cid)" < /dev/null
  assert_success
  assert_line --regexp "^CapInh:[[:space:]]+0000000000000020"
  assert_line --regexp "^CapAmb:[[:space:]]+0000000000000020"
  assert_output --partial "not raised (not both permitted and inheritable): CAP_NET_BIND_SERVICE CAP_AUDIT_WRITE"
}

# bats test_tags=vm
@test "runc 1.4/1.5's spec (ociVersion 1.3.0, cgroup namespace) runs as-is" {
  runc_spec_bundle 1.4
  args sh -c 'grep -E "^CapEff" /proc/self/status; readlink /proc/self/ns/cgroup'
  as_is
  run casca "${AS_IS[@]}" run --bundle "$BUNDLE" "$(cid)" < /dev/null
  assert_success
  assert_line --regexp "^CapEff:[[:space:]]+0000000020000420"
  refute_line --partial "$(readlink /proc/self/ns/cgroup)"
  assert_equal "$(state_ids)" ""
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

@test "a config.json over 4 MiB is refused before it is read, leaving nothing" {
  make_bundle
  cfg 'c["annotations"] = {"k%d" % i: "v" * 100 for i in range(220000)}'
  assert [ "$(stat -c %s "$BUNDLE/config.json")" -gt $((4 << 20)) ]
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --regexp "config \`$BUNDLE/config.json\`: larger than 4194304 bytes \([0-9]+ bytes\)"
  assert_equal "$(state_ids)" ""
  # a sparse 1 TiB file: reading it would take minutes; its size alone refuses it
  truncate -s 1T "$BUNDLE/config.json"
  run timeout 60 "$CASCA" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$(cid 2)"
  assert_failure 1
  assert_output --partial "larger than 4194304 bytes (1099511627776 bytes)"
  assert_equal "$(state_ids)" ""
}

# spec_diff A B: the members where two configs differ, one per line
# ("process.capabilities.ambient: ..."), ignoring key order and spacing.
spec_diff() {
  python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def walk(x, y, path):
    if isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            walk(x.get(k), y.get(k), path + [k])
    elif x != y:
        print("%s: %s -> %s" % (".".join(path), json.dumps(x), json.dumps(y)))
walk(a, b, [])
PY
}

# runc_spec_file [--rootless]: runc 1.1's `spec` output (the installed runc
# when it is 1.1, else the fixture; rootless needs the real runc).
runc_spec_file() {
  local d=$BATS_TEST_TMPDIR/runc-spec$1
  mkdir -p "$d"
  if command -v runc >/dev/null && runc --version | grep -q '^runc version 1\.1\.'; then
    (cd "$d" && runc spec ${1:+"$1"})
  elif [ -z "$1" ]; then
    cp "$TESTS_DIR/fixtures/config/good/runc-default.json" "$d/config.json"
  else
    skip "needs Debian's runc 1.1 for its --rootless spec"
  fi
  echo "$d/config.json"
}

@test "casca spec writes runc's defaults: only the hostname, ociVersion and what runc changed since 1.1 differ" {
  for mode in "" --rootless; do
    mkdir -p "$BATS_TEST_TMPDIR/casca$mode"
    "$CASCA" spec ${mode:+"$mode"} --bundle "$BATS_TEST_TMPDIR/casca$mode"
    runc_json=$(runc_spec_file "$mode")
    run spec_diff "$runc_json" "$BATS_TEST_TMPDIR/casca$mode/config.json"
    assert_success
    # runc 1.2 dropped the ambient set (runc#4367) and 1.3 masks the TPM
    assert_output "$(printf '%s\n' \
      'hostname: "runc" -> "casca"' \
      'linux.maskedPaths: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"] -> ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi", "/sys/devices/virtual/tpm"]' \
      'ociVersion: "1.0.2-dev" -> "1.0.0"' \
      'process.capabilities.ambient: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"] -> null')"
  done
}

# bats test_tags=vm
@test "casca spec equals runc 1.4/1.5's spec but for hostname and ociVersion (cgroup namespace on cgroup v2 only, as runc)" {
  "$CASCA" spec --bundle "$BATS_TEST_TMPDIR"
  run spec_diff "$TESTS_DIR/fixtures/config/good/runc-1.4-default.json" "$BATS_TEST_TMPDIR/config.json"
  assert_success
  want=('hostname: "runc" -> "casca"')
  # the fixture was written on a cgroup v2 host
  on_hybrid_host && want+=('linux.namespaces: [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}] -> [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]')
  want+=('ociVersion: "1.3.0" -> "1.0.0"')
  assert_output "$(printf '%s\n' "${want[@]}")"
}

# bats test_tags=vm
@test "casca spec runs as-is under casca (terminal true: a pty for the foreground run)" {
  make_bundle
  rm "$BUNDLE/config.json"
  "$CASCA" spec --bundle "$BUNDLE"
  args sh -c 'tty; hostname'
  as_is
  run casca "${AS_IS[@]}" run --bundle "$BUNDLE" "$(cid)" < /dev/null
  assert_success
  assert_line --regexp '^/dev/pts/[0-9]+'
  assert_line --regexp '^casca'
}

@test "spec --help says which profile spec writes and why; --hardened keeps casca's" {
  run "$CASCA" spec --help
  assert_success
  assert_output --partial "by default the one runc's"
  assert_output --partial "--hardened"
  "$CASCA" spec --hardened --bundle "$BATS_TEST_TMPDIR"
  run python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c["ociVersion"], c["process"]["terminal"], "seccomp" in c["linux"], {"type": "cgroup"} in c["linux"]["namespaces"])' "$BATS_TEST_TMPDIR/config.json"
  assert_output "1.1.0 False True True"
}

# in_private_cgroupfs CMD...: CMD in a private mount namespace whose
# /sys/fs/cgroup is an empty tmpfs (the host's cgroups stay out of reach)
in_private_cgroupfs() {
  unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs none /sys/fs/cgroup && exec "$@"' - "$@"
}

# spec_bundle DIR [SPEC_FLAG]: a busybox bundle with `casca spec`'s config,
# other args and no cgroup mount (on this host a runtime could only give it
# the host's hierarchy); crun and runc run it on a pty of script(1), as
# runc's terminal: true asks
spec_bundle() {
  make_bundle "$1"
  rm "$1/config.json"
  "$CASCA" spec ${2:+"$2"} --bundle "$1"
  cfg 'c["process"]["args"] = ["sh", "-c", "echo spec-ran-in-$(hostname); grep ^CapEff /proc/self/status"]; c["mounts"] = [m for m in c["mounts"] if m["type"] != "cgroup"]'
}

@test "casca spec's output runs under Debian's crun 1.8.1 (which refuses ociVersion 1.2.0), both profiles" {
  command -v crun >/dev/null || skip "crun is not installed"
  for flag in "" --hardened; do
    spec_bundle "$BATS_TEST_TMPDIR/b$flag" "$flag"
    run script -qec "$(declare -f in_private_cgroupfs); in_private_cgroupfs crun --cgroup-manager=disabled --root '$BATS_TEST_TMPDIR/crun' run --bundle '$BUNDLE' '$(cid crun$flag)'" /dev/null < /dev/null
    assert_success
    # (a pty: NULs and CRs around the lines)
    assert_output --partial spec-ran-in-casca
    assert_output --regexp 'CapEff:[[:space:]]+0000000020000420'
  done
}

# bats test_tags=vm
@test "casca spec's output runs under Debian's runc 1.1.5, both profiles (cgroup v2: VM lane)" {
  command -v runc >/dev/null || skip "runc is not installed"
  need_cgroup2
  for flag in "" --hardened; do
    spec_bundle "$BATS_TEST_TMPDIR/b$flag" "$flag"
    run script -qec "runc --root '$BATS_TEST_TMPDIR/runc' run --bundle '$BUNDLE' '$(cid runc$flag)'" /dev/null < /dev/null
    assert_success
    # (a pty: NULs and CRs around the lines)
    assert_output --partial spec-ran-in-casca
    assert_output --regexp 'CapEff:[[:space:]]+0000000020000420'
  done
}
