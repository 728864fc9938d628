/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* seccomp-agent SOCKET ERRNO FAKE_PID - a seccomp notify agent for the
 * tests (the runtime-spec's listenerPath protocol).
 *
 * Listens on the AF_UNIX socket SOCKET, accepts one connection, reads the
 * container process state JSON to EOF with the listener fd in SCM_RIGHTS,
 * prints "state <json>", then answers every notification until the filter
 * has no users left: mkdir and mkdirat fail with ERRNO, getpid returns
 * FAKE_PID, anything else continues.  Prints "notified <syscall>" for each
 * and "done" at the end.  Uses libseccomp's notify API. */
#include <errno.h>
#include <poll.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what)
{
        fprintf(stderr, "seccomp-agent: %s: %s\n", what, strerror(errno));
        return 1;
}

/* Read the state to EOF; the fd arrives with the first part. */
static int receive(int conn, char *json, size_t size, int *ret_fd)
{
        size_t len = 0;

        *ret_fd = -1;
        for (;;) {
                union {
                        struct cmsghdr align;
                        char b[CMSG_SPACE(sizeof(int))];
                } ctl;
                struct iovec iov = {.iov_base = json + len, .iov_len = size - 1 - len};
                struct msghdr msg = {.msg_iov = &iov,
                                     .msg_iovlen = 1,
                                     .msg_control = ctl.b,
                                     .msg_controllen = sizeof(ctl.b)};
                ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                                memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
                if (n == 0 || len + (size_t)n >= size - 1)
                        break;
                len += (size_t)n;
        }
        json[len] = '\0';
        return 0;
}

int main(int argc, char **argv)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        struct seccomp_notif *req = NULL;
        struct seccomp_notif_resp *resp = NULL;
        static char json[65536];
        int s, conn, fd, err_no, fake_pid;

        if (argc != 4 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "usage: seccomp-agent SOCKET ERRNO FAKE_PID\n");
                return 2;
        }
        err_no = (int)strtol(argv[2], NULL, 10);
        fake_pid = (int)strtol(argv[3], NULL, 10);
        memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
        s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0)
                return fail("listen");
        printf("listening\n");
        fflush(stdout);
        conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                return fail("accept");
        if (receive(conn, json, sizeof(json), &fd) < 0)
                return fail("recvmsg");
        close(conn);
        if (fd < 0) {
                fprintf(stderr, "seccomp-agent: no fd received\n");
                return 1;
        }
        printf("state %s\n", json);
        fflush(stdout);
        if (seccomp_notify_alloc(&req, &resp) < 0)
                return fail("seccomp_notify_alloc");
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                char *name;
                int r;

                if (poll(&p, 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return fail("poll");
                }
                if (!(p.revents & POLLIN))
                        break; /* POLLHUP: no task uses the filter any more */
                memset(req, 0, sizeof(*req));
                r = seccomp_notify_receive(fd, req);
                if (r == -ENOENT || r == -EINTR)
                        continue; /* the task went away meanwhile */
                if (r < 0) {
                        errno = -r;
                        return fail("seccomp_notify_receive");
                }
                name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
                memset(resp, 0, sizeof(*resp));
                resp->id = req->id;
                if (name && (strcmp(name, "mkdir") == 0 || strcmp(name, "mkdirat") == 0)) {
                        resp->error = -err_no;
                } else if (name && strcmp(name, "getpid") == 0) {
                        resp->val = fake_pid;
                } else {
                        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
                }
                printf("notified %s\n", name ? name : "?");
                fflush(stdout);
                free(name);
                r = seccomp_notify_respond(fd, resp);
                if (r < 0 && r != -ENOENT) {
                        errno = -r;
                        return fail("seccomp_notify_respond");
                }
        }
        seccomp_notify_free(req, resp);
        printf("done\n");
        return 0;
}
