/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-net-identity.c - what a checkpoint records of a container's
 * casca.network and how restore applies it (netns/identity.c; pure). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "casca.h"
#include "netns/network.h"
#include "tap.h"
#include "util/cleanup.h"

static struct casca_netconf *conf(const char *json)
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

static void test_round_trip(void)
{
        struct casca_network_identity a = {.has_addr4 = true,
                                           .has_addr6 = true,
                                           .has_mac = true,
                                           .mac = {0x02, 0x42, 0x0a, 0x59, 0x07, 0xfe}};
        struct casca_network_identity b;
        struct casca_error *err = NULL;
        char *json;

        casca_ip_parse("10.89.7.2", &a.addr4);
        casca_ip_parse("fd89::2", &a.addr6);
        json = casca_network_identity_format(&a, &err);
        is_str(json,
               "{\"address\":\"10.89.7.2\",\"address6\":\"fd89::2\",\"mac\":\"02:42:0a:59:07:fe\"}",
               "format: the addresses and the MAC");
        ok(json && casca_network_identity_parse(json, strlen(json), "f", &b, &err) == 0 &&
                   b.has_addr4 && b.has_addr6 && b.has_mac && casca_ip_equal(&a.addr4, &b.addr4) &&
                   casca_ip_equal(&a.addr6, &b.addr6) && memcmp(a.mac, b.mac, 6) == 0,
           "parse(format(x)) == x");
        free(json);

        static const char *const bad[] = {
                "[]",
                "{}",
                "{\"address\":\"fd89::2\"}",
                "{\"address\":\"10.1.2.3\",\"mac\":\"xx\"}",
                "{\"address\":\"10.1.2.3\",\"address6\":\"10.1.2.4\"}",
                "{\"address\":\"10.1.2.3\",\"mac\":\"02:00:00:00:00:01:02\"}"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                err = NULL;
                ok(casca_network_identity_parse(bad[i], strlen(bad[i]), "f", &b, &err) == -EINVAL &&
                           err && strncmp(err->msg, "f: ", 3) == 0,
                   "refused, naming the file: %s", bad[i]);
                casca_error_free(err);
        }
}

static void test_apply(void)
{
        struct casca_network_identity idn = {
                .has_addr4 = true, .has_mac = true, .mac = {0x02, 0, 0, 0, 0, 0x09}};
        struct casca_netconf *nc = conf("{\"bridge\": \"br9\", \"subnet\": \"10.89.7.0/24\"}");
        struct casca_netconf *fixed = conf("{\"subnet\": \"10.89.7.0/24\", \"address\": "
                                           "\"10.89.7.5\"}");
        struct casca_netconf *named = conf("{\"name\": \"n1\"}");
        struct casca_netconf *v6 = conf("{\"subnet\": \"10.89.7.0/24\", \"ipv6\": {\"subnet\": "
                                        "\"fd89::/64\"}}");
        struct casca_error *err = NULL;
        struct casca_netconf out;

        casca_ip_parse("10.89.7.2", &idn.addr4);
        ok(nc && casca_network_identity_apply(nc, &idn, &out, &err) == 0 && out.has_address &&
                   casca_ip_equal(&out.address.ip, &idn.addr4) && out.address.prefix == 24 &&
                   out.has_mac && out.mac[5] == 0x09 && out.bridge == nc->bridge,
           "inline: the address with the subnet's prefix, the MAC, the rest shared");
        ok(named && casca_network_identity_apply(named, &idn, &out, &err) == 0 && out.has_address &&
                   out.address.prefix == 0,
           "named: the address, its prefix left to the network");
        ok(fixed && casca_network_identity_apply(fixed, &idn, &out, &err) == -EINVAL && err &&
                   strstr(err->msg, "casca.network.address: 10.89.7.5, but the checkpoint's "
                                    "container had 10.89.7.2"),
           "a config fixing another address is refused");
        casca_error_free(err);
        err = NULL;
        ok(v6 && casca_network_identity_apply(v6, &idn, &out, &err) == -EINVAL && err &&
                   strstr(err->msg, "casca.network.ipv6"),
           "an inline IPv6 the checkpoint's container did not have is refused");
        casca_error_free(err);
        casca_netconf_free(nc);
        casca_netconf_free(fixed);
        casca_netconf_free(named);
        casca_netconf_free(v6);
}

int main(void)
{
        test_round_trip();
        test_apply();
        return tap_done();
}
