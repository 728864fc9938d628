#!/usr/bin/env bats
# network-cli.bats - casca's built-in networking through the real CLI
# (create/run/delete with "casca"."network" and linux.netDevices).
#
# Every test makes its own stand-in host: a network namespace $H (ip netns
# add) in which casca runs (nsenter --net), so the bridge, the nftables table,
# the ip_forward/route_localnet writes and the host ends of the veths all
# live there and never on the machine.  An "outside" client is one more
# namespace $O attached to $H by a veth.  Private addresses only, only
# inside those namespaces; teardown deletes every container and namespace.
# `ip`/`nft` here only build the outside world and observe.

load helpers/casca
load helpers/netclean

UDP=$BATS_TEST_DIRNAME/helpers/udp-echo.py

setup() {
  common_setup
  command -v nft >/dev/null || skip "needs nft (nftables) to observe the rules"
  P=cc$$t${BATS_TEST_NUMBER}
  H=$P-host
  O=$P-out
  NSLIST=$BATS_TEST_TMPDIR/namespaces
  PIDFILES=$BATS_TEST_TMPDIR/pidfiles
  : >"$NSLIST"
  : >"$PIDFILES"
  mkns "$H"
  ip -n "$H" link set lo up
}

teardown() {
  local d id ns p left=""
  [ -n "${NSLIST:-}" ] || return 0 # setup skipped before making anything
  # Delete inside $H: a teardown outside it would look at the machine's
  # nftables, not the stand-in's.
  for d in "$STATE_ROOT"/*/; do
    [ -d "$d" ] || continue
    id=$(basename "$d")
    case "$id" in @ipam | @cache | @networks) continue ;; esac
    left="$left $id"
    inhost "$CASCA" --root "$STATE_ROOT" delete --force "$id" >/dev/null 2>&1 || true
  done
  while read -r p; do
    if [ -s "$p" ]; then kill "$(cat "$p")" 2>/dev/null || true; fi
  done <"$PIDFILES"
  # a network's dnsmasq outlives the namespace it listens in
  for p in "$STATE_ROOT"/@networks/*/dnsmasq.pid; do
    if [ -s "$p" ]; then kill "$(cat "$p")" 2>/dev/null || true; fi
  done
  while read -r ns; do ip netns del "$ns" 2>/dev/null || true; done <"$NSLIST"
  [ -z "$left" ] || { echo "left behind: state for$left" >&2; return 1; }
  p=$(leftover_mounts)
  [ -z "$p" ] || { echo "left behind: mounts $p" >&2; return 1; }
}

# (a file, not an array: `run` calls helpers in a subshell)
mkns() { echo "$1" >>"$NSLIST"; ip netns add "$1"; }
inhost() { nsenter --net="/run/netns/$H" "$@"; }
inns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
# casca runs in the stand-in host (helpers/casca's run_bg uses this too)
casca() { inhost "$CASCA" --root "$STATE_ROOT" "$@"; }

# mkdev NAME: a virtual device in $H; dummy, or ifb where the kernel has no
# dummy driver (CONFIG_DUMMY=n on some CI kernels)
mkdev() {
  ip -n "$H" link add "$1" type dummy 2>/dev/null || ip -n "$H" link add "$1" type ifb ||
    skip "neither the dummy nor the ifb driver is available"
}

# outside: namespace $O, eth0 192.168.77.2/24, attached to $H's uplink
# 192.168.77.1/24 and routed through it
outside() {
  mkns "$O"
  ip -n "$H" link add uplink type veth peer name eth0 netns "$O"
  ip -n "$H" addr add 192.168.77.1/24 dev uplink
  ip -n "$H" link set uplink up
  ip -n "$O" link set lo up
  ip -n "$O" addr add 192.168.77.2/24 dev eth0
  ip -n "$O" link set eth0 up
  ip -n "$O" route add default via 192.168.77.1
}

