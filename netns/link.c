/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* link.c - rtnetlink links: look up, create (bridge, dummy, veth with the peer
 * made directly in another namespace), change (master, up, MTU, MAC, name,
 * namespace) and delete. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <string.h>

#include "netns/internal.h"
#include "util/cleanup.h"
#include "util/format.h"

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh, int index)
{
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = index;
        return ifi;
}

static int linkinfo_cb(const struct nlattr *a, void *data)
{
        struct casca_link_info *li = data;

        if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
            mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
                casca_snprintf_trunc(li->kind, sizeof(li->kind), "%s", mnl_attr_get_str(a));
        return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
        struct casca_link_info *li = data;

        switch (mnl_attr_get_type(a)) {
        case IFLA_MASTER:
                if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
                        li->master = (int)mnl_attr_get_u32(a);
                break;
        case IFLA_MTU:
                if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
                        li->mtu = mnl_attr_get_u32(a);
                break;
        case IFLA_GROUP:
                if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
                        li->group = mnl_attr_get_u32(a);
                break;
        case IFLA_ADDRESS:
                if (mnl_attr_get_payload_len(a) == 6)
                        memcpy(li->mac, mnl_attr_get_payload(a), 6);
                break;
        case IFLA_LINKINFO:
                (void)mnl_attr_parse_nested(a, linkinfo_cb, li);
                break;
        }
        return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
        const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        struct casca_link_info *li = data;

        if (nlh->nlmsg_type != RTM_NEWLINK)
                return MNL_CB_OK;
        li->index = ifi->ifi_index;
        li->flags = ifi->ifi_flags;
        return mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, li) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int casca_link_get(struct casca_nl *nl, const char *name, struct casca_link_info *ret)
{
        struct nlmsghdr *nlh = casca_nl_request(nl, RTM_GETLINK, 0);
        struct casca_link_info li = {0};
        int r;

        put_ifinfo(nlh, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        r = casca_nl_talk(nl, nlh, link_cb, &li);
        if (r < 0)
                return r;
        if (li.index <= 0)
                return -ENODEV;
        *ret = li;
        return 0;
}

int casca_link_add(struct casca_nl *nl, const char *name, const char *kind, const uint8_t *mac,
                   struct casca_error **err)
{
        struct nlmsghdr *nlh = casca_nl_request(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        struct nlattr *info;
        int r;

        put_ifinfo(nlh, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        if (mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
        info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
        mnl_attr_nest_end(nlh, info);
        r = casca_nl_talk(nl, nlh, NULL, NULL);
        if (r == -EEXIST)
                return r;
        if (r < 0)
                return casca_nl_error(nl, r, err, "create %s `%s`", kind, name);
        return 0;
}

int casca_link_add_veth(struct casca_nl *nl, const char *name, const char *peer_name,
                        int peer_netns_fd, uint32_t mtu, const uint8_t *peer_mac,
                        struct casca_error **err)
{
        struct nlmsghdr *nlh = casca_nl_request(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        struct nlattr *info, *data, *peer;
        struct ifinfomsg *pifi;
        int r;

        put_ifinfo(nlh, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        if (mtu)
                mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
        info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
        data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
        /* The peer's attributes follow an ifinfomsg of their own. */
        pifi = mnl_nlmsg_get_payload_tail(nlh);
        memset(pifi, 0, sizeof(*pifi));
        pifi->ifi_family = AF_UNSPEC;
        nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifi));
        mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
        if (peer_netns_fd >= 0)
                mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
        if (mtu)
                mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
        if (peer_mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
        mnl_attr_nest_end(nlh, peer);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        r = casca_nl_talk(nl, nlh, NULL, NULL);
        if (r < 0)
                return casca_nl_error(nl, r, err, "create veth `%s` (peer `%s`)", name, peer_name);
        return 0;
}

static int sub_mode(const char *kind, const char *mode, uint32_t *ret)
{
        static const struct {
                const char *kind, *name;
                uint32_t v;
        } modes[] = {
                {"macvlan", "private", MACVLAN_MODE_PRIVATE},
                {"macvlan", "vepa", MACVLAN_MODE_VEPA},
                {"macvlan", "bridge", MACVLAN_MODE_BRIDGE},
                {"macvlan", "passthru", MACVLAN_MODE_PASSTHRU},
                {"ipvlan", "l2", IPVLAN_MODE_L2},
                {"ipvlan", "l3", IPVLAN_MODE_L3},
                {"ipvlan", "l3s", IPVLAN_MODE_L3S},
        };

        for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
                if (strcmp(kind, modes[i].kind) == 0 && strcmp(mode, modes[i].name) == 0) {
                        *ret = modes[i].v;
                        return 0;
                }
        return -EINVAL;
}

int casca_link_add_sub(struct casca_nl *nl, const char *kind, const char *name, int parent_index,
                       const char *mode, int netns_fd, uint32_t mtu, const uint8_t *mac,
                       struct casca_error **err)
{
        struct nlmsghdr *nlh = casca_nl_request(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        struct nlattr *info, *data;
        uint32_t m;
        int r;

        if (sub_mode(kind, mode, &m) < 0)
                return casca_error_setx(err, EINVAL, "unknown %s mode \"%s\"", kind, mode);
        put_ifinfo(nlh, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)parent_index);
        if (netns_fd >= 0)
                mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
        if (mtu)
                mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
        if (mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
        info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
        data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        if (strcmp(kind, "macvlan") == 0)
                mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, m);
        else
                mnl_attr_put_u16(nlh, IFLA_IPVLAN_MODE, (uint16_t)m);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        r = casca_nl_talk(nl, nlh, NULL, NULL);
        if (r < 0)
                return casca_nl_error(nl, r, err, "create %s `%s` on link %d", kind, name,
                                      parent_index);
        return 0;
}

int casca_link_set(struct casca_nl *nl, int index, const struct casca_link_change *c,
                   struct casca_error **err)
{
        struct nlmsghdr *nlh = casca_nl_request(nl, RTM_NEWLINK, 0);
        struct ifinfomsg *ifi = put_ifinfo(nlh, index);
        int r;

        if (c->up) {
                ifi->ifi_change = IFF_UP;
                ifi->ifi_flags = c->up > 0 ? IFF_UP : 0;
        }
        if (c->name)
                mnl_attr_put_strz(nlh, IFLA_IFNAME, c->name);
        if (c->master)
                mnl_attr_put_u32(nlh, IFLA_MASTER, c->master > 0 ? (uint32_t)c->master : 0);
        if (c->mtu)
                mnl_attr_put_u32(nlh, IFLA_MTU, c->mtu);
        if (c->mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, 6, c->mac);
        if (c->netns_fd >= 0)
                mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)c->netns_fd);
        if (c->group)
                mnl_attr_put_u32(nlh, IFLA_GROUP, c->group);
        r = casca_nl_talk(nl, nlh, NULL, NULL);
        if (r < 0)
                return casca_nl_error(nl, r, err, "change link %d%s%s", index,
                                      c->name ? " to " : "", c->name ? c->name : "");
        return 0;
}

int casca_link_del(struct casca_nl *nl, const char *name, struct casca_error **err)
{
        struct nlmsghdr *nlh = casca_nl_request(nl, RTM_DELLINK, 0);
        int r;

        put_ifinfo(nlh, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        r = casca_nl_talk(nl, nlh, NULL, NULL);
        if (r == -ENODEV)
                return r;
        if (r < 0)
                return casca_nl_error(nl, r, err, "delete link `%s`", name);
        return 0;
}

int casca_link_set_hairpin(struct casca_nl *nl, int index, struct casca_error **err)
{
        struct nlmsghdr *nlh = casca_nl_request(nl, RTM_SETLINK, 0);
        struct ifinfomsg *ifi = put_ifinfo(nlh, index);
        struct nlattr *pi;
        int r;

        ifi->ifi_family = AF_BRIDGE;
        pi = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
        mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, 1);
        mnl_attr_nest_end(nlh, pi);
        r = casca_nl_talk(nl, nlh, NULL, NULL);
        if (r < 0)
                return casca_nl_error(nl, r, err, "set hairpin mode on bridge port %d", index);
        return 0;
}
