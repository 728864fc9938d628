/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cmd-spec.c - `spec` and `features`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "runtime/features.h"
#include "runtime/spec.h"
#include "util/format.h"

int cmd_spec(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: casca spec [--hardened | --system [--userns[=HOSTID]]] [--rootless]\n"
                "                  [--network none|bridge] [--bundle DIR]\n\n"
                "Write a config.json into the bundle directory: by default the one runc's\n"
                "`spec` writes (terminal true, runc's mounts, namespaces, capabilities and\n"
                "masked paths, no seccomp; hostname \"casca\"), so that scripts that start\n"
                "with `runc spec` and edit the result work unchanged; --hardened for casca's\n"
                "own, stricter profile.\n\n"
                "  -b, --bundle DIR  where to write it (default: the current directory)\n"
                "      --hardened    casca's profile: a seccomp allow list, the masked and\n"
                "                    read-only paths of podman and docker together, a cgroup\n"
                "                    namespace, terminal false (runs without a tty)\n"
                "      --rootless    a config for a non-root user (user namespace)\n"
                "      --system      a system container: /sbin/init (systemd) as pid 1 on a\n"
                "                    pty (/dev/console), its own cgroup namespace with its\n"
                "                    cgroup mounted writable at /sys/fs/cgroup, tmpfs on\n"
                "                    /run, /run/lock and /tmp, container=casca, a\n"
                "                    container_uuid for its machine id, stop signal\n"
                "                    SIGRTMIN+3 (annotation org.opencontainers.image.stopSignal)\n"
                "      --userns[=HOSTID]\n"
                "                    with --system: a user namespace mapping 0-65535 to\n"
                "                    HOSTID- (default 100000), an unprivileged system\n"
                "                    container as LXC's (the rootfs must be owned by HOSTID)\n"
                "      --network MODE\n"
                "                    none (default): a network namespace with only lo\n"
                "                    (rootless: the host's network); bridge: also a\n"
                "                    \"casca\": {\"network\": ...} section with the defaults\n"
                "                    (bridge casca0, subnet 10.88.0.0/16, gateway 10.88.0.1,\n"
                "                    interface eth0, NAT, no published ports): casca then\n"
                "                    builds a veth on that bridge, an address from the\n"
                "                    subnet, NAT and /etc/{hostname,hosts,resolv.conf}\n"
                "  -h, --help        this help\n\n"
                "ociVersion is the lowest that covers the fields written (1.0.0; --hardened\n"
                "1.1.0), so that older runtimes (Debian 12's crun 1.8.1) run it too.\n";
        static const struct option opts[] = {
                {"bundle", required_argument, NULL, 'b'}, {"rootless", no_argument, NULL, 'r'},
                {"hardened", no_argument, NULL, 'H'},     {"network", required_argument, NULL, 'n'},
                {"system", no_argument, NULL, 'S'},       {"userns", optional_argument, NULL, 'U'},
                {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
        };
        struct casca_error *err = NULL;
        struct casca_spec_options o = {.network = CASCA_SPEC_NETWORK_NONE};
        const char *bundle = ".";
        char *json, path[4096];
        int c, r, fd;
        ssize_t n;

        while ((r = cli_getopt(cli, argc, argv, "+b:h", opts, usage, &c)) == 0 && c != -1) {
                if (c == 'b') {
                        bundle = optarg;
                } else if (c == 'n') {
                        const char *mode = optarg ? optarg : ""; /* required_argument */

                        if (strcmp(mode, "bridge") == 0)
                                o.network = CASCA_SPEC_NETWORK_BRIDGE;
                        else if (strcmp(mode, "none") == 0)
                                o.network = CASCA_SPEC_NETWORK_NONE;
                        else {
                                cli_failx(cli, "--network: expected none or bridge, not \"%s\"",
                                          mode);
                                return 2;
                        }
                } else if (c == 'H') {
                        o.hardened = true;
                } else if (c == 'S') {
                        o.system = true;
                } else if (c == 'U') {
                        unsigned id = 100000;

                        if (optarg && (cli_parse_uint(optarg, &id) < 0 || id == 0)) {
                                cli_failx(cli, "--userns: expected a host uid > 0, not \"%s\"",
                                          optarg);
                                return 2;
                        }
                        o.userns_host_id = id;
                        o.userns_size = 65536;
                } else {
                        o.rootless = true;
                }
        }
        if (r < 0)
                return r == CLI_HELP_DONE ? 0 : 2;
        if (cli_need_args(cli, argc, 0, usage) < 0)
                return 2;
        json = casca_spec_generate(&o, &err);
        if (!json)
                return cli_fail(cli, err);
        if (casca_snprintf(path, sizeof(path), "%s/config.json", bundle) < 0) {
                free(json);
                return cli_failx(cli, "--bundle: path too long");
        }
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
                free(json);
                if (errno == EEXIST)
                        return cli_failx(cli, "`%s` exists: remove it first", path);
                return cli_failx(cli, "write `%s`: %s", path, strerror(errno));
        }
        n = write(fd, json, strlen(json));
        r = n == (ssize_t)strlen(json) ? 0 : -1;
        if (write(fd, "\n", 1) != 1)
                r = -1;
        close(fd);
        free(json);
        if (r < 0)
                return cli_failx(cli, "write `%s`: %s", path, strerror(errno));
        return 0;
}

int cmd_features(struct cli *cli, int argc, char **argv)
{
        static const char usage[] = "usage: casca features\n\n"
                                    "Print what casca supports, as the runtime-spec's "
                                    "features document (JSON).\n";
        struct casca_error *err = NULL;
        char *json;
        int r;

        r = cli_only_help(cli, argc, argv, usage, 0);
        if (r >= 0)
                return r;
        json = casca_features_json(&err);
        if (!json)
                return cli_fail(cli, err);
        printf("%s\n", json);
        free(json);
        return 0;
}
