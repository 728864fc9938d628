/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup.c - the manager front end: the mount point, path placement, and
 * the casca_cgroup_* calls dispatched to the backend. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sys/xattr.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup/backend.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "util/fs.h"
#include "util/parse.h"

#define DEFAULT_MOUNTPOINT "/sys/fs/cgroup"

static char *mountpoint_override;

const char *casca_cgroup_mountpoint(void)
{
        const char *env;

        if (mountpoint_override)
                return mountpoint_override;
        env = getenv("CASCA_CGROUP_ROOT");
        if (env && env[0] == '/')
                return env;
        return DEFAULT_MOUNTPOINT;
}

int casca_cgroup_set_mountpoint(const char *path, struct casca_error **err)
{
        char *copy = NULL;

        if (path) {
                if (path[0] != '/')
                        return casca_error_setx(
                                err, EINVAL, "cgroup mount point `%s`: not an absolute path", path);
                copy = strdup(path);
                if (!copy)
                        return casca_error_set(err, ENOMEM, "cgroup mount point");
        }
        free(mountpoint_override);
        mountpoint_override = copy;
        return 0;
}

bool casca_cgroup_v2_available(void)
{
        const char *mp = casca_cgroup_mountpoint();
        struct statfs sfs;
        struct stat st;
        char f[PATH_MAX];

        if (statfs(mp, &sfs) < 0)
                return false;
        if (sfs.f_type == CGROUP2_SUPER_MAGIC)
                return true;
        if (sfs.f_type == CGROUP_SUPER_MAGIC || strcmp(mp, DEFAULT_MOUNTPOINT) == 0)
                return false; /* v1, or a hybrid/v1 host's tmpfs */
        /* an overridden mount point: a test tree of plain files */
        if (casca_snprintf(f, sizeof(f), "%s/cgroup.controllers", mp) < 0)
                return false;
        return stat(f, &st) == 0 && S_ISREG(st.st_mode);
}

/* Append the components of `p` to the normalised path being built in
 * `out` ("" or "/a/b"); "." and empty components are dropped. */
static int append_components(char **out, const char *p, const char *what, struct casca_error **err)
{
        _cleanup_free_ char *copy = strdup(p);
        char *save = NULL;

        if (!copy)
                return casca_error_set(err, ENOMEM, "%s", what);
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                char *n;

                if (strcmp(c, ".") == 0)
                        continue;
                if (strcmp(c, "..") == 0)
                        return casca_error_setx(err, EINVAL, "%s `%s`: \"..\" is not allowed", what,
                                                p);
                if (asprintf(&n, "%s/%s", *out, c) < 0)
                        return casca_error_set(err, ENOMEM, "%s", what);
                free(*out);
                *out = n;
        }
        return 0;
}

/* The runtime's own cgroup: the "0::" line of /proc/self/cgroup. */
static int own_cgroup(char **ret, struct casca_error **err)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
        _cleanup_free_ char *line = NULL;
        size_t size = 0;

        if (!f)
                return casca_error_set(err, errno, "open `/proc/self/cgroup`");
        while (getline(&line, &size, f) > 0) {
                if (strncmp(line, "0::", 3) != 0)
                        continue;
                line[strcspn(line, "\n")] = '\0';
                *ret = strdup(line + 3);
                return *ret ? 0 : casca_error_set(err, ENOMEM, "/proc/self/cgroup");
        }
        return casca_error_setx(err, ENOENT, "/proc/self/cgroup: no cgroup v2 entry");
}

int casca_cgroup_resolve_path(const char *cgroups_path, const char *id, char **ret_path,
                              struct casca_error **err)
{
        _cleanup_free_ char *out = strdup(""), *own = NULL, *def = NULL;
        const char *p = cgroups_path;
        int r;

        if (!out)
                return casca_error_set(err, ENOMEM, "cgroup path");
        if (!p || !p[0]) {
                if (!id || !id[0] || strchr(id, '/') || strcmp(id, ".") == 0 ||
                    strcmp(id, "..") == 0)
                        return casca_error_setx(err, EINVAL, "cgroup: invalid container id \"%s\"",
                                                id ? id : "");
                if (asprintf(&def, "%scasca/%s", geteuid() == 0 ? "/" : "", id) < 0)
                        return casca_error_set(err, ENOMEM, "cgroup path");
                p = def;
        }
        if (p[0] != '/') {
                char *slash;

                r = own_cgroup(&own, err);
                if (r < 0)
                        return casca_error_prefix(err, "cgroup path `%s`", p);
                slash = strrchr(own, '/'); /* the parent of our own cgroup */
                if (slash)
                        *slash = '\0';
                r = append_components(&out, own, "cgroup path", err);
                if (r < 0)
                        return r;
        }
        r = append_components(&out, p, "linux.cgroupsPath", err);
        if (r < 0)
                return r;
        if (!out[0])
                return casca_error_setx(err, EINVAL,
                                        "linux.cgroupsPath `%s`: the root cgroup cannot be a "
                                        "container's cgroup",
                                        p);
        *ret_path = TAKE_PTR(out);
        return 0;
}

