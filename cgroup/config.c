/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.c - linux.resources of config.json (and of `update -r`) into
 * struct casca_resources, and back. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/config.h"
#include "util/cleanup.h"

int casca_cgroup_json_type(const struct casca_json *o, const char *allowed, const char *expected,
                           const struct casca_jpath *p, char *ret, struct casca_error **err)
{
        const struct casca_json *x = casca_json_get(o, "type");

        if (!x)
                return 0;
        if (!casca_json_is_string(x))
                return casca_json_error(err, JKEY(p, "type"), "expected a string");
        if (strlen(casca_json_str(x)) != 1 || !strchr(allowed, casca_json_str(x)[0]))
                return casca_json_error(err, JKEY(p, "type"),
                                        "unknown device type \"%s\" (expected %s)",
                                        casca_json_str(x), expected);
        *ret = casca_json_str(x)[0];
        return 1;
}

int casca_cgroup_json_devnum(const struct casca_json *o, const struct casca_jpath *p, int64_t min,
                             bool required, const char *why, int64_t *major, int64_t *minor,
                             struct casca_error **err)
{
        const char *keys[] = {"major", "minor"};
        int64_t *dst[] = {major, minor};

        for (int k = 0; k < 2; k++) {
                const struct casca_json *x = casca_json_get(o, keys[k]);
                int r;

                if (!x && required)
                        return casca_json_error(err, JKEY(p, keys[k]), "required%s", why);
                if (!x)
                        continue;
                r = casca_json_int_range(x, JKEY(p, keys[k]), min, UINT32_MAX, dst[k], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- device rules ---------------------------------------------------------- */

/* "r", "wm", "rwm", ...: each of r, w and m at most once. */
static bool valid_access(const char *a)
{
        bool seen[3] = {false, false, false};

        if (!a[0] || strlen(a) > 3)
                return false;
        for (const char *c = a; *c; c++) {
                const char *at = strchr("rwm", *c);
                if (!at || seen[at - "rwm"])
                        return false;
                seen[at - "rwm"] = true;
        }
        return true;
}

static int parse_device_rule(void *elem, const struct casca_json *o, const struct casca_jpath *p,
                             struct casca_error **err)
{
        struct casca_device_rule *d = elem;
        const struct casca_json *x;
        int r;

        d->type = 'a';
        d->major = d->minor = -1;
        memcpy(d->access, "rwm", 4);
        if (!(x = casca_json_require(o, "allow", p, err)))
                return -EINVAL;
        if ((r = casca_json_bool(x, JKEY(p, "allow"), &d->allow, err)) < 0 ||
            (r = casca_cgroup_json_type(o, "acb", "a, c or b", p, &d->type, err)) < 0 ||
            (r = casca_cgroup_json_devnum(o, p, -1, false, "", &d->major, &d->minor, err)) < 0)
                return r;
        if ((x = casca_json_get(o, "access"))) {
                if (!casca_json_is_string(x))
                        return casca_json_error(err, JKEY(p, "access"), "expected a string");
                if (!valid_access(casca_json_str(x)))
                        return casca_json_error(err, JKEY(p, "access"),
                                                "invalid access \"%s\" (expected a combination "
                                                "of r, w and m)",
                                                casca_json_str(x));
                memcpy(d->access, casca_json_str(x), strlen(casca_json_str(x)) + 1);
        }
        return 0;
}

/* ---- resources ----------------------------------------------------------- */

/* Tables of optional members of linux.resources, by their offsets in
 * struct casca_resources: one for the parser and casca_resources_emit().
 * Each member parsed sets its has_ flag and any_limit. */
#define RES_OFF(m) offsetof(struct casca_resources, m)

struct int_field {
        const char *key;
        size_t has, value; /* offsets of the bool and the int64_t/uint64_t */
        bool is_signed;
};

struct bool_field {
        const char *key;
        size_t has, value;
};

static const struct int_field memory_ints[] = {
        {"limit", RES_OFF(memory.has_limit), RES_OFF(memory.limit), true},
        {"reservation", RES_OFF(memory.has_reservation), RES_OFF(memory.reservation), true},
        {"swap", RES_OFF(memory.has_swap), RES_OFF(memory.swap), true},
        {"kernel", RES_OFF(memory.has_kernel), RES_OFF(memory.kernel), true},
        {"kernelTCP", RES_OFF(memory.has_kernel_tcp), RES_OFF(memory.kernel_tcp), true},
        /* last: parse_memory() checks its range */
        {"swappiness", RES_OFF(memory.has_swappiness), RES_OFF(memory.swappiness), false},
};

static const struct bool_field memory_bools[] = {
        {"disableOOMKiller", RES_OFF(memory.has_disable_oom_killer),
         RES_OFF(memory.disable_oom_killer)},
        {"useHierarchy", RES_OFF(memory.has_use_hierarchy), RES_OFF(memory.use_hierarchy)},
        {"checkBeforeUpdate", RES_OFF(memory.has_check_before_update),
         RES_OFF(memory.check_before_update)},
};

static const struct int_field cpu_ints[] = {
        {"shares", RES_OFF(cpu.has_shares), RES_OFF(cpu.shares), false},
        {"burst", RES_OFF(cpu.has_burst), RES_OFF(cpu.burst), false},
        {"period", RES_OFF(cpu.has_period), RES_OFF(cpu.period), false},
        {"realtimePeriod", RES_OFF(cpu.has_realtime_period), RES_OFF(cpu.realtime_period), false},
        {"quota", RES_OFF(cpu.has_quota), RES_OFF(cpu.quota), true},
        {"realtimeRuntime", RES_OFF(cpu.has_realtime_runtime), RES_OFF(cpu.realtime_runtime), true},
        {"idle", RES_OFF(cpu.has_idle), RES_OFF(cpu.idle), true},
};

static const struct int_field pids_ints[] = {
        {"limit", RES_OFF(pids.has_limit), RES_OFF(pids.limit), true},
};

static bool *field_has(const struct casca_resources *res, size_t off)
{
        return (bool *)((char *)res + off);
}

static int parse_int_fields(struct casca_resources *res, const struct casca_json *v,
                            const struct casca_jpath *p, const struct int_field *f, size_t n,
                            struct casca_error **err)
{
        for (size_t i = 0; i < n; i++) {
                const struct casca_json *x = casca_json_get(v, f[i].key);
                void *value = (char *)res + f[i].value;
                int r;

                if (!x)
                        continue;
                r = f[i].is_signed ? casca_json_i64(x, JKEY(p, f[i].key), value, err)
                                   : casca_json_u64(x, JKEY(p, f[i].key), value, err);
                if (r < 0)
                        return r;
                *field_has(res, f[i].has) = res->any_limit = true;
        }
        return 0;
}

static int parse_memory(struct casca_resources *res, const struct casca_json *v,
                        const struct casca_jpath *p, struct casca_error **err)
{
        const struct casca_json *x;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        r = parse_int_fields(res, v, p, memory_ints, ARRAY_SIZE(memory_ints) - 1, err);
        if (r < 0)
                return r;
        if ((x = casca_json_get(v, "swappiness"))) {
                int64_t s;
                r = casca_json_int_range(x, JKEY(p, "swappiness"), 0, 100, &s, err);
                if (r < 0)
                        return r;
                res->memory.swappiness = (uint64_t)s;
                res->memory.has_swappiness = res->any_limit = true;
        }
        for (size_t i = 0; i < ARRAY_SIZE(memory_bools); i++) {
                const struct bool_field *f = &memory_bools[i];

                if (!(x = casca_json_get(v, f->key)))
                        continue;
                r = casca_json_bool(x, JKEY(p, f->key), field_has(res, f->value), err);
                if (r < 0)
                        return r;
                *field_has(res, f->has) = res->any_limit = true;
        }
        return 0;
}

static int parse_cpu(struct casca_resources *res, const struct casca_json *v,
                     const struct casca_jpath *p, struct casca_error **err)
{
        const struct casca_json *x;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        r = parse_int_fields(res, v, p, cpu_ints, ARRAY_SIZE(cpu_ints), err);
        if (r < 0)
                return r;
        if ((x = casca_json_get(v, "cpus"))) {
                r = casca_json_string(x, JKEY(p, "cpus"), &res->cpu.cpus, err);
                if (r < 0)
                        return r;
                res->any_limit = true;
        }
        if ((x = casca_json_get(v, "mems"))) {
                r = casca_json_string(x, JKEY(p, "mems"), &res->cpu.mems, err);
                if (r < 0)
                        return r;
                res->any_limit = true;
        }
        return 0;
}

static int parse_throttle(void *elem, const struct casca_json *o, const struct casca_jpath *p,
                          struct casca_error **err)
{
        struct casca_throttle_device *t = elem;
        int r = casca_cgroup_json_devnum(o, p, 0, true, "", &t->major, &t->minor, err);

        return r < 0 ? r : casca_json_req_u64(o, "rate", p, &t->rate, err);
}

static int parse_weight_device(void *elem, const struct casca_json *o, const struct casca_jpath *p,
                               struct casca_error **err)
{
        struct casca_weight_device *w = elem;
        const struct casca_json *x;
        int r;

        r = casca_cgroup_json_devnum(o, p, 0, true, "", &w->major, &w->minor, err);
        if (r < 0)
                return r;
        if ((x = casca_json_get(o, "weight"))) {
                r = casca_json_u16(x, JKEY(p, "weight"), &w->weight, err);
                if (r < 0)
                        return r;
                w->has_weight = true;
        }
        if ((x = casca_json_get(o, "leafWeight"))) {
                r = casca_json_u16(x, JKEY(p, "leafWeight"), &w->leaf_weight, err);
                if (r < 0)
                        return r;
                w->has_leaf_weight = true;
        }
        return 0;
}

static int parse_block_io(struct casca_resources *res, const struct casca_json *v,
                          const struct casca_jpath *p, struct casca_error **err)
{
        const struct {
                const char *key;
                struct casca_throttle_device **list;
                size_t *n;
        } throttles[] = {
                {"throttleReadBpsDevice", &res->block_io.throttle_read_bps,
                 &res->block_io.n_throttle_read_bps},
                {"throttleWriteBpsDevice", &res->block_io.throttle_write_bps,
                 &res->block_io.n_throttle_write_bps},
                {"throttleReadIOPSDevice", &res->block_io.throttle_read_iops,
                 &res->block_io.n_throttle_read_iops},
                {"throttleWriteIOPSDevice", &res->block_io.throttle_write_iops,
                 &res->block_io.n_throttle_write_iops},
        };
        const struct casca_json *x;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        if ((x = casca_json_get(v, "weight"))) {
                r = casca_json_u16(x, JKEY(p, "weight"), &res->block_io.weight, err);
                if (r < 0)
                        return r;
                res->block_io.has_weight = res->any_limit = true;
        }
        if ((x = casca_json_get(v, "leafWeight"))) {
                r = casca_json_u16(x, JKEY(p, "leafWeight"), &res->block_io.leaf_weight, err);
                if (r < 0)
                        return r;
                res->block_io.has_leaf_weight = res->any_limit = true;
        }
        if ((x = casca_json_get(v, "weightDevice"))) {
                r = casca_json_array_of(x, JKEY(p, "weightDevice"),
                                        sizeof(*res->block_io.weight_device),
                                        (void **)&res->block_io.weight_device,
                                        &res->block_io.n_weight_device, parse_weight_device, err);
                if (r < 0)
                        return r;
                if (res->block_io.n_weight_device > 0)
                        res->any_limit = true;
        }
        for (size_t t = 0; t < ARRAY_SIZE(throttles); t++) {
                if (!(x = casca_json_get(v, throttles[t].key)))
                        continue;
                r = casca_json_array_of(
                        x, JKEY(p, throttles[t].key), sizeof(struct casca_throttle_device),
                        (void **)throttles[t].list, throttles[t].n, parse_throttle, err);
                if (r < 0)
                        return r;
                if (*throttles[t].n > 0)
                        res->any_limit = true;
        }
        return 0;
}

/* "2MB", "1GB", "64KB": the <size> of hugetlb.<size>.max. */
static bool valid_page_size(const char *s)
{
        size_t digits = strspn(s, "0123456789");

        if (digits == 0 || s[0] == '0')
                return false;
        s += digits;
        return (s[0] == 'K' || s[0] == 'M' || s[0] == 'G' || s[0] == 'T') && s[1] == 'B' &&
               s[2] == '\0';
}

static int parse_hugepage(void *elem, const struct casca_json *o, const struct casca_jpath *p,
                          struct casca_error **err)
{
        struct casca_hugepage_limit *h = elem;
        int r;

        if ((r = casca_json_req_string(o, "pageSize", p, &h->page_size, err)) < 0)
                return r;
        if (!valid_page_size(h->page_size))
                return casca_json_error(err, JKEY(p, "pageSize"),
                                        "invalid page size \"%s\" (expected e.g. 2MB)",
                                        h->page_size);
        return casca_json_req_u64(o, "limit", p, &h->limit, err);
}

/* null or {}: nothing asked; anything else is refused with why. */
static int empty_or_refused(const struct casca_json *x, const struct casca_jpath *p,
                            const char *why, struct casca_error **err)
{
        int r;

        if (casca_json_type(x) == CASCA_JSON_NULL)
                return 0;
        r = casca_json_object(x, p, err);
        if (r < 0)
                return r;
        if (casca_json_len(x) == 0)
                return 0;
        return casca_json_error(err, p, "%s", why);
}

int casca_resources_from_json(struct casca_resources *res, const struct casca_json *v,
                              const struct casca_jpath *p, struct casca_error **err)
{
        const struct casca_json *x;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        if ((x = casca_json_get(v, "devices"))) {
                r = casca_json_array_of(x, JKEY(p, "devices"), sizeof(*res->devices),
                                        (void **)&res->devices, &res->n_devices, parse_device_rule,
                                        err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "memory"))) {
                r = parse_memory(res, x, JKEY(p, "memory"), err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "cpu"))) {
                r = parse_cpu(res, x, JKEY(p, "cpu"), err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "pids"))) {
                const struct casca_jpath *pp = JKEY(p, "pids");
                r = casca_json_object(x, pp, err);
                if (r < 0)
                        return r;
                r = parse_int_fields(res, x, pp, pids_ints, ARRAY_SIZE(pids_ints), err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "blockIO"))) {
                r = parse_block_io(res, x, JKEY(p, "blockIO"), err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "hugepageLimits"))) {
                r = casca_json_array_of(x, JKEY(p, "hugepageLimits"), sizeof(*res->hugepage_limits),
                                        (void **)&res->hugepage_limits, &res->n_hugepage_limits,
                                        parse_hugepage, err);
                if (r < 0)
                        return r;
                if (res->n_hugepage_limits > 0)
                        res->any_limit = true;
        }
        /* Parsed but never applied would be a silent no: refuse them, named.
         * net_cls and net_prio exist only in cgroup v1; the rdma controller
         * is not implemented (features says "rdma": false). */
        if ((x = casca_json_get(v, "network"))) {
                r = empty_or_refused(x, JKEY(p, "network"),
                                     "classID and priorities need cgroup v1's net_cls and "
                                     "net_prio controllers; casca manages cgroup v2 only",
                                     err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "rdma"))) {
                r = empty_or_refused(x, JKEY(p, "rdma"), "rdma limits are not supported by casca",
                                     err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "unified"))) {
                const struct casca_jpath *up = JKEY(p, "unified");
                r = casca_json_kv(x, up, &res->unified, &res->n_unified, err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < res->n_unified; i++) {
                        const char *k = res->unified[i].key;
                        /* The key names a file in the container's cgroup. */
                        if (!k[0] || strchr(k, '/') || strcmp(k, ".") == 0 || strcmp(k, "..") == 0)
                                return casca_json_error(err, JKEY(up, k), "not a cgroup file name");
                }
                if (res->n_unified > 0)
                        res->any_limit = true;
        }
        return 0;
}