# netbundle DIR [NETWORK_JSON]: a bundle from `casca spec --hardened --network bridge`
# with casca.network replaced (when given), CAP_NET_RAW (busybox ping needs
# a raw socket) and a writable root
netbundle() {
  BUNDLE=${1:-$BATS_TEST_TMPDIR/bundle}
  mkdir -p "$BUNDLE"
  make_busybox_rootfs "$BUNDLE/rootfs"
  "$CASCA" spec --hardened --network bridge --bundle "$BUNDLE"
  host_lane_devices
  cfg "
c['root']['readonly'] = False
for s in c['process']['capabilities'].values(): s.append('CAP_NET_RAW')
net = '''${2:-}'''
if net: c['casca']['network'] = json.loads(net)
"
}

ct_pid() { state_field "$1" pid; }

# answers WANT CMD...: CMD prints WANT on stdout (else says what it printed)
answers() {
  local want=$1 got
  shift
  got=$("$@" 2>/dev/null)
  [ "$got" = "$want" ] && return 0
  echo "$* printed \"$got\", not \"$want\""
  return 1
}
# in_ct ID CMD...: run CMD in the container's network and mount namespaces
in_ct() { local id=$1; shift; nsenter -t "$(ct_pid "$id")" -n -m "$@"; }

@test "spec --network bridge writes casca.network (the network default) and a network namespace; --help says so" {
  mkdir -p "$BATS_TEST_TMPDIR/b"
  "$CASCA" spec --network bridge --bundle "$BATS_TEST_TMPDIR/b"
  run python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
n = c["casca"]["network"]
print(n["name"], n["interface"], n["ports"], sorted(n))
print([x for x in c["linux"]["namespaces"] if x["type"] == "network"])
' "$BATS_TEST_TMPDIR/b/config.json"
  assert_success
  assert_line --index 0 "default eth0 [] ['interface', 'name', 'ports']"
  assert_line --index 1 "[{'type': 'network'}]"
  mkdir -p "$BATS_TEST_TMPDIR/n"
  "$CASCA" spec --bundle "$BATS_TEST_TMPDIR/n"
  run python3 -c 'import json,sys; print("casca" in json.load(open(sys.argv[1])))' "$BATS_TEST_TMPDIR/n/config.json"
  assert_output False
  run "$CASCA" spec --help
  assert_success
  assert_output --partial "--network MODE"
  assert_output --partial "bridge"
  run "$CASCA" spec --network bridge --rootless --bundle "$BATS_TEST_TMPDIR/r"
  assert_failure
  assert_output --partial "not with rootless"
  run "$CASCA" spec --network wifi --bundle "$BATS_TEST_TMPDIR/w"
  assert_failure 2
}

@test "two containers on the bridge ping each other and the gateway; MTU and MAC as configured" {
  local a b c ip_a ip_b
  a=$(cid a) b=$(cid b) c=$(cid c)
  netbundle "$BATS_TEST_TMPDIR/a" '{"subnet": "10.88.0.0/24", "mtu": 1400, "mac": "02:00:00:aa:bb:01"}'
  args sleep 1000
  run_bg run -d -b "$BUNDLE" "$a"
  assert_success
  netbundle "$BATS_TEST_TMPDIR/b" '{"subnet": "10.88.0.0/24"}'
  args sleep 1000
  run_bg run -d -b "$BUNDLE" "$b"
  assert_success

  ip_a=$(in_ct "$a" ip -4 -o addr show dev eth0 | awk '{print $4}')
  ip_b=$(in_ct "$b" ip -4 -o addr show dev eth0 | awk '{print $4}')
  assert_regex "$ip_a" '^10\.88\.0\..*/24$'
  assert_regex "$ip_b" '^10\.88\.0\..*/24$'
  assert_not_equal "$ip_a" "$ip_b"
  run in_ct "$a" ping -c 1 -W 2 "${ip_b%/*}"
  assert_success
  run in_ct "$b" ping -c 1 -W 2 "${ip_a%/*}"
  assert_success
  run in_ct "$a" ping -c 1 -W 2 10.88.0.1
  assert_success
  run in_ct "$b" ping -c 1 -W 2 10.88.0.1
  assert_success

  # MTU, MAC, address and route read by a container's own process
  netbundle "$BATS_TEST_TMPDIR/c" '{"subnet": "10.88.0.0/24", "mtu": 1400, "mac": "02:00:00:aa:bb:02", "interface": "net0"}'
  args sh -c 'cat /sys/class/net/net0/mtu /sys/class/net/net0/address; ip -4 -o addr show dev net0; ip route; ping -c 1 -W 2 10.88.0.1 >/dev/null && echo gateway-ok'
  run casca run -b "$BUNDLE" "$c"
  assert_success
  assert_line --index 0 1400
  assert_line --index 1 02:00:00:aa:bb:02
  assert_output --regexp 'net0 +inet 10\.88\.0\.[0-9]+/24'
  assert_output --partial "default via 10.88.0.1 dev net0"
  assert_output --partial gateway-ok
  assert_clean "$c"

  # the host side: state says network, list shows no `@ipam`
  run python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["network"])' "$STATE_ROOT/$a/state.json"
  assert_output True
  run casca list -q
  assert_success
  refute_output --partial ipam
  run casca delete --force "$a"
  assert_success
  assert_clean "$a"
  run casca delete --force "$b"
  assert_success
  assert_clean "$b"
  # the bridge stays for the next container
  inhost ip link show casca0 >/dev/null
}

