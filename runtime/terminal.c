/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* terminal.c - ptys for containers with process.terminal. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/mount.h"
#include "runtime/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/socket.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Unlock master, open its slave without a path, size it. */
static int pty_slave(int master, const struct casca_process *p, struct casca_error **err)
{
        _cleanup_close_ int slave = -1;
        int unlock = 0;

        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return casca_error_set(err, errno, "process.terminal: unlock pty");
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return casca_error_set(err, errno, "process.terminal: open pty slave");
        if (p->has_console_size) {
                struct winsize ws = {.ws_row = (unsigned short)p->console_height,
                                     .ws_col = (unsigned short)p->console_width};
                if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
                        return casca_error_set(err, errno, "process.consoleSize");
        }
        return TAKE_FD(slave);
}

int casca_terminal_create(const char *rootfs, const struct casca_process *p, int *ret_master,
                          int *ret_slave, struct casca_error **err)
{
        _cleanup_close_ int root_fd = -1, master = -1, slave = -1;
        _cleanup_error_ struct casca_error *ignored = NULL;
        int r;

        /* The container's own devpts when it has one, so the slave is
         * /dev/pts/N inside; the runtime's otherwise. */
        root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return casca_error_set(err, errno, "root.path `%s`", rootfs);
        master = casca_fs_open_in_root(root_fd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC, 0,
                                       &ignored);
        if (master < 0)
                master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return casca_error_set(err, errno, "process.terminal: open ptmx");
        slave = pty_slave(master, p, err);
        if (slave < 0)
                return slave;
        r = casca_rootfs_bind_console(rootfs, slave, err);
        if (r < 0)
                return casca_error_prefix(err, "process.terminal");
        *ret_master = TAKE_FD(master);
        *ret_slave = TAKE_FD(slave);
        return 0;
}

int casca_terminal_create_here(const struct casca_process *p, int *ret_master, int *ret_slave,
                               struct casca_error **err)
{
        _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        int slave;

        if (master < 0)
                return casca_error_set(err, errno, "process.terminal: open /dev/ptmx");
        slave = pty_slave(master, p, err);
        if (slave < 0)
                return slave;
        *ret_master = TAKE_FD(master);
        *ret_slave = slave;
        return 0;
}

void casca_terminal_take_size(int fd, struct casca_process *p)
{
        struct winsize ws;

        if (ioctl(fd, TIOCGWINSZ, &ws) < 0 || (!ws.ws_row && !ws.ws_col))
                return;
        p->has_console_size = true;
        p->console_height = ws.ws_row;
        p->console_width = ws.ws_col;
}

int casca_terminal_become_stdio(int slave, struct casca_error **err)
{
        if (setsid() < 0)
                return casca_error_set(err, errno, "process.terminal: setsid");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return casca_error_set(err, errno, "process.terminal: set controlling tty");
        for (int fd = 0; fd < 3; fd++)
                if (dup2(slave, fd) < 0)
                        return casca_error_set(err, errno, "process.terminal: dup2");
        return 0;
}

int casca_terminal_send_console(const char *path, int master, struct casca_error **err)
{
        /* runc's protocol: the fd in SCM_RIGHTS, a name as the payload */
        static const char name[] = "/dev/ptmx";
        _cleanup_close_ int sock = casca_unix_connect(path, "--console-socket", err);
        ssize_t n;

        if (sock < 0)
                return sock;
        n = casca_send_with_fd(sock, name, sizeof(name) - 1, master);
        if (n < 0)
                return casca_error_set(err, (int)-n, "--console-socket `%s`: send", path);
        return 0;
}
