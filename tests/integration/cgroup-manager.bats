#!/usr/bin/env bats
# cgroup-manager.bats - the cgroup manager (cgroup/) on a real cgroup v2
# hierarchy, driven by build/tests/cgroup-tool.  These run in the VM lane
# (tests/vm/check-vm.sh) and skip elsewhere; once `casca create/run` use the
# manager, the same checks move to the CLI.

CG=/sys/fs/cgroup
T=casca-bats # every test works below /$T, /$T-pod or /$T-pre

setup() {
  [ "$(stat -f -c %T $CG)" = cgroup2fs ] || skip "needs a pure cgroup v2 hierarchy (VM lane)"
  [ "$(id -u)" = 0 ] || skip "needs root"
  TOOL=${CASCA_BUILD:-$BATS_TEST_DIRNAME/../../build}/tests/cgroup-tool
  [ -x "$TOOL" ] || skip "no $TOOL: run make tests"
}

teardown() {
  [ -n "${TOOL:-}" ] || return 0
  local d
  for d in "$T" "$T-pod" "$T-pre"; do
    [ -d "$CG/$d" ] || continue
    # remove leftovers of a failed test, leaves first
    find "$CG/$d" -depth -type d | while read -r sub; do
      "$TOOL" destroy "${sub#"$CG"}" > /dev/null 2>&1 || true
    done
    rmdir "$CG/$d" 2> /dev/null || true
  done
}

# Nothing of a test may be left behind.
assert_gone() {
  local d
  for d in "$@"; do
    if [ -e "$CG$d" ]; then
      echo "left behind: $CG$d"
      return 1
    fi
  done
}

@test "create applies limits, destroy removes the cgroup and the parents it created" {
  run "$TOOL" create "/$T/a/b" b --memory 32M --pids 20 --cpu-quota 50000 --cpu-shares 1024 \
    --memory-reservation 8M
  [ "$status" -eq 0 ]
  [ "$output" = "/$T/a/b" ]
  [ "$(cat $CG/$T/a/b/memory.max)" = 33554432 ]
  [ "$(cat $CG/$T/a/b/memory.low)" = 8388608 ]
  [ "$(cat $CG/$T/a/b/pids.max)" = 20 ]
  [ "$(cat $CG/$T/a/b/cpu.max)" = "50000 100000" ]
  [ "$(cat $CG/$T/a/b/cpu.weight)" = 39 ]
  # controllers handed down through the new parents
  for c in cpu io memory pids; do
    grep -qw "$c" "$CG/$T/a/cgroup.subtree_control"
  done
  # a new process, reopening from the path, knows (user.casca.created) that
  # /T and /T/a are casca's and removes them
  run "$TOOL" destroy "/$T/a/b"
  [ "$status" -eq 0 ]
  assert_gone "/$T"
}

@test "memory.max: a process over the limit is OOM-killed (exit 137)" {
  run "$TOOL" run --path "/$T/oom" --keep --memory 32M --memory-swap 32M -- \
    dd if=/dev/zero of=/dev/null bs=64M count=1
  echo "$output"
  [ "$status" -eq 137 ]
  grep -q '^oom_kill [1-9]' "$CG/$T/oom/memory.events"
  [ "$(cat $CG/$T/oom/memory.swap.max)" = 0 ]
  "$TOOL" destroy "/$T/oom"
  # and the same command fits in 256M
  run "$TOOL" run --path "/$T/ok" --memory 256M -- dd if=/dev/zero of=/dev/null bs=64M count=1
  [ "$status" -eq 0 ]
  assert_gone "/$T"
}

@test "pids.max: fork fails beyond the limit" {
  run "$TOOL" run --path "/$T/pids" --pids 4 -- sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 3 & done; wait'
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"fork"* ]]
  run "$TOOL" run --path "/$T/pids" --pids 20 -- sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 0.1 & done; wait'
  [ "$status" -eq 0 ]
  assert_gone "/$T"
}

