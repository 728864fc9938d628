/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fs.c - safe openat helpers: resolution inside a root, whole-file I/O. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "casca.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "util/fs.h"
#include "util/parse.h"

#define MAX_SYMLINKS 40
#define MAX_WALK_PATH (4 * PATH_MAX)
#define PROC_ROOT_INO 1

/* 1: openat2 works, 0: unknown yet, -1: the kernel lacks it. */
static int have_openat2;

/* ---- the userspace resolver --------------------------------------------- */

enum {
        WALK_MKDIR = 1 << 0,        /* create missing directories on the way */
        WALK_ALL_DIRS = 1 << 1,     /* the last component is a directory too */
        WALK_NOFOLLOW_LAST = 1 << 2 /* do not follow a symlink in the last position */
};

/* The directories from the root down to where we are; the root itself is not
 * on the stack and not owned. */
struct walk {
        int root_fd;
        int *fds;
        size_t depth, cap;
};

static void walk_done(struct walk *w)
{
        int saved = errno;

        for (size_t i = 0; i < w->depth; i++)
                close(w->fds[i]);
        free(w->fds);
        w->fds = NULL;
        w->depth = w->cap = 0;
        errno = saved;
}

static int walk_cur(const struct walk *w)
{
        return w->depth ? w->fds[w->depth - 1] : w->root_fd;
}

static int walk_push(struct walk *w, int fd)
{
        if (w->depth == w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 16;
                int *n = realloc(w->fds, cap * sizeof(*n));

                if (!n) {
                        close(fd);
                        return -ENOMEM;
                }
                w->fds = n;
                w->cap = cap;
        }
        w->fds[w->depth++] = fd;
        return 0;
}

static void walk_pop(struct walk *w)
{
        if (w->depth)
                close(w->fds[--w->depth]);
}

static void walk_reset(struct walk *w)
{
        while (w->depth)
                walk_pop(w);
}

/* An O_PATH fd of the current directory that the caller owns. */
static int walk_take_cur(struct walk *w)
{
        int fd;

        if (w->depth)
                return w->fds[--w->depth];
        fd = fcntl(w->root_fd, F_DUPFD_CLOEXEC, 3);
        return fd < 0 ? -errno : fd;
}

/* Symlinks below /proc/<pid>/ are the kernel's magic links (fd/N, exe, cwd,
 * root, ns/...): refuse them like RESOLVE_NO_MAGICLINKS.  The plain ones in
 * /proc itself (self, thread-self, mounts, net) resolve as usual. */
static int check_magic(int dirfd)
{
        struct statfs sfs;
        struct stat st;

        if (fstatfs(dirfd, &sfs) < 0)
                return -errno;
        if (sfs.f_type != PROC_SUPER_MAGIC)
                return 0;
        if (fstat(dirfd, &st) < 0)
                return -errno;
        return st.st_ino == PROC_ROOT_INO ? 0 : -ELOOP;
}

/* -errno of the call that just failed; never 0, which would read as
 * success to a caller whose outputs were not written */
static int neg_errno(void)
{
        int e = errno, r = e > 0 ? -e : -EIO;

#ifdef __clang_analyzer__
        if (r >= 0) /* its solver does not derive -e < 0 from e > 0 */
                __builtin_unreachable();
#endif
        return r;
}

static int read_link_at(int dirfd, const char *name, char **ret)
{
        char *t = malloc(PATH_MAX);
        ssize_t n;

        if (!t)
                return -ENOMEM;
        n = readlinkat(dirfd, name, t, PATH_MAX);
        if (n < 0 || n >= PATH_MAX) {
                int r = n < 0 ? neg_errno() : -ENAMETOOLONG;

                free(t);
                return r;
        }
        t[n] = '\0';
        *ret = t;
        return 0;
}

/* Replace the walked-so-far part: *buf becomes target + "/" + rest. */
static int splice_link(struct walk *w, char **buf, const char *target, const char *rest,
                       unsigned *n_links)
{
        char *n = NULL;

        if (++*n_links > MAX_SYMLINKS)
                return -ELOOP;
        if (strlen(target) + strlen(rest) + 2 > MAX_WALK_PATH)
                return -ENAMETOOLONG;
        if (asprintf(&n, "%s/%s", target, rest) < 0)
                return -ENOMEM;
        if (target[0] == '/')
                walk_reset(w);
        free(*buf);
        *buf = n;
        return 0;
}

