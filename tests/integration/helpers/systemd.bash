# systemd.bash - for the bats files that need systemd as pid 1 (the
# vm-systemd lane: tests/vm/check-vm.sh -S): systemd-cgroup.bats and
# systemd-engines.bats.  What they read is what systemd says (systemctl
# show) and what the kernel has, never casca's own account.

# need_systemd: in setup: skip with the reason unless systemd is pid 1 on a
# pure cgroup v2 hierarchy.
need_systemd() {
  if [ "$(cat /proc/1/comm 2> /dev/null)" != systemd ] ||
    [ "$(stat -f -c %T /sys/fs/cgroup 2> /dev/null)" != cgroup2fs ]; then
    skip "needs systemd as pid 1 on cgroup v2 (the vm-systemd lane: tests/vm/check-vm.sh -S)"
  fi
}

# prop UNIT PROPERTY: systemctl show's value
prop() { systemctl show -P "$2" "$1"; }

# units PATTERN: the units matching PATTERN systemd has loaded (any state),
# one per line.
units() {
  systemctl list-units --all --plain --no-legend "$1" 2> /dev/null | awk '{ print $1 }'
}

# no_unit UNIT: systemd has no such unit loaded (else says what it has)
no_unit() {
  local s
  s=$(systemctl list-units --all --plain --no-legend "$1" 2>&1)
  [ -z "$s" ] && return 0
  echo "unit $1 is still there: $s"
  return 1
}

# drop_units PATTERN: stops and resets what matches (a teardown's cleanup).
drop_units() {
  systemctl stop "$1" > /dev/null 2>&1 || true
  systemctl reset-failed "$1" > /dev/null 2>&1 || true
}
