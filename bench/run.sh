#!/bin/bash
# bench/run.sh - `make bench`: start-to-exit time of `casca run` against
# Debian's crun and runc and the namespace floor
# `unshare --mount --uts --ipc --pid --net --fork true`, on one busybox bundle
# running /bin/true; peak RSS of each runtime; binary sizes.  Prints a
# markdown table and writes it to build/bench/table.md.  Needs root.
#
#   bench/run.sh        BENCH_RUNS (500), BENCH_ROUNDS (5), BENCH_WARMUP (10 per round),
#                       BENCH_RSS_RUNS (5), BENCH_PARTS ("run exec": which tables)
#
# exec: `RUNTIME exec ID /bin/true` into a container of the same bundle
# running sleep, started by that runtime (`run -d`); its floor is
# `nsenter --target PID --mount --uts --ipc --net --pid /bin/true`.
#
# The runs of each command are spread over BENCH_ROUNDS hyperfine
# invocations, one after the other, so that a change in the machine's load
# during the benchmark falls on every command alike; the medians are over
# all runs of all rounds.
#
# Cgroups: this host may have a hybrid hierarchy that belongs to someone
# else, and crun refuses hybrid hosts.  Every runtime therefore runs inside
# `unshare -m --propagation private`, where /sys/fs/cgroup is unmounted
# (recursively) and replaced by an empty tmpfs: no cgroupfs is reachable
# from that view, so whatever a runtime writes there lands in a throwaway
# tmpfs.  casca and crun run with their cgroup manager disabled; runc has no
# such mode and is tried once (and left out, with its error in the table, if
# it cannot run without a cgroup mount).  The host's mounts are not touched.
#
# The same config.json serves all three: `casca spec --hardened` with args
# ["/bin/true"] (["sleep", "1000000"] in bundle-CONFIG-sleep, for exec), ociVersion 1.0.2 (crun 1.8 refuses 1.2.0), readonly root,
# no terminal; once as `casca spec --hardened` writes it (with its seccomp profile)
# and once without linux.seccomp.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

CASCA=${CASCA:-$ROOT/build/casca}
RUNS=${BENCH_RUNS:-500}
ROUNDS=${BENCH_ROUNDS:-5}
WARMUP=${BENCH_WARMUP:-10}
RSS_RUNS=${BENCH_RSS_RUNS:-5}
OUT=${BENCH_OUT:-$ROOT/build/bench}
PARTS=${BENCH_PARTS:-run exec}
FLOOR=(unshare --mount --uts --ipc --pid --net --fork true)
CONFIGS=(seccomp no-seccomp)

die() { echo "bench/run.sh: $*" >&2; exit 1; }
# shellcheck source=bench/cgroup-mask.bash
. "$(dirname "$0")/cgroup-mask.bash"

