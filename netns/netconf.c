/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netconf.c - parse and validate "casca"."network" and linux.netDevices, and the pure
 * address helpers shared by netns/. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netns/netconf.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "util/parse.h"

#define P "casca.network"

/* ---- address helpers ------------------------------------------------------ */

static size_t ip_len(int family)
{
        return family == AF_INET ? 4 : 16;
}

int casca_ip_parse(const char *s, struct casca_ip *ret)
{
        struct casca_ip ip = {0};

        if (!s)
                return -EINVAL;
        if (inet_pton(AF_INET, s, ip.addr) == 1)
                ip.family = AF_INET;
        else if (inet_pton(AF_INET6, s, ip.addr) == 1)
                ip.family = AF_INET6;
        else
                return -EINVAL;
        *ret = ip;
        return 0;
}

int casca_cidr_parse(const char *s, struct casca_cidr *ret)
{
        char buf[CASCA_CIDR_STRLEN];
        const char *slash;
        const char *end;
        unsigned prefix;
        struct casca_cidr c = {0};
        size_t n;

        if (!s || !(slash = strchr(s, '/')))
                return -EINVAL;
        n = (size_t)(slash - s);
        if (n == 0 || n >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, n);
        buf[n] = '\0';
        if (casca_ip_parse(buf, &c.ip) < 0)
                return -EINVAL;
        if (casca_parse_uint(slash + 1, &end, UINT_MAX, &prefix) < 0 || *end ||
            end - (slash + 1) > 3 || prefix > ip_len(c.ip.family) * 8)
                return -EINVAL;
        c.prefix = prefix;
        *ret = c;
        return 0;
}

const char *casca_ip_format(const struct casca_ip *ip, char *buf, size_t size)
{
        if (!inet_ntop(ip->family, ip->addr, buf, (socklen_t)size))
                casca_snprintf_trunc(buf, size, "?");
        return buf;
}

const char *casca_cidr_format(const struct casca_cidr *c, char *buf, size_t size)
{
        char a[CASCA_IP_STRLEN];

        /* size is CASCA_CIDR_STRLEN, which holds any */
        casca_snprintf_trunc(buf, size, "%s/%u", casca_ip_format(&c->ip, a, sizeof(a)), c->prefix);
        return buf;
}

bool casca_ip_equal(const struct casca_ip *a, const struct casca_ip *b)
{
        return a->family == b->family && memcmp(a->addr, b->addr, ip_len(a->family)) == 0;
}

bool casca_ip_is_any(const struct casca_ip *ip)
{
        for (size_t i = 0; i < ip_len(ip->family); i++)
                if (ip->addr[i])
                        return false;
        return true;
}

void casca_cidr_network(const struct casca_cidr *c, struct casca_ip *ret)
{
        size_t len = ip_len(c->ip.family);

        *ret = c->ip;
        for (size_t i = 0; i < len; i++) {
                unsigned bits = c->prefix > i * 8 ? c->prefix - (unsigned)i * 8 : 0;
                uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
                ret->addr[i] &= mask;
        }
}

bool casca_cidr_contains(const struct casca_cidr *c, const struct casca_ip *ip)
{
        struct casca_cidr other = {.ip = *ip, .prefix = c->prefix};
        struct casca_ip a, b;

        if (ip->family != c->ip.family)
                return false;
        casca_cidr_network(c, &a);
        casca_cidr_network(&other, &b);
        return casca_ip_equal(&a, &b);
}

/* Host bits available in the low 64 bits of the address. */
static unsigned host_bits(const struct casca_cidr *c)
{
        unsigned h = (unsigned)ip_len(c->ip.family) * 8 - c->prefix;
        return h > 64 ? 64 : h;
}

uint64_t casca_cidr_last_host(const struct casca_cidr *c)
{
        unsigned h = host_bits(c);
        uint64_t size_minus_1 = h >= 64 ? UINT64_MAX : (UINT64_C(1) << h) - 1;

        if (c->ip.family == AF_INET)
                return size_minus_1 >= 1 ? size_minus_1 - 1 : 0; /* no broadcast */
        return size_minus_1;
}

