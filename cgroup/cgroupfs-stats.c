/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroupfs-stats.c - a cgroup's statistics as the "data" object of
 * `runc events --stats` (runc's types/events.go names and units: cpu
 * times in nanoseconds, "max" as 2^64-1). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/backend.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* A minimal JSON writer: objects, arrays, numbers and plain-ASCII strings
 * (keys come from control files and are checked, never escaped). */
struct jw {
        FILE *f;
        int depth;
        bool first[16];
};

static bool plain(const char *s)
{
        return s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                 "0123456789_.-") == strlen(s);
}

static void jw_key(struct jw *w, const char *key)
{
        if (!w->first[w->depth])
                fputc(',', w->f);
        w->first[w->depth] = false;
        if (key)
                fprintf(w->f, "\"%s\":", key);
}

static void jw_open(struct jw *w, const char *key, char brace)
{
        jw_key(w, key);
        fputc(brace, w->f);
        if (w->depth + 1 < (int)ARRAY_SIZE(w->first))
                w->first[++w->depth] = true;
}

static void jw_close(struct jw *w, char brace)
{
        fputc(brace, w->f);
        if (w->depth > 0)
                w->depth--;
}

static void jw_u64(struct jw *w, const char *key, uint64_t v)
{
        jw_key(w, key);
        fprintf(w->f, "%" PRIu64, v);
}

static void jw_str(struct jw *w, const char *key, const char *v)
{
        jw_key(w, key);
        fprintf(w->f, "\"%s\"", v);
}

/* A single-value file: a number or "max" (2^64-1).  false when absent. */
static bool read_u64(int dfd, const char *file, uint64_t *ret)
{
        _cleanup_free_ char *s = NULL;
        char *end;

        if (casca_cgroupfs_read(dfd, file, &s) < 0)
                return false;
        if (strncmp(s, "max", 3) == 0) {
                *ret = UINT64_MAX;
                return true;
        }
        errno = 0;
        *ret = strtoull(s, &end, 10);
        return errno == 0 && end != s;
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

static void stats_cpu(struct jw *w, int dfd)
{
        _cleanup_free_ char *st = NULL;

        if (casca_cgroupfs_read(dfd, "cpu.stat", &st) < 0)
                return;
        jw_open(w, "cpu", '{');
        jw_open(w, "usage", '{');
        jw_u64(w, "total", usec_to_ns(keyed(st, "usage_usec")));
        jw_u64(w, "kernel", usec_to_ns(keyed(st, "system_usec")));
        jw_u64(w, "user", usec_to_ns(keyed(st, "user_usec")));
        jw_close(w, '}');
        jw_open(w, "throttling", '{');
        jw_u64(w, "periods", keyed(st, "nr_periods"));
        jw_u64(w, "throttledPeriods", keyed(st, "nr_throttled"));
        jw_u64(w, "throttledTime", usec_to_ns(keyed(st, "throttled_usec")));
        jw_close(w, '}');
        jw_close(w, '}');
}

static void stats_memory(struct jw *w, int dfd)
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

        jw_open(w, "memory", '{');
        jw_u64(w, "cache", keyed(stat, "file"));
        jw_open(w, "usage", '{');
        jw_u64(w, "limit", max);
        jw_u64(w, "usage", current);
        jw_u64(w, "max", peak);
        jw_u64(w, "failcnt", keyed(events, "max"));
        jw_close(w, '}');
        if (has_swap) { /* like runc: v1's memory+swap view */
                jw_open(w, "swap", '{');
                jw_u64(w, "limit",
                       max == UINT64_MAX || swap_max == UINT64_MAX ? UINT64_MAX
                                                                   : add_sat(max, swap_max));
                jw_u64(w, "usage", add_sat(swap, current));
                jw_u64(w, "failcnt", keyed(swap_events, "fail"));
                jw_close(w, '}');
        }
        copy = stat ? strdup(stat) : NULL;
        if (copy) {
                jw_open(w, "raw", '{');
                for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                        char *sp = strchr(l, ' ');

                        if (!sp)
                                continue;
                        *sp = '\0';
                        if (plain(l))
                                jw_u64(w, l, strtoull(sp + 1, NULL, 10));
                }
                jw_close(w, '}');
        }
        jw_close(w, '}');
}

