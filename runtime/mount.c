#include "runtime/cloud-init.h"
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mount.c - the container's rootfs: mounts, /dev, pivot_root, masked and
 * read-only paths.
 *
 * Mounts use the classic mount(2) on "/proc/self/fd/N" of a target opened
 * inside the rootfs (fs.h).  The new mount API (fsopen/fsmount/move_mount)
 * would give the same guarantee, but mount(2) through an fd path works on
 * every kernel casca supports, keeps one code path for all filesystem types
 * and is what the remount and propagation steps need anyway.  After a mount
 * the target is opened again by path: the old fd still names the directory
 * underneath, the new one the mount on top of it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "casca.h"
#include "runtime/config.h"
#include "runtime/mount.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/format.h"
#include "util/parse.h"

#define PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)
/* Per-mount flags a bind remount sets (and so must repeat to keep). */
#define REMOUNT_FLAGS                                                                              \
        (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
         MS_STRICTATIME | MS_NOSYMFOLLOW)
#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000 /* Linux 5.10; glibc 2.36 lacks the name */
#endif

/* "/dev//shm/" and "/dev/./shm" are "/dev/shm"; used to compare destinations. */
static void normalize(const char *in, char *out, size_t size)
{
        size_t n = 0;

        for (const char *p = in; *p && n + 2 < size;) {
                const char *end;
                size_t len;

                while (*p == '/')
                        p++;
                end = strchrnul(p, '/');
                len = (size_t)(end - p);
                if (len && !(len == 1 && *p == '.') && n + len + 2 < size) {
                        out[n++] = '/';
                        memcpy(out + n, p, len);
                        n += len;
                }
                p = end;
        }
        if (n == 0)
                out[n++] = '/';
        out[n] = '\0';
}

static bool path_is_under(const char *path, const char *dir)
{
        size_t n = strlen(dir);

        while (n > 1 && dir[n - 1] == '/')
                n--;
        return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool casca_mount_dest_is(const char *dest, const char *want)
{
        char a[PATH_MAX];

        normalize(dest, a, sizeof(a));
        return strcmp(a, want) == 0;
}

/* MS_* equivalents of what the mount under fd has now. */
static unsigned long current_flags(int fd)
{
        static const struct {
                unsigned long st, ms;
        } map[] = {
                {ST_RDONLY, MS_RDONLY},     {ST_NOSUID, MS_NOSUID},
                {ST_NODEV, MS_NODEV},       {ST_NOEXEC, MS_NOEXEC},
                {ST_NOATIME, MS_NOATIME},   {ST_NODIRATIME, MS_NODIRATIME},
                {ST_RELATIME, MS_RELATIME}, {ST_NOSYMFOLLOW, MS_NOSYMFOLLOW},
        };
        struct statvfs sv;
        unsigned long ms = 0;

        if (fstatvfs(fd, &sv) < 0)
                return 0;
        for (size_t i = 0; i < ARRAY_SIZE(map); i++)
                if (sv.f_flag & map[i].st)
                        ms |= map[i].ms;
        return ms;
}

/* Remount the bind mount under fd with `flags` (MS_RDONLY, MS_NOSUID...).
 * keep: also keep nosuid/nodev/noexec the mount has now.  A mount locked by a
 * user namespace refuses to lose those (EPERM): retry keeping them all. */
static int remount_bind(int fd, unsigned long flags, bool keep, const char *what,
                        struct casca_error **err)
{
        unsigned long cur = current_flags(fd);
        unsigned long want = MS_BIND | MS_REMOUNT | (flags & REMOUNT_FLAGS);

        if (keep)
                want |= cur & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
        if (mount(NULL, CASCA_FD_PATH(fd), NULL, want, NULL) == 0)
                return 0;
        if (errno == EPERM &&
            mount(NULL, CASCA_FD_PATH(fd), NULL, want | (cur & ~MS_RDONLY), NULL) == 0)
                return 0;
        return casca_error_set(err, errno, "remount `%s`", what);
}

static int set_propagation(int fd, unsigned long prop, const char *what, struct casca_error **err)
{
        if (mount(NULL, CASCA_FD_PATH(fd), NULL, prop, NULL) < 0)
                return casca_error_set(err, errno, "set propagation of `%s`", what);
        return 0;
}

/* Reopen `dest` after something was mounted on it: the mount on top. */
static int reopen(int root_fd, const char *dest, struct casca_error **err)
{
        return casca_fs_open_in_root(root_fd, dest, O_PATH, 0, err);
}

/* Bind what dfd and path name (open_tree(2): AT_EMPTY_PATH, AT_RECURSIVE in
 * flags) onto target, as a detached copy moved there.  Returns an fd of the
 * new mount, through which it is changed next, or -errno: looked up again
 * by its path, the destination could be another mount by then (a mount
 * point swapped for a link by a container that can write its directory:
 * the CVE-2021-30465 class). */
static int bind_tree(int dfd, const char *path, unsigned flags, int target)
{
        _cleanup_close_ int tree =
                open_tree(dfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | flags);

        if (tree < 0)
                return -errno;
        if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -errno;
        return TAKE_FD(tree);
}

/* ---- preparing the root ------------------------------------------------- */

static int mnt_id_of(int fd, uint64_t *ret)
{
        struct statx sx;
        char path[64];
        _cleanup_free_ char *info = NULL;
        const char *p;

        if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) == 0 &&
            (sx.stx_mask & STATX_MNT_ID)) {
                *ret = sx.stx_mnt_id;
                return 0;
        }
        /* Kernels before 5.8: /proc/self/fdinfo has it. */
        if (casca_snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd) < 0)
                return -ENOTSUP;
        info = casca_fs_read_file(path, NULL, NULL);
        p = info ? strstr(info, "mnt_id:") : NULL;
        if (!p)
                return -ENOTSUP;
        p += 7 + strspn(p + 7, " \t"); /* "mnt_id:\t42" */
        return casca_parse_u64(p, &p, UINT64_MAX, ret) == 0 ? 0 : -ENOTSUP;
}

/* An O_PATH fd of the root of the mount that holds `path`. */
static int open_mount_root(const char *path, struct casca_error **err)
{
        _cleanup_close_ int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        uint64_t id, up_id;

        if (fd < 0)
                return casca_error_set(err, errno, "open `%s`", path);
        if (mnt_id_of(fd, &id) < 0)
                return casca_error_setx(err, ENOTSUP, "mount id of `%s`: unavailable", path);
        for (;;) {
                _cleanup_close_ int up = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                struct stat a, b;

                if (up < 0)
                        return casca_error_set(err, errno, "open the parent of `%s`", path);
                if (mnt_id_of(up, &up_id) < 0)
                        return casca_error_setx(err, ENOTSUP, "mount id of `%s`: unavailable",
                                                path);
                if (up_id != id)
                        break;
                if (fstat(fd, &a) == 0 && fstat(up, &b) == 0 && a.st_dev == b.st_dev &&
                    a.st_ino == b.st_ino)
                        break; /* "/" */
                close(fd);
                fd = TAKE_FD(up);
        }
        return TAKE_FD(fd);
}

