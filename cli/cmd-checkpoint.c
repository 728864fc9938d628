/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cmd-checkpoint.c - `checkpoint` and `restore` (CRIU), runc's options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* runc's options casca does not implement: refused by name. */
enum {
        OPT_IMAGE = 256,
        OPT_WORK,
        OPT_LEAVE,
        OPT_TCP,
        OPT_LOCKS,
        OPT_UNIX,
        OPT_SHELL,
        OPT_CGMODE,
        OPT_PIDFILE,
        OPT_CONSOLE,
        OPT_NO_SUBREAPER,
        OPT_NO_PIVOT,
        OPT_PRE_DUMP,
        OPT_PARENT,
        OPT_REFUSED, /* the flag's name is in the option table's name */
};

#define REFUSED_OPTS                                                                               \
        {"lazy-pages", no_argument, NULL, OPT_REFUSED},                                            \
                {"page-server", required_argument, NULL, OPT_REFUSED},                             \
                {"status-fd", required_argument, NULL, OPT_REFUSED},                               \
                {"auto-dedup", no_argument, NULL, OPT_REFUSED},                                    \
                {"empty-ns", required_argument, NULL, OPT_REFUSED},                                \
                {"tcp-skip-in-flight", no_argument, NULL, OPT_REFUSED},                            \
                {"link-remap", no_argument, NULL, OPT_REFUSED},                                    \
                {"lsm-profile", required_argument, NULL, OPT_REFUSED},                             \
        {                                                                                          \
                "lsm-mount-context", required_argument, NULL, OPT_REFUSED                          \
        }

#define CRIU_OPTS                                                                                  \
        {"image-path", required_argument, NULL, OPT_IMAGE},                                        \
                {"work-path", required_argument, NULL, OPT_WORK},                                  \
                {"tcp-established", no_argument, NULL, OPT_TCP},                                   \
                {"file-locks", no_argument, NULL, OPT_LOCKS},                                      \
                {"ext-unix-sk", no_argument, NULL, OPT_UNIX},                                      \
                {"shell-job", no_argument, NULL, OPT_SHELL},                                       \
                {"manage-cgroups-mode", required_argument, NULL, OPT_CGMODE},                      \
        {                                                                                          \
                "help", no_argument, NULL, 'h'                                                     \
        }

#define CRIU_HELP                                                                                  \
        "  --image-path DIR           the checkpoint's images (default ./checkpoint)\n"            \
        "  --work-path DIR            criu's logs and work files (default: the image path)\n"      \
        "  --tcp-established          established TCP connections\n"                               \
        "  --file-locks               file locks\n"                                                \
        "  --ext-unix-sk              unix sockets connected outside the container\n"              \
        "  --shell-job                a process started from a shell (its session)\n"              \
        "  --manage-cgroups-mode M    soft (default), full, strict or ignore\n"                    \
        "  -h, --help                 this help\n\n"                                               \
        "Refused (not implemented): --lazy-pages,\n"                                               \
        "--page-server, --status-fd, --auto-dedup, --empty-ns, --tcp-skip-in-flight,\n"            \
        "--link-remap, --lsm-profile, --lsm-mount-context.\n"

/* The option getopt_long just matched, by its index: its name. */
static int refuse(struct cli *cli, const struct option *opts, int idx)
{
        return cli_failx(cli, "%s: --%s is not supported", cli->argv0, opts[idx].name);
}

/* One option common to both verbs; 1 when it was one. */
static int common_opt(int c, struct casca_criu_options *o)
{
        switch (c) {
        case OPT_IMAGE:
                o->image_path = optarg;
                return 1;
        case OPT_WORK:
                o->work_path = optarg;
                return 1;
        case OPT_TCP:
                o->tcp_established = true;
                return 1;
        case OPT_LOCKS:
                o->file_locks = true;
                return 1;
        case OPT_UNIX:
                o->ext_unix_sk = true;
                return 1;
        case OPT_SHELL:
                o->shell_job = true;
                return 1;
        case OPT_CGMODE:
                o->manage_cgroups_mode = optarg;
                return 1;
        default:
                return 0;
        }
}

/* getopt_long with the option's index (for the refused one's name). */
static int next_opt(struct cli *cli, int argc, char **argv, const char *shortopts,
                    const struct option *opts, const char *usage, int *idx)
{
        int c;

        *idx = -1;
        c = getopt_long(argc, argv, shortopts, opts, idx);
        if (c == 'h') {
                fputs(usage, stdout);
                return CLI_HELP_DONE;
        }
        if (c == '?' || c == ':') {
                fputs(usage, stderr);
                return CLI_USAGE_ERROR;
        }
        return c;
}

