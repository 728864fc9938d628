/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sync-wire.h - the sync protocol's datagrams as they go over the socket:
 * the steps and the header.  Free of libc, for the exec stub
 * (runtime/stub/casca-stub.c) as for the runtime (sync.h). */
#ifndef CASCA_SYNC_WIRE_H
#define CASCA_SYNC_WIRE_H

#include <stdint.h>

enum casca_sync_step {
        SYNC_USERNS_READY = 1, /* child -> parent: payload pid_t; write its id maps */
        SYNC_USERNS_MAPPED,    /* parent -> child */
        SYNC_INIT_PID,         /* stage 1 -> parent: payload pid_t of the init process */
        SYNC_NETWORK,          /* child -> parent: namespaces made, build the network */
        SYNC_NETWORK_FILE,     /* parent -> child: payload uint32 enum casca_etc_file, fd:
                                  a detached bind mount (open_tree) of that file */
        SYNC_NETWORK_DONE,     /* parent -> child: payload uint32: 1 = open the /etc files
                                  by path (no open_tree), 0 = the mounts were sent */
        SYNC_HOOKS,            /* child -> parent: mounts done, run prestart/createRuntime */
        SYNC_HOOKS_DONE,       /* parent -> child */
        SYNC_PTY,              /* child -> parent: the pty master (fd) */
        SYNC_SECCOMP_FD,       /* child -> parent: the seccomp listener (fd) */
        SYNC_READY,            /* child -> parent: waiting for `start` on the exec fifo */
        SYNC_ERROR,            /* child -> parent: payload = message, errno in header */
        SYNC_ERRNO,            /* child -> parent: payload = what failed, errno in header:
                                  the receiver adds the errno's text (the exec stub's
                                  errors: it has no strerror) */
};

#define CASCA_SYNC_MAX_PAYLOAD 4096

/* Each datagram: this header, then len bytes of payload. */
struct casca_sync_header {
        uint32_t step;
        int32_t code;
        uint32_t len;
};

#endif
