#!/bin/bash
# tests/soak/soak.sh - the fault-injection soak (issue 15; `make soak`).
#
#   tests/soak/soak.sh            parameters from the environment:
#     SOAK_CYCLES (200)   cycles; each injects one fault drawn from the seed
#     SOAK_PAR (2)        cycles run at once (a round); the leak audit runs
#                         after every round, so with SOAK_PAR=1 after every cycle
#     SOAK_SEED (random)  the seed; a failure prints it with its cycle, and
#                         SOAK_SEED=S SOAK_FROM=C replays from that cycle
#     SOAK_LOAD (200)     containers of the load phase (0: none)
#     SOAK_EVENTS (30)    seconds of the `casca events` fd/RSS run (0: none)
#     SOAK_VERB_TIMEOUT (60) a verb running longer than this is a hang
#     SOAK_FAULTS (all)   only these faults (names as below, space-separated)
#     CASCA (build/casca)
#
# Every container has casca's bridge network with a published port, the
# default seccomp profile (`casca spec --hardened`) and, where cgroup v2 is
# mounted (the VM lane's guest: tests/vm/run-in-vm.sh -- tests/soak/soak.sh),
# a cgroup under /sys/fs/cgroup/casca-soak-PID with memory and pids limits.
# On a host without cgroup v2 the script re-runs itself in a private mount
# namespace whose /sys/fs/cgroup is an empty tmpfs, with
# `--cgroup-manager disabled` and no limits (bench/run.sh does the same).
#
# All networking happens inside a stand-in host network namespace the script
# makes (casca runs under nsenter --net); private addresses only.
#
# Faults (one per cycle): plain (none), kill-casca:VERB (SIGKILL casca
# after a random delay during create/start/exec/delete), kill-step (create
# SIGKILLs itself at one of its named steps, build/tests/casca-steps with
# CASCA_TEST_KILL_AT: dir state config fifo cgroup clone network pid hooks
# ready created, the step after the last kill-step's each time), kill-init:VERB
# (SIGKILL the container's init during exec/delete), race:KIND (two creates
# of one id, delete during start, kill during create, pause during delete),
# full-root (a tiny tmpfs --root filled up), ulimit-n (a small fd limit for
# create), bad-state (a truncated or garbage state.json).  After each fault
# `casca delete --force` must bring the host back; the audit then checks
# cgroups, mounts, veths and bridge ports, nft rules and set elements, IPAM
# leases, state dirs and processes.  Any leak, hang (a verb killed by
# `timeout`) or unexplained failure stops the run with cycle, fault and seed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

die() { echo "soak: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (namespaces, mounts, network namespaces)"
for c in ip nft nsenter timeout busybox python3 unshare; do
  command -v "$c" >/dev/null || die "needs $c"
done

CASCA=$(readlink -f "${CASCA:-build/casca}")
[ -x "$CASCA" ] || die "build casca first (make): $CASCA"
export CASCA
# create with its test-only kill points (Makefile: build/tests/casca-steps)
STEPS_BIN=$(dirname "$CASCA")/tests/casca-steps
[ -x "$STEPS_BIN" ] || die "build the tests first (make tests): $STEPS_BIN"
KILL_STEPS=(dir state config fifo cgroup clone network pid hooks ready created)

# ---- host without cgroup v2: a private mount namespace, cgroups masked ----
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ] && [ "${SOAK_INSIDE:-}" != 1 ]; then
  SOAK_INSIDE=1 SOAK_HOST_MNT=$(readlink /proc/self/ns/mnt) exec unshare -m --propagation private "$0" "$@"
fi
if [ "${SOAK_INSIDE:-}" = 1 ]; then
  self=$(readlink /proc/self/ns/mnt)
  if [ "$self" = "${SOAK_HOST_MNT:-}" ] || [ "$self" = "$(readlink /proc/1/ns/mnt)" ]; then
    die "not in a private mount namespace"
  fi
  umount -R /sys/fs/cgroup 2>/dev/null || umount -R -l /sys/fs/cgroup 2>/dev/null || true
  mount -t tmpfs -o mode=0755,size=1m,nosuid,nodev,noexec casca-soak-cgroup /sys/fs/cgroup
  [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] || die "/sys/fs/cgroup is not the tmpfs"
  CGROUPS=0
  CGM=(--cgroup-manager disabled)
else
  CGROUPS=1
  CGM=()
fi

