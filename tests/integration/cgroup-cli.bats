#!/usr/bin/env bats
# cgroup-cli.bats - cgroup v2 through the real CLI: limits that work (OOM
# kills, fork failures, throttling), the cgroup verbs (pause, resume, ps,
# update, events), placement and cleanup.  The tests that need a pure
# cgroup v2 hierarchy start with need_cgroup2 and run in the VM lane
# (tests/run-checks.sh vm); the others run everywhere.

load helpers/casca

CG=/sys/fs/cgroup
POD=cbats-$$ # the test's own directories below $CG: /$POD, /$POD-pre

teardown() {
  local rc=0 d
  [ -z "${watcher:-}" ] || kill "$watcher" 2> /dev/null || true
  common_teardown || rc=$?
  if [ -d "$CG/casca" ]; then
    # a container of this test left its cgroup behind
    for d in "$CG/casca/t${BATS_TEST_NUMBER}-$$"*; do
      [ -e "$d" ] || continue
      echo "left behind: cgroup $d" >&2
      rmdir "$d" 2> /dev/null || true
      rc=1
    done
  fi
  for d in "$POD" "$POD-pre"; do
    [ -d "$CG/$d" ] && find "$CG/$d" -depth -type d -exec rmdir {} + 2> /dev/null
  done
  return $rc
}

# The cgroup (relative to $CG) of process $1, from /proc/<pid>/cgroup.
cg_of() {
  sed -n 's/^0:://p' "/proc/$1/cgroup"
}

# oom_span EVENTS BASE OUT: until killed or EVENTS is gone, reads the
# memory.events file EVENTS every 10 ms without forking (read and read -t
# are bash builtins) and, each time its "oom" count has moved from BASE,
# writes to OUT when it moved first and last: "FIRST LAST", in microseconds
# since the epoch.
oom_span() {
  local base=$2 o k v first='' now tick
  exec {tick}<> <(:)
  while :; do
    o=$base
    { while read -r k v; do [ "$k" != oom ] || o=$v; done < "$1"; } 2> /dev/null || return 0
    if [ "$o" != "$base" ]; then
      now=${EPOCHREALTIME/[.,]/}
      first=${first:-$now}
      base=$o
      echo "$first $now" > "$3"
    fi
    read -r -t 0.01 -u "$tick" _ || true
  done
}

# A detached container running ARGS; sets ID, PID and CGP (its cgroup).
run_detached() {
  args "$@"
  ID=$(cid "${ID_SUFFIX:-}")
  run_bg run -d --bundle "$BUNDLE" "$ID"
  assert_success
  PID=$(state_field "$ID" pid)
  CGP=$(cg_of "$PID")
  [ -n "$CGP" ]
}

# n_procs_is N CGROUP: CGROUP's cgroup.procs lists N processes (for
# wait_until: else prints them).
n_procs_is() {
  local procs
  procs=$(cat "$CG$2/cgroup.procs")
  [ "$(echo "$procs" | grep -c .)" -eq "$1" ] && return 0
  echo "$CG$2/cgroup.procs: $(echo "$procs" | tr '\n' ' ')"
  return 1
}

# file_above FILE N: FILE holds a number greater than N (else says what).
file_above() {
  local v
  v=$(cat "$1")
  [ "$v" -gt "$2" ] && return 0
  echo "$1 holds $v, not more than $2"
  return 1
}

# two_lines FILE: FILE has two lines or more (else shows them).
two_lines() {
  [ "$(wc -l < "$1")" -ge 2 ] && return 0
  echo "$1 has fewer than two lines:"
  cat "$1"
  return 1
}

writable_rootfs() {
  cfg 'c["root"]["readonly"] = False'
}

# ---- errors, help, no cgroup (every lane) -----------------------------------

@test "each cgroup verb has --help" {
  for v in pause resume ps update events; do
    run casca "$v" --help
    assert_success
    assert_line --index 0 --regexp "^usage: casca $v "
  done
}

@test "update: bad sizes and numbers are refused before anything is touched" {
  run casca update --memory 6x nope
  assert_failure 1
  assert_output "casca: update: --memory \`6x\`: expected a size like 64m, 1g or 1048576, or -1 for no limit"
  run casca update --cpu-period 5 nope
  assert_output "casca: update: --cpu-period \`5\`: expected microseconds between 1000 and 1000000"
  run casca update nope
  assert_failure 2
  assert_line --index 0 "casca: update: nothing to update: give -r FILE or a limit"
  echo '{"memory": {"limit": "1g"}}' > "$BATS_TEST_TMPDIR/r.json"
  run casca update -r "$BATS_TEST_TMPDIR/r.json" nope
  assert_output "casca: update: -r \`$BATS_TEST_TMPDIR/r.json\`: linux.resources.memory.limit: expected a 64-bit integer"
  run casca update --memory 64m nope
  assert_output "casca: container \`nope\` does not exist"
  run casca events --interval 0 nope
  assert_output "casca: events: --interval: expected a time like 5s or 500ms, got \`0\`"
  run casca ps --format yaml nope
  assert_output "casca: ps: --format: expected table or json, got \`yaml\`"
}

