#!/bin/bash
# run-checks.sh [LANE...] - run casca's test lanes and print one summary.
#   unit    C unit tests (TAP)                  build/tests/test-*
#   schema  config-schema vs parser agreement   tests/schema/check.py
#   host    bats integration suite on the host  tests/integration/*.bats
#   vm      bats suite in a pure cgroup v2 QEMU guest (tests/vm/)
# Without arguments every lane runs.  Results land in build/test-results/.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=$BUILD/test-results
mkdir -p "$OUT"
lanes=("$@")
[ ${#lanes[@]} -gt 0 ] || lanes=(unit schema host vm)
export CASCA="$PWD/$BUILD/casca" CASCA_BUILD="$PWD/$BUILD"

run_unit() {
  local t rc=0
  for t in "$BUILD"/tests/test-*; do
    [ -x "$t" ] || continue
    echo "# $t"
    "$t" || rc=1
  done
  return $rc
}

run_schema() {
  python3 tests/schema/check.py "$BUILD/tests/config-check"
}

run_host() {
  bats --tap tests/integration
}

run_vm() {
  tests/vm/check-vm.sh
}

status=0
for lane in "${lanes[@]}"; do
  echo "=== lane: $lane"
  "run_$lane" 2>&1 | tee "$OUT/$lane.tap"
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || { echo "=== lane $lane failed (exit $rc)"; status=1; }
done

# One closing line over every lane that ran.
pass=0 fail=0 skip=0
for lane in "${lanes[@]}"; do
  f=$OUT/$lane.tap
  p=$(grep -cE '^ok [0-9]+' "$f" | head -1); s=$(grep -cE '^ok [0-9]+.*# (skip|SKIP)' "$f")
  n=$(grep -cE '^not ok [0-9]+' "$f")
  pass=$((pass + p - s)); skip=$((skip + s)); fail=$((fail + n))
done
[ $fail -eq 0 ] || status=1
echo "${pass} passed, ${fail} failed, ${skip} skipped"
exit $status
