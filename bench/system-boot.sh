#!/bin/bash
# bench/system-boot.sh - issue 12's benchmark: a system container's
# boot-to-`running` time and the memory of the idle booted container (its
# cgroup's memory.current) under casca and under LXC (Debian's `lxc`), with
# the same rootfs (tools/mkrootfs-debian's Debian 12, systemd as init), in
# ROUNDS interleaved rounds (casca and LXC one container at a time, never both
# at once; which goes first alternates).  Prints a markdown table (median of
# the rounds, then each round) with the ratios casca/LXC, also written to
# build/bench/system-boot.md (the raw numbers to system-boot.raw).
# Part of `make bench`, not of `make check`; needs root.
#
#   bench/system-boot.sh        env: ROUNDS (2), SETTLE (20, seconds),
#                               QUIESCE (120: at most this many seconds
#                               waited for an idle guest before each boot),
#                               BOOT_TIMEOUT (1200, seconds per boot),
#                               SYSBOOT_ONLY (casca or lxc: boot only that
#                               one, to try a config; no table),
#                               SYSBOOT_TOGETHER (N: instead, N rounds of
#                               both booted at once, boot times only)
#
# It needs a pure cgroup v2 hierarchy and systemd's container interface: on
# the host (hybrid cgroups) it builds or finds the rootfs (tools/mkrootfs-
# debian, cached under /var/cache/casca/rootfs) and runs itself in the VM
# lane's guest (tests/vm/run-in-vm.sh: QEMU TCG, 2 vCPUs, 2G), where
# everything lives on tmpfs and is thrown away.
#
# Each boot, for both runtimes the same way:
#   - a fresh writable copy of the rootfs (tests/vm/rootfs-overlay.sh: an
#     overlay on a tmpfs of its own, whose pages are charged to the container);
#   - casca: `casca spec --system` (privileged: no user namespace; no network
#     but loopback), `casca run` in its own session in the background (its
#     pty, the container's console, goes to a log);
#     LXC: a config with LXC's common.conf (its capability drop list,
#     device rules, seccomp denylist, `proc:mixed sys:mixed cgroup:mixed`),
#     `lxc.net.0.type = empty` (loopback only, as casca), `lxc.init.cmd =
#     /sbin/init`, the console to a log; `lxc-start -d` on an lxcpath in /run;
#   - time from just before the start command to `systemctl
#     is-system-running --wait` (run inside with `casca exec` / `lxc-attach`,
#     once systemd's bus socket /run/systemd/private is there, polled every
#     second from outside through /proc/INIT/root) printing its state; the
#     failed units when it is not `running`;
#   - after SETTLE seconds idle, the container cgroup's memory.current (with
#     the CPUs' charge stock drained, drain_charge_stock) and memory.peak
#     (the cgroup of its init, less systemd's init.scope), its memory.stat,
#     and what diagnose keeps (processes, sub-cgroups, units, mounts) for the
#     per-counter comparison the table ends with;
#   - stop (`casca stop`, `lxc-stop`: SIGRTMIN+3, systemd's shutdown) and a
#     check that the init and the cgroup are gone.
set -euo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$SELF")/.."
ROOT=$PWD
export ROUNDS=${ROUNDS:-2} SETTLE=${SETTLE:-20} QUIESCE=${QUIESCE:-120} BOOT_TIMEOUT=${BOOT_TIMEOUT:-1200}
export CASCA=${CASCA:-$ROOT/build/casca}
OUT=${BENCH_OUT:-$ROOT/build/bench}

die() { echo "bench/system-boot.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$CASCA" ] || die "no $CASCA: run make first"

