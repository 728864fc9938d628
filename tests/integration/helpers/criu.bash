# criu.bash - for the bats files that checkpoint and restore through CRIU
# (checkpoint.bats, systemd-cgroup.bats, systemd-engines.bats): a counter
# that writes to a file on the host, and what tells whether it went on.

# need_criu: skip with the reason unless criu can run here (a pure cgroup
# v2 hierarchy: criu makes and fills cgroups, which the host's hybrid
# hierarchy must never see).
need_criu() {
  need_cgroup2
  need_criu_program
}

# need_criu_program: criu is installed and works in this kernel (where the
# lane is known to be right already: need_systemd's)
need_criu_program() {
  [ -x /usr/sbin/criu ] || skip "criu is not installed (make deps)"
  local out
  out=$(criu check 2>&1) || skip "criu check fails in this kernel: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
}

# criu_log_errors DIR...: criu's own account of a failure (for teardown)
criu_log_errors() {
  local d
  for d in "$@"; do
    grep -h -B2 "Error" "$d"/*.log 2> /dev/null | head -n 40 || true
  done
}

# counter_bundle [SPEC_OPTION...]: a bundle ($BUNDLE, make_bundle's) whose
# container appends 1, 2, 3... to /data/log (bound from $DATA, made when
# unset), ten a second; its stdio is its own /dev/null.  $COUNTER_BESIDE: a
# shell command line ending in `& ` started beside the counter.
counter_bundle() {
  DATA=${DATA:-$BATS_TEST_TMPDIR/data}
  mkdir -p "$DATA"
  make_bundle "" "$@"
  cfg 'c["mounts"].append({"destination": "/data", "type": "bind", "source": "'"$DATA"'", "options": ["rbind", "rw"]})'
  args sh -c "exec </dev/null >/dev/null 2>&1; ${COUNTER_BESIDE:-}i=0; while :; do i=\$((i + 1)); echo \$i >> /data/log; usleep 100000; done"
}

# has_lines N [FILE]: FILE ($DATA/log) has at least N lines
has_lines() {
  local n f=${2:-$DATA/log}
  n=$(wc -l < "$f" 2>/dev/null || echo 0)
  [ "$n" -ge "$1" ] && return 0
  echo "$f: $n lines, not $1"
  return 1
}

# log_is_one_count [FILE]: FILE ($DATA/log) counts 1, 2, 3... without a gap
# or a restart.
log_is_one_count() {
  awk 'NR != $1 { print "line " NR " is " $1; bad = 1 } END { exit bad }' "${1:-$DATA/log}"
}