@test "cpu.max throttles a busy loop" {
  run "$TOOL" run --path "/$T/cpu" --keep --cpu-quota 10000 --cpu-period 100000 -- \
    timeout 2 sh -c 'while :; do :; done'
  [ "$status" -eq 124 ] # killed by timeout, not by us
  run "$TOOL" stats "/$T/cpu"
  [ "$status" -eq 0 ]
  echo "$output"
  throttled=$(echo "$output" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cpu"]["throttling"]["throttledPeriods"])')
  usage=$(awk '/^usage_usec/ {print $2}' "$CG/$T/cpu/cpu.stat")
  echo "throttled periods $throttled, usage ${usage}us"
  [ "$throttled" -gt 0 ]
  [ "$usage" -lt 1000000 ] # 10% of 2 s is 0.2 s; without the limit it would be ~2 s
  "$TOOL" destroy "/$T/cpu"
  assert_gone "/$T"
}

@test "freeze stops a counter, thaw resumes it" {
  run "$TOOL" create "/$T/frz" frz
  [ "$status" -eq 0 ]
  out=$BATS_TEST_TMPDIR/count
  "$TOOL" exec "/$T/frz" -- sh -c 'while :; do echo x; done' > "$out" 2> /dev/null 3>&- &
  for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
  [ -s "$out" ]
  run "$TOOL" freeze "/$T/frz"
  [ "$status" -eq 0 ]
  grep -qx 'frozen 1' "$CG/$T/frz/cgroup.events"
  [ "$("$TOOL" frozen "/$T/frz")" = 1 ]
  a=$(stat -c %s "$out")
  sleep 1
  b=$(stat -c %s "$out")
  [ "$a" -eq "$b" ]
  run "$TOOL" thaw "/$T/frz"
  [ "$status" -eq 0 ]
  [ "$("$TOOL" frozen "/$T/frz")" = 0 ]
  sleep 0.5
  c=$(stat -c %s "$out")
  [ "$c" -gt "$b" ]
  run "$TOOL" destroy "/$T/frz" # kills the counter
  [ "$status" -eq 0 ]
  wait || true
  assert_gone "/$T"
}

@test "kill empties the cgroup (cgroup.kill and the pre-5.14 fallback)" {
  for how in kill kill-by-pids; do
    "$TOOL" create "/$T/k" k > /dev/null
    "$TOOL" exec "/$T/k" -- sh -c 'sleep 100 & sleep 100 & sleep 100' > /dev/null 2>&1 3>&- &
    for _ in $(seq 50); do [ "$("$TOOL" pids "/$T/k" | wc -l)" -ge 3 ] && break; sleep 0.1; done
    [ "$("$TOOL" pids "/$T/k" | wc -l)" -ge 3 ]
    run "$TOOL" "$how" "/$T/k"
    [ "$status" -eq 0 ]
    for _ in $(seq 50); do grep -qx 'populated 0' "$CG/$T/k/cgroup.events" && break; sleep 0.1; done
    grep -qx 'populated 0' "$CG/$T/k/cgroup.events"
    [ -z "$("$TOOL" pids "/$T/k")" ]
    wait || true
    "$TOOL" destroy "/$T/k"
  done
  assert_gone "/$T"
}

@test "destroy kills what is left, including sub-cgroups the container made" {
  "$TOOL" create "/$T/d" d > /dev/null
  mkdir "$CG/$T/d/inner"
  "$TOOL" exec "/$T/d/inner" -- sleep 100 > /dev/null 2>&1 3>&- &
  for _ in $(seq 50); do [ -n "$("$TOOL" pids "/$T/d")" ] && break; sleep 0.1; done
  [ -n "$("$TOOL" pids "/$T/d")" ]
  run "$TOOL" destroy "/$T/d"
  [ "$status" -eq 0 ]
  wait || true
  assert_gone "/$T"
}

@test "clone3 CLONE_INTO_CGROUP and the fork+join fallback place the process" {
  run "$TOOL" run --path "/$T/c3" -- cat /proc/self/cgroup
  [ "$status" -eq 0 ]
  [ "$output" = "0::/$T/c3" ]
  run "$TOOL" run --no-clone3 --path "/$T/c3" -- cat /proc/self/cgroup
  [ "$status" -eq 0 ]
  [ "$output" = "0::/$T/c3" ]
  assert_gone "/$T"
}

@test "stats: JSON shaped like runc events --stats" {
  run "$TOOL" run --path "/$T/st" --keep --memory 64M --pids 10 -- sh -c 'echo hi > /dev/null'
  [ "$status" -eq 0 ]
  run "$TOOL" stats "/$T/st"
  [ "$status" -eq 0 ]
  echo "$output"
  echo "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["memory"]["usage"]["limit"] == 64 << 20, d["memory"]
assert "anon" in d["memory"]["raw"]
assert d["pids"]["limit"] == 10 and d["pids"]["current"] == 0, d["pids"]
assert d["cpu"]["usage"]["total"] > 0, d["cpu"]
assert "ioServiceBytesRecursive" in d["blkio"]
'
  "$TOOL" destroy "/$T/st"
  assert_gone "/$T"
}

@test "a value the kernel rejects names file and value; the failed create leaves nothing" {
  run "$TOOL" create "/$T/bad/x" x --unified memory.max=abc
  echo "$output"
  [ "$status" -eq 1 ]
  [ "$output" = 'cgroup-tool: cgroup /casca-bats/bad/x: write memory.max "abc": Invalid argument' ]
  assert_gone "/$T"
  run "$TOOL" create "/$T/bad" x --unified memory.bogus=1
  [ "$status" -eq 1 ]
  [ "$output" = 'cgroup-tool: cgroup /casca-bats/bad: open memory.bogus: No such file or directory' ]
  run "$TOOL" create "/$T/bad" x --memory 1M --memory-swap 512K
  [ "$status" -eq 1 ]
  [[ "$output" == *"linux.resources.memory.swap: memory+swap limit 524288 is lower than the memory limit 1048576" ]]
  assert_gone "/$T"
}

@test "a controller the parent cannot hand down is an error naming it" {
  mkdir -p "$CG/$T-pre/p"
  # a process in /T-pre/p: by the no-internal-processes rule, p cannot
  # enable controllers for children
  "$TOOL" exec "/$T-pre/p" -- sleep 100 > /dev/null 2>&1 3>&- &
  for _ in $(seq 50); do [ -n "$("$TOOL" pids "/$T-pre/p")" ] && break; sleep 0.1; done
  run "$TOOL" create "/$T-pre/p/c" c --memory 16M
  echo "$output"
  [ "$status" -eq 1 ]
  # the kernel says EOPNOTSUPP (6.1) or EBUSY
  [[ "$output" == "cgroup-tool: cgroup /$T-pre/p/c: enable controller \`memory\` in /$T-pre/p (needed by linux.resources.memory.limit): "* ]]
  [ ! -e "$CG/$T-pre/p/c" ]
  # without limits the controllers are best effort: create works
  run "$TOOL" create "/$T-pre/p/c" c
  [ "$status" -eq 0 ]
  run grep -qw memory "$CG/$T-pre/p/c/cgroup.controllers"
  [ "$status" -eq 1 ]
  "$TOOL" destroy "/$T-pre/p/c"
  "$TOOL" kill "/$T-pre/p"
  wait || true
  [ -d "$CG/$T-pre/p" ] # not casca's: kept
  rmdir "$CG/$T-pre/p" "$CG/$T-pre"
}

@test "pod-style parent: its limit is shared, kept, and it outlives its children" {
  run "$TOOL" create "/$T-pod" pod --memory 64M
  [ "$status" -eq 0 ]
  run "$TOOL" create "/$T-pod/c1" c1 --memory 32M
  [ "$status" -eq 0 ]
  run "$TOOL" create "/$T-pod/c2" c2
  [ "$status" -eq 0 ]
  [ "$(cat "$CG/$T-pod/memory.max")" = 67108864 ]
  [ "$(cat "$CG/$T-pod/c1/memory.max")" = 33554432 ]
  [ "$(cat "$CG/$T-pod/c2/memory.max")" = max ]
  # the pod limit binds c2: 96M does not fit in 64M
  run "$TOOL" run --path "/$T-pod/c3" -- dd if=/dev/zero of=/dev/null bs=96M count=1
  [ "$status" -eq 137 ]
  "$TOOL" destroy "/$T-pod/c1"
  [ -d "$CG/$T-pod/c2" ]
  "$TOOL" destroy "/$T-pod/c2"
  [ -d "$CG/$T-pod" ] # created as a cgroup of its own, not as a parent
  "$TOOL" destroy "/$T-pod"
  assert_gone "/$T-pod"
}

@test "a pre-existing parent is never removed" {
  mkdir "$CG/$T-pre"
  "$TOOL" create "/$T-pre/x/y" y > /dev/null
  "$TOOL" destroy "/$T-pre/x/y"
  [ -d "$CG/$T-pre" ]
  assert_gone "/$T-pre/x"
  rmdir "$CG/$T-pre"
}

@test "device filter: deny-all plus defaults, later rules override, replaced on update" {
  # root may write /dev/kmsg (c 1:11) without a filter
  run "$TOOL" run --path "/$T/dev" -- sh -c 'echo casca-bats > /dev/kmsg'
  [ "$status" -eq 0 ]
  run "$TOOL" run --path "/$T/dev" --device 'deny a *:* rwm' --default-devices -- \
    sh -c 'echo ok > /dev/null && head -c 3 /dev/zero | wc -c && echo x > /dev/kmsg'
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"3"* ]]
  [[ "$output" == *"Operation not permitted"* ]]
  # a later allow overrides the earlier deny-all
  run "$TOOL" run --path "/$T/dev" --device 'deny a *:* rwm' --device 'allow c 1:11 w' \
    --default-devices -- sh -c 'echo casca-bats > /dev/kmsg'
  [ "$status" -eq 0 ]
  # apply replaces the program (with both attached, the first would still deny)
  "$TOOL" create "/$T/dev2" dev2 --device 'deny a *:* rwm' --default-devices > /dev/null
  run "$TOOL" exec "/$T/dev2" -- sh -c 'echo x > /dev/kmsg'
  [ "$status" -ne 0 ]
  "$TOOL" apply "/$T/dev2" --device 'deny a *:* rwm' --device 'allow c 1:11 w' --default-devices
  run "$TOOL" exec "/$T/dev2" -- sh -c 'echo casca-bats > /dev/kmsg'
  [ "$status" -eq 0 ]
  "$TOOL" destroy "/$T/dev2"
  assert_gone "/$T"
}