static int prepare_root(const struct casca_config *cfg, const char *rootfs,
                        struct casca_error **err)
{
        unsigned long prop = cfg->linux_cfg.rootfs_propagation;
        _cleanup_close_ int parent = -1;

        if (!prop)
                prop = MS_SLAVE | MS_REC;
        if (mount(NULL, "/", NULL, prop, NULL) < 0)
                return casca_error_set(err, errno, "set the propagation of `/`");
        /* pivot_root refuses a shared new root or parent, and nothing done
         * under the rootfs may propagate out: the mount holding the rootfs
         * becomes private (or stays a slave when slave was asked for).
         * "rslave" (the default) and "rprivate" made it so already, with
         * every other mount; the rest ("rshared", non-recursive ones,
         * "runbindable", which the bind below could not bind) need it. */
        if (prop != (MS_SLAVE | MS_REC) && prop != (MS_PRIVATE | MS_REC)) {
                parent = open_mount_root(rootfs, err);
                if (parent < 0)
                        return parent;
                if (mount(NULL, CASCA_FD_PATH(parent), NULL,
                          (prop & MS_SLAVE) ? MS_SLAVE : MS_PRIVATE, NULL) < 0)
                        return casca_error_set(err, errno, "make the mount holding `%s` private",
                                               rootfs);
        }
        if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                return casca_error_set(err, errno, "bind `%s` onto itself", rootfs);
        return 0;
}

/* ---- the config's mounts ------------------------------------------------ */

/* A mount over something in /proc could hide what masked paths hide or fake
 * what the kernel says: only these files may be covered (LXCFS and the like). */
static int check_proc_dest(int fd, const char *dest, struct casca_error **err)
{
        static const char *const allowed[] = {
                "/proc/cpuinfo", "/proc/diskstats",
                "/proc/meminfo", "/proc/stat",
                "/proc/swaps",   "/proc/uptime",
                "/proc/loadavg", "/proc/slabinfo",
                "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
        };
        struct statfs sfs;

        if (fstatfs(fd, &sfs) < 0)
                return casca_error_set(err, errno, "statfs `%s`", dest);
        if (sfs.f_type != PROC_SUPER_MAGIC)
                return 0;
        for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
                if (casca_mount_dest_is(dest, allowed[i]))
                        return 0;
        return casca_error_setx(err, EPERM, "`%s` is inside /proc: refusing to mount over it",
                                dest);
}

/* The mount point of a mount casca adds itself (/dev/shm, /dev/console,
 * /etc/hosts and the rest, the cloud-init seed): made if missing, and
 * never one an image's symlink put on procfs or sysfs (the CVE-2019-16884
 * class, as check_dest_symlink for the config's mounts). */
static int own_target(int root_fd, const char *dest, bool dir, struct casca_error **err)
{
        _cleanup_close_ int fd = casca_fs_ensure_in_root(root_fd, dest, dir, err);
        struct statfs sfs;

        if (fd < 0)
                return fd;
        if (fstatfs(fd, &sfs) < 0)
                return casca_error_set(err, errno, "statfs `%s`", dest);
        if (sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC)
                return casca_error_setx(err, EPERM,
                                        "`%s` is on %s (a symlink in the rootfs?): refusing to "
                                        "mount over it",
                                        dest, sfs.f_type == SYSFS_MAGIC ? "sysfs" : "procfs");
        return TAKE_FD(fd);
}

/* "rro", "rnosuid", ...: on every mount of the tree under fd. */
static int set_rec_attrs(int fd, const struct casca_mount *m, struct casca_error **err)
{
        struct mount_attr attr = {.attr_set = m->rec_attr_set, .attr_clr = m->rec_attr_clr};

        if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) == 0)
                return 0;
        if (errno == ENOSYS)
                return casca_error_setx(err, ENOSYS,
                                        "recursive mount options need mount_setattr(2) "
                                        "(Linux 5.12)");
        return casca_error_set(err, errno, "set the recursive mount options on `%s`",
                               m->destination);
}

/* Where the fd's path is, inside the root whose path (as /proc/self/fd
 * names it) is root: "/" for the root. */
static int path_in_root(const char *root, int fd, char *buf, size_t size, struct casca_error **err)
{
        char path[PATH_MAX];
        ssize_t m = readlink(CASCA_FD_PATH(fd), path, sizeof(path) - 1);
        size_t rl;

        if (m < 0)
                return casca_error_set(err, errno, "readlink");
        path[m] = '\0';
        rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
        if (strncmp(path, root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))
                return casca_error_setx(err, EXDEV, "`%s` is not inside the root `%s`", path, root);
        normalize(path + rl, buf, size);
        return 0;
}

/* A destination that a symlink in the rootfs points into /proc or /sys, and
 * a procfs or sysfs mount on anything but the directory it names, are
 * refused as runc does (the CVE-2019-16884 class: an image that redirects
 * /proc can fake what the runtime and LSMs read and write there). */
static int check_dest_symlink(const char *root, int target, const struct casca_mount *m,
                              struct casca_error **err)
{
        char dest[PATH_MAX], real[PATH_MAX];
        bool procsys_type =
                m->type && (strcmp(m->type, "proc") == 0 || strcmp(m->type, "sysfs") == 0);
        int r;

        normalize(m->destination, dest, sizeof(dest));
        r = path_in_root(root, target, real, sizeof(real), err);
        if (r < 0)
                return r;
        if (strcmp(dest, real) == 0)
                return 0;
        if (procsys_type || path_is_under(real, "/proc") || path_is_under(real, "/sys"))
                return casca_error_setx(err, EPERM,
                                        "`%s` is a symlink to `%s`: %s must be mounted on an "
                                        "ordinary directory",
                                        m->destination, real,
                                        procsys_type ? m->type : "a mount into /proc or /sys");
        return 0;
}

/* After the mount itself: the flags a bind ignored, the recursive
 * options, the per-mount propagation.  mounted: an fd of the new mount's
 * root (a bind's, which moved it there), or -1: found again by its path,
 * which is only what was mounted while nobody else can rename in the path
 * (a directory another container writes: see mount_bind). */