CYCLES=${SOAK_CYCLES:-200}
PAR=${SOAK_PAR:-2}
SEED=${SOAK_SEED:-$((RANDOM * 32768 + RANDOM))}
FROM=${SOAK_FROM:-1}
LOAD=${SOAK_LOAD:-200}
EVENTS=${SOAK_EVENTS:-30}
VT=${SOAK_VERB_TIMEOUT:-60}
for v in CYCLES PAR SEED FROM LOAD EVENTS VT; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v: expected a number, not \"${!v}\""
done
[ "$PAR" -ge 1 ] || die "SOAK_PAR must be at least 1"

TAG=soak$$
H=$TAG-host
MARK=casca-soak-mark-$$
CGPARENT=casca-soak-$$
# State on tmpfs (fifos and sockets do not work on 9p; /dev/shm like /run).
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
  WORK=$(mktemp -d /dev/shm/casca-soak.XXXXXX)
else
  WORK=$(mktemp -d /tmp/casca-soak.XXXXXX)
fi
ROOT=$WORK/state
RES=$WORK/results
mkdir -p "$ROOT" "$RES" "$WORK/b"
chmod 700 "$ROOT"

cleanup() {
  local d id
  set +e
  for d in "$ROOT"/* "$WORK"/full*/root/*; do
    [ -d "$d" ] || continue
    id=$(basename "$d")
    case $id in @ipam | @cache | @sandbox | @networks) continue ;; esac
    nsenter --net="/run/netns/$H" "$CASCA" --root "$(dirname "$d")" "${CGM[@]}" delete --force "$id" >/dev/null 2>&1
  done
  [ -n "${EVPID:-}" ] && kill "$EVPID" 2>/dev/null
  for d in "$WORK"/full*/root; do mountpoint -q "$d" && umount "$d"; done
  ip netns del "$H" 2>/dev/null
  if [ "$CGROUPS" = 1 ] && [ -d "/sys/fs/cgroup/$CGPARENT" ]; then
    find "/sys/fs/cgroup/$CGPARENT" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null
    rmdir "/sys/fs/cgroup/$CGPARENT" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the stand-in host, the rootfs, the bundles ----------------------------
ip netns add "$H" || die "ip netns add $H"
ip -n "$H" link set lo up
# shellcheck source=tests/integration/helpers/bundle.bash
. tests/integration/helpers/bundle.bash
CASCA_BUILD=$(dirname "$CASCA") make_busybox_rootfs "$WORK/rootfs" >/dev/null || die "busybox rootfs"
"$CASCA" spec --hardened --network bridge --bundle "$WORK" || die "casca spec"
mv "$WORK/config.json" "$WORK/base.json"
if [ "$CGROUPS" = 1 ]; then
  mkdir "/sys/fs/cgroup/$CGPARENT" || die "mkdir /sys/fs/cgroup/$CGPARENT"
fi

# bundles DIR:ID:PORT[:BRIDGE:SUBNET]...: $WORK/b/DIR/config.json for container
# ID publishing PORT (tcp) -> 80, where `nc` answers soak-ok (one python
# for many: python's start is slow under TCG)
bundles() {
  python3 - "$WORK/base.json" "$WORK/b" "$WORK/rootfs" "$CGROUPS" "$CGPARENT" "$MARK" "$@" <<'PY'
import json, os, sys
src, dstdir, rootfs, cg, parent, mark = sys.argv[1:7]
base = json.load(open(src))
for spec in sys.argv[7:]:
  d, cid, port, br, subnet = (spec.split(":") + ["soak0", "10.77.0.0/16"])[:5]
  dst = os.path.join(dstdir, d, "config.json")
  c = json.loads(json.dumps(base))
  c["root"] = {"path": rootfs, "readonly": True}
  c["process"]["args"] = ["sh", "-c", "nc -ll -p 80 -e echo soak-ok & wait", mark]
  c["process"]["env"].append("SOAK_MARK=" + mark)
  gw = subnet.split("/")[0].rsplit(".", 1)[0] + ".1"
  # an inline bridge per root (spec --network bridge names the network default)
  c["casca"]["network"].pop("name", None)
  c["casca"]["network"].update({"bridge": br, "subnet": subnet, "gateway": gw,
                                "ports": [{"hostPort": int(port), "containerPort": 80}]})
  if cg == "1":
      c["linux"]["cgroupsPath"] = "/%s/%s" % (parent, cid)
      r = c["linux"].setdefault("resources", {})
      r["memory"] = {"limit": 64 << 20}
      r["pids"] = {"limit": 64}
  else:
      c["linux"].pop("resources", None)
  os.makedirs(os.path.dirname(dst), exist_ok=True)
  json.dump(c, open(dst, "w"), indent=1)
PY
}

# ---- running verbs ---------------------------------------------------------
# cas ROOT OUTFILE ARGS...: casca ARGS in the stand-in host under `timeout`;
# output to OUTFILE (a file: create leaves the container holding its stdio);
# returns casca's status, 124/137 for a hang
cas() {
  local root=$1 out=$2
  shift 2
  timeout -s KILL "$VT" nsenter --net="/run/netns/$H" "$CASCA" --root "$root" "${CGM[@]}" "$@" \
    >"$out" 2>&1 </dev/null
}
# bgcas ROOT OUTFILE ARGS...: the same in the background; $! is casca itself
# (nsenter execs it), so a fault can SIGKILL it
bgcas() {
  local root=$1 out=$2
  shift 2
  nsenter --net="/run/netns/$H" "$CASCA" --root "$root" "${CGM[@]}" "$@" >"$out" 2>&1 </dev/null &
}
# waitv PID: wait for a background verb, a hang after $VT seconds
waitv() {
  local pid=$1 i=0 lim=$((VT * 10))
  while kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
    i=$((i + 1))
    if [ "$i" -ge "$lim" ]; then
      kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      return 124
    fi
    sleep 0.1
  done
  wait "$pid" 2>/dev/null
}
msleep() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# ---- one cycle (in a subshell; writes $RES/CYCLE) ---------------------------
# Results: "ok FAULT [note]" or "hang|fail FAULT detail".
faults=(plain kill-casca:create kill-casca:start kill-casca:exec kill-casca:delete kill-step
  kill-init:exec kill-init:delete race:create2 race:delete-start race:kill-create
  race:pause-delete full-root ulimit-n bad-state)
if [ -n "${SOAK_FAULTS:-}" ]; then
  for f in $SOAK_FAULTS; do
    case " ${faults[*]} " in *" $f "*) ;; *) die "SOAK_FAULTS: no fault \"$f\" (${faults[*]})" ;; esac
  done
  read -ra faults <<<"$SOAK_FAULTS"