@test "published TCP and UDP ports answer from the stand-in host and an outside namespace" {
  local id
  id=$(cid)
  outside
  netbundle "" '{"subnet": "10.88.0.0/24", "ports": [
    {"hostPort": 8080, "containerPort": 80, "protocol": "tcp"},
    {"hostPort": 5353, "containerPort": 53, "protocol": "udp"}]}'
  # busybox nc serves TCP; busybox has no UDP server, so the UDP one is
  # udp-echo.py run by the host's python from a read-only bind of /usr
  ln -s usr/lib "$BUNDLE/rootfs/lib"
  ln -s usr/lib64 "$BUNDLE/rootfs/lib64"
  cfg "
c['mounts'].append({'destination': '/usr', 'type': 'bind', 'source': '/usr', 'options': ['rbind', 'ro']})
c['mounts'].append({'destination': '/helpers', 'type': 'bind', 'source': '$BATS_TEST_DIRNAME/helpers', 'options': ['bind', 'ro']})
"
  args sh -c 'nc -ll -p 80 -e echo tcp-ok & exec /usr/bin/python3 /helpers/udp-echo.py serve 53'
  run_bg run -d -b "$BUNDLE" "$id"
  assert_success

  tcp() { answers tcp-ok inns "$1" busybox nc -w 2 "$2" "$3"; }
  udp() { answers udp-ping inns "$1" python3 "$UDP" ask "$2" "$3"; }
  wait_until --interval 0.2 tcp "$H" 192.168.77.1 8080
  wait_until --interval 0.2 udp "$H" 192.168.77.1 5353
  # from the stand-in host: its own address and loopback
  tcp "$H" 192.168.77.1 8080
  tcp "$H" 127.0.0.1 8080
  udp "$H" 192.168.77.1 5353
  udp "$H" 127.0.0.1 5353
  # from outside, through the stand-in host's uplink
  tcp "$O" 192.168.77.1 8080
  udp "$O" 192.168.77.1 5353
  # the stand-in host forwards (casca wrote its ip_forward)
  run inhost cat /proc/sys/net/ipv4/ip_forward
  assert_output 1
  run inhost nft list ruleset
  assert_output --partial "\"casca:$id\""

  run casca delete --force "$id"
  assert_success
  assert_clean "$id"
  run tcp "$O" 192.168.77.1 8080
  assert_failure
}