static int finish_mount(int root_fd, const struct casca_mount *m, bool bind, int mounted,
                        struct casca_error **err)
{
        _cleanup_close_ int reopened = -1;
        unsigned long extra = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | PROPAGATION_FLAGS);
        bool rec = m->rec_attr_set || m->rec_attr_clr;
        int top = mounted, r;

        if (!(bind && extra) && !rec && !m->propagation)
                return 0;
        if (top < 0) {
                reopened = reopen(root_fd, m->destination, err);
                if (reopened < 0)
                        return reopened;
                top = reopened;
        }
        /* A bind mount ignores every flag but MS_REC: remount to apply them. */
        if (bind && extra) {
                r = remount_bind(top, extra, false, m->destination, err);
                if (r < 0)
                        return r;
        }
        if (rec) {
                r = set_rec_attrs(top, m, err);
                if (r < 0)
                        return r;
        }
        if (m->propagation)
                return set_propagation(top, m->propagation, m->destination, err);
        return 0;
}

/* src_fd: the source as a detached mount the runtime made, or -1. */
static int mount_bind(int root_fd, const char *root, const struct casca_mount *m, int src_fd,
                      struct casca_error **err)
{
        _cleanup_close_ int target = -1, tree = -1;
        struct stat st;
        int r;

        if (!m->source)
                return casca_error_setx(err, EINVAL, "bind mount without a source");
        if ((src_fd >= 0 ? fstat(src_fd, &st) : stat(m->source, &st)) < 0)
                return casca_error_set(err, errno, "bind source `%s`", m->source);
        target = casca_fs_ensure_in_root(root_fd, m->destination, S_ISDIR(st.st_mode), err);
        if (target < 0)
                return target;
        r = check_dest_symlink(root, target, m, err);
        if (r < 0)
                return r;
        r = check_proc_dest(target, m->destination, err);
        if (r < 0)
                return r;
        /* the source as a detached copy moved onto the target (the one the
         * parent cloned, in a user namespace): that fd is the mount the flags
         * a bind ignores (ro, nosuid...) go on through (bind_tree) */
        if (src_fd >= 0)
                r = move_mount(src_fd, "", target, "",
                               MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0
                            ? -errno
                            : 0;
        else {
                tree = bind_tree(AT_FDCWD, m->source, m->flags & MS_REC ? AT_RECURSIVE : 0, target);
                r = tree < 0 ? tree : 0;
                src_fd = tree;
        }
        if (r < 0)
                return casca_error_set(err, -r, "bind `%s` on `%s`", m->source, m->destination);
        return finish_mount(root_fd, m, true, src_fd, err);
}

/* "remount": change the flags (and, but for a bind mount, the filesystem
 * options) of what an earlier mount put on the destination. */
static int mount_remount(int root_fd, const struct casca_mount *m, struct casca_error **err)
{
        unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | PROPAGATION_FLAGS);
        _cleanup_close_ int target = casca_fs_open_in_root(root_fd, m->destination, O_PATH, 0, err);
        int r;

        if (target < 0)
                return target;
        r = check_proc_dest(target, m->destination, err);
        if (r < 0)
                return r;
        if (casca_mount_is_bind(m))
                r = remount_bind(target, flags, false, m->destination, err);
        else if (mount(NULL, CASCA_FD_PATH(target), NULL, MS_REMOUNT | flags, m->data) < 0)
                r = casca_error_set(err, errno, "remount `%s`", m->destination);
        if (r < 0)
                return r;
        if (m->rec_attr_set || m->rec_attr_clr) {
                r = set_rec_attrs(target, m, err);
                if (r < 0)
                        return r;
        }
        if (m->propagation)
                return set_propagation(target, m->propagation, m->destination, err);
        return 0;
}

/* sysfs without a network namespace of our own, cgroup2 without a cgroup
 * namespace: the kernel says EPERM; bind the host's tree read-only instead.
 * The bind has to be recursive (in a user namespace the submounts are locked
 * to it), so the whole tree is made read-only with mount_setattr(2) where
 * the kernel has it (5.12), else just its top with a remount. */
static int bind_host_tree(int target, const char *host, const struct casca_mount *m,
                          struct casca_error **err)
{
        _cleanup_close_ int top = -1;
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};

        top = bind_tree(AT_FDCWD, host, AT_RECURSIVE, target);
        if (top < 0)
                return casca_error_set(err, -top, "bind `%s` on `%s`", host, m->destination);
        attr.attr_set |= (m->flags & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0) |
                         (m->flags & MS_NODEV ? MOUNT_ATTR_NODEV : 0) |
                         (m->flags & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0);
        if (mount_setattr(top, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) == 0)
                return 0;
        return remount_bind(top, (m->flags & REMOUNT_FLAGS) | MS_RDONLY, true, m->destination, err);
}

