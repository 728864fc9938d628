#!/usr/bin/env bats
# networks.bats - named networks (`casca network`, netns/netobj.c) and the
# choice and checks of subnets.  Same world as network.bats (helpers/
# networld.bash): casca and net-tool run in a stand-in host namespace $H,
# "containers" are namespaces set up by net-tool; private addresses only.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

load helpers/wait
load helpers/networld

CASCA=${CASCA:-$BATS_TEST_DIRNAME/../../build/casca}

# cn ARGS...: `casca network ARGS` in the stand-in host, on the test's state
cn() { inhost "$CASCA" --root "$STATE" network "$@"; }
# netfield NAME KEY: a field of `casca network inspect NAME`
netfield() {
  cn inspect "$1" | python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(" ".join(v) if isinstance(v, list) else v)' "$2"
}
# an interface of the stand-in host holding ADDR (a neighbour's bridge)
neighbour() {
  mkdev "$H" "$1"
  ip -n "$H" addr add "$2" dev "$1"
  ip -n "$H" link set "$1" up
}

# Nothing of network $1 is left: no bridge, no rule, no directory.
assert_net_gone() {
  run inhost ip -o link show "casca-$1"
  assert_failure
  run inhost nft list ruleset
  refute_output --partial "\"casca-net:$1\""
  [ ! -e "$STATE/@networks/$1" ]
}

@test "the default network takes a subnet no host route or address has: podman's, libvirt's, docker's are skipped" {
  neighbour podman0 10.88.0.1/16
  neighbour virbr0 192.168.122.1/24
  neighbour docker0 172.17.0.1/16
  neighbour other0 10.66.3.1/24 # the first /16 casca would take
  echo '{}' | netcfg net
  run setup_ct a net
  assert_success
  assert_line "bridge=casca-default"
  assert_line "address=10.67.0.2/16"
  assert_line "gateway=10.67.0.1"
  run netfield default subnet
  assert_output "10.67.0.0/16"
  run inhost ip -o -4 addr show dev casca-default
  assert_output --partial "10.67.0.1/16"
  # the neighbours are untouched: one address each, no second route to them
  run inhost ip -4 route show 10.88.0.0/16
  assert_output "10.88.0.0/16 dev podman0 proto kernel scope link src 10.88.0.1 "
  run inns "$P-a" busybox ping -c 1 -W 2 10.67.0.1
  assert_success
  run teardown_ct a
  assert_success
  assert_gone a
}

@test "an explicit subnet that overlaps a host route is refused, naming the route; nothing is made" {
  neighbour podman0 10.88.0.1/16
  inhost ip route add 10.50.0.0/16 dev podman0
  echo '{"subnet":"10.88.0.0/24"}' | netcfg inline
  run setup_ct a inline
  assert_failure
  assert_output --partial "casca.network.subnet: 10.88.0.0/24 overlaps the host's route 10.88.0.0/16 dev podman0"
  run inhost ip link show casca0
  assert_failure
  assert_gone a
  run cn create --subnet 10.50.7.0/24 lab
  assert_failure
  assert_output "casca: --subnet: 10.50.7.0/24 overlaps the host's route 10.50.0.0/16 dev podman0 (another network on this host: podman's, libvirt's, docker's?); choose another subnet"
  assert_net_gone lab
  # and one that overlaps another casca network
  run cn create --subnet 10.51.0.0/16 one
  assert_success
  run cn create --subnet 10.51.2.0/24 two
  assert_failure
  assert_output --partial "--subnet: 10.51.2.0/24 overlaps network \`one\` (10.51.0.0/16)"
  assert_net_gone two
  run cn rm one
  assert_success
  assert_net_gone one
}

@test "two configs naming one bridge with different subnets: the second is refused, the bridge keeps one gateway" {
  echo '{"bridge":"br7","subnet":"10.61.0.0/24"}' | netcfg first
  echo '{"bridge":"br7","subnet":"10.62.0.0/24"}' | netcfg second
  echo '{"bridge":"br7","subnet":"10.61.0.0/24"}' | netcfg same
  run setup_ct a first
  assert_success
  run setup_ct b second
  assert_failure
  assert_output --partial "casca.network.subnet: bridge \`br7\` already serves 10.61.0.0/24 (address 10.61.0.1), not 10.62.0.0/24 with gateway 10.62.0.1"
  assert_gone b
  run inhost ip -o -4 addr show dev br7
  assert_output --partial "10.61.0.1/24"
  refute_output --partial "10.62."
  run setup_ct c same
  assert_success
  assert_line "address=10.61.0.3/24"
  run teardown_ct a
  run teardown_ct c
  assert_success
}

