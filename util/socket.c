/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* socket.c - AF_UNIX helpers: a datagram with an fd, a connected stream. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "casca.h"
#include "util/cleanup.h"
#include "util/socket.h"

ssize_t casca_send_with_fd(int sock, const void *buf, size_t len, int fd)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } ctl;
        struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        ssize_t n;

        if (fd >= 0) {
                struct cmsghdr *c;

                memset(&ctl, 0, sizeof(ctl));
                msg.msg_control = ctl.buf;
                msg.msg_controllen = sizeof(ctl.buf);
                c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        do
                n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : n;
}

int casca_unix_connect(const char *path, const char *what, struct casca_error **err)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_close_ int sock = -1;

        if (strlen(path) >= sizeof(sa.sun_path))
                return casca_error_setx(err, ENAMETOOLONG, "%s `%s`: path longer than %zu bytes",
                                        what, path, sizeof(sa.sun_path) - 1);
        memcpy(sa.sun_path, path, strlen(path) + 1);
        sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return casca_error_set(err, errno, "%s: socket", what);
        while (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                if (errno != EINTR)
                        return casca_error_set(err, errno, "%s `%s`: connect", what, path);
        return TAKE_FD(sock);
}
