/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* backend.h - what a cgroup manager backend provides (cgroup/ only).
 * cgroup.c dispatches the public casca_cgroup_* calls through `ops`; a
 * backend embeds struct casca_cgroup first in its own handle. */
#ifndef CASCA_CGROUP_BACKEND_H
#define CASCA_CGROUP_BACKEND_H

#include "cgroup/cgroup.h"

struct casca_cgroup_ops {
        const char *name;
        int (*enter)(struct casca_cgroup *cg, pid_t pid, struct casca_error **err);
        int (*apply)(struct casca_cgroup *cg, const struct casca_resources *res,
                     struct casca_error **err);
        int (*set_devices)(struct casca_cgroup *cg, const struct casca_device_rule *rules,
                           size_t n_rules, struct casca_error **err);
        int (*freeze)(struct casca_cgroup *cg, bool frozen, struct casca_error **err);
        int (*is_frozen)(struct casca_cgroup *cg, struct casca_error **err);
        int (*kill)(struct casca_cgroup *cg, struct casca_error **err);
        int (*pids)(struct casca_cgroup *cg, pid_t **ret_pids, size_t *ret_n,
                    struct casca_error **err);
        int (*stats)(struct casca_cgroup *cg, struct casca_jgen *j, struct casca_error **err);
        int (*destroy)(struct casca_cgroup *cg, struct casca_error **err);
        /* optional: the container's processes are in (see casca_cgroup_started) */
        int (*started)(struct casca_cgroup *cg);
        void (*free)(struct casca_cgroup *cg);
};

struct casca_cgroup {
        const struct casca_cgroup_ops *ops;
        char *path; /* "/casca/<id>", relative to the mount point */
        int dfd;    /* O_PATH|O_DIRECTORY|O_CLOEXEC */
};

/* ---- the cgroupfs v2 backend (cgroupfs.c, cgroupfs-stats.c) ----------- */

int casca_cgroupfs_create(const char *path, const struct casca_resources *res,
                          struct casca_cgroup **ret, struct casca_error **err);
int casca_cgroupfs_open(const char *path, struct casca_cgroup **ret, struct casca_error **err);
/* The pre-5.14 way to kill: freeze, SIGKILL every pid, thaw.  Exposed for
 * the tests (the VM's kernel has cgroup.kill). */
int casca_cgroupfs_kill_by_pids(struct casca_cgroup *cg, struct casca_error **err);
/* Read a whole control file (NUL-terminated, malloc'd); -errno. */
int casca_cgroupfs_read(int dfd, const char *file, char **ret);
/* pread() a small control file from offset 0 into buf (NUL-terminated):
 * 0, or -errno (-EBADF for fd -1). */
int casca_cgroupfs_pread(int fd, char *buf, size_t size);
/* Find "key value" in a flat-keyed file's text (cgroup.events, cpu.stat);
 * -ENOENT when absent. */
int casca_cgroupfs_keyed(const char *text, const char *key, uint64_t *ret);
int casca_cgroupfs_stats(struct casca_cgroup *cg, struct casca_jgen *j, struct casca_error **err);

#endif
