#!/bin/bash
# run-checks.sh [LANE...] - run casca's test lanes and print one summary.
#   lint    static checks, first (cheap)         tests/lint.sh (make lint)
#   unit    C unit tests (TAP)                  build/tests/test-*
#   schema  config-schema vs parser agreement   tests/schema/check.py
#   aarch64 the exec stub built for aarch64, both modes, in a
#           qemu-system-aarch64 guest (about 5 s; a first run fetches
#           Debian's arm64 kernel)                 tests/aarch64/run.sh
#   host    bats integration suite on the host  tests/integration/*.bats
#   vm      bats suite in a pure cgroup v2 QEMU guest (tests/vm/)
#   vm-systemd  the same guest with systemd as pid 1: tests/vm/systemd-smoke.sh
#   fuzz    each libFuzzer target for FUZZ_SECONDS (10)  tests/fuzz/run.sh
#   asan    unit + host against an ASan+UBSan build in build-asan/ (built
#           here by `make asan-build`); any sanitizer report fails the lane
#   (cover) after host, vm and vm-systemd: each test the host skipped ran in
#           a guest (tests/lane-cover.py)
# Without arguments every lane runs, lint first: its failure is reported at
# once, and the other lanes still run, so one run shows every failure.  The
# guest lanes run in the background beside the others (CHECK_PARALLEL=0: one
# after another).  Results land in $BUILD/test-results/.
# shellcheck disable=SC2317 # the run_* lanes are called as "run_$lane"
set -uo pipefail
cd "$(dirname "$0")/.." || exit
BUILD=${BUILD:-build}
OUT=$BUILD/test-results
mkdir -p "$OUT"
lanes=("$@")
[ ${#lanes[@]} -gt 0 ] || lanes=(lint unit schema aarch64 host vm vm-systemd fuzz asan)
export CASCA="$PWD/$BUILD/casca" CASCA_BUILD="$PWD/$BUILD"

run_lint() {
  tests/lint.sh
}

run_unit() {
  local t rc=0
  for t in "$BUILD"/tests/test-*; do
    [ -x "$t" ] || continue
    echo "# $t"
    "$t" || rc=1
  done
  return "$rc"
}

run_schema() {
  python3 tests/schema/check.py "$BUILD/tests/config-check"
}

run_aarch64() {
  tests/aarch64/run.sh
}

run_host() {
  bats --tap tests/integration
}

run_vm() {
  tests/vm/check-vm.sh
}

run_vm-systemd() {
  tests/vm/check-vm.sh -S
}

run_fuzz() {
  local bins=() f
  for f in tests/fuzz/fuzz-*.c; do bins+=("$BUILD/fuzz/$(basename "$f" .c)"); done
  make --no-print-directory -s BUILD="$BUILD" "${bins[@]}" >&2 || return 1
  tests/fuzz/run.sh "${FUZZ_SECONDS:-10}" "${bins[@]}"
}

# casca runs from a sealed memfd copy of itself (runtime/sealed-exe.c), which
# the symbolizer cannot open: resolve those frames against $BUILD/casca.
symbolize_memfd() {
  local line off
  while IFS= read -r line; do
    printf '%s\n' "$line"
    off=$(printf '%s\n' "$line" | sed -n 's/.*(\/memfd:casca (deleted)+\(0x[0-9a-f]*\)).*/\1/p')
    [ -n "$off" ] && addr2line -f -i -C -e "$BUILD/casca" "$off" | paste -sd ' ' | sed 's/^/        -> /'
  done
}

# Sanitizer reports go to files (log_path): the container's init is a fork
# of casca that may write its stderr where no test looks.  An init that hits
# an error after pivot_root cannot open the file and dies saying so on its
# stderr, which fails its test.  Leaks are checked at every casca exit.
run_asan() {
  local reports=$PWD/$OUT/asan-reports rc=0 BUILD=${ASAN_BUILD:-build-asan}
  local CASCA CASCA_BUILD
  make --no-print-directory -s ASAN_BUILD="$BUILD" asan-build >&2 || return 1
  CASCA=$PWD/$BUILD/casca CASCA_BUILD=$PWD/$BUILD
  export CASCA CASCA_BUILD
  rm -rf "$reports"
  mkdir -p "$reports"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:log_path=$reports/asan:${ASAN_OPTIONS:-}"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan:${UBSAN_OPTIONS:-}"
  export LSAN_OPTIONS="log_path=$reports/lsan:${LSAN_OPTIONS:-}"
  run_unit || rc=1
  run_host || rc=1
  if compgen -G "$reports/*" > /dev/null; then
    echo "not ok 1 - sanitizer reports in $reports"
    head -n 60 "$reports"/* | symbolize_memfd | sed 's/^/# /'
    rc=1
  else
    echo "ok 1 - no sanitizer reports"
  fi
  return "$rc"
}

status=0
run_lane() {
  local rc t0=$SECONDS
  echo "=== lane: $1"
  "run_$1" 2>&1 | tee "$OUT/$1.tap"
  rc=${PIPESTATUS[0]}
  echo "=== lane $1 took $((SECONDS - t0)) s"
  [ "$rc" -eq 0 ] || { echo "=== lane $1 failed (exit $rc)"; return 1; }
}

# The guest lanes (vm: two guests, vm-systemd: one; all three at once) run
# in the background beside all the others (lint, unit, schema, aarch64, then
# host, fuzz, asan, in that order in the foreground) when both kinds are asked
# for and CHECK_PARALLEL is not 0: the guest spends most of its time in TCG
# emulation and the host lanes most of theirs waiting on processes, so side
# by side they take about the longer of the two instead of their sum.  The
# guests start first, so they end well before the host lanes, which then
# run alone (measured 2026-12-07: lint 336 s beside the guests against 93 s
# alone, host 1771 s against 2007 s; the whole 52 min 48 s against 54-56).
# Each guest lane's output is kept in $OUT/guest-LANE.log and printed when
# all end.
guest=() first=() after=()
for lane in "${lanes[@]}"; do
  case $lane in
    vm | vm-systemd) guest+=("$lane") ;;
    lint | unit | schema | aarch64) first+=("$lane") ;;
    *) after+=("$lane") ;;
  esac
done
if [ "${CHECK_PARALLEL:-1}" != 0 ] && [ ${#guest[@]} -gt 0 ] && [ ${#after[@]} -gt 0 ]; then
  echo "=== lanes ${guest[*]} run in the background beside ${first[*]} ${after[*]} (output: $OUT/guest-LANE.log)"
  guest_pids=()
  for lane in "${guest[@]}"; do
    run_lane "$lane" > "$OUT/guest-$lane.log" 2>&1 &
    guest_pids+=($!)
  done
  for lane in "${first[@]}" "${after[@]}"; do run_lane "$lane" || status=1; done
  echo "=== waiting for ${guest[*]}"
  for pid in "${guest_pids[@]}"; do wait "$pid" || status=1; done
  for lane in "${guest[@]}"; do cat "$OUT/guest-$lane.log"; done
else
  for lane in "${lanes[@]}"; do run_lane "$lane" || status=1; done
fi

# The guests run only the tests tagged vm or systemd: each test the host
# lane skipped must have run for real in one of them.
covered=()
for lane in "${lanes[@]}"; do
  case $lane in vm | vm-systemd) covered+=("$OUT/$lane.tap") ;; esac
done
if [ ${#covered[@]} -eq 2 ] && [[ " ${lanes[*]} " == *" host "* ]]; then
  echo "=== lane: cover"
  python3 tests/lane-cover.py "$OUT/host.tap" "${covered[@]}" | tee "$OUT/cover.tap"
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "=== lane cover failed"; status=1; }
  lanes+=(cover)
fi

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
