#!/bin/bash
# systemd-lane.sh - runs INSIDE the vm-systemd lane's guest (check-vm.sh -S):
# in one boot, systemd-smoke.sh (is the mode what the tests rely on?), then
# the bats tests tagged systemd: those that need systemd as pid 1
# (tests/vm/guest.sh sets up their environment).  Exit: 0 when both passed.
# Arguments: passed to systemd-smoke.sh.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

rc=0
tests/vm/systemd-smoke.sh "$@" || rc=1
echo "# vm-systemd: the bats files that need systemd"
mapfile -t files < <(grep -El '^# bats (file|test)_tags=(.*,)?systemd(,|$)' tests/integration/*.bats)
VM_TAGS=systemd tests/vm/guest.sh "${files[@]}" || rc=1
exit $rc