@test "a container without a cgroup: each verb says it needs cgroup v2" {
  # (ps and kill --all go by its pid namespace then: lifecycle.bats)
  make_bundle
  args sleep 100
  id=$(cid)
  # --cgroup-manager disabled gives a container without a cgroup on any host
  run_bg --cgroup-manager disabled create --bundle "$BUNDLE" "$id"
  assert_success
  run casca pause "$id"
  assert_failure 1
  assert_output "casca: container \`$id\` has no cgroup: pausing needs cgroup v2"
  run casca resume "$id"
  assert_output "casca: container \`$id\` has no cgroup: resuming needs cgroup v2"
  run casca update --pids-limit 5 "$id"
  assert_output "casca: container \`$id\` has no cgroup: updating its limits needs cgroup v2"
  run casca events --stats "$id"
  assert_output "casca: container \`$id\` has no cgroup: reading its statistics needs cgroup v2"
  run casca events "$id"
  assert_output "casca: container \`$id\` has no cgroup: watching its events needs cgroup v2"
  casca delete --force "$id"
}

# ---- limits that work ---------------------------------------------------------

# bats test_tags=vm
@test "memory.max: an allocation over the limit is OOM-killed, run exits 137, events reports it" {
  need_cgroup2
  make_bundle
  cfg 'c["linux"]["resources"]["memory"] = {"limit": 32 << 20, "swap": 32 << 20}'
  args dd if=/dev/zero of=/dev/null bs=64M count=1
  run casca run --bundle "$BUNDLE" "$(cid run)"
  assert_equal "$status" 137
  # events sees the OOM kill, and ends with the container
  writable_rootfs
  args sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; exec dd if=/dev/zero of=/dev/null bs=64M count=1'
  id=$(cid)
  run_bg run -d --bundle "$BUNDLE" "$id"
  assert_success
  cgp=$(cg_of "$(state_field "$id" pid)")
  assert_equal "$(cat "$CG$cgp/memory.max")" 33554432
  assert_equal "$(cat "$CG$cgp/memory.swap.max")" 0
  casca events --interval 200ms "$id" > "$BATS_TEST_TMPDIR/events" 2>&1 &
  events=$!
  # the first stats line says events has taken its baseline of memory.events
  wait_until file_has "$BATS_TEST_TMPDIR/events" '"type":"stats"'
  touch "$BUNDLE/rootfs/tmp/go"
  wait_until dead "$events"
  wait "$events"
  run grep -v '"type":"stats"' "$BATS_TEST_TMPDIR/events"
  assert_output "{\"type\":\"oom\",\"id\":\"$id\"}"
  assert file_has "$CG$cgp/memory.events" '^oom_kill 1$'
  assert_equal "$(state_field "$id" status)" stopped
  casca delete "$id"
  assert [ ! -e "$CG$cgp" ]
  # and it fits in 256M
  cfg 'c["linux"]["resources"]["memory"] = {"limit": 256 << 20}'
  run casca run --bundle "$BUNDLE" "$(cid fits)"
  assert_success
}