static bool host_is_cgroup2(void)
{
        struct statfs sfs;

        return statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

/* A new filesystem as a detached mount (fsopen(2) to fsmount(2)), as
 * mount(2) would make it from the same arguments: the fd of its root, or
 * -errno (-ENOSYS before Linux 5.2).  data: "key=value,flag,..." */
static int fs_detached(const char *type, const char *source, unsigned long flags, const char *data)
{
        static const struct {
                unsigned long ms;
                unsigned attr;
        } attrs[] = {
                {MS_RDONLY, MOUNT_ATTR_RDONLY},
                {MS_NOSUID, MOUNT_ATTR_NOSUID},
                {MS_NODEV, MOUNT_ATTR_NODEV},
                {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
                {MS_NOATIME, MOUNT_ATTR_NOATIME},
                {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME},
                {MS_STRICTATIME, MOUNT_ATTR_STRICTATIME},
                {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
        };
        static const struct {
                unsigned long ms;
                const char *name;
        } sb_flags[] = {
                {MS_SYNCHRONOUS, "sync"}, {MS_DIRSYNC, "dirsync"}, {MS_LAZYTIME, "lazytime"}};
        _cleanup_close_ int fs = fsopen(type, FSOPEN_CLOEXEC);
        _cleanup_free_ char *copy = data ? strdup(data) : NULL;
        unsigned attr = 0;
        char *save = copy, *tok;
        int mnt;

        if (fs < 0)
                return -errno;
        if (data && !copy)
                return -ENOMEM;
        if (source && fsconfig(fs, FSCONFIG_SET_STRING, "source", source, 0) < 0)
                return -errno;
        while (save && (tok = strsep(&save, ","))) {
                char *eq = strchr(tok, '=');

                if (!*tok)
                        continue;
                if (eq)
                        *eq = '\0';
                if (eq ? fsconfig(fs, FSCONFIG_SET_STRING, tok, eq + 1, 0) < 0
                       : fsconfig(fs, FSCONFIG_SET_FLAG, tok, NULL, 0) < 0)
                        return -errno;
        }
        for (size_t i = 0; i < ARRAY_SIZE(sb_flags); i++)
                if ((flags & sb_flags[i].ms) &&
                    fsconfig(fs, FSCONFIG_SET_FLAG, sb_flags[i].name, NULL, 0) < 0)
                        return -errno;
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -errno;
        for (size_t i = 0; i < ARRAY_SIZE(attrs); i++)
                if (flags & attrs[i].ms)
                        attr |= attrs[i].attr;
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, attr);
        return mnt < 0 ? -errno : mnt;
}

static int mount_fs(int root_fd, const char *root, const struct casca_mount *m,
                    struct casca_error **err)
{
        const char *type = m->type;
        const char *data = m->data;
        unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | PROPAGATION_FLAGS);
        _cleanup_close_ int target = -1, covered = -1, top = -1;
        int r = 0;

        if (!type)
                return casca_error_setx(err, EINVAL, "no type and not a bind mount");
        if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) {
                /* Only a pure cgroup v2 host gets a cgroup mount: a v1 or hybrid
                 * hierarchy is not offered to containers (documented). */
                if (!host_is_cgroup2())
                        return 0;
                if (strcmp(type, "cgroup") == 0)
                        data = NULL; /* v1 controller options mean nothing to cgroup2 */
                type = "cgroup2";
        }
        /* /dev is filled with nodes first; finalize makes it read-only. */
        if (casca_mount_dest_is(m->destination, "/dev"))
                flags &= ~MS_RDONLY;

        target = casca_fs_ensure_in_root(root_fd, m->destination, true, err);
        if (target < 0)
                return target;
        r = check_dest_symlink(root, target, m, err);
        if (r < 0)
                return r;
        r = check_proc_dest(target, m->destination, err);
        if (r < 0)
                return r;
        /* what the tmpfs will cover, read after the mount through this fd */
        if (m->tmpcopyup && strcmp(type, "tmpfs") == 0) {
                covered = openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (covered < 0)
                        return casca_error_set(err, errno, "tmpcopyup: open `%s`", m->destination);
        }
        /* where the mount is changed after it is made (filled, made
         * read-only, recursive options, propagation): made detached, moved
         * onto the target, changed through its fd (see bind_tree) */
        r = -ENOSYS;
        if (covered >= 0 || m->rec_attr_set || m->rec_attr_clr || m->propagation) {
                top = fs_detached(type, m->source ? m->source : type,
                                  covered >= 0 ? flags & ~MS_RDONLY : flags, data);
                r = top < 0 ? top : 0;
                if (top >= 0 && move_mount(top, "", target, "",
                                           MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        r = -errno;
        }
        if (r == -ENOSYS) /* not asked for, or before Linux 5.2 */
                r = mount(m->source ? m->source : type, CASCA_FD_PATH(target), type,
                          covered >= 0 ? flags & ~MS_RDONLY : flags, data) < 0
                            ? -errno
                            : 0;
        if (r < 0) {
                errno = -r;
                if (errno == EPERM && strcmp(type, "sysfs") == 0)
                        r = bind_host_tree(target, "/sys", m, err);
                else if (errno == EPERM && strcmp(type, "cgroup2") == 0)
                        r = bind_host_tree(target, "/sys/fs/cgroup", m, err);
                else if (data)
                        r = casca_error_set(err, errno, "mount %s on `%s` with options \"%s\"",
                                            type, m->destination, data);
                else
                        r = casca_error_set(err, errno, "mount %s on `%s`", type, m->destination);
                if (r < 0)
                        return r;
        }
        if (covered >= 0) {
                if (top < 0) {
                        top = reopen(root_fd, m->destination, err);
                        if (top < 0)
                                return top;
                }
                r = casca_fs_copy_tree(covered, top, err);
                if (r < 0)
                        return casca_error_prefix(err, "tmpcopyup of `%s`", m->destination);
                /* filled while writable, then read-only if asked */
                if ((flags & MS_RDONLY) && remount_bind(top, flags, false, m->destination, err) < 0)
                        return -1;
        }
        return finish_mount(root_fd, m, false, top, err);
}

/* ---- /dev ---------------------------------------------------------------- */

struct dev_node {
        const char *path;
        char type; /* 'c', 'b', 'u', 'p' */
        unsigned major, minor;
        mode_t mode;
        uid_t uid;
        gid_t gid;
};

static const struct dev_node default_devices[] = {
        {"/dev/null", 'c', 1, 3, 0666, 0, 0},    {"/dev/zero", 'c', 1, 5, 0666, 0, 0},
        {"/dev/full", 'c', 1, 7, 0666, 0, 0},    {"/dev/random", 'c', 1, 8, 0666, 0, 0},
        {"/dev/urandom", 'c', 1, 9, 0666, 0, 0}, {"/dev/tty", 'c', 5, 0, 0666, 0, 0},
};

static mode_t node_type(char t)
{
        switch (t) {
        case 'b':
                return S_IFBLK;
        case 'p':
                return S_IFIFO;
        default:
                return S_IFCHR;
        }
}

/* Bind the host's node `d->path` onto an empty file in the rootfs. */
static int bind_device(int dir, const char *name, const struct dev_node *d,
                       struct casca_error **err)
{
        _cleanup_close_ int target = -1;
        struct stat st;
        int tmp;

        tmp = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
                     0600);
        if (tmp >= 0)
                close(tmp);
        else if (errno != EEXIST)
                return casca_error_set(err, errno, "create `%s`", d->path);
        target = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (target < 0 || fstat(target, &st) < 0)
                return casca_error_set(err, errno, "open `%s`", d->path);
        if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode))
                return casca_error_setx(err, EEXIST, "`%s` exists and is not a file", d->path);
        if (mount(d->path, CASCA_FD_PATH(target), NULL, MS_BIND, NULL) < 0)
                return casca_error_set(err, errno, "bind the host's `%s`", d->path);
        return 0;
}

/* The node d (d->path) as `name` in the directory dir. */
static int create_device_at(int dir, const char *name, const struct dev_node *d, bool bind,
                            struct casca_error **err)
{
        mode_t type = node_type(d->type);
        dev_t dev = makedev(d->major, d->minor);
        _cleanup_close_ int node = -1;
        struct stat st;
        int r;

