# networld.bash - the world network.bats and networks.bats build: a
# stand-in host namespace $H (where casca's bridges, the nft table and the
# host ends of the veths live), one namespace per "container" set up by
# net-tool (the library's setup/teardown without a container), outside
# clients.  Private addresses only, only inside those namespaces; teardown
# deletes them all.  Loaded by a .bats file after bats-support/assert.

NET_TOOL=${CASCA_BUILD:-$BATS_TEST_DIRNAME/../../build}/tests/net-tool
# shellcheck disable=SC2034 # for the .bats files
UDP=$BATS_TEST_DIRNAME/helpers/udp-echo.py

setup() {
  [ "$(id -u)" -eq 0 ] || skip "needs root to create network namespaces"
  [ -x "$NET_TOOL" ] || skip "net-tool not built (make tests)"
  P=cn$$t${BATS_TEST_NUMBER}
  H=$P-host
  STATE=$BATS_TEST_TMPDIR/state
  NSLIST=$BATS_TEST_TMPDIR/namespaces
  : >"$NSLIST"
  PIDS=()
  mkns "$H"
  ip -n "$H" link set lo up
}

teardown() {
  local p ns
  [ -n "${NSLIST:-}" ] || return 0 # setup skipped before making anything
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  # a network's dnsmasq outlives the namespace it listens in
  for p in "$STATE"/@networks/*/dnsmasq.pid; do
    if [ -s "$p" ]; then kill "$(cat "$p")" 2>/dev/null || true; fi
  done
  while read -r ns; do ip netns del "$ns" 2>/dev/null || true; done <"$NSLIST"
}

# (a file, not an array: `run` calls this in a subshell)
mkns() { echo "$1" >>"$NSLIST"; ip netns add "$1"; }
inhost() { nsenter --net="/run/netns/$H" "$@"; }
inns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
# bg NS CMD...: run a server inside NS in the background, killed by teardown
bg() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@" >/dev/null 2>&1 3>&- & PIDS+=($!); }

# listening NS tcp|udp PORT: a socket of NS listens on (is bound to) PORT,
# IPv4 or IPv6 (for wait_until: else says so).  From /proc/net: ss cannot
# see UDP sockets where the kernel has no udp_diag.
listening() {
  local port
  port=$(printf '%04X' "$3")
  inns "$1" cat "/proc/net/$2" "/proc/net/${2}6" 2>/dev/null |
    awk -v p=":$port" -v proto="$2" '$2 ~ p"$" && (proto == "udp" || $4 == "0A") { f = 1 } END { exit !f }' &&
    return 0
  echo "nothing listens on $2 port $3 in namespace $1"
  return 1
}

# n_entries DIR GLOB: how many entries of DIR match GLOB (0 without DIR).
n_entries() { find "$1" -mindepth 1 -maxdepth 1 -name "$2" 2>/dev/null | wc -l; }

# mkdev NS NAME: a simple virtual device; dummy, or ifb where the kernel
# has no dummy driver (CONFIG_DUMMY=n on some CI kernels)
mkdev() { ip -n "$1" link add "$2" type dummy 2>/dev/null || ip -n "$1" link add "$2" type ifb; }

netcfg() { cat >"$BATS_TEST_TMPDIR/$1.json"; }
# setup_ct NAME CONFIG: a container namespace $P-NAME with id NAME
setup_ct() {
  mkns "$P-$1"
  inhost "$NET_TOOL" setup --config "$BATS_TEST_TMPDIR/$2.json" --id "$1" \
    --netns "/run/netns/$P-$1" --state "$STATE"
}
teardown_ct() { inhost "$NET_TOOL" teardown --id "$1" --state "$STATE"; }
ct_addr() { inns "$P-$1" ip -4 -o addr show dev "${2:-eth0}" | awk '{print $4}' | cut -d/ -f1; }

# nothing of container $1 is left: veth, nft rule, lease, state file
assert_gone() {
  local id=$1 veth
  run inhost ip -o link show
  assert_success
  veth=$(cat "$BATS_TEST_TMPDIR/veth-$id" 2>/dev/null || true)
  if [ -n "$veth" ]; then refute_output --partial "$veth"; fi
  run inhost nft list ruleset
  assert_success
  refute_output --partial "\"casca:$id\""
  run grep -rlx -- "$id" "$STATE/@ipam" "$STATE/@networks"
  assert_failure
  assert [ ! -e "$STATE/$id/network.json" ]
}

# shellcheck disable=SC2154 # output: set by the test's `run`
remember_veth() { echo "$output" | sed -n 's/^host_veth=//p' >"$BATS_TEST_TMPDIR/veth-$1"; }