@test "a hostPort another container publishes is refused, naming the port and its owner; nothing is left" {
  local id1 id2
  id1=$(cid one)
  id2=$(cid two)
  tcp() { answers "$1" inns "$H" busybox nc -w 2 127.0.0.1 8080; }
  netbundle "$BATS_TEST_TMPDIR/b1" '{"subnet": "10.88.0.0/24", "ports": [{"hostPort": 8080, "containerPort": 80}]}'
  args sh -c 'exec nc -ll -p 80 -e echo one'
  run_bg run -d -b "$BUNDLE" "$id1"
  assert_success
  wait_until --interval 0.2 tcp one
  # the same hostPort/protocol/hostIP (any) behind another entry
  netbundle "$BATS_TEST_TMPDIR/b2" '{"subnet": "10.88.0.0/24", "ports": [
    {"hostPort": 9090, "containerPort": 90, "protocol": "udp"},
    {"hostPort": 8080, "containerPort": 80}]}'
  args sh -c 'exec nc -ll -p 80 -e echo two'
  run_bg create -b "$BUNDLE" "$id2"
  assert_failure
  assert_output --partial "casca.network.ports[1].hostPort: 8080/tcp is already published by container \`$id1\`"
  assert_clean "$id2"
  # the first container still gets the port
  tcp one
  # on another protocol the port is free
  netbundle "$BATS_TEST_TMPDIR/b3" '{"subnet": "10.88.0.0/24", "ports": [{"hostPort": 8080, "containerPort": 80, "protocol": "udp"}]}'
  args true
  run_bg create -b "$BUNDLE" "$(cid udp)"
  assert_success
  casca delete --force "$(cid udp)"
  # once the first container is deleted, the second gets it
  casca delete --force "$id1"
  assert_clean "$id1"
  run_bg run -d -b "$BATS_TEST_TMPDIR/b2" "$id2"
  assert_success
  wait_until --interval 0.2 tcp two
  casca delete --force "$id2"
  assert_clean "$id2"
}

@test "after a SIGKILLed create, delete --force removes the veth, the rules, the lease and returns the netDevice" {
  local id cpid
  id=$(cid)
  mkdev cdum0
  ip -n "$H" addr add 10.99.0.5/24 dev cdum0
  ip -n "$H" link set cdum0 up
  netbundle "" '{"subnet": "10.88.0.0/24", "ports": [{"hostPort": 8080, "containerPort": 80}]}'
  printf '#!/bin/sh\necho $$ > %s/hook.pid\nexec /bin/sleep 60\n' "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/hook.sh"
  echo "$BATS_TEST_TMPDIR/hook.pid" >>"$PIDFILES"
  cfg "
c['hooks'] = {'createRuntime': [{'path': '/bin/sh', 'args': ['sh', '$BATS_TEST_TMPDIR/hook.sh']}]}
c['linux']['netDevices'] = {'cdum0': {'name': 'net1'}}
"
  args sleep 1000
  casca create -b "$BUNDLE" "$id" >"$BATS_TEST_TMPDIR/create.out" 2>&1 </dev/null &
  cpid=$!
  wait_until test -s "$BATS_TEST_TMPDIR/hook.pid" || { cat "$BATS_TEST_TMPDIR/create.out"; false; }
  # the hook runs with the network built: all of it exists now
  run inhost ip -o link show
  assert_output --partial " $(veth_of "$id")@"
  refute_output --partial cdum0
  run inhost nft list ruleset
  assert_output --partial "\"casca:$id\""
  run grep -rlx -- "$id" "$STATE_ROOT/@ipam"
  assert_success

  kill -KILL "$cpid"
  wait "$cpid" || true
  kill "$(cat "$BATS_TEST_TMPDIR/hook.pid")"
  run casca delete --force "$id"
  assert_success
  assert_clean "$id"
  # the dummy is back in the stand-in host, with its address
  run ip -n "$H" -o addr show dev cdum0
  assert_success
  assert_output --partial "10.99.0.5/24"
}

