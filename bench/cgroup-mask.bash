# cgroup-mask.bash - sourced by the benchmarks that run runtimes on this
# host, whose cgroups are not theirs to touch.
#
# mask_cgroupfs [CALLER_MNT_NS]: in a private mount namespace (refused in
# init's or CALLER_MNT_NS, the caller's), replace /sys/fs/cgroup by an empty
# tmpfs and check that no cgroup filesystem is left in this view.  Needs
# die().
mask_cgroupfs() {
  local self
  self=$(readlink /proc/self/ns/mnt)
  if [ "$self" = "$(readlink /proc/1/ns/mnt)" ] || [ "$self" = "${1:-}" ]; then
    die "not in a private mount namespace"
  fi
  umount -R /sys/fs/cgroup 2>/dev/null || umount -R -l /sys/fs/cgroup 2>/dev/null || true
  mount -t tmpfs -o mode=0755,size=1m,nosuid,nodev,noexec casca-bench-cgroup /sys/fs/cgroup
  # fields after " - ": fstype source options
  if awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { print $(i + 1); break } }' \
      /proc/self/mountinfo | grep -qxE 'cgroup2?'; then
    die "a cgroup filesystem is still mounted in the private view; not running"
  fi
  [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] || die "/sys/fs/cgroup is not the tmpfs"
}