if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]; then
  [ -z "${SYSBOOT_IN_VM:-}" ] || die "the guest has no cgroup2"
  command -v lxc-start > /dev/null || die "no lxc-start: make deps-bench installs lxc"
  SYSBOOT_LOWER=$(tools/mkrootfs-debian) || die "tools/mkrootfs-debian failed"
  export SYSBOOT_LOWER SYSBOOT_IN_VM=1 SYSBOOT_OUT=$OUT
  mkdir -p "$OUT"
  share=()
  case $(realpath "$OUT")/ in "$ROOT"/*) ;; *) share=(-s "$OUT") ;; esac
  # a boot takes up to BOOT_TIMEOUT, a stop up to 3 minutes
  exec tests/vm/run-in-vm.sh "${share[@]}" -e SYSBOOT_IN_VM -e SYSBOOT_LOWER -e SYSBOOT_OUT \
    -e ROUNDS -e SETTLE -e QUIESCE -e SYSBOOT_ONLY -e SYSBOOT_TOGETHER -e BOOT_TIMEOUT -m 2G \
    -t $((ROUNDS * 2 * (BOOT_TIMEOUT + SETTLE + QUIESCE + 240) + 300)) -- "$SELF"
fi

# ---- in the guest -----------------------------------------------------------
LOWER=${SYSBOOT_LOWER:-$(tools/mkrootfs-debian)}
OUT=${SYSBOOT_OUT:-$OUT}
WORK=$(mktemp -d /run/casca-sysboot.XXXXXX)
STATE=$WORK/state LXCPATH=$WORK/lxc
mkdir -p "$STATE" "$LXCPATH" "$OUT"
RESULTS=$WORK/results # lines: runtime round boot-s state memory.current memory.peak stop-s

cleanup() {
  local d
  timeout 60 "$CASCA" --root "$STATE" delete --force sysboot > /dev/null 2>&1 || true
  if [ -n "$(lxc-ls -P "$LXCPATH" --running 2> /dev/null)" ]; then
    timeout 60 lxc-stop -P "$LXCPATH" -n sysboot -k > /dev/null 2>&1 || true
  fi
  for d in "$WORK"/*/rootfs; do
    if mountpoint -q "$d"; then timeout 60 tests/vm/rootfs-overlay.sh umount "$d" || true; fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }'; }

# quiesce: until the guest's CPUs were at least 95% idle over 5 s (at most
# QUIESCE seconds): what the last boot and stop left running (the old
# container's teardown, journald, writeback) would otherwise run beside the
# next boot and slow it, whichever runtime it is.  Prints what it waited.
cpu_idle_total() { awk '$1 == "cpu" { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
quiesce() {
  local t0=$SECONDS idle=0 a b
  while [ $((SECONDS - t0)) -lt "$QUIESCE" ]; do
    a=$(cpu_idle_total)
    sleep 5
    b=$(cpu_idle_total)
    idle=$(echo "$a $b" | awk '{ printf "%d", 100 * ($3 - $1) / ($4 - $2) }')
    [ "$idle" -lt 95 ] || break
  done
  echo "$((SECONDS - t0)) s, ${idle}% idle"
}

# wait_for SECS CMD...: until CMD succeeds (every second), or fail
wait_for() {
  local end=$((SECONDS + $1))
  shift
  until "$@" > /dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 1
  done
}

# in_ct RUNTIME CMD...: CMD in the booted container
in_ct() {
  local rt=$1
  shift
  case $rt in
    casca) "$CASCA" --root "$STATE" exec sysboot "$@" ;;
    lxc) lxc-attach -P "$LXCPATH" -n sysboot -- "$@" ;;
  esac
}

casca_running() {
  [ "$("$CASCA" --root "$STATE" state sysboot |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = running ]
}

init_pid() {
  case $1 in
    casca) "$CASCA" --root "$STATE" state sysboot |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' ;;
    lxc) lxc-info -P "$LXCPATH" -n sysboot -p -H ;;
  esac
}

# The container's cgroup, as the guest sees it: its init's, less init.scope
# (systemd moves itself there).
ct_cgroup() {
  sed -n 's|^0::\(.*\)/init.scope$|\1|p; t; s|^0::||p' "/proc/$1/cgroup"
}

