#!/usr/bin/env bats
# A non-root user runs a container in a user namespace: state under
# $XDG_RUNTIME_DIR, the config from `casca spec --hardened --rootless`.

load helpers/casca

@test "rootless: nobody runs a container; root inside maps to nobody outside" {
  command -v setpriv > /dev/null || skip "needs setpriv (util-linux)"
  chmod o+x "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
  BUNDLE=$BATS_TEST_TMPDIR/rl
  mkdir -p "$BUNDLE" "$BATS_TEST_TMPDIR/xdg"
  make_busybox_rootfs "$BUNDLE/rootfs"
  chown -R 65534:65534 "$BUNDLE" "$BATS_TEST_TMPDIR/xdg"
  chmod 700 "$BATS_TEST_TMPDIR/xdg"
  as_nobody() {
    (cd "$BUNDLE" && setpriv --reuid 65534 --regid 65534 --clear-groups \
      env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/xdg" "$CASCA" "$@")
  }
  if ! setpriv --reuid 65534 --regid 65534 --clear-groups unshare -U true 2>/dev/null; then
    skip "unprivileged user namespaces are disabled on this kernel"
  fi
  run as_nobody spec --hardened --rootless
  assert_success
  cfg 'c["process"]["args"] = ["sh", "-c", "id -u; cat /proc/self/uid_map; sleep 100"]'
  run_as_nobody_bg() { as_nobody run -d rl1 > "$BATS_TEST_TMPDIR/out" 2>&1 < /dev/null; }
  run_as_nobody_bg
  [ -d "$BATS_TEST_TMPDIR/xdg/casca/rl1" ] || fail "state is not under \$XDG_RUNTIME_DIR/casca"
  wait_until file_has "$BATS_TEST_TMPDIR/out" 65534
  run cat "$BATS_TEST_TMPDIR/out"
  assert_line 0
  assert_line --regexp '^ +0 +65534 +1$'
  pid=$(as_nobody state rl1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  assert_equal "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" 65534
  run as_nobody delete --force rl1
  assert_success
  assert [ ! -e "$BATS_TEST_TMPDIR/xdg/casca/rl1" ]
}
