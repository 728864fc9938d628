#!/bin/bash
# bundle.bash - the one busybox root filesystem of casca's tests, demo and
# benchmarks (sourced by tests/integration/helpers/casca.bash, tests/demo.sh
# and bench/*.sh).
#
#   make_busybox_rootfs DIR   DIR (made if missing) gets a copy of the rootfs
#   busybox_template          prints the template's path (built if missing)
#
# The rootfs is built from Debian's busybox-static: /bin/busybox and one
# symlink per applet (`busybox --list`) in /bin; /etc/passwd (root, daemon,
# user 1000 with home /home/user, nobody) and /etc/group (root, daemon, tty,
# wheel, users, user, nogroup); empty /proc /sys /dev /home/user /var/run;
# /tmp 1777, /root 0700.  No /etc/hosts: what casca writes there is tested
# against a rootfs without one.  The first call builds the template (under
# $CASCA_BUSYBOX_TEMPLATE when set -- the VM lane's guest builds it once there
# for all its bats runs --, else $BATS_RUN_TMPDIR when bats runs, else under
# $CASCA_BUILD or build/); every call copies it with `cp -a`, which is fast.

# The template's directory; its name changes with what the rootfs holds, so
# a template left in build/ by an older checkout is not used.
_busybox_template_dir() {
  local name=busybox-rootfs-template.2
  if [ -n "${CASCA_BUSYBOX_TEMPLATE:-}" ]; then
    echo "$CASCA_BUSYBOX_TEMPLATE"
  elif [ -n "${BATS_RUN_TMPDIR:-}" ]; then
    echo "$BATS_RUN_TMPDIR/$name"
  else
    echo "${CASCA_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/build}/$name"
  fi
}

_build_busybox_template() {
  local t=$1 tmp busybox
  busybox=$(command -v busybox) || { echo "busybox not found (apt-get install busybox-static)" >&2; return 1; }
  # Only a static busybox works inside a rootfs without libraries.
  if ! _bundle_is_static "$busybox"; then
    echo "$busybox is not statically linked (apt-get install busybox-static)" >&2
    return 1
  fi
  mkdir -p "$(dirname "$t")" || return 1
  tmp=$(mktemp -d "${t}.XXXXXX") || return 1
  chmod 0755 "$tmp"
  mkdir -p "$tmp"/{bin,etc,proc,sys,dev,tmp,root,home/user,var/run}
  chmod 1777 "$tmp/tmp"
  chmod 0700 "$tmp/root"
  cp "$busybox" "$tmp/bin/busybox"
  # one process for the ~400 links, not one ln each (a minute in a TCG guest)
  # shellcheck disable=SC2046 # one applet name per word
  python3 -c 'import os, sys
for a in sys.argv[2:]:
    if a != "busybox":
        os.symlink("busybox", os.path.join(sys.argv[1], a))' "$tmp/bin" $("$busybox" --list) || return 1
  cat > "$tmp/etc/passwd" << 'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/:/bin/false
PASSWD
  cat > "$tmp/etc/group" << 'GROUP'
root:x:0:
daemon:x:1:
tty:x:5:
wheel:x:10:
users:x:100:
user:x:1000:
nogroup:x:65534:
GROUP
  # Another run may have raced us to it: keep whichever landed first.
  mv -T "$tmp" "$t" 2> /dev/null || rm -rf "$tmp"
}

# ldd says "not a dynamic executable" (and fails) for a static binary.
_bundle_is_static() {
  ! ldd "$1" > /dev/null 2>&1
}

busybox_template() {
  local t
  t=$(_busybox_template_dir)
  [ -x "$t/bin/busybox" ] || _build_busybox_template "$t" || return 1
  echo "$t"
}

make_busybox_rootfs() {
  local dir=$1 t
  [ -n "$dir" ] || { echo "make_busybox_rootfs DIR" >&2; return 1; }
  t=$(busybox_template) || return 1
  mkdir -p "$dir" && cp -a "$t/." "$dir/"
}

# The host's own device nodes, which a user-namespaced container gets as
# bind mounts: nothing a test or casca does may change them.
host_devices_intact() {
  local d got
  for d in null zero full random urandom tty; do
    got=$(stat -c '%F %a' "/dev/$d")
    if [ "$got" != "character special file 666" ]; then
      echo "the host's /dev/$d changed: $got ($(stat -c '%u:%g %y' "/dev/$d"))" >&2
      return 1
    fi
  done
}