# prepare_ct RUNTIME DIR: the bundle or LXC config (untimed)
prepare_ct() {
  local rt=$1 d=$2
  case $rt in
    casca) "$CASCA" spec --system --bundle "$d" ;;
    lxc)
      mkdir -p "$LXCPATH/sysboot"
      {
        echo "lxc.include = /usr/share/lxc/config/common.conf"
        echo "lxc.uts.name = sysboot"
        echo "lxc.rootfs.path = dir:$d/rootfs"
        echo "lxc.net.0.type = empty"
        echo "lxc.init.cmd = /sbin/init"
        # systemd's halt, as casca's stop signal annotation (LXC's default: SIGPWR)
        echo "lxc.signal.halt = SIGRTMIN+3"
        echo "lxc.console.logfile = $d/console.log"
        echo "lxc.log.file = $d/lxc.log"
        echo "lxc.log.level = WARN"
        # no AppArmor in the guest kernel (nor in casca's config)
        [ -d /sys/kernel/security/apparmor ] || echo "lxc.apparmor.profile = unconfined"
      } > "$d/lxc.conf"
      cp "$d/lxc.conf" "$LXCPATH/sysboot/config"
      ;;
  esac
}

start_ct() { # RUNTIME DIR
  local rt=$1 d=$2
  case $rt in
    casca)
      # in a session of its own, as tests/integration/system-boot.bats does:
      # `run` in the foreground relays the console pty to the log
      # shellcheck disable=SC2016 # expanded by the inner sh
      setsid sh -c '"$0" --root "$1" run --bundle "$2" sysboot < /dev/null > "$2/console.log" 2>&1
        echo $? > "$2/exit"' "$CASCA" "$STATE" "$d" > /dev/null 2>&1 &
      wait_for 120 casca_running
      ;;
    lxc)
      lxc-start -P "$LXCPATH" -n sysboot -f "$d/lxc.conf" -d
      ;;
  esac
}

stop_ct() { # RUNTIME DIR
  case $1 in
    casca)
      "$CASCA" --root "$STATE" stop --time 180 sysboot
      wait_for 60 test -e "$2/exit"
      ;;
    lxc) lxc-stop -P "$LXCPATH" -n sysboot -t 180 ;;
  esac
}

show_log() { # DIR: the tail of the console's and LXC's logs
  local f
  for f in "$1/console.log" "$1/lxc.log"; do
    [ ! -s "$f" ] || { echo "--- $f"; tail -n 30 "$f" | tr -d '\r'; } >&2
  done
}

# drain_charge_stock: the kernel charges memory to a cgroup in per-CPU
# batches of 64 pages: what a batch has left over stays "in stock" on that
# CPU for the cgroup that charged last there (its memory.current and its
# parents' count it, no memory.stat counter does) until another cgroup
# charges on that CPU.  Up to 256 KiB a CPU: a container's memory.current
# read as it is would say which of its processes (or the bench's `casca
# exec` / `lxc-attach`) last charged on a CPU.  A process on each CPU in a
# cgroup of its own takes the stock over, as a later charge would.
drain_charge_stock() {
  local c=/sys/fs/cgroup/casca-sysboot-drain cpu
  grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
    echo +memory > /sys/fs/cgroup/cgroup.subtree_control
  mkdir -p "$c"
  for cpu in $(seq 0 $(($(nproc) - 1))); do
    # shellcheck disable=SC2016 # expanded by the inner sh
    sh -c 'echo $$ > "$0/cgroup.procs" && exec taskset -c "$1" sh -c "x=\$(seq 2000)"' \
      "$c" "$cpu"
  done
  rmdir "$c"
}

