/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config-linux.c - the "linux" object of config.json: namespaces, id
 * mappings, devices, cgroup resources, sysctl, seccomp, paths. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "runtime/config-internal.h"
#include "runtime/config.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"
#include "util/json.h"

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
                if (!(x = casca_json_require(o, "type", ip, err)))
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
                        return casca_json_error(err, JKEY(ip, "type"), "duplicate namespace \"%s\"",
                                                x->u.string);
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

static int parse_id_mapping(void *elem, yajl_val o, const struct casca_jpath *p,
                            struct casca_error **err)
{
        struct casca_id_mapping *m = elem;
        int r;

        if ((r = casca_json_req_u32(o, "containerID", p, &m->container_id, err)) < 0 ||
            (r = casca_json_req_u32(o, "hostID", p, &m->host_id, err)) < 0 ||
            (r = casca_json_req_u32(o, "size", p, &m->size, err)) < 0)
                return r;
        if (m->size == 0)
                return casca_json_error(err, JKEY(p, "size"), "must be at least 1");
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
                        r = casca_json_int_range(x, JKEY(cp, "nanosecs"), 0, 999999999, &ns, err);
                        if (r < 0)
                                return r;
                        off->nanosecs = (uint32_t)ns;
                }
        }
        return 0;
}

/* ---- devices ---------------------------------------------------------------- */

/* A one-letter type out of allowed: "c", "b", ... */
static int parse_type_letter(yajl_val o, const char *allowed, const char *expected,
                             const struct casca_jpath *p, char *ret, struct casca_error **err)
{
        yajl_val x = casca_json_get(o, "type");

        if (!x)
                return 0;
        if (!YAJL_IS_STRING(x))
                return casca_json_error(err, JKEY(p, "type"), "expected a string");
        if (strlen(x->u.string) != 1 || !strchr(allowed, x->u.string[0]))
                return casca_json_error(err, JKEY(p, "type"),
                                        "unknown device type \"%s\" (expected %s)", x->u.string,
                                        expected);
        *ret = x->u.string[0];
        return 1;
}

/* major and minor: device numbers, or also -1 (any) when min is -1.
 * Required unless required is false. */
static int parse_major_minor(yajl_val o, const struct casca_jpath *p, int64_t min, bool required,
                             const char *why, int64_t *major, int64_t *minor,
                             struct casca_error **err)
{
        const char *keys[] = {"major", "minor"};
        int64_t *dst[] = {major, minor};

