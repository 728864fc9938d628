# shellcheck shell=bash
# tap.sh - TAP helpers for the guest-side smoke scripts (rootfs-smoke.sh,
# systemd-smoke.sh), which source it.  $n counts the tests, $failed the
# failures: a script ends with `[ "$failed" -eq 0 ]`.
n=0 failed=0
# ok DESCRIPTION
ok() { n=$((n + 1)); echo "ok $n - $1"; }
# not_ok DESCRIPTION [DETAIL...]: each DETAIL's lines as `# ` lines
not_ok() {
  n=$((n + 1)) failed=$((failed + 1))
  echo "not ok $n - $1"
  shift
  [ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/# /'
}
# skip REASON
skip() { n=$((n + 1)); echo "ok $n # skip $1"; }
