/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cmd-network.c - `network create|ls|inspect|rm|prune`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int net_create(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: casca network create [options] NAME\n\n"
                "Create a named network: a bridge, its gateway address and its nftables rules\n"
                "(NAT to the outside, isolation from the other networks).  A container joins it\n"
                "with \"casca\": {\"network\": {\"name\": \"NAME\"}}.\n\n"
                "  --subnet CIDR   IPv4 subnet (default: a free /24 in 10.90.0.0-10.99.255.0;\n"
                "                  one that overlaps a route or address of the host is refused)\n"
                "  --gateway IP    the bridge's address (default: the subnet's first)\n"
                "  --ipv6 CIDR     an IPv6 subnet too\n"
                "  --internal      no NAT: nothing leaves or enters the network\n"
                "  --mtu N         the bridge's MTU\n"
                "  --dns, --no-dns name resolution between its containers (dnsmasq; default\n"
                "                  on where it is installed)\n"
                "  --driver bridge|macvlan|ipvlan\n"
                "                  macvlan/ipvlan: the containers are on the LAN of --parent\n"
                "                  with their own addresses (--subnet: that LAN's; --gateway:\n"
                "                  its router, if any); no NAT, no DNS\n"
                "  --parent IF     the host interface of a macvlan/ipvlan network\n"
                "  --mode MODE     macvlan bridge (default)|private|vepa|passthru, ipvlan\n"
                "                  l2 (default)|l3|l3s\n"
                "  -h, --help      this help\n";
        static const struct option opts[] = {
                {"subnet", required_argument, NULL, 's'}, {"gateway", required_argument, NULL, 'g'},
                {"ipv6", required_argument, NULL, '6'},   {"internal", no_argument, NULL, 'i'},
                {"mtu", required_argument, NULL, 'm'},    {"dns", no_argument, NULL, 'd'},
                {"no-dns", no_argument, NULL, 'D'},       {"driver", required_argument, NULL, 'r'},
                {"parent", required_argument, NULL, 'p'}, {"mode", required_argument, NULL, 'o'},
                {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
        };
        struct casca_network_opts o = {.dns = -1};
        struct casca_network_info info = {0};
        struct casca_error *err = NULL;
        int c, r;

        while ((r = cli_getopt(cli, argc, argv, "+h", opts, usage, &c)) == 0 && c != -1) {
                switch (c) {
                case 's':
                        o.subnet = optarg;
                        break;
                case 'g':
                        o.gateway = optarg;
                        break;
                case '6':
                        o.ipv6 = optarg;
                        break;
                case 'i':
                        o.internal = true;
                        break;
                case 'm':
                        if (cli_parse_uint(optarg, &o.mtu) < 0)
                                return cli_failx(cli, "--mtu: expected a number, got `%s`", optarg);
                        break;
                case 'd':
                        o.dns = 1;
                        break;
                case 'D':
                        o.dns = 0;
                        break;
                case 'r':
                        o.driver = optarg;
                        break;
                case 'p':
                        o.parent = optarg;
                        break;
                case 'o':
                        o.mode = optarg;
                        break;
                }
        }
        if (r < 0)
                return r == CLI_HELP_DONE ? 0 : 2;
        if (cli_need_args(cli, argc, 1, usage) < 0)
                return 2;
        o.name = argv[optind];
        if (casca_network_create(&cli->ctx, &o, &info, &err) < 0)
                return cli_fail(cli, err);
        printf("%s\n", info.name);
        casca_network_info_clear(&info);
        return 0;
}

static int net_ls(struct cli *cli, int argc, char **argv)
{
        static const char usage[] = "usage: casca network ls [--format table|json] [-q]\n\n"
                                    "List the named networks.\n\n"
                                    "  -f, --format table|json  output format (default table)\n"
                                    "  -q, --quiet              print only the names\n"
                                    "  -h, --help               this help\n";
        struct casca_network_info *v = NULL;
        struct casca_error *err = NULL;
        bool json, quiet;
        size_t n = 0;
        int r;

        r = cli_list_options(cli, argc, argv, usage, &json, &quiet);
        if (r >= 0)
                return r;
        if (casca_network_list(&cli->ctx, &v, &n, &err) < 0)
                return cli_fail(cli, err);
        if (json)
                putchar('[');
        else if (!quiet)
                printf("%-20s %-8s %-18s %-15s %-15s %-10s %s\n", "NAME", "DRIVER", "SUBNET",
                       "GATEWAY", "INTERFACE", "CONTAINERS", "STATE");
        for (size_t i = 0; i < n; i++) {
                if (json)
                        printf("%s%s", i ? "," : "", v[i].json);
                else if (quiet)
                        printf("%s\n", v[i].name);
                else
                        printf("%-20s %-8s %-18s %-15s %-15s %-10zu %s%s\n", v[i].name, v[i].driver,
                               v[i].subnet, v[i].gateway, v[i].bridge, v[i].n_containers,
                               v[i].state, v[i].internal ? " internal" : "");
        }
        if (json)
                printf("]\n");
        casca_network_info_free(v, n);
        return 0;
}

static int net_inspect(struct cli *cli, int argc, char **argv)
{
        static const char usage[] = "usage: casca network inspect NAME\n\n"
                                    "Print a network's definition and its containers (JSON).\n\n"
                                    "  -h, --help  this help\n";
        struct casca_network_info info = {0};
        struct casca_error *err = NULL;
        int r;

        r = cli_only_help(cli, argc, argv, usage, 1);
        if (r >= 0)
                return r;
        if (casca_network_inspect(&cli->ctx, argv[optind], &info, &err) < 0)
                return cli_fail(cli, err);
        printf("%s\n", info.json);
        casca_network_info_clear(&info);
        return 0;
}

static int net_rm(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: casca network rm NAME...\n\n"
                "Remove networks: their bridge, nftables rules and leases.  Refused while a\n"
                "container is on it; finishes a create or rm that was killed.\n\n"
                "  -h, --help  this help\n";
        int r, status = 0;

        r = cli_only_help(cli, argc, argv, usage, -1);
        if (r >= 0)
                return r;
        for (int i = optind; i < argc; i++) {
                struct casca_error *err = NULL;

                if (casca_network_remove(&cli->ctx, argv[i], &err) < 0)
                        status = cli_fail(cli, err);
                else
                        printf("%s\n", argv[i]);
        }
        return status;
}

static int net_prune(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: casca network prune\n\n"
                "Remove every network no container is on, except `default`; print their names.\n\n"
                "  -h, --help  this help\n";
        struct casca_error *err = NULL;
        char **names = NULL;
        int r;

        r = cli_only_help(cli, argc, argv, usage, 0);
        if (r >= 0)
                return r;
        if (casca_network_prune(&cli->ctx, &names, &err) < 0)
                return cli_fail(cli, err);
        for (size_t i = 0; names && names[i]; i++) {
                printf("%s\n", names[i]);
                free(names[i]);
        }
        free(names);
        return 0;
}

int cmd_network(struct cli *cli, int argc, char **argv)
{
        static const char usage[] = "usage: casca network COMMAND [options]\n\n"
                                    "Named networks, kept under the state root.\n\n"
                                    "  create   create a network\n"
                                    "  ls       list the networks\n"
                                    "  inspect  print a network as JSON\n"
                                    "  rm       remove networks\n"
                                    "  prune    remove the networks no container is on\n\n"
                                    "`casca network COMMAND --help` describes each.\n";
        static const struct {
                const char *name;
                int (*run)(struct cli *, int, char **);
        } sub[] = {
                {"create", net_create},   {"ls", net_ls}, {"list", net_ls},
                {"inspect", net_inspect}, {"rm", net_rm}, {"remove", net_rm},
                {"prune", net_prune},
        };

        if (argc < 2) {
                fputs(usage, stderr);
                return 2;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                fputs(usage, stdout);
                return 0;
        }
        for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++)
                if (strcmp(argv[1], sub[i].name) == 0) {
                        optind = 1;
                        return sub[i].run(cli, argc - 1, argv + 1);
                }
        cli_failx(cli, "network: unknown command `%s`", argv[1]);
        fputs(usage, stderr);
        return 2;
}
