#!/bin/bash
# demo.sh CASCA - build a busybox bundle (Debian's busybox-static, the tests'
# rootfs: tests/integration/helpers/bundle.bash) and run a container next to
# the host, so the isolation is visible.  Needs only what `make deps-demo`
# installs.
set -euo pipefail
CASCA=$(realpath "${1:-build/casca}")
# shellcheck source=tests/integration/helpers/bundle.bash
. "$(dirname "$0")/integration/helpers/bundle.bash"
DIR=$(mktemp -d /tmp/casca-demo.XXXXXX)
chmod 755 "$DIR"   # the container's root (uid 100000 outside) must reach the rootfs
ROOT=$DIR/state
trap 'rm -rf "$DIR"' EXIT

make_busybox_rootfs "$DIR/bundle/rootfs"
"$CASCA" spec --hardened --bundle "$DIR/bundle"
python3 - "$DIR/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["hostname"] = "casca-demo"
c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["process"]["args"] = ["sh", "/demo"]
json.dump(c, open(p, "w"), indent=1)
PY
cat > "$DIR/bundle/rootfs/demo" <<'SH'
echo "  PID of this shell : $$"
echo "  hostname          : $(hostname)"
echo "  uid_map           : $(tr -s ' ' < /proc/self/uid_map)"
echo "  processes         :"; ps -o pid,user,args | sed 's/^/    /'
echo "  mounts            :"; cut -d' ' -f5,9 /proc/self/mountinfo | sed 's/^/    /'
SH

echo "== the host"
echo "  PID of this shell : $$"
echo "  hostname          : $(hostname)"
echo "  uid_map           : $(tr -s ' ' < /proc/self/uid_map)"
echo "  mounts            : $(wc -l < /proc/self/mountinfo) entries"
echo
echo "== inside casca (casca run --bundle $DIR/bundle demo)"
opts=()
if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
  # casca refuses device rules it cannot enforce; this is the explicit opt-out
  echo "  (no pure cgroup v2 here: running with --cgroup-manager disabled, so no device filter)"
  opts=(--cgroup-manager disabled)
fi
"$CASCA" --root "$ROOT" "${opts[@]}" run --bundle "$DIR/bundle" "demo-$$"