@test "network create, ls, inspect; containers join by casca.network.name; rm refused while in use, then removes everything" {
  run cn create web
  assert_success
  assert_output web
  run cn create --subnet 10.70.5.0/24 --gateway 10.70.5.254 --mtu 1400 --internal back
  assert_success
  run cn ls
  assert_success
  assert_line --index 0 --regexp '^NAME +DRIVER +SUBNET +GATEWAY +INTERFACE +CONTAINERS +STATE$'
  assert_line --index 1 --regexp '^back +bridge +10\.70\.5\.0/24 +10\.70\.5\.254 +casca-back +0 +ready internal$'
  assert_line --index 2 --regexp '^web +bridge +10\.90\.0\.0/24 +10\.90\.0\.1 +casca-web +0 +ready$'
  run bash -c "nsenter --net=/run/netns/$H $CASCA --root $STATE network ls --format json |
    python3 -c 'import json,sys; print([(n[\"name\"], n[\"subnet\"], n[\"internal\"], n[\"mtu\"]) for n in json.load(sys.stdin)])'"
  assert_output "[('back', '10.70.5.0/24', True, 1400), ('web', '10.90.0.0/24', False, 0)]"
  # when it was made, as RFC 3339 in UTC
  run netfield web created
  assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
  age=$(($(date -u +%s) - $(date -u -d "$output" +%s)))
  assert [ "$age" -ge 0 ]
  assert [ "$age" -lt 60 ]
  run inhost ip -o link show casca-back
  assert_output --partial "mtu 1400"
  # an address of its own, which ports joining do not change (network.bats)
  run ip netns exec "$H" cat /sys/class/net/casca-back/addr_assign_type
  assert_output 3

  echo '{"name":"web"}' | netcfg web
  echo '{"name":"web","address":"10.90.0.40"}' | netcfg web40
  run setup_ct a web
  assert_success
  assert_line "bridge=casca-web"
  assert_line "address=10.90.0.2/24"
  run setup_ct b web40
  assert_success
  assert_line "address=10.90.0.40/24"
  run inns "$P-a" busybox ping -c 1 -W 2 10.90.0.40
  assert_success
  run netfield web containers
  assert_output "a b"
  [ -e "$STATE/@networks/web/leases/10.90.0.2" ]

  run cn rm web
  assert_failure
  assert_output "casca: network \`web\` is in use by containers \`a\`, \`b\`: delete them first"
  run inhost ip link show casca-web
  assert_success
  run teardown_ct a
  assert_success
  run teardown_ct b
  assert_success
  run cn rm web back
  assert_success
  assert_net_gone web
  assert_net_gone back
  run cn ls -q
  assert_output ""
  run cn inspect web
  assert_failure
  assert_output "casca: network \`web\` does not exist"
  # a network that does not exist is refused at setup
  run setup_ct c web
  assert_failure
  assert_output --partial "network \`web\` does not exist"
  assert_gone c
}

@test "network prune removes the unused networks but default; --help on every verb" {
  local v
  run cn create keep
  run cn create drop
  echo '{"name":"keep"}' | netcfg keep
  echo '{}' | netcfg dflt
  run setup_ct a keep
  assert_success
  run setup_ct d dflt
  assert_success
  run teardown_ct d
  run cn prune
  assert_success
  assert_output "drop"
  run cn ls -q
  assert_output $'default\nkeep'
  assert_net_gone drop
  run teardown_ct a
  run cn prune
  assert_output "keep"
  for v in create ls inspect rm prune; do
    run cn "$v" --help
    assert_success
    assert_output --partial "usage: casca network $v"
  done
  run cn --help
  assert_success
  assert_output --partial "create   create a network"
  run cn create
  assert_failure 2
  run cn create 'bad name'
  assert_failure
  assert_output --partial "invalid network name \"bad name\""
  run cn rm default
  assert_success
  assert_net_gone default
}

@test "network create SIGKILLed at each step: ls shows it, joining is refused, rm (or a new create) finishes the job" {
  local step
  echo '{"name":"k"}' | netcfg k
  for step in network-recorded network-bridge network-made; do
    run inhost "$NET_TOOL" net-create --name k --state "$STATE" --kill-at "$step"
    assert_equal "$status" 137
    run cn ls
    assert_line --regexp '^k +bridge +10\.90\.0\.0/24 .* creating$'
    run setup_ct "c-$step" k
    assert_failure
    assert_output --partial "network \`k\` is incomplete (a killed create or rm): remove it with \`casca network rm k\`"
    run cn rm k
    assert_success
    assert_net_gone k
  done
  # a create over the leftover of a killed one
  run inhost "$NET_TOOL" net-create --name k --state "$STATE" --kill-at network-bridge
  assert_equal "$status" 137
  run cn create k
  assert_success
  run setup_ct c k
  assert_success
  assert_line "address=10.90.0.2/24"
  run teardown_ct c
  assert_success
  run cn rm k
  assert_success
  assert_net_gone k
}

