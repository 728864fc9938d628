#!/bin/bash
# check-vm.sh - the VM lane: boot pure cgroup v2 QEMU guests (TCG, no KVM
# needed) and run in them the bats tests tagged vm (tests/vm/guest.sh runs
# `bats --filter-tags vm`): the tests that depend on a pure cgroup v2
# hierarchy, which the hybrid host cannot give.  The host lane runs every
# test; tests/vm-tags.py (make lint) checks that each test depending on the
# hierarchy carries the tag, and run-checks.sh that each test the host lane
# skipped ran for real here.  VM_TAGS=all: the whole suite in the guests.
# Run by `tests/run-checks.sh vm` (make check-vm) after `make tests`.
# check-vm.sh -S: the systemd mode instead: a guest whose pid 1 is systemd
# runs tests/vm/systemd-lane.sh: systemd-smoke.sh, then the tests tagged
# systemd in the same boot (`tests/run-checks.sh vm-systemd`,
# make check-vm-systemd; tests/vm/README.md).
# VM_SHARDS (default 2) guests run the bats files side by side, each taking
# the next file no guest has taken yet (tests/vm/guest.sh), the slowest
# first (SLOW below); their output is printed one guest after the other
# when all have ended.  VM_SHARDS=1: one guest, its output streamed.
# Env: VM_MEM (2G), VM_CPUS (2), VM_TIMEOUT (seconds; -S: 3600, as the boot,
# the smoke test, systemd-cgroup.bats and systemd-engines.bats took 1617 s
# with three other guests running on 2026-12-05; else also 3600: the whole
# suite in two guests did not finish in 5100 beside the host lanes on CI,
# which is why the guests now run the vm-tagged tests only: about 1650 s a
# guest with a third guest and builds beside them), VM_TAGS, and everything
# tests/vm/run-in-vm.sh reads (VM_CACHE, VM_KERNEL_VERSION, VM_APPEND).
set -euo pipefail
cd "$(dirname "$0")/../.."

smoke=0
if [ "${1:-}" = -S ]; then
  smoke=1
  shift
fi

missing=()
[ "$(id -u)" = 0 ] || missing+=("root (qemu exports / over 9p from a private mount namespace)")
for c in qemu-system-x86_64 cpio xz gzip modprobe unshare timeout flock bats; do
  command -v "$c" > /dev/null || missing+=("$c")
done
compgen -G '/boot/vmlinuz-*' > /dev/null || missing+=("/boot/vmlinuz-* (linux-image-amd64)")
if [ ! -x /bin/busybox ] || ldd /bin/busybox > /dev/null 2>&1; then
  missing+=("a static /bin/busybox (busybox-static)")
fi
if [ "$smoke" = 1 ]; then
  [ -x /lib/systemd/systemd ] || missing+=("/lib/systemd/systemd (systemd)")
  command -v dbus-daemon > /dev/null || missing+=("dbus-daemon (dbus)")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "check-vm: missing prerequisites (sudo make deps installs them):" >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 2
fi

export CASCA_BUILD=${CASCA_BUILD:-$PWD/build}
export CASCA=${CASCA:-$CASCA_BUILD/casca}
if [ "$smoke" = 1 ]; then
  exec tests/vm/run-in-vm.sh -S -m "${VM_MEM:-2G}" -c "${VM_CPUS:-2}" -t "${VM_TIMEOUT:-3600}" \
    -- tests/vm/systemd-lane.sh "$@"
fi
shards=${VM_SHARDS:-2}
if [ "$shards" -le 1 ]; then
  exec tests/vm/run-in-vm.sh -e VM_TAGS -m "${VM_MEM:-2G}" -c "${VM_CPUS:-2}" -t "${VM_TIMEOUT:-3600}" \
    -- tests/vm/guest.sh "$@"
fi

# The files, the slowest in the guest first (measured with bats --timing in
# the lane's output), so no guest is left with a long one at the end.
SLOW=(cgroup-cli soak system-boot podman crash containerd checkpoint runc-compat exec cgroup-manager networks rootless isolation rootfs cgroup-env)
[ $# -gt 0 ] || set -- tests/integration
all=()
for a in "$@"; do
  if [ -d "$a" ]; then all+=("${a%/}"/*.bats); else all+=("$a"); fi
done
# the files with a test the guests will run
if [ "${VM_TAGS:-vm}" != all ]; then
  tagged=()
  for f in "${all[@]}"; do
    grep -Eq "^# bats (file|test)_tags=(.*,)?${VM_TAGS:-vm}(,|$)" "$f" && tagged+=("$f")
  done
  all=("${tagged[@]}")
fi
files=()
for s in "${SLOW[@]}"; do
  for f in "${all[@]}"; do [ "$(basename "$f" .bats)" = "$s" ] && files+=("$f"); done
done
for f in "${all[@]}"; do
  case " ${SLOW[*]} " in *" $(basename "$f" .bats) "*) ;; *) files+=("$f") ;; esac
done

mkdir -p build
queue=$(mktemp -d "$PWD/build/vm-queue.XXXXXX")
trap 'rm -rf "$queue"' EXIT
mkdir "$queue/files"
pids=()
for i in $(seq 1 "$shards"); do
  VM_QUEUE=$queue/files tests/vm/run-in-vm.sh -e VM_QUEUE -m "${VM_MEM:-2G}" -c "${VM_CPUS:-2}" \
    -e VM_TAGS -t "${VM_TIMEOUT:-3600}" -- tests/vm/guest.sh "${files[@]}" > "$queue/guest$i.log" 2>&1 &
  pids+=($!)
done
rc=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { r=$?; echo "# vm: guest $((i + 1)) exited $r"; [ "$rc" != 0 ] || rc=$r; }
done
for i in $(seq 1 "$shards"); do
  echo "# vm: guest $i of $shards"
  cat "$queue/guest$i.log"
done
# a file a guest took and never finished (the guest died or timed out)
for f in "${files[@]}"; do
  [ -e "$queue/files/${f##*/}/done" ] && continue
  echo "not ok 0 - $f: no guest finished it"
  rc=1
done
exit "$rc"
