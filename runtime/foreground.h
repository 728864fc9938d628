/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* foreground.h - a runtime that stays with its process (run, exec):
 * signals forwarded, the terminal relayed, the status collected. */
#ifndef CASCA_RUNTIME_FOREGROUND_H
#define CASCA_RUNTIME_FOREGROUND_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

#include "casca.h"

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

#endif
