#!/bin/bash
# bench/net.sh - container network setup: casca (netlink + libnftnl) against
# the equivalent sequence of `ip`/`nft` commands, and the 1st against the
# 200th container on one bridge - first the library (net-tool), then the
# real CLI (`casca create` -> network-ready, `casca run -d` latency).
# Not part of `make check`; needs root.
#
#   bench/net.sh [N_COMPARE] [N_SCALE]      (defaults 30 and 200)
#   BENCH_CLI=0 skips the CLI part.
#
# Everything happens inside network namespaces this script creates (a
# stand-in host plus one namespace per container) and deletes on exit.
# "ready" = the setup returned and the container's first ping of its
# gateway was answered.
set -euo pipefail
cd "$(dirname "$0")/.."

N_CMP=${1:-30}
N_SCALE=${2:-200}
NET_TOOL=${NET_TOOL:-build/tests/net-tool}
CASCA=${CASCA:-build/casca}
[ "$(id -u)" -eq 0 ] || { echo "bench/net.sh: needs root" >&2; exit 1; }
[ -x "$NET_TOOL" ] || { echo "bench/net.sh: build $NET_TOOL first (make tests)" >&2; exit 1; }
command -v busybox >/dev/null || { echo "bench/net.sh: needs busybox" >&2; exit 1; }

P=cbench$$
H=$P-host
# State on tmpfs, like /run/casca (here /tmp is a disk).
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
  WORK=$(mktemp -d /dev/shm/casca-bench.XXXXXX)
else
  WORK=$(mktemp -d)
fi
NSLIST=$WORK/namespaces
: >"$NSLIST"

