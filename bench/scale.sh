#!/bin/bash
# bench/scale.sh - issue 14's "Scale" goal: with N containers running
# (default 500), `create`+`start` of one more, `state ID`, `list` and
# `exec ID /bin/true` each take at most 1.2x their time with 1 container
# running.  Times every operation with hyperfine at 1 and at N running
# containers, for casca and for Debian's crun, and prints the medians and the
# ratios N/1 (of the medians, and of the minima: the runs least disturbed by
# other load) as a markdown table, written to build/bench/scale.md with
# hyperfine's JSON next to it (scale-hf-RUNTIME-PHASE.json).
# Part of `make bench`, not of `make check`; needs root.
#
#   bench/scale.sh [N]     BENCH_SCALE_RUNS (10), BENCH_SCALE_WARMUP (2),
#                          BENCH_SCALE_RUNTIMES ("casca crun")
#
# For each runtime, one after the other: start c1 (a detached busybox
# `sleep`, no network), time the operations; start c2..cN, time them again;
# delete c2..cN, time them a third time; delete c1.  "at 1" is the median over
# the runs before and after the N phase, which cancels a load that drifts
# steadily while the N containers come and go.
#
# The operations (hyperfine -N, no shell; each with its own --prepare, which
# hyperfine runs untimed before every run):
#   create   `create --bundle B new`, prepared by `delete --force new`
#   start    `start new`, prepared by `delete --force new` + `create new`
#   create+start   the sum of the two medians: hyperfine -N runs one command
#            per run, and a `sh -c 'create && start'` would add a shell's
#            start to both sides of the ratio; timed apart, each part stays
#            visible too
#   delete   `delete --force new` of a running `new`, prepared by
#            `delete --force new` + `create` + `start` (not part of the goal)
#   state    `state c1`;  list: `list`, `list -q`, `list --format json`
#   exec     `exec c1 /bin/true`
#            (these four with no preparation: `new` is gone by then, as the
#            delete above removed it)
# The preparations are this script itself (`--prep RUNTIME STEPS`).
#
# Cgroups: as in bench/run.sh, every runtime runs inside `unshare -m` where
# /sys/fs/cgroup is an empty tmpfs, with `--cgroup-manager disabled`: nothing
# can reach the host's cgroups.  State roots and the bundle live in a private
# directory under /dev/shm; on exit or interruption every container in those
# roots is deleted (`delete --force`, nothing else is killed) and the
# directory removed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SELF=$ROOT/bench/scale.sh
CASCA=${CASCA:-$ROOT/build/casca}
OUT=${BENCH_OUT:-$ROOT/build/bench}
RUNS=${BENCH_SCALE_RUNS:-10}
WARMUP=${BENCH_SCALE_WARMUP:-2}
RUNTIMES=${BENCH_SCALE_RUNTIMES:-casca crun}

die() { echo "bench/scale.sh: $*" >&2; exit 1; }
# shellcheck source=bench/cgroup-mask.bash
. "$(dirname "$0")/cgroup-mask.bash"

