/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* procs.c - every process of a container, for `kill --all` and
 * `ps`: through its cgroup, or without one through its pid namespace.
 * Each comes with a pidfd opened before it was checked to be the
 * container's, so a pid that a process outside gets meanwhile is never
 * signalled. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "runtime/handle.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "util/fs.h"
#include "util/parse.h"

void casca_procs_clear(struct casca_procs *p)
{
        for (size_t i = 0; i < p->n; i++)
                casca_closep(&p->fds[i]);
        free(p->pids);
        free(p->fds);
        *p = (struct casca_procs){0};
}

/* Add pid and its pidfd, which p takes (closed on failure). */
static int procs_add(struct casca_procs *p, pid_t pid, int fd)
{
        _cleanup_close_ int owned = fd;
        pid_t *pids = realloc(p->pids, (p->n + 1) * sizeof(*pids));
        int *fds;

        if (!pids)
                return -ENOMEM;
        p->pids = pids;
        fds = realloc(p->fds, (p->n + 1) * sizeof(*fds));
        if (!fds)
                return -ENOMEM;
        p->fds = fds;
        p->pids[p->n] = pid;
        p->fds[p->n++] = TAKE_FD(owned);
        return 0;
}

static int pidfd_open(pid_t pid)
{
        int fd = (int)syscall(SYS_pidfd_open, pid, 0);

        return fd < 0 ? -errno : fd;
}

static int cmp_pid(const void *a, const void *b)
{
        pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

        return x < y ? -1 : x > y;
}

/* The cgroup's pids, each taken when it is still listed after its pidfd
 * was opened: the process the pidfd holds is then the one listed (or gone,
 * and a signal to it fails harmlessly). */
static int cgroup_procs(struct casca_cgroup *cg, struct casca_procs *ret, struct casca_error **err)
{
        _cleanup_free_ pid_t *before = NULL, *after = NULL;
        size_t n_before = 0, n_after = 0;
        _cleanup_free_ int *fds = NULL;
        int r;

        r = casca_cgroup_pids(cg, &before, &n_before, err);
        if (r < 0)
                return r;
        fds = calloc(n_before ? n_before : 1, sizeof(*fds));
        if (!fds)
                return casca_error_set(err, ENOMEM, "processes");
        for (size_t i = 0; i < n_before; i++)
                fds[i] = pidfd_open(before[i]);
        r = casca_cgroup_pids(cg, &after, &n_after, err);
        for (size_t i = 0; i < n_before; i++) {
                if (r >= 0 && fds[i] >= 0 &&
                    bsearch(&before[i], after, n_after, sizeof(*after), cmp_pid)) {
                        if (procs_add(ret, before[i], TAKE_FD(fds[i])) < 0)
                                r = casca_error_set(err, ENOMEM, "processes");
                        else
                                continue;
                }
                casca_closep(&fds[i]);
        }
        return r < 0 ? r : 0;
}

/* Is the pid namespace of ns_fd (which it takes) `target` or one below it?
 * The walk up ends at our own namespace, above which nothing is ours. */
static bool ns_within(int ns_fd, const struct stat *target, const struct stat *own)
{
        for (int depth = 0; ns_fd >= 0 && depth < 33; depth++) {
                struct stat sb;
                int parent;

                if (fstat(ns_fd, &sb) < 0 || (sb.st_dev == own->st_dev && sb.st_ino == own->st_ino))
                        break;
                if (sb.st_dev == target->st_dev && sb.st_ino == target->st_ino) {
                        close(ns_fd);
                        return true;
                }
                parent = ioctl(ns_fd, NS_GET_PARENT);
                close(ns_fd);
                ns_fd = parent;
        }
        casca_closep(&ns_fd);
        return false;
}

/* The last NSpid of /proc/<pid>/status: the pid in its own namespace. */
static int inner_pid(pid_t pid)
{
        _cleanup_free_ char *text = NULL;
        char path[64], *line, *last;
        const char *end;
        int v;

        if (casca_snprintf(path, sizeof(path), "/proc/%d/status", (int)pid) < 0)
                return -1;
        text = casca_fs_read_file(path, NULL, NULL);
        line = text ? strstr(text, "\nNSpid:") : NULL;
        if (!line)
                return -1;
        line[strcspn(line + 1, "\n") + 1] = '\0';
        last = strrchr(line, '\t');
        return last && casca_parse_int(last + 1, &end, 0, INT_MAX, &v) == 0 ? v : -1;
}

/* Every process in the init's pid namespace and those below it, when that
 * namespace is the container's own: the init is its first process. */
static int pidns_procs(struct casca_handle *h, const char *verb, struct casca_procs *ret,
                       struct casca_error **err)
{
        _cleanup_close_ int init_fd = casca_handle_pidfd(h->st), ns_fd = -1;
        _cleanup_closedir_ DIR *proc = NULL;
        struct pollfd p = {.fd = init_fd, .events = POLLIN};
        struct stat target, own;
        char path[64];
        struct dirent *de;
        int inner;

