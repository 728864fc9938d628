#!/usr/bin/env bats
# network.bats - casca's built-in networking (netns/) driven by net-tool.
#
# Every test builds its own world out of named network namespaces: a stand-in
# "host" ($H, where the bridge, the nft table and the host ends of the veths
# live), "containers" and an "outside" client attached to the host by a
# veth.  Only private addresses, only inside those namespaces; teardown
# deletes them all.  `ip`/`nft` are used here to build the outside world and to
# observe; casca itself speaks netlink.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load helpers/wait

load helpers/networld

@test "two containers on the bridge ping each other and the gateway" {
  echo '{"subnet":"10.88.0.0/24"}' | netcfg net
  run setup_ct a net
  assert_success
  assert_line "address=10.88.0.2/24"
  assert_line "gateway=10.88.0.1"
  assert_line "bridge=casca0"
  run setup_ct b net
  assert_success
  assert_line "address=10.88.0.3/24"

  run inns "$P-a" busybox ping -c 1 -W 2 10.88.0.3
  assert_success
  run inns "$P-b" busybox ping -c 1 -W 2 10.88.0.2
  assert_success
  run inns "$P-a" busybox ping -c 1 -W 2 10.88.0.1
  assert_success
  # the bridge and the gateway address live in the stand-in host
  run inhost ip -o addr show dev casca0
  assert_output --partial "10.88.0.1/24"
  run inns "$P-a" ip route show default
  assert_output --partial "default via 10.88.0.1 dev eth0"
  run inns "$P-a" ip -o link show lo
  assert_output --partial "UP"
  # both host ends are ports of casca0
  run inhost ip -o link show master casca0
  assert_equal "$(echo "$output" | grep -c '^[0-9]*: cv')" 2
}

# A bridge whose address the kernel picks follows its lowest port's.  When a
# port with a lower one joins, the gateway's MAC changes under the
# containers, whose ARP caches keep the old one for up to a minute: frames to
# it, a port's address but no longer the bridge's, are not for the host, and
# the gateway (its DNS, its NAT) goes silent for them.  (Seen as a named
# network's DNS timing out after a third container joined.)  casca sets the
# bridge's address when it makes it, so the kernel keeps it.
@test "the bridge keeps its MAC when ports with lower ones join: the gateway stays reachable" {
  echo '{"subnet":"10.88.0.0/24"}' | netcfg net
  run setup_ct a net
  assert_success
  local mac
  mac=$(ip netns exec "$H" cat /sys/class/net/casca0/address)
  # 3: NET_ADDR_SET, an address the kernel keeps whatever the ports
  run ip netns exec "$H" cat /sys/class/net/casca0/addr_assign_type
  assert_output 3
  # two ports with about the lowest unicast addresses there are, one after
  # the other; the container learns the gateway's MAC between them
  inhost ip link add low2 type veth peer name low2p
  inhost ip link set low2 address 02:00:00:00:00:02 master casca0 up
  run inns "$P-a" busybox ping -c 1 -W 2 10.88.0.1
  assert_success
  inhost ip link add low1 type veth peer name low1p
  inhost ip link set low1 address 02:00:00:00:00:01 master casca0 up
  run ip netns exec "$H" cat /sys/class/net/casca0/address
  assert_output "$mac"
  # the container's cached neighbour is still the gateway
  run inns "$P-a" busybox ping -c 1 -W 2 10.88.0.1
  assert_success
  inhost ip link del low1
  inhost ip link del low2
}

@test "MTU, MAC and interface name as configured" {
  netcfg net <<'EOF'
{"subnet":"10.88.0.0/24","mtu":1400,"mac":"02:42:ac:11:00:99","interface":"net0"}
EOF
  run setup_ct a net
  assert_success
  assert_line "mac=02:42:ac:11:00:99"
  assert_line "interface=net0"
  local veth
  veth=$(echo "$output" | sed -n 's/^host_veth=//p')
  assert_regex "$veth" '^cv[0-9a-f]{8}$'
  run inns "$P-a" ip -o link show net0
  assert_success
  assert_output --partial "mtu 1400"
  assert_output --partial "link/ether 02:42:ac:11:00:99"
  run inhost ip -o link show "$veth"
  assert_success
  assert_output --partial "mtu 1400"
  assert_output --partial "master casca0"
}

