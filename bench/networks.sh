#!/bin/bash
# bench/networks.sh - named networks at scale: N containers (default 500,
# detached `sleep`) on one `casca network create`d network with DNS.
# Prints the setup time (`casca run -d`, to the container running with its
# address) of the 1st against the Nth, the median time of a DNS lookup of a
# container's name from another container on the network, and the teardown
# of all.  Not part of `make check` (make bench runs it); needs root.
#
#   bench/networks.sh [N]        BENCH_DNS_QUERIES (200)
#
# Everything runs in a stand-in host network namespace this script makes
# (`ip netns`), with the state root and bundle under a private directory,
# all deleted on exit; private addresses only.  The containers run without a
# cgroup (--cgroup-manager disabled) inside a private mount namespace whose
# /sys/fs/cgroup is an empty tmpfs: the host's cgroups are never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${1:-500}
QUERIES=${BENCH_DNS_QUERIES:-200}
CASCA=${CASCA:-$ROOT/build/casca}
OUT=${BENCH_OUT:-$ROOT/build/bench}

die() { echo "bench/networks.sh: $*" >&2; exit 1; }
# shellcheck source=bench/cgroup-mask.bash
. "$(dirname "$0")/cgroup-mask.bash"

if [ "${1:-}" = --inside ]; then
  shift
  W=$1 H=$2 N=$3 HOSTNS=$4
  mask_cgroupfs "$HOSTNS"

  now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
  median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
  cli() { nsenter --net="/run/netns/$H" "$CASCA" --root "$W/state" --cgroup-manager disabled "$@"; }

  B=$W/bundle
  # shellcheck source=tests/integration/helpers/bundle.bash
  . tests/integration/helpers/bundle.bash
  CASCA_BUILD=$W make_busybox_rootfs "$B/rootfs"
  "$CASCA" spec --hardened --network bridge --bundle "$B"
  python3 - "$B/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["sleep", "100000"]
c["casca"]["network"] = {"name": "bench", "interface": "eth0", "ports": []}
c["linux"].pop("resources", None)
json.dump(c, open(sys.argv[1], "w"))
PY
  cli network create --dns --subnet 10.93.0.0/20 bench >/dev/null

  echo "# $N containers on network bench (10.93.0.0/20, DNS): casca run -d each, kept running"
  : >"$W/setup.txt"
  for i in $(seq 1 "$N"); do
    t0=$(now_us)
    cli run -d -b "$B" "c$i" </dev/null >/dev/null 2>"$W/err" ||
      { cat "$W/err" >&2; die "run -d c$i failed"; }
    t1=$(now_us)
    echo "$((t1 - t0))" >>"$W/setup.txt"
  done
  first=$(sed -n 1p "$W/setup.txt")
  last=$(sed -n "${N}p" "$W/setup.txt")
  head10=$(head -n 10 "$W/setup.txt" | median)
  tail10=$(tail -n 10 "$W/setup.txt" | median)

  # DNS: from c1's network namespace, QUERIES lookups of names spread over
  # the network, each a fresh UDP query to the gateway's dnsmasq; timed in
  # one process (no process start per query).
  pid1=$(cli state c1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  gw=$(nsenter --net="/proc/$pid1/ns/net" ip -4 route show default | awk '{print $3}')
  nsenter --net="/proc/$pid1/ns/net" python3 - "$gw" "$N" "$QUERIES" >"$W/dns.txt" <<'PY'
import random, socket, struct, sys, time
gw, n, q = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(1)
times, bad = [], 0
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for k in range(q):
    name = "c%d" % rnd.randint(1, n)
    qid = k & 0xffff
    pkt = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    pkt += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    pkt += struct.pack(">HH", 1, 1)
    t0 = time.perf_counter()
    s.sendto(pkt, (gw, 53))
    data = s.recv(512)
    t1 = time.perf_counter()
    flags, ancount = struct.unpack(">H", data[2:4])[0], struct.unpack(">H", data[6:8])[0]
    if struct.unpack(">H", data[:2])[0] != qid or flags & 0xf != 0 or ancount < 1:
        bad += 1
    times.append((t1 - t0) * 1e6)
times.sort()
print(int(times[len(times) // 2]), int(times[int(len(times) * 0.95)]), bad)
PY
  read -r dns_med dns_p95 dns_bad <"$W/dns.txt"

  t0=$(now_us)
  for i in $(seq 1 "$N"); do cli delete --force "c$i"; done
  t1=$(now_us)
  cli network rm bench >/dev/null
  left=$(nsenter --net="/run/netns/$H" ip -o link show | grep -c 'veth\|casca-bench' || true)

  {
    echo "| named network, $N containers | value |"
    echo "| --- | --- |"
    echo "| \`run -d\` of the 1st container (starts dnsmasq, makes the bridge) | $((first / 1000)) ms |"
    echo "| \`run -d\` of the ${N}th | $((last / 1000)) ms |"
    awk -v a="$head10" -v b="$tail10" -v n="$N" \
      'BEGIN { printf "| median of the last 10 / of the first 10 (goal <= 1.2) | %.2f (%d / %d ms) |\n", b / a, b / 1000, a / 1000 }'
    awk -v m="$dns_med" -v p="$dns_p95" -v q="$QUERIES" -v b="$dns_bad" \
      'BEGIN { printf "| DNS lookup of a container name, median / p95 of %d (goal median <= 2 ms) | %.2f / %.2f ms (%d failed) |\n", q, m / 1000, p / 1000, b }'
    echo "| \`delete --force\` of all $N, per container | $(((t1 - t0) / N / 1000)) ms |"
    echo "| links left on the stand-in host after \`network rm\` | $left |"
  } | tee "$OUT/networks.md"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$CASCA" ] || die "build $CASCA first (make)"
command -v dnsmasq >/dev/null || die "needs dnsmasq (apt-get install dnsmasq-base)"
mkdir -p "$OUT"
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
  WORK=$(mktemp -d /dev/shm/casca-netbench.XXXXXX)
else
  WORK=$(mktemp -d)
fi
H=cnetbench$$
cleanup() {
  local d
  for d in "$WORK"/state/*/; do
    [ -e "$d/state.json" ] || continue
    unshare -m --propagation private sh -c 'mount -t tmpfs none /sys/fs/cgroup && exec "$@"' sh \
      nsenter --net="/run/netns/$H" "$CASCA" --root "$WORK/state" --cgroup-manager disabled \
      delete --force "$(basename "$d")" >/dev/null 2>&1 || true
  done
  ip netns del "$H" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$H"
ip -n "$H" link set lo up
unshare -m --propagation private "$0" --inside "$WORK" "$H" "$N" "$(readlink /proc/self/ns/mnt)"
