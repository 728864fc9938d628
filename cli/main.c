/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* main.c - the casca command line: global flags, the verb table, logging.
 * No logic lives here: each verb parses its options and makes one library
 * call. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/format.h"
#include "util/parse.h"

static const struct verb verbs[] = {
        /* create, run, exec, sandbox: the exec stub where they can
         * (runtime/sealed-exe.h), else they re-execute from a sealed copy */
        {"create", "create a container from a bundle", cmd_create, false},
        {"start", "start a created container", cmd_start, false},
        {"run", "create and start a container", cmd_run, false},
        {"exec", "run another process in a container", cmd_exec, false},
        {"state", "print the state of a container", cmd_state, false},
        {"kill", "send a signal to the container's init", cmd_kill, false},
        {"stop", "stop signal, wait, then SIGKILL; return when stopped", cmd_stop, false},
        {"delete", "delete a container and what it holds", cmd_delete, false},
        {"list", "list containers", cmd_list, false},
        {"pause", "freeze every process of a container", cmd_pause, false},
        {"resume", "thaw a paused container", cmd_resume, false},
        {"ps", "list the processes of a container", cmd_ps, false},
        {"update", "change a container's cgroup limits", cmd_update, false},
        {"events", "stream a container's events (OOM, stats) as JSON", cmd_events, false},
        {"checkpoint", "dump a running container with CRIU", cmd_checkpoint, false},
        {"restore", "restore a checkpointed container (CRIU)", cmd_restore, true},
        {"network", "create, list, inspect and remove named networks", cmd_network, false},
        {"spec", "write a default config.json", cmd_spec, false},
        {"sandbox", "run a command in a sandbox built from options (no bundle)", cmd_sandbox,
         false},
        {"features", "print the features casca supports (JSON)", cmd_features, false},
};

static void usage(FILE *f)
{
        fprintf(f, "usage: casca [global options] COMMAND [options] [arguments]\n\n"
                   "A lightweight OCI container runtime.\n\nCommands:\n");
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
        fprintf(f, "\nGlobal options:\n"
                   "  --root DIR              state directory (default /run/casca, or\n"
                   "                          $XDG_RUNTIME_DIR/casca for a non-root user, else\n"
                   "                          /tmp/casca-UID; must be the caller's, mode 0700)\n"
                   "  --log FILE              also write errors and warnings to FILE\n"
                   "  --log-format text|json  format of --log (default text)\n"
                   "  --debug                 log debug messages\n"
                   "  --cgroup-manager cgroupfs|systemd|disabled\n"
                   "  --systemd-cgroup        the systemd cgroup manager: a transient scope\n"
                   "                          (cgroupsPath slice:prefix:name; root only)\n"
                   "  -v, --version           print the version\n"
                   "  -h, --help              this help; `casca COMMAND --help` for a command\n");
}

/* {"level":..,"msg":..,"time":..} (json) or time=".." level=.. msg=".."
 * (text), as runc writes them, and a newline; malloc'd. */
static char *log_line(bool json, const char *level, const char *msg, const char *stamp)
{
        struct casca_jgen j;
        char *quoted, *line = NULL;

        if (casca_jgen_init(&j, json ? CASCA_JGEN_NEWLINE : 0, NULL) < 0)
                return NULL;
        if (json) {
                casca_jgen_map_open(&j);
                casca_jgen_kstr(&j, "level", level);
                casca_jgen_kstr(&j, "msg", msg);
                casca_jgen_kstr(&j, "time", stamp);
                casca_jgen_map_close(&j);
                return casca_jgen_finish(&j, NULL);
        }
        casca_jgen_str(&j, msg);
        quoted = casca_jgen_finish(&j, NULL);
        if (quoted && asprintf(&line, "time=\"%s\" level=%s msg=%s\n", stamp, level, quoted) < 0)
                line = NULL;
        free(quoted);
        return line;
}

