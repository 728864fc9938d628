/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* resources.c - linux.resources (OCI, shaped after cgroup v1) mapped to
 * cgroup v2 control files, as a pure function the unit tests cover. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/format.h"

#define CPU_PERIOD_DEFAULT 100000
#define SHARES_MIN 2
#define SHARES_MAX 262144 /* the kernel's MAX_SHARES, 1 << 18 */
#define BLKIO_WEIGHT_MIN 10
#define BLKIO_WEIGHT_MAX 1000

static const char *const controllers[] = {
        "cpu", "cpuset", "io", "memory", "pids", "hugetlb", "rdma", "misc",
};

const char *casca_cgroup_file_controller(const char *file)
{
        const char *dot = file ? strchr(file, '.') : NULL;

        if (!dot)
                return NULL;
        for (size_t i = 0; i < ARRAY_SIZE(controllers); i++)
                if (strlen(controllers[i]) == (size_t)(dot - file) &&
                    strncmp(file, controllers[i], (size_t)(dot - file)) == 0)
                        return controllers[i];
        return NULL;
}

void casca_cgroup_settings_clear(struct casca_cgroup_settings *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++) {
                free(s->v[i].file);
                free(s->v[i].value);
        }
        free(s->v);
        s->v = NULL;
        s->n = 0;
}

static void settings_clearp(struct casca_cgroup_settings *s)
{
        casca_cgroup_settings_clear(s);
}

static int add(struct casca_cgroup_settings *s, const char *what, bool optional, const char *file,
               const char *value, struct casca_error **err)
{
        struct casca_cgroup_setting *v;

        v = realloc(s->v, (s->n + 1) * sizeof(*v));
        if (!v)
                return casca_error_set(err, ENOMEM, "%s", what);
        s->v = v;
        v = &s->v[s->n];
        v->file = strdup(file);
        v->value = strdup(value);
        v->optional = optional;
        v->what = what;
        if (!v->file || !v->value) {
                free(v->file);
                free(v->value);
                return casca_error_set(err, ENOMEM, "%s", what);
        }
        s->n++;
        return 0;
}

/* A value that does not fit its buffer: never for what the parser lets
 * through, but a cut-short value must not be written. */
static int too_long(const char *what, struct casca_error **err)
{
        return casca_error_setx(err, ENAMETOOLONG, "%s: value too long", what);
}

static int add_u64(struct casca_cgroup_settings *s, const char *what, const char *file,
                   uint64_t value, struct casca_error **err)
{
        char buf[32];

        if (casca_snprintf(buf, sizeof(buf), "%" PRIu64, value) < 0)
                return too_long(what, err);
        return add(s, what, false, file, buf, err);
}

/* -1: "max", 0: unset (nothing written), > 0: the number. */
static int add_limit(struct casca_cgroup_settings *s, const char *what, const char *file,
                     int64_t value, struct casca_error **err)
{
        if (value == 0)
                return 0;
        if (value == -1)
                return add(s, what, false, file, "max", err);
        if (value < 0)
                return casca_error_setx(err, EINVAL, "%s: invalid value %" PRId64, what, value);
        return add_u64(s, what, file, (uint64_t)value, err);
}