@test "io.max throttles writes to a null_blk device; io.weight is written" {
  [ "${CASCA_VM:-}" = 1 ] || skip "loads null_blk (VM lane only)"
  modprobe null_blk nr_devices=1
  dev=$(cat /sys/block/nullb0/dev)
  run "$TOOL" run --path "/$T/io" --keep --io-wbps "$dev:1048576" --io-riops "$dev:0" -- \
    dd if=/dev/zero of=/dev/nullb0 bs=64k count=48 oflag=direct
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(grep "^$dev " "$CG/$T/io/io.max")" = "$dev rbps=max wbps=1048576 riops=max wiops=max" ]
  # 3 MiB at 1 MiB/s: dd reports about 1 MB/s (or kB/s)
  [[ "$output" =~ (kB/s|[0-9.]+ MB/s) ]]
  secs=$(echo "$output" | sed -n 's/.* copied, \([0-9.]*\) s.*/\1/p')
  echo "dd took ${secs}s"
  awk -v s="$secs" 'BEGIN { exit !(s >= 1.5) }'
  "$TOOL" destroy "/$T/io"
  # per-device weights need the iocost controller active on the device
  # (this test is the first to touch io.cost.qos)
  run "$TOOL" create "/$T/w" w --io-weight 500 --io-weight-device "$dev:100"
  [ "$output" = "cgroup-tool: cgroup /$T/w: write io.weight \"$dev 910\": Operation not supported" ]
  assert_gone "/$T"
  echo "$dev enable=1" > $CG/io.cost.qos
  "$TOOL" create "/$T/w" w --io-weight 500 --io-weight-device "$dev:100" > /dev/null
  [ "$(head -1 "$CG/$T/w/io.weight")" = "default 4950" ]
  grep -qx "$dev 910" "$CG/$T/w/io.weight"
  "$TOOL" destroy "/$T/w"
  assert_gone "/$T"
}