int casca_cidr_nth(const struct casca_cidr *c, uint64_t offset, struct casca_ip *ret)
{
        size_t len = ip_len(c->ip.family);
        unsigned h = host_bits(c);
        struct casca_ip ip;

        if (h < 64 && offset >> h)
                return -ERANGE;
        casca_cidr_network(c, &ip);
        for (size_t i = 0; i < 8 && i < len; i++) {
                ip.addr[len - 1 - i] |= (uint8_t)(offset & 0xff);
                offset >>= 8;
        }
        *ret = ip;
        return 0;
}

int casca_cidr_offset(const struct casca_cidr *c, const struct casca_ip *ip, uint64_t *ret)
{
        size_t len = ip_len(c->ip.family);
        unsigned h = host_bits(c);
        uint64_t v = 0;

        if (!casca_cidr_contains(c, ip))
                return -ERANGE;
        for (size_t i = len >= 8 ? len - 8 : 0; i < len; i++)
                v = (v << 8) | ip->addr[i];
        if (h < 64)
                v &= (UINT64_C(1) << h) - 1;
        else if (c->prefix < 64) {
                /* bits above the low 64 must be zero for an address we hand out */
                for (size_t i = c->prefix / 8; i < len - 8; i++)
                        if (ip->addr[i] & (i == c->prefix / 8 ? (0xff >> (c->prefix % 8)) : 0xff))
                                return -ERANGE;
        }
        *ret = v;
        return 0;
}

/* ---- the parser ----------------------------------------------------------- */

void casca_netconf_free(struct casca_netconf *nc)
{
        if (!nc)
                return;
        free(nc->bridge);
        free(nc->network);
        free(nc->interface);
        free(nc->ports);
        casca_strv_free(nc->dns_servers);
        casca_strv_free(nc->dns_search);
        casca_strv_free(nc->dns_options);
        for (size_t i = 0; i < nc->n_hosts; i++) {
                free(nc->hosts[i].ip);
                casca_strv_free(nc->hosts[i].names);
        }
        free(nc->hosts);
        free(nc);
}

static int oom(struct casca_error **err)
{
        return casca_error_set(err, ENOMEM, P);
}

bool casca_netname_valid(const char *s)
{
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n > 64)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (!isalnum((unsigned char)c) && (i == 0 || (c != '_' && c != '-' && c != '.')))
                        return false;
        }
        return true;
}

bool casca_ifname_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n >= IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (const char *p = s; *p; p++)
                if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
                        return false;
        return true;
}

/* A name casca gives a link: one the kernel accepts, and printable. */
static bool valid_ifname(const char *s)
{
        if (!casca_ifname_valid(s))
                return false;
        for (const char *p = s; *p; p++)
                if (!isprint((unsigned char)*p))
                        return false;
        return true;
}

static int get_string(const struct casca_json *v, const struct casca_jpath *p, const char **ret,
                      struct casca_error **err)
{
        const char *s = casca_json_str(v); /* NULL when v is not a string */

        if (!s)
                return casca_json_error(err, p, "expected a string");
        *ret = s;
        return 0;
}

/* casca.network is casca's own object: a key it does not know is a typo
 * (the runtime-spec's rule to ignore unknown keys is for the spec's). */
static int unknown_key(const struct casca_jpath *p, const char *key, struct casca_error **err)
{
        return casca_json_error(err, p, "unknown key \"%s\"", key);
}

static int parse_ifname(const struct casca_json *v, const struct casca_jpath *p, char **ret,
                        struct casca_error **err)
{
        const char *s = NULL;
        int r;

        r = get_string(v, p, &s, err);
        if (r < 0)
                return r;
        if (!valid_ifname(s))
                return casca_json_error(err, p, "invalid interface name \"%s\"", s);
        free(*ret);
        *ret = strdup(s);
        return *ret ? 0 : oom(err);
}

static int parse_ip(const struct casca_json *v, const struct casca_jpath *p, struct casca_ip *ret,
                    struct casca_error **err)
{
        const char *s = NULL;
        int r;

        r = get_string(v, p, &s, err);
        if (r < 0)
                return r;
        if (casca_ip_parse(s, ret) < 0)
                return casca_json_error(err, p, "invalid IP address \"%s\"", s);
        return 0;
}