/* A linux.resources object alone (`update -r FILE`); errors name the
 * members as in a config ("linux.resources.memory.limit: ..."). */
struct casca_resources *casca_resources_parse(const char *json, size_t len,
                                              struct casca_error **err)
{
        _cleanup_json_ struct casca_json *v = casca_json_parse(json, len, err);
        struct casca_resources *res;

        if (!v)
                return NULL;
        res = calloc(1, sizeof(*res));
        if (!res) {
                casca_error_set(err, ENOMEM, "linux.resources");
                return NULL;
        }
        if (casca_resources_from_json(res, v, JKEY(NULL, "linux.resources"), err) < 0) {
                casca_resources_free(res);
                return NULL;
        }
        return res;
}

static void emit_int_fields(struct casca_jgen *j, const struct casca_resources *res,
                            const struct int_field *f, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const void *value = (const char *)res + f[i].value;

                if (!*field_has(res, f[i].has))
                        continue;
                casca_jgen_str(j, f[i].key);
                if (f[i].is_signed)
                        casca_jgen_int(j, *(const int64_t *)value);
                else
                        casca_jgen_u64(j, *(const uint64_t *)value);
        }
}

static void emit_throttles(struct casca_jgen *j, const char *key,
                           const struct casca_throttle_device *t, size_t n)
{
        if (!n)
                return;
        casca_jgen_str(j, key);
        casca_jgen_array_open(j);
        for (size_t i = 0; i < n; i++) {
                casca_jgen_map_open(j);
                casca_jgen_kint(j, "major", t[i].major);
                casca_jgen_kint(j, "minor", t[i].minor);
                casca_jgen_str(j, "rate");
                casca_jgen_u64(j, t[i].rate);
                casca_jgen_map_close(j);
        }
        casca_jgen_array_close(j);
}

