/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli.h - what the verbs share: the context, option parsing and errors. */
#ifndef CASCA_CLI_H
#define CASCA_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "casca.h"

struct cli {
        struct casca_context ctx;
        const char *log_path;
        bool log_json;
        const char *argv0;
};

struct verb {
        const char *name;
        const char *summary;
        int (*run)(struct cli *cli, int argc, char **argv);
        bool sealed; /* run from a sealed copy of the binary (creates containers) */
};

/* Print "casca: <msg>" to stderr and to --log; returns 1. */
int cli_fail(struct cli *cli, struct casca_error *err);
int cli_failx(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_log(struct cli *cli, enum casca_log_level level, const char *msg);

/* getopt_long over a verb's argv, handling -h/--help (prints usage, returns
 * 0 through *done) and unknown options (returns 2). */
int cli_getopt(struct cli *cli, int argc, char **argv, const char *shortopts,
               const struct option *longopts, const char *usage, int *ret_opt);
#define CLI_HELP_DONE (-2)
#define CLI_USAGE_ERROR (-3)
/* Require exactly n positional arguments after optind. */
int cli_need_args(struct cli *cli, int argc, int n, const char *usage);
int cli_parse_uint(const char *s, unsigned *ret);
/* A verb that takes only -h/--help and n_args arguments (-1: at least one):
 * -1 to go on, else the exit status. */
int cli_only_help(struct cli *cli, int argc, char **argv, const char *usage, int n_args);
/* -f/--format table|json, -q/--quiet and no argument (list, network ls):
 * -1 to go on, else the exit status. */
int cli_list_options(struct cli *cli, int argc, char **argv, const char *usage, bool *ret_json,
                     bool *ret_quiet);

int cmd_create(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_start(struct cli *cli, int argc, char **argv);
int cmd_state(struct cli *cli, int argc, char **argv);
int cmd_kill(struct cli *cli, int argc, char **argv);
int cmd_delete(struct cli *cli, int argc, char **argv);
int cmd_stop(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_spec(struct cli *cli, int argc, char **argv);
int cmd_features(struct cli *cli, int argc, char **argv);
int cmd_exec(struct cli *cli, int argc, char **argv);
int cmd_pause(struct cli *cli, int argc, char **argv);
int cmd_resume(struct cli *cli, int argc, char **argv);
int cmd_ps(struct cli *cli, int argc, char **argv);
int cmd_update(struct cli *cli, int argc, char **argv);
int cmd_events(struct cli *cli, int argc, char **argv);
int cmd_sandbox(struct cli *cli, int argc, char **argv);
int cmd_network(struct cli *cli, int argc, char **argv);
int cmd_checkpoint(struct cli *cli, int argc, char **argv);
int cmd_restore(struct cli *cli, int argc, char **argv);

#endif
