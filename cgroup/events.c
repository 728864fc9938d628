/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* events.c - watching a cgroup: what cgroup.events and memory.events say,
 * and fds to poll for their changes (the kernel wakes POLLPRI pollers of
 * both files when a counter or populated changes). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "cgroup/backend.h"
#include "util/cleanup.h"

struct casca_cgroup_watch {
        int events_fd; /* cgroup.events, -1 when it cannot be opened */
        int memory_fd; /* memory.events, -1 without the memory controller */
};

int casca_cgroup_watch_open(struct casca_cgroup *cg, struct casca_cgroup_watch **ret,
                            struct casca_error **err)
{
        struct casca_cgroup_watch *w = calloc(1, sizeof(*w));

        if (!w)
                return casca_error_set(err, ENOMEM, "cgroup %s: watch", cg->path);
        w->events_fd = openat(cg->dfd, "cgroup.events", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        w->memory_fd = openat(cg->dfd, "memory.events", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        *ret = w;
        return 0;
}

size_t casca_cgroup_watch_pollfds(const struct casca_cgroup_watch *w, struct pollfd *fds, size_t n)
{
        const int both[] = {w->memory_fd, w->events_fd};
        size_t used = 0;

        for (size_t i = 0; i < ARRAY_SIZE(both) && used < n; i++)
                fds[used++] = (struct pollfd){.fd = both[i], .events = POLLPRI};
        return used;
}

void casca_cgroup_watch_read(struct casca_cgroup_watch *w, struct casca_cgroup_events *ret)
{
        char buf[512];
        uint64_t v = 0;

        *ret = (struct casca_cgroup_events){0};
        /* cgroup.events first: a reader that sees the cgroup empty then
         * finds every OOM kill that emptied it in memory.events */
        if (casca_cgroupfs_pread(w->events_fd, buf, sizeof(buf)) == 0 &&
            casca_cgroupfs_keyed(buf, "populated", &v) == 0) {
                ret->has_populated = true;
                ret->populated = v != 0;
        }
        if (casca_cgroupfs_pread(w->memory_fd, buf, sizeof(buf)) == 0) {
                ret->has_oom = true;
                if (casca_cgroupfs_keyed(buf, "oom", &v) == 0)
                        ret->oom = v;
                if (casca_cgroupfs_keyed(buf, "oom_kill", &v) == 0)
                        ret->oom_kill = v;
        }
}

void casca_oom_count_init(struct casca_oom_count *c, const struct casca_cgroup_events *now)
{
        *c = (struct casca_oom_count){.oom = now->oom, .oom_kill = now->oom_kill};
}

uint64_t casca_oom_count_step(struct casca_oom_count *c, const struct casca_cgroup_events *now,
                              int64_t now_ms, bool last)
{
        uint64_t n = 0;

        if (now->has_oom && now->oom_kill > c->oom_kill) {
                /* the kills explain every failed charge before them */
                n = now->oom_kill - c->oom_kill;
                c->pending = false;
                c->killed = true;
                c->killed_at = now_ms;
        } else if (now->has_oom && now->oom > c->oom && !c->pending &&
                   !(c->killed && now_ms - c->killed_at < CASCA_OOM_WINDOW_MS)) {
                c->pending = true;
                c->pending_since = now_ms;
        }
        if (now->has_oom) {
                c->oom = now->oom;
                c->oom_kill = now->oom_kill;
        }
        if (c->pending && (last || now_ms - c->pending_since >= CASCA_OOM_WINDOW_MS)) {
                c->pending = false;
                n++;
        }
        return n;
}

int64_t casca_oom_count_due(const struct casca_oom_count *c, int64_t now_ms)
{
        int64_t left;

        if (!c->pending)
                return -1;
        left = c->pending_since + CASCA_OOM_WINDOW_MS - now_ms;
        return left < 0 ? 0 : left;
}

void casca_cgroup_watch_free(struct casca_cgroup_watch *w)
{
        if (!w)
                return;
        casca_closep(&w->events_fd);
        casca_closep(&w->memory_fd);
        free(w);
}
