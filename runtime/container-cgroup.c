/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* container-cgroup.c - the verbs that work on a container's cgroup:
 * pause, resume, ps, update, stats and the events stream. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "runtime/config.h"
#include "runtime/handle.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "util/fs.h"
#include "util/json.h"

/* Open `id` and its cgroup.  `verb` says what needs it: "pausing" gives
 * "container `x` has no cgroup: pausing needs cgroup v2". */
static int open_with_cgroup(struct casca_context *ctx, const char *id, bool exclusive,
                            const char *verb, struct casca_handle *h, struct casca_cgroup **ret_cg,
                            struct casca_error **err)
{
        int r;

        r = casca_handle_open(ctx, id, exclusive, h, err);
        if (r < 0)
                return r;
        *ret_cg = casca_handle_cgroup(h);
        if (!*ret_cg) {
                casca_handle_close(h);
                return casca_error_setx(err, EOPNOTSUPP,
                                        "container `%s` has no cgroup: %s needs cgroup v2", id,
                                        verb);
        }
        return 0;
}

static bool is_live(enum casca_status s)
{
        return s == CASCA_STATUS_CREATED || s == CASCA_STATUS_RUNNING || s == CASCA_STATUS_PAUSED;
}

/* ---- pause / resume --------------------------------------------------------- */

static int set_frozen(struct casca_context *ctx, const char *id, bool frozen,
                      struct casca_error **err)
{
        _cleanup_cgroup_ struct casca_cgroup *cg = NULL;
        struct casca_handle h;
        int r;

        r = open_with_cgroup(ctx, id, true, frozen ? "pausing" : "resuming", &h, &cg, err);
        if (r < 0)
                return r;
        if (!is_live(h.status)) {
                r = casca_error_setx(err, ESRCH, "container `%s` is not running (%s)", id,
                                     casca_status_name(h.status));
                goto out;
        }
        /* the status read the cgroup without taking errors: ask again */
        r = casca_cgroup_is_frozen(cg, err);
        if (r < 0)
                goto prefix;
        if (frozen && r > 0) {
                r = casca_error_setx(err, EBUSY, "container `%s` is already paused", id);
                goto out;
        }
        if (!frozen && r == 0) {
                r = casca_error_setx(err, EINVAL, "container `%s` is not paused", id);
                goto out;
        }
        r = casca_cgroup_freeze(cg, frozen, err);
        if (r >= 0) {
                r = 0;
                goto out;
        }
prefix:
        casca_error_prefix(err, "container `%s`", id);
out:
        casca_handle_close(&h);
        return r;
}

int casca_container_pause(struct casca_context *ctx, const char *id, struct casca_error **err)
{
        return set_frozen(ctx, id, true, err);
}

int casca_container_resume(struct casca_context *ctx, const char *id, struct casca_error **err)
{
        return set_frozen(ctx, id, false, err);
}

/* ---- ps -------------------------------------------------------------------- */

static int cmp_pid(const void *a, const void *b)
{
        pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

        return x < y ? -1 : x > y;
}

int casca_container_ps(struct casca_context *ctx, const char *id, pid_t **ret_pids, size_t *ret_n,
                       struct casca_error **err)
{
        struct casca_procs procs;
        struct casca_handle h;
        int r;

        *ret_pids = NULL;
        *ret_n = 0;
        r = casca_handle_open(ctx, id, false, &h, err);
        if (r < 0)
                return r;
        r = casca_handle_procs(&h, "ps", &procs, err);
        casca_handle_close(&h);
        if (r < 0)
                return r;
        if (procs.n > 1)
                qsort(procs.pids, procs.n, sizeof(*procs.pids), cmp_pid);
        *ret_pids = TAKE_PTR(procs.pids);
        *ret_n = procs.n;
        casca_procs_clear(&procs);
        return 0;
}

/* ---- update ---------------------------------------------------------------- */

/* Merge what an update applied into linux.resources of the state dir's copy
 * of config.json (atomically), so that the next update and whatever reads
 * the saved config see the container's limits. */