fi

cycle() {
  local n=$1 w=$2 id port out fault r r2 pid d note="" root=$ROOT
  RANDOM=$(((SEED * 7919 + n * 104729) % 2147483647))
  fault=${faults[RANDOM % ${#faults[@]}]}
  id=s$n
  port=$((20000 + w))
  out=$WORK/out.$n
  local B=$WORK/b/$id
  res() { echo "$1 $fault ${*:2}" >"$RES/$n"; }
  # must VERB ARGS...: a verb that has to succeed
  must() {
    cas "$root" "$out" "$@"
    r=$?
    if [ "$r" -eq 124 ] || [ "$r" -eq 137 ]; then res hang "$1 hung: $(head -c 300 "$out")"; return 1; fi
    [ "$r" -eq 0 ] || { res fail "$1 exited $r: $(head -c 300 "$out")"; return 1; }
  }
  # clear STATUS OUTFILE VERB: a verb that may fail, but clearly: not
  # hung, not killed by a signal, and with a `casca: ` message
  clearly() {
    if [ "$1" -eq 124 ] || [ "$1" -eq 137 ]; then res hang "$3 hung: $(head -c 300 "$2")"; return 1; fi
    [ "$1" -eq 0 ] && return 0
    # 129-192: killed by a signal (casca's own errors exit 1 or 255)
    if { [ "$1" -gt 128 ] && [ "$1" -le 192 ]; } || ! grep -q '^casca: ' "$2"; then
      res fail "$3 exited $1 without a clear error: $(head -c 300 "$2")"
      return 1
    fi
  }
  # cleanup_id: delete --force brings the host back
  force() {
    cas "$root" "$out.f" delete --force "$id"
    r=$?
    clearly "$r" "$out.f" "delete --force" || return 1
    [ "$r" -eq 0 ] || grep -q 'does not exist' "$out.f" ||
      { res fail "delete --force exited $r: $(head -c 300 "$out.f")"; return 1; }
    [ ! -e "$root/$id" ] || { res fail "delete --force left $root/$id"; return 1; }
  }
  delay() { echo $((RANDOM % (${MAXD[$1]:-300} + 1))); }

  case $fault in
    plain)
      must create -b "$B" "$id" || return
      must start "$id" || return
      d=0
      until [ "$(nsenter --net="/run/netns/$H" busybox nc -w 2 127.0.0.1 "$port" 2>/dev/null)" = soak-ok ]; do
        d=$((d + 1))
        [ "$d" -lt 50 ] || { res fail "published port $port never answered"; return; }
        sleep 0.2
      done
      must exec "$id" echo exec-ok || return
      [ "$(cat "$out")" = exec-ok ] || { res fail "exec printed: $(head -c 200 "$out")"; return; }
      if [ "$CGROUPS" = 1 ]; then
        [ "$(cat "/sys/fs/cgroup/$CGPARENT/$id/memory.max" 2>&1)" = 67108864 ] ||
          { res fail "memory.max: $(cat "/sys/fs/cgroup/$CGPARENT/$id/memory.max" 2>&1)"; return; }
      fi
      must delete --force "$id" || return
      ;;
    kill-casca:*)
      local verb=${fault#kill-casca:}
      if [ "$verb" != create ]; then must create -b "$B" "$id" || return; fi
      if [ "$verb" = exec ] || [ "$verb" = delete ]; then must start "$id" || return; fi
      d=$(delay "$verb")
      case $verb in
        create) bgcas "$root" "$out.v" create -b "$B" "$id" ;;
        start) bgcas "$root" "$out.v" start "$id" ;;
        exec) bgcas "$root" "$out.v" exec "$id" sh -c 'sleep 2' "$MARK" ;;
        delete) bgcas "$root" "$out.v" delete --force "$id" ;;
      esac
      pid=$!
      msleep "$d"
      kill -KILL "$pid" 2>/dev/null
      waitv "$pid"
      r=$?
      note="delay=${d}ms rc=$r"
      [ "$r" -ne 124 ] || { res hang "$verb hung"; return; }
      ;;
    kill-step)
      # the steps in turn: this cycle's is the one after the previous
      # kill-step cycle's (counted in $WORK/kill-steps under a lock)
      local step k
      # shellcheck disable=SC2016 # the $ are for the inner sh
      k=$(flock "$WORK/kill-steps.lock" sh -c 'k=$(cat "$1" 2>/dev/null || echo 0); echo $((k + 1)) > "$1"; echo "$k"' sh "$WORK/kill-steps")
      step=${KILL_STEPS[k % ${#KILL_STEPS[@]}]}
      (timeout -s KILL "$VT" env CASCA_TEST_KILL_AT="$step" nsenter --net="/run/netns/$H" "$STEPS_BIN" \
        --root "$root" "${CGM[@]}" create -b "$B" "$id" >"$out.v" 2>&1 </dev/null) 2>/dev/null
      r=$?
      note="step=$step rc=$r"
      # killed there (137), or the step is not on this create's path (0)
      [ "$r" -eq 137 ] || [ "$r" -eq 0 ] ||
        { res fail "create killed at $step exited $r: $(head -c 300 "$out.v")"; return; }
      fault=kill-step:$step
      ;;
    kill-init:*)
      local verb=${fault#kill-init:} ipid
      must create -b "$B" "$id" || return
      must start "$id" || return
      must state "$id" || return
      ipid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$out") ||
        { res fail "state: $(head -c 200 "$out")"; return; }
      d=$(delay "$verb")
      if [ "$verb" = exec ]; then
        bgcas "$root" "$out.v" exec "$id" sh -c 'sleep 3' "$MARK"
      else
        bgcas "$root" "$out.v" delete --force "$id"
      fi
      pid=$!
      msleep "$d"
      kill -KILL "$ipid" 2>/dev/null
      waitv "$pid"
      r=$?
      # an exec'd process dies with the init: exec reports its SIGKILL
      if [ "$verb" != exec ] || [ "$r" -ne 137 ]; then clearly "$r" "$out.v" "$verb" || return; fi
      note="delay=${d}ms rc=$r"
      ;;
    race:create2)
      bgcas "$root" "$out.1" create -b "$B" "$id"
      pid=$!
      cas "$root" "$out.2" create -b "$B" "$id"
      r2=$?
      waitv "$pid"
      r=$?
      clearly "$r" "$out.1" create || return
      clearly "$r2" "$out.2" create || return
      if [ $(((r == 0) + (r2 == 0))) -ne 1 ]; then
        res fail "two creates of one id: exit statuses $r and $r2 (exactly one must win): $(cat "$out.1" "$out.2" | head -c 300)"
        return
      fi
      ;;
    race:delete-start | race:kill-create | race:pause-delete)
      local a b
      case $fault in
        race:delete-start)
          must create -b "$B" "$id" || return
          a=(start "$id")
          b=(delete --force "$id")
          ;;
        race:kill-create)
          a=(create -b "$B" "$id")
          b=(kill "$id" KILL)
          ;;
        race:pause-delete)
          must create -b "$B" "$id" || return
          must start "$id" || return
          a=(delete --force "$id")
          b=(pause "$id")
          ;;
      esac
      d=$(delay "${a[0]}")
      bgcas "$root" "$out.1" "${a[@]}"
      pid=$!
      msleep "$d"
      cas "$root" "$out.2" "${b[@]}"
      r2=$?
      waitv "$pid"
      r=$?
      clearly "$r" "$out.1" "${a[0]}" || return
      clearly "$r2" "$out.2" "${b[0]}" || return
      note="delay=${d}ms rc=$r,$r2"
      ;;
    full-root)
      # a tiny tmpfs root of its own; its own bridge and subnet (its IPAM
      # is not the main root's)
      local fr=$WORK/full$w/root free
      mkdir -p "$fr"
      mount -t tmpfs -o size=256k,mode=0700 "casca-soak-full$w" "$fr" || { res fail "mount tmpfs"; return; }
      root=$fr
      B=$WORK/b/f$n
      free=$((RANDOM % 8192))
      # fill all but $free bytes
      dd if=/dev/zero of="$fr/fill" bs=4k status=none 2>/dev/null
      truncate -s "-$free" "$fr/fill" 2>/dev/null
      cas "$root" "$out" create -b "$B" "$id"
      r=$?
      clearly "$r" "$out" create || { umount "$fr"; return; }
      note="free=$free rc=$r"
      if [ "$r" -ne 0 ]; then
        grep -q 'No space left on device' "$out" ||
          { res fail "create on a full root: not ENOSPC: $(head -c 300 "$out")"; umount "$fr"; return; }
      fi
      cas "$root" "$out.l" list
      r2=$?
      clearly "$r2" "$out.l" list || { umount "$fr"; return; }
      [ "$r2" -eq 0 ] || { res fail "list on a full root failed: $(head -c 300 "$out.l")"; umount "$fr"; return; }
      cas "$root" "$out.s" state "$id"
      r2=$?
      clearly "$r2" "$out.s" state || { umount "$fr"; return; }
      force || { umount "$fr"; return; }
      # room again: the root works
      rm -f "$fr/fill"
      must create -b "$B" "$id" || { umount "$fr"; return; }
      force || { umount "$fr"; return; }
      rm -rf "${fr:?}"/* 2>/dev/null
      umount "$fr"
      res ok "$note"
      return
      ;;
    ulimit-n)
      local lim=$((8 + RANDOM % 24))
      (
        ulimit -S -n "$lim"
        cas "$root" "$out" create -b "$B" "$id"
      )
      r=$?
      clearly "$r" "$out" create || return
      note="nofile=$lim rc=$r"
      if [ "$r" -ne 0 ]; then
        grep -q 'Too many open files' "$out" ||
          { res fail "create with ulimit -n $lim: not EMFILE: $(head -c 300 "$out")"; return; }
        # a failed create leaves nothing behind, but for a state dir it
        # says it kept (its network teardown ran out of fds too): then
        # delete --force below has to finish the job
        if [ -e "$root/$id" ] && ! grep -q "\`casca delete --force $id\` retries" "$out"; then
          res fail "failed create (ulimit -n $lim) left $root/$id: $(head -c 300 "$out")"
          return
        fi
      fi
      ;;
    bad-state)
      local how=$((RANDOM % 4)) sz
      must create -b "$B" "$id" || return
      if [ $((RANDOM % 2)) = 1 ]; then must start "$id" || return; fi
      if [ "$CGROUPS" = 0 ]; then
        # without a cgroup nothing finds the processes of a container
        # whose state.json is gone: its init dies first
        must state "$id" || return
        kill -KILL "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$out")"
      fi
      sz=$(stat -c %s "$root/$id/state.json")
      case $how in
        0) truncate -s $((RANDOM % sz)) "$root/$id/state.json" ;;
        1) head -c $((1 + RANDOM % 512)) /dev/urandom >"$root/$id/state.json" ;;
        2) : >"$root/$id/state.json" ;;
        3) printf '{"ociVersion": "1.2.0", "id": "%s", "pid": "x' "$id" >"$root/$id/state.json" ;;
      esac
      note="how=$how"
      cas "$root" "$out.l" list
      r=$?
      clearly "$r" "$out.l" list || return
      [ "$r" -eq 0 ] || { res fail "list with a bad state.json failed: $(head -c 300 "$out.l")"; return; }
      cas "$root" "$out.s" state "$id"
      r=$?
      clearly "$r" "$out.s" state || return
      ;;
  esac
  force || return
  res ok "$note"
}

# ---- the audit -------------------------------------------------------------
mounts() { awk '{print $5}' /proc/self/mountinfo | sort; }
# what the host holds that a container could have left; one line per thing
snapshot() {
  local f
  echo "== mounts"
  mounts | grep -v "^$WORK/full"
  echo "== links"
  ip -n "$H" -o link show type veth | awk -F': ' '{print "veth " $2}'
  ip -n "$H" -o link show | grep -o ' master [^ ]*' | sed 's/^/port/'
  echo "== nft"
  nsenter --net="/run/netns/$H" nft list ruleset 2>/dev/null |
    grep -E 'casca:|elements' | grep -vE 'elements = \{ *\}' || true
  echo "== state"
  for f in "$ROOT"/*; do
    [ -e "$f" ] || continue
    case ${f##*/} in ipam | @cache | @sandbox) ;; *) echo "state ${f##*/}" ;; esac
  done
  echo "== leases"
  if [ -d "$ROOT/@ipam" ]; then grep -rl . "$ROOT/@ipam" 2>/dev/null | sed 's/^/lease /' | grep -v 'last\|lock' || true; fi
  echo "== cgroups"
  if [ "$CGROUPS" = 1 ]; then
    find "/sys/fs/cgroup/$CGPARENT" -mindepth 1 -type d | sed 's/^/cgroup /'
  fi
  echo "== processes"
  for f in /proc/[0-9]*; do
    [ "${f#/proc/}" != "${EVPID:-x}" ] || continue
    if grep -qs -- "$MARK" "$f/cmdline" "$f/environ" || [ "$(readlink "$f/exe" 2>/dev/null)" = "$CASCA" ]; then
      echo "process ${f#/proc/}: $(tr '\0' ' ' <"$f/cmdline" 2>/dev/null | head -c 100)"
    fi
  done
}