        if (bind && type != S_IFIFO)
                return bind_device(dir, name, d, err);
        /* mostly a fresh /dev: mknod first, look only at what is there */
        r = mknodat(dir, name, type | (d->mode & 07777), dev);
        if (r < 0 && errno == EEXIST && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                if ((st.st_mode & S_IFMT) == type && (type == S_IFIFO || st.st_rdev == dev))
                        goto owner;
                /* Something else sits there (a file of the image, a link): replace it. */
                if (unlinkat(dir, name, 0) < 0)
                        return casca_error_set(err, errno, "remove `%s`", d->path);
                r = mknodat(dir, name, type | (d->mode & 07777), dev);
        }
        if (r < 0) {
                if (errno == EPERM && type != S_IFIFO)
                        return bind_device(dir, name, d, err);
                return casca_error_set(err, errno, "mknod `%s`", d->path);
        }
owner:
        /* mknod is subject to the umask: set the mode exactly, on the node
         * itself: what sits at `name` now may have been swapped (a link to a
         * host file, before pivot_root) by whoever else can write this /dev */
        node = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (node < 0 || fstat(node, &st) < 0)
                return casca_error_set(err, errno, "open `%s`", d->path);
        if ((st.st_mode & S_IFMT) != type || (type != S_IFIFO && st.st_rdev != dev))
                return casca_error_setx(err, EEXIST, "`%s` was replaced while it was made",
                                        d->path);
        if (fchmodat(AT_FDCWD, CASCA_FD_PATH(node), d->mode & 07777, 0) < 0)
                return casca_error_set(err, errno, "chmod `%s`", d->path);
        if ((d->uid || d->gid) && fchownat(node, "", d->uid, d->gid, AT_EMPTY_PATH) < 0)
                return casca_error_set(err, errno, "chown `%s`", d->path);
        return 0;
}

static int create_device(int root_fd, const struct dev_node *d, bool bind, struct casca_error **err)
{
        _cleanup_close_ int dir = -1;
        _cleanup_free_ char *name = NULL;

        dir = casca_fs_open_parent_in_root(root_fd, d->path, true, true, &name, err);
        if (dir < 0)
                return dir;
        if (strcmp(name, ".") == 0)
                return casca_error_setx(err, EISDIR, "device `%s`: a directory", d->path);
        return create_device_at(dir, name, d, bind, err);
}

static int dev_symlinks(int dev_fd, struct casca_error **err)
{
        static const char *const links[][2] = {
                {"/proc/self/fd", "fd"},
                {"/proc/self/fd/0", "stdin"},
                {"/proc/self/fd/1", "stdout"},
                {"/proc/self/fd/2", "stderr"},
        };

        /* The container's devpts instance has its own ptmx. */
        if (unlinkat(dev_fd, "ptmx", 0) < 0 && errno != ENOENT)
                return casca_error_set(err, errno, "remove `/dev/ptmx`");
        if (symlinkat("pts/ptmx", dev_fd, "ptmx") < 0)
                return casca_error_set(err, errno, "symlink `/dev/ptmx`");
        for (size_t i = 0; i < ARRAY_SIZE(links); i++)
                if (symlinkat(links[i][0], dev_fd, links[i][1]) < 0 && errno != EEXIST)
                        return casca_error_set(err, errno, "symlink `/dev/%s`", links[i][1]);
        if (mkdirat(dev_fd, "pts", 0755) < 0 && errno != EEXIST)
                return casca_error_set(err, errno, "mkdir `/dev/pts`");
        return 0;
}

static bool config_mounts(const struct casca_config *cfg, const char *dest, bool bind_only)
{
        for (size_t i = 0; i < cfg->n_mounts; i++)
                if (casca_mount_dest_is(cfg->mounts[i].destination, dest) &&
                    (!bind_only || casca_mount_is_bind(&cfg->mounts[i])))
                        return true;
        return false;
}

static int setup_dev(int root_fd, const struct casca_config *cfg, bool in_userns,
                     struct casca_error **err)
{
        _cleanup_close_ int dev_fd = -1;
        int r;

        r = casca_fs_mkdir_in_root(root_fd, "/dev", 0755, err);
        if (r < 0)
                return r;
        dev_fd = casca_fs_open_in_root(root_fd, "/dev", O_PATH | O_DIRECTORY, 0, err);
        if (dev_fd < 0)
                return dev_fd;
        /* all of them in /dev itself, which dev_fd holds */
        for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
                r = create_device_at(dev_fd, default_devices[i].path + strlen("/dev/"),
                                     &default_devices[i], in_userns, err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < cfg->linux_cfg.n_devices; i++) {
                const struct casca_device *cd = &cfg->linux_cfg.devices[i];
                struct dev_node d = {
                        .path = cd->path,
                        .type = cd->type,
                        .major = cd->major < 0 ? 0 : (unsigned)cd->major,
                        .minor = cd->minor < 0 ? 0 : (unsigned)cd->minor,
                        .mode = cd->has_file_mode ? cd->file_mode : 0666,
                        .uid = cd->has_uid ? cd->uid : 0,
                        .gid = cd->has_gid ? cd->gid : 0,
                };

                r = create_device(root_fd, &d, in_userns, err);
                if (r < 0)
                        return casca_error_prefix(err, "linux.devices[%zu]", i);
        }
        r = dev_symlinks(dev_fd, err);
        if (r < 0)
                return r;
        if (!config_mounts(cfg, "/dev/shm", false)) {
                _cleanup_close_ int shm = own_target(root_fd, "/dev/shm", true, err);

                if (shm < 0)
                        return shm;
                if (mount("shm", CASCA_FD_PATH(shm), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          "mode=1777,size=65536k") < 0)
                        return casca_error_set(err, errno, "mount tmpfs on `/dev/shm`");
        }
        return 0;
}

static int bind_console(int root_fd, int console_fd, struct casca_error **err)
{
        _cleanup_close_ int target = own_target(root_fd, "/dev/console", false, err);

        if (target < 0)
                return target;
        if (mount(CASCA_FD_PATH(console_fd), CASCA_FD_PATH(target), NULL, MS_BIND, NULL) < 0)
                return casca_error_set(err, errno, "bind the console onto `/dev/console`");
        return 0;
}

int casca_rootfs_bind_console(const char *root, int console_fd, struct casca_error **err)
{
        _cleanup_close_ int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (root_fd < 0)
                return casca_error_set(err, errno, "open `%s`", root);
        return bind_console(root_fd, console_fd, err);
}

/* casca.cloudInit: the NoCloud seed on a tmpfs of its own at
 * /var/lib/cloud/seed/nocloud, written, then made read-only (the
 * container cannot change what it is provisioned with, and nothing of it
 * lives on the host). */
static int mount_cloud_init_seed(int root_fd, const struct casca_cloud_init *ci,
                                 struct casca_error **err)
{
        static const char dest[] = CASCA_CLOUD_INIT_SEED_DIR;
        unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
        _cleanup_close_ int target = -1, top = -1, dir = -1;
        int r;