# diagnose RUNTIME ROUND DIR CGROUP: where the idle container's bytes are, for
# the per-counter comparison: its processes (pid, cgroup, comm), each cgroup
# under the container's (memory.current, pids.current), the mounts and the
# units inside; kept in DIR and in $OUT/system-boot.d/RUNTIME-ROUND
diagnose() {
  local rt=$1 r=$2 d=$3 cg=$4 c p keep=$OUT/system-boot.d/$1-$2
  find "/sys/fs/cgroup$cg" -name cgroup.procs -exec cat {} + | sort -n | while read -r p; do
    printf '%s %s %s\n' "$(cat "/proc/$p/comm" 2> /dev/null || echo '?')" \
      "$(sed -n "s|^0::$cg||p" "/proc/$p/cgroup" 2> /dev/null)" "$p"
  done > "$d/procs"
  # threads: pids.current counts tasks
  echo "$(wc -l < "$d/procs") processes, $(cat "/sys/fs/cgroup$cg/pids.current") tasks" > "$d/count"
  echo "#   $(cat "$d/count"): $(awk '{ print $1 }' "$d/procs" | sort | paste -sd ' ')" >&2
  find "/sys/fs/cgroup$cg" -type d | sort | while read -r c; do
    printf '%s %s %s\n' "${c#"/sys/fs/cgroup$cg"}/" "$(cat "$c/memory.current")" \
      "$(cat "$c/pids.current" 2> /dev/null || echo -)"
  done > "$d/cgroups"
  in_ct "$rt" cat /proc/1/mountinfo > "$d/mounts" 2>&1 || true
  in_ct "$rt" df -k -t tmpfs -t devtmpfs -t overlay > "$d/df" 2>&1 || true
  in_ct "$rt" systemctl list-units --all --no-legend --plain > "$d/units" 2>&1 || true
  in_ct "$rt" sh -c 'tr "\0" "\n" < /proc/1/environ' > "$d/environ" 2>&1 || true
  # where the boot's time went, as systemd saw it: to compare the runtimes
  # unit by unit
  in_ct "$rt" systemd-analyze time --no-pager > "$d/analyze" 2>&1 || true
  in_ct "$rt" systemd-analyze blame --no-pager > "$d/blame" 2>&1 || true
  in_ct "$rt" systemd-analyze critical-chain --no-pager > "$d/chain" 2>&1 || true
  # and cloud-init's own account of its stages and modules (most of a boot
  # under emulation), with its log
  in_ct "$rt" cloud-init analyze blame > "$d/cloud-init-blame" 2>&1 || true
  in_ct "$rt" cat /var/log/cloud-init.log > "$d/cloud-init.log" 2>&1 || true
  echo "#   $(head -n 1 "$d/analyze"); slowest: $(head -n 5 "$d/blame" | awk '{ print $NF "=" $1 }' | paste -sd ' ')" >&2
  rm -rf "$keep"
  mkdir -p "$keep"
  cp "$d/memory.stat.raw" "$d/procs" "$d/count" "$d/cgroups" "$d/mounts" "$d/df" "$d/units" \
    "$d/environ" "$d/analyze" "$d/blame" "$d/chain" "$d/cloud-init-blame" "$d/cloud-init.log" "$keep/"
}

# new_ct RUNTIME DIR: a fresh overlay copy of the rootfs in DIR and the
# runtime's config for it
new_ct() {
  mkdir -p "$2"
  tests/vm/rootfs-overlay.sh mount "$LOWER" "$2/rootfs"
  prepare_ct "$1" "$2"
}

# cold_and_quiet LABEL: cold caches for each boot (the page cache of the
# rootfs stays charged to the cgroup that read it first, then to its parent,
# so the second boot would otherwise find it there, faster and uncharged),
# then a quiet guest
cold_and_quiet() {
  sync
  echo 3 > /proc/sys/vm/drop_caches
  echo "# $1: quiet before the boot after $(quiesce)" >&2
}

# await_running RUNTIME DIR PID T0: prints "SECONDS-SINCE-T0 STATE" once
# systemctl is-system-running answers in the container (running, degraded,
# ...; it exits non-zero for all but running, still an answer).  systemctl
# needs systemd's bus: its socket comes some seconds into the boot.  Polled
# from outside, through the init's root: a process the runtime starts in the
# container (`casca exec`, `lxc-attach`) every second would leave what it
# charges to the container's cgroup (dentries, page cache of the runtime's
# libraries), more the longer the boot, and the memory would measure the
# bench's polling rather than the runtime.
await_running() {
  local st
  wait_for "$BOOT_TIMEOUT" test -S "/proc/$3/root/run/systemd/private" ||
    { show_log "$2"; die "$1: no systemd bus after $BOOT_TIMEOUT s"; }
  st=$(in_ct "$1" timeout "$BOOT_TIMEOUT" systemctl is-system-running --wait 2>&1 | tail -n 1) || true
  echo "$(since "$4") ${st:-none}"
}

