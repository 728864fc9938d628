#!/usr/bin/env bats
# The compiled seccomp filter cache (<root>/@cache/seccomp): a second run of
# the same profile loads the cached program, which filters like a fresh one;
# a changed profile is compiled anew.  The program stored with a container's
# state (<root>/<id>/seccomp.bpf), which exec installs.

load helpers/casca

@test "seccomp: the cached filter is used for the same profile and filters alike" {
  make_bundle
  args sh -c 'grep Seccomp: /proc/self/status; mkdir /dev/shm/d && echo mkdir-ok || echo mkdir-failed'
  run casca --debug run --bundle "$BUNDLE" "$(cid 1)"
  assert_success
  assert_line --regexp '^Seccomp:[[:space:]]+2$'
  assert_line mkdir-ok
  refute_line --partial 'seccomp filter from cache'
  assert_equal "$(find "$STATE_ROOT/@cache/seccomp" -mindepth 1 -maxdepth 1 | wc -l)" 1

  run casca --debug run --bundle "$BUNDLE" "$(cid 2)"
  assert_success
  assert_line --partial 'seccomp filter from cache'
  assert_line --regexp '^Seccomp:[[:space:]]+2$'
  assert_line mkdir-ok

  # mkdir -> ENOSYS: a new program, then that one from the cache
  cfg 'c["linux"]["seccomp"]["syscalls"].insert(0, {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38})'
  run casca --debug run --bundle "$BUNDLE" "$(cid 3)"
  assert_success
  refute_line --partial 'seccomp filter from cache'
  assert_line mkdir-failed
  run casca --debug run --bundle "$BUNDLE" "$(cid 4)"
  assert_success
  assert_line --partial 'seccomp filter from cache'
  assert_line mkdir-failed
  refute_line mkdir-ok
  assert_equal "$(find "$STATE_ROOT/@cache/seccomp" -mindepth 1 -maxdepth 1 | wc -l)" 2
}