@test "a runtime SIGKILLed at each step of a networked create: delete --force leaves nothing" {
  local id step steps=$CASCA_BUILD/tests/casca-steps
  [ -x "$steps" ] || fail "$steps is missing: make tests builds it"
  netbundle "" '{"subnet": "10.88.0.0/24", "ports": [{"hostPort": 8080, "containerPort": 80}]}'
  args sleep 1000
  # the steps of tests/integration/crash.bats, with network (casca.network
  # built, the init waiting) in its place between pid and hooks
  for step in state fifo clone pid network hooks ready; do
    id=$(cid "$step")
    status=0
    CASCA_TEST_KILL_AT=$step inhost "$steps" --root "$STATE_ROOT" run -d -b "$BUNDLE" "$id" \
      >"$BATS_TEST_TMPDIR/steps.out" 2>&1 </dev/null || status=$?
    assert_equal "$status" 137
    if [ "$step" = network ]; then
      # the network was built when the runtime died there (the veth went
      # with the init's network namespace; the rules and the lease stay)
      run inhost nft list ruleset
      assert_output --partial "\"casca:$id\""
      run grep -rlx -- "$id" "$STATE_ROOT/@ipam"
      assert_success
    fi
    run casca list -q
    assert_line "$id"
    run casca delete --force "$id"
    assert_success
    assert_clean "$id"
    # the port and the address are free again
    run_bg run -d -b "$BUNDLE" "$id"
    assert_success
    casca delete --force "$id"
    assert_clean "$id"
  done
}

@test "a container given an orchestrator's network namespace by path gets no casca interfaces" {
  local id ns=$P-orch
  id=$(cid)
  mkns "$ns"
  netbundle "" '{"subnet": "10.88.0.0/24"}'
  cfg "
for n in c['linux']['namespaces']:
    if n['type'] == 'network': n['path'] = '/run/netns/$ns'
"
  printf '127.0.0.1 localhost bundle-hosts\n' >"$BUNDLE/rootfs/etc/hosts"
  args sh -c 'ls /sys/class/net; cat /etc/hosts; ls /etc'
  run casca run -b "$BUNDLE" "$id"
  assert_success
  assert_line --index 0 lo
  refute_output --partial eth0
  # the rootfs's own /etc/hosts, and no hostname or resolv.conf from casca
  assert_line --index 1 "127.0.0.1 localhost bundle-hosts"
  refute_output --partial resolv.conf
  run ip -n "$ns" -o link show
  assert_output --partial "lo:"
  refute_output --partial "eth0"
  run inhost ip -o link show
  refute_output --partial casca0
  refute_output --regexp ' cv[0-9a-f]{8}[@:]'
  run inhost nft list ruleset
  refute_output --partial casca
  assert [ ! -d "$STATE_ROOT/@ipam" ]
}

@test "linux.netDevices: a dummy interface moves in renamed, with its address, and back on delete" {
  local id
  id=$(cid)
  mkdev cdum1
  ip -n "$H" addr add 10.99.1.5/24 dev cdum1
  ip -n "$H" link set cdum1 up
  make_bundle
  cfg "c['linux']['netDevices'] = {'cdum1': {'name': 'net1'}}"
  args sleep 1000
  run_bg run -d -b "$BUNDLE" "$id"
  assert_success
  run in_ct "$id" ip -o addr show dev net1
  assert_success
  assert_output --partial "10.99.1.5/24"
  run in_ct "$id" cat /sys/class/net/net1/operstate
  refute_output down
  run ip -n "$H" link show cdum1
  assert_failure
  run casca delete --force "$id"
  assert_success
  run ip -n "$H" -o addr show dev cdum1
  assert_success
  assert_output --partial "10.99.1.5/24"

  # a foreground run: the init is gone before the delete, the device comes back
  args sh -c 'ip -o addr show dev net1'
  run casca run -b "$BUNDLE" "$id"
  assert_success
  assert_output --partial "10.99.1.5/24"
  run ip -n "$H" -o addr show dev cdum1
  assert_success
  assert_output --partial "10.99.1.5/24"
  assert_equal "$(leftover_mounts)" ""
}

