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

void casca_cgroup_watch_free(struct casca_cgroup_watch *w)
{
        if (!w)
                return;
        casca_closep(&w->events_fd);
        casca_closep(&w->memory_fd);
        free(w);
}
