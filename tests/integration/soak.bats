#!/usr/bin/env bats
# soak.bats - the short version of the fault-injection soak
# (tests/soak/soak.sh, `make soak`), so `make check`'s VM lane runs it: a few
# cycles of seeded faults (casca or the container's init SIGKILLed mid-verb,
# concurrent verbs on one id, a full state root, a small fd limit, a damaged
# state.json) with the leak audit after each, a small load phase and a short
# `casca events` fd/RSS run.  Needs cgroup v2: the VM lane's guest.  The
# host lane runs the kill-step faults alone (soak.sh masks the host's
# cgroups in a private mount namespace there).

load helpers/casca

setup() {
  common_setup
  command -v nft >/dev/null || skip "needs nft (nftables) for the leak audit"
}

teardown() { :; }

# bats test_tags=vm
@test "soak (short): seeded faults, no leak, no hang, no unexplained failure" {
  need_cgroup2
  run env SOAK_CYCLES="${SOAK_CYCLES:-8}" SOAK_PAR=2 SOAK_SEED="${SOAK_SEED:-15}" \
    SOAK_LOAD="${SOAK_LOAD:-6}" SOAK_EVENTS=5 CASCA="$CASCA" "$TESTS_DIR/soak/soak.sh"
  echo "$output"
  assert_success
  assert_line "# soak: passed"
  assert_line "| leaks found | 0 |"
  assert_line "| hung verbs | 0 |"
  assert_line "| failures other than the injected fault | 0 |"
  assert_line --regexp '^\| containers held at once \(load\) \| ([0-9]+) of \1 \(distinct addresses: \1\) \|$'
}

# bats test_tags=host
@test "soak: create SIGKILLed at each of its named steps in turn, delete --force leaves nothing" {
  # the guest's short soak above draws kill-step among its faults, and
  # crash.bats kills create at each step there with a cgroup
  [ -z "${CASCA_VM:-}" ] || skip "the host lane runs this; the VM lane's short soak draws kill-step"
  run env SOAK_FAULTS=kill-step SOAK_CYCLES=11 SOAK_PAR=1 SOAK_SEED=1 SOAK_LOAD=0 SOAK_EVENTS=0 SOAK_VERBOSE=1 \
    CASCA="$CASCA" "$TESTS_DIR/soak/soak.sh"
  echo "$output"
  assert_success
  assert_line "# soak: passed"
  assert_line "| leaks found | 0 |"
  # each step once, and create really died there (SIGKILL: 137)
  for step in dir state config fifo cgroup clone network pid hooks ready created; do
    assert_line "| fault kill-step:$step | 1 |"
    assert_line --regexp "^# cycle [0-9]+: ok kill-step:$step step=$step rc=137 "
  done
}
