#!/bin/bash
# guest.sh - runs INSIDE the VM lane's guest (started by check-vm.sh):
# checks that the guest is what the tests expect, then runs the bats
# integration suite with every state directory on the guest's tmpfs.
# Arguments: bats files or directories (default tests/integration).
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

echo "# guest: kernel $(uname -r), $(nproc) cpus, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
echo "# guest: cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
echo "# guest: CASCA=${CASCA:-} CASCA_BUILD=${CASCA_BUILD:-} CASCA_ROOT=$CASCA_ROOT"

[ $# -gt 0 ] || set -- tests/integration
exec bats --tap "$@"
