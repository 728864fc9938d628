/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* process.c - rlimits, oom score, personality, user, capabilities, exec. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "casca.h"
#include "cleanup.h"
#include "config.h"
#include "fs.h"
#include "process.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *rlimit_name(int resource)
{
        static const char *const names[] = {
                [RLIMIT_CPU] = "RLIMIT_CPU",           [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
                [RLIMIT_DATA] = "RLIMIT_DATA",         [RLIMIT_STACK] = "RLIMIT_STACK",
                [RLIMIT_CORE] = "RLIMIT_CORE",         [RLIMIT_RSS] = "RLIMIT_RSS",
                [RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
                [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
                [RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
                [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
                [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
        };

        if (resource >= 0 && (size_t)resource < ARRAY_SIZE(names) && names[resource])
                return names[resource];
        return "RLIMIT_?";
}

static void format_limit(char *buf, size_t size, uint64_t v)
{
        if (v == (uint64_t)RLIM_INFINITY)
                snprintf(buf, size, "unlimited");
        else
                snprintf(buf, size, "%llu", (unsigned long long)v);
}

int casca_process_setup(const struct casca_config *cfg, struct casca_error **err)
{
        const struct casca_process *p = &cfg->process;

        for (size_t i = 0; cfg->has_process && i < p->n_rlimits; i++) {
                const struct casca_rlimit *l = &p->rlimits[i];
                struct rlimit rl = {.rlim_cur = l->soft, .rlim_max = l->hard};
                char soft[32], hard[32];

                if (setrlimit((__rlimit_resource_t)l->resource, &rl) == 0)
                        continue;
                format_limit(soft, sizeof(soft), l->soft);
                format_limit(hard, sizeof(hard), l->hard);
                return casca_error_set(err, errno, "process.rlimits[%zu] %s: soft %s, hard %s", i,
                                       rlimit_name(l->resource), soft, hard);
        }
        if (cfg->has_linux && cfg->linux_cfg.has_personality &&
            personality(cfg->linux_cfg.personality) < 0)
                return casca_error_set(err, errno, "linux.personality %#lx",
                                       cfg->linux_cfg.personality);
        return 0;
}

int casca_process_set_oom_score_adj(pid_t pid, const struct casca_process *p,
                                    struct casca_error **err)
{
        char path[64], buf[32];
        int n, r;

        if (!p->has_oom_score_adj)
                return 0;
        if (pid > 0)
                snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
        else
                snprintf(path, sizeof(path), "/proc/self/oom_score_adj");
        n = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
        r = casca_fs_write_file(path, buf, (size_t)n, err);
        if (r < 0)
                return casca_error_prefix(err, "process.oomScoreAdj %d", p->oom_score_adj);
        return 0;
}

/* ---- user and capabilities ---------------------------------------------- */

static int cap_error(struct casca_error **err, int e, const char *what, int cap)
{
        char *name = cap_to_name((cap_value_t)cap);
        int r = casca_error_set(err, e, "%s %s", what, name ? name : "?");

        cap_free(name);
        return r;
}

static int drop_bounding(uint64_t keep, int last, struct casca_error **err)
{
        for (int c = 0; c <= last; c++) {
                if (keep & (1ULL << c))
                        continue;
                if (cap_get_bound((cap_value_t)c) <= 0)
                        continue; /* not there (or unknown): nothing to drop */
                if (cap_drop_bound((cap_value_t)c) < 0)
                        return cap_error(err, errno, "process.capabilities.bounding: drop", c);
        }
        return 0;
}

static int set_caps(const struct casca_capabilities *caps, int last, struct casca_error **err)
{
        static const struct {
                cap_flag_t flag;
                size_t offset;
        } sets[] = {
                {CAP_EFFECTIVE, offsetof(struct casca_capabilities, effective)},
                {CAP_PERMITTED, offsetof(struct casca_capabilities, permitted)},
                {CAP_INHERITABLE, offsetof(struct casca_capabilities, inheritable)},
        };
        cap_t c = cap_init();
        int r = 0;

        if (!c)
                return casca_error_set(err, errno, "process.capabilities: cap_init");
        for (size_t s = 0; s < ARRAY_SIZE(sets); s++) {
                uint64_t mask = *(const uint64_t *)((const char *)caps + sets[s].offset);

                for (int v = 0; v <= last; v++) {
                        cap_value_t cv = (cap_value_t)v;

                        if ((mask & (1ULL << v)) &&
                            cap_set_flag(c, sets[s].flag, 1, &cv, CAP_SET) < 0) {
                                r = cap_error(err, errno, "process.capabilities: set", v);
                                goto out;
                        }
                }
        }
        if (cap_set_proc(c) < 0) {
                r = casca_error_set(err, errno, "process.capabilities: capset");
                goto out;
        }
        /* Ambient capabilities need to be permitted and inheritable already. */
        if (cap_reset_ambient() < 0 && caps->ambient) {
                r = casca_error_set(err, errno, "process.capabilities.ambient: reset");
                goto out;
        }
        for (int v = 0; v <= last; v++)
                if ((caps->ambient & (1ULL << v)) && cap_set_ambient((cap_value_t)v, CAP_SET) < 0) {
                        r = cap_error(err, errno, "process.capabilities.ambient: raise", v);
                        goto out;
                }
out:
        cap_free(c);
        return r;
}

int casca_process_set_user(const struct casca_process *p, struct casca_error **err)
{
        const struct casca_user *u = &p->user;
        /* The highest capability the running kernel knows (at most 63 here). */
        int last = (int)cap_max_bits() - 1;
        int r;

        if (last > 63)
                last = 63;
        /* As runc does: a cwd that only the runtime's identity can reach is
         * entered now; casca_process_find_exec() repeats the chdir as the user. */
        if (p->cwd && chdir(p->cwd) < 0) {
                /* reported by casca_process_find_exec() */
        }
        if (p->has_capabilities) {
                r = drop_bounding(p->caps.bounding, last, err);
                if (r < 0)
                        return r;
                if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                        return casca_error_set(err, errno, "prctl(PR_SET_KEEPCAPS, 1)");
        }
        if (setgroups(u->n_additional_gids, u->additional_gids) < 0 &&
            !(errno == EPERM && u->n_additional_gids == 0))
                return casca_error_set(err, errno, "process.user.additionalGids: setgroups");
        if (setresgid(u->gid, u->gid, u->gid) < 0)
                return casca_error_set(err, errno, "process.user.gid %u: setresgid", u->gid);
        if (setresuid(u->uid, u->uid, u->uid) < 0)
                return casca_error_set(err, errno, "process.user.uid %u: setresuid", u->uid);
        if (p->has_capabilities) {
                r = set_caps(&p->caps, last, err);
                if (r < 0)
                        return r;
                if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                        return casca_error_set(err, errno, "prctl(PR_SET_KEEPCAPS, 0)");
        }
        umask(u->has_umask ? (mode_t)(u->umask & 0777) : 0022);
        return 0;
}

int casca_process_set_no_new_privs(const struct casca_process *p, struct casca_error **err)
{
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return casca_error_set(err, errno, "process.noNewPrivileges: prctl");
        return 0;
}

/* ---- exec ----------------------------------------------------------------- */

static const char *env_path(char *const *env)
{
        for (size_t i = 0; env && env[i]; i++)
                if (strncmp(env[i], "PATH=", 5) == 0)
                        return env[i] + 5;
        return DEFAULT_PATH;
}

/* Could execve run path: an executable regular file?  Fails with errno set. */
static int exec_candidate_ok(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return -1;
        if (!S_ISREG(st.st_mode)) {
                errno = EACCES;
                return -1;
        }
        return faccessat(AT_FDCWD, path, X_OK, AT_EACCESS);
}

/* Already there (casca_process_set_user() went in before the uid changed)? */
static bool in_dir(const char *dir)
{
        char cwd[PATH_MAX];

        return getcwd(cwd, sizeof(cwd)) && strcmp(cwd, dir) == 0;
}

/* A cwd reached through a path that leads out of the root (a leaked
 * directory fd, another process's /proc/<pid>/cwd or root) is refused:
 * getcwd() fails with ENOENT for a directory the root cannot reach. */
static int check_cwd_inside(const char *cwd, struct casca_error **err)
{
        char buf[PATH_MAX];

        if (getcwd(buf, sizeof(buf)))
                return 0;
        if (errno == ENOENT)
                return casca_error_setx(err, EPERM,
                                        "process.cwd `%s`: outside the container's root", cwd);
        return casca_error_set(err, errno, "process.cwd `%s`: getcwd", cwd);
}

static int set_path(char *ret_path, size_t size, const char *path, struct casca_error **err)
{
        if (strlen(path) >= size)
                return casca_error_setx(err, ENAMETOOLONG, "exec \"%s\": path too long", path);
        memcpy(ret_path, path, strlen(path) + 1);
        return 0;
}

int casca_process_find_exec(const struct casca_process *p, char *ret_path, size_t size,
                            struct casca_error **err)
{
        static char *const empty_env[] = {NULL};
        char *const *env = p->env ? p->env : empty_env;
        const char *file, *path;
        bool denied = false;

        if (!p->args || !p->args[0] || !p->args[0][0])
                return casca_error_setx(err, EINVAL, "process.args: no program to run");
        if (p->cwd && chdir(p->cwd) < 0 && !(errno == EACCES && in_dir(p->cwd)))
                return casca_error_set(err, errno, "process.cwd: chdir `%s`", p->cwd);
        if (p->cwd) {
                int r = check_cwd_inside(p->cwd, err);
                if (r < 0)
                        return r;
        }
        file = p->args[0];
        if (strchr(file, '/')) {
                if (exec_candidate_ok(file) < 0)
                        return casca_error_set(err, errno, "exec \"%s\"", file);
                return set_path(ret_path, size, file, err);
        }
        path = env_path(env);
        for (const char *d = path;; d++) {
                const char *end = strchrnul(d, ':');
                char cand[PATH_MAX];
                int n;

                /* An empty element is the current directory, as in execvp. */
                n = end == d ? snprintf(cand, sizeof(cand), "%s", file)
                             : snprintf(cand, sizeof(cand), "%.*s/%s", (int)(end - d), d, file);
                if (n > 0 && (size_t)n < sizeof(cand)) {
                        if (exec_candidate_ok(cand) == 0)
                                return set_path(ret_path, size, cand, err);
                        switch (errno) {
                        case EACCES:
                                denied = true;
                                break;
                        case ENOENT:
                        case ENOTDIR:
                        case ESTALE:
                        case ENODEV:
                        case ETIMEDOUT:
                                break;
                        default:
                                return casca_error_set(err, errno, "exec \"%s\"", file);
                        }
                }
                if (!*end)
                        break;
                d = end;
        }
        return casca_error_set(err, denied ? EACCES : ENOENT, "exec \"%s\"", file);
}

int casca_process_exec(const struct casca_process *p, struct casca_error **err)
{
        static char *const empty_env[] = {NULL};
        char path[PATH_MAX];
        int r;

        r = casca_process_find_exec(p, path, sizeof(path), err);
        if (r < 0)
                return r;
        execve(path, p->args, p->env ? p->env : empty_env);
        return casca_error_set(err, errno, "exec \"%s\"", p->args[0]);
}