static void emit_block_io(struct casca_jgen *j, const struct casca_resources *res)
{
        const struct casca_weight_device *w = res->block_io.weight_device;

        casca_jgen_map_open(j);
        if (res->block_io.has_weight)
                casca_jgen_kint(j, "weight", res->block_io.weight);
        if (res->block_io.has_leaf_weight)
                casca_jgen_kint(j, "leafWeight", res->block_io.leaf_weight);
        if (res->block_io.n_weight_device) {
                casca_jgen_str(j, "weightDevice");
                casca_jgen_array_open(j);
                for (size_t i = 0; i < res->block_io.n_weight_device; i++) {
                        casca_jgen_map_open(j);
                        casca_jgen_kint(j, "major", w[i].major);
                        casca_jgen_kint(j, "minor", w[i].minor);
                        if (w[i].has_weight)
                                casca_jgen_kint(j, "weight", w[i].weight);
                        if (w[i].has_leaf_weight)
                                casca_jgen_kint(j, "leafWeight", w[i].leaf_weight);
                        casca_jgen_map_close(j);
                }
                casca_jgen_array_close(j);
        }
        emit_throttles(j, "throttleReadBpsDevice", res->block_io.throttle_read_bps,
                       res->block_io.n_throttle_read_bps);
        emit_throttles(j, "throttleWriteBpsDevice", res->block_io.throttle_write_bps,
                       res->block_io.n_throttle_write_bps);
        emit_throttles(j, "throttleReadIOPSDevice", res->block_io.throttle_read_iops,
                       res->block_io.n_throttle_read_iops);
        emit_throttles(j, "throttleWriteIOPSDevice", res->block_io.throttle_write_iops,
                       res->block_io.n_throttle_write_iops);
        casca_jgen_map_close(j);
}

