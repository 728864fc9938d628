#!/bin/bash
# runc-matrix.sh NAME=RUNTIME... - bundles and command lines written for runc,
# run with each runtime given (runc first, as the reference), one line per
# case: what the container or the caller observed, normalised.  A table
# follows: for each runtime after the first, the cases where it observed
# what the first did.
#
#   tests/vm/run-in-vm.sh -- tests/compat/runc-matrix.sh runc=/usr/sbin/runc \
#       casca-before=build/compat/casca-19b8721 casca=build/casca
#
# runc 1.1 needs a cgroup v2 hierarchy: run it in the VM lane's guest.
# Every case cleans up after itself (delete --force); state under a
# temporary --root per runtime and case.
set -uo pipefail

[ $# -ge 2 ] || { echo "usage: $0 NAME=RUNTIME NAME=RUNTIME..." >&2; exit 2; }
RECVTTY=${RECVTTY:-$(cd "$(dirname "$0")/../.." && pwd)/build/tests/recvtty}
W=$(mktemp -d /tmp/runc-matrix.XXXXXX)
chmod 755 "$W"
trap 'rm -rf "$W"' EXIT

template() {
  local t=$W/rootfs
  if [ ! -d "$t" ]; then
    mkdir -p "$t"/{bin,etc,proc,sys,dev,tmp,root,mnt}
    cp /bin/busybox "$t/bin/"
    for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$t/bin/$a"; done
    echo 'root:x:0:0:root:/root:/bin/sh' > "$t/etc/passwd"
    echo 'root:x:0:' > "$t/etc/group"
    chmod 1777 "$t/tmp"
  fi
  echo "$t"
}

# bundle DIR 'PYTHON': runc 1.1's `runc spec`, edited by PYTHON (c is the
# document), with a busybox rootfs.
bundle() {
  mkdir -p "$1"
  cp -a "$(template)" "$1/rootfs"
  (cd "$1" && runc spec)
  python3 - "$1/config.json" "$2" <<'PY'
import json, sys
p, code = sys.argv[1], sys.argv[2]
c = json.load(open(p))
c["process"]["terminal"] = False
exec(code)
json.dump(c, open(p, "w"), indent=1)
PY
}

rt() { "$RT" --root "$ROOT" "$@"; }
# out CMD...: run, print "rc=N" and stdout+stderr on one line
out() {
  local o rc
  o=$("$@" 2>&1 < /dev/null); rc=$?
  printf 'rc=%s %s' "$rc" "$(printf '%s' "$o" | tr '\n\r' '|~' | sed 's/casca: \|runc: //g' | cut -c1-60)"
}
cleanup() {
  local d
  for d in "$ROOT"/*; do [ -d "$d" ] && rt delete --force "${d##*/}" > /dev/null 2>&1; done
}

