/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* net-tool - drive netns/ from the integration tests and the benchmark.
 *
 *   net-tool parse     --config FILE
 *   net-tool setup     --config FILE --id ID --netns PATH --state DIR
 *                      [--hostname NAME --etc DIR] [--kill-at STEP] [--timing]
 *   net-tool teardown  --id ID --state DIR
 *   net-tool write-etc [--config FILE] [--hostname NAME] [--address ADDR] --etc DIR
 *   net-tool netdev-attach --id ID --state DIR --dev HOSTNAME [--name NAME] --netns PATH
 *   net-tool netdev-move   --dev HOSTNAME [--name NAME] --netns PATH
 *   net-tool netdev-return --name NAME --dev HOSTNAME --netns PATH
 *   net-tool net-create --name NAME --state DIR [--subnet CIDR] [--kill-at STEP]
 *                      (casca network create, killable at network-recorded,
 *                      network-bridge, network-made)
 *
 * --config takes a whole config.json (its casca.network) or the network
 * object itself.  setup prints key=value lines.  --kill-at STEP SIGKILLs the
 * process right after that setup step (state, bridge, lease, lease-recorded,
 * nat, veth, attach, inside); --timing prints "step NAME MICROSECONDS" to
 * stderr after each. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netns/internal.h"
#include "netns/netconf.h"
#include "netns/netobj.h"
#include "netns/network.h"
#include "util/cleanup.h"

static const char *kill_at;
static bool timing;
static struct timespec t_start;

static void kill_hook(const char *step)
{
        if (timing) {
                struct timespec t;
                clock_gettime(CLOCK_MONOTONIC, &t);
                fprintf(stderr, "step %s %lld\n", step,
                        (long long)(t.tv_sec - t_start.tv_sec) * 1000000 +
                                (t.tv_nsec - t_start.tv_nsec) / 1000);
        }
        if (kill_at && strcmp(step, kill_at) == 0)
                raise(SIGKILL);
}

static char *read_all(const char *path)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *text = NULL;
        size_t cap = 0;

        if (!f || getdelim(&text, &cap, '\0', f) < 0) {
                fprintf(stderr, "net-tool: read `%s`: %s\n", path, strerror(errno));
                free(text);
                return NULL;
        }
        return text;
}

static int fail(struct casca_error *err)
{
        fprintf(stderr, "net-tool: %s\n", err && err->msg ? err->msg : "failed");
        casca_error_free(err);
        return 1;
}

static int load(const char *path, struct casca_netconf **nc)
{
        _cleanup_free_ char *text = NULL;
        struct casca_error *err = NULL;

        *nc = NULL;
        if (!path)
                return casca_netconf_parse(NULL, nc, &err) < 0 ? fail(err) : 0;
        text = read_all(path);
        if (!text)
                return 1;
        if (casca_netconf_parse_json(text, nc, &err) < 0)
                return fail(err);
        if (!*nc && casca_netconf_parse(NULL, nc, &err) < 0)
                return fail(err);
        return 0;
}

