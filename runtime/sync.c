/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sync.c - named steps between the runtime and the container's init. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/socket.h"

#define STEP(s) (1u << (s))

static const char *const step_names[] = {
        [SYNC_USERNS_READY] = "userns-ready",
        [SYNC_USERNS_MAPPED] = "userns-mapped",
        [SYNC_INIT_PID] = "init-pid",
        [SYNC_NETWORK] = "network",
        [SYNC_NETWORK_FILE] = "network-file",
        [SYNC_NETWORK_DONE] = "network-done",
        [SYNC_HOOKS] = "hooks",
        [SYNC_HOOKS_DONE] = "hooks-done",
        [SYNC_PTY] = "pty",
        [SYNC_SECCOMP_FD] = "seccomp-fd",
        [SYNC_READY] = "ready",
        [SYNC_ERROR] = "error",
        [SYNC_ERRNO] = "errno",
};

const char *casca_sync_step_name(enum casca_sync_step step)
{
        if ((size_t)step < ARRAY_SIZE(step_names) && step_names[step])
                return step_names[step];
        return "unknown";
}

static int sync_send_raw(int sock, enum casca_sync_step step, int code, const void *payload,
                         size_t len, int fd, struct casca_error **err)
{
        char buf[sizeof(struct casca_sync_header) + CASCA_SYNC_MAX_PAYLOAD];
        struct casca_sync_header h = {.step = step, .code = code, .len = len};
        ssize_t n;

        if (len > CASCA_SYNC_MAX_PAYLOAD)
                return casca_error_setx(err, EMSGSIZE, "sync %s: payload too large",
                                        casca_sync_step_name(step));
        memcpy(buf, &h, sizeof(h));
        if (len)
                memcpy(buf + sizeof(h), payload, len);
        n = casca_send_with_fd(sock, buf, sizeof(h) + len, fd);
        if (n < 0)
                return casca_error_set(err, (int)-n, "sync: send %s", casca_sync_step_name(step));
        return 0;
}

int casca_sync_send(int sock, enum casca_sync_step step, const void *payload, size_t len, int fd,
                    struct casca_error **err)
{
        return sync_send_raw(sock, step, 0, payload, len, fd, err);
}

void casca_sync_send_error(int sock, const struct casca_error *e)
{
        const char *msg = e && e->msg ? e->msg : "unknown error";
        size_t len = strlen(msg);

        if (len > CASCA_SYNC_MAX_PAYLOAD)
                len = CASCA_SYNC_MAX_PAYLOAD;
        (void)sync_send_raw(sock, SYNC_ERROR, e ? e->code : EINVAL, msg, len, -1, NULL);
}

int casca_sync_recv_any(int sock, enum casca_sync_step *ret_step, void *out, size_t outsize,
                        size_t *ret_len, int *ret_fd, struct casca_error **err)
{
        char buf[sizeof(struct casca_sync_header) + CASCA_SYNC_MAX_PAYLOAD + 1];
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } ctl;
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = ctl.buf,
                .msg_controllen = sizeof(ctl.buf),
        };
        struct casca_sync_header h;
        _cleanup_close_ int fd = -1;
        ssize_t n;

        if (ret_fd)
                *ret_fd = -1;
        do
                n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return casca_error_set(err, errno, "sync: receive");
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                    c->cmsg_len == CMSG_LEN(sizeof(int)))
                        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        if (n == 0)
                return casca_error_setx(err, EPIPE, "container init exited before it was ready");
        if ((size_t)n < sizeof(h))
                return casca_error_setx(err, EPROTO, "sync: short message (%zd bytes)", n);
        memcpy(&h, buf, sizeof(h));
        if (h.len != (size_t)n - sizeof(h))
                return casca_error_setx(err, EPROTO, "sync: bad payload length");
        if (h.step == SYNC_ERROR || h.step == SYNC_ERRNO) {
                buf[n] = '\0';
                if (h.step == SYNC_ERRNO)
                        return casca_error_set(err, h.code > 0 ? h.code : EINVAL, "%s",
                                               buf + sizeof(h));
                return casca_error_setx(err, h.code > 0 ? h.code : EINVAL, "%s", buf + sizeof(h));
        }
        if (h.len > outsize)
                return casca_error_setx(err, EPROTO, "sync %s: payload too large",
                                        casca_sync_step_name(h.step));
        if (h.len)
                memcpy(out, buf + sizeof(h), h.len);
        if (ret_len)
                *ret_len = h.len;
        *ret_step = h.step;
        if (ret_fd)
                *ret_fd = TAKE_FD(fd);
        return 0;
}

int casca_sync_recv(int sock, enum casca_sync_step expect, void *out, size_t outsize,
                    size_t *ret_len, int *ret_fd, struct casca_error **err)
{
        enum casca_sync_step step;
        int r;

        r = casca_sync_recv_any(sock, &step, out, outsize, ret_len, ret_fd, err);
        if (r < 0)
                return r;
        if (step != expect) {
                if (ret_fd && *ret_fd >= 0) {
                        close(*ret_fd);
                        *ret_fd = -1;
                }
                return casca_error_setx(err, EPROTO, "sync: expected step %s, got %s",
                                        casca_sync_step_name(expect), casca_sync_step_name(step));
        }
        return 0;
}

int casca_sync_seq_next(struct casca_sync_seq *s, enum casca_sync_step step,
                        struct casca_error **err)
{
        uint32_t bit = (unsigned)step < 32 ? STEP(step) : 0;
        const char *name = casca_sync_step_name(step);
        size_t i;

        if (bit && (s->seen & bit))
                return casca_error_setx(err, EPROTO, "sync: step %s came twice", name);
        for (i = 0; i < s->n && s->order[i] != step; i++)
                ;
        if (i == s->n)
                return casca_error_setx(err, EPROTO, "sync: unexpected step %s", name);
        if (i < s->next)
                return casca_error_setx(err, EPROTO, "sync: step %s out of order, after %s", name,
                                        casca_sync_step_name(s->order[s->next - 1]));
        for (size_t k = s->next; k < i; k++)
                if (s->required & STEP(s->order[k]))
                        return casca_error_setx(err, EPROTO, "sync: step %s before step %s", name,
                                                casca_sync_step_name(s->order[k]));
        s->next = i + 1;
        s->seen |= bit;
        return 0;
}

static const enum casca_sync_step create_steps[] = {
        SYNC_USERNS_READY, SYNC_INIT_PID,   SYNC_NETWORK, SYNC_PTY,
        SYNC_HOOKS,        SYNC_SECCOMP_FD, SYNC_READY,
};

struct casca_sync_seq casca_sync_seq_create(bool userns, bool two_stage, bool network,
                                            bool terminal)
{
        return (struct casca_sync_seq){
                .order = create_steps,
                .n = ARRAY_SIZE(create_steps),
                .required = STEP(SYNC_HOOKS) | (userns ? STEP(SYNC_USERNS_READY) : 0) |
                            (two_stage ? STEP(SYNC_INIT_PID) : 0) |
                            (network ? STEP(SYNC_NETWORK) : 0) | (terminal ? STEP(SYNC_PTY) : 0),
        };
}