# ---- calibration: how long each verb takes (the kill delays' range) -------
declare -A MAXD
calibrate() {
  local B t0 t1 v
  bundles cal:cal:19999 || die "bundles"
  B=$WORK/b/cal
  # twice: the first create makes the bridge, the nft table and the
  # seccomp cache
  for v in create start exec delete create start exec delete; do
    t0=${EPOCHREALTIME/./}
    case $v in
      create) cas "$ROOT" "$WORK/cal.out" create -b "$B" cal ;;
      start) cas "$ROOT" "$WORK/cal.out" start cal ;;
      exec) cas "$ROOT" "$WORK/cal.out" exec cal true ;;
      delete) cas "$ROOT" "$WORK/cal.out" delete --force cal ;;
    esac || die "calibration: $v failed: $(cat "$WORK/cal.out")"
    t1=${EPOCHREALTIME/./}
    MAXD[$v]=$(((t1 - t0) * 6 / 5000 + 1))
  done
  MAXD[pause]=${MAXD[start]}
}

declare -A KIND
HANGS=0
FAILS=0
LEAKS=0
report() {
  local t_end per
  t_end=${EPOCHREALTIME/./}
  per=$(((t_end - T0) / 1000 / (DONE > 0 ? DONE : 1)))
  echo
  echo "| figure | value |"
  echo "| --- | --- |"
  echo "| seed | $SEED |"
  echo "| cycles run | $DONE of $CYCLES (parallelism $PAR) |"
  local k
  for k in $(printf '%s\n' "${!KIND[@]}" | sort); do echo "| fault $k | ${KIND[$k]} |"; done
  echo "| leaks found | $LEAKS |"
  echo "| hung verbs | $HANGS |"
  echo "| failures other than the injected fault | $FAILS |"
  echo "| containers held at once (load) | ${HELD:-0} of $LOAD (distinct addresses: ${DISTINCT:-0}) |"
  echo "| time per cycle | $per ms |"
  [ -z "${EVFIG:-}" ] || echo "| casca events, ${EVENTS}s | $EVFIG |"
  echo "| cgroups | $([ "$CGROUPS" = 1 ] && echo "v2, $CGPARENT, memory 64M, pids 64" || echo "none (host: --cgroup-manager disabled)") |"
}
stop() {
  echo "SOAK FAILED: $*" >&2
  echo "replay: SOAK_SEED=$SEED SOAK_FROM=${CUR:-1} SOAK_PAR=$PAR tests/soak/soak.sh" >&2
  report
  exit 1
}

