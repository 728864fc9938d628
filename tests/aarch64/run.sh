#!/bin/bash
# run.sh - the aarch64 lane (`tests/run-checks.sh aarch64`, make check-aarch64):
# the exec stub (runtime/stub/casca-stub.c) built for aarch64 and run for
# real, both modes, in a qemu-system-aarch64 guest (TCG; qemu-user cannot
# run mode c: it refuses clone(CLONE_VM|CLONE_VFORK|CLONE_PARENT)).
#
#   1. the stub with Debian's cross compiler, by the Makefile's own rule
#      (STUB_CC=aarch64-linux-gnu-gcc, BUILD=$AARCH64_BUILD)
#   2. tests/unit/test-exec-stub-arch.c against it: a static glibc program, no
#      libcasca; it checks what tests/unit/test-exec-stub.c checks on x86_64
#   3. an initramfs (cpio, newc) holding only that program as /init
#   4. Debian's arm64 kernel (linux-image-arm64's), fetched once with apt
#      from the Debian mirror (a private apt state: the host's dpkg and apt
#      are not touched), cached in $AARCH64_VM_CACHE/<version>/
#   5. boot: the guest prints TAP on its console and powers off; its TAP
#      lines are printed here.  A failing check, a "Bail out!", a guest that
#      never printed its plan (no boot, a hang: AARCH64_TIMEOUT) fail.
#
# Env: AARCH64_BUILD ($BUILD/aarch64), AARCH64_CC (aarch64-linux-gnu-gcc),
# AARCH64_VM_CACHE (/var/tmp/casca-vm-aarch64), AARCH64_KERNEL (an arm64
# Image to boot instead of Debian's: nothing fetched), AARCH64_KERNEL_REFRESH=1
# (fetch the newest linux-image-arm64 even if one is cached), AARCH64_CPU
# (max,pauth-impdef=on: every feature, the cheap pointer authentication;
# cortex-a57 boots faster still), AARCH64_TIMEOUT (300 s; a run takes 5-10 s).
# Needs (make deps: DEB_AARCH64): gcc-aarch64-linux-gnu libc6-dev-arm64-cross
# qemu-system-arm cpio; apt-get and dpkg-deb (the kernel); no root.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
A64=${AARCH64_BUILD:-$BUILD/aarch64}
CROSS=${AARCH64_CC:-aarch64-linux-gnu-gcc}
BASE=${AARCH64_VM_CACHE:-/var/tmp/casca-vm-aarch64}
TMO=${AARCH64_TIMEOUT:-300}
CPU=${AARCH64_CPU:-max,pauth-impdef=on}

fail() {
  echo "aarch64: $*" >&2
  exit 2
}

missing=()
for c in "$CROSS" qemu-system-aarch64 cpio timeout flock make; do
  command -v "$c" > /dev/null || missing+=("$c")
done
[ -n "${AARCH64_KERNEL:-}" ] || for c in apt-get apt-cache dpkg-deb; do
  command -v "$c" > /dev/null || missing+=("$c (the arm64 kernel is fetched with apt)")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "aarch64: missing prerequisites (sudo make deps installs them: DEB_AARCH64):" >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 2
fi
echo '#include <stdio.h>' | "$CROSS" -static -x c -E - > /dev/null 2>&1 ||
  fail "$CROSS cannot compile against the arm64 libc (libc6-dev-arm64-cross)"

# ---- 1, 2, 3: the stub, the test program, the initramfs -------------------
make --no-print-directory -s BUILD="$A64" STUB_CC="$CROSS" "$A64/gen/runtime/stub/casca-stub.h" ||
  fail "building the aarch64 stub failed"
grep -q 'the exec stub, aarch64' "$A64/gen/runtime/stub/casca-stub.h" ||
  fail "$A64/gen/runtime/stub/casca-stub.h is not an aarch64 stub ($CROSS -dumpmachine: $("$CROSS" -dumpmachine))"
"$CROSS" -std=gnu11 -O2 -Wall -Wextra -Werror -static -I "$A64/gen" -I . -I tests/unit \
  -o "$A64/test-exec-stub-arch" tests/unit/test-exec-stub-arch.c || fail "building tests/unit/test-exec-stub-arch.c failed"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -m 0755 "$A64/test-exec-stub-arch" "$stage/init"