# stop_gone RUNTIME DIR PID CGROUP: stop the container and check that its
# init and cgroup are gone and the runtime ended well; drop its rootfs copy.
# Prints the stop's seconds (and nothing else on stdout).
stop_gone() {
  local rt=$1 d=$2 pid=$3 cg=$4 t1
  t1=$(now)
  stop_ct "$rt" "$d" >&2 || die "$rt: stop failed"
  since "$t1"
  wait_for 30 sh -c "! kill -0 $pid" || die "$rt: init $pid still there after stop"
  wait_for 30 test ! -e "/sys/fs/cgroup$cg" || die "$rt: cgroup $cg still there after stop"
  case $rt in
    casca) [ "$(cat "$d/exit")" = 0 ] || die "casca: run exited $(cat "$d/exit")" ;;
    lxc) [ -z "$(lxc-ls -P "$LXCPATH" --running)" ] || die "lxc: still running after lxc-stop" ;;
  esac
  tests/vm/rootfs-overlay.sh umount "$d/rootfs" >&2
}

# ct_cgroup_of RUNTIME PID: the container's own cgroup, or die
ct_cgroup_of() {
  local cg
  cg=$(ct_cgroup "$2")
  if [ -z "$cg" ] || [ "$cg" = / ]; then die "$1: no cgroup of its own for pid $2"; fi
  echo "$cg"
}

boot_one() { # RUNTIME ROUND
  local rt=$1 r=$2 d=$WORK/$1-$2 t0 bs st failed pid cg mem0 mem m i peak ss
  new_ct "$rt" "$d"
  cold_and_quiet "round $r: $rt"
  echo "# round $r: $rt: booting" >&2
  t0=$(now)
  start_ct "$rt" "$d" || { show_log "$d"; die "$rt did not start"; }
  pid=$(init_pid "$rt")
  [ -n "$pid" ] || die "$rt: no init pid"
  # (an assignment, so that a die in it ends the bench)
  st=$(await_running "$rt" "$d" "$pid" "$t0")
  read -r bs st <<< "$st"
  failed=$(in_ct "$rt" systemctl --failed --no-legend --plain 2>&1 | awk '{print $1}' | paste -sd ' ')
  echo "# round $r: $rt: $st after $bs s; failed units: ${failed:-none}" >&2
  echo "$failed" > "$d/failed"
  cg=$(ct_cgroup_of "$rt" "$pid")
  sleep "$SETTLE"
  mem0=$(cat "/sys/fs/cgroup$cg/memory.current")
  # a kernel object the container frees gives its pages back to the stock
  # of the CPU it ran on, so the stock can come back between two drains:
  # the least of three
  mem=$mem0
  for i in 1 2 3; do
    drain_charge_stock
    m=$(cat "/sys/fs/cgroup$cg/memory.current")
    [ "$m" -ge "$mem" ] || mem=$m
    echo "# round $r: $rt: memory.current $m after drain $i; less anon + file + kernel + sock:" \
      "$(awk -v m="$m" '$1 ~ /^(anon|file|kernel|sock)$/ { m -= $2 } END { print m }' \
        "/sys/fs/cgroup$cg/memory.stat")" >&2
  done
  echo "# round $r: $rt: memory.current $mem0 before draining the CPUs' charge stock" >&2
  peak=$(cat "/sys/fs/cgroup$cg/memory.peak" 2> /dev/null || echo -)
  echo "# round $r: $rt: cgroup $cg memory.current $mem memory.peak $peak" >&2
  cp "/sys/fs/cgroup$cg/memory.stat" "$d/memory.stat.raw"
  grep -E '^(anon|file|kernel|shmem|slab|sock) ' "$d/memory.stat.raw" | paste -sd ' ' > "$d/memory.stat"
  echo "#   memory.stat: $(cat "$d/memory.stat")" >&2
  diagnose "$rt" "$r" "$d" "$cg"
  ss=$(stop_gone "$rt" "$d" "$pid" "$cg")
  echo "# round $r: $rt: stopped in $ss s, init and cgroup gone" >&2
  rm -rf "${LXCPATH:?}/sysboot"
  echo "$rt $r $bs $st $mem $peak $ss $(awk '{ v[$1] = $2 }
    END { printf "%d %d %d %d", v["anon"], v["file"], v["kernel"], v["shmem"] }' "$d/memory.stat.raw") $mem0" \
    >> "$RESULTS"
}

