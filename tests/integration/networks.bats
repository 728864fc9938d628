#!/usr/bin/env bats
# networks.bats - named networks (`casca network`, netns/netobj.c) and the
# choice and checks of subnets.  Same world as network.bats (helpers/
# networld.bash): casca and net-tool run in a stand-in host namespace $H,
# "containers" are namespaces set up by net-tool; private addresses only.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

load helpers/networld

# netfield NAME KEY: a field of network NAME's definition
netfield() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$STATE/@networks/$1/network.json" "$2"
}
# netcreate NAME [--subnet CIDR]: what `casca network create` does
netcreate() { local n=$1; shift; inhost "$NET_TOOL" net-create --name "$n" --state "$STATE" "$@"; }
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
  run netcreate lab --subnet 10.50.7.0/24
  assert_failure
  assert_output "net-tool: --subnet: 10.50.7.0/24 overlaps the host's route 10.50.0.0/16 dev podman0 (another network on this host: podman's, libvirt's, docker's?); choose another subnet"
  assert_net_gone lab
  # and one that overlaps another casca network
  run netcreate one --subnet 10.51.0.0/16
  assert_success
  run netcreate two --subnet 10.51.2.0/24
  assert_failure
  assert_output --partial "--subnet: 10.51.2.0/24 overlaps network \`one\` (10.51.0.0/16)"
  assert_net_gone two
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
