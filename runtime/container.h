/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* container.h - internals shared by create.c, container.c and
 * container-cgroup.c: the state root and an opened container (handle.c). */
#ifndef CASCA_CONTAINER_H
#define CASCA_CONTAINER_H

#include <signal.h>
#include <stdbool.h>
#include <termios.h>

#include "casca.h"
#include "runtime/state.h"

struct casca_cgroup;

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/config.h"

struct casca_network_result;

/* container-net.c.  In the runtime, once the init (pid init) is in its
 * network namespace: pin that namespace when linux.netDevices is set, build
 * casca.network when build (a new network namespace and cfg->network), move
 * in the netDevices, write <root>/<id>/{hostname,hosts,resolv.conf}.
 * *ret_res: the network (NULL without build), to be freed with
 * casca_network_result_free() as late as possible (it holds the nftables
 * socket, whose release waits for an RCU grace period).  On a failure the
 * caller runs casca_container_net_teardown(). */
int casca_container_net_setup(const struct casca_config *cfg, const char *id, const char *root,
                              pid_t init, bool build, struct casca_network_result **ret_res,
                              struct casca_error **err);
/* Undo all of it from what <root>/<id> records (works after a SIGKILL at
 * any point of the setup; nothing recorded is success).  On a failure the
 * pinned namespace stays for a retry, unless force. */
int casca_container_net_teardown(const char *root, const char *id, bool force,
                                 struct casca_error **err);

/* A runtime that stays in the foreground with its process (run, exec). */
struct casca_foreground {
        int sfd;      /* signalfd of the forwarded signals, blocked meanwhile */
        sigset_t old; /* the mask before */
        bool raw;     /* our terminal was put in raw mode */
        struct termios saved;
};
/* Block the forwarded signals (before the clone, so none is lost). */
int casca_foreground_begin(struct casca_foreground *fg, struct casca_error **err);
/* Raw mode on our terminal when relaying a pty. */
void casca_foreground_raw(struct casca_foreground *fg, int master);
/* Forward signals to pid, relay master <-> stdio, wait for pid; *ret_status
 * is its exit status or 128+N.  Returns -errno on failure. */
int casca_foreground_wait(struct casca_foreground *fg, pid_t pid, int master, int *ret_status);
void casca_foreground_end(struct casca_foreground *fg);
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

/* container-procs.c: the container's processes, each with a pidfd opened
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