int cmd_checkpoint(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: casca checkpoint [options] CONTAINER-ID\n\n"
                "Checkpoint a running container with CRIU: its processes are dumped into the\n"
                "image directory and stopped (the container's state becomes \"stopped\"),\n"
                "unless --leave-running.  `casca restore` brings them back.\n\n"
                "  --leave-running            the container keeps running after the dump\n"
                "  --pre-dump                 dump only the memory, into --image-path, and\n"
                "                             track what changes after (the container runs on)\n"
                "  --parent-path DIR          the pre-dump this dump builds on (relative to\n"
                "                             --image-path, e.g. ../pre): only changed "
                "pages\n" CRIU_HELP;
        static const struct option opts[] = {
                {"leave-running", no_argument, NULL, OPT_LEAVE},
                {"pre-dump", no_argument, NULL, OPT_PRE_DUMP},
                {"parent-path", required_argument, NULL, OPT_PARENT},
                CRIU_OPTS,
                REFUSED_OPTS,
                {NULL, 0, NULL, 0},
        };
        struct casca_criu_options o = {.image_path = "checkpoint"};
        struct casca_error *err = NULL;
        int c, idx;

        while ((c = next_opt(cli, argc, argv, "+h", opts, usage, &idx)) != -1) {
                if (c == CLI_HELP_DONE)
                        return 0;
                if (c == CLI_USAGE_ERROR)
                        return 2;
                if (c == OPT_REFUSED)
                        return refuse(cli, opts, idx);
                if (c == OPT_LEAVE)
                        o.leave_running = true;
                else if (c == OPT_PRE_DUMP)
                        o.pre_dump = true;
                else if (c == OPT_PARENT)
                        o.parent_path = optarg;
                else
                        common_opt(c, &o);
        }
        if (cli_need_args(cli, argc, 1, usage) < 0)
                return 2;
        if (casca_container_checkpoint(&cli->ctx, argv[optind], &o, &err) < 0)
                return cli_fail(cli, err);
        return 0;
}

int cmd_restore(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: casca restore --detach [options] CONTAINER-ID\n\n"
                "Create container CONTAINER-ID from the bundle's config.json with the process\n"
                "tree of a checkpoint (`casca checkpoint`) as its init; it is running once\n"
                "this returns.  The id may differ from the checkpointed container's.\n\n"
                "  -b, --bundle DIR           the bundle (default: the current directory)\n"
                "  -d, --detach               return once restored (required: a restore in\n"
                "                             the foreground is not supported yet)\n"
                "  --pid-file FILE            write the restored init's pid to FILE\n"
                "  --console-socket PATH      refused: terminal containers are not supported\n"
                "  --no-subreaper             accepted (casca never becomes a subreaper;\n"
                "                             also -no-subreaper, as containerd's shim writes it)\n"
                "  --no-pivot                 accepted (criu sets the root up itself)\n" CRIU_HELP;
        static const struct option opts[] = {
                {"bundle", required_argument, NULL, 'b'},
                {"detach", no_argument, NULL, 'd'},
                {"pid-file", required_argument, NULL, OPT_PIDFILE},
                {"console-socket", required_argument, NULL, OPT_CONSOLE},
                {"no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER},
                {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
                {"pre-dump", no_argument, NULL, OPT_REFUSED},
                {"parent-path", required_argument, NULL, OPT_REFUSED},
                CRIU_OPTS,
                REFUSED_OPTS,
                {NULL, 0, NULL, 0},
        };
        struct casca_restore_options o = {.criu = {.image_path = "checkpoint"}};
        struct casca_error *err = NULL;
        bool detach = false;
        int c, idx;

        /* go-runc (containerd's runc shim) writes this one with one dash, as
         * runc's urfave/cli takes it; getopt_long would read -n -o ... */
        static char no_subreaper[] = "--no-subreaper";
        for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
                if (strcmp(argv[i], "-no-subreaper") == 0)
                        argv[i] = no_subreaper;

        while ((c = next_opt(cli, argc, argv, "+b:dh", opts, usage, &idx)) != -1) {
                if (c == CLI_HELP_DONE)
                        return 0;
                if (c == CLI_USAGE_ERROR)
                        return 2;
                if (c == OPT_REFUSED)
                        return refuse(cli, opts, idx);
                if (c == 'b')
                        o.bundle = optarg;
                else if (c == 'd')
                        detach = true;
                else if (c == OPT_PIDFILE)
                        o.pid_file = optarg;
                else if (c == OPT_CONSOLE)
                        o.console_socket = optarg;
                else
                        common_opt(c, &o.criu);
        }
        if (cli_need_args(cli, argc, 1, usage) < 0)
                return 2;
        if (!detach)
                return cli_failx(cli, "restore: in the foreground (without --detach) is not "
                                      "supported yet: pass --detach");
        if (casca_container_restore(&cli->ctx, argv[optind], &o, &err) < 0)
                return cli_fail(cli, err);
        return 0;
}
