#!/bin/bash
# guest.sh - runs INSIDE the VM lane's guest (started by check-vm.sh):
# checks that the guest is what the tests expect, then runs the bats
# integration suite with every state directory on the guest's tmpfs.
# Arguments: bats files or directories (default tests/integration).
# With VM_QUEUE (a directory on a share, set by check-vm.sh when it runs
# several guests): the arguments are files, and this guest runs each one
# it claims first (mkdir VM_QUEUE/NAME: atomic on the host's file system
# through 9p), marking it done (VM_QUEUE/NAME/done) when bats returns, so
# the guests share the files out by themselves, each taking the next.
set -euo pipefail
cd "$(dirname "$0")/../.."

fstype=$(stat -f -c %T /sys/fs/cgroup)
if [ "$fstype" != cgroup2fs ]; then
  echo "guest.sh: /sys/fs/cgroup is $fstype, not cgroup2: not in the VM lane's guest?" >&2
  exit 2
fi

# State on tmpfs: fifos and sockets cannot live on the 9p shares.
export CASCA_VM=1
export CASCA_ROOT=${CASCA_ROOT:-/run/casca-test}
export XDG_RUNTIME_DIR=/run/user/0
export TMPDIR=/tmp
mkdir -p "$CASCA_ROOT" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# the tests' busybox rootfs template, built once for every bats run here
export CASCA_BUSYBOX_TEMPLATE=/tmp/casca-busybox-template
# shellcheck source=tests/integration/helpers/bundle.bash
. tests/integration/helpers/bundle.bash
busybox_template > /dev/null

echo "# guest: kernel $(uname -r), $(nproc) cpus, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
echo "# guest: cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
echo "# guest: CASCA=${CASCA:-} CASCA_BUILD=${CASCA_BUILD:-} CASCA_ROOT=$CASCA_ROOT"

# Only the tests tagged VM_TAGS (default vm: the tests that depend on a pure
# cgroup v2 hierarchy; tests/vm-tags.py keeps the tags true); the host lane
# runs every test.  VM_TAGS=all: every test.
filter=(--filter-tags "${VM_TAGS:-vm}")
[ "${VM_TAGS:-}" != all ] || filter=()
[ $# -gt 0 ] || set -- tests/integration
[ -n "${VM_QUEUE:-}" ] || exec bats --tap --timing "${filter[@]}" "$@"
rc=0
for f in "$@"; do
  mkdir "$VM_QUEUE/${f##*/}" 2> /dev/null || continue
  t0=$SECONDS
  echo "# guest: $f"
  bats --tap --timing "${filter[@]}" "$f" || rc=1
  echo "# guest: $f took $((SECONDS - t0)) s"
  touch "$VM_QUEUE/${f##*/}/done"
done
exit "$rc"
