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

load helpers/users

rootless_teardown() {
  local d
  if [ -f "$BATS_TEST_TMPDIR/cgroup-to-remove" ]; then
    d=$(cat "$BATS_TEST_TMPDIR/cgroup-to-remove")
    rmdir "$d"/casca/* "$d"/casca "$d"/shell "$d" 2> /dev/null || true
  fi
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

need_userns_for() {
  command -v setpriv > /dev/null || skip "needs setpriv (util-linux)"
  as_user "$1" unshare -U true 2> /dev/null || skip "unprivileged user namespaces are disabled"
}

@test "rootless: a user's /etc/subuid range is mapped through newuidmap; every verb works" {
  command -v newuidmap > /dev/null || skip "needs newuidmap (package uidmap)"
  u=$(make_test_user m)
  need_userns_for "$u"
  read -r ustart ucount < <(awk -F: -v u="$u" '$1 == u {print $2, $3}' /etc/subuid)
  read -r gstart gcount < <(awk -F: -v u="$u" '$1 == u {print $2, $3}' /etc/subgid)
  [ -n "$ustart" ] && [ -n "$gstart" ] || fail "useradd gave $u no subordinate ids"
  user_bundle "$u"
  # spec --rootless maps the user to root and its range from 1 on
  run python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["linux"]; print(l["uidMappings"]); print(l["gidMappings"])' "$BUNDLE/config.json"
  assert_line --index 0 "[{'containerID': 0, 'hostID': $(id -u "$u"), 'size': 1}, {'containerID': 1, 'hostID': $ustart, 'size': $ucount}]"
  assert_line --index 1 "[{'containerID': 0, 'hostID': $(id -g "$u"), 'size': 1}, {'containerID': 1, 'hostID': $gstart, 'size': $gcount}]"
  cfg 'c["root"]["readonly"] = False; c["linux"].pop("resources", None)
for k in ("bounding", "effective", "permitted"): c["process"]["capabilities"][k].append("CAP_CHOWN")'
  args sh -c 'touch /tmp/x && chown 1000:1000 /tmp/x && sleep 100'
  run as_user "$u" sh -c "cd $BUNDLE && '$CASCA' create c1 < /dev/null > /dev/null 2>&1; echo \$?"
  assert_output 0
  run as_user "$u" "$CASCA" state c1
  assert_output --partial '"status": "created"'
  as_user "$u" "$CASCA" start c1
  for _ in $(seq 50); do [ -e "$BUNDLE/rootfs/tmp/x" ] && [ "$(stat -c %u "$BUNDLE/rootfs/tmp/x")" != "$(id -u "$u")" ] && break; sleep 0.1; done
  # uid 1000 inside is subuid start + 999 outside
  assert_equal "$(stat -c '%u %g' "$BUNDLE/rootfs/tmp/x")" "$((ustart + 999)) $((gstart + 999))"
  run as_user "$u" "$CASCA" exec c1 cat /proc/self/uid_map /proc/self/gid_map
  assert_success
  assert_line --index 0 --regexp "^ +0 +$(id -u "$u") +1$"
  assert_line --index 1 --regexp "^ +1 +$ustart +$ucount$"
  assert_line --index 3 --regexp "^ +1 +$gstart +$gcount$"
  # setgroups is allowed (newgidmap granted a range): additional groups work
  run as_user "$u" "$CASCA" exec --additional-gids 5 c1 id -G
  assert_success
  assert_output "0 5"
  run as_user "$u" "$CASCA" list -q
  assert_output c1
  run as_user "$u" "$CASCA" ps c1
  assert_success
  as_user "$u" "$CASCA" kill c1 KILL
  for _ in $(seq 50); do as_user "$u" "$CASCA" state c1 | grep -q '"stopped"' && break; sleep 0.1; done
  run as_user "$u" "$CASCA" state c1
  assert_output --partial '"status": "stopped"'
  as_user "$u" "$CASCA" delete c1
  [ ! -e "/tmp/casca-$(id -u "$u")/c1" ]
}

@test "rootless: a mapping /etc/subuid does not grant is refused before anything is made" {
  u=$(make_test_user g)
  need_userns_for "$u"
  read -r ustart ucount < <(awk -F: -v u="$u" '$1 == u {print $2, $3}' /etc/subuid)
  user_bundle "$u"
  cfg 'c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": '"$(id -u "$u")"', "size": 1}, {"containerID": 1, "hostID": 7000, "size": 10}]; c["linux"].pop("resources", None)'
  run as_user "$u" "$CASCA" run -b "$BUNDLE" c1
  assert_failure
  assert_output "casca: linux.uidMappings[1]: host ids 7000-7009 are not granted to \`$u\` ($(id -u "$u")) in /etc/subuid (granted: $ustart-$((ustart + ucount - 1))); only the caller's own id and the ranges /etc/subuid grants can be mapped without root (an admin adds a range with usermod; newuidmap and newgidmap, from the \`uidmap\` package, write them)"
  [ ! -e "/tmp/casca-$(id -u "$u")" ] || [ -z "$(ls -A "/tmp/casca-$(id -u "$u")")" ] || fail "left behind: $(ls -A "/tmp/casca-$(id -u "$u")")"
  # a granted range, but newuidmap not in PATH
  cfg 'c["linux"]["uidMappings"][1] = {"containerID": 1, "hostID": '"$ustart"', "size": 10}'
  run env AS_PATH=/nonexistent bash -c "$(declare -f as_user); as_user $u '$CASCA' run -b '$BUNDLE' c1"
  assert_failure
  assert_output "casca: linux.uidMappings: mapping more than the caller's own id ($(id -u "$u")) needs newuidmap, which is not in PATH: install the \`uidmap\` package"
  [ ! -e "/tmp/casca-$(id -u "$u")" ] || [ -z "$(ls -A "/tmp/casca-$(id -u "$u")")" ] || fail "left behind: $(ls -A "/tmp/casca-$(id -u "$u")")"
}

@test "rootless: user namespaces disabled (user.max_user_namespaces=0) is a clear error" {
  u=$(make_test_user d)
  need_userns_for "$u"
  user_bundle "$u"
  cfg 'c["linux"].pop("resources", None)'
  # the knob is per user namespace: 0 in one the test user makes, not the host's
  state=$(getent passwd "$u" | cut -d: -f6)/state
  run as_user "$u" unshare -U -r sh -c "echo 0 > /proc/sys/user/max_user_namespaces && '$CASCA' --root $state run -b $BUNDLE c1"
  assert_failure
  assert_output "casca: linux.namespaces: user namespaces are disabled on this host: user.max_user_namespaces is 0 (an admin enables them with \`sysctl user.max_user_namespaces=...\`)"
  [ ! -e "$state" ] || [ -z "$(ls -A "$state")" ] || fail "left behind: $(ls -A "$state")"
  [ "$(cat /proc/sys/user/max_user_namespaces)" != 0 ]
}

@test "rootless: without a delegated cgroup: --debug says so, limits are refused, nothing left" {
  u=$(make_test_user c)
  need_userns_for "$u"
  user_bundle "$u"
  cfg 'c["linux"].pop("resources", None)'
  args true
  run as_user "$u" "$CASCA" --debug run -b "$BUNDLE" c1
  assert_success
  assert_output --partial "container c1: running without a cgroup: "
  cfg 'c["linux"]["resources"] = {"pids": {"limit": 10}}'
  run as_user "$u" "$CASCA" run -b "$BUNDLE" c2
  assert_failure
  assert_output --regexp '^casca: linux.resources: limits need a pure cgroup v2 hierarchy|not delegated to uid'
  [ -z "$(find "/tmp/casca-$(id -u "$u")" -mindepth 1 -maxdepth 1 ! -name @cache 2>/dev/null)" ] || fail "left behind: $(ls -A "/tmp/casca-$(id -u "$u")")"
}

# bats test_tags=vm
@test "rootless: with a delegated cgroup v2 subtree the sandbox's limits apply (VM lane)" {
  need_cgroup2
  u=$(make_test_user l)
  need_userns_for "$u"
  D=/sys/fs/cgroup/cst-deleg-$$
  mkdir "$D"
  echo "$D" > "$BATS_TEST_TMPDIR/cgroup-to-remove"
  echo "+pids" > /sys/fs/cgroup/cgroup.subtree_control
  echo "+pids" > "$D/cgroup.subtree_control"
  mkdir "$D/shell"
  # what systemd's Delegate=yes hands over: the directory and its
  # cgroup.procs, cgroup.subtree_control, cgroup.threads
  chown "$u" "$D" "$D/cgroup.procs" "$D/cgroup.subtree_control" "$D/cgroup.threads" \
    "$D/shell" "$D/shell/cgroup.procs"
  home=$(getent passwd "$u" | cut -d: -f6)
  # root puts the shell into the delegated subtree, then becomes the user
  sh -c "echo \$\$ > $D/shell/cgroup.procs && cd $home && exec setpriv --reuid $(id -u "$u") --regid $(id -g "$u") --clear-groups env -i PATH=/usr/bin:/bin HOME=$home '$CASCA' sandbox --pids 7 -- sh -c 'touch started; sleep 3'" > "$BATS_TEST_TMPDIR/out" 2>&1 &
  for _ in $(seq 100); do [ -e "$home/started" ] && break; sleep 0.1; done
  run cat "$D"/casca/sandbox-*/pids.max
  assert_output 7
  assert_equal "$(stat -c %U "$D"/casca/sandbox-*)" "$u"
  wait
  run cat "$BATS_TEST_TMPDIR/out"
  assert_output ""
  [ -z "$(ls -d "$D"/casca/sandbox-* 2> /dev/null)" ] || fail "cgroup left behind"
}