/* A subnet: valid CIDR, host bits clear, room for a gateway and a host. */
static int parse_subnet(const struct casca_json *v, const struct casca_jpath *p, int family,
                        struct casca_cidr *ret, struct casca_error **err)
{
        struct casca_ip net;
        const char *s = NULL;
        int r;

        r = get_string(v, p, &s, err);
        if (r < 0)
                return r;
        if (casca_cidr_parse(s, ret) < 0)
                return casca_json_error(err, p, "invalid CIDR \"%s\"", s);
        if (ret->ip.family != family)
                return casca_json_error(err, p, "\"%s\" is not an %s subnet", s,
                                        family == AF_INET ? "IPv4" : "IPv6");
        casca_cidr_network(ret, &net);
        if (!casca_ip_equal(&net, &ret->ip))
                return casca_json_error(err, p, "\"%s\" has host bits set", s);
        if (ret->prefix > (family == AF_INET ? 30u : 126u))
                return casca_json_error(err, p, "\"%s\" is too small for a gateway and a container",
                                        s);
        return 0;
}

/* Is ip a usable host address of subnet (not network, not broadcast)? */
static bool usable_host(const struct casca_cidr *subnet, const struct casca_ip *ip)
{
        uint64_t off;

        if (casca_cidr_offset(subnet, ip, &off) < 0)
                return false;
        return off >= 1 && off <= casca_cidr_last_host(subnet);
}

static int check_gateway(const struct casca_cidr *subnet, const struct casca_ip *gw,
                         const struct casca_jpath *p, struct casca_error **err)
{
        char a[CASCA_IP_STRLEN], s[CASCA_CIDR_STRLEN];

        if (!usable_host(subnet, gw))
                return casca_json_error(err, p, "%s is not a host address of %s",
                                        casca_ip_format(gw, a, sizeof(a)),
                                        casca_cidr_format(subnet, s, sizeof(s)));
        return 0;
}

/* "10.88.0.10/16" or "10.88.0.10": inside the subnet, not the gateway. */
static int parse_address(const struct casca_json *v, const struct casca_jpath *p,
                         const struct casca_cidr *subnet, const struct casca_ip *gw,
                         struct casca_cidr *ret, struct casca_error **err)
{
        char sbuf[CASCA_CIDR_STRLEN];
        const char *s = NULL;
        int r;

        r = get_string(v, p, &s, err);
        if (r < 0)
                return r;
        if (strchr(s, '/')) {
                if (casca_cidr_parse(s, ret) < 0)
                        return casca_json_error(err, p, "invalid address \"%s\"", s);
        } else {
                if (casca_ip_parse(s, &ret->ip) < 0)
                        return casca_json_error(err, p, "invalid address \"%s\"", s);
                ret->prefix = subnet->prefix;
        }
        casca_cidr_format(subnet, sbuf, sizeof(sbuf));
        if (ret->prefix != subnet->prefix || !usable_host(subnet, &ret->ip))
                return casca_json_error(err, p, "\"%s\" is not a host address of %s", s, sbuf);
        if (casca_ip_equal(&ret->ip, gw))
                return casca_json_error(err, p, "\"%s\" is the gateway", s);
        return 0;
}

static int parse_mac(const struct casca_json *v, const struct casca_jpath *p, uint8_t mac[6],
                     struct casca_error **err)
{
        unsigned b[6];
        const char *s = NULL;
        char tail;
        int r;

        r = get_string(v, p, &s, err);
        if (r < 0)
                return r;
        if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
                                      &b[4], &b[5], &tail) != 6)
                return casca_json_error(err, p, "invalid MAC address \"%s\"", s);
        for (int i = 0; i < 6; i++)
                mac[i] = (uint8_t)b[i];
        if (mac[0] & 1)
                return casca_json_error(err, p, "\"%s\" is a multicast address", s);
        if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
                return casca_json_error(err, p, "\"%s\" is all zero", s);
        return 0;
}

/* Copy an array of strings.  check: optional validator (NULL: non-empty). */
static int parse_strv(const struct casca_json *v, const struct casca_jpath *p,
                      bool (*check)(const char *), char ***ret, size_t *ret_n,
                      struct casca_error **err)
{
        _cleanup_strv_ char **out = NULL;
        size_t n;

