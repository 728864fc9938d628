#!/bin/bash
# run-in-vm.sh - run one command inside a throw-away QEMU guest that has a
# pure cgroup v2 hierarchy, then power off and return the command's exit
# status.  The host's cgroups are never touched.
#
# The guest: Debian's stock kernel (/boot/vmlinuz-*, linux-image-amd64),
# decompressed once into an ELF vmlinux that QEMU boots through its PVH entry
# point, plus a busybox-static initramfs loading the virtio/9p/overlay
# modules.  Its root is the host's root filesystem exported READ-ONLY over
# virtio-9p from a private mount namespace (a NON-recursive bind of "/": the
# host's /proc, /sys, /dev, /run and cgroup mounts are not exported), with a
# tmpfs overlay on top, so the guest can write anywhere and everything is
# thrown away at power-off.  The guest's /lib/modules is the host's, so
# `modprobe null_blk` works there when the host has the guest kernel's
# modules installed (it does: linux-image-amd64).  /run, /tmp and /dev/shm
# are tmpfs in the guest: keep fifos, sockets and state dirs there.
#
# Usage: run-in-vm.sh [-S] [-s DIR]... [-e NAME]... [-m MEM] [-c CPUS] [-t SECS] [--] CMD [ARG]...
#   -S       systemd mode (also VM_INIT=systemd): the guest's pid 1 is the
#            host's /lib/systemd/systemd booting casca-vm.target, and CMD
#            runs in casca-vm-command.service (tests/vm/systemd/, README.md)
#   -s DIR   also share host DIR read-write at the same path (repeatable);
#            the current directory is shared by default (VM_SHARE_CWD=0: no)
#   -e NAME  forward the host variable NAME into the guest (repeatable);
#            CASCA, CASCA_BUILD, CASCA_ROOT and a few BATS_* are forwarded
#            when set, nothing else from the host environment is
#   -m MEM   guest memory (default 2G)     -c CPUS  guest vCPUs (default 2)
#   -t SECS  wall-clock limit (default 900)
# CMD runs as root in the guest's root cgroup with +cpu +cpuset +io +memory
# +pids (+hugetlb +misc when available) in /sys/fs/cgroup/cgroup.subtree_control
# (with -S: in the service's cgroup, delegated, below systemd's own tree).
# Its output (stdout and stderr merged) streams over the serial console to
# our stdout, with a "# vm: ..." line giving the boot time.
# Caches: $VM_CACHE (default /var/tmp/casca-vm)/<kernel version>/, rebuilt
# when the kernel or build_cache below changes.
# Exit: CMD's status; 125 when the guest gave none.
# Needs root, qemu-system-x86 linux-image-amd64 busybox-static cpio kmod xz-utils.
set -euo pipefail

MEM=2G CPUS=2 TMO=900 SHARES=() FWD=(CASCA CASCA_BUILD CASCA_ROOT BATS_LIB_PATH
  BATS_NUMBER_OF_PARALLEL_JOBS BATS_TEST_TIMEOUT BATS_NO_PARALLELIZE_ACROSS_FILES)
INIT=${VM_INIT:-sh}
while getopts "Ss:e:m:c:t:" o; do
  case $o in
    S) INIT=systemd ;;
    s) SHARES+=("$(realpath -e "$OPTARG")") ;;
    e) FWD+=("$OPTARG") ;;
    m) MEM=$OPTARG ;;
    c) CPUS=$OPTARG ;;
    t) TMO=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
case $INIT in
  sh | systemd) ;;
  *) echo "run-in-vm: VM_INIT=$INIT: expected sh or systemd" >&2; exit 2 ;;
