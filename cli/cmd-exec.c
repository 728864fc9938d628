/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cmd-exec.c - `exec`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/parse.h"

static const char usage[] =
        "usage: casca exec [options] CONTAINER-ID [COMMAND [ARG...]]\n\n"
        "Run a process in a created or running container: it joins the container's\n"
        "namespaces and cgroup and gets its security context (capabilities, seccomp,\n"
        "no_new_privs, rlimits, user, LSM labels) unless overridden.  In the\n"
        "foreground casca exits with the process's status (128+N when killed by\n"
        "signal N); a failure of casca itself exits 255.\n\n"
        "  -p, --process FILE        a runtime-spec process object (JSON)\n"
        "  -t, --tty                 allocate a terminal (without it, only when the\n"
        "                            --process object asks for one)\n"
        "      --console-socket PATH send the pty master to this AF_UNIX socket\n"
        "  -d, --detach              return once the process has started\n"
        "      --pid-file FILE       write the process's pid to FILE\n"
        "  -e, --env KEY=VALUE       set an environment variable (repeatable)\n"
        "      --cwd DIR             working directory inside the container\n"
        "  -u, --user UID[:GID]      run as this user\n"
        "  -g, --additional-gids GID add a supplementary group (repeatable)\n"
        "  -c, --cap CAP             add a capability (repeatable)\n"
        "      --no-new-privs        set no_new_privs\n"
        "      --preserve-fds N      pass fds 3 .. 3+N-1\n"
        "      --cgroup [CONTROLLER[,...]:]PATH\n"
        "                            run in PATH, an existing sub-cgroup of the\n"
        "                            container's (cgroup v2: one path)\n"
        "      --ignore-paused       exec into a paused container (the process runs\n"
        "                            once it is resumed)\n"
        "      --apparmor PROFILE    the AppArmor profile (refused without AppArmor)\n"
        "      --process-label LABEL the SELinux label (refused without SELinux)\n"
        "  -h, --help                this help\n";

enum {
        OPT_CONSOLE = 256,
        OPT_PID_FILE,
        OPT_CWD,
        OPT_NNP,
        OPT_PRESERVE,
        OPT_CGROUP,
        OPT_IGNORE_PAUSED,
        OPT_APPARMOR,
        OPT_LABEL,
};

/* exit status of a failure of casca itself, as runc's exec */
#define EXEC_FAILED 255