@test "published TCP and UDP ports answer from the host, an outside client and a sibling" {
  netcfg net <<'EOF'
{"subnet":"10.88.0.0/24",
 "ports":[{"hostPort":8080,"containerPort":80},
          {"hostPort":5353,"containerPort":53,"protocol":"udp"},
          {"hostPort":9090,"containerPort":80,"hostIP":"192.168.77.1"}]}
EOF
  run setup_ct web net
  assert_success
  echo '{"subnet":"10.88.0.0/24"}' | netcfg plain
  run setup_ct sib plain
  assert_success
  bg "$P-web" busybox nc -ll -p 80 -e echo tcp-hello
  bg "$P-web" python3 "$UDP" serve 53

  # an outside client on its own link to the host
  mkns "$P-out"
  ip -n "$H" link add cl0 type veth peer name eth0 netns "$P-out"
  ip -n "$H" addr add 192.168.77.1/24 dev cl0
  ip -n "$H" link set cl0 up
  ip -n "$P-out" addr add 192.168.77.2/24 dev eth0
  ip -n "$P-out" link set eth0 up
  ip -n "$P-out" link set lo up
  ip -n "$P-out" route add default via 192.168.77.1
  wait_until listening "$P-web" tcp 80
  wait_until listening "$P-web" udp 53

  run inns "$P-out" busybox nc -w 3 192.168.77.1 8080 </dev/null
  assert_output "tcp-hello"
  run inns "$P-out" python3 "$UDP" ask 192.168.77.1 5353
  assert_output "udp-ping"
  run inns "$P-out" busybox nc -w 3 192.168.77.1 9090 </dev/null
  assert_output "tcp-hello"

  run inhost busybox nc -w 3 192.168.77.1 8080 </dev/null
  assert_output "tcp-hello"
  run inhost python3 "$UDP" ask 192.168.77.1 5353
  assert_output "udp-ping"
  # localhost hairpin (route_localnet on the bridge + masquerade)
  run inhost busybox nc -w 3 127.0.0.1 8080 </dev/null
  assert_output "tcp-hello"
  run inhost python3 "$UDP" ask 127.0.0.1 5353
  assert_output "udp-ping"
  # hostIP binds: 9090 is published on 192.168.77.1 only
  run inhost busybox nc -w 2 127.0.0.1 9090 </dev/null
  refute_output "tcp-hello"

  # a sibling, and the container itself (hairpin mode), via the gateway
  run inns "$P-sib" busybox nc -w 3 10.88.0.1 8080 </dev/null
  assert_output "tcp-hello"
  run inns "$P-web" busybox nc -w 3 10.88.0.1 8080 </dev/null
  assert_output "tcp-hello"

  # masquerade: the outside client sees the host's address, not the container's
  bg "$P-out" python3 "$UDP" serve-peer 7000
  wait_until listening "$P-out" udp 7000
  run inns "$P-web" python3 "$UDP" ask 192.168.77.2 7000
  assert_output "192.168.77.1"
  run inhost cat /proc/sys/net/ipv4/ip_forward
  assert_output "1"
  run inhost cat /proc/sys/net/ipv4/conf/casca0/route_localnet
  assert_output "1"
  run inhost nft list chain inet casca prerouting
  assert_output --partial 'comment "casca:web"'
}

@test "100 parallel setups get 100 distinct addresses and tear down cleanly" {
  local i pids=()
  # each its own host port: a published port belongs to one container
  for i in $(seq 1 100); do
    echo '{"subnet":"10.88.0.0/16","ports":[{"hostPort":'$((8000 + i))',"containerPort":80}]}' |
      netcfg "net$i"
    mkns "$P-p$i"
  done
  for i in $(seq 1 100); do
    inhost "$NET_TOOL" setup --config "$BATS_TEST_TMPDIR/net$i.json" --id "p$i" \
      --netns "/run/netns/$P-p$i" --state "$STATE" >"$BATS_TEST_TMPDIR/out.$i" 2>&1 &
    pids+=($!)
  done
  local failed=0
  for i in "${pids[@]}"; do wait "$i" || failed=$((failed + 1)); done
  [ "$failed" -eq 0 ] || { cat "$BATS_TEST_TMPDIR"/out.*; false; }
  run bash -c "cat '$BATS_TEST_TMPDIR'/out.* | sed -n 's/^address=//p' | sort -u | wc -l"
  assert_output "100"
  # the kernel agrees: 100 distinct addresses inside, 100 ports on the bridge
  run bash -c "for i in \$(seq 1 100); do nsenter --net=/run/netns/$P-p\$i ip -4 -o addr show dev eth0; done | awk '{print \$4}' | sort -u | wc -l"
  assert_output "100"
  run bash -c "nsenter --net=/run/netns/$H ip -o link show master casca0 2>/dev/null | wc -l"
  assert_output "100"
  assert_equal "$(n_entries "$STATE/@ipam/casca0" '10.*')" 100

  pids=()
  for i in $(seq 1 100); do
    inhost "$NET_TOOL" teardown --id "p$i" --state "$STATE" &
    pids+=($!)
  done
  failed=0
  for i in "${pids[@]}"; do wait "$i" || failed=$((failed + 1)); done
  assert_equal "$failed" 0
  run bash -c "nsenter --net=/run/netns/$H ip -o link show master casca0 2>/dev/null | wc -l"
  assert_output "0"
  run inhost nft list ruleset
  refute_output --partial "casca:p"
  assert_equal "$(n_entries "$STATE/@ipam/casca0" '10.*')" 0
  assert_equal "$(n_entries "$STATE/@ipam/published-ports.d" 'tcp.*')" 0
}

