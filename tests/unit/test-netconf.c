/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-netconf.c - casca.network parsing and the address helpers (pure). */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "casca.h"
#include "netns/netconf.h"
#include "tap.h"
#include "util/cleanup.h"

/* Parse json; on failure return the message (static buffer), else NULL. */
static const char *parse_err(const char *json)
{
        static char msg[512];
        struct casca_netconf *nc = NULL;
        struct casca_error *err = NULL;

        if (casca_netconf_parse_json(json, &nc, &err) == 0) {
                casca_netconf_free(nc);
                return NULL;
        }
        snprintf(msg, sizeof(msg), "%s", err ? err->msg : "(no error set)");
        casca_error_free(err);
        return msg;
}

static struct casca_netconf *parse_ok(const char *json)
{
        struct casca_netconf *nc = NULL;
        struct casca_error *err = NULL;

        if (casca_netconf_parse_json(json, &nc, &err) < 0) {
                printf("# unexpected error: %s\n", err ? err->msg : "?");
                casca_error_free(err);
                return NULL;
        }
        return nc;
}

static const char *ipstr(const struct casca_ip *ip)
{
        static char buf[4][CASCA_IP_STRLEN];
        static int i;
        return casca_ip_format(ip, buf[i++ % 4], CASCA_IP_STRLEN);
}

static const char *cidrstr(const struct casca_cidr *c)
{
        static char buf[4][CASCA_CIDR_STRLEN];
        static int i;
        return casca_cidr_format(c, buf[i++ % 4], CASCA_CIDR_STRLEN);
}

static void test_helpers(void)
{
        struct casca_cidr c;
        struct casca_ip ip;
        uint64_t off;

        ok(casca_cidr_parse("10.88.0.0/16", &c) == 0 && c.prefix == 16 && c.ip.family == AF_INET,
           "cidr: 10.88.0.0/16");
        ok(casca_cidr_parse("fd88::/64", &c) == 0 && c.prefix == 64 && c.ip.family == AF_INET6,
           "cidr: fd88::/64");
        ok(casca_cidr_parse("0.0.0.0/0", &c) == 0 && c.prefix == 0, "cidr: /0");
        ok(casca_cidr_parse("10.88.0.0/33", &c) == -EINVAL, "cidr: /33 rejected");
        ok(casca_cidr_parse("fd88::/129", &c) == -EINVAL, "cidr: /129 rejected");
        ok(casca_cidr_parse("10.88.0.0", &c) == -EINVAL, "cidr: no prefix rejected");
        ok(casca_cidr_parse("10.88.0.0/", &c) == -EINVAL, "cidr: empty prefix rejected");
        ok(casca_cidr_parse("/8", &c) == -EINVAL, "cidr: no address rejected");
        ok(casca_cidr_parse("10.88.0.0/8x", &c) == -EINVAL, "cidr: trailing junk rejected");
        ok(casca_cidr_parse("10.88.0.0/-1", &c) == -EINVAL, "cidr: negative prefix rejected");
        ok(casca_cidr_parse("10.88.0.256/24", &c) == -EINVAL, "cidr: bad octet rejected");
        ok(casca_ip_parse("fd88::1", &ip) == 0 && ip.family == AF_INET6, "ip: v6");
        ok(casca_ip_parse("10.1.2", &ip) == -EINVAL, "ip: short v4 rejected");

        casca_cidr_parse("10.88.0.0/16", &c);
        is_int(casca_cidr_last_host(&c), 65534, "/16 has 65534 hosts");
        casca_cidr_parse("10.88.0.0/30", &c);
        is_int(casca_cidr_last_host(&c), 2, "/30 has 2 hosts");
        casca_cidr_parse("fd88::/120", &c);
        is_int(casca_cidr_last_host(&c), 255, "v6 /120 has offsets 1..255");
        casca_cidr_parse("fd88::/64", &c);
        ok(casca_cidr_last_host(&c) == UINT64_MAX, "v6 /64 is capped at 2^64-1");

        casca_cidr_parse("10.88.0.0/16", &c);
        casca_cidr_nth(&c, 258, &ip);
        is_str(ipstr(&ip), "10.88.1.2", "nth 258 of 10.88.0.0/16");
        ok(casca_cidr_offset(&c, &ip, &off) == 0 && off == 258, "offset is the inverse of nth");
        ok(casca_cidr_nth(&c, 65536, &ip) == -ERANGE, "nth past the subnet is -ERANGE");
        casca_ip_parse("10.89.0.1", &ip);
        ok(casca_cidr_offset(&c, &ip, &off) == -ERANGE, "offset of an outside address");
        ok(!casca_cidr_contains(&c, &ip), "10.89.0.1 is outside 10.88.0.0/16");
        casca_cidr_parse("fd88::/64", &c);
        casca_cidr_nth(&c, 0x10002, &ip);
        is_str(ipstr(&ip), "fd88::1:2", "v6 nth");
        casca_cidr_parse("fd88::/48", &c);
        casca_ip_parse("fd88:0:0:1::5", &ip);
        ok(casca_cidr_offset(&c, &ip, &off) == -ERANGE,
           "v6 /48: an address above the low 64 bits is not an offset");
}

