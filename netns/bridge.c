/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bridge.c - the host bridge containers attach to: created on first use,
 * carries the gateway addresses, never removed by a container's teardown.
 *
 * A one-off bridge (casca.network.bridge, subnet, gateway) is checked
 * before it is used: a bridge that already carries another IPv4 subnet is
 * refused (two configs naming one bridge with different subnets would give
 * it a second gateway), and a subnet that overlaps a route or an address of
 * the host on another interface (podman's, libvirt's, docker's network) is
 * refused naming it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "util/cleanup.h"
#include "netns/internal.h"
#include "netns/netobj.h"

/* The bridge index exists: does it already serve another IPv4 subnet? */
static int check_existing(struct casca_nl *nl, const struct casca_netconf *nc, int index,
                          bool *ret_has_ours, struct casca_error **err)
{
        _cleanup_free_ struct casca_cidr *addrs = NULL;
        char have[CASCA_CIDR_STRLEN], want[CASCA_CIDR_STRLEN], gw[CASCA_IP_STRLEN],
                wgw[CASCA_IP_STRLEN];
        size_t n = 0;
        int r;

        *ret_has_ours = false;
        r = casca_addr_list(nl, index, &addrs, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                struct casca_cidr net = {.prefix = addrs[i].prefix};

                if (addrs[i].ip.family != AF_INET)
                        continue;
                casca_cidr_network(&addrs[i], &net.ip);
                if (net.prefix == nc->subnet.prefix && casca_ip_equal(&net.ip, &nc->subnet.ip) &&
                    casca_ip_equal(&addrs[i].ip, &nc->gateway)) {
                        *ret_has_ours = true;
                        continue;
                }
                return casca_error_setx(
                        err, EEXIST,
                        "casca.network.subnet: bridge `%s` already serves %s (address %s), not "
                        "%s with gateway %s: another config made it; give this one the same "
                        "subnet and gateway, or another bridge",
                        nc->bridge, casca_cidr_format(&net, have, sizeof(have)),
                        casca_ip_format(&addrs[i].ip, gw, sizeof(gw)),
                        casca_cidr_format(&nc->subnet, want, sizeof(want)),
                        casca_ip_format(&nc->gateway, wgw, sizeof(wgw)));
        }
        return 0;
}

int casca_bridge_add(struct casca_nl *nl, const char *name, struct casca_error **err)
{
        uint8_t mac[6];

        if (getrandom(mac, sizeof(mac), 0) != (ssize_t)sizeof(mac))
                return casca_error_set(err, errno ? errno : EIO, "bridge `%s`: random address",
                                       name);
        mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* unicast, locally administered */
        return casca_link_add(nl, name, "bridge", mac, err);
}

int casca_bridge_ensure(struct casca_nl *nl, const struct casca_netconf *nc,
                        struct casca_error **err)
{
        struct casca_link_info li;
        struct casca_link_change up = {.up = 1, .netns_fd = -1};
        struct casca_cidr gw;
        bool ours = false, made = false;
        int r;

        /* Look first: a lookup is cheaper than a create under the RTNL lock. */
        r = casca_link_get(nl, nc->bridge, &li);
        if (r == 0 && strcmp(li.kind, "bridge") == 0) {
                r = check_existing(nl, nc, li.index, &ours, err);
                if (r < 0)
                        return r;
        }
        if (!ours) {
                /* routes on the bridge itself are its own (a racing setup) */
                r = casca_subnet_check_free(&nc->subnet, "casca.network.subnet",
                                            r == 0 ? li.index : 0, err);
                if (r < 0)
                        return r;
        }
        r = casca_link_get(nl, nc->bridge, &li);
        if (r == -ENODEV) {
                r = casca_bridge_add(nl, nc->bridge, err);
                if (r < 0 && r != -EEXIST) /* EEXIST: a racing setup made it */
                        return r;
                made = r == 0;
                r = casca_link_get(nl, nc->bridge, &li);
        }
        if (r < 0)
                return casca_nl_error(nl, r, err, "look up bridge `%s`", nc->bridge);
        if (strcmp(li.kind, "bridge") != 0)
                return casca_error_setx(err, EEXIST,
                                        "casca.network.bridge: `%s` exists and is not a bridge "
                                        "(kind \"%s\")",
                                        nc->bridge, li.kind);
        gw = (struct casca_cidr){.ip = nc->gateway, .prefix = nc->subnet.prefix};
        r = casca_addr_add(nl, li.index, &gw, err);
        if (r < 0)
                return casca_error_prefix(err, "bridge `%s`", nc->bridge);
        if (nc->has_ipv6) {
                gw = (struct casca_cidr){.ip = nc->ipv6.gateway, .prefix = nc->ipv6.subnet.prefix};
                r = casca_addr_add(nl, li.index, &gw, err);
                if (r < 0)
                        return casca_error_prefix(err, "bridge `%s`", nc->bridge);
        }
        if (!(li.flags & IFF_UP)) {
                /* a bridge casca made is in casca's group: the isolation
                 * rules of the named networks keep it apart from them */
                if (made)
                        up.group = CASCA_BRIDGE_GROUP;
                r = casca_link_set(nl, li.index, &up, err);
                if (r < 0)
                        return r;
        }
        return li.index;
}

/* A named network's bridge, made by `casca network create`: it must exist. */
int casca_bridge_lookup(struct casca_nl *nl, const char *network, const char *bridge,
                        struct casca_error **err)
{
        struct casca_link_info li;
        int r;

        r = casca_link_get(nl, bridge, &li);
        if (r == -ENODEV)
                return casca_error_setx(err, ENODEV,
                                        "network `%s`: its bridge `%s` is gone (removed by hand?): "
                                        "remove the network and create it again",
                                        network, bridge);
        if (r < 0)
                return casca_nl_error(nl, r, err, "look up bridge `%s`", bridge);
        if (strcmp(li.kind, "bridge") != 0)
                return casca_error_setx(err, EEXIST, "network `%s`: `%s` is not a bridge", network,
                                        bridge);
        return li.index;
}