        target = own_target(root_fd, dest, true, err);
        if (target < 0)
                return target;
        /* detached, moved there, changed through its fd (see bind_tree) */
        top = fs_detached("tmpfs", "cloud-init-seed", flags, "mode=0755,size=4m");
        r = top < 0 ? top : 0;
        if (top >= 0 &&
            move_mount(top, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                r = -errno;
        if (r == -ENOSYS) { /* before Linux 5.2 */
                if (mount("cloud-init-seed", CASCA_FD_PATH(target), "tmpfs", flags,
                          "mode=0755,size=4m") < 0)
                        return casca_error_set(err, errno, "mount tmpfs on `%s`", dest);
                top = reopen(root_fd, dest, err);
                if (top < 0)
                        return top;
        } else if (r < 0) {
                return casca_error_set(err, -r, "mount tmpfs on `%s`", dest);
        }
        dir = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return casca_error_set(err, errno, "open `%s`", dest);
        r = casca_cloud_init_write_seed(ci, dir, err);
        if (r < 0)
                return r;
        return remount_bind(top, flags | MS_RDONLY, false, dest, err);
}

int casca_rootfs_setup(const struct casca_config *cfg, const char *rootfs,
                       const struct casca_rootfs_opts *o, struct casca_error **err)
{
        _cleanup_close_ int root_fd = -1;
        char root[PATH_MAX];
        ssize_t n;
        int r;

        if (!rootfs || rootfs[0] != '/')
                return casca_error_setx(err, EINVAL, "rootfs `%s`: not an absolute path",
                                        rootfs ? rootfs : "");
        r = prepare_root(cfg, rootfs, err);
        if (r < 0)
                return casca_error_prefix(err, "rootfs");
        /* Opened after the bind: root_fd is the root of the new mount. */
        root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return casca_error_set(err, errno, "open rootfs `%s`", rootfs);
        /* its path, once: where each mount's target lands is checked against it */
        n = readlink(CASCA_FD_PATH(root_fd), root, sizeof(root) - 1);
        if (n < 0)
                return casca_error_set(err, errno, "readlink rootfs `%s`", rootfs);
        root[n] = '\0';

        for (size_t i = 0; i < cfg->n_mounts; i++) {
                const struct casca_mount *m = &cfg->mounts[i];

                if (!m->destination || casca_mount_dest_is(m->destination, "/"))
                        r = casca_error_setx(err, EINVAL,
                                             "mounting over the root is not supported");
                else if (m->flags & MS_REMOUNT)
                        r = mount_remount(root_fd, m, err);
                else if (casca_mount_is_bind(m))
                        r = mount_bind(root_fd, root, m, o && o->bind_fds ? o->bind_fds[i] : -1,
                                       err);
                else
                        r = mount_fs(root_fd, root, m, err);
                if (r < 0)
                        return casca_error_prefix(err, "mounts[%zu] `%s`", i,
                                                  m->destination ? m->destination : "");
        }
        if (cfg->cloud_init) {
                r = mount_cloud_init_seed(root_fd, cfg->cloud_init, err);
                if (r < 0)
                        return casca_error_prefix(err, "casca.cloudInit");
        }
        if (!config_mounts(cfg, "/dev", true)) {
                r = setup_dev(root_fd, cfg, o && o->in_userns, err);
                if (r < 0)
                        return casca_error_prefix(err, "/dev");
        }
        if (o && o->console_fd >= 0) {
                r = bind_console(root_fd, o->console_fd, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

const char *const casca_etc_names[CASCA_ETC__MAX] = {
        [CASCA_ETC_HOSTNAME] = "hostname",
        [CASCA_ETC_HOSTS] = "hosts",
        [CASCA_ETC_RESOLV_CONF] = "resolv.conf",
};

bool casca_rootfs_binds_etc(const struct casca_config *cfg, enum casca_etc_file i)
{
        char dest[32];

        /* a system provisioned by cloud-init names itself: its
         * set_hostname module writes /etc/hostname, and fails on a
         * read-only bind (the UTS name is still cfg->hostname at start) */
        if (i == CASCA_ETC_HOSTNAME && cfg->cloud_init)
                return false;

        /* the names fit */
        casca_snprintf_trunc(dest, sizeof(dest), "/etc/%s", casca_etc_names[i]);
        return !config_mounts(cfg, dest, false);
}

/* Attach src onto dest: a detached mount with move_mount(), or an fd of a
 * file of this mount namespace with a bind mount. */
static int attach_etc(int root_fd, int src, bool detached, const char *dest,
                      struct casca_error **err)
{
        _cleanup_close_ int target = -1, top = -1;
        int r;

        target = own_target(root_fd, dest, false, err);
        if (target < 0)
                return target;
        if (detached)
                r = move_mount(src, "", target, "",
                               MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0
                            ? -errno
                            : 0;
        else {
                top = bind_tree(src, "", AT_EMPTY_PATH, target);
                r = top < 0 ? top : 0;
                src = top;
        }
        if (r < 0)
                return casca_error_set(err, -r, "bind `%s`", dest);
        /* src is the mount now (see bind_tree) */
        return remount_bind(src, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, true, dest, err);
}

int casca_rootfs_bind_etc(const struct casca_config *cfg, const char *rootfs,
                          const int mounts[CASCA_ETC__MAX], const char *dir,
                          struct casca_error **err)
{
        _cleanup_close_ int root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int dir_fd = -1;

        if (root_fd < 0)
                return casca_error_set(err, errno, "open rootfs `%s`", rootfs);
        if (dir) {
                dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (dir_fd < 0)
                        return casca_error_set(err, errno, "network: open `%s`", dir);
        }
        for (int i = 0; i < CASCA_ETC__MAX; i++) {
                _cleanup_close_ int src = -1;
                char dest[32];
                int r;

                /* the names fit */
                casca_snprintf_trunc(dest, sizeof(dest), "/etc/%s", casca_etc_names[i]);
                if (!casca_rootfs_binds_etc(cfg, i))
                        continue; /* the bundle brings its own */
                if (mounts[i] >= 0) {
                        r = attach_etc(root_fd, mounts[i], true, dest, err);
                } else if (dir_fd >= 0) {
                        src = openat(dir_fd, casca_etc_names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
                        if (src < 0 && errno == ENOENT)
                                continue;
                        if (src < 0)
                                return casca_error_set(err, errno, "network: open `%s/%s`", dir,
                                                       casca_etc_names[i]);
                        r = attach_etc(root_fd, src, false, dest, err);
                } else {
                        continue;
                }
                if (r < 0)
                        return casca_error_prefix(err, "network");
        }
        return 0;
}

/* ---- pivot ----------------------------------------------------------------- */

static int pivot(const char *rootfs, struct casca_error **err)
{
        _cleanup_close_ int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int newroot = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (oldroot < 0)
                return casca_error_set(err, errno, "open `/`");
        if (newroot < 0)
                return casca_error_set(err, errno, "open `%s`", rootfs);
        if (fchdir(newroot) < 0)
                return casca_error_set(err, errno, "chdir `%s`", rootfs);
        /* The old root ends up stacked on "."; no put_old directory needed. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return casca_error_set(err, errno, "pivot_root `%s`", rootfs);
        if (fchdir(oldroot) < 0)
                return casca_error_set(err, errno, "chdir to the old root");
        /* Its unmount must not reach the host's mounts. */
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return casca_error_set(err, errno, "make the old root rslave");
        if (umount2(".", MNT_DETACH) < 0)
                return casca_error_set(err, errno, "unmount the old root");
        return 0;
}

/* "\040" in a mountinfo path is a space (also tab, newline, backslash). */
static void unescape_mountinfo(char *s)
{
        char *out = s;

        for (; *s; s++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
                    s[3] >= '0' && s[3] <= '7') {
                        *out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
                        s += 3;
                } else {
                        *out++ = *s;
                }
        }
        *out = '\0';
}

/* The mount points of every whole procfs and sysfs outside `rootfs`, from
 * /proc/self/mountinfo:
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE ...";
 * *ret is a NULL-terminated vector. */
static int full_proc_sys_mounts(const char *rootfs, char ***ret, struct casca_error **err)
{
        _cleanup_free_ char *info = casca_fs_read_file("/proc/self/mountinfo", NULL, err);
        _cleanup_strv_ char **out = NULL;
        size_t n = 0;
        char *save = NULL;

        if (!info)
                return -EIO;
        out = calloc(1, sizeof(char *));
        if (!out)
                return casca_error_set(err, ENOMEM, "mountinfo");
        for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *root = NULL, *mp = NULL, *type = NULL, *sep = strstr(line, " - ");
                char **grown;

                if (!sep)
                        continue;
                if (sscanf(line, "%*s %*s %*s %ms %ms", &root, &mp) != 2 ||
                    sscanf(sep + 3, "%ms", &type) != 1) {
                        free(root), free(mp), free(type);
                        continue;
                }
                unescape_mountinfo(mp);
                if (strcmp(root, "/") != 0 ||
                    (strcmp(type, "proc") != 0 && strcmp(type, "sysfs") != 0) ||
                    path_is_under(mp, rootfs)) {
                        free(root), free(mp), free(type);
                        continue;
                }
                free(root), free(type);
                grown = realloc(out, (n + 2) * sizeof(char *));
                if (!grown) {
                        free(mp);
                        return casca_error_set(err, ENOMEM, "mountinfo");
                }
                out = grown;
                out[n++] = mp;
                out[n] = NULL;
        }
        *ret = TAKE_PTR(out);
        return 0;
}

/* Without pivot_root the old root stays in the mount namespace under the
 * chroot, and with it the host's whole /proc and /sys: the kernel lets a
 * user namespace mount a new procfs or sysfs only where one is already fully
 * visible in its mount namespace, so a process of the container could get
 * an unmasked one.  Unmount them (as runc's msMoveRoot does), or where a
 * user namespace locks them, cover them with an empty read-only tmpfs. */
static int hide_host_proc_sys(const char *rootfs, struct casca_error **err)
{
        _cleanup_strv_ char **mps = NULL;
        int r = full_proc_sys_mounts(rootfs, &mps, err);

        if (r < 0)
                return r;
        for (char **mp = mps; *mp; mp++) {
                /* its unmount must not reach the host */
                if (mount(NULL, *mp, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
                        if (errno == ENOENT || errno == EINVAL)
                                continue; /* gone with a parent we unmounted */
                        return casca_error_set(err, errno, "no-pivot: make `%s` a slave", *mp);
                }
                if (umount2(*mp, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
                        continue;
                if (errno != EINVAL && errno != EPERM)
                        return casca_error_set(err, errno, "no-pivot: unmount `%s`", *mp);
                if (mount("tmpfs", *mp, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          "size=0,mode=0") < 0)
                        return casca_error_set(err, errno, "no-pivot: cover `%s`", *mp);
        }
        return 0;
}

static int move_root(const char *rootfs, struct casca_error **err)
{
        int r = hide_host_proc_sys(rootfs, err);

        if (r < 0)
                return r;
        if (chdir(rootfs) < 0)
                return casca_error_set(err, errno, "chdir `%s`", rootfs);
        if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
                return casca_error_set(err, errno, "move `%s` onto `/`", rootfs);
        if (chroot(".") < 0)
                return casca_error_set(err, errno, "chroot `%s`", rootfs);
        return 0;
}

static int set_root_propagation(const struct casca_config *cfg, struct casca_error **err)
{
        if (cfg->linux_cfg.rootfs_propagation &&
            mount(NULL, "/", NULL, cfg->linux_cfg.rootfs_propagation, NULL) < 0)
                return casca_error_set(err, errno, "linux.rootfsPropagation: set on `/`");
        return 0;
}

int casca_rootfs_pivot(const struct casca_config *cfg, const char *rootfs, bool no_pivot,
                       struct casca_error **err)
{
        int r = no_pivot ? move_root(rootfs, err) : pivot(rootfs, err);

        if (r < 0)
                return r;
        if (chdir("/") < 0)
                return casca_error_set(err, errno, "chdir `/`");
        /* Unbindable waits for the end of casca_rootfs_finalize(): masked
         * and read-only paths are bind mounts out of these very mounts. */
        if (cfg->linux_cfg.rootfs_propagation & MS_UNBINDABLE)
                return 0;
        return set_root_propagation(cfg, err);
}

/* ---- inside the container ---------------------------------------------- */

int casca_sysctls_write(const struct casca_config *cfg, const char *only, struct casca_error **err)
{
        _cleanup_close_ int procsys = -1;

        if (cfg->linux_cfg.n_sysctl == 0)
                return 0;
        procsys = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (procsys < 0)
                return casca_error_set(err, errno, "open `/proc/sys`");
        for (size_t i = 0; i < cfg->linux_cfg.n_sysctl; i++) {
                const struct casca_kv *kv = &cfg->linux_cfg.sysctl[i];
                _cleanup_free_ char *rel = strdup(kv->key);
                _cleanup_close_ int fd = -1;
                int r;

                if (!rel)
                        return casca_error_set(err, ENOMEM, "linux.sysctl");
                for (char *p = rel; *p; p++)
                        if (*p == '.')
                                *p = '/';
                if (only && strncmp(rel, only, strlen(only)) != 0)
                        continue;
                /* Resolved inside /proc/sys: a key cannot name another file. */
                fd = casca_fs_open_in_root(procsys, rel, O_WRONLY | O_NOCTTY, 0, err);
                if (fd < 0)
                        return casca_error_prefix(err, "linux.sysctl `%s`", kv->key);
                r = casca_fs_write_fd(fd, kv->key, kv->value, strlen(kv->value), err);
                if (r < 0)
                        return casca_error_prefix(err, "linux.sysctl `%s`", kv->key);
        }
        return 0;
}

/* Open a path of the container for masking: -ENOENT (and no error) when it
 * does not exist. */
static int open_existing(int root_fd, const char *path, struct casca_error **err)
{
        _cleanup_error_ struct casca_error *e = NULL;
        int fd = casca_fs_open_in_root(root_fd, path, O_PATH, 0, &e);

        if (fd >= 0 || fd == -ENOENT)
                return fd;
        return casca_error_setx(err, e->code, "%s", e->msg);
}

static int open_dev_null(int root_fd, struct casca_error **err)
{
        _cleanup_close_ int fd = casca_fs_open_in_root(root_fd, "/dev/null", O_PATH, 0, err);
        struct stat st;

        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return casca_error_set(err, errno, "stat `/dev/null`");
        if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
                return casca_error_setx(err, EPERM, "`/dev/null` is not the null device");
        return TAKE_FD(fd);
}

static int mask_paths(int root_fd, const struct casca_config *cfg, struct casca_error **err)
{
        _cleanup_close_ int null_fd = -1;

        for (size_t i = 0; i < cfg->linux_cfg.n_masked_paths; i++) {
                const char *path = cfg->linux_cfg.masked_paths[i];
                _cleanup_close_ int fd = open_existing(root_fd, path, err);
                struct stat st;

                if (fd == -ENOENT)
                        continue;
                if (fd < 0 || fstat(fd, &st) < 0)
                        return fd < 0 ? casca_error_prefix(err, "linux.maskedPaths[%zu]", i)
                                      : casca_error_set(err, errno, "stat `%s`", path);
                if (S_ISDIR(st.st_mode)) {
                        if (mount("tmpfs", CASCA_FD_PATH(fd), "tmpfs",
                                  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0)
                                return casca_error_set(
                                        err, errno, "linux.maskedPaths[%zu]: mount tmpfs on `%s`",
                                        i, path);
                        continue;
                }
                if (null_fd < 0) {
                        null_fd = open_dev_null(root_fd, err);
                        if (null_fd < 0)
                                return casca_error_prefix(err, "linux.maskedPaths[%zu]", i);
                }
                if (mount(CASCA_FD_PATH(null_fd), CASCA_FD_PATH(fd), NULL, MS_BIND, NULL) < 0)
                        return casca_error_set(err, errno,
                                               "linux.maskedPaths[%zu]: bind /dev/null on `%s`", i,
                                               path);
        }
        return 0;
}

static int readonly_paths(int root_fd, const struct casca_config *cfg, struct casca_error **err)
{
        for (size_t i = 0; i < cfg->linux_cfg.n_readonly_paths; i++) {
                const char *path = cfg->linux_cfg.readonly_paths[i];
                _cleanup_close_ int fd = open_existing(root_fd, path, err);
                _cleanup_close_ int top = -1;
                int r;

                if (fd == -ENOENT)
                        continue;
                if (fd < 0)
                        return casca_error_prefix(err, "linux.readonlyPaths[%zu]", i);
                top = bind_tree(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, fd);
                if (top < 0)
                        return casca_error_set(err, -top, "linux.readonlyPaths[%zu]: bind `%s`", i,
                                               path);
                r = remount_bind(top, MS_RDONLY, true, path, err);
                if (r < 0)
                        return casca_error_prefix(err, "linux.readonlyPaths[%zu]", i);
        }
        return 0;
}

/* Stdio that is /dev/null (the engines' stdin: conmon's, the shim's) is
 * the caller's /dev/null, on a mount the container does not have, which
 * criu cannot dump: as runc, it becomes the container's own /dev/null. */
static int reopen_dev_null(int root_fd, struct casca_error **err)
{
        _cleanup_close_ int null = -1;
        struct stat want, st;

        for (int fd = 0; fd < 3; fd++) {
                if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
                        continue;
                if (null < 0) {
                        _cleanup_error_ struct casca_error *e = NULL;

                        null = casca_fs_open_in_root(root_fd, "/dev/null", O_RDWR, 0, &e);
                        /* a rootfs without one, one the container may not
                         * open (EPERM in a podman pod's container), or one
                         * that is not the null device: the caller's stays,
                         * as before this reopen existed; only a checkpoint
                         * of the container needs it */
                        if (null < 0)
                                return 0;
                        if (fstat(null, &want) < 0 || !S_ISCHR(want.st_mode) ||
                            want.st_rdev != st.st_rdev)
                                return 0;
                }
                if (dup3(null, fd, 0) < 0)
                        return casca_error_set(err, errno, "stdio: fd %d: `/dev/null`", fd);
        }
        return 0;
}

int casca_rootfs_finalize(const struct casca_config *cfg, struct casca_error **err)
{
        _cleanup_close_ int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        int r;

        if (root_fd < 0)
                return casca_error_set(err, errno, "open `/`");
        r = reopen_dev_null(root_fd, err);
        if (r < 0)
                return r;
        r = casca_sysctls_write(cfg, NULL, err);
        if (r < 0)
                return r;
        r = mask_paths(root_fd, cfg, err);
        if (r < 0)
                return r;
        r = readonly_paths(root_fd, cfg, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < cfg->n_mounts; i++) {
                const struct casca_mount *m = &cfg->mounts[i];
                _cleanup_close_ int dev = -1;

                if (!m->destination || !casca_mount_dest_is(m->destination, "/dev") ||
                    casca_mount_is_bind(m) || !(m->flags & MS_RDONLY))
                        continue;
                dev = reopen(root_fd, "/dev", err);
                r = dev < 0 ? dev : remount_bind(dev, m->flags, true, "/dev", err);
                if (r < 0)
                        return casca_error_prefix(err, "mounts[%zu] `/dev`", i);
        }
        if (cfg->root_readonly) {
                r = remount_bind(root_fd, MS_RDONLY | current_flags(root_fd), true, "/", err);
                if (r < 0)
                        return casca_error_prefix(err, "root.readonly");
        }
        if (cfg->linux_cfg.rootfs_propagation & MS_UNBINDABLE)
                return set_root_propagation(cfg, err);
        return 0;
}
