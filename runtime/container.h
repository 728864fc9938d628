/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* container.h - internals shared by create.c, container.c and
 * container-cgroup.c: the state root and an opened container (handle.c). */
#ifndef CASCA_CONTAINER_H
#define CASCA_CONTAINER_H

#include "casca.h"
#include "state.h"

struct casca_cgroup;

const char *casca_container_state_root(const struct casca_context *ctx);

/* An opened, locked container: its state dir and state. */
struct casca_handle {
        int root_fd, dir_fd;
        struct casca_state *st;
        enum casca_status status; /* "paused" when its cgroup is frozen */
};

/* Open and flock() (exclusive or shared) the state dir of `id` and read its
 * state: "container `id` does not exist" when there is none. */
int casca_handle_open(struct casca_context *ctx, const char *id, bool exclusive,
                      struct casca_handle *h, struct casca_error **err);
void casca_handle_close(struct casca_handle *h);
/* The container's cgroup, or NULL (none, or gone). */
struct casca_cgroup *casca_handle_cgroup(struct casca_handle *h);
/* A pidfd of the container's init; -ESRCH when it is gone (or the pid was
 * reused), another -errno when pidfd_open fails. */
int casca_handle_pidfd(const struct casca_state *st);

#endif
