/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netconf.h - the "casca"."network" extension of config.json as typed
 * structs, and the address helpers the rest of netns/ shares.
 *
 * casca_netconf_parse() fills every default, so a parsed netconf is complete:
 * bridge, subnet, gateway and interface are always set. */
#ifndef CASCA_NETCONF_H
#define CASCA_NETCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "casca.h"
#include "util/json.h"

/* An IPv4 or IPv6 address; addr holds 4 or 16 bytes in network order. */
struct casca_ip {
        int family; /* AF_INET or AF_INET6 */
        uint8_t addr[16];
};

struct casca_cidr {
        struct casca_ip ip;
        unsigned prefix;
};

/* Longest text form of an address ("ffff:...:ffff") or of a CIDR, with NUL. */
#define CASCA_IP_STRLEN 46
#define CASCA_CIDR_STRLEN 50

#define CASCA_NET_DEFAULT_BRIDGE "casca0"
#define CASCA_NET_DEFAULT_SUBNET "10.88.0.0/16"
#define CASCA_NET_DEFAULT_INTERFACE "eth0"
#define CASCA_NET_DEFAULT_NETWORK "default"

struct casca_port_mapping {
        uint16_t host_port, container_port;
        int protocol;     /* IPPROTO_TCP or IPPROTO_UDP */
        bool has_host_ip; /* false: any local address ("0.0.0.0", "::" or absent) */
        struct casca_ip host_ip;
};

struct casca_host_entry {
        char *ip;
        char **names; /* NULL-terminated; n_names >= 1 */
        size_t n_names;
};

struct casca_netconf_ip6 {
        struct casca_cidr subnet;
        struct casca_ip gateway; /* default: first address of the subnet */
        bool has_address;
        struct casca_cidr address; /* prefix == subnet.prefix */
};

/* mode "user": the address a user-mode helper answers DNS on (pasta's
 * --dns-forward), the container's resolv.conf nameserver unless dns.servers */
#define CASCA_NET_USER_DNS "169.254.1.1"

struct casca_netconf {
        bool user_mode; /* "mode": "user" (pasta); default "bridge" */
        /* "name": a named network (netobj.h), whose bridge, subnet, gateway,
         * IPv6 and NAT replace the fields below at setup.  A casca.network
         * without name, bridge, subnet, gateway, ipv6 and nat joins the
         * network "default".  NULL: a one-off bridge described inline. */
        char *network;
        char *bridge;             /* default "casca0" */
        struct casca_cidr subnet; /* default 10.88.0.0/16; host bits are zero */
        struct casca_ip gateway;  /* default: first address of the subnet */
        bool has_address;
        struct casca_cidr address; /* prefix == subnet.prefix (named: checked at setup) */
        char *interface;           /* default "eth0" */
        bool has_mtu;
        uint32_t mtu; /* 68..65535 */
        bool has_mac;
        uint8_t mac[6]; /* unicast, not all zero */
        bool has_ipv6;
        struct casca_netconf_ip6 ipv6;
        bool nat; /* default true */
        struct casca_port_mapping *ports;
        size_t n_ports;
        bool has_dns;
        char **dns_servers, **dns_search, **dns_options; /* NULL-terminated, maybe empty */
        size_t n_dns_servers, n_dns_search, n_dns_options;
        struct casca_host_entry *hosts;
        size_t n_hosts;
};

/* Parse the value of "casca"."network".  network_obj may be NULL (all
 * defaults).  Errors name the JSON path:
 * `casca.network.subnet: invalid CIDR "10.88.0.0/33"`. */
int casca_netconf_parse(const struct casca_json *network_obj, struct casca_netconf **ret,
                        struct casca_error **err);
/* Parse a JSON document that is either a whole config.json (its
 * "casca"."network" is used; absent means NULL result and 0) or the network
 * object itself.  For tools and tests. */
int casca_netconf_parse_json(const char *json, struct casca_netconf **ret,
                             struct casca_error **err);
void casca_netconf_free(struct casca_netconf *nc);

static inline void casca_netconf_freep(struct casca_netconf **nc)
{
        casca_netconf_free(*nc);
}
#define _cleanup_netconf_ __attribute__((cleanup(casca_netconf_freep)))

/* linux.netDevices: a host link moved into the container. */
struct casca_net_device {
        char *host_name; /* the key of linux.netDevices */
        char *name;      /* name inside the container; defaults to host_name */
};

/* Parse the linux.netDevices object at path p: *ret and *ret_n are set
 * before the entries are parsed (free with casca_netdevs_free()). */
int casca_netdevs_from_json(const struct casca_json *v, const struct casca_jpath *p,
                            struct casca_net_device **ret, size_t *ret_n, struct casca_error **err);
void casca_netdevs_free(struct casca_net_device *devs, size_t n);

/* A link name the kernel accepts (dev_valid_name): 1..15 bytes, not "."
 * or "..", no '/', ':' or whitespace.  casca.network's own names must also
 * be printable. */
bool casca_ifname_valid(const char *s);
/* A network name: [A-Za-z0-9][A-Za-z0-9_.-]{0,63} */
bool casca_netname_valid(const char *s);

/* ---- address helpers (pure) ---------------------------------------------- */

/* "10.0.0.1" or "fd00::1"; -EINVAL when not an address. */
int casca_ip_parse(const char *s, struct casca_ip *ret);
/* "10.0.0.0/8"; the prefix is required; -EINVAL on bad syntax or range. */
int casca_cidr_parse(const char *s, struct casca_cidr *ret);
/* Write the text form into buf (CASCA_IP_STRLEN / CASCA_CIDR_STRLEN bytes). */
const char *casca_ip_format(const struct casca_ip *ip, char *buf, size_t size);
const char *casca_cidr_format(const struct casca_cidr *c, char *buf, size_t size);
bool casca_ip_equal(const struct casca_ip *a, const struct casca_ip *b);
bool casca_ip_is_any(const struct casca_ip *ip);
/* Is ip inside the network c? (families must match) */
bool casca_cidr_contains(const struct casca_cidr *c, const struct casca_ip *ip);
/* The network address (host bits cleared) of c. */
void casca_cidr_network(const struct casca_cidr *c, struct casca_ip *ret);
/* The address `offset` hosts into the network of c (offset 1: the first host).
 * Only the low 64 bits of the host part are used; -ERANGE when out of c. */
int casca_cidr_nth(const struct casca_cidr *c, uint64_t offset, struct casca_ip *ret);
/* The offset of ip inside c (inverse of casca_cidr_nth); -ERANGE if outside. */
int casca_cidr_offset(const struct casca_cidr *c, const struct casca_ip *ip, uint64_t *ret);
/* The number of offsets usable for hosts: 1..size-2 for IPv4 (no network,
 * no broadcast), 1..size-1 for IPv6, capped at 2^64-1. */
uint64_t casca_cidr_last_host(const struct casca_cidr *c);

#endif
