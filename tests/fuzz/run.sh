#!/bin/bash
# run.sh SECONDS FUZZER... - run each libFuzzer binary for SECONDS on a
# working copy of its seed corpus (tests/fuzz/corpus/<name without fuzz->;
# new inputs go to the copy, never into the tree) and print TAP:
#   ok 1 - fuzz-config: 123456 runs clean
# A crash, leak or UB report fails the fuzzer's line; its output and the
# crashing input stay under <dir of the binary>/<name>.log and artifacts/.
# Known leaks of the libraries (not casca's) are suppressed: lsan.supp.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit

seconds=${1:?usage: run.sh SECONDS FUZZER...}
shift
[ $# -gt 0 ] || { echo "run.sh: no fuzzers given" >&2; exit 2; }
echo "1..$#"
n=0 status=0
for bin in "$@"; do
  n=$((n + 1))
  name=$(basename "$bin")
  dir=$(dirname "$bin")
  seeds=tests/fuzz/corpus/${name#fuzz-}
  work=$dir/corpus-${name#fuzz-}
  log=$dir/$name.log
  mkdir -p "$work" "$dir/artifacts"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2> /dev/null
  LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:${LSAN_OPTIONS:-}" \
    "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$dir/artifacts/$name-" \
    "$work" > "$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
    echo "ok $n - $name: $runs runs clean in ${seconds}s"
  else
    echo "not ok $n - $name: exit $rc after ${runs:-?} runs (log: $log)"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error:|artifact_prefix|Test unit written)' "$log" |
      head -20 | sed 's/^/# /'
    status=1
  fi
done
exit $status