static bool any_int_field(const struct casca_resources *res, const struct int_field *f, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (*field_has(res, f[i].has))
                        return true;
        return false;
}

void casca_resources_emit(struct casca_jgen *j, const struct casca_resources *res)
{
        bool mem_bools = false;

        for (size_t i = 0; i < ARRAY_SIZE(memory_bools); i++)
                mem_bools = mem_bools || *field_has(res, memory_bools[i].has);
        casca_jgen_map_open(j);
        if (mem_bools || any_int_field(res, memory_ints, ARRAY_SIZE(memory_ints))) {
                casca_jgen_str(j, "memory");
                casca_jgen_map_open(j);
                emit_int_fields(j, res, memory_ints, ARRAY_SIZE(memory_ints));
                for (size_t i = 0; i < ARRAY_SIZE(memory_bools); i++)
                        if (*field_has(res, memory_bools[i].has))
                                casca_jgen_kbool(j, memory_bools[i].key,
                                                 *field_has(res, memory_bools[i].value));
                casca_jgen_map_close(j);
        }
        if (res->cpu.cpus || res->cpu.mems || any_int_field(res, cpu_ints, ARRAY_SIZE(cpu_ints))) {
                casca_jgen_str(j, "cpu");
                casca_jgen_map_open(j);
                emit_int_fields(j, res, cpu_ints, ARRAY_SIZE(cpu_ints));
                if (res->cpu.cpus)
                        casca_jgen_kstr(j, "cpus", res->cpu.cpus);
                if (res->cpu.mems)
                        casca_jgen_kstr(j, "mems", res->cpu.mems);
                casca_jgen_map_close(j);
        }
        if (res->pids.has_limit) {
                casca_jgen_str(j, "pids");
                casca_jgen_map_open(j);
                emit_int_fields(j, res, pids_ints, ARRAY_SIZE(pids_ints));
                casca_jgen_map_close(j);
        }
        if (res->block_io.has_weight || res->block_io.has_leaf_weight ||
            res->block_io.n_weight_device || res->block_io.n_throttle_read_bps ||
            res->block_io.n_throttle_write_bps || res->block_io.n_throttle_read_iops ||
            res->block_io.n_throttle_write_iops) {
                casca_jgen_str(j, "blockIO");
                emit_block_io(j, res);
        }
        if (res->n_hugepage_limits) {
                casca_jgen_str(j, "hugepageLimits");
                casca_jgen_array_open(j);
                for (size_t i = 0; i < res->n_hugepage_limits; i++) {
                        casca_jgen_map_open(j);
                        casca_jgen_kstr(j, "pageSize", res->hugepage_limits[i].page_size);
                        casca_jgen_str(j, "limit");
                        casca_jgen_u64(j, res->hugepage_limits[i].limit);
                        casca_jgen_map_close(j);
                }
                casca_jgen_array_close(j);
        }
        if (res->n_unified) {
                casca_jgen_str(j, "unified");
                casca_jgen_map_open(j);
                for (size_t i = 0; i < res->n_unified; i++)
                        casca_jgen_kstr(j, res->unified[i].key, res->unified[i].value);
                casca_jgen_map_close(j);
        }
        casca_jgen_map_close(j);
}

void casca_resources_clear(struct casca_resources *r)
{
        free(r->devices);
        free(r->cpu.cpus);
        free(r->cpu.mems);
        free(r->block_io.weight_device);
        free(r->block_io.throttle_read_bps);
        free(r->block_io.throttle_write_bps);
        free(r->block_io.throttle_read_iops);
        free(r->block_io.throttle_write_iops);
        for (size_t i = 0; r->hugepage_limits && i < r->n_hugepage_limits; i++)
                free(r->hugepage_limits[i].page_size);
        free(r->hugepage_limits);
        casca_kv_free(r->unified, r->n_unified);
}

void casca_resources_free(struct casca_resources *r)
{
        if (!r)
                return;
        casca_resources_clear(r);
        free(r);
}
