#!/usr/bin/env bats
# A non-root user runs a container in a user namespace: state under
# $XDG_RUNTIME_DIR, the config from `casca spec --hardened --rootless`.

load helpers/casca

@test "rootless: nobody runs a container; root inside maps to nobody outside" {
  command -v setpriv > /dev/null || skip "needs setpriv (util-linux)"
  chmod o+x "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
  BUNDLE=$BATS_TEST_TMPDIR/rl
  mkdir -p "$BUNDLE" "$BATS_TEST_TMPDIR/xdg"
  cp -a "$(busybox_template)" "$BUNDLE/rootfs"
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
  for _ in $(seq 50); do grep -q 65534 "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
  run cat "$BATS_TEST_TMPDIR/out"
  assert_line 0
  assert_line --regexp '^ +0 +65534 +1$'
  pid=$(as_nobody state rl1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  assert_equal "$(awk '/^Uid:/ {print $2}' /proc/$pid/status)" 65534
  run as_nobody delete --force rl1
  assert_success
  [ ! -e "$BATS_TEST_TMPDIR/xdg/casca/rl1" ]
}

load helpers/users

rootless_teardown() {
  remove_test_users
  common_teardown
}
teardown() { rootless_teardown; }

@test "rootless: a fallback state root another user made (or can write to) is refused" {
  command -v setpriv > /dev/null || skip "needs setpriv (util-linux)"
  victim=$(make_test_user v)
  attacker=$(make_test_user a)
  vuid=$(id -u "$victim")
  root=/tmp/casca-$vuid
  # the attacker makes the victim's fallback state root first, open to all
  as_user "$attacker" mkdir -m 0777 "$root"
  as_user "$attacker" chmod 0777 "$root"
  run as_user "$victim" "$CASCA" list
  assert_failure
  assert_output "casca: state root \`$root\` is owned by uid $(id -u "$attacker"), not by the caller (uid $vuid): refusing it, its owner could hide or fake containers; remove it, or use --root or \$XDG_RUNTIME_DIR"
  BUNDLE=$(as_user "$victim" sh -c 'mkdir -p ~/b && echo ~/b')
  as_user "$victim" sh -c "cd $BUNDLE && '$CASCA' spec --hardened --rootless"
  cp -a "$(busybox_template)" "$BUNDLE/rootfs"
  chown -R "$victim" "$BUNDLE/rootfs"
  BUNDLE=$BUNDLE cfg 'c["process"]["args"] = ["sleep", "100"]'
  run as_user "$victim" "$CASCA" run -b "$BUNDLE" c1
  assert_failure
  assert_output --partial "state root \`$root\` is owned by uid $(id -u "$attacker")"
  [ -z "$(ls -A "$root")" ] || fail "create wrote into the hostile state root: $(ls -A "$root")"
  # the victim's own root, but writable by others
  rm -rf "$root"
  as_user "$victim" mkdir -m 0700 "$root"
  chmod 0777 "$root"
  run as_user "$victim" "$CASCA" list
  assert_failure
  assert_output "casca: state root \`$root\` is writable by others (mode 0777): refusing it; chmod 0700 it"
  # the victim's own root in a directory the attacker can rename it out of
  rm -rf "$root"
  hostile=$BATS_TEST_TMPDIR/xdg
  mkdir -m 0777 "$hostile" && chown "$attacker" "$hostile" && chmod 0777 "$hostile"
  as_user "$victim" mkdir -m 0700 "$hostile/casca"
  run env AS_XDG="$hostile" bash -c "$(declare -f as_user); as_user $victim '$CASCA' list"
  assert_failure
  assert_output --partial "state root \`$hostile/casca\`: its parent directory is owned by uid $(id -u "$attacker")"
  # with no state root yet, the fallback is made by the victim, 0700
  run as_user "$victim" "$CASCA" list
  assert_success
  run as_user "$victim" sh -c "cd $BUNDLE && '$CASCA' create c1 </dev/null >/dev/null 2>&1; '$CASCA' list -q"
  assert_success
  assert_output c1
  assert_equal "$(stat -c '%u %a' "$root")" "$vuid 700"
  run as_user "$victim" "$CASCA" delete --force c1
  assert_success
  [ ! -e "$root/c1" ]
}