static const struct option opts[] = {
        {"process", required_argument, NULL, 'p'},
        {"tty", no_argument, NULL, 't'},
        {"console-socket", required_argument, NULL, OPT_CONSOLE},
        {"detach", no_argument, NULL, 'd'},
        {"pid-file", required_argument, NULL, OPT_PID_FILE},
        {"env", required_argument, NULL, 'e'},
        {"cwd", required_argument, NULL, OPT_CWD},
        {"user", required_argument, NULL, 'u'},
        {"cap", required_argument, NULL, 'c'},
        {"no-new-privs", no_argument, NULL, OPT_NNP},
        {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
        {"additional-gids", required_argument, NULL, 'g'},
        {"cgroup", required_argument, NULL, OPT_CGROUP},
        {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
        {"apparmor", required_argument, NULL, OPT_APPARMOR},
        {"process-label", required_argument, NULL, OPT_LABEL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static int parse_user(const char *s, struct casca_exec_options *o)
{
        const char *end;
        uint64_t uid, gid = 0;

        if (casca_parse_u64(s, &end, UINT32_MAX, &uid) < 0 || (*end && *end != ':'))
                return -1;
        if (*end == ':' && casca_parse_u64(end + 1, NULL, UINT32_MAX, &gid) < 0)
                return -1;
        o->has_user = true;
        o->uid = (uint32_t)uid;
        o->gid = (uint32_t)gid;
        return 0;
}

/* GID[,GID...] appended to gids. */
static int parse_gids(const char *s, uint32_t *gids, size_t *n, size_t max)
{
        const char *p = s;

        do {
                const char *end;
                uint64_t v;

                if (*n >= max || casca_parse_u64(p, &end, UINT32_MAX, &v) < 0 ||
                    (*end && *end != ','))
                        return -1;
                gids[(*n)++] = (uint32_t)v;
                p = *end ? end + 1 : end;
        } while (*p);
        return 0;
}

int cmd_exec(struct cli *cli, int argc, char **argv)
{
        struct casca_exec_options o = {0};
        struct casca_error *err = NULL;
        char **env = calloc((size_t)argc, sizeof(char *));
        char **caps = calloc((size_t)argc, sizeof(char *));
        char **cgroups = calloc((size_t)argc, sizeof(char *));
        /* at most one gid per character of the command line */
        size_t max_gids = 0;
        uint32_t *gids;
        int c, r, status = 0;

        for (int i = 0; i < argc; i++)
                max_gids += strlen(argv[i]) + 1;
        gids = calloc(max_gids, sizeof(uint32_t));
        if (!env || !caps || !cgroups || !gids) {
                r = cli_failx(cli, "out of memory");
                goto done;
        }
        o.env = env;
        o.caps = caps;
        o.cgroups = cgroups;
        o.additional_gids = gids;
        while ((r = cli_getopt(cli, argc, argv, "+p:tde:u:g:c:h", opts, usage, &c)) == 0 &&
               c != -1) {
                switch (c) {
                case 'p':
                        o.process_file = optarg;
                        break;
                case 't':
                        o.tty = true;
                        break;
                case OPT_CONSOLE:
                        o.console_socket = optarg;
                        break;
                case 'd':
                        o.detach = true;
                        break;
                case OPT_PID_FILE:
                        o.pid_file = optarg;
                        break;
                case 'e':
                        env[o.n_env++] = optarg;
                        break;
                case OPT_CWD:
                        o.cwd = optarg;
                        break;
                case 'u':
                        if (parse_user(optarg, &o) < 0)
                                r = cli_failx(cli, "--user: expected UID[:GID], got `%s`", optarg);
                        break;
                case 'g':
                        if (parse_gids(optarg, gids, &o.n_additional_gids, max_gids) < 0)
                                r = cli_failx(cli,
                                              "--additional-gids: expected GID[,GID...], got "
                                              "`%s`",
                                              optarg);
                        break;
                case 'c':
                        caps[o.n_caps++] = optarg;
                        break;
                case OPT_NNP:
                        o.no_new_privs = true;
                        break;
                case OPT_PRESERVE:
                        if (cli_parse_uint(optarg, &o.preserve_fds) < 0)
                                r = cli_failx(cli, "--preserve-fds: expected a number, got `%s`",
                                              optarg);
                        break;
                case OPT_CGROUP:
                        cgroups[o.n_cgroups++] = optarg;
                        break;
                case OPT_IGNORE_PAUSED:
                        o.ignore_paused = true;
                        break;
                case OPT_APPARMOR:
                        o.apparmor = optarg;
                        break;
                case OPT_LABEL:
                        o.process_label = optarg;
                        break;
                }
                if (r)
                        break;
        }
        if (r != 0 || argc - optind < 1) {
                if (r == 0) {
                        cli_failx(cli, "exec: expected CONTAINER-ID [COMMAND...]");
                        fputs(usage, stderr);
                }
                r = r == CLI_HELP_DONE ? 0 : 2;
                goto done;
        }
        o.args = argv + optind + 1;
        o.n_args = (size_t)(argc - optind - 1);
        if (!o.n_args && !o.process_file) {
                cli_failx(cli, "exec: give a COMMAND or --process FILE");
                r = 2;
                goto done;
        }
        if (casca_container_exec(&cli->ctx, argv[optind], &o, &status, &err) < 0) {
                cli_fail(cli, err);
                r = EXEC_FAILED;
        } else {
                r = status;
        }
done:
        free(env);
        free(caps);
        free(cgroups);
        free(gids);
        return r;
}
