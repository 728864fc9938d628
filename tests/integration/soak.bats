#!/usr/bin/env bats
# soak.bats - the short version of the fault-injection soak
# (tests/soak/soak.sh, `make soak`), so `make check`'s VM lane runs it: a few
# cycles of seeded faults (casca or the container's init SIGKILLed mid-verb,
# concurrent verbs on one id, a full state root, a small fd limit, a damaged
# state.json) with the leak audit after each, a small load phase and a short
# `casca events` fd/RSS run.  Needs cgroup v2: the VM lane's guest.

load helpers/casca

setup() {
  common_setup
  need_cgroup2
  command -v nft >/dev/null || skip "needs nft (nftables) for the leak audit"
}

teardown() { :; }

@test "soak (short): seeded faults, no leak, no hang, no unexplained failure" {
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
