/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config-linux.c - the "linux" object of config.json: namespaces, id
 * mappings, devices, cgroup resources, sysctl, seccomp, paths. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "cleanup.h"
#include "config-internal.h"
#include "config.h"
#include "json.h"

/* Member "key" of object v, parsed by an expression when present. */
#define OPT(v, key, x) ((x) = casca_json_get((v), (key)))

static yajl_val get_required(yajl_val obj, const char *key, const struct casca_jpath *p,
                             struct casca_error **err)
{
        yajl_val v = casca_json_get(obj, key);

        if (!v)
                casca_json_error(err, JKEY(p, key), "required");
        return v;
}

/* ---- namespaces, mappings, time offsets ------------------------------------ */

static int parse_namespaces(struct casca_linux *l, yajl_val v, const struct casca_jpath *p,
                            struct casca_error **err)
{
        int r = casca_json_array(v, p, err);

        if (r < 0)
                return r;
        for (size_t i = 0; i < v->u.array.len; i++) {
                const struct casca_jpath *ip = JIDX(p, i);
                yajl_val o = v->u.array.values[i], x;
                int t;

                r = casca_json_object(o, ip, err);
                if (r < 0)
                        return r;
                if (!(x = get_required(o, "type", ip, err)))
                        return -EINVAL;
                if (!YAJL_IS_STRING(x))
                        return casca_json_error(err, JKEY(ip, "type"), "expected a string");
                for (t = 0; t < CASCA_NS__MAX; t++)
                        if (strcmp(casca_ns_type_name(t), x->u.string) == 0)
                                break;
                if (t == CASCA_NS__MAX)
                        return casca_json_error(err, JKEY(ip, "type"), "unknown namespace \"%s\"",
                                                x->u.string);
                if (l->namespaces[t].present)
                        return casca_json_error(err, JKEY(ip, "type"),
                                                "duplicate namespace \"%s\"", x->u.string);
                l->namespaces[t].present = true;
                if ((x = casca_json_get(o, "path"))) {
                        r = casca_json_string(x, JKEY(ip, "path"), &l->namespaces[t].path, err);
                        if (r < 0)
                                return r;
                        if (l->namespaces[t].path[0] != '/')
                                return casca_json_error(err, JKEY(ip, "path"),
                                                        "must be an absolute path");
                }
        }
        return 0;
}

static int parse_id_mappings(yajl_val v, const struct casca_jpath *p,
                             struct casca_id_mapping **ret, size_t *ret_n,
                             struct casca_error **err)
{
        static const char *const keys[] = { "containerID", "hostID", "size" };
        int r = casca_json_array(v, p, err);

        if (r < 0)
                return r;
        r = casca_config_alloc(v->u.array.len, sizeof(**ret), (void **)ret, err);
        if (r < 0)
                return r;
        *ret_n = v->u.array.len;
        for (size_t i = 0; i < v->u.array.len; i++) {
                const struct casca_jpath *ip = JIDX(p, i);
                yajl_val o = v->u.array.values[i];
                uint32_t *fields[] = { &(*ret)[i].container_id, &(*ret)[i].host_id,
                                       &(*ret)[i].size };

                r = casca_json_object(o, ip, err);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
                        yajl_val x = get_required(o, keys[k], ip, err);
                        if (!x)
                                return -EINVAL;
                        r = casca_json_u32(x, JKEY(ip, keys[k]), fields[k], err);
                        if (r < 0)
                                return r;
                }
                if ((*ret)[i].size == 0)
                        return casca_json_error(err, JKEY(ip, "size"), "must be at least 1");
        }
        return 0;
}

static int parse_time_offsets(struct casca_linux *l, yajl_val v, const struct casca_jpath *p,
                              struct casca_error **err)
{
        static const char *const clocks[CASCA_CLOCK__MAX] = {
                [CASCA_CLOCK_MONOTONIC] = "monotonic",
                [CASCA_CLOCK_BOOTTIME] = "boottime",
        };
        int r = casca_json_object(v, p, err);

        if (r < 0)
                return r;
        for (size_t i = 0; i < v->u.object.len; i++) {
                const char *name = v->u.object.keys[i];
                const struct casca_jpath *cp = JKEY(p, name);
                yajl_val o = v->u.object.values[i], x;
                struct casca_time_offset *off;
                int c;

                for (c = 0; c < CASCA_CLOCK__MAX; c++)
                        if (strcmp(clocks[c], name) == 0)
                                break;
                if (c == CASCA_CLOCK__MAX)
                        return casca_json_error(err, cp,
                                                "unknown clock \"%s\" (expected monotonic or "
                                                "boottime)",
                                                name);
                off = &l->time_offsets[c];
                if (off->present)
                        return casca_json_error(err, cp, "duplicate clock");
                r = casca_json_object(o, cp, err);
                if (r < 0)
                        return r;
                off->present = true;
                if ((x = casca_json_get(o, "secs"))) {
                        r = casca_json_i64(x, JKEY(cp, "secs"), &off->secs, err);
                        if (r < 0)
                                return r;
                }
                if ((x = casca_json_get(o, "nanosecs"))) {
                        int64_t ns;
                        r = casca_json_int_range(x, JKEY(cp, "nanosecs"), 0, 999999999, &ns,
                                                 err);
                        if (r < 0)
                                return r;
                        off->nanosecs = (uint32_t)ns;
                }
        }
        return 0;
}

