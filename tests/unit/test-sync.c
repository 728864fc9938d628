/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The order of create's sync steps (runtime/sync.h): the parent takes each
 * step once, in order, and never skips one that create asked for. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/sync.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/format.h"

/* Feed the steps (ended by 0) to a fresh create sequence; the result of the
 * first refused one, or 0; its message in msg. */
static int feed(bool userns, bool two_stage, bool network, bool terminal, char *msg, size_t size,
                ...)
{
        struct casca_sync_seq s = casca_sync_seq_create(userns, two_stage, network, terminal);
        va_list ap;
        int step, r = 0;

        msg[0] = '\0';
        va_start(ap, size);
        while (r == 0 && (step = va_arg(ap, int)) != 0) {
                _cleanup_error_ struct casca_error *err = NULL;

                r = casca_sync_seq_next(&s, (enum casca_sync_step)step, &err);
                if (r < 0)
                        casca_snprintf_trunc(msg, size, "%s", err->msg);
        }
        va_end(ap);
        return r;
}

int main(void)
{
        char m[256];

        is_int(feed(false, false, false, false, m, sizeof(m), SYNC_HOOKS, SYNC_READY, 0), 0,
               "the shortest create: hooks, ready");
        is_int(feed(true, true, true, true, m, sizeof(m), SYNC_USERNS_READY, SYNC_INIT_PID,
                    SYNC_NETWORK, SYNC_PTY, SYNC_HOOKS, SYNC_SECCOMP_FD, SYNC_READY, 0),
               0, "every step, in order");
        is_int(feed(false, false, false, false, m, sizeof(m), SYNC_HOOKS, SYNC_SECCOMP_FD,
                    SYNC_READY, 0),
               0, "the seccomp listener is optional");

        is_int(feed(false, false, false, false, m, sizeof(m), SYNC_HOOKS, SYNC_HOOKS, 0), -EPROTO,
               "a step twice is refused");
        is_str(m, "sync: step hooks came twice", "and named");
        is_int(feed(true, true, false, false, m, sizeof(m), SYNC_INIT_PID, SYNC_USERNS_READY, 0),
               -EPROTO, "userns-ready after init-pid: refused");
        is_str(m, "sync: step init-pid before step userns-ready", "a required step skipped");
        is_int(feed(false, false, true, true, m, sizeof(m), SYNC_NETWORK, SYNC_HOOKS, SYNC_PTY, 0),
               -EPROTO, "pty after hooks: refused");
        is_str(m, "sync: step hooks before step pty", "the skipped pty is named");
        is_int(feed(false, false, false, false, m, sizeof(m), SYNC_HOOKS, SYNC_READY, SYNC_PTY, 0),
               -EPROTO, "a step not asked for, out of order: refused");
        is_str(m, "sync: step pty out of order, after ready", "names the step before it");
        is_int(feed(false, false, false, false, m, sizeof(m), SYNC_READY, 0), -EPROTO,
               "ready before hooks: refused");
        is_str(m, "sync: step ready before step hooks", "hooks is always required");
        is_int(feed(false, false, false, false, m, sizeof(m), SYNC_USERNS_MAPPED, 0), -EPROTO,
               "a parent-to-child step from the child: refused");
        is_str(m, "sync: unexpected step userns-mapped", "as unexpected");
        is_int(feed(false, false, true, false, m, sizeof(m), SYNC_HOOKS, 0), -EPROTO,
               "hooks without the network step create asked for: refused");
        is_str(m, "sync: step hooks before step network", "the network step is named");

        /* over a real socketpair, as the parent reads it */
        {
                struct casca_sync_seq s = casca_sync_seq_create(false, false, false, false);
                _cleanup_error_ struct casca_error *err = NULL;
                enum casca_sync_step step;
                int sv[2], r;

                ok(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
                ok(casca_sync_send(sv[1], SYNC_HOOKS, NULL, 0, -1, &err) == 0 &&
                           casca_sync_send(sv[1], SYNC_HOOKS, NULL, 0, -1, &err) == 0,
                   "the child sends hooks twice");
                r = casca_sync_recv_any(sv[0], &step, NULL, 0, NULL, NULL, &err);
                ok(r == 0 && casca_sync_seq_next(&s, step, &err) == 0, "the first is taken");
                r = casca_sync_recv_any(sv[0], &step, NULL, 0, NULL, NULL, &err);
                is_int(r == 0 ? casca_sync_seq_next(&s, step, &err) : r, -EPROTO,
                       "the second is an error");
                is_str(err ? err->msg : "", "sync: step hooks came twice", "with its message");
                close(sv[0]);
                close(sv[1]);
        }
        return tap_done();
}