(cd "$stage" && echo init | cpio -o -H newc -R 0:0 --quiet) > "$A64/initrd.cpio"

# ---- 4: the kernel ------------------------------------------------------------
# apt with its own state under $BASE/apt: arm64 package lists, no dpkg
# status, the host's sources (Debian's mirror)
apt_arm64() {
  local cmd=$1 d=$BASE/apt
  shift
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
  [ -e "$d/status" ] || : > "$d/status"
  "$cmd" -q -o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Dir::State::Lists="$d/lists" \
    -o Dir::Cache="$d/cache" -o Dir::State::status="$d/status" "$@"
}

# The newest cached kernel, or fetch linux-image-arm64's; prints the Image.
kernel() {
  local v pkg deb x
  if [ "${AARCH64_KERNEL_REFRESH:-0}" != 1 ]; then
    v=$(for k in "$BASE"/*/vmlinuz; do [ -e "$k" ] && basename "$(dirname "$k")"; done | sort -V | tail -n 1)
    [ -z "$v" ] || { echo "$BASE/$v/vmlinuz"; return; }
  fi
  echo "# aarch64: fetching Debian's linux-image-arm64 into $BASE" >&2
  apt_arm64 apt-get update -qq > /dev/null || fail "apt-get update (arm64 lists) failed"
  pkg=$(apt_arm64 apt-cache depends linux-image-arm64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
  [ -n "$pkg" ] || fail "no linux-image-arm64 in the arm64 package lists"
  v=${pkg#linux-image-}
  if [ ! -e "$BASE/$v/vmlinuz" ]; then
    x=$(mktemp -d "$BASE/fetch.XXXXXX")
    (cd "$x" && apt_arm64 apt-get download "$pkg" > /dev/null 2>&1) || { rm -rf "$x"; fail "apt-get download $pkg failed"; }
    deb=$(echo "$x"/*.deb)
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$x" ./boot || { rm -rf "$x"; fail "unpacking $deb failed"; }
    mkdir -p "$BASE/$v"
    cp "$x/boot/config-$v" "$BASE/$v/config"
    mv "$x/boot/vmlinuz-$v" "$BASE/$v/vmlinuz" # last: a kernel there is complete
    rm -rf "$x"
  fi
  echo "$BASE/$v/vmlinuz"
}

if [ -n "${AARCH64_KERNEL:-}" ]; then
  K=$AARCH64_KERNEL
  [ -e "$K" ] || fail "AARCH64_KERNEL=$K: no such file"
else
  mkdir -p "$BASE"
  K=$(
    exec 9> "$BASE/lock"
    flock 9
    kernel
  )
fi

# ---- 5: boot, and read the guest's TAP ------------------------------------------
log=$A64/guest.log
t0=$SECONDS
rc=0
timeout --kill-after=10 "$TMO" qemu-system-aarch64 -M virt -cpu "$CPU" -m 512M -smp 1 \
  -nographic -no-reboot -kernel "$K" -initrd "$A64/initrd.cpio" \
  -append 'console=ttyAMA0 panic=-1 loglevel=4' < /dev/null > "$log" 2>&1 || rc=$?
secs=$((SECONDS - t0))
tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"

grep -E '^(ok|not ok) [0-9]+|^#|^1\.\.[0-9]+$|^Bail out!' "$log" || true
plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$log" | tail -n 1)
ran=$(grep -cE '^(ok|not ok) [0-9]+' "$log" || true)
failed=$(grep -cE '^not ok [0-9]+' "$log" || true)
echo "# aarch64: kernel $(basename "$(dirname "$K")"), qemu-system-aarch64 -cpu $CPU: the guest took ${secs} s (log: $log)"

why=
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
  why="the guest did not power off within ${TMO} s"
elif [ "$rc" != 0 ]; then
  why="qemu-system-aarch64 exited $rc"
elif grep -q '^Bail out!' "$log"; then
  why="the test program bailed out"
elif [ -z "$plan" ]; then
  why="the guest printed no plan (it did not boot, or the test program died)"
elif [ "$plan" != "$ran" ]; then
  why="the plan says $plan checks, $ran ran"
fi
if [ -n "$why" ]; then
  echo "not ok $((ran + 1)) - the guest's run: $why"
  echo "# the end of $log:"
  tail -n 30 "$log" | sed 's/^/#   /'
  exit 1
fi
[ "$failed" -eq 0 ] || exit 1