# A bundle ($BUNDLE, from `spec --rootless` run as root of a user namespace)
# and an $XDG_RUNTIME_DIR ($X) for in_userns; skips without user namespaces.
userns_bundle() {
  unshare -U -r true 2> /dev/null || skip "cannot make a user namespace here"
  BUNDLE=$BATS_TEST_TMPDIR/bundle
  X=$BATS_TEST_TMPDIR/xdg
  mkdir -p "$BUNDLE" "$X"
  chmod 0700 "$X"
  make_busybox_rootfs "$BUNDLE/rootfs"
  in_userns "$CASCA" spec --rootless
  cfg 'c["process"]["terminal"] = False'
}

# CMD as uid 0 of a user namespace mapping it to the caller (root) alone, as
# rootless podman runs its runtime, in $BUNDLE with $X as XDG_RUNTIME_DIR.
in_userns() {
  (cd "$BUNDLE" && unshare -U -r env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$X" USER=tester "$@")
}

@test "rootless: as root of a user namespace (rootless podman's runtime) casca keeps its state under \$XDG_RUNTIME_DIR, as runc does" {
  userns_bundle
  cfg 'c["process"]["args"] = ["sleep", "100"]'
  in_userns "$CASCA" run -d ru1 > "$BATS_TEST_TMPDIR/out" 2>&1 < /dev/null || fail "run: $(cat "$BATS_TEST_TMPDIR/out")"
  if [ ! -d "$X/casca/ru1" ]; then
    [ ! -e /run/casca/ru1 ] || "$CASCA" --root /run/casca delete --force ru1
    fail "state is not under \$XDG_RUNTIME_DIR/casca: $(cat "$BATS_TEST_TMPDIR/out")"
  fi
  run in_userns "$CASCA" state ru1
  assert_success
  assert_output --partial '"status": "running"'
  run in_userns "$CASCA" exec ru1 sh -c 'echo "exec-ok pid=$$"'
  assert_success
  assert_line --regexp '^exec-ok pid=[0-9]+$'
  run in_userns "$CASCA" delete --force ru1
  assert_success
  assert [ ! -e "$X/casca/ru1" ]
  # as rootless podman's containers: no user namespace of their own.  The
  # runtime may join the container's pid namespace (its user namespace owns
  # it) but not return to its own (the host's owns that): exec's process is
  # never cloned straight in there (exec.c); as this namespace maps the
  # binary's owner, a first stage prepares it and the exec stub clones it in
  cfg 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "user"]
c["linux"].pop("uidMappings", None); c["linux"].pop("gidMappings", None)'
  # (one user namespace for all three, as podman joins its pause process's)
  run in_userns sh -c '"$1" run -d ru2 < /dev/null && "$1" --debug exec ru2 sh -c "echo exec-ok pid=\$\$"
    rc=$?; "$1" delete --force ru2; exit $rc' sh "$CASCA"
  assert_success
  assert_line --regexp '^exec-ok pid=[0-9]+$'
  assert_line --partial 'exec: prepared outside its pid namespace, cloned in by the exec stub'
  refute_line --partial 'cloned straight into its pid namespace'
  assert [ ! -e "$X/casca/ru2" ]
  # every verb takes that root: a world-writable one is refused, named
  chmod 0777 "$X/casca"
  run in_userns "$CASCA" list
  assert_failure
  assert_output --partial "state root \`$X/casca\` is writable by others"
}

# bats test_tags=vm
@test "rootless: a device filter is refused, named, as root of a user namespace (it needs the host's root) (VM lane)" {
  need_cgroup2
  userns_bundle
  cfg 'c["process"]["args"] = ["true"]; c["linux"]["resources"] = {"devices": [{"allow": False, "access": "rwm"}]}'
  run in_userns "$CASCA" run rd1
  assert_failure
  assert_output --partial "casca: linux.resources.devices: a device filter needs the host's root to load it"
  assert [ -z "$(find "$X/casca" -mindepth 1 -maxdepth 1 ! -name '@*' 2> /dev/null)" ]
}
