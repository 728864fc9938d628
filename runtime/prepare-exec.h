/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* prepare-exec.h - the steps between a final rootfs (the container's init,
 * create.c) or joined namespaces (an exec'd process, exec.c) and execve.
 * One code path for both:
 *
 *     casca_prepare_exec()      casca_process_setup() (rlimits, personality,
 *                               scheduler, I/O priority, memory policy,
 *                               initial CPU affinity, the LSM labels), the
 *                               pty as stdio, stdio owned by the process's
 *                               uid, user + capabilities, no_new_privs,
 *                               cwd and the program looked up (a missing
 *                               one fails here, while the runtime waits),
 *                               the final CPU affinity,
 *                               fds above stdio and --preserve-fds marked
 *                               close-on-exec, PDEATHSIG cleared, then
 *                               READY to the runtime
 *     [create: the exec fifo]
 *     casca_prepare_filter()    the seccomp filter
 *     [create: startContainer hooks]
 *     casca_prepare_execve()    execve, or for an exec'd process through
 *                               the exec stub (runtime/sealed-exe.h): it
 *                               clones the process into the container's pid
 *                               namespace and executes the program there
 *
 * The filter goes in as late as it can, so that nothing of casca's runs
 * under it: after it only execve (and the startContainer hooks, which run
 * under the container's filter as in runc).  Two exceptions, both as in
 * runc: a profile with SCMP_ACT_NOTIFY rules is loaded by the init before
 * READY (filter_before_ready), because the runtime that hands the listener
 * to linux.seccomp.listenerPath is `create`, gone after READY; and without
 * noNewPrivileges loading a filter needs CAP_SYS_ADMIN, so when the process
 * is not to keep it, it is kept through the user switch and dropped by one
 * capset(2) right after the filter. */
#ifndef CASCA_PREPARE_EXEC_H
#define CASCA_PREPARE_EXEC_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/config.h"

struct casca_seccomp_prog;

struct casca_prepare {
        /* set by the caller */
        const struct casca_config *cfg;           /* the process: cfg->process */
        const struct casca_seccomp_prog *seccomp; /* NULL: no filter */
        bool filter_before_ready;                 /* load it before READY (see above) */
        int sock;                                 /* the sync socket: SECCOMP_FD, READY */
        unsigned preserve_fds;                    /* fds 3..3+N-1 go on */
        int pty_slave;                            /* the process's terminal, or -1 */
        bool die_with_runtime;                    /* keep PR_SET_PDEATHSIG through execve */
        bool new_session; /* setsid() without a terminal too: the init leads its session (runc;
                             CRIU dumps no session led from outside the pid namespace) */
        bool via_stub;    /* execve through the exec stub (stub_fd), which clones the process
                             and makes the terminal its controlling one */
        int stub_fd;
        /* filled in */
        char path[PATH_MAX]; /* what execve runs */
        bool filter_loaded;
        bool drop_admin;           /* CAP_SYS_ADMIN kept for the filter: capset after it */
        uint32_t final_caps[2][3]; /* the capset data: [word][effective, permitted, inheritable] */
};

/* Everything up to READY (see above).  The caller has sent nothing yet
 * that the process could trip on; afterwards only the filter and execve
 * are left. */
int casca_prepare_exec(struct casca_prepare *x, struct casca_error **err);
/* Load the filter (once; nothing without one), drop what was kept for it,
 * hand a listener fd to the runtime (SYNC_SECCOMP_FD on x->sock). */
int casca_prepare_filter(struct casca_prepare *x, struct casca_error **err);
/* casca_prepare_filter(), then execve(x->path).  Returns only on failure. */
int casca_prepare_execve(struct casca_prepare *x, struct casca_error **err);

/* In the runtime: hand a listener fd the process sent (SYNC_SECCOMP_FD) to
 * linux.seccomp.listenerPath with the container process state of pid
 * (state_json: the container's state). */
int casca_prepare_send_listener(const struct casca_seccomp *s, pid_t pid, const char *state_json,
                                int fd, struct casca_error **err);

#endif
