/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroupfs-stats.c - a cgroup's statistics as the "data" object of
 * `runc events --stats` (runc's types/events.go names and units: cpu
 * times in nanoseconds, "max" as 2^64-1). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/backend.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/format.h"
#include "util/parse.h"

/* Keys that come from control files: emitted only when plain. */
static bool plain(const char *s)
{
        return s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                 "0123456789_.-") == strlen(s);
}

/* "key": { */
static void open_map(struct casca_jgen *j, const char *key)
{
        casca_jgen_str(j, key);
        casca_jgen_map_open(j);
}

/* A single-value file: a number or "max" (2^64-1).  false when absent. */
static bool read_u64(int dfd, const char *file, uint64_t *ret)
{
        _cleanup_free_ char *s = NULL;
        const char *end;

        if (casca_cgroupfs_read(dfd, file, &s) < 0)
                return false;
        if (strncmp(s, "max", 3) == 0) {
                *ret = UINT64_MAX;
                return true;
        }
        return casca_parse_u64(s, &end, UINT64_MAX, ret) == 0;
}

/* The number s starts with, 0 when there is none. */
static uint64_t number(const char *s)
{
        const char *end;
        uint64_t v;

        return casca_parse_u64(s, &end, UINT64_MAX, &v) == 0 ? v : 0;
}

static uint64_t keyed(const char *text, const char *key)
{
        uint64_t v = 0;

        return text && casca_cgroupfs_keyed(text, key, &v) == 0 ? v : 0;
}

static uint64_t usec_to_ns(uint64_t us)
{
        return us > UINT64_MAX / 1000 ? UINT64_MAX : us * 1000;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void stats_cpu(struct casca_jgen *j, int dfd)
{
        _cleanup_free_ char *st = NULL;

        if (casca_cgroupfs_read(dfd, "cpu.stat", &st) < 0)
                return;
        open_map(j, "cpu");
        open_map(j, "usage");
        casca_jgen_ku64(j, "total", usec_to_ns(keyed(st, "usage_usec")));
        casca_jgen_ku64(j, "kernel", usec_to_ns(keyed(st, "system_usec")));
        casca_jgen_ku64(j, "user", usec_to_ns(keyed(st, "user_usec")));
        casca_jgen_map_close(j);
        open_map(j, "throttling");
        casca_jgen_ku64(j, "periods", keyed(st, "nr_periods"));
        casca_jgen_ku64(j, "throttledPeriods", keyed(st, "nr_throttled"));
        casca_jgen_ku64(j, "throttledTime", usec_to_ns(keyed(st, "throttled_usec")));
        casca_jgen_map_close(j);
        casca_jgen_map_close(j);
}

static void stats_memory(struct casca_jgen *j, int dfd)
{
        _cleanup_free_ char *stat = NULL, *events = NULL, *swap_events = NULL, *copy = NULL;
        uint64_t current, max = UINT64_MAX, peak = 0, swap = 0, swap_max = UINT64_MAX;
        bool has_swap;
        char *save = NULL;

        if (!read_u64(dfd, "memory.current", &current))
                return;
        (void)read_u64(dfd, "memory.max", &max);
        (void)read_u64(dfd, "memory.peak", &peak); /* kernel 5.19 */
        has_swap = read_u64(dfd, "memory.swap.current", &swap);
        (void)read_u64(dfd, "memory.swap.max", &swap_max);
        (void)casca_cgroupfs_read(dfd, "memory.stat", &stat);
        (void)casca_cgroupfs_read(dfd, "memory.events", &events);
        (void)casca_cgroupfs_read(dfd, "memory.swap.events", &swap_events);

        open_map(j, "memory");
        casca_jgen_ku64(j, "cache", keyed(stat, "file"));
        open_map(j, "usage");
        casca_jgen_ku64(j, "limit", max);
        casca_jgen_ku64(j, "usage", current);
        casca_jgen_ku64(j, "max", peak);
        casca_jgen_ku64(j, "failcnt", keyed(events, "max"));
        casca_jgen_map_close(j);
        if (has_swap) { /* like runc: v1's memory+swap view */
                open_map(j, "swap");
                casca_jgen_ku64(j, "limit",
                                max == UINT64_MAX || swap_max == UINT64_MAX
                                        ? UINT64_MAX
                                        : add_sat(max, swap_max));
                casca_jgen_ku64(j, "usage", add_sat(swap, current));
                casca_jgen_ku64(j, "failcnt", keyed(swap_events, "fail"));
                casca_jgen_map_close(j);
        }
        copy = stat ? strdup(stat) : NULL;
        if (copy) {
                open_map(j, "raw");
                for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                        char *sp = strchr(l, ' ');

                        if (!sp)
                                continue;
                        *sp = '\0';
                        if (plain(l))
                                casca_jgen_ku64(j, l, number(sp + 1));
                }
                casca_jgen_map_close(j);
        }
        casca_jgen_map_close(j);
}

