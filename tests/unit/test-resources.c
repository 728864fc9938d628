/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-resources.c - the OCI linux.resources -> cgroup v2 mapping. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casca.h"
#include "cgroup/cgroup.h"
#include "tap.h"
#include "util/cleanup.h"

#define MB (1024 * 1024LL)

static char out[4096];
static struct casca_error *last_err;
static int last_r;

/* Map and render "file=value; file=value" (optional settings marked "?"). */
static const char *map(const struct casca_resources *res)
{
        struct casca_cgroup_settings s = {0};
        size_t len = 0;

        casca_error_free(last_err);
        last_err = NULL;
        out[0] = '\0';
        last_r = casca_cgroup_map_resources(res, &s, &last_err);
        if (last_r < 0)
                return last_err ? last_err->msg : "(no message)";
        for (size_t i = 0; i < s.n; i++)
                len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s%s=%s", i ? "; " : "",
                                        s.v[i].file, s.v[i].optional ? "?" : "", s.v[i].value);
        casca_cgroup_settings_clear(&s);
        return out;
}

static void test_conversions(void)
{
        is_int(casca_cgroup_shares_to_weight(0), 0, "shares 0 stays unset");
        is_int(casca_cgroup_shares_to_weight(2), 1, "shares 2 -> weight 1");
        is_int(casca_cgroup_shares_to_weight(1024), 39, "shares 1024 -> weight 39 (runc, crun)");
        is_int(casca_cgroup_shares_to_weight(262144), 10000, "shares 262144 -> weight 10000");
        is_int(casca_cgroup_shares_to_weight(1), 1, "shares below 2 are clamped");
        is_int(casca_cgroup_shares_to_weight(1000000), 10000, "shares above 262144 are clamped");
        is_int(casca_cgroup_blkio_to_io_weight(10), 1, "blkio weight 10 -> io weight 1");
        is_int(casca_cgroup_blkio_to_io_weight(500), 4950, "blkio weight 500 -> io weight 4950");
        is_int(casca_cgroup_blkio_to_io_weight(1000), 10000, "blkio weight 1000 -> 10000");
        is_int(casca_cgroup_blkio_to_io_weight(0), 0, "blkio weight 0 stays unset");
}

static void test_controller_of_file(void)
{
        is_str(casca_cgroup_file_controller("memory.max"), "memory", "memory.max: memory");
        is_str(casca_cgroup_file_controller("memory.swap.max"), "memory", "memory.swap.max");
        is_str(casca_cgroup_file_controller("cpu.max"), "cpu", "cpu.max: cpu");
        is_str(casca_cgroup_file_controller("cpuset.cpus"), "cpuset", "cpuset.cpus: cpuset");
        is_str(casca_cgroup_file_controller("hugetlb.2MB.max"), "hugetlb", "hugetlb.2MB.max");
        is_str(casca_cgroup_file_controller("io.max"), "io", "io.max: io");
        is_str(casca_cgroup_file_controller("pids.max"), "pids", "pids.max: pids");
        ok(!casca_cgroup_file_controller("cgroup.max.depth"), "cgroup.* needs no controller");
        ok(!casca_cgroup_file_controller("foo.bar"), "an unknown prefix is no controller");
        ok(!casca_cgroup_file_controller("nodot"), "a name without a dot is no controller");
}

static void test_empty(void)
{
        struct casca_resources res = {0};

        is_str(map(NULL), "", "NULL resources: nothing to write");
        is_str(map(&res), "", "empty resources: nothing to write");
        res.memory.has_kernel = res.memory.has_kernel_tcp = res.memory.has_swappiness = true;
        res.memory.kernel = res.memory.kernel_tcp = 1 << 20;
        res.memory.swappiness = 10;
        res.memory.has_disable_oom_killer = res.memory.disable_oom_killer = true;
        is_str(map(&res), "", "kernel, kernelTCP, swappiness, disableOOMKiller: no v2 equivalent");
}

