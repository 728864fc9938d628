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
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "casca.h"
#include "runtime/config.h"
#include "runtime/process.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/format.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void format_limit(char *buf, size_t size, uint64_t v)
{
        /* buf holds any (char[24]) */
        if (v == (uint64_t)RLIM_INFINITY)
                casca_snprintf_trunc(buf, size, "unlimited");
        else
                casca_snprintf_trunc(buf, size, "%llu", (unsigned long long)v);
}

/* ---- scheduling, I/O priority, CPUs and memory --------------------------- */

/* sched_setattr(2)'s argument, SCHED_ATTR_SIZE_VER0 (glibc has no wrapper). */
struct sched_attr_v0 {
        uint32_t size, policy;
        uint64_t flags;
        int32_t nice;
        uint32_t priority;
        uint64_t runtime, deadline, period;
};

static int apply_scheduler(const struct casca_process *p, struct casca_error **err)
{
        const struct casca_scheduler *s = &p->scheduler;
        struct sched_attr_v0 attr = {
                .size = sizeof(attr),
                .policy = (uint32_t)s->policy,
                .flags = s->flags,
                .nice = s->nice,
                .priority = (uint32_t)s->priority,
                .runtime = s->runtime,
                .deadline = s->deadline,
                .period = s->period,
        };

        if (!p->has_scheduler)
                return 0;
        if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
                return casca_error_set(err, errno, "process.scheduler: sched_setattr");
        return 0;
}

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

static int apply_io_priority(const struct casca_process *p, struct casca_error **err)
{
        int prio = (p->io_priority.klass << IOPRIO_CLASS_SHIFT) | p->io_priority.priority;

        if (!p->has_io_priority)
                return 0;
        if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, prio) < 0)
                return casca_error_set(err, errno, "process.ioPriority: ioprio_set");
        return 0;
}

static int apply_affinity(const struct casca_id_set *set, const char *what,
                          struct casca_error **err)
{
        cpu_set_t cpus;

        CPU_ZERO(&cpus);
        for (unsigned i = 0; i <= set->highest && i < CPU_SETSIZE; i++)
                if (set->bits[i / (8 * sizeof(unsigned long))] &
                    (1UL << (i % (8 * sizeof(unsigned long)))))
                        CPU_SET(i, &cpus);
        if (sched_setaffinity(0, sizeof(cpus), &cpus) < 0)
                return casca_error_set(err, errno, "process.execCPUAffinity.%s: sched_setaffinity",
                                       what);
        return 0;
}

static int apply_memory_policy(const struct casca_linux *l, struct casca_error **err)
{
        const struct casca_id_set *n = &l->memory_policy_nodes;

        if (!l->has_memory_policy)
                return 0;
        /* maxnode counts one more than the highest node the mask holds */
        if (syscall(SYS_set_mempolicy, l->memory_policy, n->empty ? NULL : n->bits,
                    n->empty ? 0UL : (unsigned long)n->highest + 2) < 0)
                return casca_error_set(err, errno, "linux.memoryPolicy: set_mempolicy");
        return 0;
}

/* ---- AppArmor and SELinux ---------------------------------------------------- */

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#define SELINUX_MAGIC 0xf97cff8c

/* What runc asks: the module says it is enabled. */
static bool apparmor_enabled(void)
{
        char c = 0;
        _cleanup_close_ int fd =
                open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);

        return fd >= 0 && read(fd, &c, 1) == 1 && c == 'Y';
}

static bool selinux_enabled(void)
{
        struct statfs sfs;

        return statfs("/sys/fs/selinux", &sfs) == 0 && (uint32_t)sfs.f_type == SELINUX_MAGIC;
}

int casca_process_check_lsm(const struct casca_config *cfg, const char *apparmor_what,
                            const char *selinux_what, struct casca_error **err)
{
        const struct casca_process *p = &cfg->process;

        if (p->apparmor_profile && p->apparmor_profile[0] && !apparmor_enabled())
                return casca_error_setx(err, EOPNOTSUPP,
                                        "%s \"%s\": AppArmor is not enabled on this host",
                                        apparmor_what ? apparmor_what : "process.apparmorProfile",
                                        p->apparmor_profile);
        if (p->selinux_label && p->selinux_label[0] && !selinux_enabled())
                return casca_error_setx(
                        err, EOPNOTSUPP, "%s \"%s\": SELinux is not enabled on this host",
                        selinux_what ? selinux_what : "process.selinuxLabel", p->selinux_label);
        if (cfg->has_linux && cfg->linux_cfg.mount_label && cfg->linux_cfg.mount_label[0] &&
            !selinux_enabled())
                return casca_error_setx(err, EOPNOTSUPP,
                                        "linux.mountLabel \"%s\": SELinux is not enabled on this "
                                        "host",
                                        cfg->linux_cfg.mount_label);
        return 0;
}