static void stats_pids(struct jw *w, int dfd)
{
        uint64_t current, limit = 0;

        if (!read_u64(dfd, "pids.current", &current))
                return;
        if (read_u64(dfd, "pids.max", &limit) && limit == UINT64_MAX)
                limit = 0; /* runc: 0 is "no limit" */
        jw_open(w, "pids", '{');
        jw_u64(w, "current", current);
        jw_u64(w, "limit", limit);
        jw_close(w, '}');
}

/* io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device. */
static void blkio_list(struct jw *w, const char *iostat, const char *name, const char *rkey,
                       const char *wkey)
{
        jw_open(w, name, '[');
        for (const char *l = iostat; l && *l;) {
                unsigned major, minor;
                const char *keys[2] = {rkey, wkey}, *ops[2] = {"Read", "Write"};

                if (sscanf(l, "%u:%u", &major, &minor) == 2) {
                        for (int k = 0; k < 2; k++) {
                                const char *p = strstr(l, keys[k]);
                                const char *eol = strchr(l, '\n');

                                if (!p || (eol && p > eol))
                                        continue;
                                jw_open(w, NULL, '{');
                                jw_u64(w, "major", major);
                                jw_u64(w, "minor", minor);
                                jw_str(w, "op", ops[k]);
                                jw_u64(w, "value", strtoull(p + strlen(keys[k]), NULL, 10));
                                jw_close(w, '}');
                        }
                }
                l = strchr(l, '\n');
                if (l)
                        l++;
        }
        jw_close(w, ']');
}

static void stats_blkio(struct jw *w, int dfd)
{
        _cleanup_free_ char *iostat = NULL;

        if (casca_cgroupfs_read(dfd, "io.stat", &iostat) < 0)
                return;
        jw_open(w, "blkio", '{');
        blkio_list(w, iostat, "ioServiceBytesRecursive", " rbytes=", " wbytes=");
        blkio_list(w, iostat, "ioServicedRecursive", " rios=", " wios=");
        jw_close(w, '}');
}

static void stats_hugetlb(struct jw *w, int dfd)
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
                snprintf(size, sizeof(size), "%.*s", (int)(len - 16), de->d_name + 8);
                if (!plain(size) || strchr(size, '.') || !read_u64(dfd, de->d_name, &usage))
                        continue;
                snprintf(file, sizeof(file), "hugetlb.%s.events", size);
                (void)casca_cgroupfs_read(dfd, file, &events);
                if (!open)
                        jw_open(w, "hugetlb", '{');
                open = true;
                jw_open(w, size, '{');
                jw_u64(w, "usage", usage);
                jw_u64(w, "failcnt", keyed(events, "max"));
                jw_close(w, '}');
        }
        if (open)
                jw_close(w, '}');
}

int casca_cgroupfs_stats_json(struct casca_cgroup *cg, char **ret_json, struct casca_error **err)
{
        struct jw w = {.first = {true}};
        char *buf = NULL;
        size_t len = 0;
        struct stat st;

        if (fstat(cg->dfd, &st) < 0)
                return casca_error_set(err, errno, "cgroup %s", cg->path);
        w.f = open_memstream(&buf, &len);
        if (!w.f)
                return casca_error_set(err, errno, "cgroup %s: stats", cg->path);
        jw_open(&w, NULL, '{');
        stats_cpu(&w, cg->dfd);
        stats_memory(&w, cg->dfd);
        stats_pids(&w, cg->dfd);
        stats_blkio(&w, cg->dfd);
        stats_hugetlb(&w, cg->dfd);
        jw_close(&w, '}');
        if (fclose(w.f) != 0 || !buf) {
                free(buf);
                return casca_error_set(err, ENOMEM, "cgroup %s: stats", cg->path);
        }
        *ret_json = buf;
        return 0;
}
