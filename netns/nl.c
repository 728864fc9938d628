/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nl.c - netlink sockets over libmnl: open (optionally inside another network
 * namespace), request/ACK with sequence and port checks, extended ACK messages. */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netns/internal.h"
#include "util/cleanup.h"
#include "util/format.h"

/* ---- libmnl and libnftnl, loaded on first use (netlibs.h) ---------------- */

#define CASCA_NETLIBS_SYM(name) {#name, (void **)&casca_mnl_fns.f_##name},
static const struct casca_dl_sym mnl_syms[] = {CASCA_MNL_FUNCS(CASCA_NETLIBS_SYM)};
#undef CASCA_NETLIBS_SYM
#define CASCA_NETLIBS_SYM(name) {#name, (void **)&casca_nftnl_fns.f_##name},
static const struct casca_dl_sym nftnl_syms[] = {CASCA_NFTNL_FUNCS(CASCA_NETLIBS_SYM)};
#undef CASCA_NETLIBS_SYM

struct casca_mnl_fns casca_mnl_fns;
struct casca_nftnl_fns casca_nftnl_fns;
struct casca_dl casca_mnl_lib = CASCA_DL_INIT(CASCA_MNL_SONAME, "libmnl0", "networking", mnl_syms);
struct casca_dl casca_nftnl_lib =
        CASCA_DL_INIT(CASCA_NFTNL_SONAME, "libnftnl11", "networking (nftables)", nftnl_syms);

int casca_netlibs_load(int bus, struct casca_error **err)
{
        int r = casca_dl_load(&casca_mnl_lib, err);

        if (r >= 0 && bus == NETLINK_NETFILTER)
                r = casca_dl_load(&casca_nftnl_lib, err);
        return r;
}

int casca_netns_enter(int netns_fd, int *ret_saved, struct casca_error **err)
{
        _cleanup_close_ int saved = -1;

        saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (saved < 0)
                return casca_error_set(err, errno, "open `/proc/thread-self/ns/net`");
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return casca_error_set(err, errno, "enter network namespace");
        *ret_saved = TAKE_FD(saved);
        return 0;
}

int casca_netns_leave(int saved_fd, struct casca_error **err)
{
        int r = 0;

        if (saved_fd < 0)
                return 0;
        if (setns(saved_fd, CLONE_NEWNET) < 0)
                r = casca_error_set(err, errno, "return to the original network namespace");
        close(saved_fd);
        return r;
}

void casca_nl_close(struct casca_nl *nl)
{
        int saved = errno;

        if (!nl)
                return;
        if (nl->sk)
                mnl_socket_close(nl->sk);
        free(nl);
        errno = saved;
}

int casca_nl_open(int bus, int netns_fd, struct casca_nl **ret, struct casca_error **err)
{
        _cleanup_nl_ struct casca_nl *nl = NULL;
        int saved = -1, one = 1, r;
        int rcvbuf = 1 << 20;
        struct timespec ts;

        r = casca_netlibs_load(bus, err);
        if (r < 0)
                return r;
        nl = calloc(1, sizeof(*nl) + MNL_SOCKET_BUFFER_SIZE);
        if (!nl)
                return casca_error_set(err, ENOMEM, "netlink socket");
        if (netns_fd >= 0) {
                r = casca_netns_enter(netns_fd, &saved, err);
                if (r < 0)
                        return r;
        }
        nl->sk = mnl_socket_open2(bus, SOCK_CLOEXEC);
        r = nl->sk ? 0 : -errno;
        if (netns_fd >= 0) {
                /* Failing to return would leave this thread in the
                 * container's namespace: report it above everything else. */
                int q = casca_netns_leave(saved, err);
                if (q < 0)
                        return q;
        }
        if (r < 0)
                return casca_error_set(err, -r, "open netlink socket");
        if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0)
                return casca_error_set(err, errno, "bind netlink socket");
        /* Both are best effort: old kernels lack them, and errors still work. */
        (void)mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
        (void)mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
        (void)setsockopt(mnl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        nl->portid = mnl_socket_get_portid(nl->sk);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        nl->seq = (uint32_t)(ts.tv_sec ^ ts.tv_nsec) | 1;
        *ret = TAKE_PTR(nl);
        return 0;
}