        if (!casca_json_is_array(v))
                return casca_json_error(err, p, "expected an array of strings");
        n = casca_json_len(v);
        out = calloc(n + 1, sizeof(char *));
        if (!out)
                return oom(err);
        for (size_t i = 0; i < n; i++) {
                const char *s = casca_json_str(casca_json_at(v, i));

                if (!s)
                        return casca_json_error(err, JIDX(p, i), "expected a string");
                if (check ? !check(s) : !*s)
                        return casca_json_error(err, JIDX(p, i), "invalid value \"%s\"", s);
                out[i] = strdup(s);
                if (!out[i])
                        return oom(err);
        }
        casca_strv_free(*ret);
        *ret = TAKE_PTR(out);
        *ret_n = n;
        return 0;
}

static bool is_ip_string(const char *s)
{
        struct casca_ip ip;
        return casca_ip_parse(s, &ip) == 0;
}

/* A word for resolv.conf or /etc/hosts: printable, no whitespace, not empty. */
static bool is_word(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (isspace((unsigned char)*s) || !isprint((unsigned char)*s) || *s == '#')
                        return false;
        return true;
}

static int parse_ipv6(const struct casca_json *v, const struct casca_jpath *p,
                      struct casca_netconf_ip6 *ip6, struct casca_error **err)
{
        const struct casca_json *address = NULL, *gateway = NULL, *subnet = NULL;
        int r;

        if (!casca_json_is_object(v))
                return casca_json_error(err, p, "expected an object");
        for (size_t i = 0; i < casca_json_len(v); i++) {
                const char *k = casca_json_key(v, i);
                if (strcmp(k, "subnet") == 0)
                        subnet = casca_json_at(v, i);
                else if (strcmp(k, "address") == 0)
                        address = casca_json_at(v, i);
                else if (strcmp(k, "gateway") == 0)
                        gateway = casca_json_at(v, i);
                else
                        return unknown_key(p, k, err);
        }
        if (!subnet)
                return casca_json_error(err, JKEY(p, "subnet"), "required");
        r = parse_subnet(subnet, JKEY(p, "subnet"), AF_INET6, &ip6->subnet, err);
        if (r < 0)
                return r;
        if (gateway) {
                r = parse_ip(gateway, JKEY(p, "gateway"), &ip6->gateway, err);
                if (r < 0)
                        return r;
                r = check_gateway(&ip6->subnet, &ip6->gateway, JKEY(p, "gateway"), err);
                if (r < 0)
                        return r;
        } else {
                casca_cidr_nth(&ip6->subnet, 1, &ip6->gateway);
        }
        if (address) {
                r = parse_address(address, JKEY(p, "address"), &ip6->subnet, &ip6->gateway,
                                  &ip6->address, err);
                if (r < 0)
                        return r;
                ip6->has_address = true;
        }
        return 0;
}

static int parse_port(const struct casca_json *v, const struct casca_jpath *p,
                      struct casca_port_mapping *pm, struct casca_error **err)
{
        bool has_host = false, has_cont = false;
        int64_t n = 0;
        int r;

