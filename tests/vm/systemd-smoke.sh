#!/bin/bash
# systemd-smoke.sh - runs INSIDE the VM lane's guest in systemd mode
# (`tests/vm/run-in-vm.sh -S`, `make check-vm-systemd`): checks that the
# mode is what a test of a systemd cgroup driver will rely on.  TAP output.
#   1 systemd is pid 1 and the boot finished with no failed unit
#   2 the command runs in its own delegated service cgroup on cgroup v2
#   3 D-Bus: the system bus answers for org.freedesktop.systemd1
#   4 systemd-run --scope makes a transient scope with the limit it is given
#   5 podman with cgroup_manager = "systemd" runs a container in a scope
#   6 the masked units (tests/vm/systemd/masked) did not run
# Env: SMOKE_PODMAN=0 skips 5 (the slowest: ~10 s under TCG).
set -uo pipefail

if [ "$(cat /proc/1/comm)" != systemd ] || [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
  echo "systemd-smoke.sh: pid 1 is not systemd on cgroup v2: run it with tests/vm/run-in-vm.sh -S" >&2
  exit 2
fi

# shellcheck source=tests/vm/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
echo "1..6"

# 1: the boot job queue drained and nothing failed ("degraded" otherwise).
state=$(timeout 300 systemctl is-system-running --wait 2>&1)
exe=$(readlink /proc/1/exe)
if [ "$state" = running ] && [ "$exe" = /usr/lib/systemd/systemd ]; then
  ok "systemd ($exe) is pid 1, is-system-running: $state"
else
  not_ok "systemd is pid 1 and running (pid 1 is $exe, is-system-running: $state)" \
    "$(systemctl --failed --no-pager --no-legend 2>&1)"
fi

# 2: our cgroup is the service's, systemd delegated it, no v1 hierarchy.
cg=$(cat /proc/self/cgroup)
deleg=$(systemctl show -P Delegate casca-vm-command.service)
v1=$(awk '$3 == "cgroup" { print $2 }' /proc/self/mounts)
if [ "$cg" = 0::/system.slice/casca-vm-command.service ] && [ "$deleg" = yes ] && [ -z "$v1" ] &&
  [ -w "/sys/fs/cgroup/system.slice/casca-vm-command.service/cgroup.procs" ]; then
  ok "the command runs in $cg (Delegate=$deleg), cgroup v2 only"
else
  not_ok "the command's cgroup" "cgroup: $cg" "Delegate: $deleg" "cgroup v1 mounts: $v1"
fi

# 3: the bus reaches systemd and reports the version systemctl knows.
want=$(systemctl --version | awk 'NR == 1 { gsub(/[()]/, "", $3); print $3 }')
got=$(busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 \
  org.freedesktop.systemd1.Manager Version 2>&1)
if [ "$got" = "s \"$want\"" ]; then
  ok "busctl: org.freedesktop.systemd1 Version is $want"
else
  not_ok "busctl get-property Version" "expected: s \"$want\"" "got: $got"
fi

# 4: a transient scope, created over D-Bus, with the memory limit it asked
# for in its own cgroup below system.slice.
# shellcheck disable=SC2016 # expanded by the scope's sh
out=$(systemd-run --quiet --scope -p MemoryMax=64M sh -c \
  'c=$(sed -n "s/^0:://p" /proc/self/cgroup); echo "$c $(cat /sys/fs/cgroup$c/memory.max)"' 2>&1)
case $out in
  /system.slice/run-*.scope" 67108864") ok "systemd-run --scope -p MemoryMax=64M: $out" ;;
  *) not_ok "systemd-run --scope -p MemoryMax=64M" "got: $out" ;;
esac

# 5: podman through systemd: the container's cgroup is a libpod-*.scope
# (made by systemd, over D-Bus) below machine.slice.  A busybox rootfs,
# podman's storage and configuration on the guest's tmpfs.
if [ "${SMOKE_PODMAN:-1}" = 0 ]; then
  skip "SMOKE_PODMAN=0"
elif ! command -v podman > /dev/null; then
  not_ok "podman is not installed (make deps installs it)"
else
  P=$(mktemp -d /tmp/smoke-podman.XXXXXX)
  mkdir -p "$P/rootfs/bin" "$P/rootfs/proc" "$P/rootfs/sys" "$P/rootfs/dev"
  cp /bin/busybox "$P/rootfs/bin/busybox"
  printf '[engine]\ncgroup_manager = "systemd"\nevents_logger = "file"\nevents_logfile_path = "%s/events.log"\n[containers]\nnetns = "none"\n' \
    "$P" > "$P/containers.conf"
  printf '[storage]\ndriver = "overlay"\nrunroot = "%s/run"\ngraphroot = "%s/graph"\n' "$P" "$P" > "$P/storage.conf"
  out=$(CONTAINERS_CONF=$P/containers.conf CONTAINERS_STORAGE_CONF=$P/storage.conf \
    podman run --rm --cgroupns=host --rootfs "$P/rootfs" /bin/busybox cat /proc/self/cgroup 2>&1)
  case $out in
    0::/machine.slice/libpod-*.scope*) ok "podman (cgroup_manager = systemd) ran a container in ${out#0::}" ;;
    *) not_ok "podman with cgroup_manager = systemd" "got: $out" ;;
  esac
  CONTAINERS_CONF=$P/containers.conf CONTAINERS_STORAGE_CONF=$P/storage.conf \
    podman system reset --force > /dev/null 2>&1
  rm -rf "$P"
fi

# 6: what tests/vm/systemd/masked lists is masked and never ran.
bad=()
while read -r u; do
  case $u in "" | "#"*) continue ;; esac
  s="$(systemctl show -P LoadState "$u") $(systemctl show -P ActiveState "$u")"
  [ "$s" = "masked inactive" ] || bad+=("$u: $s")
done < /run/vmwork/systemd/masked
if [ ${#bad[@]} -eq 0 ]; then
  ok "the masked units are masked and inactive"
else
  not_ok "masked units" "${bad[@]}"
fi

[ "$failed" -eq 0 ]
