/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cmd-create.c - `create` and `run`. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char create_usage[] =
        "usage: casca create [options] CONTAINER-ID\n\n"
        "Create a container from a bundle; it waits for `casca start` just before\n"
        "running the process of config.json.\n\n"
        "  -b, --bundle DIR          the bundle (default: the current directory)\n"
        "      --pid-file FILE       write the container's pid to FILE\n"
        "      --console-socket PATH send the pty master to this AF_UNIX socket\n"
        "      --preserve-fds N      pass fds 3 .. 3+N-1 to the container\n"
        "      --no-pivot            MS_MOVE + chroot instead of pivot_root\n"
        "  -h, --help                this help\n";

static const char run_usage[] =
        "usage: casca run [options] CONTAINER-ID\n\n"
        "Create and start a container.  In the foreground it forwards signals,\n"
        "relays the terminal, exits with the container's status (128+N when killed\n"
        "by signal N) and deletes the container.\n\n"
        "  -b, --bundle DIR          the bundle (default: the current directory)\n"
        "  -d, --detach              return once the container has started\n"
        "      --keep                do not delete the container when it exits\n"
        "      --pid-file FILE       write the container's pid to FILE\n"
        "      --console-socket PATH send the pty master to this AF_UNIX socket\n"
        "      --preserve-fds N      pass fds 3 .. 3+N-1 to the container\n"
        "      --no-pivot            MS_MOVE + chroot instead of pivot_root\n"
        "  -h, --help                this help\n";

enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_PRESERVE, OPT_NO_PIVOT, OPT_KEEP, OPT_NO_NEW_KEYRING };

static const struct option create_opts[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"pid-file", required_argument, NULL, OPT_PID_FILE},
        {"console-socket", required_argument, NULL, OPT_CONSOLE},
        {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
        {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
        {"no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING},
        {"detach", no_argument, NULL, 'd'},
        {"keep", no_argument, NULL, OPT_KEEP},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static int parse(struct cli *cli, int argc, char **argv, bool is_run, const char *usage,
                 struct casca_create_options *o, bool *detach, bool *keep)
{
        int c, r;

        for (;;) {
                r = cli_getopt(cli, argc, argv, is_run ? "+b:dh" : "+b:h", create_opts, usage, &c);
                if (r < 0)
                        return r;
                if (c == -1)
                        break;
                switch (c) {
                case 'b':
                        o->bundle = optarg;
                        break;
                case OPT_PID_FILE:
                        o->pid_file = optarg;
                        break;
                case OPT_CONSOLE:
                        o->console_socket = optarg;
                        break;
                case OPT_PRESERVE:
                        if (cli_parse_uint(optarg, &o->preserve_fds) < 0) {
                                cli_failx(cli, "--preserve-fds: expected a number, got `%s`",
                                          optarg);
                                return CLI_USAGE_ERROR;
                        }
                        break;
                case OPT_NO_PIVOT:
                        o->no_pivot = true;
                        break;
                case OPT_NO_NEW_KEYRING:
                        break; /* casca does not create session keyrings */
                case 'd':
                case OPT_KEEP:
                        if (!is_run) {
                                fputs(usage, stderr);
                                return CLI_USAGE_ERROR;
                        }
                        *(c == 'd' ? detach : keep) = true;
                        break;
                }
        }
        if (cli_need_args(cli, argc, 1, usage) < 0)
                return CLI_USAGE_ERROR;
        return 0;
}

int cmd_create(struct cli *cli, int argc, char **argv)
{
        struct casca_create_options o = {0};
        struct casca_error *err = NULL;
        bool unused;
        int r;

        r = parse(cli, argc, argv, false, create_usage, &o, &unused, &unused);
        if (r < 0)
                return r == CLI_HELP_DONE ? 0 : 2;
        if (casca_container_create(&cli->ctx, argv[optind], &o, &err) < 0)
                return cli_fail(cli, err);
        return 0;
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
        struct casca_create_options o = {0};
        struct casca_error *err = NULL;
        bool detach = false, keep = false;
        int r, status = 0;

        r = parse(cli, argc, argv, true, run_usage, &o, &detach, &keep);
        if (r < 0)
                return r == CLI_HELP_DONE ? 0 : 2;
        if (casca_container_run(&cli->ctx, argv[optind], &o, detach, keep, &status, &err) < 0)
                return cli_fail(cli, err);
        return status;
}