# ---- inside the private mount namespace -------------------------------------
# $0 --inside WORK HOST_MNT_NS: set up the cgroup-less view, then measure.
if [ "${1:-}" = --inside ]; then
  W=$2
  # refuses to run anything in the caller's (or init's) mount namespace
  mask_cgroupfs "$3"
  grep -E ' /sys/fs/cgroup' /proc/self/mountinfo >"$W/mountinfo-cgroup.txt"

  cmd_of() { # RUNTIME CONFIG -> the command line, one word per line
    local b=$W/bundle-$2 id=bench-$1-$$
    case $1 in
      # --log: a run that fails among thousands leaves its error there
      casca) printf '%s\n' "$CASCA" --root "$W/state-casca" --log "$W/log-casca" \
               --cgroup-manager disabled run --bundle "$b" "$id" ;;
      crun) printf '%s\n' crun --root "$W/state-crun" --log "$W/log-crun" \
              --cgroup-manager=disabled run --bundle "$b" "$id" ;;
      runc) printf '%s\n' runc --root "$W/state-runc" --log "$W/log-runc" run --bundle "$b" "$id" ;;
      floor) printf '%s\n' "${FLOOR[@]}" ;;
    esac
  }
  quote() { local a out=; for a; do out+="${out:+ }$(printf '%q' "$a")"; done; echo "$out"; }

  # each runtime once per config: does it run at all?
  for rt in casca crun runc; do
    [[ " $PARTS " = *" run "* ]] || break
    for c in "${CONFIGS[@]}"; do
      mapfile -t cmd < <(cmd_of "$rt" "$c")
      if "${cmd[@]}" </dev/null >"$W/probe-$rt-$c.log" 2>&1; then
        echo ok >"$W/status-$rt-$c"
      else
        { echo "exit $?: $(grep -v '^$' "$W/probe-$rt-$c.log" | tail -n 1)"; } \
          >"$W/status-$rt-$c"
      fi
    done
  done

  for c in "${CONFIGS[@]}"; do
    [[ " $PARTS " = *" run "* ]] || break
    hf=() prep=()
    for rt in casca crun runc floor; do
      [ $rt = floor ] || [ "$(cat "$W/status-$rt-$c")" = ok ] || continue
      mapfile -t cmd < <(cmd_of "$rt" "$c")
      hf+=(-n "$rt" "$(quote "${cmd[@]}")")
      prep+=(--prepare true)
      # casca compiles a seccomp profile once and caches the program in its
      # state root: its runs above hit the cache; this one never does
      if [ $rt = casca ] && [ "$c" = seccomp ]; then
        hf+=(-n casca-cold "$(quote "${cmd[@]}")")
        prep+=(--prepare "rm -rf $W/state-casca/@cache")
      fi
    done
    for ((r = 1; r <= ROUNDS; r++)); do
      echo "== hyperfine, config: $c, round $r of $ROUNDS" >&2
      : > "$W/log-casca"; : > "$W/log-crun"; : > "$W/log-runc"
      hyperfine -N --style basic --warmup "$WARMUP" --runs $(((RUNS + ROUNDS - 1) / ROUNDS)) \
        --export-json "$W/hyperfine-$c-$r.json" "${prep[@]}" "${hf[@]}" >&2 && continue
      for f in "$W"/log-*; do
        [ -s "$f" ] && { echo "== $f"; tail -n 5 "$f"; }
      done >&2
      die "a runtime failed during the benchmark ($c, round $r)"
    done
  done

  # peak RSS: /usr/bin/time's %M (ru_maxrss from wait4), max over a few runs
  peak_rss() { # NAME COMMAND...: the largest %M of RSS_RUNS runs
    local name=$1 max=0 v i
    shift
    for ((i = 0; i < RSS_RUNS; i++)); do
      /usr/bin/time -f %M -o "$W/rss.tmp" "$@" </dev/null >/dev/null 2>&1 ||
        die "$name failed under /usr/bin/time"
      v=$(tail -n 1 "$W/rss.tmp")
      [ "$v" -le "$max" ] || max=$v
    done
    echo "$max"
  }
  # what each runtime's image costs before it does anything: the
  # dynamically linked binary, its libraries and the loader (`--version`)
  peak_rss "casca --version" "$CASCA" --version >"$W/rss-image-casca"
  peak_rss "crun --version" crun --version >"$W/rss-image-crun"
  if [[ " $PARTS " = *" run "* ]]; then
    for c in "${CONFIGS[@]}"; do
      for rt in casca crun runc floor; do
        [ $rt = floor ] || [ "$(cat "$W/status-$rt-$c")" = ok ] || continue
        mapfile -t cmd < <(cmd_of "$rt" "$c")
        peak_rss "$rt ($c)" "${cmd[@]}" >"$W/rss-$rt-$c"
      done
    done
  fi

  # ---- exec: `RUNTIME exec ID /bin/true` into a running container ----------
  # Each runtime starts its own container of the bundle running sleep
  # (bundle-CONFIG-sleep) and execs into it; the floor is nsenter into the
  # namespaces of casca's container.
  ctl_of() { # RUNTIME: the runtime with its global options, one word per line
    case $1 in
      casca) printf '%s
