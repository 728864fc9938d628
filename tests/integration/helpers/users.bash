# users.bash - test users that a test creates and removes (rootless tests).
#   load helpers/users
# make_test_user NAME_SUFFIX: creates user casca<pid><suffix> (with a home and,
# as Debian's useradd does for a normal user, /etc/subuid and /etc/subgid
# ranges) and prints its name; remove_test_users (in teardown) removes every
# user the test made, its ranges and its fallback state root.

TEST_USERS_FILE=${BATS_TEST_TMPDIR:-/tmp}/test-users

make_test_user() {
  local name="cst$$$1"
  useradd -m -N -s /bin/sh "$name" >&2 || return 1
  echo "$name" >> "$TEST_USERS_FILE"
  echo "$name"
}

remove_test_users() {
  local name uid
  [ -f "$TEST_USERS_FILE" ] || return 0
  while read -r name; do
    uid=$(id -u "$name" 2>/dev/null) || continue
    rm -rf "/tmp/casca-$uid"
    userdel -r "$name" 2>/dev/null || userdel -f -r "$name" 2>/dev/null || true
    # userdel removes the user's /etc/subuid and /etc/subgid lines
  done < "$TEST_USERS_FILE"
  rm -f "$TEST_USERS_FILE"
}

# as_user NAME CMD...: run CMD as NAME (its uid, gid, no supplementary
# groups) with a clean environment; XDG_RUNTIME_DIR only when set in $AS_XDG,
# PATH from $AS_PATH when set.
as_user() {
  local name=$1
  shift
  setpriv --reuid "$(id -u "$name")" --regid "$(id -g "$name")" --clear-groups \
    env -i PATH="${AS_PATH:-/usr/sbin:/usr/bin:/sbin:/bin}" HOME="$(getent passwd "$name" | cut -d: -f6)" \
    ${AS_XDG:+XDG_RUNTIME_DIR="$AS_XDG"} "$@"
}

# user_bundle NAME: a bundle in NAME's home (busybox rootfs, owned by NAME)
# from `casca spec --hardened --rootless` run as NAME; sets BUNDLE.
user_bundle() {
  BUNDLE=$(getent passwd "$1" | cut -d: -f6)/bundle
  mkdir -p "$BUNDLE"
  cp -a "$(busybox_template)" "$BUNDLE/rootfs"
  chown -R "$1" "$BUNDLE"
  as_user "$1" "$CASCA" spec --hardened --rootless --bundle "$BUNDLE"
}