echo "# soak: seed $SEED, $CYCLES cycles, parallelism $PAR, load $LOAD, cgroups $CGROUPS, $(uname -r)"
calibrate
echo "# soak: kill delays up to create ${MAXD[create]} start ${MAXD[start]} exec ${MAXD[exec]} delete ${MAXD[delete]} ms"
snapshot >"$WORK/base.snap"
T0=${EPOCHREALTIME/./}
DONE=0
n=$FROM
while [ "$n" -le "$CYCLES" ]; do
  pids=()
  first=$n
  specs=()
  for ((w = 0; w < PAR && n + w <= CYCLES; w++)); do
    specs+=("s$((n + w)):s$((n + w)):$((20000 + w))" "f$((n + w)):s$((n + w)):$((20000 + w)):soakf$w:10.78.$w.0/24")
  done
  bundles "${specs[@]}" || die "bundles"
  for ((w = 0; w < PAR && n <= CYCLES; w++, n++)); do
    cycle "$n" "$w" &
    pids+=($!)
  done
  wait "${pids[@]}"
  for ((c = first; c < n; c++)); do
    CUR=$c
    DONE=$((DONE + 1))
    read -r st f rest <"$RES/$c" || { st=fail f=unknown rest="cycle $c wrote no result"; }
    KIND[$f]=$((${KIND[$f]:-0} + 1))
    [ -z "${SOAK_VERBOSE:-}" ] || echo "# cycle $c: $st $f $rest ($(((${EPOCHREALTIME/./} - T0) / 1000000)) s)"
    case $st in
      ok) ;;
      hang) HANGS=$((HANGS + 1)); stop "cycle $c, fault $f, seed $SEED: hang: $rest" ;;
      *) FAILS=$((FAILS + 1)); stop "cycle $c, fault $f, seed $SEED: $rest" ;;
    esac
  done
  snapshot >"$WORK/now.snap"
  if ! diff -u "$WORK/base.snap" "$WORK/now.snap" >"$WORK/leak.diff"; then
    LEAKS=$((LEAKS + 1))
    CUR=$first
    stop "after cycles $first-$((n - 1)) (faults: $(for ((c = first; c < n; c++)); do awk '{printf "%s ", $2}' "$RES/$c"; done)), seed $SEED: leak:
