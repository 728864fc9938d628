/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup-tool - drives the cgroup manager (cgroup/cgroup.h) from bats, so
 * that tests can show limits working on a real cgroup v2 hierarchy (the VM
 * lane) before `casca create/run` uses it.
 *
 *   cgroup-tool available                 exit 0 when cgroup v2 is usable
 *   cgroup-tool resolve CGROUPS_PATH ID   print where create would put it
 *   cgroup-tool create CGROUPS_PATH ID [LIMITS]   print the cgroup's path
 *   cgroup-tool apply PATH [LIMITS]
 *   cgroup-tool freeze|thaw|frozen|kill|kill-by-pids|pids|stats|destroy PATH
 *   cgroup-tool enter PATH PID
 *   cgroup-tool exec PATH -- CMD...       join the cgroup, exec CMD
 *   cgroup-tool run [--path P] [--id ID] [--keep] [--no-clone3] [LIMITS] -- CMD...
 *       create, start CMD inside (clone3 CLONE_INTO_CGROUP, or fork and
 *       join), wait, destroy unless --keep; exit with CMD's status
 *       (128+N when killed by signal N)
 *   CGROUPS_PATH "-" means none (the default placement); PATH is what
 *   create printed ("/casca/ID").
 * LIMITS: --memory SIZE --memory-swap SIZE --memory-reservation SIZE
 *   --pids N --cpu-shares N --cpu-quota N --cpu-period N --cpu-burst N
 *   --cpu-idle N --cpus LIST --mems LIST --io-weight N
 *   --io-weight-device MAJ:MIN:N --io-rbps|--io-wbps|--io-riops|--io-wiops MAJ:MIN:N
 *   --hugetlb SIZE:N --unified KEY=VALUE
 *   --device "allow|deny a|c|b MAJ:MIN ACCESS" (MAJ/MIN may be *)
 *   --default-devices (append casca's default device rules)
 * SIZE: a number with an optional K, M or G suffix, or -1 / max. */
#include <errno.h>
#include <inttypes.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "casca.h"
#include "cgroup/backend.h" /* casca_cgroupfs_kill_by_pids, for the tests */
#include "cgroup/cgroup.h"
#include "util/cleanup.h"

#define MAX_LIST 16

struct opts {
        struct casca_resources res;
        struct casca_throttle_device thr[4][MAX_LIST];
        struct casca_weight_device wdev[MAX_LIST];
        struct casca_hugepage_limit huge[MAX_LIST];
        struct casca_kv unified[MAX_LIST];
        struct casca_device_rule devices[64];
        size_t n_devices;
        bool has_devices, default_devices, keep, no_clone3;
        const char *path, *id;
        char **cmd;
};

static int fail(struct casca_error *err)
{
        fprintf(stderr, "cgroup-tool: %s\n", err ? err->msg : "error");
        casca_error_free(err);
        return 1;
}

static int usage(const char *why)
{
        fprintf(stderr, "cgroup-tool: %s (see the comment at the top of cgroup-tool.c)\n", why);
        return 2;
}

static bool parse_i64(const char *s, int64_t *ret)
{
        char *end;
        long long v;

        if (strcmp(s, "max") == 0) {
                *ret = -1;
                return true;
        }
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno || end == s)
                return false;
        switch (*end) {
        case 'k':
        case 'K':
                v *= 1024;
                end++;
                break;
        case 'm':
        case 'M':
                v *= 1024 * 1024;
                end++;
                break;
        case 'g':
        case 'G':
                v *= 1024 * 1024 * 1024;
                end++;
                break;
        default:
                break;
        }
        *ret = v;
        return *end == '\0';
}

static bool parse_u64(const char *s, uint64_t *ret)
{
        int64_t v;

        if (!parse_i64(s, &v) || v < 0)
                return false;
        *ret = (uint64_t)v;
        return true;
}

/* "MAJ:MIN:N" */
static bool parse_dev_value(const char *s, int64_t *major, int64_t *minor, uint64_t *v)
{
        char tail[64];

        if (sscanf(s, "%" SCNd64 ":%" SCNd64 ":%63s", major, minor, tail) != 3)
                return false;
        return parse_u64(tail, v);
}

