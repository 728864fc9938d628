#!/bin/bash
# bench/podman.sh - `podman run --rm IMAGE true` with casca, crun and runc
# as podman's OCI runtime, side by side in one run (interleaved), ratios to
# crun and runc.  Part of `make bench`; not of `make check`.
#
#   bench/podman.sh      BENCH_PODMAN_RUNS (20), BENCH_PODMAN_WARMUP (3)
#
# podman creates cgroups, so this runs where casca owns a pure cgroup v2
# hierarchy: on a host without one (hybrid, like the build machines) it
# boots the VM lane's guest and runs itself there (tests/vm/run-in-vm.sh;
# build first with `make`).  The guest is emulated (TCG), so absolute times
# mean little; the ratios are what this is for.  podman is configured as in
# tests/integration/podman.bats (helpers/engines.bash: podman_config), with
# its storage on the guest's tmpfs; the image is the tests' busybox rootfs.
# Writes the table to build/bench/podman.md.
set -euo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$SELF")/.."
SRC=$PWD

RUNS=${BENCH_PODMAN_RUNS:-20}
WARMUP=${BENCH_PODMAN_WARMUP:-3}
export CASCA=${CASCA:-$PWD/build/casca}
[ -x "$CASCA" ] || { echo "bench/podman: no $CASCA: run make first" >&2; exit 1; }

if [ "$(stat -f -c %T /sys/fs/cgroup 2> /dev/null)" != cgroup2fs ]; then
  [ -z "${BENCH_PODMAN_IN_VM:-}" ] || { echo "bench/podman: the guest has no cgroup2" >&2; exit 1; }
  export BENCH_PODMAN_IN_VM=1
  exec tests/vm/run-in-vm.sh -e BENCH_PODMAN_IN_VM -e BENCH_PODMAN_RUNS -e BENCH_PODMAN_WARMUP \
    -t 1800 -- "$SELF" "$@"
fi
[ "$(id -u)" -eq 0 ] || { echo "bench/podman: needs root" >&2; exit 1; }
for c in podman conmon crun runc python3; do
  command -v "$c" > /dev/null || { echo "bench/podman: $c missing (make deps-bench)" >&2; exit 1; }
done

# shellcheck source=tests/integration/helpers/bundle.bash
. "$SRC/tests/integration/helpers/bundle.bash"
# shellcheck source=tests/integration/helpers/engines.bash
. "$SRC/tests/integration/helpers/engines.bash"

WORK=$(mktemp -d /tmp/casca-podman-bench.XXXXXX)
cleanup() {
  podman rm -a -f -t 0 > /dev/null 2>&1 || true
  podman rmi -a -f > /dev/null 2>&1 || true
  umount_under "$WORK"
  rmdir_cgroups /sys/fs/cgroup/libpod_parent /sys/fs/cgroup/podman_probe
  rm -rf "$WORK"
}
trap cleanup EXIT

OUT=$PWD/build/bench
cd "$WORK" # conmon writes files (an `oom` marker) into podman's working directory
IMG=localhost/casca-bench
podman_config "$WORK/podman"
make_busybox_rootfs "$WORK/rootfs"
tar -C "$WORK/rootfs" -c . | podman import - "$IMG" > /dev/null

declare -A path=([casca]=$CASCA [crun]=$(command -v crun) [runc]=$(command -v runc))
for rt in casca crun runc; do
  # each must really run a container before it is timed
  out=$(podman --runtime "${path[$rt]}" run --rm "$IMG" echo "via-$rt" 2>&1) ||
    { echo "bench/podman: podman with $rt failed: $out" >&2; exit 1; }
  [ "$out" = "via-$rt" ] || { echo "bench/podman: podman with $rt printed: $out" >&2; exit 1; }
done

# Interleaved (casca, crun, runc, casca, ...), so a change in the machine's
# load falls on every runtime alike; one line per run: runtime and ms.
for ((i = -WARMUP; i < RUNS; i++)); do
  for rt in casca crun runc; do
    t0=${EPOCHREALTIME/./}
    podman --runtime "${path[$rt]}" run --rm "$IMG" true > /dev/null 2>&1 ||
      { echo "bench/podman: podman with $rt failed in run $i" >&2; exit 1; }
    t1=${EPOCHREALTIME/./}
    [ "$i" -lt 0 ] || echo "$rt $(((t1 - t0) / 1000))"
  done
done > "$WORK/times"

mkdir -p "$OUT"
python3 - "$WORK/times" "$RUNS" "$WARMUP" > "$OUT/podman.md" << 'EOF'
import platform, statistics, subprocess, sys, time
times = {}
for line in open(sys.argv[1]):
    rt, ms = line.split()
    times.setdefault(rt, []).append(int(ms))
def version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0]
    except Exception:
        return "?"
med = {k: statistics.median(v) for k, v in times.items()}
print(f"podman benchmark of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
      f"the VM lane's guest (QEMU TCG, kernel {platform.release()}, pure cgroup v2), "
      f"{version(['podman', '--version'])}, {version(['crun', '--version'])}, "
      f"{version(['runc', '--version'])}.  {sys.argv[3]} warmup rounds, then {sys.argv[2]} "
      "rounds of `podman --runtime RUNTIME run --rm IMAGE true`, one run of each runtime per "
      "round; the median is shown, min-max in brackets.")
print()
print("| runtime | median ms (min-max) | ratio to crun | ratio to runc |")
print("|---|---:|---:|---:|")
for k in ("casca", "crun", "runc"):
    print(f"| {k} | {med[k]:.0f} ({min(times[k])}-{max(times[k])}) | "
          f"{med[k] / med['crun']:.2f} | {med[k] / med['runc']:.2f} |")
EOF
cat "$OUT/podman.md"