uname_r=$(uname -r)
# boot_together ROUND: casca's and LXC's containers started at the same
# moment and timed each to `running`, beside each other: whatever slows the
# guest (under TCG a boot's time moves by +-30% from one to the next) slows
# both.  Boot times only; writes "ROUND casca-s lxc-s" to fd 3.
boot_together() {
  local r=$1 rt d t0 pid cg first second bg polls=() st
  for rt in casca lxc; do new_ct "$rt" "$WORK/$rt-t$r"; done
  cold_and_quiet "together $r"
  # which start command goes first alternates
  if [ $((r % 2)) = 1 ]; then first=casca second=lxc; else first=lxc second=casca; fi
  t0=$(now)
  start_ct "$first" "$WORK/$first-t$r" &
  bg=$!
  # (casca's start_ct starts `casca run` in the background of this shell:
  # $! is that, not the first start_ct, when casca comes second)
  start_ct "$second" "$WORK/$second-t$r" || die "$second did not start"
  wait "$bg" || die "$first did not start"
  for rt in casca lxc; do
    await_running "$rt" "$WORK/$rt-t$r" "$(init_pid "$rt")" "$t0" > "$WORK/$rt-t$r/boot" &
    polls+=("$!")
  done
  wait "${polls[@]}"
  for rt in casca lxc; do
    d=$WORK/$rt-t$r
    read -r _ st < "$d/boot"
    echo "# together $r: $rt: $st after $(cut -d' ' -f1 "$d/boot") s" >&2
    # running, or degraded (the one-at-a-time rounds name the failed units),
    # is what is timed
    case $st in running | degraded) ;; *) die "$rt: $st" ;; esac
    pid=$(init_pid "$rt")
    cg=$(ct_cgroup_of "$rt" "$pid")
    stop_gone "$rt" "$d" "$pid" "$cg" > /dev/null
  done
  rm -rf "${LXCPATH:?}/sysboot"
  echo "$r $(cut -d' ' -f1 "$WORK/casca-t$r/boot") $(cut -d' ' -f1 "$WORK/lxc-t$r/boot")" >&3
}

started=$(date -u '+%Y-%m-%d %H:%M UTC')
if [ -n "${SYSBOOT_TOGETHER:-}" ]; then
  for r in $(seq "$SYSBOOT_TOGETHER"); do boot_together "$r" 3>> "$WORK/together"; done
  cp "$WORK/together" "$OUT/system-boot-together.raw"
  python3 - "$WORK/together" "$started" << 'PY' | tee "$OUT/system-boot-together.md"
import math, statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print("Boots side by side (%s, %d rounds; both started at once, each timed to `running`):\n" % (sys.argv[2], len(rows)))
print("| round | casca | LXC | ratio |")
print("| --- | --- | --- | --- |")
ratios = []
for r, c, l in rows:
    ratios.append(float(c) / float(l))
    print("| %s | %.1f s | %.1f s | %.2f |" % (r, float(c), float(l), ratios[-1]))
gm = math.exp(statistics.mean(math.log(x) for x in ratios))
print("\nratio: median %.2f, geometric mean %.3f, casca faster in %d of %d" %
      (statistics.median(ratios), gm, sum(x < 1 for x in ratios), len(ratios)))
PY
  exit 0
fi
for r in $(seq "$ROUNDS"); do
  # interleaved, and alternating which goes first
  if [ $((r % 2)) = 1 ]; then order="casca lxc"; else order="lxc casca"; fi
  [ -z "${SYSBOOT_ONLY:-}" ] || order=$SYSBOOT_ONLY
  for rt in $order; do boot_one "$rt" "$r"; done
done

[ -z "${SYSBOOT_ONLY:-}" ] || exit 0
# runtime round boot-s state memory.current memory.peak stop-s anon file kernel shmem
# memory.current-before-the-drain
cp "$RESULTS" "$OUT/system-boot.raw"
python3 - "$RESULTS" "$started" "$uname_r" "$("$CASCA" --version | head -n 1)" \
  "$(lxc-start --version)" "$SETTLE" "$WORK" << 'PY' | tee "$OUT/system-boot.md"
