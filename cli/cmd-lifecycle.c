/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cmd-lifecycle.c - `start`, `state`, `kill`, `delete` and `stop`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const struct option help_only[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

/* Options: -h only; one argument, the id.  Returns <0 for exit codes. */
static int simple(struct cli *cli, int argc, char **argv, const char *usage)
{
        int c, r;

        while ((r = cli_getopt(cli, argc, argv, "+h", help_only, usage, &c)) == 0 && c != -1)
                ;
        if (r < 0)
                return r;
        return cli_need_args(cli, argc, 1, usage) < 0 ? CLI_USAGE_ERROR : 0;
}

static int exit_code(int r)
{
        return r == CLI_HELP_DONE ? 0 : 2;
}

int cmd_start(struct cli *cli, int argc, char **argv)
{
        static const char usage[] = "usage: casca start CONTAINER-ID\n\n"
                                    "Start a created container: run its process.\n";
        struct casca_error *err = NULL;
        int r = simple(cli, argc, argv, usage);

        if (r < 0)
                return exit_code(r);
        if (casca_container_start(&cli->ctx, argv[optind], &err) < 0)
                return cli_fail(cli, err);
        return 0;
}

int cmd_state(struct cli *cli, int argc, char **argv)
{
        static const char usage[] = "usage: casca state CONTAINER-ID\n\n"
                                    "Print the container's state as the runtime-spec's JSON.\n";
        struct casca_error *err = NULL;
        char *json = NULL;
        int r = simple(cli, argc, argv, usage);

        if (r < 0)
                return exit_code(r);
        if (casca_container_state(&cli->ctx, argv[optind], &json, &err) < 0)
                return cli_fail(cli, err);
        printf("%s\n", json);
        free(json);
        return 0;
}

int cmd_kill(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: casca kill [--all] CONTAINER-ID [SIGNAL]\n\n"
                "Send SIGNAL (a name like TERM or SIGKILL, or a number; default TERM;\n"
                "0 only checks that it could be sent) to the container's init.\n\n"
                "  -a, --all   send it to every process of the container: those in its\n"
                "              cgroup, or without one those in its pid namespace; no\n"
                "              error when the container has stopped\n"
                "  -h, --help  this help\n";
        static const struct option opts[] = {
                {"all", no_argument, NULL, 'a'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        struct casca_error *err = NULL;
        bool all = false;
        int c, r, sig = 15;

        while ((r = cli_getopt(cli, argc, argv, "+ah", opts, usage, &c)) == 0 && c != -1)
                all = true;
        if (r < 0)
                return exit_code(r);
        if (argc - optind != 1 && argc - optind != 2) {
                cli_failx(cli, "kill: expected CONTAINER-ID [SIGNAL]");
                fputs(usage, stderr);
                return 2;
        }
        if (argc - optind == 2) {
                sig = casca_signal_parse(argv[optind + 1]);
                if (sig < 0)
                        return cli_failx(cli, "kill: unknown signal `%s`", argv[optind + 1]);
        }
        if (casca_container_kill(&cli->ctx, argv[optind], sig, all, &err) < 0)
                return cli_fail(cli, err);
        return 0;
}

int cmd_delete(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: casca delete [--force] CONTAINER-ID\n\n"
                "Delete a stopped (or created) container and everything it holds.\n\n"
                "  -f, --force  kill a running container first\n"
                "  -h, --help   this help\n";
        static const struct option opts[] = {
                {"force", no_argument, NULL, 'f'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        struct casca_error *err = NULL;
        bool force = false;
        int c, r;

        while ((r = cli_getopt(cli, argc, argv, "+fh", opts, usage, &c)) == 0 && c != -1)
                force = true;
        if (r < 0)
                return exit_code(r);
        if (cli_need_args(cli, argc, 1, usage) < 0)
                return 2;
        if (casca_container_delete(&cli->ctx, argv[optind], force, &err) < 0) {
                /* runc: deleting a container that is gone is fine with --force */
                if (force && err && err->code == 2) {
                        casca_error_free(err);
                        return 0;
                }
                return cli_fail(cli, err);
        }
        return 0;
}

int cmd_stop(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: casca stop [--time N] CONTAINER-ID\n\n"
                "Send SIGTERM, wait up to N seconds (default 10), then SIGKILL;\n"
                "return once the container has stopped.\n\n"
                "  -t, --time N  seconds to wait before SIGKILL\n"
                "  -h, --help    this help\n";
        static const struct option opts[] = {
                {"time", required_argument, NULL, 't'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        struct casca_error *err = NULL;
        unsigned timeout = 10;
        int c, r;

        while ((r = cli_getopt(cli, argc, argv, "+t:h", opts, usage, &c)) == 0 && c != -1)
                if (cli_parse_uint(optarg, &timeout) < 0)
                        return cli_failx(cli, "--time: expected seconds, got `%s`", optarg);
        if (r < 0)
                return exit_code(r);
        if (cli_need_args(cli, argc, 1, usage) < 0)
                return 2;
        if (casca_container_stop(&cli->ctx, argv[optind], timeout, &err) < 0)
                return cli_fail(cli, err);
        return 0;
}