$(grep '^[-+][^-+]' "$WORK/leak.diff")"
  fi
  if [ $((n / PAR % 25)) = 0 ]; then echo "# soak: $DONE cycles done, $(((${EPOCHREALTIME/./} - T0) / 1000000)) s"; fi
done

# ---- load: N containers at once, distinct addresses, parallel delete ------
if [ "$LOAD" -gt 0 ]; then
  echo "# soak: load phase, $LOAD containers"
  specs=()
  for ((i = 1; i <= LOAD; i++)); do specs+=("l$i:l$i:$((30000 + i))"); done
  bundles "${specs[@]}" || die bundles
  export -f cas
  export H VT ROOT WORK
  export CGM_S="${CGM[*]}"
  # shellcheck disable=SC2016 # expanded by the inner shell
  seq 1 "$LOAD" | xargs -P "$((PAR * 2))" -I{} bash -c \
    'timeout -s KILL "$VT" nsenter --net="/run/netns/$H" "$CASCA" --root "$ROOT" $CGM_S run -d -b "$WORK/b/l{}" l{} \
       >"$WORK/load.{}" 2>&1 </dev/null || echo "l{}: $(cat "$WORK/load.{}")"' >"$WORK/load.fail"
  [ ! -s "$WORK/load.fail" ] || { FAILS=$((FAILS + 1)); stop "load: run -d failed: $(head -c 600 "$WORK/load.fail")"; }
  HELD=$(for ((i = 1; i <= LOAD; i++)); do
    cas "$ROOT" "$WORK/ls.out" state "l$i" && python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$WORK/ls.out"
  done | grep -cx running)
  DISTINCT=$(for ((i = 1; i <= LOAD; i++)); do
    p=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' <(cas "$ROOT" /dev/stdout state "l$i"))
    nsenter -t "$p" -n ip -4 -o addr show dev eth0 | awk '{print $4}'
  done | sort -u | wc -l)
  echo "# soak: load: $HELD running, $DISTINCT distinct addresses"
  [ "$HELD" = "$LOAD" ] || { FAILS=$((FAILS + 1)); stop "load: $HELD of $LOAD containers running"; }
  [ "$DISTINCT" = "$LOAD" ] || { FAILS=$((FAILS + 1)); stop "load: $DISTINCT distinct addresses for $LOAD containers"; }
  # shellcheck disable=SC2016 # expanded by the inner shell
  seq 1 "$LOAD" | xargs -P "$((PAR * 2))" -I{} bash -c \
    'timeout -s KILL "$VT" nsenter --net="/run/netns/$H" "$CASCA" --root "$ROOT" $CGM_S delete --force l{} \
       >"$WORK/load.{}" 2>&1 </dev/null || echo "l{}: $(cat "$WORK/load.{}")"' >"$WORK/load.fail"
  [ ! -s "$WORK/load.fail" ] || { FAILS=$((FAILS + 1)); stop "load: delete --force failed: $(head -c 600 "$WORK/load.fail")"; }
  snapshot >"$WORK/now.snap"
  diff -u "$WORK/base.snap" "$WORK/now.snap" >"$WORK/leak.diff" ||
    { LEAKS=$((LEAKS + 1)); stop "load: leak: $(grep '^[-+][^-+]' "$WORK/leak.diff")"; }