static int need_v2(struct casca_error **err)
{
        if (!casca_cgroup_v2_available())
                return casca_error_setx(err, EOPNOTSUPP,
                                        "cgroup: %s is not a cgroup v2 (unified) hierarchy; "
                                        "casca needs cgroup v2",
                                        casca_cgroup_mountpoint());
        return 0;
}

int casca_cgroup_create(const char *cgroups_path, const char *id, const struct casca_resources *res,
                        struct casca_cgroup **ret, struct casca_error **err)
{
        _cleanup_free_ char *path = NULL;
        int r;

        r = need_v2(err);
        if (r < 0)
                return r;
        r = casca_cgroup_resolve_path(cgroups_path, id, &path, err);
        if (r < 0)
                return r;
        return casca_cgroupfs_create(path, res, ret, err);
}

int casca_cgroup_open(const char *path, struct casca_cgroup **ret, struct casca_error **err)
{
        _cleanup_free_ char *norm = strdup("");
        int r;

        r = need_v2(err);
        if (r < 0)
                return r;
        if (!norm)
                return casca_error_set(err, ENOMEM, "cgroup");
        if (!path || path[0] != '/')
                return casca_error_setx(err, EINVAL, "cgroup `%s`: not an absolute path",
                                        path ? path : "");
        r = append_components(&norm, path, "cgroup", err);
        if (r < 0)
                return r;
        if (!norm[0])
                return casca_error_setx(err, EINVAL, "cgroup `/`: not a container's cgroup");
        return casca_cgroupfs_open(norm, ret, err);
}

const char *casca_cgroup_path(const struct casca_cgroup *cg)
{
        return cg ? cg->path : NULL;
}

int casca_cgroup_dirfd(const struct casca_cgroup *cg)
{
        return cg ? cg->dfd : -EBADF;
}

int casca_cgroup_enter(struct casca_cgroup *cg, pid_t pid, struct casca_error **err)
{
        return cg->ops->enter(cg, pid, err);
}

int casca_cgroup_apply(struct casca_cgroup *cg, const struct casca_resources *res,
                       struct casca_error **err)
{
        return cg->ops->apply(cg, res, err);
}

int casca_cgroup_controllers(struct casca_cgroup *cg, char **ret, struct casca_error **err)
{
        int r = casca_cgroupfs_read(cg->dfd, "cgroup.controllers", ret);

        if (r < 0)
                return casca_error_set(err, -r, "cgroup %s: read cgroup.controllers", cg->path);
        (*ret)[strcspn(*ret, "\n")] = '\0';
        return 0;
}

/* A control file's first line, or "" when it cannot be read. */
static void read_first_line(struct casca_cgroup *cg, const char *file, char *buf, size_t size)
{
        _cleanup_free_ char *text = NULL;

        buf[0] = '\0';
        if (casca_cgroupfs_read(cg->dfd, file, &text) < 0)
                return;
        casca_snprintf_trunc(buf, size, "%.*s", (int)strcspn(text, "\n"), text);
}

/* "max" -> -1, a number -> itself, anything else -> 0 (unset). */
static int64_t parse_limit(const char *s)
{
        const char *end;
        int64_t v;

        if (strncmp(s, "max", 3) == 0)
                return -1;
        return casca_parse_i64(s, &end, 0, INT64_MAX, &v) == 0 ? v : 0;
}

int casca_cgroup_update(struct casca_cgroup *cg, struct casca_resources *res,
                        struct casca_error **err)
{
        char buf[128];

