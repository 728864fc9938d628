/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mount.h - the container's root filesystem, set up by its init process
 * between clone and exec:
 *
 *     casca_rootfs_setup()     in the new mount namespace, before pivot_root
 *     casca_rootfs_pivot()     pivot_root (or MS_MOVE + chroot)
 *     casca_rootfs_finalize()  inside the new root: sysctl, masked and
 *                              read-only paths, read-only root
 *
 * Every destination is resolved inside the rootfs (fs.h) and mounted
 * through /proc/self/fd/N of the opened target, so no symlink in the rootfs
 * can redirect a mount outside it. */
#ifndef CASCA_MOUNT_H
#define CASCA_MOUNT_H

#include <stdbool.h>

#include "runtime/config.h"

struct casca_rootfs_opts {
        bool in_userns; /* device nodes are bind-mounted from the host, not mknod'ed */
        int console_fd; /* the pty slave to bind onto /dev/console, or -1 */
        /* NULL, or per cfg->mounts[i]: a detached mount (open_tree) of a bind
         * source the runtime opened on the host, attached instead of binding
         * the source by path (which a user namespace may not reach); -1 */
        const int *bind_fds;
};

/* 1. "/" becomes MS_SLAVE|MS_REC (or linux.rootfsPropagation), the mount
 *    holding the rootfs private (slave for a slave propagation) and the rootfs
 *    a bind mount of itself (MS_BIND|MS_REC);
 * 2. cfg->mounts in order (bind mounts of files and directories, proc, sysfs
 *    with a read-only bind of /sys when sysfs cannot be mounted (EPERM),
 *    cgroup: cgroup2 when the host's /sys/fs/cgroup is cgroup2, skipped
 *    otherwise, anything else by type), read-only binds remounted, per-mount
 *    propagation applied; a destination inside /proc is refused except for
 *    the files LXCFS-style setups bind over (/proc/cpuinfo, /proc/meminfo...);
 * 3. unless /dev is a bind mount: /dev/{null,zero,full,random,urandom,tty}
 *    (mknod, or a bind of the host's node in a user namespace or on EPERM),
 *    linux.devices, ptmx -> pts/ptmx, fd/stdin/stdout/stderr links, /dev/pts,
 *    and a tmpfs on /dev/shm when the config mounts none there;
 * 4. console_fd, when >= 0, bound onto /dev/console (see below).
 * `rootfs` is an absolute host path.  Errors name the mount:
 * "mounts[2] `/dev/pts`: mount devpts on `/dev/pts`: ...". */
/* Whether a mount destination names want ("/sys/fs/cgroup/" and
 * "/sys//fs/cgroup" do name "/sys/fs/cgroup"). */
bool casca_mount_dest_is(const char *dest, const char *want);
int casca_rootfs_setup(const struct casca_config *cfg, const char *rootfs,
                       const struct casca_rootfs_opts *o, struct casca_error **err);

/* Bind console_fd (a pty slave) onto <root>/dev/console, creating it; root
 * is the rootfs before casca_rootfs_pivot() or "/" after it.  The pty must
 * have been opened inside the container's mount namespace: a file on a
 * mount of another namespace cannot be bind-mounted (EINVAL).  For a pty
 * from the container's own devpts (opened through <rootfs>/dev/pts/ptmx after
 * casca_rootfs_setup()), call this instead of passing console_fd to setup. */
int casca_rootfs_bind_console(const char *root, int console_fd, struct casca_error **err);

/* casca's networking writes these into the container's state dir; the init
 * binds them onto /etc/<name>. */
enum casca_etc_file { CASCA_ETC_HOSTNAME, CASCA_ETC_HOSTS, CASCA_ETC_RESOLV_CONF, CASCA_ETC__MAX };
extern const char *const casca_etc_names[CASCA_ETC__MAX]; /* "hostname", "hosts", "resolv.conf" */
/* Write linux.sysctl under /proc/sys, as the calling thread's namespaces
 * see it; only the keys under `only` ("net/": the network namespace's), or
 * all when NULL. */
int casca_sysctls_write(const struct casca_config *cfg, const char *only, struct casca_error **err);
/* Does casca bind /etc/<casca_etc_names[i]> (false: cfg->mounts mounts
 * something there, or it is /etc/hostname and casca.cloudInit names the
 * system)? */
bool casca_rootfs_binds_etc(const struct casca_config *cfg, enum casca_etc_file i);

/* Bind each file onto /etc/<name> in the rootfs, read-only (and nosuid,
 * nodev, noexec), the target created as an empty file when missing - except
 * where cfg->mounts mounts something at that destination.  The source is
 * mounts[i] when >= 0, a detached mount (open_tree) made by the runtime: the
 * only way in from a user namespace, which cannot reach the state dir; else,
 * when dir is not NULL, dir/<name> opened here (kernels without open_tree;
 * a missing file is skipped).  Call after casca_rootfs_setup(), before
 * casca_rootfs_pivot(). */
int casca_rootfs_bind_etc(const struct casca_config *cfg, const char *rootfs,
                          const int mounts[CASCA_ETC__MAX], const char *dir,
                          struct casca_error **err);

/* pivot_root(".", ".") in the rootfs and a lazy unmount of the old root
 * (made rslave first so nothing propagates to the host), or with no_pivot
 * MS_MOVE of the rootfs onto "/" and chroot; then chdir("/") and
 * linux.rootfsPropagation (when set) applied to the new "/" - except
 * (r)unbindable, which casca_rootfs_finalize() applies last, since masked
 * and read-only paths are bind mounts from mounts it would make unbindable. */
int casca_rootfs_pivot(const struct casca_config *cfg, const char *rootfs, bool no_pivot,
                       struct casca_error **err);

/* Inside the new root: linux.sysctl (written under /proc/sys, resolved
 * inside it), linux.maskedPaths (directories get an empty read-only tmpfs,
 * other files a bind of /dev/null; missing paths are skipped),
 * linux.readonlyPaths (bound onto themselves and remounted read-only,
 * keeping nosuid/nodev/noexec), a read-only /dev when its mount asked for it,
 * root.readonly (remount of "/" keeping its other flags), then an unbindable
 * linux.rootfsPropagation. */
int casca_rootfs_finalize(const struct casca_config *cfg, struct casca_error **err);

#endif