static void stats_pids(struct casca_jgen *j, int dfd)
{
        uint64_t current, limit = 0;

        if (!read_u64(dfd, "pids.current", &current))
                return;
        if (read_u64(dfd, "pids.max", &limit) && limit == UINT64_MAX)
                limit = 0; /* runc: 0 is "no limit" */
        open_map(j, "pids");
        casca_jgen_ku64(j, "current", current);
        casca_jgen_ku64(j, "limit", limit);
        casca_jgen_map_close(j);
}

/* io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device. */
static void blkio_list(struct casca_jgen *j, const char *iostat, const char *name, const char *rkey,
                       const char *wkey)
{
        casca_jgen_str(j, name);
        casca_jgen_array_open(j);
        for (const char *l = iostat; l && *l;) {
                const char *keys[2] = {rkey, wkey}, *ops[2] = {"Read", "Write"}, *e;
                unsigned major, minor;

                if (casca_parse_uint(l, &e, UINT_MAX, &major) == 0 && *e == ':' &&
                    casca_parse_uint(e + 1, &e, UINT_MAX, &minor) == 0) {
                        for (int k = 0; k < 2; k++) {
                                const char *p = strstr(l, keys[k]);
                                const char *eol = strchr(l, '\n');

                                if (!p || (eol && p > eol))
                                        continue;
                                casca_jgen_map_open(j);
                                casca_jgen_ku64(j, "major", major);
                                casca_jgen_ku64(j, "minor", minor);
                                casca_jgen_kstr(j, "op", ops[k]);
                                casca_jgen_ku64(j, "value", number(p + strlen(keys[k])));
                                casca_jgen_map_close(j);
                        }
                }
                l = strchr(l, '\n');
                if (l)
                        l++;
        }
        casca_jgen_array_close(j);
}

static void stats_blkio(struct casca_jgen *j, int dfd)
{
        _cleanup_free_ char *iostat = NULL;

        if (casca_cgroupfs_read(dfd, "io.stat", &iostat) < 0)
                return;
        open_map(j, "blkio");
        blkio_list(j, iostat, "ioServiceBytesRecursive", " rbytes=", " wbytes=");
        blkio_list(j, iostat, "ioServicedRecursive", " rios=", " wios=");
        casca_jgen_map_close(j);
}

static void stats_hugetlb(struct casca_jgen *j, int dfd)
{
        _cleanup_closedir_ DIR *d = casca_fs_opendir_at(dfd, ".");
        struct dirent *de;
        bool open = false;

        if (!d)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *events = NULL;
                char size[32], file[64];
                size_t len = strlen(de->d_name);
                uint64_t usage = 0;

                /* hugetlb.<size>.current */
                if (strncmp(de->d_name, "hugetlb.", 8) != 0 || len < 17 ||
                    strcmp(de->d_name + len - 8, ".current") != 0 || len - 16 >= sizeof(size))
                        continue;
                if (casca_snprintf(size, sizeof(size), "%.*s", (int)(len - 16), de->d_name + 8) <
                            0 ||
                    !plain(size) || strchr(size, '.') || !read_u64(dfd, de->d_name, &usage) ||
                    casca_snprintf(file, sizeof(file), "hugetlb.%s.events", size) < 0)
                        continue;
                (void)casca_cgroupfs_read(dfd, file, &events);
                if (!open)
                        open_map(j, "hugetlb");
                open = true;
                open_map(j, size);
                casca_jgen_ku64(j, "usage", usage);
                casca_jgen_ku64(j, "failcnt", keyed(events, "max"));
                casca_jgen_map_close(j);
        }
        if (open)
                casca_jgen_map_close(j);
}

int casca_cgroupfs_stats(struct casca_cgroup *cg, struct casca_jgen *j, struct casca_error **err)
{
        struct stat st;

        if (fstat(cg->dfd, &st) < 0)
                return casca_error_set(err, errno, "cgroup %s", cg->path);
        casca_jgen_map_open(j);
        stats_cpu(j, cg->dfd);
        stats_memory(j, cg->dfd);
        stats_pids(j, cg->dfd);
        stats_blkio(j, cg->dfd);
        stats_hugetlb(j, cg->dfd);
        casca_jgen_map_close(j);
        return 0;
}
