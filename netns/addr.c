/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* addr.c - rtnetlink addresses. */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netns/internal.h"

int casca_addr_add(struct casca_nl *nl, int index, const struct casca_cidr *a,
                   struct casca_error **err)
{
        struct nlmsghdr *nlh = casca_nl_request(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        size_t len = a->ip.family == AF_INET ? 4 : 16;
        char buf[CASCA_CIDR_STRLEN];
        int r;

        ifa->ifa_family = (uint8_t)a->ip.family;
        ifa->ifa_prefixlen = (uint8_t)a->prefix;
        ifa->ifa_index = (unsigned)index;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        mnl_attr_put(nlh, IFA_LOCAL, len, a->ip.addr);
        mnl_attr_put(nlh, IFA_ADDRESS, len, a->ip.addr);
        if (a->ip.family == AF_INET) {
                struct casca_cidr bc = *a;
                uint64_t last = casca_cidr_last_host(a);
                /* broadcast: the address after the last host */
                if (casca_cidr_nth(&bc, last + 1, &bc.ip) == 0)
                        mnl_attr_put(nlh, IFA_BROADCAST, 4, bc.ip.addr);
        } else {
                /* Usable at once: no duplicate address detection on a link
                 * whose addresses casca hands out itself. */
                ifa->ifa_flags = IFA_F_NODAD;
                mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
        }
        r = casca_nl_talk(nl, nlh, NULL, NULL);
        if (r == -EEXIST)
                return 0;
        if (r < 0)
                return casca_nl_error(nl, r, err, "add address %s to link %d",
                                      casca_cidr_format(a, buf, sizeof(buf)), index);
        return 0;
}

struct addr_list {
        int index;
        struct casca_cidr *v;
        size_t n;
        bool oom;
};

static int addr_attr_cb(const struct nlattr *a, void *data)
{
        const struct nlattr **tb = data;
        uint16_t type = mnl_attr_get_type(a);

        if (type <= IFA_MAX)
                tb[type] = a;
        return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
        const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
        const struct nlattr *tb[IFA_MAX + 1] = {0};
        struct addr_list *l = data;
        const struct nlattr *a;
        uint32_t flags = ifa->ifa_flags;
        struct casca_cidr c = {0};
        size_t len;

        if (nlh->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != l->index)
                return MNL_CB_OK;
        if (mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb) < 0)
                return MNL_CB_ERROR;
        if (tb[IFA_FLAGS] && mnl_attr_validate(tb[IFA_FLAGS], MNL_TYPE_U32) == 0)
                flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
        if (!(flags & IFA_F_PERMANENT) || ifa->ifa_scope == RT_SCOPE_LINK ||
            ifa->ifa_scope == RT_SCOPE_HOST)
                return MNL_CB_OK;
        a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
        len = ifa->ifa_family == AF_INET ? 4 : 16;
        if (!a || mnl_attr_get_payload_len(a) != len)
                return MNL_CB_OK;
        c.ip.family = ifa->ifa_family;
        memcpy(c.ip.addr, mnl_attr_get_payload(a), len);
        c.prefix = ifa->ifa_prefixlen;
        {
                struct casca_cidr *v = reallocarray(l->v, l->n + 1, sizeof(*v));
                if (!v) {
                        l->oom = true;
                        return MNL_CB_OK;
                }
                l->v = v;
                l->v[l->n++] = c;
        }
        return MNL_CB_OK;
}

int casca_addr_list(struct casca_nl *nl, int index, struct casca_cidr **ret, size_t *ret_n,
                    struct casca_error **err)
{
        struct addr_list l = {.index = index};
        int r;

        /* a dump that concurrent address changes interrupted (EINTR, as
         * parallel setups on one bridge do) is started again */
        for (int attempt = 0;; attempt++) {
                struct nlmsghdr *nlh = casca_nl_request(nl, RTM_GETADDR, NLM_F_DUMP);
                struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

                ifa->ifa_family = AF_UNSPEC;
                r = casca_nl_talk(nl, nlh, addr_cb, &l);
                if (r != -EINTR || attempt == 20)
                        break;
                free(l.v);
                l = (struct addr_list){.index = index};
        }
        if (r < 0 || l.oom) {
                free(l.v);
                return casca_nl_error(nl, r < 0 ? r : -ENOMEM, err, "list addresses of link %d",
                                      index);
        }
        *ret = l.v;
        *ret_n = l.n;
        return 0;
}
