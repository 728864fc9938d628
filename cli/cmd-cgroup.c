/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cmd-cgroup.c - `pause`, `resume`, `ps`, `update` and `events`: the verbs
 * that work on a container's cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "runtime/config.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/parse.h"

static const struct option help_only[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static int exit_code(int r)
{
        return r == CLI_HELP_DONE ? 0 : 2;
}

/* -h only and one argument, the id.  false: exit with *ret_exit. */
static bool id_only(struct cli *cli, int argc, char **argv, const char *usage, int *ret_exit)
{
        int c, r;

        while ((r = cli_getopt(cli, argc, argv, "+h", help_only, usage, &c)) == 0 && c != -1)
                ;
        if (r < 0) {
                *ret_exit = exit_code(r);
                return false;
        }
        *ret_exit = 2;
        return cli_need_args(cli, argc, 1, usage) == 0;
}

int cmd_pause(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: casca pause CONTAINER-ID\n\n"
                "Freeze every process of the container (cgroup v2 cgroup.freeze);\n"
                "returns once the kernel reports the cgroup frozen.\n\n"
                "  -h, --help  this help\n";
        struct casca_error *err = NULL;
        int code;

        if (!id_only(cli, argc, argv, usage, &code))
                return code;
        if (casca_container_pause(&cli->ctx, argv[optind], &err) < 0)
                return cli_fail(cli, err);
        return 0;
}

int cmd_resume(struct cli *cli, int argc, char **argv)
{
        static const char usage[] = "usage: casca resume CONTAINER-ID\n\n"
                                    "Thaw a paused container.\n\n"
                                    "  -h, --help  this help\n";
        struct casca_error *err = NULL;
        int code;

        if (!id_only(cli, argc, argv, usage, &code))
                return code;
        if (casca_container_resume(&cli->ctx, argv[optind], &err) < 0)
                return cli_fail(cli, err);
        return 0;
}

/* ---- ps ------------------------------------------------------------------- */

static void print_table(const pid_t *pids, size_t n)
{
        printf("%-10s %-8s %-8s %-4s %-9s %s\n", "UID", "PID", "PPID", "STAT", "TIME", "CMD");
        for (size_t i = 0; i < n; i++) {
                struct casca_error *err = NULL;
                struct casca_proc_info p;
                struct passwd *pw;
                char user[32], tm[32];
                unsigned long long s;

                if (casca_proc_info(pids[i], &p, &err) < 0) {
                        casca_error_free(err); /* exited meanwhile */
                        continue;
                }
                pw = getpwuid(p.uid);
                if (!pw || casca_snprintf(user, sizeof(user), "%s", pw->pw_name) < 0)
                        casca_snprintf_trunc(user, sizeof(user), "%u", (unsigned)p.uid);
                s = p.cpu_ms / 1000;
                casca_snprintf_trunc(tm, sizeof(tm), "%02llu:%02llu:%02llu", s / 3600, s / 60 % 60,
                                     s % 60); /* fits */
                printf("%-10s %-8d %-8d %-4c %-9s %s\n", user, (int)p.pid, (int)p.ppid, p.state, tm,
                       p.cmdline);
        }
}

int cmd_ps(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: casca ps [--format table|json] CONTAINER-ID\n\n"
                "List the container's processes: those in its cgroup, or without one\n"
                "those in its pid namespace (pids as seen from the runtime's).\n\n"
                "  -f, --format table|json  a table (UID PID PPID STAT TIME CMD; default)\n"
                "                           or a JSON array of pids\n"
                "  -h, --help               this help\n";
        static const struct option opts[] = {
                {"format", required_argument, NULL, 'f'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        struct casca_error *err = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_free_ char *doc = NULL;
        struct casca_jgen j;
        bool json = false;
        size_t n = 0;
        int c, r;

        while ((r = cli_getopt(cli, argc, argv, "+f:h", opts, usage, &c)) == 0 && c != -1) {
                if (strcmp(optarg, "json") == 0)
                        json = true;
                else if (strcmp(optarg, "table") != 0)
                        return cli_failx(cli, "ps: --format: expected table or json, got `%s`",
                                         optarg);
        }
        if (r < 0)
                return exit_code(r);
        if (cli_need_args(cli, argc, 1, usage) < 0)
                return 2;
        if (casca_container_ps(&cli->ctx, argv[optind], &pids, &n, &err) < 0)
                return cli_fail(cli, err);
        if (!json) {
                print_table(pids, n);
                return 0;
        }
        if (casca_jgen_init(&j, CASCA_JGEN_NEWLINE, NULL) == 0) {
                casca_jgen_array_open(&j);
                for (size_t i = 0; i < n; i++)
                        casca_jgen_int(&j, pids[i]);
                casca_jgen_array_close(&j);
                doc = casca_jgen_finish(&j, NULL);
        }
        if (!doc)
                return cli_failx(cli, "ps: cannot generate JSON");
        fputs(doc, stdout);
        return 0;
}

/* ---- update --------------------------------------------------------------- */

/* "64m", "1g", "512k", "1048576", "2GiB", "64MB"; "-1" and "max": -1. */
static int parse_size(const char *s, int64_t *ret)
{
        static const char units[] = "kmgt";
        uint64_t v, mult = 1;
        const char *u, *end;

        if (strcmp(s, "-1") == 0 || strcmp(s, "max") == 0) {
                *ret = -1;
                return 0;
        }
        if (casca_parse_u64(s, &end, UINT64_MAX, &v) < 0)
                return -EINVAL;
        if (*end) {
                u = strchr(units, end[0] | 0x20);
                if (!u)
                        return -EINVAL;
                for (const char *k = units; k <= u; k++)
                        mult *= 1024;
                end++;
                if (strcasecmp(end, "b") != 0 && strcasecmp(end, "ib") != 0 && *end)
                        return -EINVAL;
        }
        if (v > (uint64_t)INT64_MAX / mult)
                return -ERANGE;
        *ret = (int64_t)(v * mult);
        return 0;
}

static int parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
        return casca_parse_i64(s, NULL, min, max, ret) < 0 ? -EINVAL : 0;
}

/* -r FILE ("-": stdin): a linux.resources object, like runc's. */
static struct casca_resources *load_resources(struct cli *cli, const char *path)
{
        struct casca_error *err = NULL;
        struct casca_resources *res;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;

        buf = casca_fs_read_file(strcmp(path, "-") == 0 ? "/dev/stdin" : path, &len, &err);
        if (!buf) {
                casca_error_prefix(&err, "update: -r");
                cli_fail(cli, err);
                return NULL;
        }
        res = casca_resources_parse(buf, len, &err);
        if (!res) {
                casca_error_prefix(&err, "update: -r `%s`", path);
                cli_fail(cli, err);
        }
        return res;
}

static int set_string(char **dst, const char *s)
{
        char *copy = strdup(s);

        if (!copy)
                return -ENOMEM;
        free(*dst);
        *dst = copy;
        return 0;
}

/* unified["cpu.weight"] = value */
static int set_unified(struct casca_resources *res, const char *key, const char *value)
{
        struct casca_kv *v;

        for (size_t i = 0; i < res->n_unified; i++)
                if (strcmp(res->unified[i].key, key) == 0)
                        return set_string(&res->unified[i].value, value);
        v = realloc(res->unified, (res->n_unified + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        res->unified = v;
        v[res->n_unified] = (struct casca_kv){strdup(key), strdup(value)};
        if (!v[res->n_unified].key || !v[res->n_unified].value) {
                free(v[res->n_unified].key);
                free(v[res->n_unified].value);
                return -ENOMEM;
        }
        res->n_unified++;
        return 0;
}

enum {
        OPT_MEMORY = 256,
        OPT_MEMORY_SWAP,
        OPT_MEMORY_RESERVATION,
        OPT_CPU_QUOTA,
        OPT_CPU_PERIOD,
        OPT_CPU_SHARES,
        OPT_CPU_WEIGHT,
        OPT_CPUSET_CPUS,
        OPT_CPUSET_MEMS,
        OPT_PIDS_LIMIT,
        OPT_BLKIO_WEIGHT,
};

/* Apply one flag to res; a message on error. */
static const char *update_flag(struct casca_resources *res, int opt, const char *arg)
{
        /* the numeric flags: a size or an integer in [min, max] */
        const struct {
                int opt;
                bool size;
                int64_t min, max;
                const char *msg;
                bool *has;
                int64_t *i64;
                uint64_t *u64;
        } nums[] = {
                {OPT_MEMORY, true, -1, INT64_MAX, NULL, &res->memory.has_limit, &res->memory.limit,
                 NULL},
                {OPT_MEMORY_SWAP, true, -1, INT64_MAX, NULL, &res->memory.has_swap,
                 &res->memory.swap, NULL},
                {OPT_MEMORY_RESERVATION, true, -1, INT64_MAX, NULL, &res->memory.has_reservation,
                 &res->memory.reservation, NULL},
                {OPT_CPU_QUOTA, false, -1, INT64_MAX,
                 "expected microseconds per period, or -1 for no limit", &res->cpu.has_quota,
                 &res->cpu.quota, NULL},
                {OPT_CPU_PERIOD, false, 1000, 1000000,
                 "expected microseconds between 1000 and 1000000", &res->cpu.has_period, NULL,
                 &res->cpu.period},
                {OPT_CPU_SHARES, false, 2, 262144, "expected shares between 2 and 262144",
                 &res->cpu.has_shares, NULL, &res->cpu.shares},
                {OPT_PIDS_LIMIT, false, -1, INT64_MAX,
                 "expected a number of processes, or -1 (or 0) for no limit", &res->pids.has_limit,
                 &res->pids.limit, NULL},
        };
        int64_t v;

        for (size_t i = 0; i < ARRAY_SIZE(nums); i++) {
                if (nums[i].opt != opt)
                        continue;
                if (nums[i].size && parse_size(arg, &v) < 0)
                        return "expected a size like 64m, 1g or 1048576, or -1 for no limit";
                if (!nums[i].size && (parse_i64(arg, nums[i].min, nums[i].max, &v) < 0 ||
                                      (opt == OPT_CPU_QUOTA && v == 0)))
                        return nums[i].msg;
                if (nums[i].i64)
                        *nums[i].i64 = v;
                else
                        *nums[i].u64 = (uint64_t)v;
                *nums[i].has = true;
                return NULL;
        }
        switch (opt) {
        case OPT_BLKIO_WEIGHT:
                if (parse_i64(arg, 10, 1000, &v) < 0)
                        return "expected a weight between 10 and 1000";
                res->block_io.weight = (uint16_t)v;
                res->block_io.has_weight = true;
                return NULL;
        case OPT_CPU_WEIGHT:
                if (parse_i64(arg, 1, 10000, &v) < 0)
                        return "expected a weight between 1 and 10000";
                return set_unified(res, "cpu.weight", arg) < 0 ? "out of memory" : NULL;
        case OPT_CPUSET_CPUS:
                return set_string(&res->cpu.cpus, arg) < 0 ? "out of memory" : NULL;
        case OPT_CPUSET_MEMS:
                return set_string(&res->cpu.mems, arg) < 0 ? "out of memory" : NULL;
        }
        return "unknown option";
}

int cmd_update(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: casca update [options] CONTAINER-ID\n\n"
                "Change the cgroup limits of a created, running or paused container.\n"
                "Only what is given changes; device rules stay as created.\n\n"
                "  -r, --resources FILE       a linux.resources JSON object (\"-\": stdin),\n"
                "                             like runc's; the flags below override it\n"
                "  --memory SIZE              memory.max (64m, 1g, 1048576; -1: no limit)\n"
                "  --memory-swap SIZE         memory+swap limit (OCI); memory.swap.max is\n"
                "                             this minus the memory limit\n"
                "  --memory-reservation SIZE  memory.low\n"
                "  --cpu-quota US             cpu.max quota per period (-1: no limit)\n"
                "  --cpu-period US            cpu.max period\n"
                "  --cpu-shares N             OCI shares, converted to cpu.weight\n"
                "  --cpu-weight N             cpu.weight as is (1..10000)\n"
                "  --cpuset-cpus LIST         cpuset.cpus (\"0-1\", \"0,2\")\n"
                "  --cpuset-mems LIST         cpuset.mems\n"
                "  --pids-limit N             pids.max (-1 or 0: no limit)\n"
                "  --blkio-weight N           OCI blkio weight (10..1000), converted to io.weight\n"
                "  -h, --help                 this help\n";
        static const struct option opts[] = {
                {"resources", required_argument, NULL, 'r'},
                {"memory", required_argument, NULL, OPT_MEMORY},
                {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
                {"memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION},
                {"cpu-quota", required_argument, NULL, OPT_CPU_QUOTA},
                {"cpu-period", required_argument, NULL, OPT_CPU_PERIOD},
                {"cpu-shares", required_argument, NULL, OPT_CPU_SHARES},
                {"cpu-share", required_argument, NULL, OPT_CPU_SHARES}, /* runc's spelling */
                {"cpu-weight", required_argument, NULL, OPT_CPU_WEIGHT},
                {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
                {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
                {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
                {"blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        struct {
                int opt;
                const char *arg, *name;
        } flags[32];
        size_t n_flags = 0;
        const char *file = NULL;
        struct casca_error *err = NULL;
        struct casca_resources *res;
        int c, r, ret = 0;

        while ((r = cli_getopt(cli, argc, argv, "+r:h", opts, usage, &c)) == 0 && c != -1) {
                if (c == 'r') {
                        file = optarg;
                        continue;
                }
                if (n_flags == ARRAY_SIZE(flags))
                        return cli_failx(cli, "update: too many options");
                flags[n_flags].opt = c;
                flags[n_flags].arg = optarg;
                flags[n_flags].name = "";
                for (size_t i = 0; opts[i].name && !flags[n_flags].name[0]; i++)
                        if (opts[i].val == c)
                                flags[n_flags].name = opts[i].name;
                n_flags++;
        }
        if (r < 0)
                return exit_code(r);
        if (cli_need_args(cli, argc, 1, usage) < 0)
                return 2;
        if (!file && n_flags == 0) {
                cli_failx(cli, "update: nothing to update: give -r FILE or a limit");
                fputs(usage, stderr);
                return 2;
        }
        res = file ? load_resources(cli, file) : calloc(1, sizeof(*res));
        if (!res)
                return file ? 1 : cli_failx(cli, "update: out of memory");
        for (size_t i = 0; i < n_flags; i++) {
                const char *msg = update_flag(res, flags[i].opt, flags[i].arg);

                if (msg) {
                        ret = cli_failx(cli, "update: --%s `%s`: %s", flags[i].name, flags[i].arg,
                                        msg);
                        goto out;
                }
        }
        if (casca_container_update(&cli->ctx, argv[optind], res, &err) < 0)
                ret = cli_fail(cli, err);
out:
        casca_resources_free(res);
        return ret;
}

/* ---- events --------------------------------------------------------------- */

/* "5" or "5s", "500ms", "2m": milliseconds. */
static int parse_interval(const char *s, unsigned *ret)
{
        uint64_t v, mult = 1000;
        const char *end;

        if (casca_parse_u64(s, &end, UINT64_MAX, &v) < 0)
                return -EINVAL;
        if (strcmp(end, "ms") == 0)
                mult = 1;
        else if (strcmp(end, "m") == 0)
                mult = 60000;
        else if (*end && strcmp(end, "s") != 0)
                return -EINVAL;
        if (v == 0 || v > UINT64_C(86400000) / mult)
                return -ERANGE;
        *ret = (unsigned)(v * mult);
        return 0;
}

static int print_event(const char *json, void *userdata)
{
        if (printf("%s\n", json) < 0 || fflush(stdout) != 0)
                return errno ? -errno : -EIO;
        return 0;
}

int cmd_events(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: casca events [--stats] [--interval TIME] CONTAINER-ID\n\n"
                "Print the container's events as JSON lines, like runc: {\"type\":\"oom\"}\n"
                "for each OOM kill in its cgroup (and for an OOM that no kill follows\n"
                "within a second), and its statistics every interval, until the\n"
                "container stops.\n\n"
                "  --stats           print the statistics once ({\"type\":\"stats\",...}) and "
                "exit\n"
                "  --interval TIME   statistics every TIME (5, 5s, 500ms, 1m; default 5s)\n"
                "  -h, --help        this help\n";
        static const struct option opts[] = {
                {"stats", no_argument, NULL, 's'},
                {"interval", required_argument, NULL, 'i'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        struct casca_error *err = NULL;
        unsigned interval = 5000;
        bool stats = false;
        int c, r;

        while ((r = cli_getopt(cli, argc, argv, "+h", opts, usage, &c)) == 0 && c != -1) {
                if (c == 's')
                        stats = true;
                else if (parse_interval(optarg, &interval) < 0)
                        return cli_failx(cli,
                                         "events: --interval: expected a time like 5s or "
                                         "500ms, got `%s`",
                                         optarg);
        }
        if (r < 0)
                return exit_code(r);
        if (cli_need_args(cli, argc, 1, usage) < 0)
                return 2;
        if (stats) {
                _cleanup_free_ char *json = NULL;

                if (casca_container_stats(&cli->ctx, argv[optind], &json, &err) < 0)
                        return cli_fail(cli, err);
                printf("%s\n", json);
                return 0;
        }
        if (casca_container_events(&cli->ctx, argv[optind], interval, print_event, NULL, &err) < 0)
                return cli_fail(cli, err);
        return 0;
}