@test "/etc/hostname, /etc/hosts and /etc/resolv.conf inside, read-only; the bundle's own wins" {
  local id
  id=$(cid)
  netbundle "" '{"subnet": "10.88.0.0/24", "address": "10.88.0.20/24",
    "dns": {"servers": ["10.88.0.1"], "search": ["example.internal"], "options": ["ndots:2"]},
    "hosts": [{"ip": "10.88.0.50", "names": ["db", "db.internal"]}]}'
  cfg "c['hostname'] = 'web1'"
  args sh -c 'echo "== hostname"; hostname; cat /etc/hostname; echo "== hosts"; cat /etc/hosts; echo "== resolv"; cat /etc/resolv.conf; echo x 2>/dev/null >/etc/hosts || echo hosts-read-only'
  run casca run -b "$BUNDLE" "$id"
  assert_success
  assert_line --index 1 web1
  assert_line --index 2 web1
  assert_line --regexp '^127\.0\.0\.1[[:space:]]+localhost$'
  assert_line --regexp '^10\.88\.0\.20[[:space:]]+web1$'
  assert_line --regexp '^10\.88\.0\.50[[:space:]]+db db\.internal$'
  assert_line "nameserver 10.88.0.1"
  assert_line "search example.internal"
  assert_line "options ndots:2"
  assert_line hosts-read-only
  assert_clean "$id"

  # a bundle that mounts its own resolv.conf keeps it
  printf 'nameserver 10.88.0.99\n' >"$BATS_TEST_TMPDIR/resolv.conf"
  cfg "c['mounts'].append({'destination': '/etc/resolv.conf', 'type': 'bind', 'source': '$BATS_TEST_TMPDIR/resolv.conf', 'options': ['bind', 'ro']})"
  args cat /etc/resolv.conf /etc/hostname
  run casca run -b "$BUNDLE" "$id"
  assert_success
  assert_line --index 0 "nameserver 10.88.0.99"
  assert_line --index 1 web1
  assert_clean "$id"
}

@test "a container in its own user namespace gets its network and the /etc files" {
  local id
  id=$(cid)
  netbundle "" '{"subnet": "10.88.0.0/24"}'
  chown -R 100000:100000 "$BUNDLE/rootfs"
  # the mapped root must be able to reach the rootfs
  chmod o+x "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR" "$BUNDLE"
  cfg "
c['hostname'] = 'userns1'
c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
"
  args sh -c 'cat /proc/self/uid_map; cat /etc/hostname; grep userns1 /etc/hosts; ip -4 -o addr show dev eth0; ping -c 1 -W 2 10.88.0.1 >/dev/null && echo gateway-ok'
  run casca run -b "$BUNDLE" "$id"
  assert_success
  assert_line --regexp '^ +0 +100000 +65536$'
  assert_line --index 1 userns1
  assert_line --regexp '^10\.88\.0\.[0-9]+[[:space:]]+userns1$'
  assert_output --regexp 'eth0 +inet 10\.88\.0\.[0-9]+/24'
  assert_line gateway-ok
  assert_clean "$id"
}

@test "a bad casca.network fails create with the JSON path and leaves nothing" {
  local id
  id=$(cid)
  netbundle "" '{"subnet": "10.88.0.0/33"}'
  args true
  run_bg create -b "$BUNDLE" "$id"
  assert_failure
  assert_output --partial "casca.network.subnet"
  assert [ ! -e "$STATE_ROOT/$id" ]
  run inhost ip -o link show
  refute_output --partial casca0
  run inhost nft list ruleset
  refute_output --partial casca

  # valid, but failing half-way (a netDevice that does not exist): what the
  # network setup made before is removed again
  netbundle "$BATS_TEST_TMPDIR/b2" '{"subnet": "10.88.0.0/24", "ports": [{"hostPort": 8080, "containerPort": 80}]}'
  cfg "c['linux']['netDevices'] = {'nosuchdev0': {}}"
  args true
  run_bg create -b "$BUNDLE" "$id"
  assert_failure
  assert_output --partial "linux.netDevices \`nosuchdev0\`"
  assert_clean "$id"
}