@test "a container's setup on a named network SIGKILLed at each step: teardown frees its lease, rm then works" {
  local step
  run cn create web
  echo '{"name":"web","ports":[{"hostPort":8080,"containerPort":80}]}' | netcfg web
  for step in state ports bridge lease lease-recorded nat veth attach inside; do
    mkns "$P-$step"
    run inhost "$NET_TOOL" setup --config "$BATS_TEST_TMPDIR/web.json" --id "$step" \
      --netns "/run/netns/$P-$step" --state "$STATE" --kill-at "$step"
    assert_equal "$status" 137
    run teardown_ct "$step"
    assert_success
    assert_gone "$step"
    run bash -c "ls '$STATE/@networks/web/leases' | grep '^10\.'"
    assert_failure
  done
  run cn rm web
  assert_success
  assert_net_gone web
}

@test "isolation: a packet between two networks (or a one-off bridge) is dropped, the same network passes; --internal also cuts the outside" {
  local h
  # an outside client, routed through the stand-in host's uplink
  mkns "$P-out"
  ip -n "$H" link add uplink type veth peer name eth0 netns "$P-out"
  ip -n "$H" addr add 192.168.77.1/24 dev uplink
  ip -n "$H" link set uplink up
  ip -n "$P-out" addr add 192.168.77.2/24 dev eth0
  ip -n "$P-out" link set eth0 up
  run cn create --subnet 10.91.1.0/24 red
  assert_success
  run cn create --subnet 10.91.2.0/24 blue
  assert_success
  run cn create --subnet 10.91.3.0/24 --internal vault
  assert_success
  echo '{"name":"red"}' | netcfg red
  echo '{"name":"blue"}' | netcfg blue
  echo '{"name":"vault"}' | netcfg vault
  echo '{"bridge":"br9","subnet":"10.91.9.0/24"}' | netcfg oneoff
  run setup_ct r1 red
  assert_success
  run setup_ct r2 red
  assert_success
  run setup_ct b1 blue
  assert_success
  run setup_ct v1 vault
  assert_success
  run setup_ct o1 oneoff
  assert_success
  # same network passes
  run inns "$P-r1" busybox ping -c 1 -W 2 10.91.1.3
  assert_success
  run inns "$P-v1" busybox ping -c 1 -W 2 10.91.3.1 # its gateway (the host) too
  assert_success
  # between networks, either way, and to/from a one-off bridge casca made: dropped
  run inns "$P-r1" busybox ping -c 1 -W 1 10.91.2.2
  assert_failure
  run inns "$P-b1" busybox ping -c 1 -W 1 10.91.1.2
  assert_failure
  run inns "$P-o1" busybox ping -c 1 -W 1 10.91.1.2
  assert_failure
  run inns "$P-r1" busybox ping -c 1 -W 1 10.91.9.2
  assert_failure
  # the outside: reached from red (masqueraded), not from the internal vault
  run inns "$P-r1" busybox ping -c 1 -W 2 192.168.77.2
  assert_success
  run inns "$P-v1" busybox ping -c 1 -W 1 192.168.77.2
  assert_failure
  run inhost nft list chain inet casca forward
  assert_line --partial 'iifname "casca-red" oifname != "casca-red" oifgroup 828874 ct status ! dnat drop comment "casca-net:red"'
  assert_line --partial 'oifname "casca-vault" iifname != "casca-vault" drop comment "casca-net:vault"'
  # the drops are the isolation rules': without red's and blue's, the ping passes
  for h in $(inhost nft -a list chain inet casca forward |
    sed -n 's/.*casca-net:\(red\|blue\)" # handle \([0-9]*\)$/\2/p'); do
    inhost nft delete rule inet casca forward handle "$h"
  done
  run inns "$P-r1" busybox ping -c 1 -W 2 10.91.2.2
  assert_success
  for h in r1 r2 b1 v1 o1; do teardown_ct "$h"; done
  run cn rm red blue vault
  assert_success
  run inhost nft list chain inet casca forward
  refute_output --partial "casca-net:"
}