uint64_t casca_cgroup_shares_to_weight(uint64_t shares)
{
        if (shares == 0)
                return 0;
        if (shares < SHARES_MIN)
                shares = SHARES_MIN;
        if (shares > SHARES_MAX)
                shares = SHARES_MAX;
        return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t casca_cgroup_blkio_to_io_weight(uint64_t w)
{
        if (w == 0)
                return 0;
        if (w < BLKIO_WEIGHT_MIN)
                w = BLKIO_WEIGHT_MIN;
        if (w > BLKIO_WEIGHT_MAX)
                w = BLKIO_WEIGHT_MAX;
        return 1 + (w - 10) * 9999 / 990;
}

static int map_cpu(const struct casca_resources *res, struct casca_cgroup_settings *s,
                   struct casca_error **err)
{
        bool quota = res->cpu.has_quota && res->cpu.quota != 0;
        bool period = res->cpu.has_period && res->cpu.period != 0;
        char buf[64];
        int r;

        if (res->cpu.cpus && res->cpu.cpus[0]) {
                r = add(s, "linux.resources.cpu.cpus", false, "cpuset.cpus", res->cpu.cpus, err);
                if (r < 0)
                        return r;
        }
        if (res->cpu.mems && res->cpu.mems[0]) {
                r = add(s, "linux.resources.cpu.mems", false, "cpuset.mems", res->cpu.mems, err);
                if (r < 0)
                        return r;
        }
        if (res->cpu.has_shares && res->cpu.shares != 0) {
                r = add_u64(s, "linux.resources.cpu.shares", "cpu.weight",
                            casca_cgroup_shares_to_weight(res->cpu.shares), err);
                if (r < 0)
                        return r;
        }
        if (quota || period) {
                const char *what_max =
                        quota ? "linux.resources.cpu.quota" : "linux.resources.cpu.period";
                uint64_t p = period ? res->cpu.period : (uint64_t)CPU_PERIOD_DEFAULT;

                if (quota && res->cpu.quota > 0)
                        r = casca_snprintf(buf, sizeof(buf), "%" PRId64 " %" PRIu64, res->cpu.quota,
                                           p);
                else
                        r = casca_snprintf(buf, sizeof(buf), "max %" PRIu64, p);
                if (r < 0)
                        return too_long(what_max, err);
                r = add(s, what_max, false, "cpu.max", buf, err);
                if (r < 0)
                        return r;
        }
        if (res->cpu.has_burst) {
                r = add_u64(s, "linux.resources.cpu.burst", "cpu.max.burst", res->cpu.burst, err);
                if (r < 0)
                        return r;
        }
        if (res->cpu.has_idle) {
                if (res->cpu.idle != 0 && res->cpu.idle != 1)
                        return casca_error_setx(
                                err, EINVAL, "linux.resources.cpu.idle: %" PRId64 " is not 0 or 1",
                                res->cpu.idle);
                r = add(s, "linux.resources.cpu.idle", false, "cpu.idle", res->cpu.idle ? "1" : "0",
                        err);
                if (r < 0)
                        return r;
        }
        if ((res->cpu.has_realtime_runtime && res->cpu.realtime_runtime != 0) ||
            (res->cpu.has_realtime_period && res->cpu.realtime_period != 0))
                return casca_error_setx(err, EOPNOTSUPP,
                                        "linux.resources.cpu.realtimeRuntime/realtimePeriod: "
                                        "not supported on cgroup v2");
        return 0;
}

static int map_memory(const struct casca_resources *res, struct casca_cgroup_settings *s,
                      struct casca_error **err)
{
        int64_t limit = res->memory.has_limit ? res->memory.limit : 0;
        int64_t swap = res->memory.has_swap ? res->memory.swap : 0;
        const char *what = "linux.resources.memory.swap";
        int r;

        r = add_limit(s, "linux.resources.memory.limit", "memory.max", limit, err);
        if (r < 0)
                return r;
        if (res->memory.has_reservation) {
                r = add_limit(s, "linux.resources.memory.reservation", "memory.low",
                              res->memory.reservation, err);
                if (r < 0)
                        return r;
        }

        /* OCI's swap is memory+swap (cgroup v1's memsw); v2 limits swap alone. */
        if (limit == -1 && swap == 0) /* "both unlimited", as v1 did */
                return add(s, what, true, "memory.swap.max", "max", err);
        if (swap == 0)
                return 0;
        if (swap == -1)
                return add(s, what, true, "memory.swap.max", "max", err);
        if (swap < -1)
                return casca_error_setx(err, EINVAL, "%s: invalid value %" PRId64, what, swap);
        if (limit == -1) /* unlimited memory: the swap value as is */
                return add_u64(s, what, "memory.swap.max", (uint64_t)swap, err);
        if (limit == 0)
                return casca_error_setx(err, EINVAL,
                                        "%s: a swap limit needs a memory limit "
                                        "(linux.resources.memory.limit)",
                                        what);
        if (swap < limit)
                return casca_error_setx(err, EINVAL,
                                        "%s: memory+swap limit %" PRId64
                                        " is lower than the memory limit %" PRId64,
                                        what, swap, limit);
        if (swap == limit)
                return add(s, what, true, "memory.swap.max", "0", err);
        return add_u64(s, what, "memory.swap.max", (uint64_t)(swap - limit), err);
}

static int check_dev(const char *what, size_t i, int64_t major, int64_t minor,
                     struct casca_error **err)
{
        if (major < 0 || major > UINT32_MAX || minor < 0 || minor > UINT32_MAX)
                return casca_error_setx(err, EINVAL, "%s[%zu]: invalid device %" PRId64 ":%" PRId64,
                                        what, i, major, minor);
        return 0;
}

struct io_max {
        int64_t major, minor;
        bool has[4];
        uint64_t rate[4];
};

static const char *const io_max_keys[4] = {"rbps", "wbps", "riops", "wiops"};

static int io_max_add(struct io_max **v, size_t *n, const char *what,
                      const struct casca_throttle_device *t, size_t nt, int kind,
                      struct casca_error **err)
{
        for (size_t i = 0; i < nt; i++) {
                struct io_max *e = NULL;
                int r;

                r = check_dev(what, i, t[i].major, t[i].minor, err);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < *n; j++)
                        if ((*v)[j].major == t[i].major && (*v)[j].minor == t[i].minor)
                                e = &(*v)[j];
                if (!e) {
                        e = realloc(*v, (*n + 1) * sizeof(**v));
                        if (!e)
                                return casca_error_set(err, ENOMEM, "%s", what);
                        *v = e;
                        e = &(*v)[(*n)++];
                        memset(e, 0, sizeof(*e));
                        e->major = t[i].major;
                        e->minor = t[i].minor;
                }
                e->has[kind] = true;
                e->rate[kind] = t[i].rate;
        }
        return 0;
}