ctl() { # RUNTIME ARGS...: the runtime on its private state root
  local rt=$1
  shift
  case $rt in
    casca) "$CASCA" --root "$W/state-casca" --log "$W/log-casca" --cgroup-manager disabled "$@" ;;
    crun) crun --root "$W/state-crun" --log "$W/log-crun" --cgroup-manager=disabled "$@" ;;
    *) die "unknown runtime $rt" ;;
  esac
}
ctl_words() { # RUNTIME: the same command line, one word per line (for hyperfine)
  case $1 in
    casca) printf '%s\n' "$CASCA" --root "$W/state-casca" --log "$W/log-casca" \
             --cgroup-manager disabled ;;
    crun) printf '%s\n' crun --root "$W/state-crun" --log "$W/log-crun" --cgroup-manager=disabled ;;
  esac
}
quote() { local a out=; for a; do out+="${out:+ }$(printf '%q' "$a")"; done; echo "$out"; }
in_private_view() { # refuse to run a runtime where the host's cgroups are reachable
  if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ] ||
    [ "$(stat -f -c %T /sys/fs/cgroup)" != tmpfs ]; then
    die "not in the private cgroup-less view"
  fi
}
delete_all() { # RUNTIME: delete --force every container in its state root
  local d
  for d in "$W/state-$1"/*/; do
    [ -d "$d" ] || continue
    case $(basename "$d") in @* | .*) continue ;; esac
    ctl "$1" delete --force "$(basename "$d")" </dev/null >/dev/null 2>&1 || true
  done
}

# ---- $0 --prep WORK RUNTIME STEPS: hyperfine's --prepare --------------------
if [ "${1:-}" = --prep ]; then
  W=$2 rt=$3
  in_private_view
  ctl "$rt" delete --force new </dev/null >/dev/null 2>&1 || true
  case $4 in
    reset) ;;
    create) ctl "$rt" create --bundle "$W/bundle" new </dev/null >/dev/null ;;
    start) ctl "$rt" create --bundle "$W/bundle" new </dev/null >/dev/null
           ctl "$rt" start new ;;
    *) die "--prep: unknown step $4" ;;
  esac
  exit 0
fi

# ---- $0 --cleanup WORK: delete every container left in the state roots -----
if [ "${1:-}" = --cleanup ]; then
  W=$2
  in_private_view
  for rt in casca crun; do delete_all "$rt"; done
  exit 0
fi

# ---- $0 --view COMMAND...: in a new mount namespace (unshare -m), replace
# /sys/fs/cgroup by an empty tmpfs, check that no cgroupfs is left, exec it
if [ "${1:-}" = --view ]; then
  shift
  mask_cgroupfs ""
  exec "$@"
fi
private_view() { unshare -m --propagation private "$SELF" --view "$SELF" "$@"; }

# ---- $0 --inside WORK N: the measurements, in the private view --------------
if [ "${1:-}" = --inside ]; then
  W=$2 N=$3
  in_private_view
  run_ops() { # RUNTIME PHASE: time the operations, export $W/hf-RUNTIME-PHASE.json
    local rt=$1 phase=$2 c
    local -a base hf=()
    mapfile -t base < <(ctl_words "$rt")
    add() { # NAME PREP ARGS...: PREP "-" for none (`true`)
      local name=$1 prep=(true)
      [ "$2" = - ] || prep=("$SELF" --prep "$W" "$rt" "$2")
      shift 2
      hf+=(--prepare "$(quote "${prep[@]}")" -n "$name" "$(quote "${base[@]}" "$@")")
    }
    add create reset create --bundle "$W/bundle" new
    add start create start new
    add delete start delete --force new
    add state - state c1
    add list - list
    add "list -q" - list -q
    add "list --format json" - list --format json
    add exec - exec c1 /bin/true
    echo "== $rt, $phase: $(ctl "$rt" list -q | grep -c .) containers" >&2
    : >"$W/log-$rt"
    if ! hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
        --export-json "$W/hf-$rt-$phase.json" "${hf[@]}" >&2; then
      tail -n 5 "$W/log-$rt" >&2
      die "$rt failed during the $phase phase"
    fi
    ctl "$rt" delete --force new </dev/null >/dev/null 2>&1 || true
    c=$(ctl "$rt" list -q | grep -c .)
    [ "$c" = "$(cat "$W/count-$phase")" ] || die "$rt: $c containers after $phase, not $(cat "$W/count-$phase")"
  }
  for rt in $RUNTIMES; do
    echo 1 >"$W/count-1a"; echo "$N" >"$W/count-N"; echo 1 >"$W/count-1b"
    if ! ctl "$rt" run -d --bundle "$W/bundle" c1 </dev/null >"$W/probe-$rt" 2>&1; then
      echo "exit $?: $(grep -v '^$' "$W/probe-$rt" | tail -n 1)" >"$W/status-$rt"
      delete_all "$rt"
      continue
    fi
    echo ok >"$W/status-$rt"
    run_ops "$rt" 1a
    echo "== $rt: starting c2..c$N" >&2
    t0=${EPOCHREALTIME/./}
    for ((i = 2; i <= N; i++)); do
      ctl "$rt" run -d --bundle "$W/bundle" "c$i" </dev/null >/dev/null 2>"$W/err" ||
        { cat "$W/err" >&2; die "$rt run -d c$i failed"; }
    done
    t1=${EPOCHREALTIME/./}
    echo "$(((t1 - t0) / 1000))" >"$W/grow-ms-$rt"
    run_ops "$rt" N
    echo "== $rt: deleting c2..c$N" >&2
    for ((i = 2; i <= N; i++)); do
      ctl "$rt" delete --force "c$i" </dev/null >/dev/null 2>"$W/err" ||
        { cat "$W/err" >&2; die "$rt delete --force c$i failed"; }
    done
    run_ops "$rt" 1b
    ctl "$rt" delete --force c1 </dev/null
    left=$(find "$W/state-$rt" -mindepth 1 -maxdepth 1 ! -name '@*' -printf '%f ')
    [ -z "$left" ] || die "$rt left state behind: $left"
  done
  exit 0
fi

# ---- on the host ----------------------------------------------------------------
N=${1:-${BENCH_SCALE_N:-500}}
if ! [[ $N =~ ^[0-9]+$ ]] || [ "$N" -lt 2 ]; then die "N must be an integer >= 2"; fi
[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, mounts)"
[ -x "$CASCA" ] || die "build $CASCA first (make)"
for t in crun hyperfine busybox python3 unshare; do
  command -v "$t" >/dev/null || die "needs $t (make deps-bench)"
done
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
  W=$(mktemp -d /dev/shm/casca-scale.XXXXXX)
else
  W=$(mktemp -d /run/casca-scale.XXXXXX)
fi
cleanup() {
  private_view --cleanup "$W" || true
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$OUT" "$W/state-casca" "$W/state-crun"

# one bundle for every container: busybox, readonly root (so they can share
# it), `sleep`, no network, no terminal, ociVersion 1.0.2 for crun 1.8
# shellcheck source=tests/integration/helpers/bundle.bash
. "$ROOT/tests/integration/helpers/bundle.bash"
mkdir -p "$W/bundle"
CASCA_BUILD=$W make_busybox_rootfs "$W/bundle/rootfs"
"$CASCA" spec --hardened --bundle "$W/bundle"
python3 - "$W/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["ociVersion"] = "1.0.2"
c["process"]["args"] = ["/bin/sleep", "1000000"]
c["process"]["terminal"] = False
c["root"]["readonly"] = True
c.get("linux", {}).pop("resources", None)
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# casca as installed: stripped, like Debian's crun (bench/run.sh)
strip -o "$W/casca" "$CASCA"
CASCA=$W/casca
export CASCA RUNS WARMUP RUNTIMES
private_view --inside "$W" "$N"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
rm -f "$OUT"/scale-hf-*.json
for f in "$W"/hf-*.json; do cp "$f" "$OUT/scale-$(basename "$f")"; done

python3 - "$W" "$N" "$RUNTIMES" "$RUNS" "$WARMUP" "$LOAD_BEFORE" "$LOAD_AFTER" \
  "$(uname -r)" "$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo) ($(nproc) cpus)" \
  "$("$CASCA" --version | head -n 1)" "$(crun --version | awk 'NR == 1 { print $3 }')" \
  >"$OUT/scale.md" <<'PY'
import json, os, statistics, sys, time
W, N, runtimes, runs, warmup, lb, la, kernel, cpu, casca_v, crun_v = sys.argv[1:]
runtimes = runtimes.split()
GOAL = 1.2
OPS = ["create", "start", "create+start", "state", "list", "list -q", "list --format json",
       "exec", "delete"]
IN_GOAL = {"create+start", "state", "list", "exec"}

def times(rt, phases):
    out = {}
    for ph in phases:
        p = os.path.join(W, f"hf-{rt}-{ph}.json")
        if not os.path.exists(p):
            continue
        for r in json.load(open(p))["results"]:
            out.setdefault(r["command"], []).extend(r["times"])
    return out

def med(rt, phases, f=statistics.median):
    t = times(rt, phases)
    m = {k: f(v) * 1000 for k, v in t.items()}
    if "create" in m and "start" in m:
        m["create+start"] = m["create"] + m["start"]
    return m

print(f"Scale benchmark of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {cpu}, "
      f"kernel {kernel}; casca {casca_v}, crun {crun_v}; load average {lb} before, {la} after.")
print()
print(f"N = {N} running containers (detached busybox `sleep`, no network, --cgroup-manager "
      f"disabled, in a private mount namespace with an empty tmpfs on /sys/fs/cgroup). "
      f"Each operation: {runs} runs after {warmup} warmup runs (hyperfine -N) per phase; "
      f"\"at 1\" is the median over the phases before and after the N phase ({2 * int(runs)} runs), "
      f"\"at N\" over the N phase. create+start is the sum of the create and start medians "
      f"(of their minima in the min column: the run least disturbed by other load).")
print()
head = "| operation |"
sep = "|---|"
for rt in runtimes:
    head += f" {rt} at 1 ms | {rt} at {N} ms | {rt} {N}/1 | {rt} {N}/1 of min |"
    sep += "---:|---:|---:|---:|"
head += " goal |"
sep += "---|"
print(head)
print(sep)
res = {}
for rt in runtimes:
    st = open(os.path.join(W, f"status-{rt}")).read().strip() if os.path.exists(
        os.path.join(W, f"status-{rt}")) else "not run"
    res[rt] = (st, med(rt, ["1a", "1b"]), med(rt, ["N"]), med(rt, ["1a", "1b"], min),
               med(rt, ["N"], min))
for op in OPS:
    row = f"| `{op}` |" if op != "create+start" else "| `create`+`start` |"
    for rt in runtimes:
        st, one, many, one_min, many_min = res[rt]
        if st != "ok":
            row += f" skipped: {st} | | | |"
            continue
        a, b = one.get(op), many.get(op)
        if a is None or b is None:
            row += " - | - | - | - |"
            continue
        mark = ""
        if op in IN_GOAL:
            mark = " (met)" if b / a <= GOAL else " (missed)"
        row += f" {a:.2f} | {b:.2f} | {b / a:.2f}{mark} | {many_min[op] / one_min[op]:.2f} |"
    row += f" ≤ {GOAL} |" if op in IN_GOAL else " - |"
    print(row)
print()
for rt in runtimes:
    p = os.path.join(W, f"grow-ms-{rt}")
    if os.path.exists(p):
        ms = int(open(p).read())
        one_a, one_b = med(rt, ["1a"]), med(rt, ["1b"])
        drift = ", ".join(f"{op} {one_a[op]:.1f}/{one_b[op]:.1f}" for op in
                          ("create+start", "state", "list", "exec") if op in one_a and op in one_b)
        print(f"- {rt}: `run -d` of c2..c{N}: {ms / 1000:.0f} s ({ms / (int(N) - 1):.0f} ms each); "
              f"at 1 before/after the N phase, ms: {drift}")
PY
cat "$OUT/scale.md"
