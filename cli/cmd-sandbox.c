/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cmd-sandbox.c - `casca sandbox [options] -- CMD...`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/cleanup.h"

extern char **environ;

static const char usage[] =
        "usage: casca sandbox [options] [--] COMMAND [ARG...]\n\n"
        "Run COMMAND in a container built from these options, without a bundle: as\n"
        "root or as a normal user (a user namespace then).  It exits with COMMAND's\n"
        "status (128+N when killed by signal N).  By default it sees the host's /usr,\n"
        "/bin, /sbin, /lib* and /etc read-only, the current directory read-write (and\n"
        "as its cwd), a fresh /tmp, a minimal /dev, its own /proc, no network, no\n"
        "capabilities, no_new_privs and casca's default seccomp profile; the terminal\n"
        "is passed through when stdin is one.\n\n"
        "  --rootfs DIR            DIR as the (read-only) root instead of the host's dirs\n"
        "  --bind SRC[:DST[:ro]]   bind SRC at DST (default: the same path), read-write\n"
        "  --ro-bind SRC[:DST]     bind SRC read-only\n"
        "  --tmpfs DIR             a fresh tmpfs at DIR\n"
        "  --env K=V               set an environment variable (repeatable)\n"
        "  --keep-env              pass the caller's environment (default: PATH, TERM)\n"
        "  --cwd DIR               the working directory inside\n"
        "  --hostname NAME         the hostname (default: sandbox)\n"
        "  --net none|user|host    no network (default), the user-mode network, the host's\n"
        "  --publish HOST:CTR[/tcp|udp]  forward a host port (--net user)\n"
        "  --memory SIZE, --cpus N, --pids N\n"
        "                          cgroup limits (rootless: need a delegated cgroup v2)\n"
        "  --uid UID, --gid GID    the ids inside (default: the caller's)\n"
        "  --print-config          print the OCI config it would run, run nothing\n"
        "  -h, --help              this help\n";

enum {
        OPT_ROOTFS = 256,
        OPT_BIND,
        OPT_RO_BIND,
        OPT_TMPFS,
        OPT_ENV,
        OPT_KEEP_ENV,
        OPT_CWD,
        OPT_HOSTNAME,
        OPT_NET,
        OPT_PUBLISH,
        OPT_MEMORY,
        OPT_CPUS,
        OPT_PIDS,
        OPT_UID,
        OPT_GID,
        OPT_PRINT,
};

static const struct option opts[] = {
        {"rootfs", required_argument, NULL, OPT_ROOTFS},
        {"bind", required_argument, NULL, OPT_BIND},
        {"ro-bind", required_argument, NULL, OPT_RO_BIND},
        {"tmpfs", required_argument, NULL, OPT_TMPFS},
        {"env", required_argument, NULL, OPT_ENV},
        {"keep-env", no_argument, NULL, OPT_KEEP_ENV},
        {"cwd", required_argument, NULL, OPT_CWD},
        {"hostname", required_argument, NULL, OPT_HOSTNAME},
        {"net", required_argument, NULL, OPT_NET},
        {"publish", required_argument, NULL, OPT_PUBLISH},
        {"memory", required_argument, NULL, OPT_MEMORY},
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"pids", required_argument, NULL, OPT_PIDS},
        {"uid", required_argument, NULL, OPT_UID},
        {"gid", required_argument, NULL, OPT_GID},
        {"print-config", no_argument, NULL, OPT_PRINT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

/* the options' arguments, in argv order, per list */
static void add(char ***v, size_t *n, char *s)
{
        char **nv = realloc(*v, (*n + 1) * sizeof(**v));

        if (!nv) {
                perror("casca");
                exit(1);
        }
        nv[(*n)++] = s;
        *v = nv;
}

int cmd_sandbox(struct cli *cli, int argc, char **argv)
{
        struct casca_sandbox_options o = {.terminal = isatty(STDIN_FILENO)};
        /* the arrays are ours, their strings argv's */
        _cleanup_free_ char **binds = NULL, **ro = NULL, **tmpfs = NULL, **env = NULL,
                            **publish = NULL;
        struct casca_error *err = NULL;
        bool print = false;
        unsigned id;
        int c, r, status = 0;

        for (;;) {
                r = cli_getopt(cli, argc, argv, "+h", opts, usage, &c);
                if (r < 0)
                        return r == CLI_HELP_DONE ? 0 : 2;
                if (c == -1)
                        break;
                switch (c) {
                case OPT_ROOTFS:
                        o.rootfs = optarg;
                        break;
                case OPT_BIND:
                        add(&binds, &o.n_binds, optarg);
                        break;
                case OPT_RO_BIND:
                        add(&ro, &o.n_ro_binds, optarg);
                        break;
                case OPT_TMPFS:
                        add(&tmpfs, &o.n_tmpfs, optarg);
                        break;
                case OPT_ENV:
                        if (!strchr(optarg, '=') || optarg[0] == '=')
                                return cli_failx(cli, "--env `%s`: expected KEY=VALUE", optarg), 2;
                        add(&env, &o.n_env, optarg);
                        break;
                case OPT_KEEP_ENV:
                        o.host_env = environ;
                        break;
                case OPT_CWD:
                        o.cwd = optarg;
                        break;
                case OPT_HOSTNAME:
                        o.hostname = optarg;
                        break;
                case OPT_NET:
                        if (strcmp(optarg, "none") == 0)
                                o.net = CASCA_SANDBOX_NET_NONE;
                        else if (strcmp(optarg, "user") == 0)
                                o.net = CASCA_SANDBOX_NET_USER;
                        else if (strcmp(optarg, "host") == 0)
                                o.net = CASCA_SANDBOX_NET_HOST;
                        else
                                return cli_failx(cli, "--net `%s`: expected none, user or host",
                                                 optarg),
                                       2;
                        break;
                case OPT_PUBLISH:
                        add(&publish, &o.n_publish, optarg);
                        break;
                case OPT_MEMORY:
                        o.memory = optarg;
                        break;
                case OPT_CPUS:
                        o.cpus = optarg;
                        break;
                case OPT_PIDS:
                        o.pids = optarg;
                        break;
                case OPT_UID:
                case OPT_GID:
                        if (cli_parse_uint(optarg, &id) < 0)
                                return cli_failx(cli, "--%s: expected a number, got `%s`",
                                                 c == OPT_UID ? "uid" : "gid", optarg),
                                       2;
                        if (c == OPT_UID)
                                o.has_uid = true, o.uid = id;
                        else
                                o.has_gid = true, o.gid = id;
                        break;
                case OPT_PRINT:
                        print = true;
                        break;
                }
        }
        if (optind >= argc) {
                fputs(usage, stderr);
                return 2;
        }
        o.args = argv + optind;
        o.n_args = (size_t)(argc - optind);
        o.binds = binds, o.ro_binds = ro, o.tmpfs = tmpfs, o.env = env, o.publish = publish;
        if (print) {
                char *json = casca_sandbox_config(&o, NULL, &err);
                if (!json)
                        r = cli_fail(cli, err);
                else
                        fputs(json, stdout), r = 0;
                free(json);
        } else {
                r = casca_sandbox_run(&cli->ctx, &o, &status, &err) < 0 ? cli_fail(cli, err)
                                                                        : status;
        }
        return r;
}
