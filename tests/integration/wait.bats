#!/usr/bin/env bats
# wait.bats - the tests' one wait helper (helpers/wait.bash) waits, gives up
# on time, and says what it last saw.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load helpers/wait

bats_require_minimum_version 1.5.0

@test "wait_until returns once the condition holds" {
  (sleep 0.3; touch "$BATS_TEST_TMPDIR/flag") &
  SECONDS=0
  run wait_until --timeout 10 test -e "$BATS_TEST_TMPDIR/flag"
  assert_success
  assert_output ""
  assert [ "$SECONDS" -lt 5 ]
  wait
}

@test "wait_until gives up after --timeout, printing the command and its last output" {
  local t0 t1
  t0=${EPOCHREALTIME/[.,]/}
  run wait_until --timeout 0.5 --interval 0.1 sh -c 'echo "saw $(date +%N)"; exit 1'
  t1=${EPOCHREALTIME/[.,]/}
  assert_failure 1
  assert_line --index 0 "wait_until: still failing after 0.5s: sh -c echo\\ \\\"saw\\ \\\$\\(date\\ +%N\\)\\\"\\;\\ exit\\ 1"
  assert_line --index 1 "its last output:"
  assert_line --index 2 --regexp '^saw [0-9]+$'
  # it waited about 0.5 s, not less, not much more
  assert [ $((t1 - t0)) -ge 500000 ]
  assert [ $((t1 - t0)) -lt 5000000 ]
}

@test "file_has shows the end of the file it waited on; a bad call is refused" {
  printf 'one\ntwo\n' > "$BATS_TEST_TMPDIR/f"
  run wait_until --timeout 0.2 file_has "$BATS_TEST_TMPDIR/f" '^three$'
  assert_failure
  assert_line "no line of $BATS_TEST_TMPDIR/f matches /^three$/; it ends with:"
  assert_line two
  run wait_until file_has "$BATS_TEST_TMPDIR/f" '^tw'
  assert_success
  run wait_until --timeout soon true
  assert_failure 2
  assert_output --partial "usage: wait_until"
  CASCA_WAIT_TIMEOUT=0.2 run wait_until false
  assert_failure 1
  assert_line --index 0 "wait_until: still failing after 0.2s: false"
}
