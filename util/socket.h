/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* socket.h - AF_UNIX helpers shared by the sync protocol, the console
 * socket and the seccomp listener. */
#ifndef CASCA_UTIL_SOCKET_H
#define CASCA_UTIL_SOCKET_H

#include <stddef.h>
#include <sys/types.h>

struct casca_error;

/* sendmsg() of buf with fd (if >= 0) in SCM_RIGHTS, retried on EINTR;
 * MSG_NOSIGNAL.  Returns bytes sent or -errno. */
ssize_t casca_send_with_fd(int sock, const void *buf, size_t len, int fd);
/* A SOCK_STREAM|SOCK_CLOEXEC socket connected to the AF_UNIX path; `what`
 * names it in errors ("--console-socket"). */
int casca_unix_connect(const char *path, const char *what, struct casca_error **err);

#endif
