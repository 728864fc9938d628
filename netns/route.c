/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* route.c - rtnetlink routes: the container's default route. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "netns/internal.h"

int casca_route_add_default(struct casca_nl *nl, int index, const struct casca_ip *gw,
                            struct casca_error **err)
{
        struct nlmsghdr *nlh = casca_nl_request(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
        struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
        char buf[CASCA_IP_STRLEN];
        int r;

        rtm->rtm_family = (uint8_t)gw->family;
        rtm->rtm_dst_len = 0;
        rtm->rtm_table = RT_TABLE_MAIN;
        rtm->rtm_protocol = RTPROT_BOOT;
        rtm->rtm_scope = RT_SCOPE_UNIVERSE;
        rtm->rtm_type = RTN_UNICAST;
        mnl_attr_put(nlh, RTA_GATEWAY, gw->family == AF_INET ? 4 : 16, gw->addr);
        mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)index);
        r = casca_nl_talk(nl, nlh, NULL, NULL);
        if (r == -EEXIST)
                return 0;
        if (r < 0)
                return casca_nl_error(nl, r, err, "add default route via %s",
                                      casca_ip_format(gw, buf, sizeof(buf)));
        return 0;
}
