# engines.bash - podman and containerd driving casca, for podman.bats and
# containerd.bats.  Each engine gets a private configuration, storage and
# state under $BATS_FILE_TMPDIR (the VM guest's own tmpfs), so nothing of
# the machine's own engine setup is read or changed.
#
# Both engines create cgroups of their own (podman's libpod_parent, the
# containerd shim's), so these tests run only where casca owns a pure
# cgroup v2 hierarchy: the VM lane.  There a missing engine is a failure,
# not a skip.

# engine_unusable CMD...: why the engine cannot run here (on stdout, and
# succeeds), or nothing (and fails) when it can.  In the VM lane a missing
# binary is not a reason to skip: need_engine fails the test.
engine_unusable() {
  local c
  if [ "$(id -u)" != 0 ]; then
    echo "needs root (the engines create namespaces, mounts and cgroups)"
  elif [ "$(stat -f -c %T /sys/fs/cgroup 2> /dev/null)" != cgroup2fs ]; then
    echo "needs a pure cgroup v2 hierarchy: the engines create cgroups (runs in the VM lane)"
  elif [ -z "${CASCA_VM:-}" ]; then
    for c in "$@"; do
      command -v "$c" > /dev/null || { echo "$c is not installed (make deps installs it)"; return 0; }
    done
    return 1
  else
    return 1
  fi
}

# need_engine CMD...: in a test's setup: skip with the reason, or fail in the
# VM lane when an engine's binary is missing.  (bats 1.8 cannot skip from
# setup_file: setup_file does nothing when engine_unusable says why.)
need_engine() {
  local why c
  why=$(engine_unusable "$@") && skip "$why"
  for c in "$@"; do
    command -v "$c" > /dev/null && continue
    echo "$c is not installed in the VM lane's guest (make deps installs it)" >&2
    return 1
  done
}

# The end of podman's [engine] table naming casca its runtime, as the README
# tells (containers.conf), and the [engine.runtimes] table.
casca_engine_conf() {
  cat << EOF
runtime = "casca"
runtime_supports_json = ["casca", "crun", "runc"]
runtime_supports_nocgroup = ["casca", "crun"]

[engine.runtimes]
casca = ["$CASCA"]
EOF
}

# podman_config DIR [MANAGER]: a private podman setup in DIR, and CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF exported pointing at it.  casca is podman's
# default runtime, and is named where podman decides by the runtime's name:
# runtime_supports_json (podman then reads casca's JSON error lines) and
# runtime_supports_nocgroup (--cgroups=disabled; this podman's key, where
# its documentation says runtime_supports_nocgroups).  Those lists replace
# podman's, so they keep crun and runc.  No network (netns "none"), the
# cgroup manager MANAGER (cgroupfs unless given: systemd-engines.bats
# gives systemd, podman's default), events in a file, storage under DIR.
# $CASCA is the binary.  Also used by bench/podman.sh.
podman_config() {
  local dir=$1 manager=${2:-cgroupfs}
  mkdir -p "$dir"
  cat > "$dir/containers.conf" << EOF
[containers]
netns = "none"

[network]
network_config_dir = "$dir/net"

[engine]
cgroup_manager = "$manager"
events_logger = "file"
events_logfile_path = "$dir/events.log"
tmp_dir = "$dir/tmp"
$(casca_engine_conf)
EOF
  cat > "$dir/storage.conf" << EOF
[storage]
driver = "overlay"
runroot = "$dir/run"
graphroot = "$dir/graph"
EOF
  export CONTAINERS_CONF=$dir/containers.conf CONTAINERS_STORAGE_CONF=$dir/storage.conf
}

# podman_left_behind: in a teardown: says which podman containers are left
# (on stderr), removes them and fails; succeeds when there are none.
podman_left_behind() {
  local left rc=0
  left=$(podman ps -a -q)
  if [ -n "$left" ]; then
    echo "left behind: podman containers $left" >&2
    # shellcheck disable=SC2086 # one id per word
    podman rm -f -t 0 $left > /dev/null 2>&1
    rc=1
  fi
  return $rc
}

# The busybox rootfs of the tests, as a tar stream on stdout.
busybox_tar() {
  tar -C "$(busybox_template)" -c .
}

# oci_blob DIR FILE: moves FILE into the OCI layout DIR's blobs by its
# sha256; prints "DIGEST SIZE".
oci_blob() {
  local sum size
  sum=$(sha256sum < "$2") && sum=${sum%% *} || return
  size=$(stat -c %s "$2") || return
  mkdir -p "$1/blobs/sha256" && mv "$2" "$1/blobs/sha256/$sum" || return
  echo "sha256:$sum $size"
}

# oci_archive NAME OUT: writes OUT, an OCI image layout tarball (what `ctr
# image import` takes; no registry needed) of one image named NAME: one
# layer, the busybox rootfs (busybox_tar), for this machine's architecture.
oci_archive() {
  local name=$1 out=$2 d layer cfg man arch
  d=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/oci.XXXXXX") || return
  busybox_tar > "$d/t" && read -r -a layer <<< "$(oci_blob "$d" "$d/t")" && [ "${#layer[@]}" = 2 ] || return 1
  arch=$(dpkg --print-architecture) || return
  printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
    "$arch" "${layer[0]}" > "$d/t" && read -r -a cfg <<< "$(oci_blob "$d" "$d/t")" && [ "${#cfg[@]}" = 2 ] || return 1
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
    "${cfg[@]}" "${layer[@]}" > "$d/t" && read -r -a man <<< "$(oci_blob "$d" "$d/t")" && [ "${#man[@]}" = 2 ] || return 1
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "${man[@]}" "$name" "${name##*:}" > "$d/index.json" || return
  echo '{"imageLayoutVersion":"1.0.0"}' > "$d/oci-layout"
  tar -C "$d" -cf "$out" oci-layout index.json blobs && rm -rf "$d"
}