void cli_log(struct cli *cli, enum casca_log_level level, const char *msg)
{
        static const char *const names[] = {"error", "warning", "info", "debug"};
        char stamp[CASCA_RFC3339_MAX];
        _cleanup_free_ char *line = NULL;
        struct timespec now;
        int fd;

        if (level == CASCA_LOG_DEBUG && !cli->ctx.debug)
                return;
        /* With --log, warnings and debug go there only, as runc's: an engine
         * (conmon, the containerd shim) gives the runtime the container's own
         * stdio, so a line on stderr would land in the container's log.
         * Errors reach stderr as well (cli_fail). */
        if (cli->log_path) {
                clock_gettime(CLOCK_REALTIME, &now);
                line = log_line(cli->log_json, names[level], msg,
                                casca_format_rfc3339(stamp, &now, true));
                fd = open(cli->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        } else
                fd = -1;
        if (!line || fd < 0) {
                /* no log, or it cannot be written: not lost */
                if (level != CASCA_LOG_ERROR)
                        fprintf(stderr, "casca: %s: %s\n", names[level], msg);
                if (fd >= 0)
                        close(fd);
                return;
        }
        /* one write: lines of concurrent runtimes do not interleave */
        if (write(fd, line, strlen(line)) < 0) {
                /* nowhere left to say so */
        }
        close(fd);
}

static void lib_log(enum casca_log_level level, const char *msg, void *userdata)
{
        cli_log(userdata, level, msg);
}

int cli_fail(struct cli *cli, struct casca_error *err)
{
        const char *msg = err && err->msg ? err->msg : "unknown error";

        fprintf(stderr, "casca: %s\n", msg);
        cli_log(cli, CASCA_LOG_ERROR, msg);
        casca_error_free(err);
        return 1;
}

int cli_failx(struct cli *cli, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;

        va_start(ap, fmt);
        if (casca_vsnprintf(buf, sizeof(buf), fmt, ap) < 0) /* cut short: still said */
                buf[sizeof(buf) - 1] = '\0';
        va_end(ap);
        fprintf(stderr, "casca: %s\n", buf);
        cli_log(cli, CASCA_LOG_ERROR, buf);
        return 1;
}

int cli_getopt(struct cli *cli, int argc, char **argv, const char *shortopts,
               const struct option *longopts, const char *usage_text, int *ret_opt)
{
        int idx = 0, c;

        c = getopt_long(argc, argv, shortopts, longopts, &idx);
        if (c == 'h') {
                fputs(usage_text, stdout);
                return CLI_HELP_DONE;
        }
        if (c == '?' || c == ':') {
                fputs(usage_text, stderr);
                return CLI_USAGE_ERROR;
        }
        *ret_opt = c;
        return 0;
}

int cli_need_args(struct cli *cli, int argc, int n, const char *usage_text)
{
        if (argc - optind == n)
                return 0;
        cli_failx(cli, "%s: expected %d argument%s, got %d", cli->argv0, n, n == 1 ? "" : "s",
                  argc - optind);
        fputs(usage_text, stderr);
        return -1;
}

int cli_only_help(struct cli *cli, int argc, char **argv, const char *usage_text, int n_args)
{
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        int c, r;

        while ((r = cli_getopt(cli, argc, argv, "+h", opts, usage_text, &c)) == 0 && c != -1)
                ;
        if (r < 0)
                return r == CLI_HELP_DONE ? 0 : 2;
        if (n_args < 0 && optind >= argc) {
                cli_failx(cli, "%s: expected at least 1 argument", cli->argv0);
                fputs(usage_text, stderr);
                return 2;
        }
        if (n_args >= 0 && cli_need_args(cli, argc, n_args, usage_text) < 0)
                return 2;
        return -1;
}

int cli_list_options(struct cli *cli, int argc, char **argv, const char *usage_text, bool *ret_json,
                     bool *ret_quiet)
{
        static const struct option opts[] = {
                {"format", required_argument, NULL, 'f'},
                {"quiet", no_argument, NULL, 'q'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        int c, r;

        *ret_json = *ret_quiet = false;
        while ((r = cli_getopt(cli, argc, argv, "+f:qh", opts, usage_text, &c)) == 0 && c != -1) {
                if (c == 'q')
                        *ret_quiet = true;
                else if (strcmp(optarg, "json") == 0)
                        *ret_json = true;
                else if (strcmp(optarg, "table") != 0)
                        return cli_failx(cli, "--format: expected table or json, got `%s`", optarg);
        }
        if (r < 0)
                return r == CLI_HELP_DONE ? 0 : 2;
        if (cli_need_args(cli, argc, 0, usage_text) < 0)
                return 2;
        return -1;
}

int cli_parse_uint(const char *s, unsigned *ret)
{
        return casca_parse_uint(s, NULL, UINT_MAX, ret) < 0 ? -EINVAL : 0;
}

/* "--name=value" or "--name value"; returns the value or NULL. */
static const char *global_value(int argc, char **argv, int *i, const char *name)
{
        size_t n = strlen(name);

        if (strncmp(argv[*i], name, n) != 0)
                return NULL;
        if (argv[*i][n] == '=')
                return argv[*i] + n + 1;
        if (argv[*i][n] == '\0' && *i + 1 < argc && argv[*i + 1])
                return argv[++*i];
        return NULL;
}

int main(int argc, char **argv)
{
        struct cli cli = {.ctx = {.log = lib_log}};
        char bad[256] = ""; /* the first bad global option */
        const char *v;
        int i;

#define BAD_GLOBAL(...)                                                                            \
        do {                                                                                       \
                if (!bad[0])                                                                       \
                        casca_snprintf_trunc(bad, sizeof(bad), __VA_ARGS__);                       \
        } while (0)

        cli.ctx.log_data = &cli;
        signal(SIGPIPE, SIG_IGN);
        for (i = 1; i < argc && argv[i][0] == '-'; i++) {
                const char *a = argv[i];

                if (strcmp(a, "--version") == 0 || strcmp(a, "-v") == 0) {
                        printf("casca version %s\nspec: %s\n", CASCA_VERSION, CASCA_OCI_VERSION);
                        return 0;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        usage(stdout);
                        return 0;
                } else if (strcmp(a, "--debug") == 0) {
                        cli.ctx.debug = true;
                } else if (strcmp(a, "--systemd-cgroup") == 0) {
                        cli.ctx.cgroup_manager = CASCA_CGROUP_SYSTEMD;
                } else if ((v = global_value(argc, argv, &i, "--root"))) {
                        cli.ctx.state_root = v;
                } else if ((v = global_value(argc, argv, &i, "--log-format"))) {
                        if (strcmp(v, "json") == 0)
                                cli.log_json = true;
                        else if (strcmp(v, "text") != 0)
                                BAD_GLOBAL("--log-format: expected text or json, got `%s`", v);
                } else if ((v = global_value(argc, argv, &i, "--log"))) {
                        cli.log_path = v;
                } else if ((v = global_value(argc, argv, &i, "--cgroup-manager"))) {
                        if (strcmp(v, "disabled") == 0)
                                cli.ctx.cgroup_manager = CASCA_CGROUP_DISABLED;
                        else if (strcmp(v, "cgroupfs") == 0)
                                cli.ctx.cgroup_manager = CASCA_CGROUP_CGROUPFS;
                        else if (strcmp(v, "systemd") == 0)
                                cli.ctx.cgroup_manager = CASCA_CGROUP_SYSTEMD;
                        else
                                BAD_GLOBAL("--cgroup-manager: expected cgroupfs, systemd or "
                                           "disabled, "
                                           "got `%s`",
                                           v);
                } else {
                        fprintf(stderr, "casca: unknown global option `%s`\n", a);
                        usage(stderr);
                        return 2;
                }
        }
        /* reported once every global option is read: --log and --log-format
         * may come after the bad one, and the engine reads the log */
        if (bad[0])
                return cli_failx(&cli, "%s", bad);
        if (i >= argc) {
                usage(stderr);
                return 2;
        }
        for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++) {
                if (strcmp(argv[i], verbs[k].name) == 0) {
                        struct casca_error *err = NULL;

                        cli.argv0 = verbs[k].name;
                        casca_set_sealed_argv(argv);
                        if (verbs[k].sealed && casca_exec_sealed_self(argv, &err) < 0) {
                                cli_fail(&cli, err);
                                /* as runc: exec's own failure is 255, never
                                 * a status the process could have */
                                return verbs[k].run == cmd_exec ? 255 : 1;
                        }
                        optind = 1;
                        return verbs[k].run(&cli, argc - i, argv + i);
                }
        }
        fprintf(stderr, "casca: unknown command `%s`\n", argv[i]);
        usage(stderr);
        return 2;
}