        if (!casca_json_is_object(v))
                return casca_json_error(err, p, "expected an object");
        pm->protocol = IPPROTO_TCP;
        for (size_t i = 0; i < casca_json_len(v); i++) {
                const char *k = casca_json_key(v, i);
                const struct casca_json *e = casca_json_at(v, i);
                const struct casca_jpath *sub = JKEY(p, k);

                if (strcmp(k, "hostPort") == 0 || strcmp(k, "containerPort") == 0) {
                        r = casca_json_int_range(e, sub, 1, 65535, &n, err);
                        if (r < 0)
                                return r;
                        if (k[0] == 'h') {
                                pm->host_port = (uint16_t)n;
                                has_host = true;
                        } else {
                                pm->container_port = (uint16_t)n;
                                has_cont = true;
                        }
                } else if (strcmp(k, "protocol") == 0) {
                        const char *s = NULL;
                        r = get_string(e, sub, &s, err);
                        if (r < 0)
                                return r;
                        if (strcasecmp(s, "tcp") == 0)
                                pm->protocol = IPPROTO_TCP;
                        else if (strcasecmp(s, "udp") == 0)
                                pm->protocol = IPPROTO_UDP;
                        else
                                return casca_json_error(err, sub,
                                                        "unknown protocol \"%s\" (tcp or udp)", s);
                } else if (strcmp(k, "hostIP") == 0) {
                        r = parse_ip(e, sub, &pm->host_ip, err);
                        if (r < 0)
                                return r;
                        pm->has_host_ip = !casca_ip_is_any(&pm->host_ip);
                        /* IPv4 has route_localnet for 127.0.0.1:hostPort;
                         * IPv6 has nothing like it */
                        if (pm->host_ip.family == AF_INET6 && pm->host_ip.addr[15] == 1 &&
                            memcmp(pm->host_ip.addr, (const uint8_t[15]){0}, 15) == 0)
                                return casca_json_error(
                                        err, sub,
                                        "::1 cannot be published: the kernel never routes "
                                        "IPv6 loopback traffic to another interface (IPv6 has no "
                                        "route_localnet); use 127.0.0.1 or a host address");
                } else {
                        return unknown_key(p, k, err);
                }
        }
        if (!has_host)
                return casca_json_error(err, JKEY(p, "hostPort"), "required");
        if (!has_cont)
                pm->container_port = pm->host_port;
        return 0;
}

static int parse_ports(const struct casca_json *v, const struct casca_jpath *p,
                       struct casca_netconf *nc, struct casca_error **err)
{
        int r;

        if (!casca_json_is_array(v))
                return casca_json_error(err, p, "expected an array");
        nc->ports = calloc(casca_json_len(v) ? casca_json_len(v) : 1, sizeof(*nc->ports));
        if (!nc->ports)
                return oom(err);
        for (size_t i = 0; i < casca_json_len(v); i++) {
                struct casca_port_mapping *pm = &nc->ports[i];
                const struct casca_jpath *ip = JIDX(p, i);

                r = parse_port(casca_json_at(v, i), ip, pm, err);
                if (r < 0)
                        return r;
                nc->n_ports++;
                for (size_t j = 0; j < i; j++) {
                        const struct casca_port_mapping *o = &nc->ports[j];
                        bool same_ip =
                                o->has_host_ip == pm->has_host_ip &&
                                (!pm->has_host_ip || casca_ip_equal(&o->host_ip, &pm->host_ip));
                        if (o->host_port == pm->host_port && o->protocol == pm->protocol && same_ip)
                                return casca_json_error(
                                        err, JKEY(ip, "hostPort"),
                                        "%u/%s is already published by " P ".ports[%zu]",
                                        pm->host_port, pm->protocol == IPPROTO_TCP ? "tcp" : "udp",
                                        j);
                }
                if (pm->has_host_ip && pm->host_ip.family == AF_INET6 && !nc->has_ipv6 &&
                    !nc->network /* a named network's IPv6 is known at setup */)
                        return casca_json_error(err, JKEY(ip, "hostIP"),
                                                "an IPv6 host address needs " P ".ipv6");
        }
        return 0;
}

static int parse_dns(const struct casca_json *v, const struct casca_jpath *p,
                     struct casca_netconf *nc, struct casca_error **err)
{
        int r = 0;

        if (!casca_json_is_object(v))
                return casca_json_error(err, p, "expected an object");
        nc->has_dns = true;
        for (size_t i = 0; i < casca_json_len(v) && r >= 0; i++) {
                const char *k = casca_json_key(v, i);
                const struct casca_json *e = casca_json_at(v, i);

                if (strcmp(k, "servers") == 0)
                        r = parse_strv(e, JKEY(p, k), is_ip_string, &nc->dns_servers,
                                       &nc->n_dns_servers, err);
                else if (strcmp(k, "search") == 0)
                        r = parse_strv(e, JKEY(p, k), is_word, &nc->dns_search, &nc->n_dns_search,
                                       err);
                else if (strcmp(k, "options") == 0)
                        r = parse_strv(e, JKEY(p, k), is_word, &nc->dns_options, &nc->n_dns_options,
                                       err);
                else
                        r = unknown_key(p, k, err);
        }
        return r;
}

static int parse_hosts(const struct casca_json *v, const struct casca_jpath *p,
                       struct casca_netconf *nc, struct casca_error **err)
{
        int r;

