/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* container-net.c - the lifecycle's side of casca's networking (netns/):
 * what `create` does once the container's network namespace exists, and
 * what `delete` (or a failed create) undoes.
 *
 * In the container's state dir <root>/<id>/:
 *   network.json   what netns/ made, written before it makes it (so that a
 *                  teardown after a SIGKILL knows what may exist)
 *   netns          a bind mount of the container's network namespace, made
 *                  only when linux.netDevices moves host interfaces in: it
 *                  keeps the namespace and those interfaces alive after the
 *                  init exits, so that delete can move them back
 *   hostname, hosts, resolv.conf
 *                  written here, bound read-only into the rootfs by the init
 *                  (casca_rootfs_bind_etc) */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns/network.h"
#include "runtime/config.h"
#include "runtime/container-net.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "netns/usernet.h"

#define PIN_FILE "netns"

/* An fd of the network namespace of pid, refused when it is the runtime's
 * own (networking there would configure the host). */
static int open_netns(pid_t pid, struct casca_error **err)
{
        _cleanup_close_ int fd = -1;
        struct stat self, sb;
        char path[64];

        if (casca_snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid) < 0)
                return casca_error_setx(err, EINVAL, "pid %d", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return casca_error_set(err, errno, "open `%s`", path);
        if (fstat(fd, &sb) < 0 || stat("/proc/self/ns/net", &self) < 0)
                return casca_error_set(err, errno, "stat `%s`", path);
        if (sb.st_dev == self.st_dev && sb.st_ino == self.st_ino)
                return casca_error_setx(err, EINVAL,
                                        "the container has no network namespace of its own");
        return TAKE_FD(fd);
}

static int pin_netns(const char *dir, int nsfd, struct casca_error **err)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;
        char src[CASCA_FD_PATH_MAX];

        if (asprintf(&path, "%s/" PIN_FILE, dir) < 0)
                return casca_error_set(err, ENOMEM, "network namespace pin");
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
        if (fd < 0)
                return casca_error_set(err, errno, "create `%s`", path);
        if (mount(casca_fd_path(src, nsfd), path, NULL, MS_BIND, NULL) < 0) {
                int e = errno;
                unlink(path);
                return casca_error_set(err, e, "bind the container's network namespace on `%s`",
                                       path);
        }
        return 0;
}

int casca_container_net_setup(const struct casca_config *cfg, const char *id, const char *root,
                              pid_t init, bool build, struct casca_network_result **ret_res,
                              struct casca_error **err)
{
        _cleanup_close_ int nsfd = open_netns(init, err);

        if (nsfd < 0)
                return nsfd;
        return casca_container_net_setup_ns(cfg, id, root, nsfd, init, build, ret_res, err);
}

int casca_container_net_setup_ns(const struct casca_config *cfg, const char *id, const char *root,
                                 int nsfd, pid_t init, bool build,
                                 struct casca_network_result **ret_res, struct casca_error **err)
{
        const struct casca_linux *l = &cfg->linux_cfg;
        struct casca_network_result *res = NULL;
        _cleanup_free_ char *dir = NULL;
        int r = 0;

        if (asprintf(&dir, "%s/%s", root, id) < 0)
                return casca_error_set(err, ENOMEM, "network");
        if (l->n_net_devices > 0) {
                r = pin_netns(dir, nsfd, err);
                if (r < 0)
                        return r;
        }
        if (build && cfg->network->user_mode && init <= 0)
                return casca_error_setx(err, EOPNOTSUPP,
                                        "casca.network.mode user: needs the container's init");
        if (build && cfg->network->user_mode) {
                _cleanup_free_ char *pidfile = NULL, *pin = NULL;

                if (asprintf(&pidfile, "%s/" CASCA_USERNET_PIDFILE, dir) < 0)
                        return casca_error_set(err, ENOMEM, "network");
                /* root: pasta opens the pinned namespace (the init is not
                 * dumpable, and pasta drops CAP_SYS_PTRACE before it opens
                 * /proc/<pid>/ns/) */
                if (geteuid() == 0 && l->n_net_devices == 0) {
                        r = pin_netns(dir, nsfd, err);
                        if (r < 0)
                                return r;
                }
                if (geteuid() == 0 && asprintf(&pin, "%s/" PIN_FILE, dir) < 0)
                        return casca_error_set(err, ENOMEM, "network");
                r = casca_usernet_start(cfg->network, init, pin, pidfile, err);
                if (r < 0)
                        return r;
                r = casca_network_write_etc(cfg->network, cfg->hostname, NULL, NULL, dir, err);
                return r < 0 ? casca_error_prefix(err, "casca.network") : 0;
        }
        if (build) {
                r = casca_network_setup(cfg->network, id, cfg->hostname, nsfd, root, &res, err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < l->n_net_devices; i++) {
                const struct casca_net_device *d = &l->net_devices[i];

                r = casca_network_attach_netdev(id, root, d->host_name, d->name, nsfd, err);
                if (r < 0)
                        goto out;
        }
        if (build) {
                r = casca_network_write_etc(cfg->network, cfg->hostname, res->address,
                                            res->nameserver, dir, err);
                if (r < 0)
                        r = casca_error_prefix(err, "casca.network");
        }
out:
        if (r < 0)
                casca_network_result_free(res);
        else
                *ret_res = res;
        return r;
}

static int unpin_netns(const char *root, const char *id, struct casca_error **err)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s/" PIN_FILE, root, id) < 0)
                return casca_error_set(err, ENOMEM, "network namespace pin");
        /* EINVAL: not a mount point (a kill between the file and the mount) */
        if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != ENOENT && errno != EINVAL)
                return casca_error_set(err, errno, "unmount `%s`", path);
        if (unlink(path) < 0 && errno != ENOENT)
                return casca_error_set(err, errno, "remove `%s`", path);
        return 0;
}

int casca_container_net_teardown(const char *root, const char *id, bool force,
                                 struct casca_error **err)
{
        _cleanup_free_ char *pidfile = NULL;
        int r;

        /* mode "user": the container's pasta */
        if (asprintf(&pidfile, "%s/%s/" CASCA_USERNET_PIDFILE, root, id) < 0)
                return casca_error_set(err, ENOMEM, "network");
        r = casca_usernet_stop(pidfile, err);
        if (r < 0 && !force)
                return r;
        r = casca_network_teardown(id, root, err);
        /* the pin holds the netDevices that could not be moved back yet */
        if (r < 0 && !force)
                return r;
        if (r < 0) {
                (void)unpin_netns(root, id, NULL);
                return r;
        }
        return unpin_netns(root, id, err);
}
