/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.h - what cgroup/ reads of config.json: linux.resources (and the
 * object `update -r` takes), as typed structs.
 *
 * casca_resources_from_json() fills them and checks each field; every
 * optional scalar has a has_<name> flag, arrays are (pointer, count)
 * pairs.  cgroup/resources.c maps them to control files. */
#ifndef CASCA_CGROUP_CONFIG_H
#define CASCA_CGROUP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "casca.h"
#include "util/json.h"

struct casca_device_rule {
        bool allow;
        char type;            /* 'a', 'c' or 'b' */
        int64_t major, minor; /* -1: wildcard */
        char access[4];       /* subset of "rwm", NUL-terminated */
};

struct casca_weight_device {
        int64_t major, minor;
        bool has_weight, has_leaf_weight;
        uint16_t weight, leaf_weight;
};

struct casca_throttle_device {
        int64_t major, minor;
        uint64_t rate;
};

struct casca_hugepage_limit {
        char *page_size; /* "2MB", "1GB", ... */
        uint64_t limit;
};

struct casca_resources {
        struct casca_device_rule *devices;
        size_t n_devices;

        struct {
                bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp,
                        has_swappiness, has_disable_oom_killer, has_use_hierarchy,
                        has_check_before_update;
                int64_t limit, reservation, swap, kernel, kernel_tcp;
                uint64_t swappiness;
                bool disable_oom_killer, use_hierarchy, check_before_update;
        } memory;

        struct {
                bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime,
                        has_realtime_period, has_idle;
                uint64_t shares, burst, period, realtime_period;
                int64_t quota, realtime_runtime, idle;
                char *cpus, *mems; /* NULL when absent */
        } cpu;

        struct {
                bool has_limit;
                int64_t limit;
        } pids;

        struct {
                bool has_weight, has_leaf_weight;
                uint16_t weight, leaf_weight;
                struct casca_weight_device *weight_device;
                size_t n_weight_device;
                struct casca_throttle_device *throttle_read_bps, *throttle_write_bps,
                        *throttle_read_iops, *throttle_write_iops;
                size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
                        n_throttle_write_iops;
        } block_io;

        struct casca_hugepage_limit *hugepage_limits;
        size_t n_hugepage_limits;

        struct casca_kv *unified;
        size_t n_unified;

        /* true when any cgroup limit at all is requested (devices excluded) */
        bool any_limit;
};

/* Parse a linux.resources object at path p into res (zeroed).  Errors name
 * the JSON path: "linux.resources.memory.limit: expected a 64-bit
 * integer".  What was filled before a failure is freed by
 * casca_resources_clear(). */
int casca_resources_from_json(struct casca_resources *res, const struct casca_json *v,
                              const struct casca_jpath *p, struct casca_error **err);
/* Free what res holds (not res itself). */
void casca_resources_clear(struct casca_resources *res);
/* casca_resources_parse() and casca_resources_free() are public: casca.h. */
/* The inverse: every member res has, as a linux.resources object (device
 * rules excepted), which casca_resources_parse() reads back to the same. */
struct casca_jgen;
void casca_resources_emit(struct casca_jgen *j, const struct casca_resources *res);

/* Fields shared with linux.devices (runtime/): a one-letter "type" member
 * out of allowed ("cbup"; expected says so in the error), 0 when absent,
 * 1 when set; "major" and "minor", device numbers or also -1 (any) when
 * min is -1, required unless required is false (why is appended to
 * "required"). */
int casca_cgroup_json_type(const struct casca_json *o, const char *allowed, const char *expected,
                           const struct casca_jpath *p, char *ret, struct casca_error **err);
int casca_cgroup_json_devnum(const struct casca_json *o, const struct casca_jpath *p, int64_t min,
                             bool required, const char *why, int64_t *major, int64_t *minor,
                             struct casca_error **err);

#endif