/* The symlink `name` in the current directory (or, with name "", the O_PATH
 * fd link_fd of it): refuse magic links, read it and splice it in. */
static int follow_link(struct walk *w, int link_fd, const char *name, char **buf, const char *rest,
                       unsigned *n_links)
{
        _cleanup_free_ char *target = NULL;
        int r;

        r = check_magic(walk_cur(w));
        if (r >= 0)
                r = read_link_at(link_fd, name, &target);
        if (r >= 0)
                r = splice_link(w, buf, target, rest, n_links);
        return r;
}

/* The walk ends: hand over the current directory and the last name. */
static int walk_finish(struct walk *w, const char *name, int *ret_dir, char **ret_name)
{
        int fd;

        *ret_name = strdup(name);
        if (!*ret_name)
                return -ENOMEM;
        fd = walk_take_cur(w);
        if (fd < 0) {
                free(*ret_name);
                *ret_name = NULL;
                return fd;
        }
        *ret_dir = fd;
        return 0;
}

/* Walk `path` inside w->root_fd.  On success: *ret_dir is an owned O_PATH fd
 * of the directory holding the last component, *ret_name that component
 * ("." when the path ends on a directory already walked into). */
static int walk_path(int root_fd, const char *path, unsigned flags, mode_t dir_mode, int *ret_dir,
                     char **ret_name)
{
        struct walk w = {.root_fd = root_fd};
        _cleanup_free_ char *buf = NULL;
        unsigned n_links = 0;
        size_t pos = 0;
        int r;

        if (strlen(path) >= MAX_WALK_PATH)
                return -ENAMETOOLONG;
        buf = strdup(path);
        if (!buf)
                return -ENOMEM;

        for (;;) {
                char *comp, *rest;
                bool last;
                int fd;
                struct stat st;

                while (buf[pos] == '/')
                        pos++;
                comp = buf + pos;
                rest = strchrnul(comp, '/');
                pos = (size_t)(rest - buf);
                if (*rest) {
                        *rest++ = '\0';
                        pos++;
                        while (*rest == '/')
                                rest++, pos++;
                }
                last = *rest == '\0';

                if (*comp == '\0' || strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
                        if (strcmp(comp, "..") == 0)
                                walk_pop(&w);
                        if (!last)
                                continue;
                        r = walk_finish(&w, ".", ret_dir, ret_name);
                        goto out;
                }

                if (last && !(flags & WALK_ALL_DIRS)) {
                        if (!(flags & WALK_NOFOLLOW_LAST) &&
                            fstatat(walk_cur(&w), comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                            S_ISLNK(st.st_mode)) {
                                r = follow_link(&w, walk_cur(&w), comp, &buf, rest, &n_links);
                                if (r < 0)
                                        goto out;
                                pos = 0;
                                continue;
                        }
                        r = walk_finish(&w, comp, ret_dir, ret_name);
                        goto out;
                }

                fd = openat(walk_cur(&w), comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT && (flags & WALK_MKDIR)) {
                        if (mkdirat(walk_cur(&w), comp, dir_mode) < 0 && errno != EEXIST) {
                                r = neg_errno();
                                goto out;
                        }
                        fd = openat(walk_cur(&w), comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                }
                if (fd < 0) {
                        r = neg_errno();
                        goto out;
                }
                if (fstat(fd, &st) < 0) {
                        r = neg_errno();
                        close(fd);
                        goto out;
                }
                if (S_ISLNK(st.st_mode)) {
                        r = follow_link(&w, fd, "", &buf, rest, &n_links);
                        close(fd);
                        if (r < 0)
                                goto out;
                        pos = 0;
                        continue;
                }
                if (!S_ISDIR(st.st_mode)) {
                        close(fd);
                        r = -ENOTDIR;
                        goto out;
                }
                r = walk_push(&w, fd);
                if (r < 0)
                        goto out;
                if (last) { /* WALK_ALL_DIRS: the directory itself is the result */
                        r = walk_finish(&w, ".", ret_dir, ret_name);
                        goto out;
                }
        }
out:
        walk_done(&w);
        return r;
}

/* ---- opening inside a root ---------------------------------------------- */

int casca_fs_open_in_root_fallback(int root_fd, const char *path, int flags, mode_t mode,
                                   struct casca_error **err)
{
        _cleanup_close_ int dir = -1;
        _cleanup_free_ char *name = NULL;
        bool nofollow = (flags & O_NOFOLLOW) || ((flags & O_CREAT) && (flags & O_EXCL));
        struct stat st;
        int r, fd;

        r = walk_path(root_fd, path, nofollow ? WALK_NOFOLLOW_LAST : 0, 0, &dir, &name);
        if (r < 0)
                return casca_error_set(err, -r, "open `%s`", path);
        if (strcmp(name, ".") == 0)
                fd = openat(dir, ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC, mode);
        else
                fd = openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return casca_error_set(err, errno, "open `%s`", path);
        /* A symlink that appeared after the walk: O_PATH|O_NOFOLLOW opened the
         * link itself, which the caller did not ask for. */
        if ((flags & O_PATH) && !(flags & O_NOFOLLOW) && fstat(fd, &st) == 0 &&
            S_ISLNK(st.st_mode)) {
                close(fd);
                return casca_error_set(err, ELOOP, "open `%s`", path);
        }
        return fd;
}

int casca_fs_open_in_root(int root_fd, const char *path, int flags, mode_t mode,
                          struct casca_error **err)
{
        struct open_how how = {
                .flags = (uint64_t)(unsigned)(flags | O_CLOEXEC),
                .mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode : 0,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd = -1;

        if (have_openat2 < 0)
                return casca_fs_open_in_root_fallback(root_fd, path, flags, mode, err);
        /* EAGAIN: a concurrent rename or mount made the kernel give up on
         * proving the walk stayed inside; try again a few times. */
        for (int i = 0; i < 32; i++) {
                fd = (int)syscall(SYS_openat2, root_fd, *path ? path : ".", &how, sizeof(how));
                if (fd >= 0 || errno != EAGAIN)
                        break;
        }
        if (fd >= 0) {
                have_openat2 = 1;
                return fd;
        }
        if (errno == ENOSYS) {
                have_openat2 = -1;
                return casca_fs_open_in_root_fallback(root_fd, path, flags, mode, err);
        }
        return casca_error_set(err, errno, "open `%s`", path);
}

int casca_fs_open_parent_in_root(int root_fd, const char *path, bool mkdir_parents,
                                 bool nofollow_last, char **ret_name, struct casca_error **err)
{
        unsigned flags =
                (mkdir_parents ? WALK_MKDIR : 0) | (nofollow_last ? WALK_NOFOLLOW_LAST : 0);
        int dir = -1, r;

        r = walk_path(root_fd, path, flags, 0755, &dir, ret_name);
        if (r < 0)
                return casca_error_set(err, -r, "resolve `%s`", path);
        return dir;
}

int casca_fs_mkdir_in_root(int root_fd, const char *path, mode_t mode, struct casca_error **err)
{
        _cleanup_close_ int dir = -1;
        _cleanup_free_ char *name = NULL;
        int r;

        r = walk_path(root_fd, path, WALK_MKDIR | WALK_ALL_DIRS, mode, &dir, &name);
        if (r < 0)
                return casca_error_set(err, -r, "mkdir `%s`", path);
        return 0;
}

int casca_fs_ensure_in_root(int root_fd, const char *path, bool dir, struct casca_error **err)
{
        _cleanup_close_ int parent = -1;
        _cleanup_free_ char *name = NULL;
        struct stat st;
        int r, fd;

        if (dir) {
                r = walk_path(root_fd, path, WALK_MKDIR | WALK_ALL_DIRS, 0755, &fd, &name);
                if (r < 0)
                        return casca_error_set(err, -r, "mkdir `%s`", path);
                return fd;
        }
        r = walk_path(root_fd, path, WALK_MKDIR, 0755, &parent, &name);
        if (r < 0)
                return casca_error_set(err, -r, "resolve `%s`", path);
        fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
                int tmp = openat(parent, name,
                                 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
                                 0644);
                if (tmp < 0 && errno != EEXIST)
                        return casca_error_set(err, errno, "create `%s`", path);
                if (tmp >= 0)
                        close(tmp);
                fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
                return casca_error_set(err, errno, "open `%s`", path);
        r = fstat(fd, &st) < 0 ? errno : S_ISLNK(st.st_mode) ? ELOOP : 0;
        if (r) {
                close(fd);
                return casca_error_set(err, r, "open `%s`", path);
        }
        return fd;
}

/* ---- whole files --------------------------------------------------------- */

int casca_fs_write_fd(int fd, const char *what, const char *data, size_t len,
                      struct casca_error **err)
{
        ssize_t n;

        do
                n = write(fd, data, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return casca_error_set(err, errno, "write `%s`", what);
        if ((size_t)n != len)
                return casca_error_setx(err, EIO, "write `%s`: short write (%zd of %zu bytes)",
                                        what, n, len);
        return 0;
}

int casca_fs_write_file(const char *path, const char *data, size_t len, struct casca_error **err)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);

        if (fd < 0)
                return casca_error_set(err, errno, "open `%s`", path);
        return casca_fs_write_fd(fd, path, data, len, err);
}

int casca_fs_write_file_at(int dirfd, const char *name, const char *data, size_t len,
                           struct casca_error **err)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return casca_error_set(err, errno, "open `%s`", name);
        return casca_fs_write_fd(fd, name, data, len, err);
}

int casca_fs_replace_file(const char *dir, const char *name, const char *data, size_t len,
                          mode_t mode, struct casca_error **err)
{
        _cleanup_free_ char *path = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        if (asprintf(&path, "%s/%s", dir, name) < 0 || asprintf(&tmp, "%s/.%s.tmp", dir, name) < 0)
                return casca_error_set(err, ENOMEM, "write `%s/%s`", dir, name);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return casca_error_set(err, errno, "open `%s`", tmp);
        r = casca_fs_write_fd(fd, tmp, data, len, err);
        if (r >= 0 && rename(tmp, path) < 0)
                r = casca_error_set(err, errno, "rename `%s` to `%s`", tmp, path);
        if (r < 0)
                (void)unlink(tmp);
        return r;
}

int casca_fs_memfd_sealed(const char *name, unsigned mfd_flags, const char *what,
                          int (*fill)(int fd, void *arg, struct casca_error **err), void *arg,
                          struct casca_error **err)
{
        enum { TRIES = 5 };

        for (int i = 1;; i++) {
                _cleanup_close_ int fd =
                        memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | mfd_flags);
                int r;

                if (fd < 0)
                        return casca_error_set(err, errno, "memfd_create for %s", what);
                r = fill(fd, arg, err);
                if (r < 0)
                        return r;
                if (fcntl(fd, F_ADD_SEALS,
                          F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) == 0)
                        return TAKE_FD(fd);
                if (errno != EBUSY || i == TRIES)
                        return casca_error_set(err, errno, "seal %s", what);
        }
}