@test "swap and hugetlb limits are written" {
  grep -qw hugetlb $CG/cgroup.controllers || skip "no hugetlb controller"
  [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
  hs=2MB
  run "$TOOL" create "/$T/hs" hs --memory 32M --memory-swap 64M --hugetlb "$hs:0"
  [ "$status" -eq 0 ]
  [ "$(cat "$CG/$T/hs/memory.swap.max")" = 33554432 ]
  [ "$(cat "$CG/$T/hs/hugetlb.$hs.max")" = 0 ]
  "$TOOL" destroy "/$T/hs"
  assert_gone "/$T"
}

@test "rootless: creation only below a subtree delegated to the user" {
  command -v setpriv > /dev/null || skip "no setpriv"
  mkdir "$CG/$T-pre"
  echo "+memory +pids" > "$CG/$T-pre/cgroup.subtree_control" 2> /dev/null || true
  mkdir "$CG/$T-pre/deleg"
  chown 65534:65534 "$CG/$T-pre/deleg" "$CG/$T-pre/deleg/cgroup.procs" \
    "$CG/$T-pre/deleg/cgroup.subtree_control"
  as_nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups -- "$@"; }
  run as_nobody "$TOOL" create "/$T-pre/deleg/c" c --pids 5
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cat "$CG/$T-pre/deleg/c/pids.max")" = 5 ]
  [ "$(stat -c %u "$CG/$T-pre/deleg/c")" = 65534 ]
  run as_nobody "$TOOL" create "/$T-pre/other" other
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cgroup /$T-pre/other: /$T-pre is not delegated to uid 65534"* ]]
  run as_nobody "$TOOL" destroy "/$T-pre/deleg/c"
  [ "$status" -eq 0 ]
  assert_gone "/$T-pre/deleg/c"
  rmdir "$CG/$T-pre/deleg" "$CG/$T-pre"
}
