#!/bin/bash
# bundle.bash - busybox root filesystems for the integration tests.
#
#   make_busybox_rootfs DIR
#
# DIR gets a minimal rootfs built from Debian's busybox-static: /bin/busybox
# and one symlink per applet (`busybox --list`) in /bin, /etc/passwd,
# /etc/group, /etc/hosts, and empty /proc /sys /dev /tmp /root.  The first
# call builds a template (under $BATS_RUN_TMPDIR when bats runs, else under
# build/); every call copies it with `cp -a`, which is fast.

_busybox_template_dir() {
  if [ -n "${BATS_RUN_TMPDIR:-}" ]; then
    echo "$BATS_RUN_TMPDIR/busybox-rootfs-template"
  else
    echo "${CASCA_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/build}/busybox-rootfs-template"
  fi
}

_build_busybox_template() {
  local t=$1 tmp busybox applet
  busybox=$(command -v busybox) || { echo "busybox not found (apt-get install busybox-static)" >&2; return 1; }
  # Only a static busybox works inside a rootfs without libraries.
  if ! _bundle_is_static "$busybox"; then
    echo "$busybox is not statically linked (apt-get install busybox-static)" >&2
    return 1
  fi
  tmp=$(mktemp -d "${t}.XXXXXX") || return 1
  chmod 0755 "$tmp"
  mkdir -p "$tmp"/{bin,etc,proc,sys,dev,tmp,root}
  chmod 1777 "$tmp/tmp"
  chmod 0700 "$tmp/root"
  cp "$busybox" "$tmp/bin/busybox"
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$tmp/bin/$applet"
  done
  cat >"$tmp/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/:/bin/false
user:x:1000:1000:user:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/:/bin/false
EOF
  cat >"$tmp/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
tty:x:5:
wheel:x:10:
users:x:100:
user:x:1000:
nogroup:x:65534:
EOF
  printf '127.0.0.1 localhost\n::1 localhost\n' >"$tmp/etc/hosts"
  # Another run may have raced us to it: keep whichever landed first.
  mv -T "$tmp" "$t" 2>/dev/null || rm -rf "$tmp"
}

# ldd says "not a dynamic executable" (and fails) for a static binary.
_bundle_is_static() {
  ! ldd "$1" >/dev/null 2>&1
}

make_busybox_rootfs() {
  local dir=$1 t
  [ -n "$dir" ] || { echo "make_busybox_rootfs DIR" >&2; return 1; }
  t=$(_busybox_template_dir)
  [ -x "$t/bin/busybox" ] || _build_busybox_template "$t" || return 1
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