# ---- the cases ----------------------------------------------------------
case_spec_as_is() { # runc spec untouched (terminal: true) on a pty
  bundle "$B" 'c["process"]["terminal"] = True; c["process"]["args"] = ["sh", "-c", "echo ok"]'
  local o
  o=$(cd "$B" && script -qec "$RT --root $ROOT run as-is" /dev/null 2>&1 | tr -d '\r\000' | sed 's/\^@//g' | grep -c '^ok$')
  echo "ok-lines=$o"
}
case_oci_1_3() {
  bundle "$B" 'c["ociVersion"] = "1.3.0"; c["process"]["args"] = ["true"]'
  out rt run -b "$B" v13
}
case_big_annotation() {
  bundle "$B" 'c["annotations"] = {"k": "y" * 4200}; c["process"]["args"] = ["sleep", "10"]'
  rt create -b "$B" ann > /dev/null 2>&1 < /dev/null
  rt state ann 2>/dev/null | python3 -c 'import json,sys; print("annotation", len(json.load(sys.stdin).get("annotations", {}).get("k", "")))' 2>/dev/null || echo "no state"
}
case_rbind_rro() {
  mkdir -p "$W/src/sub"
  bundle "$B" 'c["mounts"].append({"destination": "/mnt", "type": "bind", "source": "'"$W"'/src", "options": ["rbind", "rro"]}); c["process"]["args"] = ["sh", "-c", "touch /mnt/x 2>/dev/null && echo writable || echo read-only"]'
  out rt run -b "$B" rro
}
case_devices_kmsg() {
  bundle "$B" 'c["linux"]["devices"] = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 438}]; c["process"]["args"] = ["sh", "-c", "echo x > /dev/kmsg 2>/dev/null && echo kmsg-writable || echo kmsg-denied"]'
  out rt run -b "$B" kmsg
}
case_proc_symlink() {
  bundle "$B" 'c["process"]["args"] = ["true"]'
  rmdir "$B/rootfs/proc"; mkdir "$B/rootfs/fakeproc"; ln -s /fakeproc "$B/rootfs/proc"
  local o; o=$(rt run -b "$B" psym 2>&1 < /dev/null); echo "rc=$? $(echo "$o" | grep -o 'ordinary directory' | head -1)"
}
case_poststop_failing() {
  bundle "$B" 'c["process"]["args"] = ["true"]; c["hooks"] = {"poststop": [{"path": "/bin/false"}, {"path": "/bin/sh", "args": ["sh", "-c", "touch '"$W"'/poststop-ran"]}]}'
  rm -f "$W/poststop-ran"
  rt run -b "$B" hook > /dev/null 2>&1 < /dev/null
  [ -e "$W/poststop-ran" ] && echo second-hook-ran || echo second-hook-not-run
}
case_hostname_joined_uts() {
  bundle "$B/infra" 'c["process"]["args"] = ["sleep", "20"]'
  rt run -d -b "$B/infra" infra > /dev/null 2>&1 < /dev/null
  local pid; pid=$(rt state infra | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  bundle "$B/m" 'c["hostname"] = "member"; c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "uts"] + [{"type": "uts", "path": "/proc/'"$pid"'/ns/uts"}]; c["process"]["args"] = ["hostname"]'
  out rt run -b "$B/m" member
}
case_exec_no_tty() { # the container has a terminal; exec without -t must not
  bundle "$B" 'c["process"]["terminal"] = True; c["process"]["args"] = ["sleep", "20"]'
  local sock=$W/tty-$RANDOM.sock
  "$RECVTTY" "$sock" > /dev/null 2>&1 &
  for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
  rt run -d --console-socket "$sock" -b "$B" exn > /dev/null 2>&1 < /dev/null
  local o; o=$(rt exec exn sh -c 'echo hi; [ -t 1 ] && echo tty || echo no-tty' 2>&1 < /dev/null | od -An -c | tr -s ' ' | tr '\n' ' ')
  echo "bytes:$o"
}
case_exec_created() {
  bundle "$B" 'c["process"]["args"] = ["sleep", "20"]'
  rt create -b "$B" cr > /dev/null 2>&1 < /dev/null
  out rt exec cr echo in-created
}
case_exec_missing_binary() {
  bundle "$B" 'c["process"]["args"] = ["sleep", "20"]'
  rt run -d -b "$B" mb > /dev/null 2>&1 < /dev/null
  rt exec mb /nonexistent > /dev/null 2>&1 < /dev/null; echo "rc=$?"
}
case_kill_0() {
  bundle "$B" 'c["process"]["args"] = ["sleep", "20"]'
  rt run -d -b "$B" k0 > /dev/null 2>&1 < /dev/null
  rt kill k0 0 > /dev/null 2>&1; echo "rc=$?"
}
case_kill_all_stopped() {
  bundle "$B" 'c["process"]["args"] = ["true"]'
  rt create -b "$B" ka > /dev/null 2>&1 < /dev/null; rt start ka > /dev/null 2>&1
  sleep 0.5
  rt kill --all ka KILL > /dev/null 2>&1; echo "rc=$?"
}
case_list_sorted() {
  local id
  for id in zz aa mm; do
    bundle "$B/$id" 'c["process"]["args"] = ["sleep", "20"]'
    rt run -d -b "$B/$id" "$id" > /dev/null 2>&1 < /dev/null
  done
  rt list -q | tr '\n' ' '; echo
}
case_old_seccomp_profile() { # an allow list without faccessat2, close_range, getcwd
  bundle "$B" 'allow = sorted({l.split()[1][5:] for l in open("/usr/include/x86_64-linux-gnu/asm/unistd_64.h") if l.startswith("#define __NR_")} - {"faccessat2", "close_range", "getcwd"})
c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": allow, "action": "SCMP_ACT_ALLOW"}]}
c["process"]["args"] = ["echo", "ran"]'
  out rt run -b "$B" oldsec
}
case_userns_unreachable_bind() {
  mkdir -p "$W/secret/data"; chmod 700 "$W/secret"; chmod 755 "$W/secret/data"; echo payload > "$W/secret/data/f"; chmod 644 "$W/secret/data/f"
  bundle "$B" 'c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["mounts"].append({"destination": "/mnt", "type": "bind", "source": "'"$W"'/secret/data", "options": ["rbind", "ro"]})
c["process"]["args"] = ["cat", "/mnt/f"]'
  out rt run -b "$B" unb
}
case_nopivot_nested_proc() {
  bundle "$B" 'c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
for k in ("bounding", "effective", "permitted"): c["process"]["capabilities"][k] = ["CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETFCAP", "CAP_SYS_CHROOT"]
c["process"]["args"] = ["sh", "-c", "unshare -mrpf sh -c \"mount -t proc none /proc && echo proc-mounted || echo refused\""]'
  out rt run --no-pivot -b "$B" np
}

CASES=(spec_as_is oci_1_3 big_annotation rbind_rro devices_kmsg proc_symlink poststop_failing
       hostname_joined_uts exec_no_tty exec_created exec_missing_binary kill_0 kill_all_stopped
       list_sorted old_seccomp_profile userns_unreachable_bind nopivot_nested_proc)

names=() paths=()
for a in "$@"; do names+=("${a%%=*}"); paths+=("$(realpath "${a#*=}")"); done
declare -A R
for c in "${CASES[@]}"; do
  for i in "${!names[@]}"; do
    RT=${paths[$i]} ROOT=$W/state-$i-$c B=$W/b-$i-$c
    chmod 755 "$W"
    R[$c,$i]=$( "case_$c" 2>&1 | tail -1 )
    cleanup
    printf '%-26s %-14s %s\n' "$c" "${names[$i]}" "${R[$c,$i]}"
  done
done
echo
printf '| case |'; for n in "${names[@]}"; do printf ' %s |' "$n"; done; echo
printf '|---|'; for _ in "${names[@]}"; do printf -- '---|'; done; echo
declare -A same
for c in "${CASES[@]}"; do
  printf '| %s |' "$c"
  for i in "${!names[@]}"; do
    v=${R[$c,$i]}
    if [ "$i" -gt 0 ] && [ "$v" = "${R[$c,0]}" ]; then v="= ${names[0]}"; same[$i]=$(( ${same[$i]:-0} + 1 )); fi
    printf ' %s |' "${v//|/\\|}"
  done
  echo
done
echo
for i in "${!names[@]}"; do
  [ "$i" -gt 0 ] && echo "${names[$i]}: ${same[$i]:-0} of ${#CASES[@]} cases as ${names[0]}"
done