import statistics, sys
path, started, kernel, casca_v, lxc_v, settle, work = sys.argv[1:8]
rows = [l.split() for l in open(path)]
by = {"casca": [], "lxc": []}
for row in rows:
    rt, r, bs, st, mem, peak, ss, anon, file, kern, shmem = row[:11]
    by[rt].append(dict(r=int(r), boot=float(bs), state=st, mem=int(mem),
                       mem0=int(row[11]) if len(row) > 11 else int(mem),
                       peak=None if peak == "-" else int(peak), stop=float(ss),
                       anon=int(anon), file=int(file), kernel=int(kern), shmem=int(shmem)))
mib = lambda b: "%.1f MiB" % (b / 1048576)
def med(rt, k):
    v = [x[k] for x in by[rt] if x[k] is not None]
    return statistics.median(v) if v else None
def failed(rt, r):
    try:
        return open("%s/%s-%d/failed" % (work, rt, r)).read().strip() or "none"
    except OSError:
        return "?"
print("System container boot of %s: VM guest (QEMU TCG, 2 vCPUs, 2G), kernel %s; %s, LXC %s; "
      "%d rounds, casca and LXC one at a time, interleaved; memory after %s s idle."
      % (started, kernel, casca_v, lxc_v, len(by["casca"]), settle))