        for (int k = 0; k < 2; k++) {
                yajl_val x = casca_json_get(o, keys[k]);
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

static int parse_device(void *elem, yajl_val o, const struct casca_jpath *p,
                        struct casca_error **err)
{
        struct casca_device *d = elem;
        char why[40];
        int r;

        d->major = d->minor = -1;
        if (!casca_json_require(o, "type", p, err))
                return -EINVAL;
        r = parse_type_letter(o, "cbup", "c, b, u or p", p, &d->type, err);
        if (r < 0)
                return r;
        if ((r = casca_json_req_string(o, "path", p, &d->path, err)) < 0)
                return r;
        if (d->path[0] != '/')
                return casca_json_error(err, JKEY(p, "path"), "must be an absolute path");
        snprintf(why, sizeof(why), " for device type '%c'", d->type);
        r = parse_major_minor(o, p, 0, d->type != 'p', why, &d->major, &d->minor, err);
        if (r < 0)
                return r;
        if ((r = casca_json_opt_u32(o, "fileMode", p, &d->file_mode, err)) < 0)
                return r;
        d->has_file_mode = r > 0;
        if ((r = casca_json_opt_u32(o, "uid", p, &d->uid, err)) < 0)
                return r;
        d->has_uid = r > 0;
        if ((r = casca_json_opt_u32(o, "gid", p, &d->gid, err)) < 0)
                return r;
        d->has_gid = r > 0;
        return 0;
}

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

static int parse_device_rule(void *elem, yajl_val o, const struct casca_jpath *p,
                             struct casca_error **err)
{
        struct casca_device_rule *d = elem;
        yajl_val x;
        int r;

        d->type = 'a';
        d->major = d->minor = -1;
        memcpy(d->access, "rwm", 4);
        if (!(x = casca_json_require(o, "allow", p, err)))
                return -EINVAL;
        if ((r = casca_json_bool(x, JKEY(p, "allow"), &d->allow, err)) < 0 ||
            (r = parse_type_letter(o, "acb", "a, c or b", p, &d->type, err)) < 0 ||
            (r = parse_major_minor(o, p, -1, false, "", &d->major, &d->minor, err)) < 0)
                return r;
        if ((x = casca_json_get(o, "access"))) {
                if (!YAJL_IS_STRING(x))
                        return casca_json_error(err, JKEY(p, "access"), "expected a string");
                if (!valid_access(x->u.string))
                        return casca_json_error(err, JKEY(p, "access"),
                                                "invalid access \"%s\" (expected a combination "
                                                "of r, w and m)",
                                                x->u.string);
                memcpy(d->access, x->u.string, strlen(x->u.string) + 1);
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

static int parse_int_fields(struct casca_resources *res, yajl_val v, const struct casca_jpath *p,
                            const struct int_field *f, size_t n, struct casca_error **err)
{
        for (size_t i = 0; i < n; i++) {
                yajl_val x = casca_json_get(v, f[i].key);
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

static int parse_memory(struct casca_resources *res, yajl_val v, const struct casca_jpath *p,
                        struct casca_error **err)
{
        yajl_val x;
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

static int parse_cpu(struct casca_resources *res, yajl_val v, const struct casca_jpath *p,
                     struct casca_error **err)
{
        yajl_val x;
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

static int parse_throttle(void *elem, yajl_val o, const struct casca_jpath *p,
                          struct casca_error **err)
{
        struct casca_throttle_device *t = elem;
        int r = parse_major_minor(o, p, 0, true, "", &t->major, &t->minor, err);

        return r < 0 ? r : casca_json_req_u64(o, "rate", p, &t->rate, err);
}

static int parse_weight_device(void *elem, yajl_val o, const struct casca_jpath *p,
                               struct casca_error **err)
{
        struct casca_weight_device *w = elem;
        yajl_val x;
        int r;

        r = parse_major_minor(o, p, 0, true, "", &w->major, &w->minor, err);
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

static int parse_block_io(struct casca_resources *res, yajl_val v, const struct casca_jpath *p,
                          struct casca_error **err)
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
                r = casca_config_parse_array(
                        x, JKEY(p, "weightDevice"), sizeof(*res->block_io.weight_device),
                        (void **)&res->block_io.weight_device, &res->block_io.n_weight_device,
                        parse_weight_device, err);
                if (r < 0)
                        return r;
                if (res->block_io.n_weight_device > 0)
                        res->any_limit = true;
        }
        for (size_t t = 0; t < ARRAY_SIZE(throttles); t++) {
                if (!(x = casca_json_get(v, throttles[t].key)))
                        continue;
                r = casca_config_parse_array(
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

static int parse_hugepage(void *elem, yajl_val o, const struct casca_jpath *p,
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

static int parse_resources(struct casca_resources *res, yajl_val v, const struct casca_jpath *p,
                           struct casca_error **err)
{
        yajl_val x;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        if ((x = casca_json_get(v, "devices"))) {
                r = casca_config_parse_array(x, JKEY(p, "devices"), sizeof(*res->devices),
                                             (void **)&res->devices, &res->n_devices,
                                             parse_device_rule, err);
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
                r = casca_config_parse_array(x, JKEY(p, "hugepageLimits"),
                                             sizeof(*res->hugepage_limits),
                                             (void **)&res->hugepage_limits,
                                             &res->n_hugepage_limits, parse_hugepage, err);
                if (r < 0)
                        return r;
                if (res->n_hugepage_limits > 0)
                        res->any_limit = true;
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
        _cleanup_json_ yajl_val v = casca_json_parse(json, len, err);
        struct casca_resources *res;

        if (!v)
                return NULL;
        res = calloc(1, sizeof(*res));
        if (!res) {
                casca_error_set(err, ENOMEM, "linux.resources");
                return NULL;
        }
        if (parse_resources(res, v, JKEY(NULL, "linux.resources"), err) < 0) {
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

/* ---- seccomp -------------------------------------------------------------- */

/* The action and operator names live with the rest of seccomp's tables. */

static int parse_seccomp_action(yajl_val v, const struct casca_jpath *p,
                                enum casca_seccomp_action *ret, struct casca_error **err)
{
        int a;

        if (!YAJL_IS_STRING(v))
                return casca_json_error(err, p, "expected a string");
        a = casca_seccomp_action_from_name(v->u.string);
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
                return casca_json_error(err, p, "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
        return 0;
}

static int parse_seccomp_arg(void *elem, yajl_val o, const struct casca_jpath *p,
                             struct casca_error **err)
{
        struct casca_seccomp_arg *a = elem;
        int64_t index;
        yajl_val x;
        int op, r;

        if (!(x = casca_json_require(o, "index", p, err)))
                return -EINVAL;
        r = casca_json_int_range(x, JKEY(p, "index"), 0, 5, &index, err);
        if (r < 0)
                return r;
        a->index = (uint32_t)index;
        if ((r = casca_json_req_u64(o, "value", p, &a->value, err)) < 0)
                return r;
        if ((x = casca_json_get(o, "valueTwo")) &&
            (r = casca_json_u64(x, JKEY(p, "valueTwo"), &a->value_two, err)) < 0)
                return r;
        if (!(x = casca_json_require(o, "op", p, err)))
                return -EINVAL;
        if (!YAJL_IS_STRING(x))
                return casca_json_error(err, JKEY(p, "op"), "expected a string");
        op = casca_seccomp_op_from_name(x->u.string);
        if (op < 0)
                return casca_json_error(err, JKEY(p, "op"), "unknown seccomp operator \"%s\"",
                                        x->u.string);
        a->op = (enum casca_seccomp_op)op;
        return 0;
}

static int parse_seccomp_syscall(void *elem, yajl_val o, const struct casca_jpath *p,
                                 struct casca_error **err)
{
        struct casca_seccomp_syscall *sc = elem;
        yajl_val x;
        int r;

        if (!(x = casca_json_require(o, "names", p, err)))
                return -EINVAL;
        r = casca_json_strv(x, JKEY(p, "names"), &sc->names, &sc->n_names, err);
        if (r < 0)
                return r;
        if (sc->n_names == 0)
                return casca_json_error(err, JKEY(p, "names"), "must have at least one entry");
        for (size_t k = 0; k < sc->n_names; k++)
                if (!sc->names[k][0])
                        return casca_json_error(err, JIDX(JKEY(p, "names"), k),
                                                "must not be empty");
        if (!(x = casca_json_require(o, "action", p, err)))
                return -EINVAL;
        r = parse_seccomp_action(x, JKEY(p, "action"), &sc->action, err);
        if (r < 0)
                return r;
        if ((r = casca_json_opt_u32(o, "errnoRet", p, &sc->errno_ret, err)) < 0)
                return r;
        sc->has_errno_ret = r > 0;
        if (sc->has_errno_ret && (r = check_errno_ret(sc->action, JKEY(p, "errnoRet"), err)) < 0)
                return r;
        if ((x = casca_json_get(o, "args")) &&
            (r = casca_config_parse_array(x, JKEY(p, "args"), sizeof(*sc->args), (void **)&sc->args,
                                          &sc->n_args, parse_seccomp_arg, err)) < 0)
                return r;
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
        if (!(x = casca_json_require(v, "defaultAction", p, err)))
                return -EINVAL;
        r = parse_seccomp_action(x, JKEY(p, "defaultAction"), &s->default_action, err);
        if (r < 0)
                return r;
        if ((r = casca_json_opt_u32(v, "defaultErrnoRet", p, &s->default_errno_ret, err)) < 0)
                return r;
        s->has_default_errno_ret = r > 0;
        if (s->has_default_errno_ret &&
            (r = check_errno_ret(s->default_action, JKEY(p, "defaultErrnoRet"), err)) < 0)
                return r;
        if ((r = casca_json_opt_strv(v, "architectures", p, &s->architectures, &s->n_architectures,
                                     err)) < 0 ||
            (r = casca_json_opt_strv(v, "flags", p, &s->flags, &s->n_flags, err)) < 0 ||
            (r = casca_json_opt_string(v, "listenerPath", p, &s->listener_path, err)) < 0 ||
            (r = casca_json_opt_string(v, "listenerMetadata", p, &s->listener_metadata, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "syscalls")) &&
            (r = casca_config_parse_array(x, JKEY(p, "syscalls"), sizeof(*s->syscalls),
                                          (void **)&s->syscalls, &s->n_syscalls,
                                          parse_seccomp_syscall, err)) < 0)
                return r;
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
        r = casca_config_alloc(v->u.object.len, sizeof(*l->net_devices), (void **)&l->net_devices,
                               err);
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

/* include/uapi/linux/mempolicy.h */
static const struct casca_config_name mempolicy_modes[] = {
        {"MPOL_DEFAULT", 0},
        {"MPOL_PREFERRED", 1},
        {"MPOL_BIND", 2},
        {"MPOL_INTERLEAVE", 3},
        {"MPOL_LOCAL", 4},
        {"MPOL_PREFERRED_MANY", 5},
        {"MPOL_WEIGHTED_INTERLEAVE", 6},
};

static const struct casca_config_name mempolicy_flags[] = {
        {"MPOL_F_NUMA_BALANCING", 1 << 13},
        {"MPOL_F_RELATIVE_NODES", 1 << 14},
        {"MPOL_F_STATIC_NODES", 1 << 15},
};

const char *casca_config_mempolicy_mode_name(size_t i)
{
        return i < ARRAY_SIZE(mempolicy_modes) ? mempolicy_modes[i].name : NULL;
}

const char *casca_config_mempolicy_flag_name(size_t i)
{
        return i < ARRAY_SIZE(mempolicy_flags) ? mempolicy_flags[i].name : NULL;
}

/* linux.memoryPolicy: set_mempolicy(2) for the container's process.  Which
 * combinations of mode, nodes and flags are valid is the kernel's to say
 * (the init reports its EINVAL), except what the spec itself rules. */
static int parse_memory_policy(struct casca_linux *l, yajl_val v, const struct casca_jpath *p,
                               struct casca_error **err)
{
        yajl_val x;
        int mode, r;

        if ((r = casca_json_object(v, p, err)) < 0)
                return r;
        if (!(x = casca_json_require(v, "mode", p, err)))
                return -EINVAL;
        r = casca_config_parse_name(x, JKEY(p, "mode"), mempolicy_modes,
                                    ARRAY_SIZE(mempolicy_modes), "mode", &mode, err);
        if (r < 0)
                return r;
        l->memory_policy_nodes.empty = true;
        if ((x = casca_json_get(v, "nodes"))) {
                r = casca_config_parse_id_set(x, JKEY(p, "nodes"), &l->memory_policy_nodes, err);
                if (r < 0)
                        return r;
        }
        if ((mode == 0 || mode == 4) && !l->memory_policy_nodes.empty)
                return casca_json_error(err, JKEY(p, "nodes"), "must be empty for %s",
                                        mempolicy_modes[mode].name);
        if (mode != 0 && mode != 1 && mode != 4 && l->memory_policy_nodes.empty)
                return casca_json_error(err, JKEY(p, "nodes"), "required for %s",
                                        mempolicy_modes[mode].name);
        if ((x = casca_json_get(v, "flags")) &&
            (r = casca_config_parse_flags(x, JKEY(p, "flags"), mempolicy_flags,
                                          ARRAY_SIZE(mempolicy_flags), &mode, err)) < 0)
                return r;
        l->memory_policy = mode;
        l->has_memory_policy = true;
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
        if (!(x = casca_json_require(v, "domain", p, err)))
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

        if ((r = casca_json_object(v, p, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "namespaces")) &&
            (r = parse_namespaces(l, x, JKEY(p, "namespaces"), err)) < 0)
                return r;
        if ((x = casca_json_get(v, "uidMappings")) &&
            (r = casca_config_parse_array(x, JKEY(p, "uidMappings"), sizeof(*l->uid_mappings),
                                          (void **)&l->uid_mappings, &l->n_uid_mappings,
                                          parse_id_mapping, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "gidMappings")) &&
            (r = casca_config_parse_array(x, JKEY(p, "gidMappings"), sizeof(*l->gid_mappings),
                                          (void **)&l->gid_mappings, &l->n_gid_mappings,
                                          parse_id_mapping, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "timeOffsets")) &&
            (r = parse_time_offsets(l, x, JKEY(p, "timeOffsets"), err)) < 0)
                return r;
        if ((x = casca_json_get(v, "devices")) &&
            (r = casca_config_parse_array(x, JKEY(p, "devices"), sizeof(*l->devices),
                                          (void **)&l->devices, &l->n_devices, parse_device, err)) <
                    0)
                return r;
        if ((r = casca_json_opt_string(v, "cgroupsPath", p, &l->cgroups_path, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "resources"))) {
                l->has_resources = true;
                r = parse_resources(&l->resources, x, JKEY(p, "resources"), err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "sysctl")) &&
            (r = casca_config_parse_kv(x, JKEY(p, "sysctl"), &l->sysctl, &l->n_sysctl, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "seccomp")) &&
            (r = parse_seccomp(l, x, JKEY(p, "seccomp"), err)) < 0)
                return r;
        if ((x = casca_json_get(v, "maskedPaths")) &&
            (r = casca_config_parse_paths(x, JKEY(p, "maskedPaths"), &l->masked_paths,
                                          &l->n_masked_paths, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "readonlyPaths")) &&
            (r = casca_config_parse_paths(x, JKEY(p, "readonlyPaths"), &l->readonly_paths,
                                          &l->n_readonly_paths, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "rootfsPropagation"))) {
                const struct casca_jpath *rp = JKEY(p, "rootfsPropagation");
                if (!YAJL_IS_STRING(x))
                        return casca_json_error(err, rp, "expected a string");
                l->rootfs_propagation = casca_config_propagation_from_name(x->u.string);
                if (!l->rootfs_propagation)
                        return casca_json_error(err, rp, "unknown propagation \"%s\"", x->u.string);
        }
        if ((r = casca_json_opt_string(v, "mountLabel", p, &l->mount_label, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "personality")) &&
            (r = parse_personality(l, x, JKEY(p, "personality"), err)) < 0)
                return r;
        if ((x = casca_json_get(v, "netDevices")) &&
            (r = parse_net_devices(l, x, JKEY(p, "netDevices"), err)) < 0)
                return r;
        if ((x = casca_json_get(v, "memoryPolicy")) &&
            (r = parse_memory_policy(l, x, JKEY(p, "memoryPolicy"), err)) < 0)
                return r;
        if (casca_json_get(v, "intelRdt"))
                return casca_json_error(err, JKEY(p, "intelRdt"),
                                        "not supported (casca has no Intel RDT support)");
        return 0;
}

/* ---- rules across sections --------------------------------------------------- */

static bool has_prefix(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Which namespace a sysctl belongs to, CASCA_NS__MAX when none (then the
 * container may not set it).  key uses '.' or '/' as separator. */
static int sysctl_check(const char *key, const struct casca_linux *l, const struct casca_jpath *p,
                        struct casca_error **err)
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
        if (!k[0] || k[0] == '.' || k[strlen(k) - 1] == '.' || strstr(k, "..") || strchr(key, '\n'))
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
                return casca_json_error(err, JKEY(NULL, "domainname"), "requires a UTS namespace");
        if (l->n_uid_mappings > 0 && !l->namespaces[CASCA_NS_USER].present)
                return casca_json_error(err, JKEY(lp, "uidMappings"), "requires a user namespace");
        if (l->n_gid_mappings > 0 && !l->namespaces[CASCA_NS_USER].present)
                return casca_json_error(err, JKEY(lp, "gidMappings"), "requires a user namespace");
        for (int c = 0; c < CASCA_CLOCK__MAX; c++)
                if (l->time_offsets[c].present && !l->namespaces[CASCA_NS_TIME].present)
                        return casca_json_error(err, JKEY(lp, "timeOffsets"),
                                                "requires a time namespace");
        for (size_t i = 0; i < l->n_sysctl; i++) {
                r = sysctl_check(l->sysctl[i].key, l, JKEY(JKEY(lp, "sysctl"), l->sysctl[i].key),
                                 err);
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

void casca_resources_free(struct casca_resources *r)
{
        if (!r)
                return;
        resources_free(r);
        free(r);
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
