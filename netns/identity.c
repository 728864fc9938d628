/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* identity.c - what a container keeps of its casca.network across a
 * checkpoint and restore: its address(es) and its MAC.
 *
 * The checkpoint records them (from network.json and the interface inside)
 * in a small JSON document, {"address":"10.88.0.2","address6":"fd88::2",
 * "mac":"02:42:0a:58:00:02"}; the restore builds the network again from the
 * config with those as fixed address(es) and MAC, so that the restored
 * sockets (bound to the address, or to any) and the neighbours' ARP caches
 * still fit. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns/internal.h"
#include "netns/network.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "util/json.h"

static void closep_nl(struct casca_nl **nl)
{
        casca_nl_close(*nl);
}

int casca_network_identity_get(const char *state_root, const char *id, const char *interface,
                               int netns_fd, struct casca_network_identity *ret,
                               struct casca_error **err)
{
        _cleanup_(closep_nl) struct casca_nl *nl = NULL;
        struct casca_netstate st;
        struct casca_link_info li;
        bool veth;
        int r;

        memset(ret, 0, sizeof(*ret));
        r = casca_netstate_load(state_root, id, &st, err);
        if (r == -ENOENT)
                return casca_error_setx(err, ENOENT, "container `%s` has no network.json", id);
        if (r < 0)
                return r;
        ret->has_addr4 = st.has_addr4;
        ret->addr4 = st.addr4;
        ret->has_addr6 = st.has_addr6;
        ret->addr6 = st.addr6;
        /* "": a macvlan/ipvlan, whose MAC is the kernel's (or the parent's) */
        veth = st.veth && st.veth[0];
        casca_netstate_clear(&st);
        if (!ret->has_addr4)
                return casca_error_setx(err, EINVAL, "container `%s`: network.json has no address",
                                        id);
        if (!veth)
                return 0;
        r = casca_nl_open(NETLINK_ROUTE, netns_fd, &nl, err);
        if (r < 0)
                return r;
        r = casca_link_get(nl, interface, &li);
        if (r < 0)
                return casca_nl_error(nl, r, err, "look up `%s` in the container", interface);
        memcpy(ret->mac, li.mac, 6);
        ret->has_mac = true;
        return 0;
}

char *casca_network_identity_format(const struct casca_network_identity *idn,
                                    struct casca_error **err)
{
        char buf[CASCA_IP_STRLEN], mac[18];
        struct casca_jgen j;

        if (casca_jgen_init(&j, 0, err) < 0)
                return NULL;
        casca_jgen_map_open(&j);
        if (idn->has_addr4)
                casca_jgen_kstr(&j, "address", casca_ip_format(&idn->addr4, buf, sizeof(buf)));
        if (idn->has_addr6)
                casca_jgen_kstr(&j, "address6", casca_ip_format(&idn->addr6, buf, sizeof(buf)));
        if (idn->has_mac) {
                casca_snprintf_trunc(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", idn->mac[0],
                                     idn->mac[1], idn->mac[2], idn->mac[3], idn->mac[4],
                                     idn->mac[5]);
                casca_jgen_kstr(&j, "mac", mac);
        }
        casca_jgen_map_close(&j);
        return casca_jgen_finish(&j, err);
}

static int parse_ip(const struct casca_json *doc, const char *key, int family, bool *has,
                    struct casca_ip *ip)
{
        const struct casca_json *v = casca_json_get(doc, key);
        const char *s = v ? casca_json_str(v) : NULL;

        if (!v)
                return 0;
        if (!s || casca_ip_parse(s, ip) < 0 || ip->family != family)
                return -EINVAL;
        *has = true;
        return 0;
}

int casca_network_identity_parse(const char *json, size_t len, const char *what,
                                 struct casca_network_identity *ret, struct casca_error **err)
{
        _cleanup_(casca_json_freep) struct casca_json *doc = NULL;
        const struct casca_json *v;
        unsigned b[6];
        char end;

        memset(ret, 0, sizeof(*ret));
        doc = casca_json_parse(json, len, err);
        if (!doc)
                return casca_error_prefix(err, "%s", what);
        if (!casca_json_is_object(doc) ||
            parse_ip(doc, "address", AF_INET, &ret->has_addr4, &ret->addr4) < 0 ||
            parse_ip(doc, "address6", AF_INET6, &ret->has_addr6, &ret->addr6) < 0 ||
            !ret->has_addr4)
                return casca_error_setx(err, EINVAL, "%s: expected {\"address\": IPv4, ...}", what);
        v = casca_json_get(doc, "mac");
        if (!v)
                return 0;
        if (!casca_json_str(v) || sscanf(casca_json_str(v), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0],
                                         &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6)
                return casca_error_setx(err, EINVAL, "%s: mac: expected xx:xx:xx:xx:xx:xx", what);
        for (int i = 0; i < 6; i++)
                ret->mac[i] = (uint8_t)b[i];
        ret->has_mac = true;
        return 0;
}

int casca_network_identity_apply(const struct casca_netconf *nc,
                                 const struct casca_network_identity *idn,
                                 struct casca_netconf *ret, struct casca_error **err)
{
        char a[CASCA_IP_STRLEN], b[CASCA_IP_STRLEN];

        *ret = *nc;
        if (nc->has_address && !casca_ip_equal(&nc->address.ip, &idn->addr4))
                return casca_error_setx(err, EINVAL,
                                        "casca.network.address: %s, but the checkpoint's "
                                        "container had %s",
                                        casca_ip_format(&nc->address.ip, a, sizeof(a)),
                                        casca_ip_format(&idn->addr4, b, sizeof(b)));
        if (idn->has_addr6 != nc->has_ipv6 && !nc->network)
                return casca_error_setx(err, EINVAL,
                                        "casca.network.ipv6: the checkpoint's container %s an "
                                        "IPv6 address",
                                        idn->has_addr6 ? "had" : "had no");
        ret->has_address = true;
        /* inline: the subnet's prefix; a named network's is checked (and
         * set) at setup */
        ret->address = (struct casca_cidr){.ip = idn->addr4,
                                           .prefix = nc->network ? 0 : nc->subnet.prefix};
        if (idn->has_addr6) {
                ret->ipv6.has_address = true;
                ret->ipv6.address = (struct casca_cidr){
                        .ip = idn->addr6, .prefix = nc->network ? 0 : nc->ipv6.subnet.prefix};
        }
        if (idn->has_mac) {
                if (nc->has_mac && memcmp(nc->mac, idn->mac, 6) != 0)
                        return casca_error_setx(err, EINVAL,
                                                "casca.network.mac: differs from the "
                                                "checkpoint's container's");
                ret->has_mac = true;
                memcpy(ret->mac, idn->mac, 6);
        }
        return 0;
}

int casca_netns_new(struct casca_error **err)
{
        _cleanup_close_ int saved = -1, fd = -1;

        saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (saved < 0)
                return casca_error_set(err, errno, "open `/proc/thread-self/ns/net`");
        if (unshare(CLONE_NEWNET) < 0)
                return casca_error_set(err, errno, "a new network namespace");
        fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                int e = errno;
                (void)casca_netns_leave(TAKE_FD(saved), NULL);
                return casca_error_set(err, e, "open the new network namespace");
        }
        if (casca_netns_leave(TAKE_FD(saved), err) < 0)
                return -EIO;
        return TAKE_FD(fd);
}
