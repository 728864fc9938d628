/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* namespaces.c - namespace creation and joining. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/namespaces.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "runtime/idmap.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const int ns_flags[CASCA_NS__MAX] = {
        [CASCA_NS_PID] = CLONE_NEWPID,       [CASCA_NS_NETWORK] = CLONE_NEWNET,
        [CASCA_NS_MOUNT] = CLONE_NEWNS,      [CASCA_NS_IPC] = CLONE_NEWIPC,
        [CASCA_NS_UTS] = CLONE_NEWUTS,       [CASCA_NS_USER] = CLONE_NEWUSER,
        [CASCA_NS_CGROUP] = CLONE_NEWCGROUP, [CASCA_NS_TIME] = CLONE_NEWTIME,
};

int casca_ns_clone_flag(enum casca_ns_type t)
{
        return t < CASCA_NS__MAX ? ns_flags[t] : 0;
}

uint64_t casca_ns_new_flags(const struct casca_linux *l)
{
        uint64_t flags = 0;

        for (int t = 0; t < CASCA_NS__MAX; t++)
                if (t != CASCA_NS_TIME && l->namespaces[t].present && !l->namespaces[t].path)
                        flags |= (uint64_t)ns_flags[t];
        return flags;
}

pid_t casca_clone3(uint64_t flags, int cgroup_fd)
{
        struct clone_args args = {
                .flags = flags,
                /* CLONE_PARENT inherits our exit signal; clone3 wants 0 then */
                .exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD,
        };
        long r;

        if (cgroup_fd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t)cgroup_fd;
        }
        r = syscall(SYS_clone3, &args, sizeof(args));
        if (r < 0 && errno == ENOSYS && cgroup_fd < 0) {
                /* kernels before 5.3: plain clone with fork semantics */
                r = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, 0);
        }
        return r < 0 ? -errno : (pid_t)r;
}

/* The user namespace comes first so the others are joined with its
 * credentials; the mount namespace last (all fds are opened up front). */
static const enum casca_ns_type join_order[] = {
        CASCA_NS_USER, CASCA_NS_IPC,    CASCA_NS_UTS,  CASCA_NS_NETWORK,
        CASCA_NS_PID,  CASCA_NS_CGROUP, CASCA_NS_TIME, CASCA_NS_MOUNT,
};

int casca_ns_join(const struct casca_linux *l, unsigned mask, struct casca_error **err)
{
        int fds[ARRAY_SIZE(join_order)];
        int r = 0;

        for (size_t i = 0; i < ARRAY_SIZE(join_order); i++)
                fds[i] = -1;
        for (size_t i = 0; i < ARRAY_SIZE(join_order); i++) {
                enum casca_ns_type t = join_order[i];
                const struct casca_namespace *ns = &l->namespaces[t];

                if (!ns->present || !ns->path || !(mask & (1u << t)))
                        continue;
                fds[i] = open(ns->path, O_RDONLY | O_CLOEXEC);
                if (fds[i] < 0) {
                        r = casca_error_set(err, errno, "linux.namespaces: %s namespace `%s`",
                                            casca_ns_type_name(t), ns->path);
                        goto out;
                }
        }
        for (size_t i = 0; i < ARRAY_SIZE(join_order); i++) {
                enum casca_ns_type t = join_order[i];

                if (fds[i] < 0)
                        continue;
                if (setns(fds[i], ns_flags[t]) < 0) {
                        r = casca_error_set(err, errno, "linux.namespaces: join %s namespace `%s`",
                                            casca_ns_type_name(t), l->namespaces[t].path);
                        goto out;
                }
        }
out:
        for (size_t i = 0; i < ARRAY_SIZE(join_order); i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        return r;
}

static int write_path(const char *path, const char *data, size_t len, struct casca_error **err)
{
        _cleanup_close_ int fd = -1;
        ssize_t n;

        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return casca_error_set(err, errno, "open `%s`", path);
        n = write(fd, data, len);
        if (n < 0 || (size_t)n != len)
                return casca_error_set(err, n < 0 ? errno : EIO, "write `%s`", path);
        return 0;
}

static int write_proc(pid_t pid, const char *file, const char *data, size_t len,
                      struct casca_error **err)
{
        char path[64];

        if (casca_snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file) < 0)
                return casca_error_setx(err, ENAMETOOLONG, "/proc/%d/%s", (int)pid, file);
        return write_path(path, data, len, err);
}