@test "spec --network bridge joins the network default, made on first use; network rm is refused while the container exists" {
  local id
  id=$(cid d)
  netbundle ""
  args sleep 1000
  run_bg run -d -b "$BUNDLE" "$id"
  assert_success
  run casca network inspect default
  assert_success
  assert_output --partial '"subnet": "10.66.0.0/16"'
  assert_output --partial "\"$id\""
  run in_ct "$id" ip -4 -o addr show dev eth0
  assert_output --partial "10.66.0.2/16"
  run in_ct "$id" ping -c 1 -W 2 10.66.0.1
  assert_success
  if command -v dnsmasq >/dev/null; then
    # the network's dnsmasq, on the gateway, answers for the container's id
    run in_ct "$id" cat /etc/resolv.conf
    assert_output "nameserver 10.66.0.1"
    run in_ct "$id" nslookup -type=a "$id" 10.66.0.1
    assert_output --partial "Address: 10.66.0.2"
  fi
  run inhost ip -o link show master casca-default
  assert_output --partial "$(veth_of "$id")"
  run casca network rm default
  assert_failure
  assert_output "casca: network \`default\` is in use by container \`$id\`: delete it first"
  casca delete --force "$id"
  assert_clean "$id"
  run casca network rm default
  assert_success
  run inhost ip link show casca-default
  assert_failure
  [ ! -e "$STATE_ROOT/@networks/default" ]
}

@test "ping works without CAP_NET_RAW (net.ipv4.ping_group_range inside); a config's linux.sysctl still wins" {
  netbundle "" '{"subnet": "10.88.0.0/24"}'
  cfg "
for s in c['process']['capabilities'].values():
    while 'CAP_NET_RAW' in s: s.remove('CAP_NET_RAW')
"
  cp "$CASCA_BUILD/tests/icmp-probe" "$BUNDLE/rootfs/bin/icmp-probe"
  args sh -c 'cat /proc/sys/net/ipv4/ping_group_range; grep CapEff /proc/self/status; icmp-probe 10.88.0.1'
  run casca run -b "$BUNDLE" "$(cid)"
  assert_success
  assert_line --index 0 --regexp '^0[[:space:]]+2147483647$'
  assert_line "CapEff:	0000000020000420" # no CAP_NET_RAW (bit 13)
  assert_line "echo-reply from 10.88.0.1"
  # what the kernel does without it: the container's own value "1 0"
  cfg "c['linux']['sysctl'] = {'net.ipv4.ping_group_range': '1 0'}"
  run casca run -b "$BUNDLE" "$(cid 2)"
  assert_line --index 0 --regexp '^1[[:space:]]+0$'
  assert_line "socket: Permission denied"
  refute_output --partial echo-reply
}

@test "a published port on [::1] is refused at create with a clear error; nothing is left" {
  local id
  id=$(cid)
  netbundle "" '{"subnet": "10.88.0.0/24", "ipv6": {"subnet": "fd88::/64"},
    "ports": [{"hostPort": 8080, "containerPort": 80, "hostIP": "::1"}]}'
  run casca run -d -b "$BUNDLE" "$id"
  assert_failure
  assert_output --partial "casca.network.ports[0].hostIP: ::1 cannot be published: the kernel never routes IPv6 loopback traffic to another interface"
  assert_clean "$id"
  run inhost ip link show casca0
  assert_failure
}

@test "delete --force that cannot undo the network fails, keeps the state, and a retry finishes" {
  local id
  id=$(cid)
  netbundle "" '{"subnet": "10.88.0.0/24"}'
  args sleep 1000
  casca run -d -b "$BUNDLE" "$id" </dev/null
  run grep -rlx -- "$id" "$STATE_ROOT/@ipam"
  assert_success
  # the lease directory read-only for this one delete (a private mount
  # namespace): the lease cannot be released
  run inhost unshare -m sh -c 'mount --bind -o ro "$1" "$1" && exec "$2" --root "$3" delete --force "$4"' \
    sh "$STATE_ROOT/@ipam" "$CASCA" "$STATE_ROOT" "$id"
  assert_failure
  assert_output --partial "run \`casca delete --force $id\` again"
  assert_output --partial "Read-only file system"
  # still there to retry: the state and what network.json records
  [ -e "$STATE_ROOT/$id/network.json" ]
  run grep -rlx -- "$id" "$STATE_ROOT/@ipam"
  assert_success
  run casca list
  assert_output --partial "$id"
  run casca delete --force "$id"
  assert_success
  assert_clean "$id"
}