fi

# ---- casca's own fds and RSS across a long `casca events` ------------------
fds() { find "/proc/$1/fd" -mindepth 1 2>/dev/null | wc -l; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
if [ "$EVENTS" -gt 0 ] && [ "$CGROUPS" = 0 ]; then
  echo "# soak: no \`casca events\` run: it needs the container's cgroup"
elif [ "$EVENTS" -gt 0 ]; then
  bundles ev:ev:19998 || die bundles
  cas "$ROOT" "$WORK/ev.out" run -d -b "$WORK/b/ev" ev || stop "events: run -d: $(cat "$WORK/ev.out")"
  nsenter --net="/run/netns/$H" "$CASCA" --root "$ROOT" "${CGM[@]}" events --interval 100ms ev >"$WORK/events.out" 2>&1 &
  EVPID=$!
  sleep 2
  f0=$(fds "$EVPID")
  m0=$(rss "$EVPID")
  sleep "$EVENTS"
  f1=$(fds "$EVPID")
  m1=$(rss "$EVPID")
  if [ -z "$f1" ] || [ -z "$m1" ]; then
    FAILS=$((FAILS + 1))
    stop "casca events exited early: $(head -c 300 "$WORK/events.out")"
  fi
  lines=$(wc -l <"$WORK/events.out")
  kill "$EVPID"
  wait "$EVPID" 2>/dev/null
  EVPID=
  cas "$ROOT" "$WORK/ev.out" delete --force ev || stop "events: delete: $(cat "$WORK/ev.out")"
  EVFIG="$lines lines; fds $f0 -> $f1; RSS $m0 -> $m1 kB"
  echo "# soak: casca events: $EVFIG"
  if [ -z "$f1" ] || [ "$f1" -gt "$f0" ] || [ "$m1" -gt $((m0 + 512)) ]; then
    LEAKS=$((LEAKS + 1))
    stop "casca events leaks: $EVFIG"
  fi
  [ "$lines" -gt 0 ] || { FAILS=$((FAILS + 1)); stop "casca events printed nothing: $(head -c 300 "$WORK/events.out")"; }
fi

snapshot >"$WORK/now.snap"
diff -u "$WORK/base.snap" "$WORK/now.snap" >"$WORK/leak.diff" ||
  { LEAKS=$((LEAKS + 1)); stop "end: leak: $(grep '^[-+][^-+]' "$WORK/leak.diff")"; }
report
echo "# soak: passed"