/* ---- devices ---------------------------------------------------------------- */

static int parse_devices(struct casca_linux *l, yajl_val v, const struct casca_jpath *p,
                         struct casca_error **err)
{
        int r = casca_json_array(v, p, err);

        if (r < 0)
                return r;
        r = casca_config_alloc(v->u.array.len, sizeof(*l->devices), (void **)&l->devices, err);
        if (r < 0)
                return r;
        l->n_devices = v->u.array.len;
        for (size_t i = 0; i < l->n_devices; i++) {
                const struct casca_jpath *ip = JIDX(p, i);
                struct casca_device *d = &l->devices[i];
                yajl_val o = v->u.array.values[i], x;

                d->major = d->minor = -1;
                r = casca_json_object(o, ip, err);
                if (r < 0)
                        return r;
                if (!(x = get_required(o, "type", ip, err)))
                        return -EINVAL;
                if (!YAJL_IS_STRING(x))
                        return casca_json_error(err, JKEY(ip, "type"), "expected a string");
                if (strlen(x->u.string) != 1 || !strchr("cbup", x->u.string[0]))
                        return casca_json_error(err, JKEY(ip, "type"),
                                                "unknown device type \"%s\" (expected c, b, u "
                                                "or p)",
                                                x->u.string);
                d->type = x->u.string[0];
                if (!(x = get_required(o, "path", ip, err)))
                        return -EINVAL;
                r = casca_json_string(x, JKEY(ip, "path"), &d->path, err);
                if (r < 0)
                        return r;
                if (d->path[0] != '/')
                        return casca_json_error(err, JKEY(ip, "path"), "must be an absolute path");
                for (int k = 0; k < 2; k++) {
                        const char *key = k == 0 ? "major" : "minor";
                        int64_t *dst = k == 0 ? &d->major : &d->minor;

                        x = casca_json_get(o, key);
                        if (!x && d->type != 'p')
                                return casca_json_error(err, JKEY(ip, key),
                                                        "required for device type '%c'", d->type);
                        if (!x)
                                continue;
                        r = casca_json_int_range(x, JKEY(ip, key), 0, UINT32_MAX, dst, err);
                        if (r < 0)
                                return r;
                }
                if ((x = casca_json_get(o, "fileMode"))) {
                        r = casca_json_u32(x, JKEY(ip, "fileMode"), &d->file_mode, err);
                        if (r < 0)
                                return r;
                        d->has_file_mode = true;
                }
                if ((x = casca_json_get(o, "uid"))) {
                        r = casca_json_u32(x, JKEY(ip, "uid"), &d->uid, err);
                        if (r < 0)
                                return r;
                        d->has_uid = true;
                }
                if ((x = casca_json_get(o, "gid"))) {
                        r = casca_json_u32(x, JKEY(ip, "gid"), &d->gid, err);
                        if (r < 0)
                                return r;
                        d->has_gid = true;
                }
        }
        return 0;
}

static int parse_device_rules(struct casca_resources *res, yajl_val v,
                              const struct casca_jpath *p, struct casca_error **err)
{
        int r = casca_json_array(v, p, err);

        if (r < 0)
                return r;
        r = casca_config_alloc(v->u.array.len, sizeof(*res->devices), (void **)&res->devices,
                               err);
        if (r < 0)
                return r;
        res->n_devices = v->u.array.len;
        for (size_t i = 0; i < res->n_devices; i++) {
                const struct casca_jpath *ip = JIDX(p, i);
                struct casca_device_rule *d = &res->devices[i];
                yajl_val o = v->u.array.values[i], x;

                d->type = 'a';
                d->major = d->minor = -1;
                memcpy(d->access, "rwm", 4);
                r = casca_json_object(o, ip, err);
                if (r < 0)
                        return r;
                if (!(x = get_required(o, "allow", ip, err)))
                        return -EINVAL;
                r = casca_json_bool(x, JKEY(ip, "allow"), &d->allow, err);
                if (r < 0)
                        return r;
                if ((x = casca_json_get(o, "type"))) {
                        if (!YAJL_IS_STRING(x))
                                return casca_json_error(err, JKEY(ip, "type"), "expected a string");
                        if (strlen(x->u.string) != 1 || !strchr("acb", x->u.string[0]))
                                return casca_json_error(err, JKEY(ip, "type"),
                                                        "unknown device type \"%s\" (expected "
                                                        "a, c or b)",
                                                        x->u.string);
                        d->type = x->u.string[0];
                }
                for (int k = 0; k < 2; k++) {
                        const char *key = k == 0 ? "major" : "minor";
                        if (!(x = casca_json_get(o, key)))
                                continue;
                        r = casca_json_int_range(x, JKEY(ip, key), -1, UINT32_MAX,
                                                 k == 0 ? &d->major : &d->minor, err);
                        if (r < 0)
                                return r;
                }
                if ((x = casca_json_get(o, "access"))) {
                        const char *a;
                        bool seen[3] = { false, false, false };

                        if (!YAJL_IS_STRING(x))
                                return casca_json_error(err, JKEY(ip, "access"),
                                                        "expected a string");
                        a = x->u.string;
                        if (!a[0] || strlen(a) > 3)
                                goto bad_access;
                        for (const char *c = a; *c; c++) {
                                const char *at = strchr("rwm", *c);
                                if (!at || seen[at - "rwm"])
                                        goto bad_access;
                                seen[at - "rwm"] = true;
                        }
                        memcpy(d->access, a, strlen(a) + 1);
                        continue;
                bad_access:
                        return casca_json_error(err, JKEY(ip, "access"),
                                                "invalid access \"%s\" (expected a combination "
                                                "of r, w and m)",
                                                a);
                }
        }
        return 0;
}