/* Write value to /proc/self/attr/<name>, which takes effect at execve: only
 * into a real procfs (a fake /proc in the rootfs would swallow the label,
 * the CVE-2019-19921 class). */
static int write_proc_attr(const char *name, const char *fallback, const char *value,
                           const char *field, struct casca_error **err)
{
        _cleanup_close_ int fd = -1;
        char path[64];
        struct statfs sfs;

        /* name and fallback are casca's: "apparmor/exec", "exec" */
        casca_snprintf_trunc(path, sizeof(path), "/proc/self/attr/%s", name);
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno == ENOENT && fallback) {
                casca_snprintf_trunc(path, sizeof(path), "/proc/self/attr/%s", fallback);
                fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        }
        if (fd < 0)
                return casca_error_set(err, errno, "%s: open `%s` (is /proc mounted?)", field,
                                       path);
        if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
                return casca_error_setx(err, EPERM, "%s: `%s` is not on procfs", field, path);
        return casca_fs_write_fd(fd, path, value, strlen(value), err) < 0
                       ? casca_error_prefix(err, "%s", field)
                       : 0;
}

static int apply_lsm(const struct casca_process *p, struct casca_error **err)
{
        int r;

        if (p->apparmor_profile && p->apparmor_profile[0]) {
                _cleanup_free_ char *cmd = NULL;

                if (asprintf(&cmd, "exec %s", p->apparmor_profile) < 0)
                        return casca_error_set(err, ENOMEM, "process.apparmorProfile");
                r = write_proc_attr("apparmor/exec", "exec", cmd, "process.apparmorProfile", err);
                if (r < 0)
                        return r;
        }
        if (p->selinux_label && p->selinux_label[0]) {
                r = write_proc_attr("exec", NULL, p->selinux_label, "process.selinuxLabel", err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int casca_process_setup(const struct casca_config *cfg, struct casca_error **err)
{
        const struct casca_process *p = &cfg->process;
        int r;

        if (cfg->has_process && p->has_affinity_initial) {
                r = apply_affinity(&p->affinity_initial, "initial", err);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; cfg->has_process && i < p->n_rlimits; i++) {
                const struct casca_rlimit *l = &p->rlimits[i];
                struct rlimit rl = {.rlim_cur = l->soft, .rlim_max = l->hard};
                char soft[32], hard[32];

                if (setrlimit((__rlimit_resource_t)l->resource, &rl) == 0)
                        continue;
                format_limit(soft, sizeof(soft), l->soft);
                format_limit(hard, sizeof(hard), l->hard);
                return casca_error_set(err, errno, "process.rlimits[%zu] %s: soft %s, hard %s", i,
                                       casca_rlimit_name(l->resource), soft, hard);
        }
        if (cfg->has_linux && cfg->linux_cfg.has_personality &&
            personality(cfg->linux_cfg.personality) < 0)
                return casca_error_set(err, errno, "linux.personality %#lx",
                                       cfg->linux_cfg.personality);
        if ((r = apply_memory_policy(&cfg->linux_cfg, err)) < 0)
                return r;
        if (!cfg->has_process)
                return 0;
        if ((r = apply_scheduler(p, err)) < 0 || (r = apply_io_priority(p, err)) < 0 ||
            (r = apply_lsm(p, err)) < 0)
                return r;
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
                r = casca_snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
        else
                r = casca_snprintf(path, sizeof(path), "/proc/self/oom_score_adj");
        n = casca_snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
        if (r < 0 || n < 0)
                return casca_error_setx(err, EINVAL, "process.oomScoreAdj %d", p->oom_score_adj);
        r = casca_fs_write_file(path, buf, (size_t)n, err);
        if (r < 0)
                return casca_error_prefix(err, "process.oomScoreAdj %d", p->oom_score_adj);
        return 0;
}

/* ---- user and capabilities ---------------------------------------------- */

static int cap_error(struct casca_error **err, int e, const char *what, int cap)
{
        const char *name = casca_capability_name(cap);

        return casca_error_set(err, e, "%s %s", what, name ? name : "?");
}

/* Drop every capability but keep from the bounding set.  The kernel takes
 * a drop of one the set lacks as done, so there is no read first: each
 * prctl counts (tens of them per process); only a refused drop (EPERM:
 * without CAP_SETPCAP) asks whether the capability is there at all. */
static int drop_bounding(uint64_t keep, int last, struct casca_error **err)
{
        for (int c = 0; c <= last; c++) {
                int e;

                if (keep & (1ULL << c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) == 0)
                        continue;
                e = errno;
                if (e == EINVAL ||
                    (e == EPERM && prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) == 0))
                        continue; /* unknown to the kernel, or not there */
                return cap_error(err, e, "process.capabilities.bounding: drop", c);
        }
        return 0;
}

/* The effective, permitted and inheritable sets in one capset; the ambient
 * set cleared in one prctl and raised capability by capability. */
static int set_caps(const struct casca_capabilities *caps, int last, struct casca_error **err)
{
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct d[2];
        uint64_t known = last >= 63 ? UINT64_MAX : (1ULL << (last + 1)) - 1;
        uint64_t ambient = caps->ambient & ~casca_process_ambient_unraisable(caps) & known;

        for (int w = 0; w < 2; w++)
                d[w] = (struct __user_cap_data_struct){
                        .effective = (uint32_t)((caps->effective & known) >> (32 * w)),
                        .permitted = (uint32_t)((caps->permitted & known) >> (32 * w)),
                        .inheritable = (uint32_t)((caps->inheritable & known) >> (32 * w)),
                };
        if (syscall(SYS_capset, &h, d) < 0)
                return casca_error_set(err, errno, "process.capabilities: capset");
        /* An ambient capability can only be raised when it is permitted and
         * inheritable; like runc, the others are skipped (the runtime said
         * which under --debug, casca_process_ambient_unraisable()). */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && caps->ambient)
                return casca_error_set(err, errno, "process.capabilities.ambient: reset");
        for (int v = 0; v <= last; v++)
                if ((ambient & (1ULL << v)) &&
                    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)v, 0, 0) < 0)
                        return cap_error(err, errno, "process.capabilities.ambient: raise", v);
        return 0;
}