/* "allow|deny TYPE MAJ:MIN ACCESS" */
static bool parse_device(const char *s, struct casca_device_rule *r)
{
        char verdict[8], type[4], major[16], minor[16], access[8];

        if (sscanf(s, "%7s %3s %15[^:]:%15s %7s", verdict, type, major, minor, access) != 5 ||
            strlen(type) != 1 || strlen(access) > 3)
                return false;
        r->allow = strcmp(verdict, "allow") == 0;
        if (!r->allow && strcmp(verdict, "deny") != 0)
                return false;
        r->type = type[0];
        r->major = strcmp(major, "*") == 0 ? -1 : strtoll(major, NULL, 10);
        r->minor = strcmp(minor, "*") == 0 ? -1 : strtoll(minor, NULL, 10);
        snprintf(r->access, sizeof(r->access), "%.3s", access);
        return true;
}

static int parse(int argc, char **argv, int i, struct opts *o)
{
        static const char *const thr_names[4] = {"--io-rbps", "--io-wbps", "--io-riops",
                                                 "--io-wiops"};
        size_t n_thr[4] = {0};
        struct casca_resources *r = &o->res;

        for (; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                bool ok = true, takes = true;
                int64_t n = 0;

                if (strcmp(a, "--") == 0) {
                        o->cmd = argv + i + 1;
                        break;
                }
                if (strcmp(a, "--keep") == 0) {
                        o->keep = true;
                        takes = false;
                } else if (strcmp(a, "--no-clone3") == 0) {
                        o->no_clone3 = true;
                        takes = false;
                } else if (strcmp(a, "--default-devices") == 0) {
                        o->default_devices = o->has_devices = true;
                        takes = false;
                } else if (!v) {
                        return usage("an option without its value");
                } else if (strcmp(a, "--path") == 0) {
                        o->path = v;
                } else if (strcmp(a, "--id") == 0) {
                        o->id = v;
                } else if (strcmp(a, "--memory") == 0) {
                        r->memory.has_limit = ok = parse_i64(v, &r->memory.limit);
                } else if (strcmp(a, "--memory-swap") == 0) {
                        r->memory.has_swap = ok = parse_i64(v, &r->memory.swap);
                } else if (strcmp(a, "--memory-reservation") == 0) {
                        r->memory.has_reservation = ok = parse_i64(v, &r->memory.reservation);
                } else if (strcmp(a, "--pids") == 0) {
                        r->pids.has_limit = ok = parse_i64(v, &r->pids.limit);
                } else if (strcmp(a, "--cpu-shares") == 0) {
                        r->cpu.has_shares = ok = parse_u64(v, &r->cpu.shares);
                } else if (strcmp(a, "--cpu-quota") == 0) {
                        r->cpu.has_quota = ok = parse_i64(v, &r->cpu.quota);
                } else if (strcmp(a, "--cpu-period") == 0) {
                        r->cpu.has_period = ok = parse_u64(v, &r->cpu.period);
                } else if (strcmp(a, "--cpu-burst") == 0) {
                        r->cpu.has_burst = ok = parse_u64(v, &r->cpu.burst);
                } else if (strcmp(a, "--cpu-idle") == 0) {
                        r->cpu.has_idle = ok = parse_i64(v, &r->cpu.idle);
                } else if (strcmp(a, "--cpus") == 0) {
                        r->cpu.cpus = (char *)v;
                } else if (strcmp(a, "--mems") == 0) {
                        r->cpu.mems = (char *)v;
                } else if (strcmp(a, "--io-weight") == 0) {
                        r->block_io.has_weight = ok = parse_i64(v, &n) && n >= 0 && n <= 65535;
                        r->block_io.weight = (uint16_t)n;
                } else if (strcmp(a, "--io-weight-device") == 0 &&
                           r->block_io.n_weight_device < MAX_LIST) {
                        struct casca_weight_device *d = &o->wdev[r->block_io.n_weight_device++];
                        uint64_t w = 0;

                        ok = parse_dev_value(v, &d->major, &d->minor, &w) && w <= 65535;
                        d->has_weight = true;
                        d->weight = (uint16_t)w;
                        r->block_io.weight_device = o->wdev;
                } else if (strncmp(a, "--io-", 5) == 0 && strstr(a, "ps")) {
                        int k = -1;

                        for (int j = 0; j < 4; j++)
                                if (strcmp(a, thr_names[j]) == 0)
                                        k = j;
                        if (k < 0 || n_thr[k] == MAX_LIST)
                                return usage(a);
                        ok = parse_dev_value(v, &o->thr[k][n_thr[k]].major,
                                             &o->thr[k][n_thr[k]].minor, &o->thr[k][n_thr[k]].rate);
                        n_thr[k]++;
                } else if (strcmp(a, "--hugetlb") == 0 && r->n_hugepage_limits < MAX_LIST) {
                        struct casca_hugepage_limit *h = &o->huge[r->n_hugepage_limits++];
                        char *colon = strchr(v, ':');

                        ok = colon != NULL;
                        if (ok) {
                                *colon = '\0';
                                h->page_size = (char *)v;
                                ok = parse_u64(colon + 1, &h->limit);
                        }
                        r->hugepage_limits = o->huge;
                } else if (strcmp(a, "--unified") == 0 && r->n_unified < MAX_LIST) {
                        struct casca_kv *kv = &o->unified[r->n_unified++];
                        char *eq = strchr(v, '=');

                        ok = eq != NULL;
                        if (ok) {
                                *eq = '\0';
                                kv->key = (char *)v;
                                kv->value = eq + 1;
                        }
                        r->unified = o->unified;
                } else if (strcmp(a, "--device") == 0 && o->n_devices < 48) {
                        ok = parse_device(v, &o->devices[o->n_devices++]);
                        o->has_devices = true;
                } else {
                        return usage(a);
                }
                if (!ok)
                        return usage(a);
                if (takes)
                        i++;
        }
        r->block_io.throttle_read_bps = o->thr[0];
        r->block_io.n_throttle_read_bps = n_thr[0];
        r->block_io.throttle_write_bps = o->thr[1];
        r->block_io.n_throttle_write_bps = n_thr[1];
        r->block_io.throttle_read_iops = o->thr[2];
        r->block_io.n_throttle_read_iops = n_thr[2];
        r->block_io.throttle_write_iops = o->thr[3];
        r->block_io.n_throttle_write_iops = n_thr[3];
        return 0;
}