static void test_defaults(void)
{
        struct casca_netconf *nc = NULL;
        struct casca_error *err = NULL;

        ok(casca_netconf_parse(NULL, &nc, &err) == 0 && nc, "NULL object: all defaults");
        if (!nc)
                return;
        is_str(nc->network, "default", "no bridge, subnet, gateway, ipv6, nat: network default");
        is_str(nc->interface, "eth0", "default interface");
        ok(!nc->nat, "a named network masquerades by its own rule, not the container's");
        ok(!nc->has_address && !nc->has_mtu && !nc->has_mac && !nc->has_ipv6 && !nc->has_dns,
           "no optional field set");
        is_int(nc->n_ports, 0, "no ports");
        casca_netconf_free(nc);

        nc = parse_ok("{\"subnet\":\"172.30.4.0/22\"}");
        ok(nc != NULL, "subnet only");
        if (nc)
                is_str(ipstr(&nc->gateway), "172.30.4.1", "gateway defaults to the first address");
        casca_netconf_free(nc);

        nc = parse_ok("{\"ociVersion\":\"1.2.0\",\"casca\":{}}");
        ok(nc == NULL, "a config.json without casca.network gives no netconf");
}

static void test_full(void)
{
        struct casca_netconf *nc = parse_ok(
                "{\"casca\":{\"network\":{"
                "\"bridge\":\"br-test\",\"subnet\":\"10.77.0.0/24\",\"gateway\":\"10.77.0.254\","
                "\"address\":\"10.77.0.10/24\",\"interface\":\"net0\",\"mtu\":1400,"
                "\"mac\":\"02:aa:bb:cc:dd:ee\","
                "\"ipv6\":{\"subnet\":\"fd77::/64\",\"address\":\"fd77::10\"},"
                "\"nat\":false,"
                "\"ports\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\","
                "\"hostIP\":\"0.0.0.0\"},{\"hostPort\":53,\"protocol\":\"UDP\","
                "\"hostIP\":\"192.168.1.5\"}],"
                "\"dns\":{\"servers\":[\"10.77.0.254\",\"fd77::1\"],\"search\":[\"example.test\"],"
                "\"options\":[\"ndots:2\"]},"
                "\"hosts\":[{\"ip\":\"10.77.0.99\",\"names\":[\"db\",\"db.example.test\"]}]"
                "}}}");

        ok(nc != NULL, "full document parses");
        if (!nc)
                return;
        is_str(nc->bridge, "br-test", "bridge");
        is_str(cidrstr(&nc->subnet), "10.77.0.0/24", "subnet");
        is_str(ipstr(&nc->gateway), "10.77.0.254", "gateway");
        ok(nc->has_address, "address set");
        is_str(cidrstr(&nc->address), "10.77.0.10/24", "address");
        is_str(nc->interface, "net0", "interface");
        ok(nc->has_mtu && nc->mtu == 1400, "mtu");
        ok(nc->has_mac && nc->mac[0] == 0x02 && nc->mac[5] == 0xee, "mac");
        ok(nc->has_ipv6, "ipv6 set");
        is_str(cidrstr(&nc->ipv6.subnet), "fd77::/64", "ipv6 subnet");
        is_str(ipstr(&nc->ipv6.gateway), "fd77::1", "ipv6 gateway defaults to ::1");
        is_str(cidrstr(&nc->ipv6.address), "fd77::10/64", "ipv6 address gets the subnet prefix");
        ok(!nc->nat, "nat false");
        is_int(nc->n_ports, 2, "two ports");
        ok(nc->ports[0].host_port == 8080 && nc->ports[0].container_port == 80 &&
                   nc->ports[0].protocol == IPPROTO_TCP && !nc->ports[0].has_host_ip,
           "port 0: 8080->80/tcp, 0.0.0.0 means any");
        ok(nc->ports[1].host_port == 53 && nc->ports[1].container_port == 53 &&
                   nc->ports[1].protocol == IPPROTO_UDP && nc->ports[1].has_host_ip,
           "port 1: containerPort defaults to hostPort, protocol is case-insensitive");
        is_str(ipstr(&nc->ports[1].host_ip), "192.168.1.5", "port 1 hostIP");
        ok(nc->has_dns && nc->n_dns_servers == 2 && nc->n_dns_search == 1 && nc->n_dns_options == 1,
           "dns lists");
        is_str(nc->dns_servers[1], "fd77::1", "dns server");
        is_str(nc->dns_options[0], "ndots:2", "dns option");
        ok(nc->n_hosts == 1 && nc->hosts[0].n_names == 2, "hosts entry");
        is_str(nc->hosts[0].names[1], "db.example.test", "hosts name");
        casca_netconf_free(nc);
}