@test "an exhausted subnet gives a clear error and leaves nothing behind" {
  echo '{"subnet":"10.88.0.0/30"}' | netcfg net
  run setup_ct a net
  assert_success
  assert_line "address=10.88.0.2/30"
  run setup_ct b net
  assert_failure
  assert_output "net-tool: network setup of \`b\`: casca.network: subnet 10.88.0.0/30 has no free address"
  assert_gone b
  run inhost ip -o link show master casca0
  assert_equal "$(echo "$output" | grep -c cv)" 1
}

@test "teardown removes the veth, the nft rules and the lease; the bridge stays" {
  echo '{"subnet":"10.88.0.0/24","ports":[{"hostPort":8080,"containerPort":80}]}' | netcfg net
  run setup_ct a net
  assert_success
  remember_veth a
  run inhost nft list ruleset
  assert_output --partial 'comment "casca:a"'
  assert [ -e "$STATE/a/network.json" ]
  run grep -rlx a "$STATE/@ipam"
  assert_success
  run teardown_ct a
  assert_success
  assert_gone a
  run inhost ip -o link show casca0
  assert_success
  # a second teardown (and one of an unknown id) is a no-op
  run teardown_ct a
  assert_success
  run teardown_ct never-created
  assert_success
}

@test "the lease store is @ipam: a container may be named ipam, and an old ipam store moves there" {
  echo '{"subnet":"10.88.0.0/24","ports":[{"hostPort":8080,"containerPort":80}]}' | netcfg net
  run setup_ct a net
  assert_success
  # a state root as casca left it before the store moved: <root>/ipam,
  # recorded so in a's network.json
  mv "$STATE/@ipam" "$STATE/ipam"
  sed -i 's|/@ipam/|/ipam/|' "$STATE/a/network.json"
  grep -q '/ipam/casca0"' "$STATE/a/network.json"
  # a container named ipam: its state dir is its own, the store moves
  run setup_ct ipam net
  assert_failure # a's port 8080: the old store's reservations still hold
  assert_output --partial 8080
  assert [ ! -e "$STATE/ipam/casca0" ]
  assert_equal "$(n_entries "$STATE/@ipam/casca0" '10.*')" 1
  echo '{"subnet":"10.88.0.0/24"}' | netcfg noports
  run setup_ct ipam noports
  assert_success
  assert_equal "$(n_entries "$STATE/@ipam/casca0" '10.*')" 2
  assert [ "$(ct_addr a)" != "$(ct_addr ipam)" ]
  # a releases through the path it recorded, now the moved store's
  run teardown_ct a
  assert_success
  assert_equal "$(n_entries "$STATE/@ipam/casca0" '10.*')" 1
  assert_equal "$(n_entries "$STATE/@ipam/published-ports.d" 'tcp.*')" 0
  run teardown_ct ipam
  assert_success
  assert_equal "$(n_entries "$STATE/@ipam/casca0" '10.*')" 0
  # what is left of ipam is the container's: no store
  assert [ ! -e "$STATE/ipam/casca0" ]
  assert [ ! -e "$STATE/ipam/published-ports.d" ]
}

