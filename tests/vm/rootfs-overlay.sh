#!/bin/bash
# rootfs-overlay.sh - a writable, throw-away copy of a read-only rootfs tree
# (tools/mkrootfs-debian's cache, which the VM lane's guest sees read-only
# through its 9p root) as an overlayfs: the tree is the lower layer, a tmpfs
# of its own holds the upper layer, so a copy costs no copying (about 3 s
# under TCG, against 160 s for `cp -a` of the tree over 9p) and its writes
# live in the guest's memory until `umount`.
#
#   rootfs-overlay.sh mount LOWER DIR    mount the copy of LOWER at DIR
#   rootfs-overlay.sh umount DIR         unmount it and its tmpfs, remove DIR
#
# For a container whose user namespace maps uid 0 to N, take the lower tree
# from `tools/mkrootfs-debian --shift N` (owners shifted on the host, once):
# chown-ing the copy in the guest copies up every inode (165 s under TCG
# even with metacopy=on).  Mount it as root in the initial user namespace:
# tests/vm/README.md says what changes inside a user namespace.
# Env: OVERLAY_SIZE  the tmpfs's size limit (default 512m), counted against
#                    the guest's memory (VM_MEM, 2G by default).
# The tmpfs is mounted at DIR.rw, beside DIR.
set -euo pipefail

die() { echo "rootfs-overlay: $*" >&2; exit 1; }

case ${1:-} in
  mount)
    [ $# -eq 3 ] || die "usage: $0 mount LOWER DIR"
    lower=$(realpath -e "$2")
    dir=${3%/}
    mkdir -p "$dir" "$dir.rw"
    mount -t tmpfs -o "mode=755,size=${OVERLAY_SIZE:-512m}" rootfs-rw "$dir.rw"
    mkdir "$dir.rw/upper" "$dir.rw/work"
    if ! mount -t overlay -o "lowerdir=$lower,upperdir=$dir.rw/upper,workdir=$dir.rw/work" \
      rootfs "$dir"; then
      umount "$dir.rw"
      rmdir "$dir.rw" "$dir"
      die "overlay mount of $lower at $dir failed"
    fi
    ;;
  umount)
    [ $# -eq 2 ] || die "usage: $0 umount DIR"
    dir=${2%/}
    umount "$dir"
    umount "$dir.rw"
    rmdir "$dir" "$dir.rw"
    ;;
  *) die "usage: $0 mount LOWER DIR | umount DIR" ;;
esac