' "$CASCA" --root "$W/state-casca" --log "$W/log-casca" \
               --cgroup-manager disabled ;;
      crun) printf '%s
' crun --root "$W/state-crun" --log "$W/log-crun" --cgroup-manager=disabled ;;
      runc) printf '%s
' runc --root "$W/state-runc" --log "$W/log-runc" ;;
    esac
  }
  exec_id() { echo "bench-exec-$1-$2-$$"; }
  exec_cmd_of() { # RUNTIME CONFIG
    local ctl
    if [ "$1" = floor ]; then
      printf '%s\n' nsenter --target "$(cat "$W/exec-pid-$2")" --mount --uts --ipc --net --pid \
        /bin/true
      return
    fi
    mapfile -t ctl < <(ctl_of "$1")
    printf '%s\n' "${ctl[@]}" exec "$(exec_id "$1" "$2")" /bin/true
  }
  if [[ " $PARTS " = *" exec "* ]]; then
    for c in "${CONFIGS[@]}"; do
      hf=() prep=()
      for rt in casca crun runc; do
        mapfile -t ctl < <(ctl_of "$rt")
        if "${ctl[@]}" run -d --pid-file "$W/exec-pid-$c-$rt" --bundle "$W/bundle-$c-sleep" \
             "$(exec_id "$rt" "$c")" </dev/null >"$W/probe-exec-$rt-$c.log" 2>&1; then
          echo ok >"$W/status-exec-$rt-$c"
        else
          echo "exit $?: $(grep -v '^$' "$W/probe-exec-$rt-$c.log" | tail -n 1)" \
            >"$W/status-exec-$rt-$c"
          "${ctl[@]}" delete -f "$(exec_id "$rt" "$c")" >/dev/null 2>&1 || true
          continue
        fi
        mapfile -t cmd < <(exec_cmd_of "$rt" "$c")
        hf+=(-n "$rt" "$(quote "${cmd[@]}")")
      done
      [ "$(cat "$W/status-exec-casca-$c")" = ok ] || die "casca run -d ($c) failed: $(cat "$W/status-exec-casca-$c")"
      cp "$W/exec-pid-$c-casca" "$W/exec-pid-$c"
      mapfile -t cmd < <(exec_cmd_of floor "$c")
      hf+=(-n floor "$(quote "${cmd[@]}")")
      for ((r = 1; r <= ROUNDS; r++)); do
        echo "== hyperfine, exec, config: $c, round $r of $ROUNDS" >&2
        hyperfine -N --style basic --warmup "$WARMUP" --runs $(((RUNS + ROUNDS - 1) / ROUNDS)) \
          --export-json "$W/hyperfine-exec-$c-$r.json" "${hf[@]}" >&2 ||
          die "an exec failed during the benchmark ($c, round $r)"
      done
      for rt in casca crun runc floor; do
        [ $rt = floor ] || [ "$(cat "$W/status-exec-$rt-$c")" = ok ] || continue
        mapfile -t cmd < <(exec_cmd_of "$rt" "$c")
        peak_rss "exec $rt ($c)" "${cmd[@]}" >"$W/rss-exec-$rt-$c"
      done
      for rt in casca crun runc; do
        [ "$(cat "$W/status-exec-$rt-$c")" = ok ] || continue
        mapfile -t ctl < <(ctl_of "$rt")
        "${ctl[@]}" delete -f "$(exec_id "$rt" "$c")" >/dev/null 2>&1 ||
          die "$rt delete -f $(exec_id "$rt" "$c") failed"
      done
    done
  fi

  # nothing may be left behind in the state dirs
  for rt in casca crun runc; do
    left=$(find "$W/state-$rt" -mindepth 1 -maxdepth 1 ! -name @cache -printf '%f ' 2>/dev/null)
    [ -z "$left" ] || die "$rt left state behind: $left"
  done
  exit 0