static int map_io(const struct casca_resources *res, struct casca_cgroup_settings *s,
                  struct casca_error **err)
{
        const char *what = "linux.resources.blockIO.weight";
        _cleanup_free_ struct io_max *max = NULL;
        size_t n_max = 0;
        char buf[160];
        int r;

        if (res->block_io.has_weight && res->block_io.weight != 0) {
                uint16_t w = res->block_io.weight;

                if (w < BLKIO_WEIGHT_MIN || w > BLKIO_WEIGHT_MAX)
                        return casca_error_setx(err, EINVAL, "%s: %u is not in 10..1000", what, w);
                if (casca_snprintf(buf, sizeof(buf), "default %" PRIu64,
                                   casca_cgroup_blkio_to_io_weight(w)) < 0)
                        return too_long(what, err);
                r = add(s, what, false, "io.weight", buf, err);
                if (r < 0)
                        return r;
        }

        what = "linux.resources.blockIO.weightDevice";
        for (size_t i = 0; i < res->block_io.n_weight_device; i++) {
                const struct casca_weight_device *d = &res->block_io.weight_device[i];

                r = check_dev(what, i, d->major, d->minor, err);
                if (r < 0)
                        return r;
                if (!d->has_weight)
                        continue; /* leafWeight alone: nothing in v2 */
                if (d->weight < BLKIO_WEIGHT_MIN || d->weight > BLKIO_WEIGHT_MAX)
                        return casca_error_setx(err, EINVAL,
                                                "%s[%zu].weight: %u is not in 10..1000", what, i,
                                                d->weight);
                if (casca_snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
                                   d->minor, casca_cgroup_blkio_to_io_weight(d->weight)) < 0)
                        return too_long(what, err);
                r = add(s, what, false, "io.weight", buf, err);
                if (r < 0)
                        return r;
        }

        r = io_max_add(&max, &n_max, "linux.resources.blockIO.throttleReadBpsDevice",
                       res->block_io.throttle_read_bps, res->block_io.n_throttle_read_bps, 0, err);
        if (r >= 0)
                r = io_max_add(&max, &n_max, "linux.resources.blockIO.throttleWriteBpsDevice",
                               res->block_io.throttle_write_bps, res->block_io.n_throttle_write_bps,
                               1, err);
        if (r >= 0)
                r = io_max_add(&max, &n_max, "linux.resources.blockIO.throttleReadIOPSDevice",
                               res->block_io.throttle_read_iops, res->block_io.n_throttle_read_iops,
                               2, err);
        if (r >= 0)
                r = io_max_add(&max, &n_max, "linux.resources.blockIO.throttleWriteIOPSDevice",
                               res->block_io.throttle_write_iops,
                               res->block_io.n_throttle_write_iops, 3, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_max; i++) {
                const char *what_max = "linux.resources.blockIO.throttle*";
                int len = casca_snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64, max[i].major,
                                         max[i].minor);

                for (int k = 0; len >= 0 && k < 4; k++) {
                        int n;

                        if (!max[i].has[k])
                                continue;
                        if (max[i].rate[k] == 0)
                                n = casca_snprintf(buf + len, sizeof(buf) - (size_t)len, " %s=max",
                                                   io_max_keys[k]);
                        else
                                n = casca_snprintf(buf + len, sizeof(buf) - (size_t)len,
                                                   " %s=%" PRIu64, io_max_keys[k], max[i].rate[k]);
                        len = n < 0 ? n : len + n;
                }
                if (len < 0)
                        return too_long(what_max, err);
                r = add(s, what_max, false, "io.max", buf, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* "2MB", "1GB", "64KB": digits then KB, MB or GB. */
static bool valid_page_size(const char *p)
{
        size_t digits = strspn(p, "0123456789");

        return digits > 0 && digits <= 10 && p[0] != '0' && strchr("KMG", p[digits]) && p[digits] &&
               p[digits + 1] == 'B' && p[digits + 2] == '\0';
}

static int map_hugetlb(const struct casca_resources *res, struct casca_cgroup_settings *s,
                       struct casca_error **err)
{
        for (size_t i = 0; i < res->n_hugepage_limits; i++) {
                const struct casca_hugepage_limit *h = &res->hugepage_limits[i];
                char file[64];
                int r;

                if (!h->page_size || !valid_page_size(h->page_size))
                        return casca_error_setx(err, EINVAL,
                                                "linux.resources.hugepageLimits[%zu].pageSize: "
                                                "invalid page size \"%s\"",
                                                i, h->page_size ? h->page_size : "");
                if (casca_snprintf(file, sizeof(file), "hugetlb.%s.max", h->page_size) < 0)
                        return too_long("linux.resources.hugepageLimits", err);
                r = add_u64(s, "linux.resources.hugepageLimits", file, h->limit, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int map_unified(const struct casca_resources *res, struct casca_cgroup_settings *s,
                       struct casca_error **err)
{
        static const char *const refused[] = {"cgroup.procs", "cgroup.threads", "cgroup.kill"};

        for (size_t i = 0; i < res->n_unified; i++) {
                const char *k = res->unified[i].key, *v = res->unified[i].value;
                int r;

                if (!k || !k[0] || strchr(k, '/') || strstr(k, "..") || strcmp(k, ".") == 0)
                        return casca_error_setx(err, EINVAL,
                                                "linux.resources.unified: invalid key \"%s\"",
                                                k ? k : "");
                for (size_t j = 0; j < ARRAY_SIZE(refused); j++)
                        if (strcmp(k, refused[j]) == 0)
                                return casca_error_setx(err, EINVAL,
                                                        "linux.resources.unified: key \"%s\" "
                                                        "is not a resource",
                                                        k);
                r = add(s, "linux.resources.unified", false, k, v ? v : "", err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int casca_cgroup_map_resources(const struct casca_resources *res, struct casca_cgroup_settings *ret,
                               struct casca_error **err)
{
        _cleanup_(settings_clearp) struct casca_cgroup_settings s = {0};
        int r;

        if (res) {
                r = map_cpu(res, &s, err);
                if (r >= 0)
                        r = map_memory(res, &s, err);
                if (r >= 0)
                        r = map_io(res, &s, err);
                if (r >= 0 && res->pids.has_limit)
                        r = res->pids.limit <= 0
                                    ? add(&s, "linux.resources.pids.limit", false, "pids.max",
                                          "max", err)
                                    : add_u64(&s, "linux.resources.pids.limit", "pids.max",
                                              (uint64_t)res->pids.limit, err);
                if (r >= 0)
                        r = map_hugetlb(res, &s, err);
                if (r >= 0)
                        r = map_unified(res, &s, err);
                if (r < 0)
                        return r;
        }
        *ret = s;
        s.v = NULL;
        s.n = 0;
        return 0;
}