static int write_proc_self(const char *file, const char *data, size_t len, struct casca_error **err)
{
        char path[64];

        if (casca_snprintf(path, sizeof(path), "/proc/self/%s", file) < 0)
                return casca_error_setx(err, ENAMETOOLONG, "/proc/self/%s", file);
        return write_path(path, data, len, err);
}

static int format_map(const struct casca_id_mapping *m, size_t n, char *buf, size_t size)
{
        size_t used = 0;

        for (size_t i = 0; i < n; i++) {
                int k = casca_snprintf(buf + used, size - used, "%u %u %u\n", m[i].container_id,
                                       m[i].host_id, m[i].size);
                if (k < 0)
                        return -E2BIG;
                used += (size_t)k;
        }
        return (int)used;
}

int casca_ns_write_id_maps(pid_t pid, const struct casca_linux *l,
                           const struct casca_idmap_plan *plan, struct casca_error **err)
{
        char buf[4096];
        int len, r;

        if (l->n_uid_mappings && plan && plan->newuidmap) {
                r = casca_idmap_run_helper(plan->newuidmap, pid, l->uid_mappings, l->n_uid_mappings,
                                           "linux.uidMappings", err);
                if (r < 0)
                        return r;
        } else if (l->n_uid_mappings) {
                len = format_map(l->uid_mappings, l->n_uid_mappings, buf, sizeof(buf));
                if (len < 0)
                        return casca_error_setx(err, E2BIG, "linux.uidMappings: too many entries");
                r = write_proc(pid, "uid_map", buf, (size_t)len, err);
                if (r < 0)
                        return casca_error_prefix(err, "linux.uidMappings");
        }
        if (l->n_gid_mappings && plan && plan->newgidmap) {
                /* newgidmap decides setgroups itself (allowed for a granted range) */
                return casca_idmap_run_helper(plan->newgidmap, pid, l->gid_mappings,
                                              l->n_gid_mappings, "linux.gidMappings", err);
        }
        if (l->n_gid_mappings) {
                /* Without CAP_SETGID over the parent namespace the kernel only
                 * accepts a gid map once setgroups is denied. */
                if (geteuid() != 0) {
                        r = write_proc(pid, "setgroups", "deny", 4, err);
                        if (r < 0)
                                return casca_error_prefix(err, "linux.gidMappings");
                }
                len = format_map(l->gid_mappings, l->n_gid_mappings, buf, sizeof(buf));
                if (len < 0)
                        return casca_error_setx(err, E2BIG, "linux.gidMappings: too many entries");
                r = write_proc(pid, "gid_map", buf, (size_t)len, err);
                if (r < 0)
                        return casca_error_prefix(err, "linux.gidMappings");
        }
        return 0;
}

int casca_ns_enter_new_time(const struct casca_linux *l, struct casca_error **err)
{
        static const char *const clock_names[CASCA_CLOCK__MAX] = {"monotonic", "boottime"};
        char buf[256];
        size_t used = 0;
        _cleanup_close_ int fd = -1;
        int r;

        if (unshare(CLONE_NEWTIME) < 0)
                return casca_error_set(err, errno, "linux.namespaces: create time namespace");
        for (int c = 0; c < CASCA_CLOCK__MAX; c++) {
                const struct casca_time_offset *o = &l->time_offsets[c];
                int k;

                if (!o->present)
                        continue;
                k = casca_snprintf(buf + used, sizeof(buf) - used, "%s %lld %u\n", clock_names[c],
                                   (long long)o->secs, o->nanosecs);
                if (k < 0)
                        return casca_error_setx(err, E2BIG, "linux.timeOffsets: too long");
                used += (size_t)k;
        }
        /* one write per clock: the kernel parses a single line per write */
        for (char *line = buf, *nl; used && (nl = strchr(line, '\n')); line = nl + 1) {
                r = write_proc_self("timens_offsets", line, (size_t)(nl - line) + 1, err);
                if (r < 0)
                        return casca_error_prefix(err, "linux.timeOffsets");
        }
        fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return casca_error_set(err, errno, "linux.namespaces: open time namespace");
        if (setns(fd, CLONE_NEWTIME) < 0)
                return casca_error_set(err, errno, "linux.namespaces: enter time namespace");
        return 0;
}
