#!/usr/bin/env bats
# casca.network mode "user" (pasta): outbound connectivity, published ports,
# DNS through the helper, pasta stopped on delete.  Every packet stays in two
# network namespaces the test makes: "c", where casca runs (its stand-in
# host network), and "h", a stand-in for the outside world behind a veth
# pair (10.213.0.1 <-> 10.213.0.2), serving HTTP and DNS.

load helpers/casca
load helpers/users

setup() {
  common_setup
  command -v pasta > /dev/null || skip "needs pasta (package passt)"
  command -v ip > /dev/null || skip "needs ip (iproute2) to build the test's namespaces"
  # pasta needs /dev/net/tun.  The VM lane's guest has no udev: load the
  # module there and give the node the mode udev's default rule gives (0666)
  if [ ! -c /dev/net/tun ] && modprobe tun 2> /dev/null && [ -c /dev/net/tun ]; then
    chmod 0666 /dev/net/tun
  fi
  [ -c /dev/net/tun ] || skip "needs /dev/net/tun (the tun module)"
  N=cun$$
  NS_C=${N}c NS_H=${N}h
  ip netns add "$NS_H"
  ip netns add "$NS_C"
  ip link add "${N}a" type veth peer name "${N}b"
  ip link set "${N}a" netns "$NS_C"
  ip link set "${N}b" netns "$NS_H"
  ip -n "$NS_C" addr add 10.213.0.2/24 dev "${N}a"
  ip -n "$NS_H" addr add 10.213.0.1/24 dev "${N}b"
  for ns in "$NS_C" "$NS_H"; do ip -n "$ns" link set lo up; done
  ip -n "$NS_C" link set "${N}a" up
  ip -n "$NS_H" link set "${N}b" up
  ip -n "$NS_C" route add default via 10.213.0.1
  # the "host" resolver of namespace c is the stand-in's (ip netns exec
  # binds /etc/netns/<ns>/resolv.conf over /etc/resolv.conf)
  mkdir -p "/etc/netns/$NS_C"
  echo "nameserver 10.213.0.1" > "/etc/netns/$NS_C/resolv.conf"
  mkdir -p "$BATS_TEST_TMPDIR/www"
  echo "outside" > "$BATS_TEST_TMPDIR/www/index.html"
  ip netns exec "$NS_H" busybox httpd -f -p 10.213.0.1:8000 -h "$BATS_TEST_TMPDIR/www" &
  HTTPD=$!
  ip netns exec "$NS_H" python3 "$BATS_TEST_DIRNAME/helpers/dns-responder.py" 10.213.0.1 10.213.0.1 &
  DNSD=$!
}

teardown() {
  [ -n "${HTTPD:-}" ] && kill "$HTTPD" 2> /dev/null
  [ -n "${DNSD:-}" ] && kill "$DNSD" 2> /dev/null
  [ -n "${NS_C:-}" ] && { ip netns del "$NS_C"; rm -rf "/etc/netns/$NS_C"; }
  [ -n "${NS_H:-}" ] && ip netns del "$NS_H"
  remove_test_users
  common_teardown
}

# is_pasta PID: PID is (still) a pasta (which re-executes itself as passt.avx2),
# not a zombie waiting for its reaper
is_pasta() {
  ! dead "$1" && grep -qE '^(pasta|passt)' "/proc/$1/comm" 2> /dev/null
}