@test "teardown works after setup was SIGKILLed at any step" {
  echo '{"subnet":"10.88.0.0/24","ports":[{"hostPort":8080,"containerPort":80}]}' | netcfg net
  local step
  for step in state ports bridge lease lease-recorded nat veth attach inside; do
    mkns "$P-k-$step"
    run inhost "$NET_TOOL" setup --config "$BATS_TEST_TMPDIR/net.json" --id "k-$step" \
      --netns "/run/netns/$P-k-$step" --state "$STATE" --kill-at "$step"
    [ "$status" -eq 137 ] || { echo "step $step: status $status: $output"; false; }
    assert [ -e "$STATE/k-$step/network.json" ]
    run teardown_ct "k-$step"
    assert_success
    assert_gone "k-$step"
    run inhost ip -o link show
    refute_output --regexp 'cv[0-9a-f]{8}'
  done
  # and no lease is left over: the next container's is the only one
  run setup_ct after net
  assert_success
  assert_equal "$(n_entries "$STATE/@ipam/casca0" '10.*')" 1
}

@test "a failed setup removes what it made" {
  echo '{"subnet":"10.88.0.0/24","ports":[{"hostPort":8080,"containerPort":80}]}' | netcfg net
  mkns "$P-busy"
  # the container already has an eth0: the veth peer cannot be created there
  mkdev "$P-busy" eth0
  run inhost "$NET_TOOL" setup --config "$BATS_TEST_TMPDIR/net.json" --id busy \
    --netns "/run/netns/$P-busy" --state "$STATE"
  assert_failure
  assert_output --partial "network setup of \`busy\`: create veth"
  assert_gone busy
  run inhost ip -o link show
  refute_output --regexp 'cv[0-9a-f]{8}'
}

@test "libmnl and libnftnl are loaded only for networking: where one cannot load, setup fails naming it and leaves nothing" {
  # not linked (util/dl.h): the loader mapped both on every casca call
  run readelf -d "$NET_TOOL"
  assert_success
  refute_output --regexp 'libmnl|libnftnl'
  echo '{"subnet":"10.88.0.0/24","ports":[{"hostPort":8080,"containerPort":80}]}' | netcfg net
  mkns "$P-a"
  local lib
  for lib in libmnl.so.0:libmnl0:networking libnftnl.so.11:libnftnl11:"networking (nftables)"; do
    # a private mount namespace in which the library is an empty file
    run inhost unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh \
      "$(realpath "/lib/x86_64-linux-gnu/${lib%%:*}")" \
      "$NET_TOOL" setup --config "$BATS_TEST_TMPDIR/net.json" --id a \
      --netns "/run/netns/$P-a" --state "$STATE"
    assert_failure
    IFS=: read -r so pkg who <<<"$lib"
    assert_output --partial "$who: cannot load $so (Debian's $pkg)"
    assert_gone a
    run inhost ip -o link show
    refute_output --regexp 'cv[0-9a-f]{8}'
  done
  # and with them, the same setup works: the loaded libraries drive netlink
  run inhost "$NET_TOOL" setup --config "$BATS_TEST_TMPDIR/net.json" --id a \
    --netns "/run/netns/$P-a" --state "$STATE"
  assert_success
  assert_line "address=10.88.0.2/24"
  run inhost nft list ruleset
  assert_output --partial '"casca:a"'
}

@test "IPv6: address, gateway, default route inside and a published port" {
  echo '{"subnet":"10.88.0.0/24","ipv6":{"subnet":"fd88::/64"},"ports":[{"hostPort":8080,"containerPort":80}]}' | netcfg net
  echo '{"subnet":"10.88.0.0/24","ipv6":{"subnet":"fd88::/64"}}' | netcfg net-b
  run setup_ct a net
  assert_success
  assert_line "address6=fd88::2/64"
  assert_line "gateway6=fd88::1"
  run setup_ct b net-b
  assert_success
  assert_line "address6=fd88::3/64"
  run inns "$P-a" busybox ping6 -c 1 -W 2 fd88::1
  assert_success
  run inns "$P-a" busybox ping6 -c 1 -W 2 fd88::3
  assert_success
  run inns "$P-a" ip -6 route show default
  assert_output --partial "via fd88::1"
  bg "$P-a" busybox nc -ll -p 80 -e echo tcp6-hello
  wait_until listening "$P-a" tcp 80
  run inhost busybox nc -w 3 fd88::1 8080 </dev/null
  assert_output "tcp6-hello"
  run inhost nft list chain inet casca prerouting
  assert_output --partial 'dnat ip6 to [fd88::2]:80 comment "casca:a"'
  run teardown_ct a
  assert_success
  assert_gone a
}