static int record_resources(int dir_fd, const struct casca_resources *res, struct casca_error **err)
{
        _cleanup_free_ char *saved = NULL, *patch = NULL, *merged = NULL;
        _cleanup_json_ struct casca_json *base = NULL, *over = NULL;
        _cleanup_close_ int fd = -1;
        struct casca_jgen j;
        char path[CASCA_FD_PATH_MAX];
        size_t len = 0;
        int r;

        fd = openat(dir_fd, CASCA_STATE_CONFIG, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return casca_error_set(err, errno, "open the saved config");
        saved = casca_fs_read_file(casca_fd_path(path, fd), &len, err);
        if (!saved)
                return -EIO;
        base = casca_json_parse(saved, len, err);
        if (!base)
                return casca_error_prefix(err, "the saved config");

        r = casca_jgen_init(&j, CASCA_JGEN_DOCUMENT, err);
        if (r < 0)
                return r;
        casca_jgen_map_open(&j);
        casca_jgen_str(&j, "linux");
        casca_jgen_map_open(&j);
        casca_jgen_str(&j, "resources");
        casca_resources_emit(&j, res);
        casca_jgen_map_close(&j);
        casca_jgen_map_close(&j);
        patch = casca_jgen_finish(&j, err);
        if (!patch)
                return -EINVAL;
        over = casca_json_parse(patch, strlen(patch), err);
        if (!over)
                return -EINVAL;

        r = casca_jgen_init(&j, CASCA_JGEN_DOCUMENT, err);
        if (r < 0)
                return r;
        casca_jgen_merged(&j, base, over);
        merged = casca_jgen_finish(&j, err);
        if (!merged)
                return -EINVAL;
        return casca_write_atomic(dir_fd, CASCA_STATE_CONFIG, merged, strlen(merged), err);
}

int casca_container_update(struct casca_context *ctx, const char *id,
                           const struct casca_resources *res, struct casca_error **err)
{
        _cleanup_cgroup_ struct casca_cgroup *cg = NULL;
        struct casca_resources r = *res;
        struct casca_handle h;
        int ret;

        ret = open_with_cgroup(ctx, id, true, "updating its limits", &h, &cg, err);
        if (ret < 0)
                return ret;
        if (!is_live(h.status)) {
                ret = casca_error_setx(err, ESRCH, "container `%s` is not running (%s)", id,
                                       casca_status_name(h.status));
                goto out;
        }
        /* the device filter stays as created (like runc's update) */
        r.devices = NULL;
        r.n_devices = 0;
        ret = casca_cgroup_update(cg, &r, err);
        if (ret >= 0) {
                ret = record_resources(h.dir_fd, &r, err);
                if (ret < 0)
                        casca_error_prefix(err, "limits applied but not recorded");
        }
        if (ret < 0)
                casca_error_prefix(err, "container `%s`", id);
        else
                ret = 0;
out:
        casca_handle_close(&h);
        return ret;
}

/* ---- stats and events ------------------------------------------------------ */

/* {"type":"<type>","id":"<id>"} on one line, with "data": the statistics
 * of cg when cg is not NULL. */
static int event_json(const char *type, const char *id, struct casca_cgroup *cg, char **ret,
                      struct casca_error **err)
{
        struct casca_jgen j;
        int r;

        r = casca_jgen_init(&j, 0, err);
        if (r < 0)
                return casca_error_prefix(err, "container `%s`: event", id);
        casca_jgen_map_open(&j);
        casca_jgen_kstr(&j, "type", type);
        casca_jgen_kstr(&j, "id", id);
        if (cg) {
                casca_jgen_str(&j, "data");
                r = casca_cgroup_stats(cg, &j, err);
                if (r < 0) {
                        casca_jgen_done(&j);
                        return casca_error_prefix(err, "container `%s`", id);
                }
        }
        casca_jgen_map_close(&j);
        *ret = casca_jgen_finish(&j, err);
        return *ret ? 0 : casca_error_prefix(err, "container `%s`: %s", id, type);
}

int casca_container_stats(struct casca_context *ctx, const char *id, char **ret_json,
                          struct casca_error **err)
{
        _cleanup_cgroup_ struct casca_cgroup *cg = NULL;
        struct casca_handle h;
        int r;

        *ret_json = NULL;
        r = open_with_cgroup(ctx, id, false, "reading its statistics", &h, &cg, err);
        if (r < 0)
                return r;
        r = event_json("stats", id, cg, ret_json, err);
        casca_handle_close(&h);
        return r;
}

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct events {
        const char *id;
        struct casca_cgroup *cg;
        casca_event_fn fn;
        void *data;
        struct casca_oom_count oom;
};

/* Hand one event (type "oom" or "stats") to the caller. */
static int emit(struct events *e, const char *type, struct casca_error **err)
{
        _cleanup_free_ char *json = NULL;
        int r;

        r = event_json(type, e->id, strcmp(type, "stats") == 0 ? e->cg : NULL, &json, err);
        if (r < 0)
                return r;
        r = e->fn(json, e->data);
        return r < 0 ? casca_error_set(err, -r, "container `%s`: events", e->id) : 0;
}

/* The "oom" events memory.events shows since the last look
 * (casca_oom_count_step). */
static int check_oom(struct events *e, const struct casca_cgroup_events *now, bool last,
                     struct casca_error **err)
{
        uint64_t n = casca_oom_count_step(&e->oom, now, now_ms(), last);
        int r;

        for (uint64_t i = 0; i < n; i++) {
                r = emit(e, "oom", err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int casca_container_events(struct casca_context *ctx, const char *id, unsigned interval_ms,
                           casca_event_fn fn, void *userdata, struct casca_error **err)
{
        _cleanup_cgroup_ struct casca_cgroup *cg = NULL;
        _cleanup_cgroup_watch_ struct casca_cgroup_watch *w = NULL;
        _cleanup_close_ int pidfd = -1;
        struct events e = {.id = id, .fn = fn, .data = userdata};
        struct casca_cgroup_events now;
        struct casca_handle h;
        int64_t next_stats;
        int r;

        r = open_with_cgroup(ctx, id, false, "watching its events", &h, &cg, err);
        if (r < 0)
                return r;
        pidfd = is_live(h.status) ? casca_handle_pidfd(h.st) : -ESRCH;
        /* the lock is not held while streaming: delete must not wait for us */
        casca_handle_close(&h);
        if (pidfd < 0)
                return pidfd == -ESRCH
                               ? casca_error_setx(err, ESRCH, "container `%s` is not running", id)
                               : casca_error_set(err, -pidfd, "container `%s`: pidfd_open", id);
        e.cg = cg;
        r = casca_cgroup_watch_open(cg, &w, err);
        if (r < 0)
                return r;
        casca_cgroup_watch_read(w, &now);
        casca_oom_count_init(&e.oom, &now);
        next_stats = now_ms() + interval_ms;
        for (;;) {
                struct pollfd p[3] = {{.fd = pidfd, .events = POLLIN}};
                size_t n = 1 + casca_cgroup_watch_pollfds(w, p + 1, ARRAY_SIZE(p) - 1);
                int64_t left = interval_ms ? next_stats - now_ms() : 1000;
                int64_t due = casca_oom_count_due(&e.oom, now_ms());
                bool done;

                if (due >= 0 && due < left)
                        left = due;
                if (poll(p, n, left < 0 ? 0 : (int)(left > 1000 ? 1000 : left)) < 0 &&
                    errno != EINTR)
                        return casca_error_set(err, errno, "container `%s`: poll", id);
                /* the init gone, or nothing left in the cgroup: a last look
                 * (an OOM kill of the init ends the container) */
                casca_cgroup_watch_read(w, &now);
                done = (p[0].revents & POLLIN) || (now.has_populated && !now.populated);
                r = check_oom(&e, &now, done, err);
                if (r < 0 || done)
                        return r < 0 ? r : 0;
                if (interval_ms && now_ms() >= next_stats) {
                        next_stats = now_ms() + interval_ms;
                        r = emit(&e, "stats", err);
                        if (r < 0)
                                return r;
                }
        }
}