fi

# ---- on the host ---------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, mounts)"
[ -x "$CASCA" ] || die "build $CASCA first (make)"
for t in crun runc hyperfine busybox python3 unshare /usr/bin/time; do
  command -v "$t" >/dev/null || die "needs $t (make deps-bench)"
done

# state and bundles on tmpfs, like /run
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
  W=$(mktemp -d /dev/shm/casca-bench.XXXXXX)
else
  W=$(mktemp -d /run/casca-bench.XXXXXX)
fi
trap 'rm -rf "$W"' EXIT
mkdir -p "$OUT"

# The tests' busybox rootfs.
# shellcheck source=tests/integration/helpers/bundle.bash
. "$ROOT/tests/integration/helpers/bundle.bash"
for c in "${CONFIGS[@]}"; do
  b=$W/bundle-$c
  mkdir -p "$b" "$b-sleep"
  make_busybox_rootfs "$b/rootfs"
  make_busybox_rootfs "$b-sleep/rootfs"
  "$CASCA" spec --hardened --bundle "$b"
  python3 - "$b/config.json" "$c" <<'PY'
import json, sys
path, variant = sys.argv[1], sys.argv[2]
c = json.load(open(path))
c["ociVersion"] = "1.0.2"
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
c["root"]["readonly"] = True
if variant == "no-seccomp":
    del c["linux"]["seccomp"]
json.dump(c, open(path, "w"), indent=1)
c["process"]["args"] = ["/bin/sleep", "1000000"]
json.dump(c, open(path.replace("/config.json", "-sleep/config.json"), "w"), indent=1)
PY
done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# casca as installed: stripped (make install), like Debian's crun and runc
strip -o "$W/casca" "$CASCA"
CASCA=$W/casca unshare -m --propagation private "$0" --inside "$W" "$(readlink /proc/self/ns/mnt)"

# binary sizes
bin_sizes() {
  local s=$W/casca.stripped
  strip -o "$s" "$CASCA"
  echo "casca_file=$(stat -c %s "$CASCA")"
  echo "casca_stripped=$(stat -c %s "$s")"
  size "$CASCA" | awk 'NR == 2 { print "casca_text=" $1; print "casca_data=" $2 }'
  echo "crun_file=$(stat -c %s "$(command -v crun)")"
  echo "runc_file=$(stat -c %s "$(command -v runc)")"
  echo "casca_libs=$(ldd "$CASCA" | awk '$1 ~ /^lib/ { sub(/\.so.*/, "", $1); print $1 }' | paste -sd, -)"
  echo "crun_libs=$(ldd "$(command -v crun)" | awk '$1 ~ /^lib/ { sub(/\.so.*/, "", $1); print $1 }' | paste -sd, -)"
}
bin_sizes >"$W/sizes"

{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "kernel=$(uname -r)"
  echo "cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo) ($(nproc) cpus)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "load=$LOAD_BEFORE before, $(cut -d' ' -f1-3 /proc/loadavg) after"
  echo "crun=$(crun --version | awk 'NR == 1 { print $3 }')"
  echo "runc=$(runc --version | awk 'NR == 1 { print $3 }')"
  echo "hyperfine=$(hyperfine --version | awk '{ print $2 }')"
  echo "casca=$("$CASCA" --version | head -n 1)"
  echo "runs=$(((RUNS + ROUNDS - 1) / ROUNDS * ROUNDS))"
  echo "rounds=$ROUNDS"
  echo "warmup=$WARMUP"
  echo "rss_runs=$RSS_RUNS"
  echo "parts=$PARTS"
} >"$W/machine"

rm -f "$OUT"/hyperfine-*.json
cp "$W"/hyperfine-*.json "$OUT/"
python3 "$ROOT/bench/table.py" "$W" >"$OUT/table.md"
cat "$OUT/table.md"
