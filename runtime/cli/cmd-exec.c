/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cmd-exec.c - `exec`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
        "usage: casca exec [options] CONTAINER-ID [COMMAND [ARG...]]\n\n"
        "Run a process in a created or running container: it joins the container's\n"
        "namespaces and cgroup and gets its security context (capabilities, seccomp,\n"
        "no_new_privs, rlimits, user) unless overridden.  In the foreground casca\n"
        "exits with the process's status (128+N when killed by signal N); a failure\n"
        "of casca itself exits 255.\n\n"
        "  -p, --process FILE        a runtime-spec process object (JSON)\n"
        "  -t, --tty                 allocate a terminal (without it, only when the\n"
        "                            --process object asks for one)\n"
        "      --console-socket PATH send the pty master to this AF_UNIX socket\n"
        "  -d, --detach              return once the process has started\n"
        "      --pid-file FILE       write the process's pid to FILE\n"
        "  -e, --env KEY=VALUE       set an environment variable (repeatable)\n"
        "      --cwd DIR             working directory inside the container\n"
        "  -u, --user UID[:GID]      run as this user\n"
        "  -c, --cap CAP             add a capability (repeatable)\n"
        "      --no-new-privs        set no_new_privs\n"
        "      --preserve-fds N      pass fds 3 .. 3+N-1\n"
        "  -h, --help                this help\n";

enum { OPT_CONSOLE = 256, OPT_PID_FILE, OPT_CWD, OPT_NNP, OPT_PRESERVE };

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
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static int parse_user(const char *s, struct casca_exec_options *o)
{
        char *end;
        unsigned long uid = strtoul(s, &end, 10), gid = 0;

        if (end == s || (*end && *end != ':') || uid > 0xffffffffUL)
                return -1;
        if (*end == ':') {
                const char *g = end + 1;
                gid = strtoul(g, &end, 10);
                if (end == g || *end || gid > 0xffffffffUL)
                        return -1;
        }
        o->has_user = true;
        o->uid = (uint32_t)uid;
        o->gid = (uint32_t)gid;
        return 0;
}

int cmd_exec(struct cli *cli, int argc, char **argv)
{
        struct casca_exec_options o = {0};
        struct casca_error *err = NULL;
        char **env = calloc((size_t)argc, sizeof(char *));
        char **caps = calloc((size_t)argc, sizeof(char *));
        int c, r, status = 0;

        if (!env || !caps) {
                r = cli_failx(cli, "out of memory");
                goto done;
        }
        o.env = env;
        o.caps = caps;
        while ((r = cli_getopt(cli, argc, argv, "+p:tde:u:c:h", opts, usage, &c)) == 0 && c != -1) {
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
        return r;
}