# resolve NS NAME: the address NAME has for the DNS server on NS's gateway
resolve() {
  local gw
  gw=$(inns "$1" ip -4 route show default | awk '{print $3}')
  inns "$1" busybox nslookup -type=a "$2" "$gw" 2>&1 | awk '/^Name:/ {f = 1} f && /^Address/ {print $NF; exit}'
}
# resolves_to NS NAME ADDR: NAME resolves to ADDR ("": to nothing) (for wait_until)
resolves_to() {
  local got
  got=$(resolve "$1" "$2")
  [ "$got" = "$3" ] || { echo "$2 resolves to '$got'"; return 1; }
}
dns_pid() { cat "$STATE/@networks/$1/dnsmasq.pid" 2>/dev/null; }

@test "DNS: containers resolve each other by id and hostname; a later one resolves and is resolved; dnsmasq stops with the last" {
  local pid
  command -v dnsmasq >/dev/null || skip "needs dnsmasq (make deps: dnsmasq-base)"
  run cn create --subnet 10.92.0.0/24 app
  assert_success
  echo '{"name":"app"}' | netcfg app
  [ -z "$(dns_pid app)" ]
  mkdir -p "$BATS_TEST_TMPDIR/etc-a"
  mkns "$P-a"
  run inhost "$NET_TOOL" setup --config "$BATS_TEST_TMPDIR/app.json" --id a --hostname web1 \
    --netns "/run/netns/$P-a" --state "$STATE" --etc "$BATS_TEST_TMPDIR/etc-a"
  assert_success
  assert_line "nameserver=10.92.0.1"
  run cat "$BATS_TEST_TMPDIR/etc-a/resolv.conf"
  assert_output "nameserver 10.92.0.1"
  pid=$(dns_pid app)
  [ -n "$pid" ]
  [ "$(cat "/proc/$pid/comm")" = dnsmasq ]
  # it listens on the gateway, in the stand-in host
  run inhost ss -lnu
  assert_output --partial "10.92.0.1:53"
  run setup_ct b app
  assert_success
  run resolve "$P-a" b
  assert_output 10.92.0.3
  run resolve "$P-b" a
  assert_output 10.92.0.2
  run resolve "$P-b" web1
  assert_output 10.92.0.2
  # a container that comes later: resolvable at once, nobody restarted
  mkns "$P-c"
  run inhost "$NET_TOOL" setup --config "$BATS_TEST_TMPDIR/app.json" --id c --hostname cache1 \
    --netns "/run/netns/$P-c" --state "$STATE"
  assert_success
  # (dnsmasq reads the new hosts file on inotify, a moment after the setup;
  # a wait that once ran out here was the bridge's MAC changing under a's
  # ARP cache as c's port joined: network.bats, "keeps its MAC")
  wait_until resolves_to "$P-a" cache1 10.92.0.4
  run resolve "$P-a" cache1
  assert_output 10.92.0.4
  run resolve "$P-c" b
  assert_output 10.92.0.3
  [ "$(dns_pid app)" = "$pid" ]
  # one leaves: its names go, the server stays
  run teardown_ct b
  assert_success
  wait_until resolves_to "$P-a" b ""
  run resolve "$P-a" b
  assert_output ""
  [ "$(dns_pid app)" = "$pid" ]
  # the last leaves: dnsmasq stops
  run teardown_ct a
  run teardown_ct c
  assert_success
  [ ! -e "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status"
  [ ! -e "$STATE/@networks/app/dnsmasq.pid" ]
  run cn rm app
  assert_success
  assert_net_gone app
}

@test "DNS: --no-dns runs no dnsmasq and keeps the host's resolvers; a config's dns.servers win over the network's" {
  command -v dnsmasq >/dev/null || skip "needs dnsmasq (make deps: dnsmasq-base)"
  run cn create --no-dns quiet
  assert_success
  run cn create --subnet 10.93.0.0/24 loud
  echo '{"name":"quiet"}' | netcfg quiet
  echo '{"name":"loud","dns":{"servers":["192.0.2.53"],"search":["example.internal"]}}' | netcfg own
  mkdir -p "$BATS_TEST_TMPDIR/etc-q" "$BATS_TEST_TMPDIR/etc-o"
  mkns "$P-q"
  run inhost "$NET_TOOL" setup --config "$BATS_TEST_TMPDIR/quiet.json" --id q \
    --netns "/run/netns/$P-q" --state "$STATE" --etc "$BATS_TEST_TMPDIR/etc-q"
  assert_success
  refute_line --partial "nameserver="
  [ ! -e "$STATE/@networks/quiet/dnsmasq.pid" ]
  run grep -c "nameserver 10.90" "$BATS_TEST_TMPDIR/etc-q/resolv.conf"
  assert_output 0
  mkns "$P-o"
  run inhost "$NET_TOOL" setup --config "$BATS_TEST_TMPDIR/own.json" --id o \
    --netns "/run/netns/$P-o" --state "$STATE" --etc "$BATS_TEST_TMPDIR/etc-o"
  assert_success
  run cat "$BATS_TEST_TMPDIR/etc-o/resolv.conf"
  assert_line "nameserver 192.0.2.53"
  refute_line "nameserver 10.93.0.1"
  teardown_ct q
  teardown_ct o
}

# unreachable NS ADDR: from namespace NS, ADDR does not answer a ping
unreachable() {
  if inns "$1" busybox ping -c 1 -W 1 "$2" > /dev/null 2>&1; then
    echo "$2 still answers from $1"
    return 1
  fi
}

# lan_network DRIVER: containers on a DRIVER network get their own address on
# the parent's LAN, reachable from another machine there
lan_network() {
  local drv=$1 lan=$P-$1 i
  # the parent: one end of a veth in the stand-in host, the other end
  # is another machine on that LAN (namespace $lan, the router .1)
  mkns "$lan"
  ip -n "$H" link add "${drv:0:3}lan0" type veth peer name eth0 netns "$lan"
  ip -n "$H" addr add 192.168.50.5/24 dev "${drv:0:3}lan0"
  ip -n "$H" link set "${drv:0:3}lan0" up
  ip -n "$lan" addr add 192.168.50.1/24 dev eth0
  ip -n "$lan" link set eth0 up
  run cn create --driver "$drv" --parent "${drv:0:3}lan0" --subnet 192.168.50.0/24 \
    --gateway 192.168.50.1 "lan-$drv"
  assert_success
  run cn inspect "lan-$drv"
  assert_output --partial "\"driver\": \"$drv\""
  assert_output --partial "\"mode\": \"$([ "$drv" = macvlan ] && echo bridge || echo l2)\""
  echo "{\"name\":\"lan-$drv\"}" | netcfg "$drv"
  run setup_ct "$drv-1" "$drv"
  assert_success
  assert_line "address=192.168.50.2/24"
  run setup_ct "$drv-2" "$drv"
  assert_success
  assert_line "address=192.168.50.3/24" # .5 is the parent's own: never leased
  run inns "$P-$drv-1" ip -d -o link show eth0
  assert_output --partial "$drv"
  run inns "$P-$drv-1" ip -4 route show default
  assert_output --partial "via 192.168.50.1 dev eth0"
  # the other machine on the LAN reaches both; they reach each other
  for i in 2 3; do
    run inns "$lan" busybox ping -c 1 -W 2 "192.168.50.$i"
    assert_success
  done
  run inns "$P-$drv-1" busybox ping -c 1 -W 2 192.168.50.3
  assert_success
  # no bridge, no veth, no NAT rule in the host
  run inhost ip -o link show type bridge
  refute_output --partial "lan-$drv"
  run inhost nft list ruleset
  refute_output --partial "casca-net:lan-$drv"
  run cn create --driver "$drv" --parent "${drv:0:3}lan0" --subnet 192.168.50.0/24 --dns x
  assert_failure
  run teardown_ct "$drv-1"
  assert_success
  run teardown_ct "$drv-2"
  assert_success
  # the interface goes with the container's namespace (the kernel cleans
  # a deleted namespace up in the background: under load the address
  # answered once more, 1 s after `ip netns del`)
  ip netns del "$P-$drv-1"
  wait_until unreachable "$lan" 192.168.50.2
  run cn rm "lan-$drv"
  assert_success
  [ ! -e "$STATE/@networks/lan-$drv" ]
}

@test "macvlan: containers get their own address on the parent's LAN, reachable from another machine there" {
  lan_network macvlan
  run cn create --driver macvlan --subnet 192.168.51.0/24 nop
  assert_failure
  assert_output "casca: --parent: required for the macvlan driver"
  run cn create --driver macvlan --parent nosuch0 --subnet 192.168.51.0/24 nop
  assert_failure
  assert_output --partial "--parent: interface \`nosuch0\`"
  [ ! -e "$STATE/@networks/nop" ]
}

# bats test_tags=vm
@test "ipvlan: containers get their own address on the parent's LAN, reachable from another machine there" {
  ip -n "$H" link add probe0 type veth peer name probe1
  ip -n "$H" link add probe2 link probe0 type ipvlan mode l2 2>/dev/null ||
    skip "this kernel has no ipvlan driver (CONFIG_IPVLAN)"
  ip -n "$H" link del probe0
  lan_network ipvlan
}