struct memfd_data {
        const char *name, *data;
        size_t len;
};

static int fill_data(int fd, void *arg, struct casca_error **err)
{
        const struct memfd_data *d = arg;
        int r = casca_fs_write_fd(fd, d->name, d->data, d->len, err);

        if (r >= 0 && lseek(fd, 0, SEEK_SET) < 0)
                r = casca_error_set(err, errno, "memfd `%s`", d->name);
        return r;
}

int casca_fs_memfd_of(const char *name, const char *data, size_t len, struct casca_error **err)
{
        struct memfd_data d = {name, data, len};
        char what[80];

        casca_snprintf_trunc(what, sizeof(what), "memfd `%s`", name);
        return casca_fs_memfd_sealed(name, 0, what, fill_data, &d, err);
}

char *casca_fs_read_fd(int fd, const char *what, size_t max, size_t *ret_len,
                       struct casca_error **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;

        for (;;) {
                ssize_t n;

                if (cap - len < 2) {
                        size_t ncap = cap ? cap * 2 : 4096;
                        char *nb;

                        /* room for max bytes, one more to see that there is more, and the NUL */
                        if (max < SIZE_MAX - 2 && ncap > max + 2)
                                ncap = max + 2;
                        if (ncap <= cap) {
                                casca_error_setx(err, EFBIG, "`%s`: larger than %zu bytes", what,
                                                 max);
                                return NULL;
                        }
                        nb = realloc(buf, ncap);
                        if (!nb) {
                                casca_error_set(err, ENOMEM, "read `%s`", what);
                                return NULL;
                        }
                        buf = nb;
                        cap = ncap;
                }
                n = read(fd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        casca_error_set(err, errno, "read `%s`", what);
                        return NULL;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > max) {
                        casca_error_setx(err, EFBIG, "`%s`: larger than %zu bytes", what, max);
                        return NULL;
                }
        }
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        return TAKE_PTR(buf);
}