        if (res->cpu.has_quota != res->cpu.has_period) {
                char *sp;

                read_first_line(cg, "cpu.max", buf, sizeof(buf));
                sp = strchr(buf, ' ');
                if (sp && !res->cpu.has_quota) {
                        res->cpu.quota = parse_limit(buf);
                        res->cpu.has_quota = res->cpu.quota != 0;
                } else if (sp && !res->cpu.has_period) {
                        res->cpu.period = (uint64_t)parse_limit(sp + 1);
                        res->cpu.has_period = res->cpu.period > 0;
                }
        }
        if (res->memory.has_swap && (!res->memory.has_limit || res->memory.limit == 0)) {
                read_first_line(cg, "memory.max", buf, sizeof(buf));
                res->memory.limit = parse_limit(buf);
                res->memory.has_limit = res->memory.limit != 0;
        }
        return casca_cgroup_apply(cg, res, err);
}

int casca_cgroup_set_devices(struct casca_cgroup *cg, const struct casca_device_rule *rules,
                             size_t n_rules, struct casca_error **err)
{
        return cg->ops->set_devices(cg, rules, n_rules, err);
}

int casca_cgroup_freeze(struct casca_cgroup *cg, bool frozen, struct casca_error **err)
{
        return cg->ops->freeze(cg, frozen, err);
}

int casca_cgroup_is_frozen(struct casca_cgroup *cg, struct casca_error **err)
{
        return cg->ops->is_frozen(cg, err);
}

int casca_cgroup_kill(struct casca_cgroup *cg, struct casca_error **err)
{
        return cg->ops->kill(cg, err);
}

int casca_cgroup_delegate(struct casca_cgroup *cg, uid_t uid, gid_t gid, struct casca_error **err)
{
        static const char fallback[] = "cgroup.procs\ncgroup.threads\ncgroup.subtree_control\n";
        _cleanup_free_ char *list = NULL;
        char *save = NULL;
        size_t len;

        /* the kernel's list (5.6 and later), else the files it always had */
        list = casca_fs_read_file("/sys/kernel/cgroup/delegate", &len, NULL);
        if (!list && !(list = strdup(fallback)))
                return casca_error_set(err, ENOMEM, "cgroup %s: delegate", cg->path);
        if (fchownat(cg->dfd, "", uid, gid, AT_EMPTY_PATH) < 0)
                return casca_error_set(err, errno, "cgroup %s: chown to %u:%u", cg->path,
                                       (unsigned)uid, (unsigned)gid);
        for (char *f = strtok_r(list, "\n", &save); f; f = strtok_r(NULL, "\n", &save)) {
                /* memory.oom.group and the like exist only with their controller */
                if (fchownat(cg->dfd, f, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
                        return casca_error_set(err, errno, "cgroup %s: chown `%s` to %u:%u",
                                               cg->path, f, (unsigned)uid, (unsigned)gid);
        }
        return 0;
}

#define OWNER_XATTR "trusted.casca.owner"

int casca_cgroup_set_owner(struct casca_cgroup *cg, const char *owner, struct casca_error **err)
{
        char fd_path[64];

        if (casca_snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", cg->dfd) < 0)
                return casca_error_setx(err, ENAMETOOLONG, "cgroup %s", cg->path);
        if (setxattr(fd_path, OWNER_XATTR, owner, strlen(owner), 0) < 0)
                return casca_error_set(err, errno, "cgroup %s: set %s", cg->path, OWNER_XATTR);
        return 0;
}

bool casca_cgroup_owned_by(struct casca_cgroup *cg, const char *owner)
{
        char fd_path[64], mark[4096];
        ssize_t n;

        if (casca_snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", cg->dfd) < 0)
                return false;
        n = getxattr(fd_path, OWNER_XATTR, mark, sizeof(mark));
        return n >= 0 && (size_t)n == strlen(owner) && memcmp(mark, owner, (size_t)n) == 0;
}

int casca_cgroup_pids(struct casca_cgroup *cg, pid_t **ret_pids, size_t *ret_n,
                      struct casca_error **err)
{
        return cg->ops->pids(cg, ret_pids, ret_n, err);
}

int casca_cgroup_stats(struct casca_cgroup *cg, struct casca_jgen *j, struct casca_error **err)
{
        return cg->ops->stats(cg, j, err);
}

int casca_cgroup_destroy(struct casca_cgroup *cg, struct casca_error **err)
{
        return cg->ops->destroy(cg, err);
}

void casca_cgroup_started(struct casca_cgroup *cg)
{
        if (cg && cg->ops->started)
                (void)cg->ops->started(cg);
}

void casca_cgroup_free(struct casca_cgroup *cg)
{
        if (cg)
                cg->ops->free(cg);
}
