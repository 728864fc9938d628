/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sync.h - the parent/child protocol over one SOCK_SEQPACKET socketpair.
 *
 * Each message is one datagram: a fixed header (step, errno, payload
 * length) and a payload, optionally with one fd in SCM_RIGHTS.  The
 * receiver names the step it expects; any other step is an error, and a
 * SYNC_ERROR message turns into the child's own error text. */
#ifndef CASCA_SYNC_H
#define CASCA_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "casca.h"
#include "util/socket.h"

#include "runtime/sync-wire.h"

int casca_sync_send(int sock, enum casca_sync_step step, const void *payload, size_t len, int fd,
                    struct casca_error **err);
/* Receive the step `expect`.  *ret_fd (if non-NULL) gets a passed fd or -1.
 * *ret_len (if non-NULL) gets the payload length; buf may be NULL when no
 * payload is expected.  EOF is -EPIPE with "container init exited". */
int casca_sync_recv(int sock, enum casca_sync_step expect, void *buf, size_t bufsize,
                    size_t *ret_len, int *ret_fd, struct casca_error **err);
/* Receive any step; used by the parent's dispatcher. */
int casca_sync_recv_any(int sock, enum casca_sync_step *ret_step, void *buf, size_t bufsize,
                        size_t *ret_len, int *ret_fd, struct casca_error **err);

/* The order of the steps one side receives, as LXC's sync_wait keeps it:
 * `order` lists every step that may come, in the order they must come; a
 * step comes at most once, never before one listed ahead of it, and a
 * required one (bit 1u << step) is never skipped.  Start with
 * `{.order = ..., .n = ..., .required = ...}`. */
struct casca_sync_seq {
        const enum casca_sync_step *order;
        size_t n;
        uint32_t required; /* 1u << step for each step that must come */
        size_t next;       /* index in order of the earliest step that may come now */
        uint32_t seen;     /* 1u << step for each step that came */
};
/* Take `step` as the next one: 0, or -EPROTO with "sync: ..." when it came
 * twice, out of order, skipping a required one, or is not in the order. */
int casca_sync_seq_next(struct casca_sync_seq *s, enum casca_sync_step step,
                        struct casca_error **err);
/* The steps create's child sends its parent, in their order: USERNS_READY
 * (a new user namespace), INIT_PID (two stages), NETWORK, PTY (a
 * terminal), HOOKS, SECCOMP_FD (a listener), READY.  Each asked for by the
 * arguments must come, and HOOKS always does. */
struct casca_sync_seq casca_sync_seq_create(bool userns, bool two_stage, bool network,
                                            bool terminal);

/* In the child: report err over the socket (best effort). */
void casca_sync_send_error(int sock, const struct casca_error *err);
const char *casca_sync_step_name(enum casca_sync_step step);

#endif
