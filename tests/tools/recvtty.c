/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* recvtty SOCKET - a console-socket receiver for tests (runc's protocol):
 * accept one connection, take the pty master from SCM_RIGHTS, copy what the
 * container writes to stdout until the pty closes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        char name[256], buf[4096];
        union {
                struct cmsghdr align;
                char b[CMSG_SPACE(sizeof(int))];
        } ctl;
        struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = ctl.b,
                             .msg_controllen = sizeof(ctl.b)};
        struct cmsghdr *c;
        int s, conn, master = -1;
        ssize_t n;

        if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "usage: recvtty SOCKET\n");
                return 2;
        }
        memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
        s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0) {
                perror("recvtty: listen");
                return 1;
        }
        printf("listening\n");
        fflush(stdout);
        conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0) {
                perror("recvtty: accept");
                return 1;
        }
        n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0) {
                perror("recvtty: recvmsg");
                return 1;
        }
        name[n] = '\0';
        for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        memcpy(&master, CMSG_DATA(c), sizeof(int));
        if (master < 0) {
                fprintf(stderr, "recvtty: no fd received\n");
                return 1;
        }
        printf("received %s\n", name);
        fflush(stdout);
        while ((n = read(master, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
                if (n > 0 && fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
                        return 1;
        return 0;
}