        if (!casca_json_is_array(v))
                return casca_json_error(err, p, "expected an array");
        nc->hosts = calloc(casca_json_len(v) ? casca_json_len(v) : 1, sizeof(*nc->hosts));
        if (!nc->hosts)
                return oom(err);
        for (size_t i = 0; i < casca_json_len(v); i++) {
                const struct casca_json *e = casca_json_at(v, i);
                const struct casca_jpath *hp = JIDX(p, i);
                struct casca_host_entry *h = &nc->hosts[i];
                const struct casca_json *ip = NULL, *names = NULL;
                const char *ipstr = NULL;
                struct casca_ip tmp;

                if (!casca_json_is_object(e))
                        return casca_json_error(err, hp, "expected an object");
                nc->n_hosts++;
                for (size_t j = 0; j < casca_json_len(e); j++) {
                        const char *k = casca_json_key(e, j);
                        if (strcmp(k, "ip") == 0)
                                ip = casca_json_at(e, j);
                        else if (strcmp(k, "names") == 0)
                                names = casca_json_at(e, j);
                        else
                                return unknown_key(hp, k, err);
                }
                if (!ip || !names)
                        return casca_json_error(err, JKEY(hp, ip ? "names" : "ip"), "required");
                r = parse_ip(ip, JKEY(hp, "ip"), &tmp, err);
                if (r < 0)
                        return r;
                r = get_string(ip, JKEY(hp, "ip"), &ipstr, err);
                if (r < 0)
                        return r;
                h->ip = strdup(ipstr);
                if (!h->ip)
                        return oom(err);
                r = parse_strv(names, JKEY(hp, "names"), is_word, &h->names, &h->n_names, err);
                if (r < 0)
                        return r;
                if (h->n_names == 0)
                        return casca_json_error(err, JKEY(hp, "names"),
                                                "expected at least one name");
        }
        return 0;
}

/* mode "user": a user-mode helper (pasta) gives the address, the gateway
 * and DNS; what belongs to the bridge is refused, not ignored. */
static int parse_user_mode(const struct casca_json *v, const struct casca_json *ports,
                           const struct casca_jpath *pp, struct casca_netconf **nc,
                           struct casca_netconf **ret, struct casca_error **err)
{
        static const char *const bridge_only[] = {"name", "bridge", "subnet", "gateway", "address",
                                                  "mtu",  "mac",    "ipv6",   "nat"};
        int r;

        for (size_t i = 0; i < casca_json_len(v); i++)
                for (size_t k = 0; k < ARRAY_SIZE(bridge_only); k++)
                        if (strcmp(casca_json_key(v, i), bridge_only[k]) == 0)
                                return casca_error_setx(err, EINVAL,
                                                        P ".%s: only with mode \"bridge\" (mode "
                                                          "\"user\" takes its address from the "
                                                          "helper)",
                                                        bridge_only[k]);
        if (ports) {
                r = parse_ports(ports, pp, *nc, err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < (*nc)->n_ports; i++)
                        if ((*nc)->ports[i].has_host_ip)
                                return casca_error_setx(err, EINVAL,
                                                        P ".ports[%zu].hostIP: not with mode "
                                                          "\"user\"",
                                                        i);
        }
        if ((*nc)->n_dns_servers == 0) {
                char **v2 = calloc(2, sizeof(*v2));
                if (!v2 || !(v2[0] = strdup(CASCA_NET_USER_DNS))) {
                        free(v2);
                        return oom(err);
                }
                free((*nc)->dns_servers);
                (*nc)->dns_servers = v2;
                (*nc)->n_dns_servers = 1;
                (*nc)->has_dns = true;
        }
        *ret = TAKE_PTR(*nc);
        return 0;
}

int casca_netconf_parse(const struct casca_json *v, struct casca_netconf **ret,
                        struct casca_error **err)
{
        const struct casca_jpath *np = JKEY(JKEY(NULL, "casca"), "network");
        _cleanup_(casca_netconf_freep) struct casca_netconf *nc = NULL;
        const struct casca_json *subnet = NULL, *gateway = NULL, *address = NULL, *ipv6 = NULL,
                                *ports = NULL;
        int64_t n = 0;
        const char *inline_keys = NULL; /* the first key that makes a one-off bridge */
        int r = 0;