# Mounts whose source or target lies under DIR, one mountinfo line each.
mounts_under() {
  grep -F " $1/" /proc/self/mountinfo || true
}

# Unmounts everything under DIR, deepest first.
umount_under() {
  local m
  while IFS= read -r m; do
    umount -l "$m" 2> /dev/null || true
  done < <(awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
}

# Removes cgroup directory trees the engine left (its own, empty once its
# processes are gone): DIR...
rmdir_cgroups() {
  local d
  for d in "$@"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2> /dev/null
  done
  return 0
}

# containerd_start DIR: a private containerd (no CRI plugin) with its root,
# state and sockets in DIR ($DIR/containerd.sock), started in the
# background (its pid in $DIR/pid), ready when this returns.
containerd_start() {
  local d=$1
  mkdir -p "$d"
  cat > "$d/config.toml" << EOF
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[debug]
  address = "$d/debug.sock"
EOF
  containerd --config "$d/config.toml" > "$d/containerd.log" 2>&1 3>&- &
  echo $! > "$d/pid"
  wait_until command ctr --address "$d/containerd.sock" version
}

# containerd_stop DIR: stops containerd_start's containerd (by its pid) and
# unmounts what is left under DIR.
containerd_stop() {
  local pid
  pid=$(cat "$1/pid")
  kill "$pid" 2> /dev/null || true
  wait_until dead "$pid"
  umount_under "$1"
}

# ctr ARG...: ctr on containerd_start's containerd in $D, under a timeout
# (CTR_TIMEOUT, 120 s: a ctr call, and the teardown's after it, once held a
# guest for 20 minutes); when it runs out, shows what ctr, the shims, casca
# and criu wait in (ctr_hung_report).
ctr() {
  local rc=0
  # the program: timeout runs no function
  timeout "${CTR_TIMEOUT:-120}" ctr --address "$D/containerd.sock" "$@" || rc=$?
  [ "$rc" != 124 ] || ctr_hung_report "$*" >&2
  return "$rc"
}

# ctr_hung_report WHAT: ps, wchan and kernel stack of every ctr, shim, casca
# and criu process, the tails of the criu logs under $D and /tmp, and of
# containerd's log.
ctr_hung_report() {
  local p f
  echo "ctr $1: timed out; what waits:"
  for p in $(pgrep -f 'ctr|containerd-shim|casca|criu'); do
    ps -o pid=,ppid=,stat=,wchan:32=,args= -p "$p" || continue
    sed 's/^/    /' "/proc/$p/stack" 2> /dev/null || true
  done
  while IFS= read -r f; do
    echo "--- $f"
    tail -n 15 "$f"
  done < <(find "$D" /tmp /run/containerd -name '*dump*.log' -o -name '*restore*.log' 2> /dev/null)
  echo "--- containerd.log"
  tail -n 30 "$D/containerd.log"
}

# ctr_run [OPTION...] ID CMD...: ctr run through casca (state under $R)
# on the rootfs $ROOTFS; an option with a value is written --opt=value.
ctr_run() {
  local opts=()
  while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do opts+=("$1"); shift; done
  ctr run --runc-binary "$CASCA" --runc-root "$R" "${opts[@]}" --rootfs "$ROOTFS" "$@"
}

# task_has_pids ID N: ctr task ps lists N processes of task ID (else
# shows what it lists).
task_has_pids() {
  local ps
  ps=$(ctr task ps "$1" 2>&1)
  [ "$(echo "$ps" | grep -c '^[0-9]')" = "$2" ] && return 0
  echo "ctr task ps $1 (not $2 processes):"
  echo "$ps"
  return 1
}

# task_is ID STATUS: ctr task ls shows task ID in STATUS (else shows it).
task_is() {
  local ls
  ls=$(ctr task ls 2>&1)
  echo "$ls" | grep -Eq "^$1 +[0-9]+ +$2\$" && return 0
  echo "ctr task ls (task $1 not $2):"
  echo "$ls"
  return 1
}

# ctr_left_behind: in a teardown: says which tasks and containers are left on
# $D's containerd (on stderr), removes them and fails; succeeds when none.
ctr_left_behind() {
  local left rc=0 c
  left=$(ctr task ls -q 2> /dev/null)
  [ -z "$left" ] || { echo "left behind: tasks $left" >&2; rc=1; }
  for c in $left; do ctr task kill -s SIGKILL "$c"; ctr task rm -f "$c"; done > /dev/null 2>&1
  left=$(ctr containers ls -q 2> /dev/null)
  [ -z "$left" ] || { echo "left behind: containers $left" >&2; rc=1; }
  for c in $left; do ctr containers rm "$c"; done > /dev/null 2>&1
  return $rc
}