struct nlmsghdr *casca_nl_request(struct casca_nl *nl, uint16_t type, uint16_t flags)
{
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        nlh->nlmsg_seq = ++nl->seq;
        if (nlh->nlmsg_seq == 0)
                nlh->nlmsg_seq = ++nl->seq;
        return nlh;
}

static int ext_attr_cb(const struct nlattr *a, void *data)
{
        struct casca_nl *nl = data;

        if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
            mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
                casca_snprintf_trunc(nl->ext_msg, sizeof(nl->ext_msg), "%s", mnl_attr_get_str(a));
                nl->ext_msg[strcspn(nl->ext_msg, "\n")] = '\0';
        }
        return MNL_CB_OK;
}

/* NLMSG_ERROR: 0 is the ACK (stop), otherwise fail with the kernel's errno
 * and keep its extended ACK message. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
        const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
        struct casca_nl *nl = data;
        unsigned off;

        if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
                errno = EBADMSG;
                return MNL_CB_ERROR;
        }
        if (e->error == 0)
                return MNL_CB_STOP;
        if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
                off = sizeof(*e);
                if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
                        off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
                if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
                        (void)mnl_attr_parse(nlh, off, ext_attr_cb, nl);
        }
        errno = -e->error;
        return MNL_CB_ERROR;
}

int casca_nl_talk(struct casca_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
        uint32_t seq = nlh->nlmsg_seq;
        bool intr = false;
        int r = 0;
        ssize_t n;

        nl->ext_msg[0] = '\0';
        if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
                return -errno;
        for (;;) {
                const struct nlmsghdr *m;
                int len;

                n = mnl_socket_recvfrom(nl->sk, nl->buf, MNL_SOCKET_BUFFER_SIZE);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                len = (int)n;
                /* Walk every message ourselves: a dump whose data changed
                 * under it (NLM_F_DUMP_INTR) must still be read to its end,
                 * or its tail would be taken for the answer to our next
                 * request. */
                for (m = (const struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(m, len);
                     m = mnl_nlmsg_next(m, &len)) {
                        if (m->nlmsg_pid != nl->portid && m->nlmsg_pid != 0)
                                return -ESRCH;
                        if (m->nlmsg_seq != seq)
                                continue; /* a late answer to an earlier request */
                        if (m->nlmsg_flags & NLM_F_DUMP_INTR)
                                intr = true;
                        switch (m->nlmsg_type) {
                        case NLMSG_NOOP:
                                continue;
                        case NLMSG_OVERRUN:
                                return -ENOBUFS;
                        case NLMSG_DONE:
                                return r < 0 ? r : intr ? -EINTR : 0;
                        case NLMSG_ERROR:
                                if (error_cb(m, nl) == MNL_CB_STOP)
                                        return r < 0 ? r : intr ? -EINTR : 0;
                                return -errno;
                        default:
                                if (r == 0 && !intr && cb && cb(m, data) < MNL_CB_OK)
                                        r = errno > 0 ? -errno : -EIO;
                                if (!(m->nlmsg_flags & NLM_F_MULTI) &&
                                    !(nlh->nlmsg_flags & NLM_F_ACK))
                                        return r;
                        }
                }
        }
}

int casca_nl_error(struct casca_nl *nl, int r, struct casca_error **err, const char *fmt, ...)
{
        char *what = NULL;
        va_list ap;
        int ret;

        va_start(ap, fmt);
        if (vasprintf(&what, fmt, ap) < 0)
                what = NULL;
        va_end(ap);
        if (nl && nl->ext_msg[0])
                ret = casca_error_set(err, -r, "%s: %s", what ? what : "netlink", nl->ext_msg);
        else
                ret = casca_error_set(err, -r, "%s", what ? what : "netlink");
        free(what);
        return ret;
}