# bats test_tags=vm
@test "events: an OOM that kills nothing (every process at oom_score_adj -1000) is reported once a second at most and not after it ended, while the container runs" {
  need_cgroup2
  make_bundle
  cfg 'c["linux"]["resources"]["memory"] = {"limit": 32 << 20, "swap": 32 << 20}
c["process"]["oomScoreAdj"] = -1000'
  args sleep 100 # the init sleeps: it needs no memory while the cgroup is full
  id=$(cid)
  run_bg run -d --bundle "$BUNDLE" "$id"
  assert_success
  pid=$(state_field "$id" pid)
  cgp=$(cg_of "$pid")
  casca events --interval 200ms "$id" > "$BATS_TEST_TMPDIR/events" 2>&1 &
  events=$!
  wait_until file_has "$BATS_TEST_TMPDIR/events" '"type":"stats"'
  # When the kernel's "oom" moved first and last, seen by a watcher that
  # forks nothing, so a slow guest delays it by little (the test's own waits
  # fork; on CI, a wait that began after the first failed charge was seen
  # to end more than a second after it):
  oom_span "$CG$cgp/memory.events" "$(sed -n 's/^oom //p' "$CG$cgp/memory.events")" \
    "$BATS_TEST_TMPDIR/span" 3>&- &
  watcher=$!
  # a writer into the container's /dev/shm (its pages are charged to the
  # cgroup), unkillable by the OOM killer: it fills the cgroup, then appends
  # 64 KiB at a time (more than dd's buffer freed), each append a charge
  # that fails at the limit, until it is told to stop (the shell's printf
  # and [ are builtins: nothing forks)
  (echo -1000 > /proc/self/oom_score_adj &&
    casca exec "$id" sh -c 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=64
      while [ ! -e /tmp/stop ]; do printf "%65536s" "" >> /dev/shm/more; done') \
    > /dev/null 2>&1 &
  writer=$!
  wait_until --interval 0.02 file_has "$CG$cgp/memory.events" '^oom [1-9]'
  # time is what is tested: failed charges for three seconds
  sleep 3
  # stop, and free the filler's pages: a page fault of the shell's own that
  # failed at the limit is retried until memory is freed
  touch "$BUNDLE/rootfs/tmp/stop"
  : > "/proc/$pid/root/dev/shm/fill"
  wait_until dead "$writer"
  wait "$writer" || true
  rm -f "/proc/$pid/root/dev/shm/fill" "/proc/$pid/root/dev/shm/more"
  assert file_has "$CG$cgp/memory.events" '^oom_kill 0$'
  assert_equal "$(state_field "$id" status)" running
  # Once the writer has ended (one window for what was pending, and as much
  # again for a slow guest), time is what is tested: the same OOM is not
  # reported again, and the kernel saw none since.
  sleep 2
  oom=$(sed -n 's/^oom //p' "$CG$cgp/memory.events")
  n=$(grep -c '"type":"oom"' "$BATS_TEST_TMPDIR/events")
  sleep 1.5
  assert_equal "$(sed -n 's/^oom //p' "$CG$cgp/memory.events")" "$oom"
  assert_equal "$(grep -c '"type":"oom"' "$BATS_TEST_TMPDIR/events")" "$n"
  kill "$watcher"
  wait "$watcher" || true
  watcher='' # reaped: teardown must not signal its pid
  read -r first last < "$BATS_TEST_TMPDIR/span"
  span=$(((last - first) / 1000))
  [ "$span" -ge 2000 ] || fail "the failed charges went on for $span ms only"
  # Failed charges that no kill explains are one event per second they go
  # on (CASCA_OOM_WINDOW_MS; test-oom-count.c has the arithmetic): event k
  # is of a charge that failed at least k windows after the first, so n
  # events need failed charges across n - 1 seconds.  One more for the
  # watcher seeing the first up to a second late; never one per poll
  # (every 200 ms), and not one for all of them.
  max=$((span / 1000 + 2))
  [ "$n" -le "$max" ] || fail "$n oom events for failed charges across $span ms (at most $max)"
  [ "$n" -ge 2 ] || fail "$n oom event for failed charges across $span ms"
  casca kill "$id" KILL
  wait_until dead "$events"
  wait "$events"
  # nothing but this container's oom events besides the stats
  run grep -v -e '"type":"stats"' -e "^{\"type\":\"oom\",\"id\":\"$id\"}\$" "$BATS_TEST_TMPDIR/events"
  assert_failure 1
  assert_output ''
  assert file_has "$CG$cgp/memory.events" '^oom_kill 0$'
  casca delete "$id"
}

# bats test_tags=vm
@test "memory.max is what the container sees in its own cgroup mount" {
  need_cgroup2
  make_bundle
  cfg 'c["linux"]["resources"]["memory"] = {"limit": 48 << 20}
c["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                    "options": ["nosuid", "noexec", "nodev", "ro"]})'
  args cat /proc/self/cgroup /sys/fs/cgroup/memory.max
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  # a cgroup namespace (the spec's default) rooted at the container's cgroup
  assert_output "$(printf '0::/\n50331648')"
}

# bats test_tags=vm
@test "pids.max: fork fails inside once the limit is hit" {
  need_cgroup2
  make_bundle
  cfg 'c["linux"]["resources"]["pids"] = {"limit": 4}'
  args sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 3 & done; wait'
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial "can't fork"
  cfg 'c["linux"]["resources"]["pids"] = {"limit": 20}'
  args sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 0.1 & done; wait'
  run casca run --bundle "$BUNDLE" "$(cid 20)"
  assert_success
  refute_output --partial fork
}

# bats test_tags=vm
@test "cpu.max: a busy loop is throttled" {
  need_cgroup2
  make_bundle
  cfg 'c["linux"]["resources"]["cpu"] = {"quota": 10000, "period": 100000}'
  run_detached sh -c 'while :; do :; done'
  assert_equal "$(cat "$CG$CGP/cpu.max")" "10000 100000"
  sleep 2 # time is what is tested: 2 s of a busy loop under a 10% quota
  throttled=$(awk '/^nr_throttled/ {print $2}' "$CG$CGP/cpu.stat")
  usage=$(awk '/^usage_usec/ {print $2}' "$CG$CGP/cpu.stat")
  echo "throttled periods $throttled, usage ${usage}us"
  assert [ "$throttled" -gt 5 ]
  assert [ "$usage" -lt 1200000 ] # 10% of 2 s (plus start-up); unthrottled it would be ~2 s
  # events --stats says the same
  run casca events --stats "$ID"
  assert_success
  python3 - "$output" "$ID" <<'PY'
import json, sys
e = json.loads(sys.argv[1])
assert e["type"] == "stats" and e["id"] == sys.argv[2], e
t = e["data"]["cpu"]["throttling"]
assert t["throttledPeriods"] > 5 and t["periods"] >= t["throttledPeriods"], t
PY
  casca delete --force "$ID"
}

# bats test_tags=vm
@test "cpuset: Cpus_allowed_list inside matches linux.resources.cpu.cpus" {
  need_cgroup2
  [ "$(nproc)" -ge 2 ] || skip "needs 2 cpus"
  make_bundle
  args grep Cpus_allowed_list /proc/self/status
  for cpus in 0 1 0-1; do
    cfg "c['linux']['resources']['cpu'] = {'cpus': '$cpus', 'mems': '0'}"
    run casca run --bundle "$BUNDLE" "$(cid "$cpus")"
    assert_success
    assert_line --index 0 --regexp "^Cpus_allowed_list:[[:space:]]+$cpus\$"
  done
}

# bats test_tags=vm
@test "io.max: direct writes to a null_blk device are held to the configured rate" {
  need_cgroup2
  [ "${CASCA_VM:-}" = 1 ] || skip "loads null_blk (VM lane only)"
  modprobe null_blk nr_devices=1
  dev=$(cat /sys/block/nullb0/dev)
  make_bundle
  cfg "
maj, mnr = (int(x) for x in '$dev'.split(':'))
c['linux']['devices'] = [{'path': '/dev/nullb0', 'type': 'b', 'major': maj, 'minor': mnr}]
c['linux']['resources']['devices'].append({'allow': True, 'type': 'b', 'major': maj, 'minor': mnr, 'access': 'rw'})
c['linux']['resources']['blockIO'] = {'throttleWriteBpsDevice': [{'major': maj, 'minor': mnr, 'rate': 1 << 20}]}"
  # busybox dd gives no rate: time it with /proc/uptime
  args sh -c 'a=$(cut -d" " -f1 /proc/uptime)
dd if=/dev/zero of=/dev/nullb0 bs=64k count=48 oflag=direct || exit 1
echo "elapsed $a $(cut -d" " -f1 /proc/uptime)"'
  id=$(cid)
  run casca run --keep --bundle "$BUNDLE" "$id"
  echo "$output"
  assert_success
  assert_equal "$(grep "^$dev " "$CG/casca/$id/io.max")" "$dev rbps=max wbps=1048576 riops=max wiops=max"
  casca delete "$id"
  # 3 MiB at 1 MiB/s
  secs=$(echo "$output" | awk '/^elapsed/ { print $3 - $2 }')
  echo "dd took ${secs}s"
  awk -v s="$secs" 'BEGIN { exit !(s >= 1.5) }'
  # without the limit the same writes take a fraction of that
  cfg 'del c["linux"]["resources"]["blockIO"]'
  run casca run --bundle "$BUNDLE" "$(cid free)"
  assert_success
  free=$(echo "$output" | awk '/^elapsed/ { print $3 - $2 }')
  echo "unthrottled: ${free}s"
  awk -v s="$secs" -v f="$free" 'BEGIN { exit !(f < s / 2) }'
}

# bats test_tags=vm
@test "io.weight: blockIO weights are converted; per-device ones need iocost" {
  need_cgroup2
  [ "${CASCA_VM:-}" = 1 ] || skip "loads null_blk and enables iocost (VM lane only)"
  modprobe null_blk nr_devices=1
  dev=$(cat /sys/block/nullb0/dev)
  make_bundle
  args true
  cfg "
maj, mnr = (int(x) for x in '$dev'.split(':'))
c['linux']['resources']['blockIO'] = {'weight': 500, 'weightDevice': [{'major': maj, 'minor': mnr, 'weight': 100}]}"
  if ! grep -q "^$dev .*enable=1" "$CG/io.cost.qos" 2> /dev/null; then
    run casca run --bundle "$BUNDLE" "$(cid off)"
    assert_failure
    assert_output --partial "write io.weight \"$dev 910\": Operation not supported"
    echo "$dev enable=1" > $CG/io.cost.qos
  fi
  run_detached sleep 100
  assert_equal "$(head -1 "$CG$CGP/io.weight")" "default 4950"
  assert file_has "$CG$CGP/io.weight" "^$dev 910$"
  casca delete --force "$ID"
}

# bats test_tags=vm
@test "devices: a linux.devices node is only as open as linux.resources.devices says" {
  need_cgroup2
  make_bundle
  cfg 'c["linux"]["devices"] = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 438}]'
  args sh -c 'stat -c "%F %t:%T" /dev/kmsg; echo casca-test > /dev/kmsg && echo wrote'
  run casca run --bundle "$BUNDLE" "$(cid)"
  echo "$output"
  # the node is made, and the deny-all rule of casca spec holds for it
  assert_line "character special file 1:b"
  assert_line --partial "/dev/kmsg: Operation not permitted"
  refute_line wrote
  cfg 'c["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": 1, "minor": 11, "access": "w"})'
  run casca run --bundle "$BUNDLE" "$(cid allowed)"
  assert_success
  assert_line wrote
}

# bats test_tags=vm
@test "devices: denied device nodes cannot be opened inside, allowed ones work" {
  need_cgroup2
  make_bundle
  # CAP_MKNOD to make nodes (the defaults let every container mknod, like
  # runc: opening is what the filter denies)
  cfg 'for s in ("bounding", "effective", "permitted"):
    c["process"]["capabilities"][s].append("CAP_MKNOD")'
  args sh -c 'mknod /dev/kmsg2 c 1 11 && echo made
echo x > /dev/kmsg2 || echo denied
echo x > /dev/null && head -c 3 /dev/zero | wc -c
mknod /dev/null2 c 1 3 && echo x > /dev/null2 && echo null2-ok'
  run casca run --bundle "$BUNDLE" "$(cid)"
  echo "$output"
  assert_line made
  assert_line --partial "/dev/kmsg2: Operation not permitted"
  assert_line denied
  assert_line 3
  assert_line null2-ok
  # an allow rule in linux.resources.devices opens it up
  cfg 'c["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": 1, "minor": 11, "access": "w"})'
  run casca run --bundle "$BUNDLE" "$(cid allowed)"
  assert_line made
  refute_line denied
  # and without CAP_MKNOD (the spec's default) mknod fails
  make_bundle "$BATS_TEST_TMPDIR/b2"
  args sh -c 'mknod /dev/kmsg2 c 1 11'
  run casca run --bundle "$BUNDLE" "$(cid nocap)"
  assert_failure
  assert_output --partial "Operation not permitted"
}

# bats test_tags=vm
@test "swap, reservation, shares and hugetlb limits are written" {
  need_cgroup2
  make_bundle
  cfg 'c["linux"]["resources"]["memory"] = {"limit": 32 << 20, "swap": 64 << 20, "reservation": 8 << 20}
c["linux"]["resources"]["cpu"] = {"shares": 1024}'
  hugetlb=false
  if grep -qw hugetlb $CG/cgroup.controllers && [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ]; then
    hugetlb=true # the VM lane's guest has it
    cfg 'c["linux"]["resources"]["hugepageLimits"] = [{"pageSize": "2MB", "limit": 0}]'
  fi
  run_detached sleep 100
  assert_equal "$(cat "$CG$CGP/memory.max")" 33554432
  assert_equal "$(cat "$CG$CGP/memory.swap.max")" 33554432
  assert_equal "$(cat "$CG$CGP/memory.low")" 8388608
  assert_equal "$(cat "$CG$CGP/cpu.weight")" 39
  if $hugetlb; then
    assert_equal "$(cat "$CG$CGP/hugetlb.2MB.max")" 0
  fi
  casca delete --force "$ID"
}

# ---- verbs --------------------------------------------------------------------

# bats test_tags=vm
@test "pause: a counter inside stops while paused and goes on after resume" {
  need_cgroup2
  make_bundle
  writable_rootfs
  # the count is renamed into place: frozen between the truncation and the
  # write of a `>`, the file would be read empty
  run_detached sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.05; done'
  count=$BUNDLE/rootfs/tmp/count
  wait_until test -s "$count"
  run casca resume "$ID"
  assert_failure
  assert_output "casca: container \`$ID\` is not paused"
  run casca pause "$ID"
  assert_success
  assert file_has "$CG$CGP/cgroup.events" '^frozen 1$'
  assert_equal "$(state_field "$ID" status)" paused
  run casca pause "$ID"
  assert_failure
  assert_output "casca: container \`$ID\` is already paused"
  run casca exec "$ID" true
  assert_equal "$status" 255
  assert_output "casca: cannot exec in container \`$ID\`: it is paused (--ignore-paused to exec anyway)"
  a=$(cat "$count")
  sleep 1 # time is what is tested: a second in which the counter must not move
  b=$(cat "$count")
  assert_equal "$a" "$b"
  run casca resume "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" running
  wait_until file_above "$count" "$b"
  # a paused container can be deleted with --force
  casca pause "$ID"
  run casca delete "$ID"
  assert_failure
  assert_output --partial "is paused: stop it first or use --force"
  casca delete --force "$ID"
  assert [ ! -e "$CG$CGP" ]
  # a stopped container is not running
  make_bundle "$BATS_TEST_TMPDIR/b2"
  args true
  id=$(cid stopped)
  casca run --keep --bundle "$BUNDLE" "$id"
  run casca pause "$id"
  assert_failure
  assert_output "casca: container \`$id\` is not running (stopped)"
  casca delete "$id"
}

# bats test_tags=vm
@test "pause: a created container that is paused is \"paused\", and created again after resume" {
  need_cgroup2
  make_bundle
  writable_rootfs
  args sh -c 'echo started > /tmp/started; sleep 100'
  ID=$(cid)
  run_bg create --bundle "$BUNDLE" "$ID"
  assert_success
  CGP=$(cg_of "$(state_field "$ID" pid)")
  assert_equal "$(state_field "$ID" status)" created
  run casca pause "$ID"
  assert_success
  assert file_has "$CG$CGP/cgroup.events" '^frozen 1$'
  assert_equal "$(state_field "$ID" status)" paused
  run casca list --format json
  assert_success
  assert_output --partial '"status":"paused"'
  # like runc: a paused container cannot be started
  run casca start "$ID"
  assert_failure
  assert_output --partial "is not in created state (paused)"
  run casca resume "$ID"
  assert_success
  assert_equal "$(state_field "$ID" status)" created
  run casca start "$ID"
  assert_success
  wait_until test -s "$BUNDLE/rootfs/tmp/started"
  assert_equal "$(state_field "$ID" status)" running
  casca delete --force "$ID"
}

# bats test_tags=vm
@test "ps: the container's processes, as a table and as JSON" {
  need_cgroup2
  make_bundle
  run_detached sh -c 'sleep 100 & sleep 101 & wait'
  wait_until n_procs_is 3 "$CGP"
  run casca ps --format json "$ID"
  assert_success
  python3 - "$output" "$PID" "$CG$CGP/cgroup.procs" <<'PY'
import json, sys
pids = json.loads(sys.argv[1])
procs = sorted(int(p) for p in open(sys.argv[3]).read().split())
assert pids == procs, (pids, procs)
assert int(sys.argv[2]) in pids
PY
  run casca ps "$ID"
  assert_success
  assert_line --index 0 --regexp '^UID +PID +PPID +STAT +TIME +CMD$'
  assert_line --regexp "^root +$PID +[0-9]+ +S +00:00:00 +sh -c sleep 100 & sleep 101 & wait\$"
  assert_line --regexp "^root +[0-9]+ +$PID +S +00:00:00 +sleep 101\$"
  assert_equal "${#lines[@]}" 4
  casca delete --force "$ID"
}

# bats test_tags=vm
@test "update: new limits take effect on a running container" {
  need_cgroup2
  make_bundle
  writable_rootfs
  cfg 'c["linux"]["resources"]["memory"] = {"limit": 256 << 20}
c["linux"]["resources"]["cpu"] = {"quota": 50000, "period": 100000}'
  # each time /tmp/go<N> appears: allocate 64M, record dd's status in /tmp/rc<N>
  run_detached sh -c 'for n in 1 2; do
    while [ ! -e /tmp/go$n ]; do sleep 0.05; done
    dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo $? > /tmp/rc$n
  done; sleep 100'
  root=$BUNDLE/rootfs/tmp
  touch "$root/go1"
  wait_until test -s "$root/rc1"
  assert_equal "$(cat "$root/rc1")" 0
  run casca update --memory 32m --memory-swap 32m --pids-limit 50 --cpu-quota 20000 \
    --cpu-weight 50 "$ID"
  assert_success
  assert_equal "$(cat "$CG$CGP/memory.max")" 33554432
  assert_equal "$(cat "$CG$CGP/memory.swap.max")" 0
  assert_equal "$(cat "$CG$CGP/pids.max")" 50
  assert_equal "$(cat "$CG$CGP/cpu.max")" "20000 100000"
  assert_equal "$(cat "$CG$CGP/cpu.weight")" 50
  touch "$root/go2"
  wait_until test -s "$root/rc2"
  assert_equal "$(cat "$root/rc2")" 137 # OOM-killed under the new limit
  # only what is given changes: the period keeps the quota, and back
  run casca update --cpu-period 50000 "$ID"
  assert_success
  assert_equal "$(cat "$CG$CGP/cpu.max")" "20000 50000"
  assert_equal "$(cat "$CG$CGP/memory.max")" 33554432
  # -r: a resources object like runc's; the flags override it
  cat > "$BATS_TEST_TMPDIR/r.json" << 'EOF'
{"memory": {"limit": 100663296}, "pids": {"limit": 30}, "cpu": {"quota": -1}}
EOF
  run casca update -r "$BATS_TEST_TMPDIR/r.json" --pids-limit 40 "$ID"
  assert_success
  assert_equal "$(cat "$CG$CGP/memory.max")" 100663296
  assert_equal "$(cat "$CG$CGP/pids.max")" 40
  assert_equal "$(cat "$CG$CGP/cpu.max")" "max 50000"
  echo '{"pids": {"limit": 0}}' | casca update -r - "$ID"
  assert_equal "$(cat "$CG$CGP/pids.max")" max
  # a value the kernel refuses names the file and the value
  run casca update --cpuset-cpus 99 "$ID"
  assert_failure
  # ERANGE on 6.1 (no such cpu)
  assert_output --partial "casca: container \`$ID\`: cgroup $CGP: write cpuset.cpus \"99\": "
  casca delete --force "$ID"
}

# saved_res PART KEY: linux.resources.PART.KEY of container $ID's saved config
saved_res() {
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["linux"]["resources"]
print(r.get(sys.argv[2], {}).get(sys.argv[3]) if sys.argv[2] != "devices" else json.dumps(r["devices"]))' \
    "$STATE_ROOT/$ID/config.json" "$1" "${2:-}"
}

# bats test_tags=vm
@test "update: the new limits are recorded in the saved config; a later update keeps them" {
  need_cgroup2
  make_bundle
  cfg 'c["linux"]["resources"]["memory"] = {"limit": 256 << 20}
c["linux"]["resources"]["pids"] = {"limit": 100}
c["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                    "options": ["nosuid", "noexec", "nodev", "ro"]})'
  run_detached sleep 100
  devices=$(saved_res devices)
  run casca update --memory 64m "$ID"
  assert_success
  assert_equal "$(cat "$CG$CGP/memory.max")" 67108864
  assert_equal "$(saved_res memory limit)" 67108864
  assert_equal "$(saved_res pids limit)" 100
  # another resource: the first update's limit stays, in the cgroup and saved
  run casca update --pids-limit 42 "$ID"
  assert_success
  assert_equal "$(cat "$CG$CGP/pids.max")" 42
  assert_equal "$(cat "$CG$CGP/memory.max")" 67108864
  assert_equal "$(saved_res memory limit)" 67108864
  assert_equal "$(saved_res pids limit)" 42
  assert_equal "$(saved_res devices)" "$devices"
  # the saved config is still whole: exec loads it; the container sees the limits
  run casca exec "$ID" cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max
  assert_success
  assert_line --index 0 67108864
  assert_line --index 1 42
  casca delete --force "$ID"
}

# bats test_tags=vm
@test "events: stats every interval as JSON lines, ending with the container" {
  need_cgroup2
  make_bundle
  cfg 'c["linux"]["resources"]["memory"] = {"limit": 64 << 20}
c["linux"]["resources"]["pids"] = {"limit": 10}'
  # runs until /tmp/go appears
  run_detached sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done'
  casca events --interval 1 "$ID" > "$BATS_TEST_TMPDIR/events" 2>&1 &
  events=$!
  wait_until two_lines "$BATS_TEST_TMPDIR/events"
  touch "$BUNDLE/rootfs/tmp/go"
  wait_until dead "$events"
  wait "$events"
  python3 - "$BATS_TEST_TMPDIR/events" "$ID" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert e["type"] == "stats" and e["id"] == sys.argv[2], e
    d = e["data"]
    assert d["memory"]["usage"]["limit"] == 64 << 20, d["memory"]
    assert "anon" in d["memory"]["raw"], d["memory"]
    assert d["pids"]["limit"] == 10, d["pids"]
    assert "total" in d["cpu"]["usage"] and "ioServiceBytesRecursive" in d["blkio"], d
PY
  # --stats works on the stopped container while its cgroup is there
  run casca events --stats "$ID"
  assert_success
  assert_output --regexp "^\{\"type\":\"stats\",\"id\":\"$ID\",\"data\":\{.*\"pids\":\{\"current\":0,\"limit\":10\}"
  run casca events "$ID"
  assert_failure
  assert_output "casca: container \`$ID\` is not running"
  casca delete "$ID"
}

# bats test_tags=vm
@test "kill --all signals every process of the cgroup" {
  need_cgroup2
  make_bundle
  mkfifo "$BUNDLE/rootfs/tmp/fifo"
  # the init takes USR1 and waits on the fifo; the sleeps die of USR1
  run_detached sh -c 'trap : USR1; sleep 100 & sleep 100 & exec 3<> /tmp/fifo; while :; do read x <&3; done'
  wait_until n_procs_is 3 "$CGP"
  pids=$(cat "$CG$CGP/cgroup.procs")
  run casca kill --all "$ID" USR1
  assert_success
  for p in $pids; do [ "$p" = "$PID" ] || wait_until dead "$p"; done
  kill -0 "$PID"
  run casca kill --all "$ID" KILL
  assert_success
  for p in $pids; do wait_until dead "$p"; done
  wait_until file_has "$CG$CGP/cgroup.events" '^populated 0$'
  casca delete "$ID"
}

# bats test_tags=vm
@test "a cgroup that already holds processes: create warns, as runc does" {
  need_cgroup2
  make_bundle
  cfg "c['linux']['cgroupsPath'] = '/$POD/shared'"
  ID_SUFFIX=first run_detached sleep 100
  first=$ID
  assert_equal "$CGP" "/$POD/shared"
  run_bg create --bundle "$BUNDLE" "$(cid second)"
  assert_success
  assert_output "casca: warning: container $(cid second): its cgroup /$POD/shared is not empty: 1 process(es) found"
  # an empty one (the first container's own, before its init) gets none
  casca delete --force "$(cid second)" # the shared cgroup goes, the first's init with it
  wait_until dead "$PID"
  casca delete --force "$first"
  run_bg create --bundle "$BUNDLE" "$(cid third)"
  assert_success
  assert_output ""
  casca delete --force "$(cid third)"
}

# ---- placement ----------------------------------------------------------------

# bats test_tags=vm
@test "the default cgroup is /casca/<id>; limits map to their files" {
  need_cgroup2
  make_bundle
  run_detached sleep 100
  assert_equal "$CGP" "/casca/$ID"
  assert file_has "$CG$CGP/cgroup.events" '^populated 1$'
  casca delete --force "$ID"
  assert [ ! -e "$CG$CGP" ]
}

# bats test_tags=vm
@test "nested cgroupsPath: parents are made (controllers enabled) and removed after" {
  need_cgroup2
  make_bundle
  cfg "c['linux']['cgroupsPath'] = '/$POD/a/b'
c['linux']['resources']['memory'] = {'limit': 32 << 20}
c['linux']['resources']['pids'] = {'limit': 20}"
  run_detached sleep 100
  assert_equal "$CGP" "/$POD/a/b"
  for c in memory pids; do grep -qw "$c" "$CG/$POD/a/cgroup.subtree_control"; done
  assert_equal "$(cat "$CG/$POD/a/b/memory.max")" 33554432
  assert_equal "$(cat "$CG/$POD/a/memory.max")" max # limits only on the leaf
  casca delete --force "$ID"
  assert [ ! -e "$CG/$POD" ]
  # a relative path: below the parent of casca's own cgroup (here the root)
  cfg "c['linux']['cgroupsPath'] = '$POD/rel'"
  args cat /proc/self/cgroup
  cfg 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "cgroup"]'
  run casca run --bundle "$BUNDLE" "$(cid rel)"
  assert_success
  assert_output "0::$(sed -n 's/^0:://p' /proc/self/cgroup | sed 's|/[^/]*$||')/$POD/rel"
  assert [ ! -e "$CG/$POD" ]
}

# bats test_tags=vm
@test "a pod-style parent's limit binds the containers below it; it is kept" {
  need_cgroup2
  mkdir "$CG/$POD"
  echo $((64 << 20)) > "$CG/$POD/memory.max"
  echo "+memory +pids" > "$CG/$POD/cgroup.subtree_control"
  make_bundle
  cfg "c['linux']['cgroupsPath'] = '/$POD/c1'"
  ID_SUFFIX=c1 run_detached sleep 100
  id1=$ID
  assert_equal "$CGP" "/$POD/c1"
  make_bundle "$BATS_TEST_TMPDIR/b2"
  cfg "c['linux']['cgroupsPath'] = '/$POD/c2'
c['linux']['resources']['memory'] = {'limit': 32 << 20}"
  ID_SUFFIX=c2 run_detached sleep 100
  id2=$ID
  assert_equal "$(cat "$CG/$POD/c1/memory.max")" max
  assert_equal "$(cat "$CG/$POD/c2/memory.max")" 33554432
  assert_equal "$(cat "$CG/$POD/memory.max")" 67108864 # the pod's own, untouched
  # 96M does not fit in the pod's 64M, whatever the container's own limit
  make_bundle "$BATS_TEST_TMPDIR/b3"
  cfg "c['linux']['cgroupsPath'] = '/$POD/c3'"
  args dd if=/dev/zero of=/dev/null bs=96M count=1
  run casca run --bundle "$BUNDLE" "$(cid c3)"
  assert_equal "$status" 137
  assert file_has "$CG/$POD/memory.events" '^oom_kill [1-9]'
  casca delete --force "$id1"
  assert [ -d "$CG/$POD/c2" ]
  casca delete --force "$id2"
  assert [ -d "$CG/$POD" ] # not casca's: kept
  assert [ ! -e "$CG/$POD/c1" ]
  assert [ ! -e "$CG/$POD/c2" ]
  assert [ ! -e "$CG/$POD/c3" ]
}

# bats test_tags=vm
@test "a controller the parent cannot hand down is an error naming it" {
  need_cgroup2
  # a container in /POD-pre/p: by the no-internal-processes rule, p cannot
  # enable controllers for children
  make_bundle
  cfg "c['linux']['cgroupsPath'] = '/$POD-pre/p'"
  ID_SUFFIX=p run_detached sleep 100
  make_bundle "$BATS_TEST_TMPDIR/b2"
  cfg "c['linux']['cgroupsPath'] = '/$POD-pre/p/c'
c['linux']['resources']['memory'] = {'limit': 16 << 20}"
  args true
  run casca run --bundle "$BUNDLE" "$(cid c)"
  assert_failure
  # the kernel says EOPNOTSUPP (6.1) or EBUSY
  assert_output --regexp "^casca: cgroup /$POD-pre/p/c: enable controller \`memory\` in /$POD-pre/p \(needed by linux.resources.memory.limit\): "
  assert [ ! -e "$CG/$POD-pre/p/c" ]
  casca delete --force "$ID"
  assert [ ! -e "$CG/$POD-pre" ]
}

# bats test_tags=vm
@test "a pre-existing parent is never removed" {
  need_cgroup2
  mkdir "$CG/$POD-pre"
  make_bundle
  cfg "c['linux']['cgroupsPath'] = '/$POD-pre/x/y'"
  args true
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert [ -d "$CG/$POD-pre" ]
  assert [ ! -e "$CG/$POD-pre/x" ]
}

# ---- cleanup --------------------------------------------------------------------

# bats test_tags=vm
@test "a failed create leaves no cgroup: a value the kernel rejects, a late failure" {
  need_cgroup2
  make_bundle
  args true
  id=$(cid)
  cfg 'c["linux"]["resources"]["unified"] = {"memory.max": "abc"}'
  run casca run --bundle "$BUNDLE" "$id"
  assert_failure
  assert_output "casca: cgroup /casca/$id: write memory.max \"abc\": Invalid argument"
  assert [ ! -e "$CG/casca/$id" ]
  cfg 'c["linux"]["resources"]["unified"] = {"memory.bogus": "1"}'
  run casca run --bundle "$BUNDLE" "$id"
  assert_output "casca: cgroup /casca/$id: open memory.bogus: No such file or directory"
  cfg 'c["linux"]["resources"]["unified"] = {}
c["linux"]["resources"]["memory"] = {"limit": 1 << 20, "swap": 512 << 10}'
  run casca run --bundle "$BUNDLE" "$id"
  assert_output --partial "linux.resources.memory.swap: memory+swap limit 524288 is lower than the memory limit 1048576"
  assert [ ! -e "$CG/casca/$id" ]
  # a failure after the cgroup was made and the init cloned into it
  cfg "c['linux']['resources'] = {'pids': {'limit': 10}}
c['mounts'].append({'destination': '/mnt', 'type': 'bind', 'source': '$BATS_TEST_TMPDIR/nope', 'options': ['bind']})"
  run casca run --bundle "$BUNDLE" "$id"
  assert_failure
  assert_output --partial "nope"
  assert [ ! -e "$CG/casca/$id" ]
  assert [ ! -e "$STATE_ROOT/$id" ]
}

# bats test_tags=vm
@test "delete --force after the runtime was SIGKILLed mid-create leaves no cgroup" {
  need_cgroup2
  make_bundle
  args true
  hook=$BATS_TEST_TMPDIR/hook.pid
  cfg "c['hooks'] = {'createRuntime': [{'path': '/bin/sh', 'args': ['sh', '-c', 'echo \$\$ > $hook; exec sleep 60']}]}"
  id=$(cid)
  "$CASCA" --root "$STATE_ROOT" create --bundle "$BUNDLE" "$id" > /dev/null 2>&1 < /dev/null &
  runtime=$!
  wait_until test -s "$hook"
  assert [ -d "$CG/casca/$id" ]
  kill -KILL "$runtime"
  wait "$runtime" || true
  kill -KILL "$(cat "$hook")" 2> /dev/null || true
  run casca delete --force "$id"
  assert_success
  assert [ ! -e "$CG/casca/$id" ]
  assert [ ! -e "$STATE_ROOT/$id" ]
}
