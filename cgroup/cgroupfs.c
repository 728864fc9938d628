/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroupfs.c - the cgroup v2 backend working on the cgroup2 filesystem:
 * mkdir, control files written relative to an O_PATH fd of the cgroup,
 * cgroup.events polled for freeze and emptiness, rmdir. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/backend.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/format.h"
#include "util/parse.h"

/* Marks a parent cgroup casca created, so that a later `delete` (another
 * process, reopening the cgroup) removes it once empty but leaves alone
 * the parents it did not create. */
#define CREATED_XATTR "user.casca.created"
#define WAIT_MS 10000
#define MAX_REQUIRED 16

struct cgroupfs {
        struct casca_cgroup base;
        char *mountpoint;
        int mount_fd;     /* O_PATH of the mount point */
        size_t n_created; /* parents (above the leaf) this handle created */
};

static const struct casca_cgroup_ops cgroupfs_ops;

static struct cgroupfs *to_fs(struct casca_cgroup *cg)
{
        return (struct cgroupfs *)cg;
}

static void settings_clearp(struct casca_cgroup_settings *s)
{
        casca_cgroup_settings_clear(s);
}

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- control files ---------------------------------------------------- */

int casca_cgroupfs_read(int dfd, const char *file, char **ret)
{
        _cleanup_close_ int fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, size = 0;

        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n;

                if (size - len < 2048) {
                        char *p = realloc(buf, size ? size * 2 : 4096);

                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        size = size ? size * 2 : 4096;
                }
                n = read(fd, buf + len, size - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

int casca_cgroupfs_pread(int fd, char *buf, size_t size)
{
        ssize_t n;

        if (fd < 0)
                return -EBADF;
        do
                n = pread(fd, buf, size - 1, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return 0;
}

int casca_cgroupfs_keyed(const char *text, const char *key, uint64_t *ret)
{
        size_t klen = strlen(key);

        for (const char *l = text; l && *l;) {
                if (strncmp(l, key, klen) == 0 && l[klen] == ' ') {
                        const char *end;

                        return casca_parse_u64(l + klen + 1, &end, UINT64_MAX, ret) == 0 ? 0
                                                                                         : -EINVAL;
                }
                l = strchr(l, '\n');
                if (l)
                        l++;
        }
        return -ENOENT;
}

/* One write() of `value` to `file` below dfd; `where` names the cgroup. */
static int write_file(int dfd, const char *where, const char *file, const char *value,
                      struct casca_error **err)
{
        _cleanup_close_ int fd = openat(dfd, file, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
        size_t len = strlen(value);
        ssize_t n;

        if (fd < 0)
                return casca_error_set(err, errno, "cgroup %s: open %s", where, file);
        do
                n = write(fd, value, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return casca_error_set(err, errno, "cgroup %s: write %s \"%s\"", where, file,
                                       value);
        if ((size_t)n != len)
                return casca_error_setx(
                        err, EIO, "cgroup %s: write %s \"%s\": short write (%zd of %zu bytes)",
                        where, file, value, n, len);
        return 0;
}

/* Is `word` one of the space-separated words of `list`? */
static bool has_word(const char *list, const char *word)
{
        size_t len = strlen(word);

        for (const char *p = list; p && *p;) {
                p += strspn(p, " \n");
                if (strncmp(p, word, len) == 0 && (p[len] == ' ' || p[len] == '\n' || !p[len]))
                        return true;
                p += strcspn(p, " \n");
        }
        return false;
}

/* ---- controllers ------------------------------------------------------ */

struct required {
        const char *name[MAX_REQUIRED];
        const char *what[MAX_REQUIRED];
        size_t n;
};

static void required_from(struct required *req, const struct casca_cgroup_settings *set)
{
        req->n = 0;
        for (size_t i = 0; set && i < set->n; i++) {
                const char *c = casca_cgroup_file_controller(set->v[i].file);
                bool seen = false;

                for (size_t j = 0; c && j < req->n; j++)
                        seen = seen || req->name[j] == c;
                if (c && !seen && req->n < MAX_REQUIRED) {
                        req->name[req->n] = c;
                        req->what[req->n++] = set->v[i].what;
                }
        }
}

/* Enable in dfd's cgroup.subtree_control every controller listed in its
 * cgroup.controllers that is not enabled yet, one write each.  Failing to
 * enable one that a limit needs is an error; others are best effort. */
static int enable_controllers(int dfd, const char *leaf, const char *where,
                              const struct required *req, struct casca_error **err)
{
        _cleanup_free_ char *avail = NULL, *enabled = NULL;
        char *save = NULL;

        if (casca_cgroupfs_read(dfd, "cgroup.controllers", &avail) < 0)
                return 0; /* nothing to hand down */
        if (casca_cgroupfs_read(dfd, "cgroup.subtree_control", &enabled) < 0)
                enabled = NULL;
        for (char *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
                _cleanup_error_ struct casca_error *e = NULL;
                char buf[64];
                int r;

                if (has_word(enabled, c))
                        continue;
                r = casca_snprintf(buf, sizeof(buf), "+%s", c);
                if (r >= 0)
                        r = write_file(dfd, where, "cgroup.subtree_control", buf, &e);
                for (size_t i = 0; r < 0 && i < req->n; i++)
                        if (strcmp(req->name[i], c) == 0)
                                return casca_error_set(err, -r,
                                                       "cgroup %s: enable controller `%s` in %s "
                                                       "(needed by %s)",
                                                       leaf, c, where, req->what[i]);
        }
        return 0;
}

/* Every controller a setting needs must be in the cgroup's cgroup.controllers. */
static int check_controllers(struct casca_cgroup *cg, const struct required *req,
                             struct casca_error **err)
{
        _cleanup_free_ char *avail = NULL;

        if (req->n == 0)
                return 0;
        if (casca_cgroupfs_read(cg->dfd, "cgroup.controllers", &avail) < 0)
                avail = NULL;
        for (size_t i = 0; i < req->n; i++)
                if (!has_word(avail, req->name[i]))
                        return casca_error_setx(err, EOPNOTSUPP,
                                                "cgroup %s: controller `%s` is not available "
                                                "(needed by %s)",
                                                cg->path, req->name[i], req->what[i]);
        return 0;
}

static int apply_settings(struct casca_cgroup *cg, const struct casca_cgroup_settings *set,
                          struct casca_error **err)
{
        struct required req;
        int r;

        required_from(&req, set);
        r = check_controllers(cg, &req, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < set->n; i++) {
                _cleanup_error_ struct casca_error *e = NULL;

                r = write_file(cg->dfd, cg->path, set->v[i].file, set->v[i].value, &e);
                if (r == -ENOENT && set->v[i].optional)
                        continue;
                if (r < 0) {
                        if (err && !*err)
                                *err = TAKE_PTR(e);
                        return r;
                }
        }
        return 0;
}

static int cgroupfs_apply(struct casca_cgroup *cg, const struct casca_resources *res,
                          struct casca_error **err)
{
        _cleanup_(settings_clearp) struct casca_cgroup_settings set = {0};
        int r;

        r = casca_cgroup_map_resources(res, &set, err);
        if (r < 0)
                return r;
        return apply_settings(cg, &set, err);
}

/* ---- handles ---------------------------------------------------------- */

static int handle_new(const char *path, struct cgroupfs **ret, struct casca_error **err)
{
        const char *mp = casca_cgroup_mountpoint();
        struct cgroupfs *fs = calloc(1, sizeof(*fs));

        if (!fs)
                return casca_error_set(err, ENOMEM, "cgroup %s", path);
        fs->base.ops = &cgroupfs_ops;
        fs->base.dfd = -1;
        fs->mount_fd = -1;
        fs->base.path = strdup(path);
        fs->mountpoint = strdup(mp);
        if (!fs->base.path || !fs->mountpoint) {
                cgroupfs_ops.free(&fs->base);
                return casca_error_set(err, ENOMEM, "cgroup %s", path);
        }
        fs->mount_fd = open(mp, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fs->mount_fd < 0) {
                int r = casca_error_set(err, errno, "cgroup: open `%s`", mp);

                cgroupfs_ops.free(&fs->base);
                return r;
        }
        *ret = fs;
        return 0;
}

static void cgroupfs_free(struct casca_cgroup *cg)
{
        struct cgroupfs *fs = to_fs(cg);

        if (!cg)
                return;
        casca_closep(&cg->dfd);
        casca_closep(&fs->mount_fd);
        free(cg->path);
        free(fs->mountpoint);
        free(fs);
}

int casca_cgroupfs_open(const char *path, struct casca_cgroup **ret, struct casca_error **err)
{
        struct cgroupfs *fs = NULL;
        int r;

        r = handle_new(path, &fs, err);
        if (r < 0)
                return r;
        fs->base.dfd =
                openat(fs->mount_fd, path + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fs->base.dfd < 0) {
                r = casca_error_set(err, errno, "cgroup %s", path);
                cgroupfs_free(&fs->base);
                return r;
        }
        *ret = &fs->base;
        return 0;
}

/* The number of components of "/a/b/c" (3). */
static size_t depth(const char *path)
{
        size_t n = 0;

        for (const char *p = path; *p; p++)
                n += *p == '/';
        return n;
}

/* rmdir the parents created by this handle or marked by the xattr,
 * bottom-up, stopping at the first one that is not ours or not empty. */
static void remove_parents(struct cgroupfs *fs)
{
        _cleanup_free_ char *rel = strdup(fs->base.path + 1);
        size_t level = 0;

        while (rel) {
                char *slash = strrchr(rel, '/'), full[4096], mark[8];
                bool ours;

                if (!slash)
                        break;
                *slash = '\0';
                ours = level++ < fs->n_created ||
                       (casca_snprintf(full, sizeof(full), "%s/%s", fs->mountpoint, rel) >= 0 &&
                        lgetxattr(full, CREATED_XATTR, mark, sizeof(mark)) > 0);
                if (!ours || unlinkat(fs->mount_fd, rel, AT_REMOVEDIR) < 0)
                        break;
        }
        fs->n_created = 0;
}

/* Create the missing directories of fs->base.path, enabling controllers on
 * the way down, and open the leaf.  -EAGAIN when a parent vanished under
 * us (another casca removed an empty parent it had created): retry. */
static int make_path(struct cgroupfs *fs, const struct required *req, bool *ret_created_leaf,
                     struct casca_error **err)
{
        _cleanup_free_ char *rel = strdup(fs->base.path + 1);
        _cleanup_close_ int dfd = openat(fs->mount_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        size_t n = depth(fs->base.path), i = 0, cur = 0; /* fs->base.path[0..cur) is done */
        char *save = NULL;
        int r;

        if (!rel)
                return casca_error_set(err, ENOMEM, "cgroup %s", fs->base.path);
        if (dfd < 0)
                return casca_error_set(err, errno, "cgroup: open `%s`", fs->mountpoint);
        for (char *c = strtok_r(rel, "/", &save); c; c = strtok_r(NULL, "/", &save), i++) {
                char where[4096], full[4096];
                int child, mk;

                if (casca_snprintf(where, sizeof(where), "%.*s", (int)cur, fs->base.path) < 0)
                        return casca_error_setx(err, ENAMETOOLONG, "cgroup %s: path too long",
                                                fs->base.path);
                r = enable_controllers(dfd, fs->base.path, cur ? where : "/", req, err);
                if (r < 0)
                        return r;
                cur += 1 + strlen(c);
                child = openat(dfd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (child < 0 && errno == ENOENT) {
                        struct stat st;

                        if (geteuid() != 0 && fstat(dfd, &st) == 0 && st.st_uid != geteuid())
                                return casca_error_setx(
                                        err, EPERM, "cgroup %s: %s is not delegated to uid %u",
                                        fs->base.path, where[0] ? where : "/", (unsigned)geteuid());
                        mk = mkdirat(dfd, c, 0755) < 0 ? errno : 0;
                        if (mk == ENOENT)
                                return -EAGAIN;
                        if (mk && mk != EEXIST)
                                return casca_error_set(err, mk, "cgroup %s: mkdir %.*s",
                                                       fs->base.path, (int)cur, fs->base.path);
                        if (!mk && i + 1 == n) {
                                *ret_created_leaf = true;
                        } else if (!mk) {
                                fs->n_created++;
                                /* best effort: needs user xattrs on cgroupfs (5.7) */
                                if (casca_snprintf(full, sizeof(full), "%s%.*s", fs->mountpoint,
                                                   (int)cur, fs->base.path) >= 0)
                                        (void)lsetxattr(full, CREATED_XATTR, "1", 1, 0);
                        }
                        child = openat(dfd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (child < 0 && errno == ENOENT)
                        return -EAGAIN;
                if (child < 0)
                        return casca_error_set(err, errno, "cgroup %s: open %.*s", fs->base.path,
                                               (int)cur, fs->base.path);
                close(dfd);
                dfd = child;
        }
        fs->base.dfd = TAKE_FD(dfd);
        return 0;
}

static void undo_create(struct cgroupfs *fs, bool created_leaf)
{
        casca_closep(&fs->base.dfd);
        if (created_leaf)
                (void)unlinkat(fs->mount_fd, fs->base.path + 1, AT_REMOVEDIR);
        remove_parents(fs);
}

int casca_cgroupfs_create(const char *path, const struct casca_resources *res,
                          struct casca_cgroup **ret, struct casca_error **err)
{
        _cleanup_(settings_clearp) struct casca_cgroup_settings set = {0};
        struct cgroupfs *fs = NULL;
        bool created_leaf = false;
        struct required req;
        int r;

        /* validate everything before touching the hierarchy */
        r = casca_cgroup_map_resources(res, &set, err);
        if (r < 0)
                return r;
        required_from(&req, &set);
        r = handle_new(path, &fs, err);
        if (r < 0)
                return r;
        for (int attempt = 0; attempt < 5; attempt++) {
                created_leaf = false;
                r = make_path(fs, &req, &created_leaf, err);
                if (r != -EAGAIN)
                        break;
                undo_create(fs, created_leaf);
        }
        if (r == -EAGAIN)
                r = casca_error_setx(err, EAGAIN, "cgroup %s: its parents keep disappearing", path);
        if (r >= 0)
                r = apply_settings(&fs->base, &set, err);
        if (r < 0) {
                undo_create(fs, created_leaf);
                cgroupfs_free(&fs->base);
                return r;
        }
        *ret = &fs->base;
        return 0;
}

/* ---- processes -------------------------------------------------------- */

static int cgroupfs_enter(struct casca_cgroup *cg, pid_t pid, struct casca_error **err)
{
        char buf[32];
        int r = casca_snprintf(buf, sizeof(buf), "%d", (int)pid);

        if (r < 0)
                return casca_error_set(err, -r, "cgroup %s: pid %d", cg->path, (int)pid);
        return write_file(cg->dfd, cg->path, "cgroup.procs", buf, err);
}

struct pid_list {
        pid_t *v;
        size_t n, size;
};

/* Append the pids of dfd's cgroup.procs and of its descendants'. */
static int collect_pids(int dfd, struct pid_list *l)
{
        _cleanup_free_ char *procs = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        r = casca_cgroupfs_read(dfd, "cgroup.procs", &procs);
        if (r < 0)
                return r;
        for (const char *p = procs, *end; *p; p = end) {
                int v;

                p += strspn(p, " \t\n");
                if (casca_parse_int(p, &end, 0, INT_MAX, &v) < 0)
                        break;
                if (l->n == l->size) {
                        pid_t *n = realloc(l->v, (l->size ? l->size * 2 : 64) * sizeof(*n));

                        if (!n)
                                return -ENOMEM;
                        l->v = n;
                        l->size = l->size ? l->size * 2 : 64;
                }
                l->v[l->n++] = (pid_t)v;
        }
        d = casca_fs_opendir_at(dfd, ".");
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_close_ int child = -1;

                if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
                    strcmp(de->d_name, "..") == 0)
                        continue;
                child = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (child < 0)
                        continue; /* removed meanwhile */
                r = collect_pids(child, l);
                if (r < 0 && r != -ENOENT && r != -ENODEV)
                        return r;
        }
        return 0;
}

static int cmp_pid(const void *a, const void *b)
{
        pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

        return (x > y) - (x < y);
}

static int cgroupfs_pids(struct casca_cgroup *cg, pid_t **ret_pids, size_t *ret_n,
                         struct casca_error **err)
{
        struct pid_list l = {0};
        int r;

        r = collect_pids(cg->dfd, &l);
        if (r < 0) {
                free(l.v);
                return casca_error_set(err, -r, "cgroup %s: read cgroup.procs", cg->path);
        }
        if (l.n > 1)
                qsort(l.v, l.n, sizeof(*l.v), cmp_pid);
        *ret_pids = l.v;
        *ret_n = l.n;
        return 0;
}

/* Wait until cgroup.events says "<key> <want>". */
static int wait_event(struct casca_cgroup *cg, const char *key, uint64_t want, int timeout_ms,
                      struct casca_error **err)
{
        _cleanup_close_ int fd = openat(cg->dfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
        int64_t deadline = now_ms() + timeout_ms;

        if (fd < 0)
                return casca_error_set(err, errno, "cgroup %s: open cgroup.events", cg->path);
        for (;;) {
                struct pollfd pfd = {.fd = fd, .events = POLLPRI};
                char buf[512];
                uint64_t v = 0;
                int64_t left;
                int r = casca_cgroupfs_pread(fd, buf, sizeof(buf));

                if (r < 0)
                        return casca_error_set(err, -r, "cgroup %s: read cgroup.events", cg->path);
                if (casca_cgroupfs_keyed(buf, key, &v) == 0 && v == want)
                        return 0;
                left = deadline - now_ms();
                if (left <= 0)
                        return casca_error_setx(err, ETIMEDOUT,
                                                "cgroup %s: cgroup.events did not reach "
                                                "\"%s %" PRIu64 "\" within %d ms",
                                                cg->path, key, want, timeout_ms);
                /* notifications wake us; the 100 ms cap guards against a missed one */
                (void)poll(&pfd, 1, left < 100 ? (int)left : 100);
        }
}

static int cgroupfs_freeze(struct casca_cgroup *cg, bool frozen, struct casca_error **err)
{
        int r;

        r = write_file(cg->dfd, cg->path, "cgroup.freeze", frozen ? "1" : "0", err);
        if (r < 0)
                return r;
        return wait_event(cg, "frozen", frozen ? 1 : 0, WAIT_MS, err);
}

static int cgroupfs_is_frozen(struct casca_cgroup *cg, struct casca_error **err)
{
        _cleanup_free_ char *events = NULL;
        uint64_t v = 0;
        int r;

        r = casca_cgroupfs_read(cg->dfd, "cgroup.events", &events);
        if (r < 0)
                return casca_error_set(err, -r, "cgroup %s: read cgroup.events", cg->path);
        if (casca_cgroupfs_keyed(events, "frozen", &v) < 0)
                return 0; /* no freezer (kernel < 5.2): never frozen */
        return v ? 1 : 0;
}

int casca_cgroupfs_kill_by_pids(struct casca_cgroup *cg, struct casca_error **err)
{
        _cleanup_error_ struct casca_error *ignored = NULL;
        bool frozen = cgroupfs_freeze(cg, true, &ignored) >= 0;
        int r = 0;

        for (int round = 0; round < 50; round++) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0;

                r = cgroupfs_pids(cg, &pids, &n, err);
                if (r < 0 || n == 0)
                        break;
                for (size_t i = 0; i < n; i++)
                        if (kill(pids[i], SIGKILL) < 0 && errno != ESRCH) {
                                r = casca_error_set(err, errno, "cgroup %s: kill %d", cg->path,
                                                    (int)pids[i]);
                                break;
                        }
                if (r < 0)
                        break;
                usleep(10000);
        }
        if (frozen) {
                casca_error_free(TAKE_PTR(ignored));
                (void)cgroupfs_freeze(cg, false, &ignored);
        }
        return r;
}

static int cgroupfs_kill(struct casca_cgroup *cg, struct casca_error **err)
{
        _cleanup_close_ int fd = openat(cg->dfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);

        if (fd < 0 && errno == ENOENT)
                return casca_cgroupfs_kill_by_pids(cg, err); /* kernel < 5.14 */
        if (fd < 0)
                return casca_error_set(err, errno, "cgroup %s: open cgroup.kill", cg->path);
        if (write(fd, "1", 1) != 1)
                return casca_error_set(err, errno, "cgroup %s: write cgroup.kill \"1\"", cg->path);
        return 0;
}

/* ---- devices ---------------------------------------------------------- */

static int cgroupfs_set_devices(struct casca_cgroup *cg, const struct casca_device_rule *rules,
                                size_t n_rules, struct casca_error **err)
{
        /* BPF_PROG_ATTACH needs a real (not O_PATH) fd of the directory */
        _cleanup_close_ int fd = openat(cg->dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r;

        if (fd < 0)
                return casca_error_set(err, errno, "cgroup %s: open", cg->path);
        r = casca_cgroup_devices_attach(fd, rules, n_rules, err);
        if (r < 0)
                return casca_error_prefix(err, "cgroup %s", cg->path);
        return 0;
}

/* ---- removal ---------------------------------------------------------- */

/* rmdir pfd/name after its descendants, depth first. */
static int rmdir_tree(int pfd, const char *name, const char *where, struct casca_error **err)
{
        _cleanup_closedir_ DIR *d = casca_fs_opendir_at(pfd, name);
        struct dirent *de;

        if (!d)
                return errno == ENOENT ? 0 : casca_error_set(err, errno, "cgroup %s", where);
        while ((de = readdir(d))) {
                int r;

                if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
                    strcmp(de->d_name, "..") == 0)
                        continue;
                r = rmdir_tree(dirfd(d), de->d_name, where, err);
                if (r < 0)
                        return r;
        }
        /* right after the last task left, rmdir can still see it: retry EBUSY */
        for (int i = 0; i < 100; i++) {
                if (unlinkat(pfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY)
                        break;
                usleep(10000);
        }
        return casca_error_set(err, errno, "cgroup %s: rmdir %s", where, name);
}

static int cgroupfs_destroy(struct casca_cgroup *cg, struct casca_error **err)
{
        struct cgroupfs *fs = to_fs(cg);
        _cleanup_free_ char *parent = strdup(cg->path + 1);
        _cleanup_close_ int pfd = -1;
        const char *name;
        char *slash;
        struct stat st;
        int r;

        if (!parent)
                return casca_error_set(err, ENOMEM, "cgroup %s", cg->path);
        slash = strrchr(parent, '/');
        if (slash) {
                *slash = '\0';
                name = slash + 1;
                pfd = openat(fs->mount_fd, parent, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        } else {
                name = parent;
                pfd = openat(fs->mount_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        }
        if (pfd < 0 && errno == ENOENT)
                return 0; /* already gone, parents too */
        if (pfd < 0)
                return casca_error_set(err, errno, "cgroup %s: open parent", cg->path);
        if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                r = cgroupfs_kill(cg, err);
                if (r >= 0)
                        r = wait_event(cg, "populated", 0, WAIT_MS, err);
                if (r >= 0)
                        r = rmdir_tree(pfd, name, cg->path, err);
                if (r < 0)
                        return casca_error_prefix(err, "destroy");
        } else if (errno != ENOENT) {
                return casca_error_set(err, errno, "cgroup %s", cg->path);
        }
        remove_parents(fs);
        return 0;
}

static const struct casca_cgroup_ops cgroupfs_ops = {
        .name = "cgroupfs",
        .enter = cgroupfs_enter,
        .apply = cgroupfs_apply,
        .set_devices = cgroupfs_set_devices,
        .freeze = cgroupfs_freeze,
        .is_frozen = cgroupfs_is_frozen,
        .kill = cgroupfs_kill,
        .pids = cgroupfs_pids,
        .stats = casca_cgroupfs_stats,
        .destroy = cgroupfs_destroy,
        .free = cgroupfs_free,
};