/* ---- resources ----------------------------------------------------------- */

struct i64_field {
        const char *key;
        bool *has;
        int64_t *val;
};

struct u64_field {
        const char *key;
        bool *has;
        uint64_t *val;
};

static int parse_i64_fields(yajl_val v, const struct casca_jpath *p, const struct i64_field *f,
                            size_t n, bool *any, struct casca_error **err)
{
        for (size_t i = 0; i < n; i++) {
                yajl_val x = casca_json_get(v, f[i].key);
                int r;

                if (!x)
                        continue;
                r = casca_json_i64(x, JKEY(p, f[i].key), f[i].val, err);
                if (r < 0)
                        return r;
                *f[i].has = *any = true;
        }
        return 0;
}

static int parse_u64_fields(yajl_val v, const struct casca_jpath *p, const struct u64_field *f,
                            size_t n, bool *any, struct casca_error **err)
{
        for (size_t i = 0; i < n; i++) {
                yajl_val x = casca_json_get(v, f[i].key);
                int r;

                if (!x)
                        continue;
                r = casca_json_u64(x, JKEY(p, f[i].key), f[i].val, err);
                if (r < 0)
                        return r;
                *f[i].has = *any = true;
        }
        return 0;
}

static int parse_memory(struct casca_resources *res, yajl_val v, const struct casca_jpath *p,
                        struct casca_error **err)
{
        const struct i64_field ints[] = {
                { "limit", &res->memory.has_limit, &res->memory.limit },
                { "reservation", &res->memory.has_reservation, &res->memory.reservation },
                { "swap", &res->memory.has_swap, &res->memory.swap },
                { "kernel", &res->memory.has_kernel, &res->memory.kernel },
                { "kernelTCP", &res->memory.has_kernel_tcp, &res->memory.kernel_tcp },
        };
        const struct {
                const char *key;
                bool *has, *val;
        } bools[] = {
                { "disableOOMKiller", &res->memory.has_disable_oom_killer,
                  &res->memory.disable_oom_killer },
                { "useHierarchy", &res->memory.has_use_hierarchy, &res->memory.use_hierarchy },
                { "checkBeforeUpdate", &res->memory.has_check_before_update,
                  &res->memory.check_before_update },
        };
        yajl_val x;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        r = parse_i64_fields(v, p, ints, ARRAY_SIZE(ints), &res->any_limit, err);
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
        for (size_t i = 0; i < ARRAY_SIZE(bools); i++) {
                if (!(x = casca_json_get(v, bools[i].key)))
                        continue;
                r = casca_json_bool(x, JKEY(p, bools[i].key), bools[i].val, err);
                if (r < 0)
                        return r;
                *bools[i].has = res->any_limit = true;
        }
        return 0;
}

static int parse_cpu(struct casca_resources *res, yajl_val v, const struct casca_jpath *p,
                     struct casca_error **err)
{
        const struct u64_field uints[] = {
                { "shares", &res->cpu.has_shares, &res->cpu.shares },
                { "burst", &res->cpu.has_burst, &res->cpu.burst },
                { "period", &res->cpu.has_period, &res->cpu.period },
                { "realtimePeriod", &res->cpu.has_realtime_period, &res->cpu.realtime_period },
        };
        const struct i64_field ints[] = {
                { "quota", &res->cpu.has_quota, &res->cpu.quota },
                { "realtimeRuntime", &res->cpu.has_realtime_runtime, &res->cpu.realtime_runtime },
                { "idle", &res->cpu.has_idle, &res->cpu.idle },
        };
        yajl_val x;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        r = parse_u64_fields(v, p, uints, ARRAY_SIZE(uints), &res->any_limit, err);
        if (r < 0)
                return r;
        r = parse_i64_fields(v, p, ints, ARRAY_SIZE(ints), &res->any_limit, err);
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

static int parse_major_minor(yajl_val o, const struct casca_jpath *ip, int64_t *major,
                             int64_t *minor, struct casca_error **err)
{
        yajl_val x;
        int r;

        if (!(x = get_required(o, "major", ip, err)))
                return -EINVAL;
        r = casca_json_int_range(x, JKEY(ip, "major"), 0, UINT32_MAX, major, err);
        if (r < 0)
                return r;
        if (!(x = get_required(o, "minor", ip, err)))
                return -EINVAL;
        return casca_json_int_range(x, JKEY(ip, "minor"), 0, UINT32_MAX, minor, err);
}

static int parse_throttle(yajl_val v, const struct casca_jpath *p,
                          struct casca_throttle_device **ret, size_t *ret_n,
                          struct casca_error **err)
{
        int r = casca_json_array(v, p, err);