static void test_cpu(void)
{
        struct casca_resources res = {0};

        res.cpu.has_shares = true;
        res.cpu.shares = 1024;
        is_str(map(&res), "cpu.weight=39", "cpu.shares -> cpu.weight");
        res.cpu.shares = 0;
        is_str(map(&res), "", "cpu.shares 0 is unset");

        res = (struct casca_resources){0};
        res.cpu.has_quota = res.cpu.has_period = true;
        res.cpu.quota = 50000;
        res.cpu.period = 200000;
        is_str(map(&res), "cpu.max=50000 200000", "quota and period -> cpu.max");
        res.cpu.has_period = false;
        is_str(map(&res), "cpu.max=50000 100000", "quota alone: period 100000");
        res.cpu.quota = -1;
        is_str(map(&res), "cpu.max=max 100000", "quota -1 -> max");
        res.cpu.has_period = true;
        res.cpu.has_quota = false;
        is_str(map(&res), "cpu.max=max 200000", "period alone -> max PERIOD");
        res.cpu.period = 0;
        is_str(map(&res), "", "period 0 and no quota: nothing");

        res = (struct casca_resources){0};
        res.cpu.has_burst = true;
        res.cpu.burst = 1000;
        res.cpu.has_idle = true;
        res.cpu.idle = 1;
        is_str(map(&res), "cpu.max.burst=1000; cpu.idle=1", "burst and idle");
        res.cpu.idle = 2;
        map(&res);
        is_int(last_r, -EINVAL, "idle 2 is an error");
        is_str(out[0] ? out : last_err->msg, "linux.resources.cpu.idle: 2 is not 0 or 1",
               "idle error names the JSON path");

        res = (struct casca_resources){0};
        res.cpu.cpus = "0-1";
        res.cpu.mems = "0";
        res.cpu.has_shares = true;
        res.cpu.shares = 2;
        is_str(map(&res), "cpuset.cpus=0-1; cpuset.mems=0; cpu.weight=1",
               "cpus/mems -> cpuset, written first");
        res.cpu.cpus = "";
        res.cpu.mems = NULL;
        is_str(map(&res), "cpu.weight=1", "empty cpus is not written");

        res = (struct casca_resources){0};
        res.cpu.has_realtime_runtime = true;
        res.cpu.realtime_runtime = 950000;
        map(&res);
        is_int(last_r, -EOPNOTSUPP, "realtime runtime is refused on v2");
        res.cpu.realtime_runtime = 0;
        is_str(map(&res), "", "realtime runtime 0 is fine");
}

static void test_memory(void)
{
        struct casca_resources res = {0};

        res.memory.has_limit = true;
        res.memory.limit = 32 * MB;
        is_str(map(&res), "memory.max=33554432", "memory.limit -> memory.max");
        res.memory.limit = -1;
        is_str(map(&res), "memory.max=max; memory.swap.max?=max",
               "limit -1 -> max, and swap unlimited too (as v1 did)");
        res.memory.limit = 0;
        is_str(map(&res), "", "limit 0 is unset");
        res.memory.limit = -2;
        is_str(map(&res), "linux.resources.memory.limit: invalid value -2", "limit -2 is an error");

        res = (struct casca_resources){0};
        res.memory.has_reservation = true;
        res.memory.reservation = 16 * MB;
        is_str(map(&res), "memory.low=16777216", "reservation -> memory.low");
        res.memory.reservation = -1;
        is_str(map(&res), "memory.low=max", "reservation -1 -> max");

        res = (struct casca_resources){0};
        res.memory.has_limit = res.memory.has_swap = true;
        res.memory.limit = 32 * MB;
        res.memory.swap = 64 * MB;
        is_str(map(&res), "memory.max=33554432; memory.swap.max=33554432",
               "swap is memory+swap: swap.max = swap - limit");
        res.memory.swap = 32 * MB;
        is_str(map(&res), "memory.max=33554432; memory.swap.max?=0", "swap == limit: no swap");
        res.memory.swap = -1;
        is_str(map(&res), "memory.max=33554432; memory.swap.max?=max", "swap -1 -> max");
        res.memory.swap = 0;
        is_str(map(&res), "memory.max=33554432", "swap 0 is unset");
        res.memory.swap = 16 * MB;
        is_str(map(&res),
               "linux.resources.memory.swap: memory+swap limit 16777216 is lower than the "
               "memory limit 33554432",
               "swap < limit is an error");
        is_int(last_r, -EINVAL, "... -EINVAL");
        res.memory.limit = -1;
        res.memory.swap = 64 * MB;
        is_str(map(&res), "memory.max=max; memory.swap.max=67108864",
               "unlimited memory: swap as given");
        res.memory.has_limit = false;
        is_str(map(&res),
               "linux.resources.memory.swap: a swap limit needs a memory limit "
               "(linux.resources.memory.limit)",
               "swap without a memory limit is an error");
        res.memory.swap = -3;
        is_str(map(&res), "linux.resources.memory.swap: invalid value -3", "swap -3 is an error");
}

static void test_io(void)
{
        struct casca_weight_device wd[2] = {
                {.major = 8, .minor = 0, .has_weight = true, .weight = 100},
                {.major = 8, .minor = 16, .has_leaf_weight = true, .leaf_weight = 100},
        };
        struct casca_throttle_device rbps[] = {{8, 0, 1048576}}, wbps[] = {{8, 0, 2097152}},
                                     riops[] = {{8, 16, 100}}, wiops[] = {{8, 0, 0}};
        struct casca_resources res = {0};

        res.block_io.has_weight = true;
        res.block_io.weight = 500;
        is_str(map(&res), "io.weight=default 4950", "blockIO.weight -> io.weight default N");
        res.block_io.weight = 5;
        is_str(map(&res), "linux.resources.blockIO.weight: 5 is not in 10..1000",
               "weight out of range is an error");
        res.block_io.weight = 0;
        is_str(map(&res), "", "weight 0 is unset");

        res.block_io.weight_device = wd;
        res.block_io.n_weight_device = 2;
        is_str(map(&res), "io.weight=8:0 910",
               "weightDevice -> io.weight MAJ:MIN N (leaf ignored)");
        wd[0].weight = 2000;
        is_str(map(&res), "linux.resources.blockIO.weightDevice[0].weight: 2000 is not in 10..1000",
               "weightDevice out of range is an error");
        wd[0].weight = 100;
        wd[1].major = -1;
        is_str(map(&res), "linux.resources.blockIO.weightDevice[1]: invalid device -1:16",
               "a negative major is an error");

        res = (struct casca_resources){0};
        res.block_io.throttle_read_bps = rbps;
        res.block_io.n_throttle_read_bps = 1;
        res.block_io.throttle_write_bps = wbps;
        res.block_io.n_throttle_write_bps = 1;
        res.block_io.throttle_read_iops = riops;
        res.block_io.n_throttle_read_iops = 1;
        res.block_io.throttle_write_iops = wiops;
        res.block_io.n_throttle_write_iops = 1;
        is_str(map(&res), "io.max=8:0 rbps=1048576 wbps=2097152 wiops=max; io.max=8:16 riops=100",
               "throttle lists merge into one io.max line per device, rate 0 -> max");
}