esac
[ $# -gt 0 ] || { echo "usage: $0 [-S] [-s DIR] [-e NAME] [-m MEM] [-c CPUS] [-t SECS] -- CMD..." >&2; exit 2; }
[ "${VM_SHARE_CWD:-1}" = 1 ] && [ "$PWD" != / ] && SHARES+=("$PWD")
[ "$(id -u)" = 0 ] || { echo "run-in-vm: needs root (9p export of / and unshare --mount)" >&2; exit 2; }

SELF=$(realpath "$0")
KV=${VM_KERNEL_VERSION:-}
if [ -z "$KV" ]; then # the newest by version order
  KV=$(for k in /boot/vmlinuz-*; do [ -e "$k" ] && echo "${k#/boot/vmlinuz-}"; done | sort -V | tail -n 1)
fi
if [ -z "$KV" ] || [ ! -e "/boot/vmlinuz-$KV" ]; then
  echo "run-in-vm: no /boot/vmlinuz-*: apt-get install linux-image-amd64" >&2
  exit 2
fi
[ -d "/lib/modules/$KV" ] || { echo "run-in-vm: no /lib/modules/$KV" >&2; exit 2; }

BASE=${VM_CACHE:-/var/tmp/casca-vm}
CACHE=$BASE/$KV
mkdir -p "$CACHE"
KERNEL=$CACHE/vmlinux INITRD=$CACHE/initrd.cpio.gz STAMP=$CACHE/stamp

# ---- the cache: built once per kernel version and script version ---------
# Files are replaced with mv, so a guest booting meanwhile (another
# checkout's run) keeps the complete old ones.
build_cache() {
  local off b m
  # Decompress the bzImage into an ELF vmlinux: QEMU boots it through the
  # PVH entry point, skipping real-mode setup and the in-guest xz
  # decompressor (~5 s per boot under TCG).  Falls back to the bzImage.
  off=$(LC_ALL=C grep -m1 -obUaP '\xfd7zXZ\x00' "/boot/vmlinuz-$KV" | cut -d: -f1 || true)
  if [ -n "$off" ]; then
    tail -c +$((off + 1)) "/boot/vmlinuz-$KV" | xz -dc --single-stream > "$KERNEL.tmp" 2>/dev/null || true
  fi
  if [ -s "$KERNEL.tmp" ] && [ "$(head -c 4 "$KERNEL.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
    mv "$KERNEL.tmp" "$KERNEL"
  else
    rm -f "$KERNEL.tmp"
    cp "/boot/vmlinuz-$KV" "$KERNEL.tmp"
    mv "$KERNEL.tmp" "$KERNEL"
  fi

  b=$(mktemp -d "$BASE/initrd.XXXXXX")
  mkdir -p "$b"/{bin,mod,proc,sys,dev,lower,upper,newroot}
  cp /bin/busybox "$b/bin/busybox" # busybox-static
  : > "$b/mod/order"
  for m in $(for x in virtio_pci 9pnet_virtio 9p overlay; do modprobe -S "$KV" --show-depends "$x"; done |
             awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++'); do
    cp "$m" "$b/mod/"
    basename "$m" >> "$b/mod/order"
  done
  cat > "$b/init" <<'EOF'
#!/bin/busybox sh
B=/bin/busybox
$B mount -t proc proc /proc; $B mount -t sysfs sys /sys; $B mount -t devtmpfs dev /dev
for m in $($B cat /mod/order); do $B insmod "/mod/$m" || echo "insmod $m failed"; done
O=trans=virtio,version=9p2000.L,msize=262144
$B mount -t 9p -o ro,$O,cache=loose hostroot /lower || { echo "9p root mount failed"; $B poweroff -f; }
$B mount -t tmpfs -o mode=755 upper /upper; $B mkdir -p /upper/u /upper/w
$B mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w root /newroot ||
  { echo "overlay mount failed"; $B poweroff -f; }
N=/newroot
$B mount -t tmpfs -o mode=755 run $N/run; $B mkdir -p $N/run/vmwork
$B mount -t 9p -o $O,cache=none vmwork $N/run/vmwork
$B umount /proc /sys; $B mount --move /dev $N/dev
$B mount -t proc proc $N/proc; $B mount -t sysfs sysfs $N/sys
$B mkdir -p $N/dev/pts $N/dev/shm $N/dev/mqueue
$B ln -sf /proc/self/fd $N/dev/fd; $B ln -sf /proc/self/fd/0 $N/dev/stdin
$B ln -sf /proc/self/fd/1 $N/dev/stdout; $B ln -sf /proc/self/fd/2 $N/dev/stderr
$B mount -t devpts -o newinstance,ptmxmode=0666 devpts $N/dev/pts
$B mount -t tmpfs -o mode=1777 shm $N/dev/shm; $B mount -t mqueue mqueue $N/dev/mqueue
$B mount -t tmpfs -o mode=1777 tmp $N/tmp; $B mount -t tmpfs -o mode=1777 vartmp $N/var/tmp
$B mount -t cgroup2 -o nsdelegate cgroup2 $N/sys/fs/cgroup
i=0
while read -r d; do
  [ -n "$d" ] || continue
  $B mkdir -p "$N$d"; $B mount -t 9p -o $O,cache=mmap "share$i" "$N$d"; i=$((i + 1))
done < $N/run/vmwork/shares
$B hostname vm; $B ip link set lo up; $B stty -onlcr
exec $B switch_root $N /bin/sh /run/vmwork/stage2.sh
EOF
  chmod +x "$b/init"
  (cd "$b" && find . | cpio -o -H newc --quiet | gzip -1) > "$INITRD.tmp"
  mv "$INITRD.tmp" "$INITRD"
  rm -rf "$b"
  echo "$want_stamp" > "$STAMP"
}

# Keyed on build_cache's text (the initrd's init is in it) and the kernel, so
# a change elsewhere in this script does not rebuild the cache.
want_stamp="$(declare -f build_cache | sha256sum | cut -d' ' -f1) $(stat -c %Y "/boot/vmlinuz-$KV")"
exec 9> "$CACHE/lock"
flock 9
if [ ! -s "$KERNEL" ] || [ ! -s "$INITRD" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want_stamp" ]; then
  build_cache
fi
flock -u 9

# ---- per-run work dir: shares, command, stage-2 init, exit status ----------
# It lives under $BASE, never under a directory shared with the guest (the
# guest's /tmp and /run are its own tmpfs).
W=$(mktemp -d "$BASE/run.XXXXXX")
R=$(mktemp -d "$BASE/root.XXXXXX")
trap 'rm -rf "$W"; rmdir "$R" 2>/dev/null || true' EXIT
for s in "${SHARES[@]}"; do
  case $s in
    # A checkout below /tmp is fine: it is mounted inside the guest's own
    # /tmp tmpfs (after it), so the guest's /tmp stays its own.
    / | /tmp | /var/tmp | /run | /run/* | /proc | /proc/* | /sys | /sys/* | /dev | /dev/*)
      echo "run-in-vm: cannot share $s (the guest keeps its own /tmp, /run, /proc, /sys, /dev)" >&2
      exit 2 ;;
  esac
  case $W/ in
    "$s"/*) echo "run-in-vm: share $s contains the work dir $W" >&2; exit 2 ;;
  esac
done
printf '%s\n' "${SHARES[@]}" > "$W/shares"

{
  echo "# generated by run-in-vm.sh"
  for v in "${FWD[@]}"; do
    [[ $v =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { echo "run-in-vm: bad variable name $v" >&2; exit 2; }
    [ -n "${!v+set}" ] && printf 'export %s=%q\n' "$v" "${!v}"
  done
  printf 'cd %q 2>/dev/null || cd /\n' "$PWD"
  printf 'exec'
  printf ' %q' "$@"
  echo
} > "$W/cmd.sh"

INIT_APPEND=
if [ "$INIT" = systemd ]; then
  # systemd reads these before it logs its first line.
  INIT_APPEND="systemd.log_level=warning systemd.show_status=error "
  # The units and scripts of tests/vm/systemd/ (README.md there); stage 2
  # installs them in the guest's /run and becomes systemd.
  mkdir "$W/systemd"
  cp "$(dirname "$SELF")"/systemd/* "$W/systemd/"
  cat > "$W/stage2.sh" <<'EOF'
# stage 2 (systemd mode), run by /bin/sh as pid 1 after switch_root
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
read -r up _ < /proc/uptime
echo "casca-vm: stage2 uptime=$up"
S=/run/vmwork/systemd U=/run/systemd/system
mkdir -p $U /run/systemd/journald.conf.d /run/tmpfiles.d
cp $S/casca-vm.target $S/casca-vm-command.service $U/
for u in $(grep -v '^#' $S/masked); do ln -sf /dev/null "$U/$u"; done
cp $S/journald.conf /run/systemd/journald.conf.d/casca-vm.conf
cp $S/tmpfiles.conf /run/tmpfiles.d/tmp.conf
# The host's /.dockerenv (when the host is a container) would make systemd
# run as a container's init: ignore the kernel command line, skip units.
rm -f /.dockerenv
# A machine id of the guest's own, over the host's read-only one.
tr -d - < /proc/sys/kernel/random/uuid > /etc/machine-id
cp /etc/machine-id /var/lib/dbus/machine-id
exec /lib/systemd/systemd --unit=casca-vm.target
EOF
else
  cat > "$W/stage2.sh" <<'EOF'
# stage 2, run by /bin/sh as pid 1 after switch_root
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb
export LANG=C.UTF-8 TMPDIR=/tmp
read -r up _ < /proc/uptime
echo "casca-vm: stage2 uptime=$up"
want="cpu cpuset io memory pids hugetlb misc"
have=$(cat /sys/fs/cgroup/cgroup.controllers)
for c in $want; do
  case " $have " in *" $c "*) echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control ;; esac
done
/bin/bash /run/vmwork/cmd.sh < /dev/null 2>&1
echo $? > /run/vmwork/rc
sync
/bin/busybox poweroff -f
EOF
fi

# Prints the guest's console, drops the power-off noise and turns the
# stage-2 marker into the boot time.
console_filter() {
  local t0=$1 line t1 ms
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    case $line in
      "casca-vm: stage2 uptime="*)
        t1=${EPOCHREALTIME/./}
        ms=$(((t1 - t0) / 1000))
        printf '# vm: kernel %s booted to stage 2 in %d.%03ds (guest uptime %ss)\n' \
          "$KV" $((ms / 1000)) $((ms % 1000)) "${line#*uptime=}"
        ;;
      "casca-vm: command uptime="*) # -S: systemd started the command
        t1=${EPOCHREALTIME/./}
        ms=$(((t1 - t0) / 1000))
        printf '# vm: systemd started the command %d.%03ds after qemu did (guest uptime %ss)\n' \
          $((ms / 1000)) $((ms % 1000)) "${line#*uptime=}"
        ;;
      *"reboot: Power down"*) ;;
      *) printf '%s\n' "$line" ;;
    esac
  done
}

FS="security_model=none,multidevs=remap"
DEVS=(-fsdev "local,id=r,path=$R,readonly=on,$FS" -device "virtio-9p-pci,fsdev=r,mount_tag=hostroot"
      -fsdev "local,id=w,path=$W,$FS" -device "virtio-9p-pci,fsdev=w,mount_tag=vmwork")
for i in "${!SHARES[@]}"; do
  DEVS+=(-fsdev "local,id=s$i,path=${SHARES[$i]},$FS" -device "virtio-9p-pci,fsdev=s$i,mount_tag=share$i")
done

# qemu runs in a private mount namespace where $R is a NON-recursive,
# read-only bind of /: no host submount (/proc, /sys, /dev, cgroups) is seen.
set +e
t0=${EPOCHREALTIME/./}
# shellcheck disable=SC2016 # $1 expands in the inner shell
timeout --foreground -k 5 "$TMO" unshare --mount --propagation private -- sh -c '
  mount --bind / "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"' sh "$R" \
  qemu-system-x86_64 -accel "${VM_ACCEL:-tcg,thread=multi}" -cpu max -smp "$CPUS" -m "$MEM" \
    -nodefaults -no-user-config -display none -no-reboot \
    -chardev stdio,id=con,signal=on -serial chardev:con \
    -kernel "$KERNEL" -initrd "$INITRD" \
    -append "console=ttyS0 quiet loglevel=1 panic=-1 mitigations=off cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 $INIT_APPEND${VM_APPEND:-}" \
    "${DEVS[@]}" < /dev/null | console_filter "$t0"
q=${PIPESTATUS[0]}
set -e
if [ -s "$W/rc" ]; then
  exit "$(cat "$W/rc")"
fi
echo "run-in-vm: no exit status from the guest (qemu/timeout exit $q)" >&2
exit 125
