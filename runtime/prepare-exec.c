/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* prepare-exec.c - the steps before execve, for the container's init and
 * for an exec'd process alike (see prepare-exec.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "runtime/prepare-exec.h"
#include "runtime/process.h"
#include "runtime/sealed-exe.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

/* ---- stdio ---------------------------------------------------------------- */

/* As runc's fixStdioPermissions: the process's uid owns its stdio, so that
 * it can reopen /dev/stdout (/proc/self/fd/1) and use its terminal; the
 * group stays (devpts gives the tty group).  Only what is the process's
 * own is changed: its pty, and pipes and sockets; a file or a device of the
 * caller (a log file, the caller's own terminal) is left alone.  A chown
 * the kernel refuses (an owner not mapped in a user namespace, a read-only
 * /dev) leaves it as it is, as in runc. */
static int fix_stdio_owner(uid_t uid, int pty, struct casca_error **err)
{
        struct stat pst;
        bool have_pty = pty >= 0 && fstat(pty, &pst) == 0;

        for (int fd = 0; fd < 3; fd++) {
                struct stat st;
                bool ours;

                if (fstat(fd, &st) < 0 || st.st_uid == uid)
                        continue;
                ours = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
                       (have_pty && S_ISCHR(st.st_mode) && st.st_rdev == pst.st_rdev);
                if (!ours || fchown(fd, uid, (gid_t)-1) == 0)
                        continue;
                if (errno != EINVAL && errno != EPERM && errno != EROFS)
                        return casca_error_set(err, errno, "chown stdio fd %d to uid %u", fd,
                                               (unsigned)uid);
        }
        return 0;
}

/* ---- capabilities kept for the filter ---------------------------------------- */

static int last_cap(void)
{
        int last = (int)cap_max_bits() - 1;

        return last > 63 ? 63 : last;
}

static void set_final(struct casca_prepare *x, uint64_t eff, uint64_t perm, uint64_t inh)
{
        int last = last_cap();
        uint64_t known = last >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (last + 1)) - 1;
        const uint64_t v[3] = {eff & known, perm & known, inh & known};

        for (int s = 0; s < 3; s++) {
                x->final_caps[0][s] = (uint32_t)v[s];
                x->final_caps[1][s] = (uint32_t)(v[s] >> 32);
        }
        x->drop_admin = true;
}

/* Without no_new_privs, seccomp(2) needs CAP_SYS_ADMIN in our user
 * namespace.  When the process is not to have it in its effective set,
 * *u (what casca_process_set_user() applies) keeps it effective and
 * permitted, and x->final_caps is what the process is to have. */
static int keep_admin(struct casca_prepare *x, struct casca_process *u, struct casca_error **err)
{
        const struct casca_process *p = &x->cfg->process;
        const uint64_t admin = UINT64_C(1) << CAP_SYS_ADMIN;

        *u = *p;
        if (!x->seccomp || p->no_new_privileges)
                return 0;
        if (p->has_capabilities) {
                if (p->caps.effective & admin)
                        return 0;
                u->caps.effective |= admin;
                u->caps.permitted |= admin;
                set_final(x, p->caps.effective, p->caps.permitted, p->caps.inheritable);
                return 0;
        }
        if (p->user.uid == 0)
                return 0; /* root keeps its capabilities */
        /* A non-root uid loses its effective and permitted sets (and the
         * ambient one); the inheritable set stays. */
        {
                struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
                struct __user_cap_data_struct d[2];
                uint64_t inh;

                if (syscall(SYS_capget, &h, d) < 0)
                        return casca_error_set(err, errno, "capget");
                inh = d[0].inheritable | ((uint64_t)d[1].inheritable << 32);
                u->has_capabilities = true;
                u->caps = (struct casca_capabilities){.bounding = ~UINT64_C(0),
                                                      .effective = admin,
                                                      .permitted = admin,
                                                      .inheritable = inh};
                set_final(x, 0, 0, inh);
        }
        return 0;
}

/* ---- the steps ----------------------------------------------------------------- */