static int set_devices(struct casca_cgroup *cg, struct opts *o, struct casca_error **err)
{
        if (!o->has_devices)
                return 0;
        if (o->default_devices) {
                size_t n = 0;
                const struct casca_device_rule *d = casca_cgroup_default_device_rules(&n);

                memcpy(o->devices + o->n_devices, d, n * sizeof(*d));
                o->n_devices += n;
        }
        return casca_cgroup_set_devices(cg, o->devices, o->n_devices, err);
}

static int run(struct opts *o)
{
        _cleanup_cgroup_ struct casca_cgroup *cg = NULL;
        struct casca_error *err = NULL;
        char id[64];
        int status = 0, r;
        pid_t pid = -1;

        if (!o->cmd || !o->cmd[0])
                return usage("run: no command after --");
        snprintf(id, sizeof(id), "run-%d", (int)getpid());
        r = casca_cgroup_create(o->path, o->id ? o->id : id, &o->res, &cg, &err);
        if (r >= 0)
                r = set_devices(cg, o, &err);
        if (r < 0) {
                if (cg) {
                        struct casca_error *e2 = NULL;

                        casca_cgroup_destroy(cg, &e2);
                        casca_error_free(e2);
                }
                return fail(err);
        }
        if (!o->no_clone3) {
                struct clone_args args = {
                        .flags = CLONE_INTO_CGROUP,
                        .exit_signal = SIGCHLD,
                        .cgroup = (uint64_t)casca_cgroup_dirfd(cg),
                };

                pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
                if (pid == 0) {
                        execvp(o->cmd[0], o->cmd);
                        fprintf(stderr, "cgroup-tool: exec %s: %s\n", o->cmd[0], strerror(errno));
                        _exit(127);
                }
        }
        if (pid < 0) { /* kernel < 5.7 or --no-clone3: fork, then join */
                pid = fork();
                if (pid == 0) {
                        if (casca_cgroup_enter(cg, 0, &err) < 0)
                                _exit(fail(err) + 125);
                        execvp(o->cmd[0], o->cmd);
                        fprintf(stderr, "cgroup-tool: exec %s: %s\n", o->cmd[0], strerror(errno));
                        _exit(127);
                }
        }
        if (pid < 0) {
                fprintf(stderr, "cgroup-tool: fork: %s\n", strerror(errno));
                status = 1 << 8;
        } else {
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
        }
        if (!o->keep && casca_cgroup_destroy(cg, &err) < 0)
                return fail(err);
        if (o->keep)
                printf("%s\n", casca_cgroup_path(cg));
        return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
        _cleanup_cgroup_ struct casca_cgroup *cg = NULL;
        struct casca_error *err = NULL;
        static struct opts o;
        const char *verb = argc > 1 ? argv[1] : "";
        int r;

        if (strcmp(verb, "available") == 0)
                return casca_cgroup_v2_available() ? 0 : 1;
        if (strcmp(verb, "run") == 0)
                return parse(argc, argv, 2, &o) ? 2 : run(&o);
        if (argc < 3)
                return usage("usage: cgroup-tool VERB ARGS");

        if (strcmp(verb, "resolve") == 0 || strcmp(verb, "create") == 0) {
                const char *cgpath = strcmp(argv[2], "-") ? argv[2] : NULL;
                char *path = NULL;

                if (argc < 4 || parse(argc, argv, 4, &o))
                        return usage("create CGROUPS_PATH ID [LIMITS]");
                if (verb[0] == 'r') {
                        if (casca_cgroup_resolve_path(cgpath, argv[3], &path, &err) < 0)
                                return fail(err);
                        printf("%s\n", path);
                        free(path);
                        return 0;
                }
                r = casca_cgroup_create(cgpath, argv[3], &o.res, &cg, &err);
                if (r >= 0 && (r = set_devices(cg, &o, &err)) < 0) {
                        struct casca_error *e2 = NULL;

                        casca_cgroup_destroy(cg, &e2);
                        casca_error_free(e2);
                }
                if (r < 0)
                        return fail(err);
                printf("%s\n", casca_cgroup_path(cg));
                return 0;
        }

        if (casca_cgroup_open(argv[2], &cg, &err) < 0)
                return fail(err);
        if (strcmp(verb, "apply") == 0) {
                if (parse(argc, argv, 3, &o))
                        return 2;
                r = casca_cgroup_apply(cg, &o.res, &err);
                if (r >= 0)
                        r = set_devices(cg, &o, &err);
        } else if (strcmp(verb, "freeze") == 0 || strcmp(verb, "thaw") == 0) {
                r = casca_cgroup_freeze(cg, verb[0] == 'f', &err);
        } else if (strcmp(verb, "frozen") == 0) {
                r = casca_cgroup_is_frozen(cg, &err);
                if (r >= 0)
                        printf("%d\n", r);
        } else if (strcmp(verb, "kill") == 0) {
                r = casca_cgroup_kill(cg, &err);
        } else if (strcmp(verb, "kill-by-pids") == 0) {
                r = casca_cgroupfs_kill_by_pids(cg, &err);
        } else if (strcmp(verb, "destroy") == 0) {
                r = casca_cgroup_destroy(cg, &err);
        } else if (strcmp(verb, "pids") == 0) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0;

                r = casca_cgroup_pids(cg, &pids, &n, &err);
                for (size_t i = 0; r >= 0 && i < n; i++)
                        printf("%d\n", (int)pids[i]);
        } else if (strcmp(verb, "stats") == 0) {
                _cleanup_free_ char *json = NULL;
                struct casca_jgen j;

                r = casca_jgen_init(&j, CASCA_JGEN_NEWLINE, &err);
                if (r >= 0)
                        r = casca_cgroup_stats(cg, &j, &err);
                if (r >= 0 && !(json = casca_jgen_finish(&j, &err)))
                        r = -EINVAL;
                casca_jgen_done(&j);
                if (r >= 0)
                        fputs(json, stdout);
        } else if (strcmp(verb, "enter") == 0 && argc == 4) {
                int64_t pid = 0;

                if (!parse_i64(argv[3], &pid) || pid < 0)
                        return usage("enter PATH PID");
                r = casca_cgroup_enter(cg, (pid_t)pid, &err);
        } else if (strcmp(verb, "exec") == 0 && argc > 4 && strcmp(argv[3], "--") == 0) {
                r = casca_cgroup_enter(cg, 0, &err);
                if (r >= 0) {
                        casca_cgroup_free(TAKE_PTR(cg));
                        execvp(argv[4], argv + 4);
                        fprintf(stderr, "cgroup-tool: exec %s: %s\n", argv[4], strerror(errno));
                        return 127;
                }
        } else {
                return usage(verb);
        }
        return r < 0 ? fail(err) : 0;
}