@test "linux.netDevices: a dummy interface moves in with its address and back" {
  mkdev "$H" dummy7
  ip -n "$H" link set dummy7 mtu 1300 up
  ip -n "$H" addr add 192.168.200.1/24 dev dummy7
  mkns "$P-nd"
  run inhost "$NET_TOOL" netdev-attach --id nd --state "$STATE" --dev dummy7 --name eth9 \
    --netns "/run/netns/$P-nd"
  assert_success
  run inhost ip link show dummy7
  assert_failure
  run inns "$P-nd" ip -o addr show dev eth9
  assert_success
  assert_output --partial "192.168.200.1/24"
  run inns "$P-nd" ip -o link show eth9
  assert_output --partial "mtu 1300"
  assert_output --partial "UP"
  assert file_has "$STATE/nd/network.json" '"host":"dummy7"'

  run teardown_ct nd
  assert_success
  run inns "$P-nd" ip link show eth9
  assert_failure
  run inhost ip -o addr show dev dummy7
  assert_success
  assert_output --partial "192.168.200.1/24"
  assert [ ! -e "$STATE/nd/network.json" ]

  # the plain move/return pair
  run inhost "$NET_TOOL" netdev-move --dev dummy7 --netns "/run/netns/$P-nd"
  assert_success
  run inns "$P-nd" ip -o link show dummy7
  assert_success
  run inhost "$NET_TOOL" netdev-return --name dummy7 --dev dummy7 --netns "/run/netns/$P-nd"
  assert_success
  run inhost ip -o link show dummy7
  assert_success
}

@test "hostname, hosts and resolv.conf" {
  netcfg net <<'EOF'
{"subnet":"10.88.0.0/24",
 "dns":{"servers":["10.88.0.1","fd88::1"],"search":["corp.test","lab.test"],"options":["ndots:2","edns0"]},
 "hosts":[{"ip":"10.88.0.50","names":["db","db.corp.test"]}]}
EOF
  mkdir -p "$BATS_TEST_TMPDIR/etc"
  run setup_ct web net
  assert_success
  run inhost "$NET_TOOL" write-etc --config "$BATS_TEST_TMPDIR/net.json" --hostname web1 \
    --address 10.88.0.2/24 --etc "$BATS_TEST_TMPDIR/etc"
  assert_success
  run cat "$BATS_TEST_TMPDIR/etc/hostname"
  assert_output "web1"
  run cat "$BATS_TEST_TMPDIR/etc/hosts"
  assert_line --index 0 $'127.0.0.1\tlocalhost'
  assert_line $'::1\tlocalhost ip6-localhost ip6-loopback'
  assert_line $'10.88.0.2\tweb1'
  assert_line $'10.88.0.50\tdb db.corp.test'
  run cat "$BATS_TEST_TMPDIR/etc/resolv.conf"
  assert_output $'nameserver 10.88.0.1\nnameserver fd88::1\nsearch corp.test lab.test\noptions ndots:2 edns0'
  assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/etc/hosts")" 644
  # without dns: the host's resolv.conf minus loopback resolvers
  mkdir -p "$BATS_TEST_TMPDIR/etc2"
  run "$NET_TOOL" write-etc --etc "$BATS_TEST_TMPDIR/etc2"
  assert_success
  run grep -E '^nameserver (127\.|::1)' "$BATS_TEST_TMPDIR/etc2/resolv.conf"
  assert_failure
  assert [ ! -e "$BATS_TEST_TMPDIR/etc2/hostname" ]
}

@test "config errors name the JSON path" {
  echo '{"casca":{"network":{"subnet":"10.88.0.0/33"}}}' >"$BATS_TEST_TMPDIR/bad.json"
  run "$NET_TOOL" parse --config "$BATS_TEST_TMPDIR/bad.json"
  assert_failure
  assert_output 'net-tool: casca.network.subnet: invalid CIDR "10.88.0.0/33"'
  mkns "$P-x"
  run inhost "$NET_TOOL" setup --config "$BATS_TEST_TMPDIR/bad.json" --id x \
    --netns "/run/netns/$P-x" --state "$STATE"
  assert_failure
  assert [ ! -e "$STATE/x" ]
}