@test "seccomp: a damaged cache file is ignored and rewritten" {
  make_bundle
  args true
  run casca run --bundle "$BUNDLE" "$(cid 1)"
  assert_success
  f=$(ls "$STATE_ROOT"/@cache/seccomp/*.bpf)
  truncate -s 100 "$f"
  run casca --debug run --bundle "$BUNDLE" "$(cid 2)"
  assert_success
  refute_line --partial 'seccomp filter from cache'
  assert [ "$(stat -c %s "$f")" -gt 100 ]
  run casca --debug run --bundle "$BUNDLE" "$(cid 3)"
  assert_success
  assert_line --partial 'seccomp filter from cache'
}

# casca with seccomp-no-parts.so: libseccomp cannot take the native
# architecture out of a filter, so the split filter's foreign parts fail
noparts() {
  LD_PRELOAD=$CASCA_BUILD/tests/seccomp-no-parts.so \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" casca "$@"
}

@test "seccomp: where the filter cannot be split in parts, it is compiled whole, and filters alike" {
  [ -f "$CASCA_BUILD/tests/seccomp-no-parts.so" ] || fail "seccomp-no-parts.so not built (make tests)"
  make_bundle
  cfg 'c["linux"]["seccomp"]["syscalls"].insert(0, {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38})'
  args sh -c 'grep Seccomp_filters: /proc/self/status; mkdir /dev/shm/d || echo mkdir-failed; grep -c . /proc/self/status >/dev/null && echo read-ok'
  run noparts --debug run --bundle "$BUNDLE" "$(cid 1)"
  assert_success
  refute_line --partial 'seccomp filter from cache'
  assert_line --regexp '^Seccomp_filters:[[:space:]]+1$'
  assert_line --partial 'Function not implemented'
  assert_line mkdir-failed
  assert_line read-ok
  # the whole program was cached: a run without the shim takes it
  run casca --debug run --bundle "$BUNDLE" "$(cid 2)"
  assert_success
  assert_line --partial 'seccomp filter from cache'
  assert_line --regexp '^Seccomp_filters:[[:space:]]+1$'
  assert_line mkdir-failed
  # compiled afresh without the shim: the parts again
  rm -rf "$STATE_ROOT/@cache"
  run casca --debug run --bundle "$BUNDLE" "$(cid 3)"
  assert_success
  refute_line --partial 'seccomp filter from cache'
  assert_line --regexp '^Seccomp_filters:[[:space:]]+[2-9]$'
  assert_line mkdir-failed
}

# PID of container $1's init
init_pid() { state_field "$1" pid; }

# filters of PID as the kernel holds them (tests/tools/seccomp-dump.c)
dump_filters() { "$CASCA_BUILD/tests/seccomp-dump" "$1"; }

# The programs in state file $1 (format 2: a key, the number of programs and
# their lengths, the instructions), in seccomp-dump's format: one line per
# program, in the order they are loaded (the order seccomp-dump prints).
stored_program() {
  python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
magic, fmt, flags, key_len, n = struct.unpack_from("=8sIIII", d)
assert magic == b"CASCABPF" and fmt == 2, (magic, fmt)
off = 24 + key_len
(n_progs,) = struct.unpack_from("=I", d, off)
lens = struct.unpack_from("=%dI" % n_progs, d, off + 4)
insns = d[off + 4 + 4 * n_progs:]
assert len(insns) == 8 * n == 8 * sum(lens), (len(insns), n, lens)
lines, at = [], 0
for m in lens:
    lines.append("%d %s" % (m, "".join("%04x%02x%02x%08x" % struct.unpack_from("=HBBI", insns, 8 * i) for i in range(at, at + m))))
    at += m
print("\n".join(lines))
PY
}

# A bundle whose profile denies mkdir with ENOSYS, its container running.
run_mkdir_denied() {
  make_bundle
  cfg 'c["linux"]["seccomp"]["syscalls"].insert(0, {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38})'
  args sleep 1000
  id=$(cid)
  run_bg run -d --bundle "$BUNDLE" "$id"
  assert_success
}

@test "seccomp: exec installs the program create stored for the init, byte for byte, without the cache" {
  run_mkdir_denied
  # the state holds what the init runs
  assert_equal "$(stored_program "$STATE_ROOT/$id/seccomp.bpf")" "$(dump_filters "$(init_pid "$id")")"
  # no cache to fall back on: a file where its directory would be
  rm -rf "$STATE_ROOT/@cache"
  touch "$STATE_ROOT/@cache"
  run casca --debug exec "$id" sh -c 'grep Seccomp_filters: /proc/self/status; mkdir /tmp/d || echo mkdir-failed'
  assert_success
  assert_line --partial "seccomp filter from the container's state"
  refute_line --partial 'compiling'
  assert_line --regexp "^Seccomp_filters:[[:space:]]+$(wc -l < <(stored_program "$STATE_ROOT/$id/seccomp.bpf"))\$"
  assert_line --partial 'Function not implemented'
  assert_line mkdir-failed
  assert [ -f "$STATE_ROOT/@cache" ]
  # an exec'd process runs the init's program, byte for byte
  casca exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$id" sleep 1000
  init=$(dump_filters "$(init_pid "$id")")
  exec=$(dump_filters "$(cat "$BATS_TEST_TMPDIR/exec.pid")")
  # the split filter: a guard and one part per architecture (x86_64, x86,
  # x32 here), the largest the native one's rules
  assert [ "$(wc -l <<<"$init")" -ge 2 ]
  assert [ "$(sort -n <<<"$init" | tail -1 | cut -d' ' -f1)" -gt 100 ]
  assert_equal "$exec" "$init"
  casca delete --force "$id"
}

@test "seccomp: a missing, damaged or foreign stored program: exec compiles the profile, filtered alike" {
  run_mkdir_denied
  init=$(dump_filters "$(init_pid "$id")")
  f=$STATE_ROOT/$id/seccomp.bpf
  # the stored program of another profile (mkdir allowed) is not this one's
  make_bundle "$BATS_TEST_TMPDIR/other"
  run_bg create --bundle "$BATS_TEST_TMPDIR/other" other
  assert_success
  cp "$STATE_ROOT/other/seccomp.bpf" "$f"
  casca delete --force other
  for damage in foreign truncate garbage symlink missing; do
    case $damage in
      truncate) truncate -s 100 "$f" ;;
      garbage) head -c 20000 /dev/urandom > "$f" ;;
      symlink) rm -f "$f"; ln -s "$STATE_ROOT/$id/config.json" "$f" ;;
      missing) rm -f "$f" ;;
    esac
    run casca --debug exec "$id" sh -c 'mkdir /tmp/d || echo mkdir-failed'
    assert_success
    refute_line --partial "seccomp filter from the container's state"
    assert_line --regexp 'exec: .*seccomp filter.*: compiling'
    assert_line mkdir-failed
    casca exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$id" sleep 1000
    assert_equal "$(dump_filters "$(cat "$BATS_TEST_TMPDIR/exec.pid")")" "$init"
    kill "$(cat "$BATS_TEST_TMPDIR/exec.pid")"
  done
  casca delete --force "$id"
}

@test "seccomp: exec without a stored program loads it from the cache, and fills the cache too" {
  run_mkdir_denied
  rm "$STATE_ROOT/$id/seccomp.bpf"
  f=$(ls "$STATE_ROOT"/@cache/seccomp/*.bpf)
  run casca --debug exec "$id" sh -c 'grep Seccomp: /proc/self/status; mkdir /tmp/d || echo mkdir-failed'
  assert_success
  assert_line --partial 'seccomp filter from cache'
  assert_line --regexp '^Seccomp:[[:space:]]+2$'
  assert_line mkdir-failed
  # damaged: exec compiles the profile and writes the entry anew
  truncate -s 100 "$f"
  run casca --debug exec "$id" sh -c 'mkdir /tmp/d || echo mkdir-failed'
  assert_success
  refute_line --partial 'seccomp filter from cache'
  assert_line mkdir-failed
  assert [ "$(stat -c %s "$f")" -gt 100 ]
  run casca --debug exec "$id" true
  assert_line --partial 'seccomp filter from cache'
  casca delete --force "$id"
}

@test "casca list does not show the cache" {
  make_bundle
  args true
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert [ -d "$STATE_ROOT/@cache" ]
  run casca list --quiet
  assert_success
  assert_output ''
}