static void print_netconf(const struct casca_netconf *nc)
{
        char a[CASCA_CIDR_STRLEN];

        printf("bridge=%s\n", nc->bridge);
        printf("subnet=%s\n", casca_cidr_format(&nc->subnet, a, sizeof(a)));
        printf("gateway=%s\n", casca_ip_format(&nc->gateway, a, sizeof(a)));
        if (nc->has_address)
                printf("address=%s\n", casca_cidr_format(&nc->address, a, sizeof(a)));
        printf("interface=%s\n", nc->interface);
        if (nc->has_mtu)
                printf("mtu=%u\n", nc->mtu);
        if (nc->has_mac)
                printf("mac=%02x:%02x:%02x:%02x:%02x:%02x\n", nc->mac[0], nc->mac[1], nc->mac[2],
                       nc->mac[3], nc->mac[4], nc->mac[5]);
        if (nc->has_ipv6) {
                printf("ipv6.subnet=%s\n", casca_cidr_format(&nc->ipv6.subnet, a, sizeof(a)));
                printf("ipv6.gateway=%s\n", casca_ip_format(&nc->ipv6.gateway, a, sizeof(a)));
        }
        printf("nat=%s\n", nc->nat ? "true" : "false");
        for (size_t i = 0; i < nc->n_ports; i++)
                printf("port=%s:%u->%u/%s\n",
                       nc->ports[i].has_host_ip
                               ? casca_ip_format(&nc->ports[i].host_ip, a, sizeof(a))
                               : "*",
                       nc->ports[i].host_port, nc->ports[i].container_port,
                       nc->ports[i].protocol == IPPROTO_TCP ? "tcp" : "udp");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'},
                {"id", required_argument, NULL, 'i'},
                {"netns", required_argument, NULL, 'n'},
                {"state", required_argument, NULL, 's'},
                {"hostname", required_argument, NULL, 'H'},
                {"etc", required_argument, NULL, 'e'},
                {"address", required_argument, NULL, 'a'},
                {"dev", required_argument, NULL, 'd'},
                {"name", required_argument, NULL, 'N'},
                {"kill-at", required_argument, NULL, 'k'},
                {"timing", no_argument, NULL, 't'},
                {"subnet", required_argument, NULL, 'S'},
                {0},
        };
        const char *config = NULL, *id = NULL, *netns = NULL, *state = NULL, *hostname = NULL,
                   *etc = NULL, *address = NULL, *dev = NULL, *name = NULL, *subnet = NULL, *cmd;
        _cleanup_(casca_netconf_freep) struct casca_netconf *nc = NULL;
        struct casca_error *err = NULL;
        _cleanup_close_ int nsfd = -1;
        int c, r;

        if (argc < 2) {
                fprintf(stderr, "usage: net-tool COMMAND [OPTIONS]\n");
                return 2;
        }
        cmd = argv[1];
        optind = 2;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        config = optarg;
                        break;
                case 'i':
                        id = optarg;
                        break;
                case 'n':
                        netns = optarg;
                        break;
                case 's':
                        state = optarg;
                        break;
                case 'H':
                        hostname = optarg;
                        break;
                case 'e':
                        etc = optarg;
                        break;
                case 'a':
                        address = optarg;
                        break;
                case 'd':
                        dev = optarg;
                        break;
                case 'N':
                        name = optarg;
                        break;
                case 'k':
                        kill_at = optarg;
                        break;
                case 't':
                        timing = true;
                        break;
                case 'S':
                        subnet = optarg;
                        break;
                default:
                        return 2;
                }
        }
        if (netns) {
                nsfd = open(netns, O_RDONLY | O_CLOEXEC);
                if (nsfd < 0) {
                        fprintf(stderr, "net-tool: open `%s`: %s\n", netns, strerror(errno));
                        return 1;
                }
        }

        if (strcmp(cmd, "parse") == 0) {
                if (load(config, &nc))
                        return 1;
                print_netconf(nc);
                return 0;
        }
        if (strcmp(cmd, "setup") == 0) {
                struct casca_network_result *res = NULL;
                if (!id || nsfd < 0 || !state) {
                        fprintf(stderr, "net-tool: setup needs --id, --netns and --state\n");
                        return 2;
                }
                if (load(config, &nc))
                        return 1;
                casca_network_step_hook = kill_hook;
                clock_gettime(CLOCK_MONOTONIC, &t_start);
                r = casca_network_setup(nc, id, hostname, nsfd, state, &res, &err);
                if (r < 0)
                        return fail(err);
                printf("interface=%s\nhost_veth=%s\nbridge=%s\naddress=%s\ngateway=%s\nmac=%s\n",
                       res->interface, res->host_veth, res->bridge, res->address, res->gateway,
                       res->mac);
                if (res->address6)
                        printf("address6=%s\ngateway6=%s\n", res->address6, res->gateway6);
                if (res->nameserver)
                        printf("nameserver=%s\n", res->nameserver);
                if (etc && casca_network_write_etc(nc, hostname, res->address, res->nameserver, etc,
                                                   &err) < 0) {
                        casca_network_result_free(res);
                        return fail(err);
                }
                casca_network_result_free(res);
                return 0;
        }
        if (strcmp(cmd, "teardown") == 0) {
                if (!id || !state) {
                        fprintf(stderr, "net-tool: teardown needs --id and --state\n");
                        return 2;
                }
                return casca_network_teardown(id, state, &err) < 0 ? fail(err) : 0;
        }
        if (strcmp(cmd, "write-etc") == 0) {
                if (config && load(config, &nc))
                        return 1;
                if (!etc) {
                        fprintf(stderr, "net-tool: write-etc needs --etc\n");
                        return 2;
                }
                return casca_network_write_etc(nc, hostname, address, NULL, etc, &err) < 0
                               ? fail(err)
                               : 0;
        }
        if (strcmp(cmd, "netdev-attach") == 0) {
                if (!id || !state || !dev || nsfd < 0) {
                        fprintf(stderr,
                                "net-tool: netdev-attach needs --id --state --dev --netns\n");
                        return 2;
                }
                r = casca_network_attach_netdev(id, state, dev, name, nsfd, &err);
                return r < 0 ? fail(err) : 0;
        }
        if (strcmp(cmd, "netdev-move") == 0) {
                if (!dev || nsfd < 0) {
                        fprintf(stderr, "net-tool: netdev-move needs --dev --netns\n");
                        return 2;
                }
                return casca_netdev_move(dev, name, nsfd, &err) < 0 ? fail(err) : 0;
        }
        if (strcmp(cmd, "netdev-return") == 0) {
                if (!dev || !name || nsfd < 0) {
                        fprintf(stderr, "net-tool: netdev-return needs --name --dev --netns\n");
                        return 2;
                }
                return casca_netdev_return(name, dev, nsfd, &err) < 0 ? fail(err) : 0;
        }
        if (strcmp(cmd, "net-create") == 0) {
                struct casca_netdef_opts o = {.name = name, .subnet = subnet, .dns = -1};
                if (!name || !state) {
                        fprintf(stderr, "net-tool: net-create needs --name and --state\n");
                        return 2;
                }
                casca_network_step_hook = kill_hook;
                return casca_netdef_create(state, &o, NULL, &err) < 0 ? fail(err) : 0;
        }
        fprintf(stderr, "net-tool: unknown command `%s`\n", cmd);
        return 2;
}