cleanup() {
  local ns d id
  for d in "$WORK"/cli-state/*/; do
    id=$(basename "$d")
    [ "$id" = ipam ] || [ ! -e "$d/state.json" ] || nsenter --net="/run/netns/$H" "$CASCA" --root "$WORK/cli-state" \
      delete --force "$id" >/dev/null 2>&1 || true
  done
  while read -r ns; do ip netns del "$ns" 2>/dev/null || true; done <"$NSLIST"
  rm -rf "$WORK"
}
trap cleanup EXIT

mkns() { echo "$1" >>"$NSLIST"; ip netns add "$1"; }
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
ping_gw() { nsenter --net="/run/netns/$1" busybox ping -c 1 -W 2 "$2" >/dev/null; }

mkns "$H"
ip -n "$H" link set lo up
echo '{"bridge":"casca0","subnet":"10.88.0.0/16","nat":true}' >"$WORK/net.json"

casca_setup() { # NAME -> prints setup_us ready_us in_process_us
  local t0 t1 t2 inproc
  t0=$(now_us)
  nsenter --net="/run/netns/$H" "$NET_TOOL" setup --config "$WORK/net.json" --id "$1" \
    --netns "/run/netns/$1" --state "$WORK/state" --timing >/dev/null 2>"$WORK/timing"
  t1=$(now_us)
  ping_gw "$1" 10.88.0.1
  t2=$(now_us)
  # casca_network_setup() itself, from net-tool --timing (the last step)
  inproc=$(awk '$1 == "step" && $2 == "inside" { print $3 }' "$WORK/timing")
  echo "$((t1 - t0)) $((t2 - t0)) $inproc"
}

# What an admin would type for the same result (bridge made once, before).
ip -n "$H" link add cip0 type bridge
ip -n "$H" addr add 10.89.0.1/16 dev cip0
ip -n "$H" link set cip0 up
nsenter --net="/run/netns/$H" nft add table inet benchip
nsenter --net="/run/netns/$H" nft add chain inet benchip post \
  '{ type nat hook postrouting priority 100; }'
ip_setup() { # NAME INDEX [BRIDGE NET] -> prints setup_us ready_us
  local br=${3:-cip0} net=${4:-10.89}
  local t0 t1 t2 addr="$net.$(($2 / 250)).$(($2 % 250 + 2))"
  t0=$(now_us)
  ip -n "$H" link add "${br}v$2" type veth peer name eth0 netns "$1"
  ip -n "$H" link set "${br}v$2" master "$br" up
  ip -n "$1" link set lo up
  ip -n "$1" addr add "$addr/16" dev eth0
  ip -n "$1" link set eth0 up
  ip -n "$1" route add default via "$net.0.1"
  nsenter --net="/run/netns/$H" nft add rule inet benchip post ip saddr "$addr" \
    ip daddr != "$net.0.0/16" masquerade comment "\"ip$2\""
  t1=$(now_us)
  ping_gw "$1" "$net.0.1"
  t2=$(now_us)
  echo "$((t1 - t0)) $((t2 - t0))"
}

echo "# comparing $N_CMP containers each (interleaved), times in microseconds"
: >"$WORK/casca.txt"
: >"$WORK/ip.txt"
for i in $(seq 1 "$N_CMP"); do
  mkns "$P-c$i"
  mkns "$P-i$i"
  casca_setup "$P-c$i" >>"$WORK/casca.txt"
  ip_setup "$P-i$i" "$i" >>"$WORK/ip.txt"
done
cs=$(cut -d' ' -f1 "$WORK/casca.txt" | median)
cr=$(cut -d' ' -f2 "$WORK/casca.txt" | median)
ci=$(cut -d' ' -f3 "$WORK/casca.txt" | median)
is=$(cut -d' ' -f1 "$WORK/ip.txt" | median)
ir=$(cut -d' ' -f2 "$WORK/ip.txt" | median)
echo "casca setup median:     ${cs} us   ready: ${cr} us   (net-tool process; in it the setup: ${ci} us)"
echo "ip/nft sequence median: ${is} us   ready: ${ir} us"
awk -v c="$cr" -v i="$ir" 'BEGIN { printf "ready ratio casca/ip: %.3f\n", c / i }'
awk -v c="$cs" -v i="$is" 'BEGIN { printf "setup ratio casca/ip: %.3f\n", c / i }'
awk -v c="$ci" -v i="$is" 'BEGIN { printf "in-process setup / ip sequence: %.3f\n", c / i }'

echo "# $N_SCALE containers on one fresh bridge (casca1, 10.90.0.0/16)"
echo '{"bridge":"casca1","subnet":"10.90.0.0/16","nat":true,"ports":[]}' >"$WORK/net.json"
: >"$WORK/scale.txt"
for i in $(seq 1 "$N_SCALE"); do
  mkns "$P-s$i"
  t0=$(now_us)
  nsenter --net="/run/netns/$H" "$NET_TOOL" setup --config "$WORK/net.json" --id "s$i" \
    --netns "/run/netns/$P-s$i" --state "$WORK/state" >/dev/null
  t1=$(now_us)
  echo "$((t1 - t0))" >>"$WORK/scale.txt"
done
first=$(sed -n 1p "$WORK/scale.txt")
last=$(sed -n "${N_SCALE}p" "$WORK/scale.txt")
head10=$(head -n 10 "$WORK/scale.txt" | median)
tail10=$(tail -n 10 "$WORK/scale.txt" | median)
echo "casca: container 1: ${first} us (creates bridge casca1), container $N_SCALE: ${last} us"
awk -v a="$first" -v b="$last" -v n="$N_SCALE" 'BEGIN { printf "casca: ratio %dth / 1st: %.3f\n", n, b / a }'
echo "casca: median of the first 10: ${head10} us, of the last 10: ${tail10} us"
awk -v a="$head10" -v b="$tail10" 'BEGIN { printf "casca: ratio last-10 / first-10 medians: %.3f\n", b / a }'

# The same growth for the ip/nft sequence on a second bridge (the kernel's
# share: longer nft chains, more bridge ports), for context.
ip -n "$H" link add cip1 type bridge
ip -n "$H" addr add 10.91.0.1/16 dev cip1
ip -n "$H" link set cip1 up
: >"$WORK/scale-ip.txt"
for i in $(seq 1 "$N_SCALE"); do
  mkns "$P-t$i"
  ip_setup "$P-t$i" "$i" cip1 10.91 | cut -d' ' -f1 >>"$WORK/scale-ip.txt"
done
ihead10=$(head -n 10 "$WORK/scale-ip.txt" | median)
itail10=$(tail -n 10 "$WORK/scale-ip.txt" | median)
echo "ip/nft: median of the first 10: ${ihead10} us, of the last 10: ${itail10} us"
awk -v a="$ihead10" -v b="$itail10" 'BEGIN { printf "ip/nft: ratio last-10 / first-10 medians: %.3f\n", b / a }'

[ "${BENCH_CLI:-1}" = 1 ] || exit 0
[ -x "$CASCA" ] || { echo "bench/net.sh: build $CASCA first (make)" >&2; exit 1; }

# ---- the real CLI -----------------------------------------------------------
# A busybox bundle from `casca spec --hardened --network bridge` on bridge casca2,
# 10.92.0.0/16.  "create -> network-ready": from invoking `casca create` to the
# first answered ping of the gateway from inside the container's namespace.
# Unlike the ip/nft sequence, `create` also clones the init into its
# namespaces, sets up its rootfs and parks it: the whole container.
B=$WORK/bundle
# shellcheck source=tests/integration/helpers/bundle.bash
. tests/integration/helpers/bundle.bash
make_busybox_rootfs "$B/rootfs"
"$CASCA" spec --hardened --network bridge --bundle "$B"
python3 - "$B/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["sleep", "100000"]
c["casca"]["network"].pop("name", None)  # an inline bridge, not the network default
c["casca"]["network"].update(bridge="casca2", subnet="10.92.0.0/16", gateway="10.92.0.1")
json.dump(c, open(sys.argv[1], "w"))
PY
cli() { nsenter --net="/run/netns/$H" "$CASCA" --root "$WORK/cli-state" --cgroup-manager disabled "$@"; }

echo "# casca CLI: create -> network-ready, $N_CMP containers (each deleted after)"
: >"$WORK/cli.txt"
cli run -d -b "$B" warmup </dev/null >/dev/null # makes the bridge
cli delete --force warmup
for i in $(seq 1 "$N_CMP"); do
  t0=$(now_us)
  cli create -b "$B" --pid-file "$WORK/k.pid" "k$i" </dev/null >/dev/null
  t1=$(now_us)
  nsenter --net="/proc/$(<"$WORK/k.pid")/ns/net" busybox ping -c 1 -W 2 10.92.0.1 >/dev/null
  t2=$(now_us)
  echo "$((t1 - t0)) $((t2 - t0))" >>"$WORK/cli.txt"
  cli delete --force "k$i"
done
# The same bundle without casca.network (a network namespace with only lo):
# what the network adds to `create`.
B0=$WORK/bundle-nonet
mkdir -p "$B0"
cp -a "$B/rootfs" "$B0/rootfs"
python3 - "$B/config.json" "$B0/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
del c["casca"]
json.dump(c, open(sys.argv[2], "w"))
PY
: >"$WORK/cli-nonet.txt"
for i in $(seq 1 "$N_CMP"); do
  t0=$(now_us)
  cli create -b "$B0" "n$i" </dev/null >/dev/null
  t1=$(now_us)
  echo "$((t1 - t0))" >>"$WORK/cli-nonet.txt"
  cli delete --force "n$i"
done
ks0=$(median <"$WORK/cli-nonet.txt")
ks=$(cut -d' ' -f1 "$WORK/cli.txt" | median)
kr=$(cut -d' ' -f2 "$WORK/cli.txt" | median)
echo "casca create median: ${ks} us   create -> network-ready: ${kr} us"
echo "casca create without casca.network median: ${ks0} us (the network adds $((ks - ks0)) us)"
echo "ip/nft sequence median (above): ${is} us   ready: ${ir} us"
awk -v c="$kr" -v i="$ir" 'BEGIN { printf "create->ready / ip-sequence->ready: %.3f\n", c / i }'

echo "# casca CLI: run -d latency, $N_SCALE containers kept running on casca2"
: >"$WORK/cli-scale.txt"
for i in $(seq 1 "$N_SCALE"); do
  t0=$(now_us)
  cli run -d -b "$B" "r$i" </dev/null >/dev/null
  t1=$(now_us)
  echo "$((t1 - t0))" >>"$WORK/cli-scale.txt"
done
first=$(sed -n 1p "$WORK/cli-scale.txt")
last=$(sed -n "${N_SCALE}p" "$WORK/cli-scale.txt")
head10=$(head -n 10 "$WORK/cli-scale.txt" | median)
tail10=$(tail -n 10 "$WORK/cli-scale.txt" | median)
echo "casca run -d: container 1: ${first} us, container $N_SCALE: ${last} us"
awk -v a="$first" -v b="$last" -v n="$N_SCALE" 'BEGIN { printf "casca run -d: ratio %dth / 1st: %.3f\n", n, b / a }'
echo "casca run -d: median of the first 10: ${head10} us, of the last 10: ${tail10} us"
awk -v a="$head10" -v b="$tail10" 'BEGIN { printf "casca run -d: ratio last-10 / first-10 medians: %.3f\n", b / a }'
t0=$(now_us)
for i in $(seq 1 "$N_SCALE"); do cli delete --force "r$i"; done
t1=$(now_us)
echo "casca delete --force: $(((t1 - t0) / N_SCALE)) us per container (mean of $N_SCALE)"