        if (r < 0)
                return r;
        r = casca_config_alloc(v->u.array.len, sizeof(**ret), (void **)ret, err);
        if (r < 0)
                return r;
        *ret_n = v->u.array.len;
        for (size_t i = 0; i < *ret_n; i++) {
                const struct casca_jpath *ip = JIDX(p, i);
                yajl_val o = v->u.array.values[i], x;

                r = casca_json_object(o, ip, err);
                if (r < 0)
                        return r;
                r = parse_major_minor(o, ip, &(*ret)[i].major, &(*ret)[i].minor, err);
                if (r < 0)
                        return r;
                if (!(x = get_required(o, "rate", ip, err)))
                        return -EINVAL;
                r = casca_json_u64(x, JKEY(ip, "rate"), &(*ret)[i].rate, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_block_io(struct casca_resources *res, yajl_val v, const struct casca_jpath *p,
                          struct casca_error **err)
{
        const struct {
                const char *key;
                struct casca_throttle_device **list;
                size_t *n;
        } throttles[] = {
                { "throttleReadBpsDevice", &res->block_io.throttle_read_bps,
                  &res->block_io.n_throttle_read_bps },
                { "throttleWriteBpsDevice", &res->block_io.throttle_write_bps,
                  &res->block_io.n_throttle_write_bps },
                { "throttleReadIOPSDevice", &res->block_io.throttle_read_iops,
                  &res->block_io.n_throttle_read_iops },
                { "throttleWriteIOPSDevice", &res->block_io.throttle_write_iops,
                  &res->block_io.n_throttle_write_iops },
        };
        yajl_val x;
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
                const struct casca_jpath *wp = JKEY(p, "weightDevice");
                struct casca_weight_device *wd;

                r = casca_json_array(x, wp, err);
                if (r < 0)
                        return r;
                r = casca_config_alloc(x->u.array.len, sizeof(*wd),
                                       (void **)&res->block_io.weight_device, err);
                if (r < 0)
                        return r;
                wd = res->block_io.weight_device;
                res->block_io.n_weight_device = x->u.array.len;
                for (size_t i = 0; i < x->u.array.len; i++) {
                        const struct casca_jpath *ip = JIDX(wp, i);
                        yajl_val o = x->u.array.values[i], y;

                        r = casca_json_object(o, ip, err);
                        if (r < 0)
                                return r;
                        r = parse_major_minor(o, ip, &wd[i].major, &wd[i].minor, err);
                        if (r < 0)
                                return r;
                        if ((y = casca_json_get(o, "weight"))) {
                                r = casca_json_u16(y, JKEY(ip, "weight"), &wd[i].weight, err);
                                if (r < 0)
                                        return r;
                                wd[i].has_weight = true;
                        }
                        if ((y = casca_json_get(o, "leafWeight"))) {
                                r = casca_json_u16(y, JKEY(ip, "leafWeight"), &wd[i].leaf_weight,
                                                   err);
                                if (r < 0)
                                        return r;
                                wd[i].has_leaf_weight = true;
                        }
                }
                if (res->block_io.n_weight_device > 0)
                        res->any_limit = true;
        }
        for (size_t t = 0; t < ARRAY_SIZE(throttles); t++) {
                if (!(x = casca_json_get(v, throttles[t].key)))
                        continue;
                r = parse_throttle(x, JKEY(p, throttles[t].key), throttles[t].list, throttles[t].n,
                                   err);
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

static int parse_hugepages(struct casca_resources *res, yajl_val v, const struct casca_jpath *p,
                           struct casca_error **err)
{
        int r = casca_json_array(v, p, err);

        if (r < 0)
                return r;
        r = casca_config_alloc(v->u.array.len, sizeof(*res->hugepage_limits),
                               (void **)&res->hugepage_limits, err);
        if (r < 0)
                return r;
        res->n_hugepage_limits = v->u.array.len;
        for (size_t i = 0; i < v->u.array.len; i++) {
                const struct casca_jpath *ip = JIDX(p, i);
                struct casca_hugepage_limit *h = &res->hugepage_limits[i];
                yajl_val o = v->u.array.values[i], x;

                r = casca_json_object(o, ip, err);
                if (r < 0)
                        return r;
                if (!(x = get_required(o, "pageSize", ip, err)))
                        return -EINVAL;
                r = casca_json_string(x, JKEY(ip, "pageSize"), &h->page_size, err);
                if (r < 0)
                        return r;
                if (!valid_page_size(h->page_size))
                        return casca_json_error(err, JKEY(ip, "pageSize"),
                                                "invalid page size \"%s\" (expected e.g. 2MB)",
                                                h->page_size);
                if (!(x = get_required(o, "limit", ip, err)))
                        return -EINVAL;
                r = casca_json_u64(x, JKEY(ip, "limit"), &h->limit, err);
                if (r < 0)
                        return r;
                res->any_limit = true;
        }
        return 0;
}

static int parse_resources(struct casca_resources *res, yajl_val v, const struct casca_jpath *p,
                           struct casca_error **err)
{
        yajl_val x;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        if ((x = casca_json_get(v, "devices"))) {
                r = parse_device_rules(res, x, JKEY(p, "devices"), err);
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
                const struct i64_field f[] = { { "limit", &res->pids.has_limit,
                                                 &res->pids.limit } };
                r = casca_json_object(x, pp, err);
                if (r < 0)
                        return r;
                r = parse_i64_fields(x, pp, f, 1, &res->any_limit, err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "blockIO"))) {
                r = parse_block_io(res, x, JKEY(p, "blockIO"), err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "hugepageLimits"))) {
                r = parse_hugepages(res, x, JKEY(p, "hugepageLimits"), err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "unified"))) {
                const struct casca_jpath *up = JKEY(p, "unified");
                r = casca_config_parse_kv(x, up, &res->unified, &res->n_unified, err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < res->n_unified; i++) {
                        const char *k = res->unified[i].key;
                        /* The key names a file in the container's cgroup. */
                        if (!k[0] || strchr(k, '/') || strcmp(k, ".") == 0 || strcmp(k, "..") == 0)
                                return casca_json_error(err, JKEY(up, k),
                                                        "not a cgroup file name");
                }
                if (res->n_unified > 0)
                        res->any_limit = true;
        }
        return 0;
}

/* ---- seccomp -------------------------------------------------------------- */

static const char *const seccomp_actions[] = {
        [CASCA_SCMP_KILL] = "SCMP_ACT_KILL",
        [CASCA_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
        [CASCA_SCMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
        [CASCA_SCMP_TRAP] = "SCMP_ACT_TRAP",
        [CASCA_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
        [CASCA_SCMP_TRACE] = "SCMP_ACT_TRACE",
        [CASCA_SCMP_ALLOW] = "SCMP_ACT_ALLOW",
        [CASCA_SCMP_LOG] = "SCMP_ACT_LOG",
        [CASCA_SCMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const seccomp_ops[] = {
        [CASCA_SCMP_CMP_NE] = "SCMP_CMP_NE",         [CASCA_SCMP_CMP_LT] = "SCMP_CMP_LT",
        [CASCA_SCMP_CMP_LE] = "SCMP_CMP_LE",         [CASCA_SCMP_CMP_EQ] = "SCMP_CMP_EQ",
        [CASCA_SCMP_CMP_GE] = "SCMP_CMP_GE",         [CASCA_SCMP_CMP_GT] = "SCMP_CMP_GT",
        [CASCA_SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static int lookup_name(yajl_val v, const char *const *names, size_t n)
{
        if (!YAJL_IS_STRING(v))
                return -1;
        for (size_t i = 0; i < n; i++)
                if (strcmp(names[i], v->u.string) == 0)
                        return (int)i;
        return -1;
}

static int parse_seccomp_action(yajl_val v, const struct casca_jpath *p,
                                enum casca_seccomp_action *ret, struct casca_error **err)
{
        int a;

        if (!YAJL_IS_STRING(v))
                return casca_json_error(err, p, "expected a string");
        a = lookup_name(v, seccomp_actions, ARRAY_SIZE(seccomp_actions));
        if (a < 0)
                return casca_json_error(err, p, "unknown seccomp action \"%s\"", v->u.string);
        *ret = (enum casca_seccomp_action)a;
        return 0;
}

/* errnoRet only means something to actions that return an errno. */
static int check_errno_ret(enum casca_seccomp_action a, const struct casca_jpath *p,
                           struct casca_error **err)
{
        if (a != CASCA_SCMP_ERRNO && a != CASCA_SCMP_TRACE)
                return casca_json_error(err, p,
                                        "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
        return 0;
}

static int parse_seccomp_args(struct casca_seccomp_syscall *sc, yajl_val v,
                              const struct casca_jpath *p, struct casca_error **err)
{
        int r = casca_json_array(v, p, err);

        if (r < 0)
                return r;
        r = casca_config_alloc(v->u.array.len, sizeof(*sc->args), (void **)&sc->args, err);
        if (r < 0)
                return r;
        sc->n_args = v->u.array.len;
        for (size_t i = 0; i < sc->n_args; i++) {
                const struct casca_jpath *ip = JIDX(p, i);
                struct casca_seccomp_arg *a = &sc->args[i];
                yajl_val o = v->u.array.values[i], x;
                int64_t index;
                int op;

                r = casca_json_object(o, ip, err);
                if (r < 0)
                        return r;
                if (!(x = get_required(o, "index", ip, err)))
                        return -EINVAL;
                r = casca_json_int_range(x, JKEY(ip, "index"), 0, 5, &index, err);
                if (r < 0)
                        return r;
                a->index = (uint32_t)index;
                if (!(x = get_required(o, "value", ip, err)))
                        return -EINVAL;
                r = casca_json_u64(x, JKEY(ip, "value"), &a->value, err);
                if (r < 0)
                        return r;
                if ((x = casca_json_get(o, "valueTwo"))) {
                        r = casca_json_u64(x, JKEY(ip, "valueTwo"), &a->value_two, err);
                        if (r < 0)
                                return r;
                }
                if (!(x = get_required(o, "op", ip, err)))
                        return -EINVAL;
                if (!YAJL_IS_STRING(x))
                        return casca_json_error(err, JKEY(ip, "op"), "expected a string");
                op = lookup_name(x, seccomp_ops, ARRAY_SIZE(seccomp_ops));
                if (op < 0)
                        return casca_json_error(err, JKEY(ip, "op"),
                                                "unknown seccomp operator \"%s\"", x->u.string);
                a->op = (enum casca_seccomp_op)op;
        }
        return 0;
}

static int parse_seccomp_syscalls(struct casca_seccomp *s, yajl_val v,
                                  const struct casca_jpath *p, struct casca_error **err)
{
        int r = casca_json_array(v, p, err);

        if (r < 0)
                return r;
        r = casca_config_alloc(v->u.array.len, sizeof(*s->syscalls), (void **)&s->syscalls, err);
        if (r < 0)
                return r;
        s->n_syscalls = v->u.array.len;
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const struct casca_jpath *ip = JIDX(p, i);
                struct casca_seccomp_syscall *sc = &s->syscalls[i];
                yajl_val o = v->u.array.values[i], x;

                r = casca_json_object(o, ip, err);
                if (r < 0)
                        return r;
                if (!(x = get_required(o, "names", ip, err)))
                        return -EINVAL;
                r = casca_json_strv(x, JKEY(ip, "names"), &sc->names, &sc->n_names, err);
                if (r < 0)
                        return r;
                if (sc->n_names == 0)
                        return casca_json_error(err, JKEY(ip, "names"),
                                                "must have at least one entry");
                for (size_t k = 0; k < sc->n_names; k++)
                        if (!sc->names[k][0])
                                return casca_json_error(err, JIDX(JKEY(ip, "names"), k),
                                                        "must not be empty");
                if (!(x = get_required(o, "action", ip, err)))
                        return -EINVAL;
                r = parse_seccomp_action(x, JKEY(ip, "action"), &sc->action, err);
                if (r < 0)
                        return r;
                if ((x = casca_json_get(o, "errnoRet"))) {
                        r = casca_json_u32(x, JKEY(ip, "errnoRet"), &sc->errno_ret, err);
                        if (r < 0)
                                return r;
                        r = check_errno_ret(sc->action, JKEY(ip, "errnoRet"), err);
                        if (r < 0)
                                return r;
                        sc->has_errno_ret = true;
                }
                if ((x = casca_json_get(o, "args"))) {
                        r = parse_seccomp_args(sc, x, JKEY(ip, "args"), err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int parse_seccomp(struct casca_linux *l, yajl_val v, const struct casca_jpath *p,
                         struct casca_error **err)
{
        struct casca_seccomp *s;
        yajl_val x;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        s = l->seccomp = calloc(1, sizeof(*s));
        if (!s)
                return casca_error_set(err, ENOMEM, "calloc");
        if (!(x = get_required(v, "defaultAction", p, err)))
                return -EINVAL;
        r = parse_seccomp_action(x, JKEY(p, "defaultAction"), &s->default_action, err);
        if (r < 0)
                return r;
        if ((x = casca_json_get(v, "defaultErrnoRet"))) {
                r = casca_json_u32(x, JKEY(p, "defaultErrnoRet"), &s->default_errno_ret, err);
                if (r < 0)
                        return r;
                r = check_errno_ret(s->default_action, JKEY(p, "defaultErrnoRet"), err);
                if (r < 0)
                        return r;
                s->has_default_errno_ret = true;
        }
        if ((x = casca_json_get(v, "architectures"))) {
                r = casca_json_strv(x, JKEY(p, "architectures"), &s->architectures,
                                    &s->n_architectures, err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "flags"))) {
                r = casca_json_strv(x, JKEY(p, "flags"), &s->flags, &s->n_flags, err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "listenerPath"))) {
                r = casca_json_string(x, JKEY(p, "listenerPath"), &s->listener_path, err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "listenerMetadata"))) {
                r = casca_json_string(x, JKEY(p, "listenerMetadata"), &s->listener_metadata, err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "syscalls"))) {
                r = parse_seccomp_syscalls(s, x, JKEY(p, "syscalls"), err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- the rest of "linux" -------------------------------------------------- */

/* Linux's dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or
 * whitespace. */
static bool valid_ifname(const char *s)
{
        size_t len = strlen(s);

        if (len == 0 || len > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (const char *c = s; *c; c++)
                if (*c == '/' || *c == ':' || *c == ' ' || (*c >= '\t' && *c <= '\r'))
                        return false;
        return true;
}

static int parse_net_devices(struct casca_linux *l, yajl_val v, const struct casca_jpath *p,
                             struct casca_error **err)
{
        int r = casca_json_object(v, p, err);

        if (r < 0)
                return r;
        r = casca_config_alloc(v->u.object.len, sizeof(*l->net_devices),
                               (void **)&l->net_devices, err);
        if (r < 0)
                return r;
        l->n_net_devices = v->u.object.len;
        for (size_t i = 0; i < l->n_net_devices; i++) {
                const char *host = v->u.object.keys[i];
                const struct casca_jpath *dp = JKEY(p, host);
                struct casca_net_device *d = &l->net_devices[i];
                yajl_val o = v->u.object.values[i], x;

                if (!valid_ifname(host))
                        return casca_json_error(err, dp, "invalid interface name \"%s\"", host);
                r = casca_json_object(o, dp, err);
                if (r < 0)
                        return r;
                d->host_name = strdup(host);
                if (!d->host_name)
                        return casca_error_set(err, ENOMEM, "strdup");
                if ((x = casca_json_get(o, "name"))) {
                        r = casca_json_string(x, JKEY(dp, "name"), &d->name, err);
                        if (r < 0)
                                return r;
                        if (!valid_ifname(d->name))
                                return casca_json_error(err, JKEY(dp, "name"),
                                                        "invalid interface name \"%s\"", d->name);
                } else {
                        d->name = strdup(host);
                        if (!d->name)
                                return casca_error_set(err, ENOMEM, "strdup");
                }
                for (size_t j = 0; j < i; j++)
                        if (strcmp(l->net_devices[j].name, d->name) == 0)
                                return casca_json_error(err, dp,
                                                        "duplicate container interface name "
                                                        "\"%s\"",
                                                        d->name);
        }
        return 0;
}

static int parse_personality(struct casca_linux *l, yajl_val v, const struct casca_jpath *p,
                             struct casca_error **err)
{
        _cleanup_strv_ char **flags = NULL;
        yajl_val x;
        size_t n;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        if (!(x = get_required(v, "domain", p, err)))
                return -EINVAL;
        if (!YAJL_IS_STRING(x))
                return casca_json_error(err, JKEY(p, "domain"), "expected a string");
        if (strcmp(x->u.string, "LINUX") == 0)
                l->personality = PER_LINUX;
        else if (strcmp(x->u.string, "LINUX32") == 0)
                l->personality = PER_LINUX32;
        else
                return casca_json_error(err, JKEY(p, "domain"),
                                        "unknown personality \"%s\" (expected LINUX or LINUX32)",
                                        x->u.string);
        /* The spec defines no flags yet; they must still be strings. */
        if ((x = casca_json_get(v, "flags"))) {
                r = casca_json_strv(x, JKEY(p, "flags"), &flags, &n, err);
                if (r < 0)
                        return r;
        }
        l->has_personality = true;
        return 0;
}

int casca_config_linux_parse(struct casca_linux *l, yajl_val v, const struct casca_jpath *p,
                             struct casca_error **err)
{
        yajl_val x;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        if (OPT(v, "namespaces", x) && (r = parse_namespaces(l, x, JKEY(p, "namespaces"), err)) < 0)
                return r;
        if (OPT(v, "uidMappings", x) &&
            (r = parse_id_mappings(x, JKEY(p, "uidMappings"), &l->uid_mappings,
                                   &l->n_uid_mappings, err)) < 0)
                return r;
        if (OPT(v, "gidMappings", x) &&
            (r = parse_id_mappings(x, JKEY(p, "gidMappings"), &l->gid_mappings,
                                   &l->n_gid_mappings, err)) < 0)
                return r;
        if (OPT(v, "timeOffsets", x) &&
            (r = parse_time_offsets(l, x, JKEY(p, "timeOffsets"), err)) < 0)
                return r;
        if (OPT(v, "devices", x) && (r = parse_devices(l, x, JKEY(p, "devices"), err)) < 0)
                return r;
        if (OPT(v, "cgroupsPath", x) &&
            (r = casca_json_string(x, JKEY(p, "cgroupsPath"), &l->cgroups_path, err)) < 0)
                return r;
        if (OPT(v, "resources", x)) {
                l->has_resources = true;
                r = parse_resources(&l->resources, x, JKEY(p, "resources"), err);
                if (r < 0)
                        return r;
        }
        if (OPT(v, "sysctl", x) &&
            (r = casca_config_parse_kv(x, JKEY(p, "sysctl"), &l->sysctl, &l->n_sysctl, err)) < 0)
                return r;
        if (OPT(v, "seccomp", x) && (r = parse_seccomp(l, x, JKEY(p, "seccomp"), err)) < 0)
                return r;
        if (OPT(v, "maskedPaths", x) &&
            (r = casca_config_parse_paths(x, JKEY(p, "maskedPaths"), &l->masked_paths,
                                          &l->n_masked_paths, err)) < 0)
                return r;
        if (OPT(v, "readonlyPaths", x) &&
            (r = casca_config_parse_paths(x, JKEY(p, "readonlyPaths"), &l->readonly_paths,
                                          &l->n_readonly_paths, err)) < 0)
                return r;
        if (OPT(v, "rootfsPropagation", x)) {
                const struct casca_jpath *rp = JKEY(p, "rootfsPropagation");
                if (!YAJL_IS_STRING(x))
                        return casca_json_error(err, rp, "expected a string");
                l->rootfs_propagation = casca_config_propagation_from_name(x->u.string);
                if (!l->rootfs_propagation)
                        return casca_json_error(err, rp, "unknown propagation \"%s\"",
                                                x->u.string);
        }
        if (OPT(v, "mountLabel", x) &&
            (r = casca_json_string(x, JKEY(p, "mountLabel"), &l->mount_label, err)) < 0)
                return r;
        if (OPT(v, "personality", x) &&
            (r = parse_personality(l, x, JKEY(p, "personality"), err)) < 0)
                return r;
        if (OPT(v, "netDevices", x) &&
            (r = parse_net_devices(l, x, JKEY(p, "netDevices"), err)) < 0)
                return r;
        return 0;
}

/* ---- rules across sections --------------------------------------------------- */

static bool has_prefix(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Which namespace a sysctl belongs to, CASCA_NS__MAX when none (then the
 * container may not set it).  key uses '.' or '/' as separator. */
static int sysctl_check(const char *key, const struct casca_linux *l,
                        const struct casca_jpath *p, struct casca_error **err)
{
        _cleanup_free_ char *k = strdup(key);
        enum casca_ns_type ns;
        const char *what;

        if (!k)
                return casca_error_set(err, ENOMEM, "strdup");
        for (char *c = k; *c; c++)
                if (*c == '/')
                        *c = '.';
        /* Every component non-empty and no "..": the key becomes a path under /proc/sys. */
        if (!k[0] || k[0] == '.' || k[strlen(k) - 1] == '.' || strstr(k, "..") ||
            strchr(key, '\n'))
                return casca_json_error(err, p, "invalid sysctl name");
        if (has_prefix(k, "kernel.shm") || has_prefix(k, "kernel.msg") ||
            strcmp(k, "kernel.sem") == 0 || has_prefix(k, "fs.mqueue.")) {
                ns = CASCA_NS_IPC;
                what = "an IPC namespace";
        } else if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0) {
                ns = CASCA_NS_UTS;
                what = "a UTS namespace";
        } else if (has_prefix(k, "net.")) {
                ns = CASCA_NS_NETWORK;
                what = "a network namespace";
        } else {
                return casca_json_error(err, p, "not a namespaced sysctl");
        }
        if (!l->namespaces[ns].present)
                return casca_json_error(err, p, "requires %s", what);
        return 0;
}

int casca_config_linux_validate(const struct casca_config *cfg, struct casca_error **err)
{
        const struct casca_linux *l = &cfg->linux_cfg;
        const struct casca_jpath *lp = JKEY(NULL, "linux");
        int r;

        if (cfg->hostname && cfg->hostname[0] && !l->namespaces[CASCA_NS_UTS].present)
                return casca_json_error(err, JKEY(NULL, "hostname"), "requires a UTS namespace");
        if (cfg->domainname && cfg->domainname[0] && !l->namespaces[CASCA_NS_UTS].present)
                return casca_json_error(err, JKEY(NULL, "domainname"),
                                        "requires a UTS namespace");
        if (l->n_uid_mappings > 0 && !l->namespaces[CASCA_NS_USER].present)
                return casca_json_error(err, JKEY(lp, "uidMappings"), "requires a user namespace");
        if (l->n_gid_mappings > 0 && !l->namespaces[CASCA_NS_USER].present)
                return casca_json_error(err, JKEY(lp, "gidMappings"), "requires a user namespace");
        for (int c = 0; c < CASCA_CLOCK__MAX; c++)
                if (l->time_offsets[c].present && !l->namespaces[CASCA_NS_TIME].present)
                        return casca_json_error(err, JKEY(lp, "timeOffsets"),
                                                "requires a time namespace");
        for (size_t i = 0; i < l->n_sysctl; i++) {
                r = sysctl_check(l->sysctl[i].key, l,
                                 JKEY(JKEY(lp, "sysctl"), l->sysctl[i].key), err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- free ------------------------------------------------------------------- */

static void seccomp_free(struct casca_seccomp *s)
{
        if (!s)
                return;
        casca_strv_free(s->architectures);
        casca_strv_free(s->flags);
        free(s->listener_path);
        free(s->listener_metadata);
        for (size_t i = 0; s->syscalls && i < s->n_syscalls; i++) {
                casca_strv_free(s->syscalls[i].names);
                free(s->syscalls[i].args);
        }
        free(s->syscalls);
        free(s);
}

static void resources_free(struct casca_resources *r)
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
        casca_config_kv_free(r->unified, r->n_unified);
}

void casca_config_linux_free(struct casca_linux *l)
{
        for (int t = 0; t < CASCA_NS__MAX; t++)
                free(l->namespaces[t].path);
        free(l->uid_mappings);
        free(l->gid_mappings);
        for (size_t i = 0; l->devices && i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        free(l->cgroups_path);
        resources_free(&l->resources);
        casca_config_kv_free(l->sysctl, l->n_sysctl);
        seccomp_free(l->seccomp);
        casca_strv_free(l->masked_paths);
        casca_strv_free(l->readonly_paths);
        free(l->mount_label);
        for (size_t i = 0; l->net_devices && i < l->n_net_devices; i++) {
                free(l->net_devices[i].host_name);
                free(l->net_devices[i].name);
        }
        free(l->net_devices);
}