int casca_prepare_exec(struct casca_prepare *x, struct casca_error **err)
{
        const struct casca_process *p = &x->cfg->process;
        struct casca_process u;
        int r;

        r = casca_process_setup(x->cfg, err);
        if (r < 0)
                return r;
        if (x->pty_slave >= 0 && x->via_stub) {
                /* the stub's clone leads a session with it, not we */
                for (int fd = 0; fd < 3; fd++)
                        if (dup2(x->pty_slave, fd) < 0)
                                return casca_error_set(err, errno, "process.terminal: dup2");
        } else if (x->pty_slave >= 0) {
                r = casca_terminal_become_stdio(x->pty_slave, err);
                if (r < 0)
                        return r;
        } else if (x->new_session && setsid() < 0) {
                return casca_error_set(err, errno, "setsid");
        }
        r = fix_stdio_owner(p->user.uid, x->pty_slave, err);
        if (r < 0)
                return r;
        r = keep_admin(x, &u, err);
        if (r < 0)
                return r;
        r = casca_process_set_user(&u, err);
        if (r < 0)
                return r;
        r = casca_process_set_no_new_privs(p, err);
        if (r < 0)
                return r;
        /* a missing program fails now, while the runtime can report it */
        r = casca_process_find_exec(p, x->path, sizeof(x->path), err);
        if (r < 0)
                return r;
        r = casca_process_set_final_affinity(p, err);
        if (r < 0)
                return r;
        r = casca_fs_cloexec_from(3 + (int)x->preserve_fds, err);
        if (r < 0)
                return r;
        /* set again, not kept: a change of credentials cleared it; a
         * runtime gone already shows as a hang-up of the sync socket (our
         * parent is outside our pid namespace: getppid() says 0) */
        if (prctl(PR_SET_PDEATHSIG, x->die_with_runtime ? SIGKILL : 0) < 0)
                return casca_error_set(err, errno, "prctl(PR_SET_PDEATHSIG)");
        if (x->die_with_runtime) {
                struct pollfd pfd = {.fd = x->sock, .events = POLLIN};

                if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLHUP))
                        return casca_error_setx(err, ESRCH, "the runtime is gone");
        }
        if (x->filter_before_ready) {
                r = casca_prepare_filter(x, err);
                if (r < 0)
                        return r;
        }
        return casca_sync_send(x->sock, SYNC_READY, NULL, 0, -1, err);
}

int casca_prepare_filter(struct casca_prepare *x, struct casca_error **err)
{
        _cleanup_close_ int notify_fd = -1;
        int r;

        if (!x->seccomp || x->filter_loaded)
                return 0;
        r = casca_seccomp_prog_load(x->seccomp, &notify_fd, err);
        if (r < 0)
                return casca_error_prefix(err, "linux.seccomp");
        x->filter_loaded = true;
        if (x->drop_admin) {
                struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
                struct __user_cap_data_struct d[2];

                for (int w = 0; w < 2; w++)
                        d[w] = (struct __user_cap_data_struct){.effective = x->final_caps[w][0],
                                                               .permitted = x->final_caps[w][1],
                                                               .inheritable = x->final_caps[w][2]};
                if (syscall(SYS_capset, &h, d) < 0)
                        return casca_error_set(err, errno,
                                               "process.capabilities: drop CAP_SYS_ADMIN after "
                                               "loading linux.seccomp: capset");
        }
        if (notify_fd >= 0)
                return casca_sync_send(x->sock, SYNC_SECCOMP_FD, NULL, 0, notify_fd, err);
        return 0;
}

int casca_prepare_execve(struct casca_prepare *x, struct casca_error **err)
{
        static char *const empty_env[] = {NULL};
        const struct casca_process *p = &x->cfg->process;
        int r;

        r = casca_prepare_filter(x, err);
        if (r < 0)
                return r;
        if (x->via_stub)
                return casca_exec_stub_clone(x->stub_fd, x->sock, x->pty_slave >= 0, x->path,
                                             p->args, p->env, err);
        execve(x->path, p->args, p->env ? p->env : empty_env);
        return casca_error_set(err, errno, "exec \"%s\"", p->args[0]);
}

/* ---- the runtime's side ------------------------------------------------------------ */

int casca_prepare_send_listener(const struct casca_seccomp *s, pid_t pid, const char *state_json,
                                int fd, struct casca_error **err)
{
        _cleanup_free_ char *process_state = NULL;
        int r;

        if (fd < 0 || !s || !s->listener_path)
                return casca_error_setx(err, EPROTO, "linux.seccomp: unexpected listener fd");
        r = casca_seccomp_process_state_json(pid, s->listener_metadata, state_json, &process_state,
                                             err);
        if (r < 0)
                return r;
        r = casca_seccomp_send_listener(s->listener_path, fd, process_state, err);
        if (r < 0)
                return casca_error_prefix(err, "linux.seccomp.listenerPath");
        return 0;
}