        if (init_fd == -ESRCH)
                return 0; /* gone: so is its namespace */
        if (init_fd < 0)
                return casca_error_set(err, -init_fd, "container `%s`: pidfd_open", h->st->id);
        if (casca_snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)h->st->pid) >= 0)
                ns_fd = open(path, O_RDONLY | O_CLOEXEC);
        inner = inner_pid(h->st->pid);
        /* both read while the pidfd's process, the init, still had the pid */
        if (poll(&p, 1, 0) != 0)
                return 0;
        if (ns_fd < 0 || fstat(ns_fd, &target) < 0 || stat("/proc/self/ns/pid", &own) < 0)
                return casca_error_set(err, errno, "container `%s`: its pid namespace", h->st->id);
        if (inner != 1 || (target.st_dev == own.st_dev && target.st_ino == own.st_ino))
                return casca_error_setx(err, EOPNOTSUPP,
                                        "container `%s` has no cgroup and no pid namespace of its "
                                        "own: %s needs one of them",
                                        h->st->id, verb);
        proc = opendir("/proc");
        if (!proc)
                return casca_error_set(err, errno, "open /proc");
        while ((de = readdir(proc))) {
                _cleanup_close_ int fd = -1;
                int pid, nsfd;

                if (casca_parse_int(de->d_name, NULL, 1, INT_MAX, &pid) < 0)
                        continue;
                fd = pidfd_open(pid);
                if (fd < 0)
                        continue; /* gone */
                /* after the pidfd: a pid reused meanwhile is judged by the
                 * process that has it now, which the pidfd holds or which
                 * is not in the namespace */
                nsfd = casca_snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid) < 0
                               ? -1
                               : open(path, O_RDONLY | O_CLOEXEC);
                if (!ns_within(nsfd, &target, &own))
                        continue;
                if (procs_add(ret, pid, TAKE_FD(fd)) < 0)
                        return casca_error_set(err, ENOMEM, "processes");
        }
        return 0;
}

int casca_handle_procs(struct casca_handle *h, const char *verb, struct casca_procs *ret,
                       struct casca_error **err)
{
        _cleanup_cgroup_ struct casca_cgroup *cg = casca_handle_cgroup(h);
        int r;

        *ret = (struct casca_procs){0};
        if (cg) {
                r = cgroup_procs(cg, ret, err);
                if (r < 0)
                        casca_error_prefix(err, "container `%s`", h->st->id);
        } else if (h->status == CASCA_STATUS_STOPPED) {
                r = 0; /* its pid namespace went with its init */
        } else {
                r = pidns_procs(h, verb, ret, err);
        }
        if (r < 0)
                casca_procs_clear(ret);
        return r < 0 ? r : 0;
}

int casca_proc_info(pid_t pid, struct casca_proc_info *ret, struct casca_error **err)
{
        _cleanup_free_ char *text = NULL, *cmdline = NULL;
        unsigned long long utime = 0, stime = 0, start = 0;
        long tick = sysconf(_SC_CLK_TCK);
        char path[64], *rparen, *p;
        int r;
        size_t len = 0;
        struct stat st;
        int field;

        *ret = (struct casca_proc_info){.pid = pid};
        r = casca_snprintf(path, sizeof(path), "/proc/%d", (int)pid);
        if (r < 0 || stat(path, &st) < 0)
                return casca_error_set(err, errno, "process %d", (int)pid);
        ret->uid = st.st_uid;
        r = casca_snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        text = r < 0 ? NULL : casca_fs_read_file(path, NULL, err);
        if (!text)
                return -ESRCH; /* gone meanwhile, most likely */
        /* "pid (comm) S ppid ..." - comm may hold spaces and parentheses */
        rparen = strrchr(text, ')');
        p = strchr(text, '(');
        if (!rparen || !p || rparen[1] != ' ' || !rparen[2])
                return casca_error_setx(err, EINVAL, "process %d: unexpected stat", (int)pid);
        casca_snprintf_trunc(ret->comm, sizeof(ret->comm), "%.*s", (int)(rparen - p - 1), p + 1);
        ret->state = rparen[2];
        /* the fields after the state, each after one space (the checked
         * parser, unlike strtoull, skips no blank) */
        p = rparen + 3;
        p += strspn(p, " ");
        /* field 4 is ppid, 14 utime, 15 stime, 22 starttime */
        for (field = 4; p && *p && field <= 22; field++) {
                const char *end;
                uint64_t v = 0;

                if (field == 4 || field == 14 || field == 15 || field == 22)
                        (void)casca_parse_u64(p, &end, UINT64_MAX, &v);

                if (field == 4)
                        ret->ppid = (pid_t)v;
                else if (field == 14)
                        utime = v;
                else if (field == 15)
                        stime = v;
                else if (field == 22)
                        start = v;
                p = strchr(p, ' ');
                if (p)
                        p++;
        }
        if (tick > 0) {
                ret->cpu_ms = (utime + stime) * 1000 / (unsigned long long)tick;
                ret->start_ms = start * 1000 / (unsigned long long)tick;
        }
        if (casca_snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid) >= 0)
                cmdline = casca_fs_read_file(path, &len, NULL);
        if (!cmdline)
                len = 0;
        /* arguments are NUL-separated */
        for (size_t i = 0; i < len; i++)
                if (cmdline[i] == '\0')
                        cmdline[i] = ' ';
        while (len > 0 && cmdline[len - 1] == ' ')
                cmdline[--len] = '\0';
        /* cut short as ps does */
        if (len > 0)
                casca_snprintf_trunc(ret->cmdline, sizeof(ret->cmdline), "%s", cmdline);
        else /* a kernel thread or a zombie: [comm] like ps */
                casca_snprintf_trunc(ret->cmdline, sizeof(ret->cmdline), "[%s]", ret->comm);
        return 0;
}