static void test_errors(void)
{
        static const struct {
                const char *json, *msg;
        } cases[] = {
                {"{\"subnet\":\"10.88.0.0/33\"}",
                 "casca.network.subnet: invalid CIDR \"10.88.0.0/33\""},
                {"{\"subnet\":\"10.88.0.1/16\"}",
                 "casca.network.subnet: \"10.88.0.1/16\" has host bits set"},
                {"{\"subnet\":\"10.88.0.0/31\"}", "casca.network.subnet: \"10.88.0.0/31\" is too "
                                                  "small for a gateway and a container"},
                {"{\"subnet\":\"fd88::/64\"}",
                 "casca.network.subnet: \"fd88::/64\" is not an IPv4 subnet"},
                {"{\"subnet\":16}", "casca.network.subnet: expected a string"},
                {"{\"gateway\":\"10.89.0.1\"}",
                 "casca.network.gateway: 10.89.0.1 is not a host address of 10.88.0.0/16"},
                {"{\"gateway\":\"10.88.255.255\"}",
                 "casca.network.gateway: 10.88.255.255 is not a host address of 10.88.0.0/16"},
                {"{\"gateway\":\"banana\"}",
                 "casca.network.gateway: invalid IP address \"banana\""},
                {"{\"subnet\":\"10.88.0.0/16\",\"address\":\"10.88.0.1/16\"}",
                 "casca.network.address: \"10.88.0.1/16\" is the gateway"},
                {"{\"subnet\":\"10.88.0.0/16\",\"address\":\"10.88.0.10/24\"}",
                 "casca.network.address: \"10.88.0.10/24\" is not a host address of 10.88.0.0/16"},
                {"{\"subnet\":\"10.88.0.0/16\",\"address\":\"10.99.0.10\"}",
                 "casca.network.address: \"10.99.0.10\" is not a host address of 10.88.0.0/16"},
                {"{\"subnet\":\"10.88.0.0/16\",\"address\":\"10.88.0.0\"}",
                 "casca.network.address: \"10.88.0.0\" is not a host address of 10.88.0.0/16"},
                {"{\"mtu\":67}", "casca.network.mtu: expected an integer between 68 and 65535"},
                {"{\"mtu\":\"1500\"}",
                 "casca.network.mtu: expected an integer between 68 and 65535"},
                {"{\"mac\":\"02:00:00:00:00\"}",
                 "casca.network.mac: invalid MAC address \"02:00:00:00:00\""},
                {"{\"mac\":\"01:00:5e:00:00:01\"}",
                 "casca.network.mac: \"01:00:5e:00:00:01\" is a multicast address"},
                {"{\"bridge\":\"a-very-long-bridge-name\"}",
                 "casca.network.bridge: invalid interface name \"a-very-long-bridge-name\""},
                {"{\"interface\":\"eth/0\"}",
                 "casca.network.interface: invalid interface name \"eth/0\""},
                {"{\"nat\":1}", "casca.network.nat: expected a boolean"},
                {"{\"ports\":[{\"containerPort\":80}]}",
                 "casca.network.ports[0].hostPort: required"},
                {"{\"ports\":[{\"hostPort\":0}]}",
                 "casca.network.ports[0].hostPort: expected an integer between 1 and 65535"},
                {"{\"ports\":[{\"hostPort\":80,\"protocol\":\"sctp\"}]}",
                 "casca.network.ports[0].protocol: unknown protocol \"sctp\" (tcp or udp)"},
                {"{\"ports\":[{\"hostPort\":80},{\"hostPort\":80,\"containerPort\":81}]}",
                 "casca.network.ports[1].hostPort: 80/tcp is already published by "
                 "casca.network.ports[0]"},
                {"{\"subnet\":\"10.88.0.0/"
                 "24\",\"ports\":[{\"hostPort\":80,\"hostIP\":\"fd00::1\"}]}",
                 "casca.network.ports[0].hostIP: an IPv6 host address needs casca.network.ipv6"},
                {"{\"dns\":{\"servers\":[\"dns.example\"]}}",
                 "casca.network.dns.servers[0]: invalid value \"dns.example\""},
                {"{\"dns\":{\"search\":[\"a b\"]}}",
                 "casca.network.dns.search[0]: invalid value \"a b\""},
                {"{\"hosts\":[{\"ip\":\"10.0.0.1\"}]}", "casca.network.hosts[0].names: required"},
                {"{\"hosts\":[{\"ip\":\"10.0.0.1\",\"names\":[]}]}",
                 "casca.network.hosts[0].names: expected at least one name"},
                {"{\"hosts\":[{\"ip\":\"nope\",\"names\":[\"x\"]}]}",
                 "casca.network.hosts[0].ip: invalid IP address \"nope\""},
                {"{\"ipv6\":{\"address\":\"fd88::2\"}}", "casca.network.ipv6.subnet: required"},
                {"{\"ipv6\":{\"subnet\":\"fd88::/64\",\"gateway\":\"fd89::1\"}}",
                 "casca.network.ipv6.gateway: fd89::1 is not a host address of fd88::/64"},
                {"{\"ipv6\":{\"subnet\":\"fd88::/127\"}}",
                 "casca.network.ipv6.subnet: \"fd88::/127\" is too small for a gateway and a "
                 "container"},
                {"[]", "casca.network: expected an object"},
                {"{\"ipv6\":{\"subnet\":\"fd88::/64\"},\"ports\":[{\"hostPort\":80,"
                 "\"containerPort\":80,\"hostIP\":\"::1\"}]}",
                 "casca.network.ports[0].hostIP: ::1 cannot be published: the kernel never routes "
                 "IPv6 loopback traffic to another interface (IPv6 has no route_localnet); use "
                 "127.0.0.1 or a host address"},
                {"{\"name\":\"web\",\"subnet\":\"10.88.0.0/24\"}",
                 "casca.network.subnet: not with casca.network.name (the network `web` has its "
                 "own)"},
                {"{\"name\":\"web\",\"bridge\":\"br0\"}",
                 "casca.network.bridge: not with casca.network.name (the network `web` has its "
                 "own)"},
                {"{\"name\":\"-web\"}", "casca.network.name: invalid network name \"-web\""},
                {"{\"name\":\"web\",\"address\":\"fd00::1\"}",
                 "casca.network.address: invalid IPv4 address \"fd00::1\""},
                {"{\"casca\":{\"network\":{\"subnet\":\"10.88.0.0/33\"}}}",
                 "casca.network.subnet: invalid CIDR \"10.88.0.0/33\""},
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                is_str(parse_err(cases[i].json), cases[i].msg, "error: %s", cases[i].json);
        ok(parse_err("{\"subnet\":") != NULL, "truncated JSON is an error");
}

int main(void)
{
        test_helpers();
        test_defaults();
        test_full();
        test_errors();
        return tap_done();
}
