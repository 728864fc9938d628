/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* handle.h - an opened container (handle.c): its locked state dir, its
 * state, its cgroup, a pidfd of its init; and its processes (procs.c). */
#ifndef CASCA_RUNTIME_HANDLE_H
#define CASCA_RUNTIME_HANDLE_H

#include <stdbool.h>
#include <sys/types.h>

#include "casca.h"
#include "runtime/state.h"

struct casca_cgroup;

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
/* The same in the state root `root_fd` (an opened casca_state_root_open()),
 * which the handle takes over, also on failure: for a caller that opens
 * many containers of one root (list) and opens the root once. */
int casca_handle_open_at(int root_fd, const char *id, bool exclusive, struct casca_handle *h,
                         struct casca_error **err);
/* The same without waiting for the lock (list): where a create, start or
 * delete holds it, the container as its state.json says, or, before it
 * has one, only its id and the status "creating". */
int casca_handle_peek_at(int root_fd, const char *id, struct casca_handle *h,
                         struct casca_error **err);
void casca_handle_close(struct casca_handle *h);
/* The container's cgroup, or NULL (none, or gone). */
struct casca_cgroup *casca_handle_cgroup(struct casca_handle *h);
/* A pidfd of the container's init; -ESRCH when it is gone (or the pid was
 * reused), another -errno when pidfd_open fails. */
int casca_handle_pidfd(const struct casca_state *st);

/* procs.c: the container's processes, each with a pidfd opened
 * before it was found to be the container's (pids[i], fds[i]). */
struct casca_procs {
        pid_t *pids;
        int *fds;
        size_t n;
};
/* Through its cgroup (what it holds, started or stopped); without one,
 * every process in the init's pid namespace and those below it, when the
 * init is the first process of a namespace of its own; none when it has
 * stopped.  Without either: "container `x` has no cgroup and no pid
 * namespace of its own: <verb> needs one of them". */
int casca_handle_procs(struct casca_handle *h, const char *verb, struct casca_procs *ret,
                       struct casca_error **err);
void casca_procs_clear(struct casca_procs *p);

#endif
