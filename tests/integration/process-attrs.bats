#!/usr/bin/env bats
# process-attrs.bats - what the config asks of the container's process
# beyond its identity: process.scheduler, process.ioPriority,
# process.execCPUAffinity, linux.memoryPolicy, and the LSM labels
# (process.apparmorProfile, process.selinuxLabel, linux.mountLabel), each
# either applied (the container sees it) or refused by name.

load helpers/casca

# Field N of the container's /proc/self/stat as seen by `cat` (comm "cat"
# has no spaces): 19 nice, 40 rt_priority, 41 policy.
stat_fields='cat /proc/self/stat | cut -d" " -f19,40,41'

@test "process.scheduler: SCHED_BATCH with nice 5 is the container's policy" {
  make_bundle
  cfg 'c["process"]["scheduler"] = {"policy": "SCHED_BATCH", "nice": 5}'
  args sh -c "$stat_fields"
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  # nice 5, rt_priority 0, policy 3 (SCHED_BATCH)
  assert_output "5 0 3"
}

@test "process.scheduler: SCHED_FIFO priority 10 reaches the process" {
  make_bundle
  cfg 'c["process"]["scheduler"] = {"policy": "SCHED_FIFO", "priority": 10}'
  args sh -c "$stat_fields"
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  # nice 0, rt_priority 10, policy 1 (SCHED_FIFO)
  assert_output "0 10 1"
}

@test "process.scheduler: what the kernel refuses is an error naming the field" {
  make_bundle
  # SCHED_DEADLINE with runtime > deadline: EINVAL from sched_setattr
  cfg 'c["process"]["scheduler"] = {"policy": "SCHED_DEADLINE", "runtime": 20000000, "deadline": 10000000, "period": 30000000}'
  args true
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial "process.scheduler: sched_setattr: Invalid argument"
  assert_equal "$(state_ids)" ""
}

@test "process.ioPriority: the container's I/O class and level" {
  make_bundle
  cfg 'c["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
  args sh -c 'ionice -p $$'
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert_output "best-effort: prio 6"
  cfg 'c["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}'
  run casca run --bundle "$BUNDLE" "$(cid 2)"
  assert_success
  assert_output --regexp "^idle"
}

@test "process.execCPUAffinity.final: the CPUs the process may run on" {
  [ "$(nproc --all)" -ge 2 ] || skip "needs two CPUs"
  make_bundle
  cfg 'c["process"]["execCPUAffinity"] = {"initial": "0", "final": "1"}'
  args grep Cpus_allowed_list /proc/self/status
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert_output --regexp "^Cpus_allowed_list:[[:space:]]+1$"
  # without final, initial is what the process keeps
  cfg 'c["process"]["execCPUAffinity"] = {"initial": "0"}'
  run casca run --bundle "$BUNDLE" "$(cid 2)"
  assert_success
  assert_output --regexp "^Cpus_allowed_list:[[:space:]]+0$"
}

@test "linux.memoryPolicy: MPOL_BIND to node 0 is the process's policy" {
  [ -e /proc/self/numa_maps ] || skip "kernel without NUMA support (no numa_maps)"
  make_bundle
  cfg 'c["linux"]["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}'
  args sh -c 'head -1 /proc/self/numa_maps'
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_success
  assert_output --regexp "^[0-9a-f]+ bind=static:0 "
  cfg 'c["linux"]["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "63"}'
  run casca run --bundle "$BUNDLE" "$(cid 2)"
  assert_failure
  assert_output --partial "linux.memoryPolicy: set_mempolicy: Invalid argument"
}

apparmor_on() { [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; }
selinux_on() { [ "$(stat -f -c %T /sys/fs/selinux 2>/dev/null)" = selinux ]; }

@test "process.apparmorProfile: applied where AppArmor is enabled, refused by name elsewhere" {
  make_bundle
  cfg 'c["process"]["apparmorProfile"] = "unconfined"'
  args cat /proc/self/attr/current
  run casca run --bundle "$BUNDLE" "$(cid)"
  if apparmor_on; then
    assert_success
    assert_output "unconfined"
  else
    assert_failure
    assert_output --partial 'process.apparmorProfile "unconfined": AppArmor is not enabled on this host'
  fi
  assert_equal "$(state_ids)" ""
}

@test "process.selinuxLabel and linux.mountLabel: refused by name without SELinux" {
  selinux_on && skip "SELinux is enabled here (the refusal is for hosts without it)"
  make_bundle
  args true
  cfg 'c["process"]["selinuxLabel"] = "system_u:system_r:container_t:s0"'
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial 'process.selinuxLabel "system_u:system_r:container_t:s0": SELinux is not enabled on this host'
  cfg 'del c["process"]["selinuxLabel"]; c["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0"'
  run casca run --bundle "$BUNDLE" "$(cid 2)"
  assert_failure
  assert_output --partial 'linux.mountLabel "system_u:object_r:container_file_t:s0": SELinux is not enabled on this host'
  assert_equal "$(state_ids)" ""
}

@test "exec --process with an apparmorProfile is refused by name without AppArmor" {
  apparmor_on && skip "AppArmor is enabled here"
  make_bundle
  args sleep 100
  id=$(cid)
  run_bg run -d --bundle "$BUNDLE" "$id"
  assert_success
  printf '{"args":["true"],"cwd":"/","user":{"uid":0,"gid":0},"apparmorProfile":"x"}' > "$BATS_TEST_TMPDIR/p.json"
  run casca exec --process "$BATS_TEST_TMPDIR/p.json" "$id"
  assert_failure
  assert_output --partial 'process.apparmorProfile "x": AppArmor is not enabled on this host'
  casca delete --force "$id"
}

@test "a typo in casca's own object is an error, not a silently missing network" {
  make_bundle
  cfg 'c["casca"] = {"netwrok": {"bridge": "casca0"}}'
  args true
  run casca run --bundle "$BUNDLE" "$(cid)"
  assert_failure
  assert_output --partial 'casca: unknown key "netwrok" (casca knows "network", "cloudInit")'
  assert_equal "$(state_ids)" ""
}
