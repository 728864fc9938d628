/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bridge.c - the host bridge containers attach to: created on first use,
 * carries the gateway addresses, never removed by a container's teardown. */
#include <errno.h>
#include <string.h>

#include "netns/internal.h"

int casca_bridge_ensure(struct casca_nl *nl, const struct casca_netconf *nc,
                        struct casca_error **err)
{
        struct casca_link_info li;
        struct casca_link_change up = {.up = 1, .netns_fd = -1};
        struct casca_cidr gw;
        int r;

        /* Look first: a lookup is cheaper than a create under the RTNL lock. */
        r = casca_link_get(nl, nc->bridge, &li);
        if (r == -ENODEV) {
                r = casca_link_add(nl, nc->bridge, "bridge", err);
                if (r < 0 && r != -EEXIST) /* EEXIST: a racing setup made it */
                        return r;
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
                r = casca_link_set(nl, li.index, &up, err);
                if (r < 0)
                        return r;
        }
        return li.index;
}
