#!/bin/bash
# rootfs-smoke.sh ROOTFS [SHIFTED] - runs INSIDE the VM lane's guest (`make
# check-rootfs-debian` builds the trees with tools/mkrootfs-debian on the
# host first): checks that a test gets a usable, writable copy of the cached
# Debian system-container rootfs.  TAP output.
#   1 an overlay copy (rootfs-overlay.sh) takes writes and deletions, and
#     the cached tree does not change
#   2 the copy's programs run: systemd, cloud-init (python3), dpkg
#   3 SHIFTED (--shift 100000) in a user namespace mapping 0 to 100000:
#     files are root's, set-id bits survived
#   4 with SMOKE_BOOT=1 (slow: minutes under TCG): podman boots the copy,
#     systemd as pid 1, and cloud-init applies a NoCloud seed
set -uo pipefail
# shellcheck source=tests/vm/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
cd "$(dirname "$0")/../.." || exit 2
[ $# -ge 1 ] || { echo "usage: $0 ROOTFS [SHIFTED]" >&2; exit 2; }
L=$1 S=${2:-}
O=tests/vm/rootfs-overlay.sh
C=$(mktemp -d /tmp/rootfs-smoke.XXXXXX)

# in_userns SHIFT CMD...: CMD as uid 0 of a new user namespace that maps
# 0-65535 to SHIFT-.  (newuidmap would want /etc/subuid entries for root:
# root writes the maps of a holder process itself and joins it.)
in_userns() {
  local shift=$1 holder me rc
  shift
  unshare --user sleep 600 &
  holder=$!
  me=$(readlink /proc/self/ns/user)
  while [ "$(readlink "/proc/$holder/ns/user" 2> /dev/null)" = "$me" ]; do sleep 0.05; done
  echo "0 $shift 65536" > "/proc/$holder/uid_map"
  echo "0 $shift 65536" > "/proc/$holder/gid_map"
  nsenter --user --target "$holder" --setuid 0 --setgid 0 "$@"
  rc=$?
  kill "$holder"
  wait "$holder" 2> /dev/null
  return $rc
}
secs() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
echo "1..4"

t0=$EPOCHREALTIME
if ! $O mount "$L" "$C/c"; then
  not_ok "overlay copy of $L"
  exit 1
fi
mount_s=$(secs "$t0")
echo new > "$C/c/etc/casca-smoke"
rm "$C/c/etc/hostname"
if [ "$(cat "$C/c/etc/casca-smoke")" = new ] && [ ! -e "$C/c/etc/hostname" ] &&
  [ ! -e "$L/etc/casca-smoke" ] && [ -e "$L/etc/hostname" ]; then
  ok "overlay copy in ${mount_s}s: writes and deletions land in the copy only"
else
  not_ok "overlay copy: writes and deletions" "$(ls -l "$C/c/etc/casca-smoke" "$L/etc/hostname" 2>&1)"
fi

# shellcheck disable=SC2016 # expanded by the inner sh
out=$(chroot "$C/c" sh -c 'systemctl --version | head -n 1; python3 -c "import cloudinit.version as v; print(\"cloud-init\", v.version_string())"; dpkg-query -W -f "\${Version}\n" openssh-server' 2>&1)
if [[ $out == "systemd 252 "*$'\n'"cloud-init "*$'\n'[0-9]* ]]; then
  ok "the copy runs: $(echo "$out" | paste -sd ';')"
else
  not_ok "programs of the copy" "$out"
fi

if [ -z "$S" ]; then
  skip "no shifted tree given"
else
  # (File capabilities cannot be checked here: the guest's 9p root has no
  # xattrs, so no file of the tree has any in the guest.)
  # shellcheck disable=SC2016 # expanded by the inner sh
  out=$(in_userns 100000 sh -c 'id -u; cd "$1" && stat -c "%u:%g %A" etc/shadow usr/bin/sudo' sh "$S" 2>&1)
  want=$'0\n0:42 -rw-r-----\n0:0 -rwsr-xr-x'
  if [ "$out" = "$want" ]; then
    ok "shifted tree in a user namespace: root-owned, set-id bits kept"
  else
    not_ok "shifted tree in a user namespace" "expected: $want" "got: $out"
  fi
fi

if [ "${SMOKE_BOOT:-0}" != 1 ]; then
  skip "SMOKE_BOOT=1 boots the rootfs with podman"
else
  seed=$C/c/var/lib/cloud/seed/nocloud
  mkdir -p "$seed"
  printf 'instance-id: casca-smoke\nlocal-hostname: sysc\n' > "$seed/meta-data"
  printf '#cloud-config\nusers:\n  - name: tester\n    shell: /bin/bash\nruncmd:\n  - [ sh, -c, "echo provisioned > /var/tmp/seed-ran" ]\n' \
    > "$seed/user-data"
  P=$C/podman
  mkdir -p "$P"
  printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nevents_logfile_path = "%s/events.log"\n[containers]\nnetns = "none"\n' \
    "$P" > "$P/containers.conf"
  printf '[storage]\ndriver = "overlay"\nrunroot = "%s/run"\ngraphroot = "%s/graph"\n' "$P" "$P" > "$P/storage.conf"
  export CONTAINERS_CONF=$P/containers.conf CONTAINERS_STORAGE_CONF=$P/storage.conf
  t0=$EPOCHREALTIME
  podman run -d --name rootfs-smoke --systemd=always --rootfs "$C/c" /sbin/init > /dev/null
  state=
  for _ in $(seq 1 300); do
    state=$(podman exec rootfs-smoke systemctl is-system-running 2> /dev/null)
    case $state in running | degraded) break ;; esac
    sleep 2
  done
  boot_s=$(secs "$t0")
  out=$(podman exec rootfs-smoke sh -c 'cat /proc/1/comm; cloud-init status; cat /var/tmp/seed-ran; id -un tester' 2>&1)
  if [ "$state" = running ] && [ "$out" = $'systemd\nstatus: done\nprovisioned\ntester' ]; then
    ok "podman booted the copy in ${boot_s}s: systemd is pid 1, running; cloud-init done; upper layer: $(du -sh "$C/c.rw" | cut -f1)"
  else
    not_ok "podman boots the copy (after ${boot_s}s: $state)" "$out" \
      "$(podman exec rootfs-smoke systemctl --failed --no-legend 2>&1)"
  fi
  podman rm -f -t 0 rootfs-smoke > /dev/null 2>&1
  podman system reset --force > /dev/null 2>&1
fi

$O umount "$C/c"
rm -rf "$C"
[ "$failed" -eq 0 ]