uint64_t casca_process_ambient_unraisable(const struct casca_capabilities *caps)
{
        return caps->ambient & ~(caps->permitted & caps->inheritable);
}

/* "CAP_KILL CAP_NET_BIND_SERVICE" (malloc'd; NULL on ENOMEM). */
static char *cap_names(uint64_t caps)
{
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        bool first = true;

        if (!f)
                return NULL;
        for (int c = 0; c < 64; c++) {
                const char *name = casca_capability_name(c);

                if (!(caps & (1ULL << c)))
                        continue;
                fprintf(f, "%s%s", first ? "" : " ", name ? name : "?");
                first = false;
        }
        if (fclose(f) != 0) {
                free(out);
                return NULL;
        }
        return out;
}

void casca_process_log_ambient(const struct casca_context *ctx, const char *id,
                               const struct casca_process *p)
{
        uint64_t skipped = p->has_capabilities ? casca_process_ambient_unraisable(&p->caps) : 0;
        _cleanup_free_ char *names = NULL;

        if (!skipped)
                return;
        names = cap_names(skipped);
        casca_log(ctx, CASCA_LOG_DEBUG,
                  "container %s: process.capabilities.ambient: not raised (not both permitted "
                  "and inheritable): %s",
                  id, names ? names : "?");
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
                n = end == d ? casca_snprintf(cand, sizeof(cand), "%s", file)
                             : casca_snprintf(cand, sizeof(cand), "%.*s/%s", (int)(end - d), d,
                                              file);
                if (n > 0) { /* a candidate too long for a path is none */
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

int casca_process_set_final_affinity(const struct casca_process *p, struct casca_error **err)
{
        return p->has_affinity_final ? apply_affinity(&p->affinity_final, "final", err) : 0;
}

int casca_process_exec(const struct casca_process *p, struct casca_error **err)
{
        static char *const empty_env[] = {NULL};
        char path[PATH_MAX];
        int r;

        r = casca_process_set_final_affinity(p, err);
        if (r < 0)
                return r;

        r = casca_process_find_exec(p, path, sizeof(path), err);
        if (r < 0)
                return r;
        execve(path, p->args, p->env ? p->env : empty_env);
        return casca_error_set(err, errno, "exec \"%s\"", p->args[0]);
}
