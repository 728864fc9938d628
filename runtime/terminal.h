/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* terminal.h - the container's pty and runc's console-socket protocol. */
#ifndef CASCA_TERMINAL_H
#define CASCA_TERMINAL_H

#include <stdbool.h>

#include "runtime/config.h"

/* In the child, after the rootfs mounts: open a pty on the container's
 * devpts (rootfs/dev/pts/ptmx, else the runtime's /dev/ptmx), size it, and
 * bind its slave onto rootfs/dev/console.  Returns master and slave. */
int casca_terminal_create(const char *rootfs, const struct casca_process *p, int *ret_master,
                          int *ret_slave, struct casca_error **err);
/* exec: a pty from the /dev/ptmx of the mount namespace we are in. */
int casca_terminal_create_here(const struct casca_process *p, int *ret_master, int *ret_slave,
                               struct casca_error **err);
/* When fd is a terminal with a size, make it process.consoleSize: a pty
 * relayed to that terminal starts with its size, before the process runs. */
void casca_terminal_take_size(int fd, struct casca_process *p);
/* Make the slave the controlling terminal and stdio of this process. */
int casca_terminal_become_stdio(int slave, struct casca_error **err);
/* Send the master over the AF_UNIX socket at path (SCM_RIGHTS). */
int casca_terminal_send_console(const char *path, int master, struct casca_error **err);

#endif