# pastas still running for state dir $1
pastas_of() {
  local f
  for f in "$1"/*/pasta.pid; do [ -e "$f" ] && cat "$f"; done
  true
}

@test "usernet: a rootless sandbox with --net user reaches out, resolves through pasta, publishes a port" {
  command -v setpriv > /dev/null || skip "needs setpriv (util-linux)"
  u=$(make_test_user n)
  as_user "$u" unshare -U true 2> /dev/null || skip "unprivileged user namespaces are disabled"
  home=$(getent passwd "$u" | cut -d: -f6)
  as_user "$u" mkdir "$home/www"
  echo inside > "$home/www/index.html"
  ready=$home/ready
  # the sandbox: fetch from outside by address and by name, serve on 8080,
  # wait for the test's request (the file "got" appears), exit 5
  ip netns exec "$NS_C" setpriv --reuid "$(id -u "$u")" --regid "$(id -g "$u")" --clear-groups \
    env -i PATH=/usr/bin:/bin HOME="$home" sh -c "cd $home && '$CASCA' sandbox --net user --publish 18080:8080 -- sh -c '
      cat /etc/resolv.conf
      wget -q -O - http://10.213.0.1:8000/
      wget -q -O - http://outside.test:8000/
      busybox httpd -p 8080 -h www
      touch ready
      for i in \$(seq 100); do [ -e got ] && break; sleep 0.1; done
      exit 5'" > "$BATS_TEST_TMPDIR/out" 2>&1 &
  sandbox=$!
  for _ in $(seq 100); do [ -e "$ready" ] && break; sleep 0.1; done
  [ -e "$ready" ] || { cat "$BATS_TEST_TMPDIR/out"; fail "the sandbox did not come up"; }
  pasta_pid=$(pastas_of "/tmp/casca-$(id -u "$u")")
  [ -n "$pasta_pid" ] || fail "no pasta.pid in the container's state dir"
  assert_regex "$(cat "/proc/$pasta_pid/comm")" '^(pasta|passt)'
  # the published port, from the namespace casca runs in
  run ip netns exec "$NS_C" wget -q -O - http://127.0.0.1:18080/
  assert_output inside
  touch "$home/got"
  wait "$sandbox" || status=$?
  assert_equal "${status:-0}" 5
  run cat "$BATS_TEST_TMPDIR/out"
  assert_line "nameserver 169.254.1.1"
  assert_line --index 1 outside
  assert_line --index 2 outside
  # pasta stopped with the container, nothing left
  ! is_pasta "$pasta_pid" || fail "pasta $pasta_pid still runs"
  [ -z "$(ls -A "/tmp/casca-$(id -u "$u")/@sandbox")" ]
  [ -z "$(find "/tmp/casca-$(id -u "$u")" -mindepth 1 -maxdepth 1 ! -name @cache ! -name @sandbox 2>/dev/null)" ]
}

@test "usernet: as root, a bundle with casca.network mode user; delete stops pasta" {
  make_bundle
  cfg 'c["casca"] = {"network": {"mode": "user", "ports": [{"hostPort": 18081, "containerPort": 8080}]}}
c["process"]["args"] = ["sh", "-c", "cat /etc/resolv.conf; wget -q -O - http://10.213.0.1:8000/; echo inside > /tmp/index.html; httpd -f -p 8080 -h /tmp"]'
  cfg 'c["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]})'
  id=$(cid)
  # (ip netns exec mounts a sysfs of its own, without /sys/fs/cgroup: no cgroup here)
  ip netns exec "$NS_C" "$CASCA" --root "$STATE_ROOT" --cgroup-manager disabled run -d -b "$BUNDLE" "$id" > "$BATS_TEST_TMPDIR/out" 2>&1 < /dev/null
  pasta_pid=$(cat "$STATE_ROOT/$id/pasta.pid")
  assert_regex "$(cat "/proc/$pasta_pid/comm")" '^(pasta|passt)'
  for _ in $(seq 50); do ip netns exec "$NS_C" wget -q -O - http://127.0.0.1:18081/ > "$BATS_TEST_TMPDIR/got" 2>/dev/null && break; sleep 0.1; done
  assert_equal "$(cat "$BATS_TEST_TMPDIR/got")" inside
  run cat "$BATS_TEST_TMPDIR/out"
  assert_line "nameserver 169.254.1.1"
  assert_line outside
  ip netns exec "$NS_C" "$CASCA" --root "$STATE_ROOT" delete --force "$id"
  for _ in $(seq 50); do is_pasta "$pasta_pid" || break; sleep 0.1; done
  ! is_pasta "$pasta_pid" || fail "pasta $pasta_pid still runs after delete"
  [ ! -e "$STATE_ROOT/$id" ]
}

@test "usernet: mode user refuses bridge fields; pasta missing is a clear error, nothing left" {
  make_bundle
  cfg 'c["casca"] = {"network": {"mode": "user", "subnet": "10.1.0.0/24"}}'
  run casca run -b "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial 'casca.network.subnet: only with mode "bridge" (mode "user" takes its address from the helper)'
  cfg 'c["casca"] = {"network": {"mode": "sideways"}}'
  run casca run -b "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial 'casca.network.mode: expected "bridge" or "user"'
  cfg 'c["casca"] = {"network": {"mode": "user"}}; c["process"]["args"] = ["true"]'
  run ip netns exec "$NS_C" env PATH=/nonexistent "$CASCA" --root "$STATE_ROOT" --cgroup-manager disabled run -b "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial "casca.network: mode \"user\" needs pasta, which is not in PATH: install the \`passt\` package"
  [ -z "$(state_ids)" ]
}