        if (v && !casca_json_is_object(v))
                return casca_json_error(err, np, "expected an object");
        nc = calloc(1, sizeof(*nc));
        if (!nc)
                return oom(err);
        nc->nat = true;
        nc->bridge = strdup(CASCA_NET_DEFAULT_BRIDGE);
        nc->interface = strdup(CASCA_NET_DEFAULT_INTERFACE);
        if (!nc->bridge || !nc->interface)
                return oom(err);
        casca_cidr_parse(CASCA_NET_DEFAULT_SUBNET, &nc->subnet);

        for (size_t i = 0; i < casca_json_len(v) && r >= 0; i++) {
                const char *k = casca_json_key(v, i);
                const struct casca_json *e = casca_json_at(v, i);
                const struct casca_jpath *kp = JKEY(np, k);

                if (strcmp(k, "mode") == 0) {
                        const char *m = casca_json_str(e);
                        if (!m || (strcmp(m, "bridge") != 0 && strcmp(m, "user") != 0))
                                r = casca_json_error(err, kp, "expected \"bridge\" or \"user\"");
                        else
                                nc->user_mode = strcmp(m, "user") == 0;
                } else if (strcmp(k, "bridge") == 0) {
                        r = parse_ifname(e, kp, &nc->bridge, err);
                        inline_keys = inline_keys ? inline_keys : "bridge";
                } else if (strcmp(k, "name") == 0) {
                        const char *s = NULL;
                        r = get_string(e, kp, &s, err);
                        if (r >= 0 && !casca_netname_valid(s))
                                r = casca_json_error(err, kp, "invalid network name \"%s\"", s);
                        if (r >= 0 && !(nc->network = strdup(s)))
                                r = oom(err);
                } else if (strcmp(k, "nat") == 0 || strcmp(k, "subnet") == 0 ||
                           strcmp(k, "gateway") == 0 || strcmp(k, "ipv6") == 0) {
                        inline_keys = inline_keys ? inline_keys : k;
                        if (k[0] == 's')
                                subnet = e;
                        else if (k[0] == 'g')
                                gateway = e;
                        else if (k[0] == 'i')
                                ipv6 = e;
                        else
                                r = casca_json_bool(e, kp, &nc->nat, err);
                } else if (strcmp(k, "interface") == 0)
                        r = parse_ifname(e, kp, &nc->interface, err);
                else if (strcmp(k, "address") == 0)
                        address = e;
                else if (strcmp(k, "ports") == 0)
                        ports = e;
                else if (strcmp(k, "mtu") == 0) {
                        r = casca_json_int_range(e, kp, 68, 65535, &n, err);
                        nc->mtu = (uint32_t)n;
                        nc->has_mtu = true;
                } else if (strcmp(k, "mac") == 0) {
                        r = parse_mac(e, kp, nc->mac, err);
                        nc->has_mac = true;
                } else if (strcmp(k, "dns") == 0)
                        r = parse_dns(e, kp, nc, err);
                else if (strcmp(k, "hosts") == 0)
                        r = parse_hosts(e, kp, nc, err);
                else
                        r = unknown_key(np, k, err);
        }
        if (r < 0)
                return r;
        if (nc->user_mode)
                return parse_user_mode(v, ports, JKEY(np, "ports"), &nc, ret, err);
        if (nc->network && inline_keys)
                return casca_error_setx(err, EINVAL,
                                        P ".%s: not with " P ".name (the network `%s` has its own)",
                                        inline_keys, nc->network);
        if (!nc->network && !inline_keys && !(nc->network = strdup(CASCA_NET_DEFAULT_NETWORK)))
                return oom(err);
        if (nc->network) {
                /* the network's subnet is known at create: address is
                 * checked against it there */
                nc->nat = false;
                if (address) {
                        const char *s = NULL;
                        r = get_string(address, JKEY(np, "address"), &s, err);
                        if (r < 0)
                                return r;
                        if ((strchr(s, '/') ? casca_cidr_parse(s, &nc->address)
                                            : casca_ip_parse(s, &nc->address.ip)) < 0 ||
                            nc->address.ip.family != AF_INET)
                                return casca_json_error(err, JKEY(np, "address"),
                                                        "invalid IPv4 address \"%s\"", s);
                        nc->has_address = true;
                        address = NULL;
                }
        }