char *casca_fs_read_file(const char *path, size_t *ret_len, struct casca_error **err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);

        if (fd < 0) {
                casca_error_set(err, errno, "open `%s`", path);
                return NULL;
        }
        return casca_fs_read_fd(fd, path, SIZE_MAX, ret_len, err);
}

/* ---- descriptors --------------------------------------------------------- */

/* Call fn for every open fd >= first_fd but the one reading /proc/self/fd
 * (closing fds already read does not disturb the walk). */
static int for_each_fd(int first_fd, int (*fn)(int fd, void *data, struct casca_error **err),
                       void *data, struct casca_error **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int dfd, r;

        dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return casca_error_set(err, errno, "open `/proc/self/fd`");
        d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return casca_error_set(err, errno, "open `/proc/self/fd`");
        }
        while ((errno = 0, de = readdir(d))) {
                int fd;

                if (casca_parse_int(de->d_name, NULL, 0, INT_MAX, &fd) < 0 || fd < first_fd ||
                    fd == dfd)
                        continue;
                r = fn(fd, data, err);
                if (r < 0)
                        return r;
        }
        if (errno)
                return casca_error_set(err, errno, "read `/proc/self/fd`");
        return 0;
}

static int set_cloexec(int fd, void *data, struct casca_error **err)
{
        int fl = fcntl(fd, F_GETFD);

        if (fl < 0) {
                if (errno == EBADF)
                        return 0;
                return casca_error_set(err, errno, "fcntl(%d, F_GETFD)", fd);
        }
        if (!(fl & FD_CLOEXEC) && fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
                return casca_error_set(err, errno, "fcntl(%d, F_SETFD)", fd);
        return 0;
}

int casca_fs_cloexec_from_fallback(int first_fd, struct casca_error **err)
{
        return for_each_fd(first_fd, set_cloexec, NULL, err);
}

int casca_fs_cloexec_from(int first_fd, struct casca_error **err)
{
        if (first_fd < 0)
                return casca_error_setx(err, EINVAL, "cloexec from fd %d: invalid fd", first_fd);
        if (close_range((unsigned)first_fd, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
                return 0;
        if (errno != ENOSYS && errno != EINVAL)
                return casca_error_set(err, errno, "close_range(%d, CLOSE_RANGE_CLOEXEC)",
                                       first_fd);
        return casca_fs_cloexec_from_fallback(first_fd, err);
}

struct keep {
        const int *fds;
        size_t n;
};

static int close_unless_kept(int fd, void *data, struct casca_error **err)
{
        const struct keep *k = data;

        for (size_t i = 0; i < k->n; i++)
                if (k->fds[i] == fd)
                        return 0;
        close(fd);
        return 0;
}

int casca_fs_close_from_except_fallback(int first_fd, const int *keep, size_t n_keep,
                                        struct casca_error **err)
{
        struct keep k = {keep, n_keep};

        if (first_fd < 0)
                return casca_error_setx(err, EINVAL, "close from fd %d: invalid fd", first_fd);
        return for_each_fd(first_fd, close_unless_kept, &k, err);
}

int casca_fs_close_from_except(int first_fd, const int *keep, size_t n_keep,
                               struct casca_error **err)
{
        unsigned from = (unsigned)first_fd;

        if (first_fd < 0)
                return casca_error_setx(err, EINVAL, "close from fd %d: invalid fd", first_fd);
        /* close_range over the gaps between the kept fds, lowest first */
        for (;;) {
                unsigned next = ~0U;

                for (size_t i = 0; i < n_keep; i++)
                        if (keep[i] >= 0 && (unsigned)keep[i] >= from && (unsigned)keep[i] < next)
                                next = (unsigned)keep[i];
                if (next > from && close_range(from, next - 1, 0) < 0) {
                        if (errno == ENOSYS || errno == EINVAL)
                                return casca_fs_close_from_except_fallback(first_fd, keep, n_keep,
                                                                           err);
                        return casca_error_set(err, errno, "close_range(%u, %u)", from, next - 1);
                }
                if (next == ~0U)
                        return 0;
                from = next + 1;
        }
}

DIR *casca_fs_opendir_at(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d;

        if (fd < 0)
                return NULL;
        d = fdopendir(fd);
        if (!d) {
                int e = errno;

                close(fd);
                errno = e;
        }
        return d;
}

/* ---- copying a tree (tmpcopyup) ------------------------------------------- */

#define COPY_MAX_DEPTH 64

static int copy_data(int in, int out, const char *name, struct casca_error **err)
{
        char buf[16384];

        for (;;) {
                ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);

                if (n == 0)
                        return 0;
                if (n > 0)
                        continue;
                if (errno == EINTR)
                        continue;
                if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
                        return casca_error_set(err, errno, "copy `%s`", name);
                break; /* across filesystems on an older kernel: read and write */
        }
        for (;;) {
                ssize_t n = read(in, buf, sizeof(buf));

                if (n == 0)
                        return 0;
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return casca_error_set(err, errno, "read `%s`", name);
                }
                if (casca_fs_write_fd(out, name, buf, (size_t)n, err) < 0)
                        return -1;
        }
}

static int copy_entry(int src, int dst, const char *name, const struct stat *st, int depth,
                      struct casca_error **err);

static int copy_dir(int src, int dst, int depth, struct casca_error **err)
{
        DIR *d;
        struct dirent *e;
        int r = 0;

        if (depth > COPY_MAX_DEPTH)
                return casca_error_setx(err, ELOOP, "more than %d directory levels",
                                        COPY_MAX_DEPTH);
        d = casca_fs_opendir_at(src, ".");
        if (!d)
                return casca_error_set(err, errno, "open directory");
        while (r == 0 && (errno = 0, e = readdir(d))) {
                struct stat st;

                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                if (fstatat(src, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        r = casca_error_set(err, errno, "stat `%s`", e->d_name);
                else
                        r = copy_entry(src, dst, e->d_name, &st, depth, err);
        }
        if (r == 0 && errno)
                r = casca_error_set(err, errno, "read directory");
        closedir(d);
        return r;
}

static int copy_entry(int src, int dst, const char *name, const struct stat *st, int depth,
                      struct casca_error **err)
{
        _cleanup_close_ int in = -1, out = -1;
        mode_t perm = st->st_mode & 07777;
        int r;

        switch (st->st_mode & S_IFMT) {
        case S_IFDIR:
                if (mkdirat(dst, name, 0700) < 0)
                        return casca_error_set(err, errno, "mkdir `%s`", name);
                in = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                out = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (in < 0 || out < 0)
                        return casca_error_set(err, errno, "open directory `%s`", name);
                r = copy_dir(in, out, depth + 1, err);
                if (r < 0)
                        return casca_error_prefix(err, "%s", name);
                break;
        case S_IFREG:
                in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (in < 0)
                        return casca_error_set(err, errno, "open `%s`", name);
                out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (out < 0)
                        return casca_error_set(err, errno, "create `%s`", name);
                if (copy_data(in, out, name, err) < 0)
                        return -1;
                break;
        case S_IFLNK: {
                char target[PATH_MAX];
                ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);

                if (n < 0)
                        return casca_error_set(err, errno, "readlink `%s`", name);
                target[n] = '\0';
                if (symlinkat(target, dst, name) < 0)
                        return casca_error_set(err, errno, "symlink `%s`", name);
                if (fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return casca_error_set(err, errno, "chown `%s`", name);
                return 0;
        }
        default: /* devices, fifos, sockets */
                if (mknodat(dst, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0)
                        return casca_error_set(err, errno, "mknod `%s`", name);
                out = openat(dst, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (out < 0)
                        return casca_error_set(err, errno, "open `%s`", name);
                break;
        }
        /* owner first: chown clears the set-id bits that fchmod then sets */
        if (fchownat(out, "", st->st_uid, st->st_gid, AT_EMPTY_PATH) < 0)
                return casca_error_set(err, errno, "chown `%s`", name);
        if (fchmodat(dst, name, perm, 0) < 0)
                return casca_error_set(err, errno, "chmod `%s`", name);
        return 0;
}

int casca_fs_copy_tree(int src_dir, int dst_dir, struct casca_error **err)
{
        return copy_dir(src_dir, dst_dir, 0, err);
}

int casca_fs_mkdir_p(const char *path, mode_t mode, struct casca_error **err)
{
        _cleanup_free_ char *copy = strdup(path);

        if (!copy)
                return casca_error_set(err, ENOMEM, "mkdir `%s`", path);
        for (char *p = copy + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(copy, mode) < 0 && errno != EEXIST)
                        return casca_error_set(err, errno, "mkdir `%s`", copy);
                *p = '/';
        }
        if (mkdir(copy, mode) < 0 && errno != EEXIST)
                return casca_error_set(err, errno, "mkdir `%s`", copy);
        return 0;
}
