#!/bin/bash
# bench/sandbox.sh - `make bench`: `casca sandbox -- true` against bubblewrap's
# `bwrap --unshare-all --ro-bind / / true`, start to exit, as root and as a
# normal user (a test user this script creates and removes), with peak RSS.
# casca's sandbox does more (seccomp filter, every capability dropped,
# no_new_privs, read-only host dirs, fresh /tmp and /dev); bwrap's line is the
# one its README gives.  Prints a markdown table, writes build/bench/sandbox.md.
#
#   bench/sandbox.sh        SANDBOX_RUNS (200), SANDBOX_WARMUP (10), SANDBOX_RSS_RUNS (5)
#
# Cgroups: casca runs without one here (no limits asked; on a hybrid host it
# never touches /sys/fs/cgroup).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CASCA=${CASCA:-$ROOT/build/casca}
RUNS=${SANDBOX_RUNS:-200}
WARMUP=${SANDBOX_WARMUP:-10}
RSS_RUNS=${SANDBOX_RSS_RUNS:-5}
OUT=${BENCH_OUT:-$ROOT/build/bench}

die() { echo "bench/sandbox.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (creates a test user)"
[ -x "$CASCA" ] || die "build $CASCA first (make)"
for t in bwrap hyperfine setpriv useradd python3 /usr/bin/time; do
  command -v "$t" > /dev/null || die "needs $t (make deps-bench)"
done

W=$(mktemp -d /tmp/casca-sandbox-bench.XXXXXX)
chmod 0755 "$W"
# The state roots on a tmpfs, as casca's defaults are on a usual system:
# /run/casca for root, $XDG_RUNTIME_DIR/casca (/run/user/UID) for a user.
# (On this VM /run is on the root's ext4, where the mkdir, rename and rmdir
# of the sandbox's state dir cost more: 12.2 against 10.5 ms of CPU time per
# run in one measurement, 2026-12-06.)
S=$(mktemp -d /dev/shm/casca-sandbox-bench.XXXXXX)
chmod 0755 "$S"
USER_NAME=cscbench$$
cleanup() {
  userdel -r "$USER_NAME" > /dev/null 2>&1 || true
  rm -rf "$W" "$S"
}
trap cleanup EXIT
useradd -m -N -s /bin/sh "$USER_NAME"
UID_=$(id -u "$USER_NAME")
HOME_=$(getent passwd "$USER_NAME" | cut -d: -f6)
# the casca binary where the user can run it, stripped as `make install` does
# (where it re-executes from a sealed copy of itself, debug info would be copied)
install -s -m 0755 "$CASCA" "$W/casca"
mkdir -p "$S/state" "$W/work"

as_user() { # the command line to run as the test user
  printf 'setpriv --reuid %s --regid %s --clear-groups env -i PATH=/usr/bin:/bin HOME=%s XDG_RUNTIME_DIR=%s %s' \
    "$UID_" "$(id -g "$USER_NAME")" "$HOME_" "$S/xdg" "$1"
}
install -d -m 0700 -o "$USER_NAME" "$S/xdg"

casca_root="$W/casca --root $S/state sandbox -- /bin/true"
bwrap_cmd="bwrap --unshare-all --ro-bind / / /bin/true"
casca_user=$(as_user "$W/casca sandbox -- /bin/true")
bwrap_user=$(as_user "$bwrap_cmd")

cd "$W/work"
for c in "$casca_root" "$bwrap_cmd"; do $c > /dev/null || die "fails as root: $c"; done
(cd "$HOME_" && $casca_user && $bwrap_user) > /dev/null || die "fails as $USER_NAME"

hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$W/root.json" \
  -n casca "$casca_root" -n bwrap "$bwrap_cmd" >&2
(cd "$HOME_" && hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
  --export-json "$W/user.json" -n casca "$casca_user" -n bwrap "$bwrap_user" >&2)

rss() { # command line -> max ru_maxrss over RSS_RUNS, KiB
  local max=0 v
  for ((i = 0; i < RSS_RUNS; i++)); do
    # shellcheck disable=SC2086
    /usr/bin/time -f %M -o "$W/rss.tmp" $1 > /dev/null 2>&1 < /dev/null || die "failed: $1"
    v=$(tail -n 1 "$W/rss.tmp")
    [ "$v" -le "$max" ] || max=$v
  done
  echo "$max"
}
r_casca_root=$(rss "$casca_root") r_bwrap_root=$(rss "$bwrap_cmd")
r_casca_user=$(cd "$HOME_" && rss "$casca_user") r_bwrap_user=$(cd "$HOME_" && rss "$bwrap_user")

left=$(find "$S/state/@sandbox" "$S/xdg/casca/@sandbox" -mindepth 1 2> /dev/null || true)
[ -z "$left" ] || die "casca left sandboxes behind: $left"

mkdir -p "$OUT"
python3 - "$W/root.json" "$W/user.json" "$r_casca_root" "$r_bwrap_root" "$r_casca_user" \
  "$r_bwrap_user" << 'PY' | tee "$OUT/sandbox.md"
import json, statistics, sys
root, user = (json.load(open(p))["results"] for p in sys.argv[1:3])
rss = [int(x) for x in sys.argv[3:7]]
print("| as | casca sandbox -- true (median) | bwrap --unshare-all --ro-bind / / true | ratio casca/bwrap | peak RSS casca / bwrap |")
print("| --- | --- | --- | --- | --- |")
for name, res, (rc, rb) in (("root", root, rss[0:2]), ("user", user, rss[2:4])):
    m = {r["command"]: statistics.median(r["times"]) * 1000 for r in res}
    print(f"| {name} | {m['casca']:.2f} ms | {m['bwrap']:.2f} ms | {m['casca'] / m['bwrap']:.2f} | {rc} KiB / {rb} KiB |")
PY