static void test_pids_hugetlb(void)
{
        struct casca_hugepage_limit h[] = {{"2MB", 0}, {"1GB", 1LL << 30}};
        struct casca_resources res = {0};

        res.pids.has_limit = true;
        res.pids.limit = 100;
        is_str(map(&res), "pids.max=100", "pids.limit -> pids.max");
        res.pids.limit = 0;
        is_str(map(&res), "pids.max=max", "pids.limit 0 -> max");
        res.pids.limit = -1;
        is_str(map(&res), "pids.max=max", "pids.limit -1 -> max");

        res = (struct casca_resources){0};
        res.hugepage_limits = h;
        res.n_hugepage_limits = 2;
        is_str(map(&res), "hugetlb.2MB.max=0; hugetlb.1GB.max=1073741824",
               "hugepageLimits -> hugetlb.<size>.max");
        h[1].page_size = "2mb";
        is_str(map(&res), "linux.resources.hugepageLimits[1].pageSize: invalid page size \"2mb\"",
               "a bad page size is an error");
        h[1].page_size = "../2MB";
        map(&res);
        is_int(last_r, -EINVAL, "a page size with a path is an error");
        h[1].page_size = "64KB";
        is_str(map(&res), "hugetlb.2MB.max=0; hugetlb.64KB.max=1073741824", "64KB pages");
}

static void test_unified(void)
{
        struct casca_kv kv[] = {{"memory.high", "1G"}, {"memory.max", "2G"}};
        struct casca_resources res = {0};

        res.memory.has_limit = true;
        res.memory.limit = 32 * MB;
        res.pids.has_limit = true;
        res.pids.limit = 10;
        res.unified = kv;
        res.n_unified = 2;
        is_str(map(&res), "memory.max=33554432; pids.max=10; memory.high=1G; memory.max=2G",
               "unified is written last and overrides");
        kv[1].key = "../memory.max";
        is_str(map(&res), "linux.resources.unified: invalid key \"../memory.max\"",
               "\"..\" refused");
        kv[1].key = "a/b";
        is_str(map(&res), "linux.resources.unified: invalid key \"a/b\"", "'/' refused");
        kv[1].key = "";
        is_str(map(&res), "linux.resources.unified: invalid key \"\"", "an empty key is refused");
        kv[1].key = "cgroup.procs";
        is_str(map(&res), "linux.resources.unified: key \"cgroup.procs\" is not a resource",
               "cgroup.procs is refused");
        kv[1].key = "cgroup.max.depth";
        kv[1].value = "3";
        is_str(map(&res), "memory.max=33554432; pids.max=10; memory.high=1G; cgroup.max.depth=3",
               "other cgroup.* keys pass");
}

static void test_everything_in_order(void)
{
        struct casca_kv kv[] = {{"pids.max", "7"}};
        struct casca_hugepage_limit h[] = {{"2MB", 4096}};
        struct casca_throttle_device wbps[] = {{254, 0, 1000}};
        struct casca_resources res = {0};

        res.cpu.cpus = "1";
        res.cpu.has_shares = true;
        res.cpu.shares = 1024;
        res.memory.has_limit = true;
        res.memory.limit = MB;
        res.block_io.throttle_write_bps = wbps;
        res.block_io.n_throttle_write_bps = 1;
        res.pids.has_limit = true;
        res.pids.limit = 5;
        res.hugepage_limits = h;
        res.n_hugepage_limits = 1;
        res.unified = kv;
        res.n_unified = 1;
        is_str(map(&res),
               "cpuset.cpus=1; cpu.weight=39; memory.max=1048576; io.max=254:0 wbps=1000; "
               "pids.max=5; hugetlb.2MB.max=4096; pids.max=7",
               "order: cpuset, cpu, memory, io, pids, hugetlb, unified");
}

int main(void)
{
        test_conversions();
        test_controller_of_file();
        test_empty();
        test_cpu();
        test_memory();
        test_io();
        test_pids_hugetlb();
        test_unified();
        test_everything_in_order();
        casca_error_free(last_err);
        return tap_done();
}