print()
print("| round | boot casca | boot LXC | ratio | memory.current casca | LXC | ratio "
      "| memory.peak casca | LXC | state casca / LXC | stop casca / LXC |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
def line(label, c, l):
    pk = lambda x: mib(x) if x is not None else "-"
    print("| %s | %.1f s | %.1f s | %.2f | %s | %s | %.3f | %s | %s | %s / %s | %.1f s / %.1f s |"
          % (label, c["boot"], l["boot"], c["boot"] / l["boot"], mib(c["mem"]), mib(l["mem"]),
             c["mem"] / l["mem"], pk(c["peak"]), pk(l["peak"]), c["state"], l["state"],
             c["stop"], l["stop"]))
m = {rt: {k: med(rt, k) for k in ("boot", "mem", "mem0", "peak", "stop", "anon", "file", "kernel",
                                   "shmem")}
     for rt in by}
for rt in m:
    m[rt]["state"] = "/".join(sorted(set(x["state"] for x in by[rt])))
line("median", m["casca"], m["lxc"])
for c, l in zip(sorted(by["casca"], key=lambda x: x["r"]), sorted(by["lxc"], key=lambda x: x["r"])):
    line(str(c["r"]), c, l)
print()
print("memory.stat of the idle container (median): anon / file (of which shmem: the tmpfs of /run, "
      "/tmp, the rootfs copy's upper layer...) / kernel")
print()
print("| | anon | file | shmem | kernel |")
print("| --- | --- | --- | --- | --- |")
for rt, name in (("casca", "casca"), ("lxc", "LXC")):
    print("| %s | %s | %s | %s | %s |" % (name, mib(m[rt]["anon"]), mib(m[rt]["file"]),
                                         mib(m[rt]["shmem"]), mib(m[rt]["kernel"])))
def read(rt, r, name):
    try:
        return open("%s/%s-%d/%s" % (work, rt, r, name)).read()
    except OSError:
        return ""
def stat(rt, r):
    return {k: int(v) for k, v in (l.split() for l in read(rt, r, "memory.stat.raw").splitlines())}
stats = {rt: [stat(rt, x["r"]) for x in by[rt]] for rt in by}
# the counters in bytes (the rest of memory.stat counts events)
BYTES = ("anon file kernel kernel_stack pagetables sec_pagetables percpu sock vmalloc shmem zswap "
         "zswapped file_mapped file_dirty file_writeback swapcached anon_thp file_thp shmem_thp "
         "inactive_anon active_anon inactive_file active_file unevictable slab_reclaimable "
         "slab_unreclaimable slab").split()
keys = sorted(set(k for rt in stats for st in stats[rt] for k in st))
def kmed(rt, k):
    return statistics.median(st.get(k, 0) for st in stats[rt]) if stats[rt] else 0
diff = [(k, kmed("casca", k), kmed("lxc", k)) for k in keys]
diff = [x for x in diff if x[1] != x[2]]
kib = lambda b: "%+.0f KiB" % (b / 1024) if abs(b) >= 1024 or b == 0 else "%+d B" % b
print()
print("memory.stat counters that differ (median of the rounds; casca minus LXC; memory.current: %s):"
      % kib(m["casca"]["mem"] - m["lxc"]["mem"]))
print()
print("| counter | casca | LXC | casca - LXC |")
print("| --- | --- | --- | --- |")
for k, c, l in sorted((x for x in diff if x[0] in BYTES), key=lambda x: -abs(x[1] - x[2])):
    print("| %s | %d | %d | %s (%+d B) |" % (k, c, l, kib(c - l), c - l))
print()
print("memory.current (median) as read before the CPUs' charge stock was drained: casca %d, LXC %d "
      "(%s); after: casca %d, LXC %d (%s); after, less memory.stat's anon + file + kernel + sock: "
      "casca %s, LXC %s" % (m["casca"]["mem0"], m["lxc"]["mem0"],
                            kib(m["casca"]["mem0"] - m["lxc"]["mem0"]), m["casca"]["mem"],
                            m["lxc"]["mem"], kib(m["casca"]["mem"] - m["lxc"]["mem"]),
                            *(kib(m[rt]["mem"] - sum(kmed(rt, k) for k in ("anon", "file", "kernel", "sock")))
                              for rt in ("casca", "lxc"))))
ev = ["%s %+d" % (k, c - l) for k, c, l in diff if k not in BYTES]
if ev:
    print()
    print("events that differ (median count, casca minus LXC): " + ", ".join(ev))
print()
print("processes in the container's cgroup (the last round of each; tasks = pids.current):")
print()
for rt, name in (("casca", "casca"), ("lxc", "LXC")):
    r = max(x["r"] for x in by[rt])
    comms = sorted(l.split()[0] for l in read(rt, r, "procs").splitlines() if l.split())
    print("- %s: %s: %s" % (name, read(rt, r, "count").strip(), " ".join(comms)))
last = {rt: max(x["r"] for x in by[rt]) for rt in by}
def cgroups(rt, r):
    return {l.split()[0]: int(l.split()[1]) for l in read(rt, r, "cgroups").splitlines() if l.split()}
cg = {rt: [cgroups(rt, x["r"]) for x in by[rt]] for rt in by}
names = sorted(set(k for rt in cg for c in cg[rt] for k in c))
print()
print("memory.current of the cgroups below the container's (median; - where there is none; lxc-attach "
      "runs in /.lxc, casca exec in /init.scope):")
print()
print("| cgroup | casca | LXC | casca - LXC |")
print("| --- | --- | --- | --- |")
for n in names:
    v = {rt: [c[n] for c in cg[rt] if n in c] for rt in cg}
    c, l = (statistics.median(v[rt]) if v[rt] else None for rt in ("casca", "lxc"))
    if c != l:
        print("| %s | %s | %s | %s |" % (n, "-" if c is None else "%d" % c,
                                         "-" if l is None else "%d" % l, kib((c or 0) - (l or 0))))
def units(rt):
    return set(" ".join(l.split()[:4]) for l in read(rt, last[rt], "units").splitlines() if l.split())
def mounts(rt):
    # mount point and type (the fields after " - ")
    out = set()
    for l in read(rt, last[rt], "mounts").splitlines():
        f = l.split()
        if " - " in l and len(f) > 5:
            out.add("%s %s" % (f[4], l.split(" - ")[1].split()[0]))
    return out
for what, fn in (("units (systemctl list-units --all: unit load active sub)", units),
                 ("mounts of the container's init (mount point, type)", mounts)):
    c, l = fn("casca"), fn("lxc")
    print()
    print("%s: %d under casca, %d under LXC; only under casca: %s; only under LXC: %s"
          % (what, len(c), len(l), ", ".join(sorted(c - l)) or "none",
             ", ".join(sorted(l - c)) or "none"))
for rt in by:
    for x in by[rt]:
        if x["state"] != "running":
            print("\n%s round %d: %s, failed units: %s" % (rt, x["r"], x["state"], failed(rt, x["r"])))
PY