        if (subnet) {
                r = parse_subnet(subnet, JKEY(np, "subnet"), AF_INET, &nc->subnet, err);
                if (r < 0)
                        return r;
        }
        if (gateway) {
                r = parse_ip(gateway, JKEY(np, "gateway"), &nc->gateway, err);
                if (r < 0)
                        return r;
                if (nc->gateway.family != AF_INET)
                        return casca_json_error(err, JKEY(np, "gateway"),
                                                "expected an IPv4 address (IPv6 goes in " P
                                                ".ipv6.gateway)");
                r = check_gateway(&nc->subnet, &nc->gateway, JKEY(np, "gateway"), err);
                if (r < 0)
                        return r;
        } else {
                casca_cidr_nth(&nc->subnet, 1, &nc->gateway);
        }
        if (address) {
                r = parse_address(address, JKEY(np, "address"), &nc->subnet, &nc->gateway,
                                  &nc->address, err);
                if (r < 0)
                        return r;
                nc->has_address = true;
        }
        if (ipv6) {
                r = parse_ipv6(ipv6, JKEY(np, "ipv6"), &nc->ipv6, err);
                if (r < 0)
                        return r;
                nc->has_ipv6 = true;
        }
        if (ports) {
                r = parse_ports(ports, JKEY(np, "ports"), nc, err);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(nc);
        return 0;
}

int casca_netconf_parse_json(const char *json, struct casca_netconf **ret, struct casca_error **err)
{
        _cleanup_json_ struct casca_json *root = casca_json_parse(json, strlen(json), err);
        const struct casca_json *casca, *net = root;

        if (!root)
                return -EINVAL;
        casca = casca_json_get(root, "casca");
        if (casca) {
                net = casca_json_get(casca, "network");
                if (!net) {
                        *ret = NULL;
                        return 0;
                }
        }
        return casca_netconf_parse(net, ret, err);
}

/* ---- linux.netDevices ----------------------------------------------------- */

void casca_netdevs_free(struct casca_net_device *devs, size_t n)
{
        for (size_t i = 0; devs && i < n; i++) {
                free(devs[i].host_name);
                free(devs[i].name);
        }
        free(devs);
}

int casca_netdevs_from_json(const struct casca_json *v, const struct casca_jpath *p,
                            struct casca_net_device **ret, size_t *ret_n, struct casca_error **err)
{
        struct casca_net_device *devs;
        int r = casca_json_object(v, p, err);

        if (r < 0)
                return r;
        r = casca_json_calloc(casca_json_len(v), sizeof(*devs), (void **)ret, err);
        if (r < 0)
                return r;
        devs = *ret;
        *ret_n = casca_json_len(v);
        for (size_t i = 0; i < *ret_n; i++) {
                const char *host = casca_json_key(v, i);
                const struct casca_jpath *dp = JKEY(p, host);
                struct casca_net_device *d = &devs[i];
                const struct casca_json *o = casca_json_at(v, i), *x;

                if (!casca_ifname_valid(host))
                        return casca_json_error(err, dp, "invalid interface name \"%s\"", host);
                r = casca_json_object(o, dp, err);
                if (r < 0)
                        return r;
                d->host_name = strdup(host);
                if (!d->host_name)
                        return casca_error_set(err, ENOMEM, "strdup");
                if ((x = casca_json_get(o, "name"))) {
                        r = casca_json_string(x, JKEY(dp, "name"), &d->name, err);
                        if (r < 0)
                                return r;
                        if (!casca_ifname_valid(d->name))
                                return casca_json_error(err, JKEY(dp, "name"),
                                                        "invalid interface name \"%s\"", d->name);
                } else {
                        d->name = strdup(host);
                        if (!d->name)
                                return casca_error_set(err, ENOMEM, "strdup");
                }
                for (size_t j = 0; j < i; j++)
                        if (strcmp(devs[j].name, d->name) == 0)
                                return casca_json_error(err, dp,
                                                        "duplicate container interface name "
                                                        "\"%s\"",
                                                        d->name);
        }
        return 0;
}
