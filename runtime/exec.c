/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* exec.c - `exec`: run another process inside a created or running
 * container.
 *
 * The process joins every namespace of the container's init through its
 * pidfd (one setns call), its cgroup (CLONE_INTO_CGROUP; --cgroup: a
 * sub-cgroup of it), and gets the same security context as the init
 * (rlimits, seccomp, user, capabilities, no_new_privs, LSM labels) unless
 * the options override it; the steps before execve are the init's
 * (prepare-exec.c).  A pid namespace applies to children only.  Where the
 * process must be kept from our binary (runtime/sealed-exe.c), a first
 * stage joins every namespace (the pid one for its children), prepares the
 * process there, outside the container's pid namespace, and executes the
 * exec stub, which clones the process in as our sibling (CLONE_PARENT)
 * (use_stub()).  Otherwise, where the runtime may join the pid namespace
 * (root), it does so for its children, clones the process straight in and
 * returns to its own (clone_direct()); elsewhere (rootless) a first stage
 * joins and clones the process as our sibling.  Every way the process is
 * our child: we wait for it and report its status. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "runtime/config.h"
#include "runtime/foreground.h"
#include "runtime/handle.h"
#include "runtime/namespaces.h"
#include "runtime/prepare-exec.h"
#include "runtime/process.h"
#include "runtime/sealed-exe.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"
#include "util/dl.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/format.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct exec {
        const struct casca_exec_options *o;
        struct casca_config *cfg;
        struct casca_state *st;
        enum casca_status status;
        struct casca_seccomp_prog *seccomp; /* compiled (or from the cache) before clone */
        int pidfd;
        int sock[2];
        int go[2];
        int entered[2]; /* stage 1 waits on it until the parent moved it into the cgroup */
        int ns_flags;
        int stub_fd; /* the exec stub (sealed-exe.h): stage 1 prepares, the stub clones */
};

/* ---- the process's configuration ----------------------------------------- */

static int strv_set(char ***v, size_t *n, char *const *src, size_t n_src)
{
        char **out = calloc(n_src + 1, sizeof(char *));

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n_src; i++)
                if (!(out[i] = strdup(src[i]))) {
                        casca_strv_free(out);
                        return -ENOMEM;
                }
        for (size_t i = 0; *v && i < *n; i++)
                free((*v)[i]);
        free(*v);
        *v = out;
        *n = n_src;
        return 0;
}

/* --env KEY=VALUE replaces KEY or is appended. */
static int env_set(struct casca_process *p, const char *kv, struct casca_error **err)
{
        const char *eq = strchr(kv, '=');
        size_t klen = eq ? (size_t)(eq - kv) + 1 : 0;
        char **nv, *copy;

        if (!eq || eq == kv)
                return casca_error_setx(err, EINVAL, "--env `%s`: expected KEY=VALUE", kv);
        copy = strdup(kv);
        if (!copy)
                return casca_error_set(err, ENOMEM, "--env");
        for (size_t i = 0; i < p->n_env; i++)
                if (strncmp(p->env[i], kv, klen) == 0) {
                        free(p->env[i]);
                        p->env[i] = copy;
                        return 0;
                }
        nv = realloc(p->env, (p->n_env + 2) * sizeof(char *));
        if (!nv) {
                free(copy);
                return casca_error_set(err, ENOMEM, "--env");
        }
        p->env = nv;
        p->env[p->n_env++] = copy;
        p->env[p->n_env] = NULL;
        return 0;
}

/* --process FILE: a process object, parsed by the config parser. */
static int load_process_file(struct exec *e, struct casca_error **err)
{
        _cleanup_free_ char *body = NULL, *doc = NULL;
        _cleanup_config_ struct casca_config *pc = NULL;
        struct casca_process tmp;
        size_t len;

        body = casca_fs_read_file(e->o->process_file, &len, err);
        if (!body)
                return -EINVAL;
        if (asprintf(&doc, "{\"ociVersion\":\"%s\",\"root\":{\"path\":\"/\"},\"process\":%.*s}",
                     CASCA_OCI_VERSION, (int)len, body) < 0)
                return casca_error_set(err, ENOMEM, "--process");
        pc = casca_config_parse(doc, strlen(doc), err);
        if (!pc)
                return casca_error_prefix(err, "--process `%s`", e->o->process_file);
        /* swap, so each config frees what it holds */
        tmp = e->cfg->process;
        e->cfg->process = pc->process;
        pc->process = tmp;
        return 0;
}

static int apply_options(struct exec *e, struct casca_error **err)
{
        const struct casca_exec_options *o = e->o;
        struct casca_process *p = &e->cfg->process;
        int r;

        if (o->process_file) {
                r = load_process_file(e, err);
                if (r < 0)
                        return r;
        }
        if (o->n_args && strv_set(&p->args, &p->n_args, o->args, o->n_args) < 0)
                return casca_error_set(err, ENOMEM, "exec");
        if (!p->n_args)
                return casca_error_setx(err, EINVAL, "exec: no command given");
        for (size_t i = 0; i < o->n_env; i++) {
                r = env_set(p, o->env[i], err);
                if (r < 0)
                        return r;
        }
        if (o->cwd) {
                if (o->cwd[0] != '/')
                        return casca_error_setx(err, EINVAL, "--cwd `%s`: must be absolute",
                                                o->cwd);
                free(p->cwd);
                if (!(p->cwd = strdup(o->cwd)))
                        return casca_error_set(err, ENOMEM, "--cwd");
        }
        if (o->has_user) {
                p->user.uid = o->uid;
                p->user.gid = o->gid;
                free(p->user.additional_gids);
                p->user.additional_gids = NULL;
                p->user.n_additional_gids = 0;
        }
        for (size_t i = 0; i < o->n_caps; i++) {
                int cap = casca_capability_from_name(o->caps[i]);
                uint64_t bit;

                if (cap < 0 || cap > 63)
                        return casca_error_setx(err, EINVAL, "--cap: unknown capability `%s`",
                                                o->caps[i]);
                bit = UINT64_C(1) << cap;
                p->has_capabilities = true;
                p->caps.bounding |= bit;
                p->caps.effective |= bit;
                p->caps.permitted |= bit;
                p->caps.inheritable |= bit;
        }
        for (size_t i = 0; i < o->n_additional_gids; i++) {
                uint32_t *v = realloc(p->user.additional_gids,
                                      (p->user.n_additional_gids + 1) * sizeof(*v));

                if (!v)
                        return casca_error_set(err, ENOMEM, "--additional-gids");
                v[p->user.n_additional_gids++] = o->additional_gids[i];
                p->user.additional_gids = v;
        }
        if (o->no_new_privs)
                p->no_new_privileges = true;
        if (o->apparmor) {
                free(p->apparmor_profile);
                if (!(p->apparmor_profile = strdup(o->apparmor)))
                        return casca_error_set(err, ENOMEM, "--apparmor");
        }
        if (o->process_label) {
                free(p->selinux_label);
                if (!(p->selinux_label = strdup(o->process_label)))
                        return casca_error_set(err, ENOMEM, "--process-label");
        }
        r = casca_process_check_lsm(e->cfg, o->apparmor ? "--apparmor" : NULL,
                                    o->process_label ? "--process-label" : NULL, err);
        if (r < 0)
                return r;
        /* like runc: a terminal only with --tty, or the --process file's */
        p->terminal = o->tty || (o->process_file && p->terminal);
        if (p->terminal && o->detach && !o->console_socket)
                return casca_error_setx(err, EINVAL,
                                        "a terminal for a detached exec needs --console-socket");
        if (!p->terminal && o->console_socket)
                return casca_error_setx(err, EINVAL,
                                        "--console-socket given but no terminal (--tty)");
        /* relaying the pty: it starts with our terminal's size */
        if (p->terminal && !o->detach && !o->console_socket)
                casca_terminal_take_size(STDIN_FILENO, p);
        return 0;
}

/* The namespaces of pid that differ from ours (setns on our own user
 * namespace is EINVAL). */
static int differing_namespaces(pid_t pid)
{
        static const struct {
                const char *name;
                int flag;
        } ns[] = {
                {"user", CLONE_NEWUSER},     {"mnt", CLONE_NEWNS},    {"pid", CLONE_NEWPID},
                {"net", CLONE_NEWNET},       {"ipc", CLONE_NEWIPC},   {"uts", CLONE_NEWUTS},
                {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
        };
        int flags = 0;

        for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
                char a[64], b[64];
                struct stat sa, sb;

                if (casca_snprintf(a, sizeof(a), "/proc/self/ns/%s", ns[i].name) >= 0 &&
                    casca_snprintf(b, sizeof(b), "/proc/%d/ns/%s", (int)pid, ns[i].name) >= 0 &&
                    stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
                    (sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev))
                        flags |= ns[i].flag;
        }
        return flags;
}

/* ---- the child ------------------------------------------------------------- */

static int exec_process(struct exec *e, struct casca_error **err)
{
        const struct casca_process *p = &e->cfg->process;
        _cleanup_close_ int master = -1, slave = -1;
        struct casca_prepare x;
        int r;

        if (p->terminal) {
                r = casca_terminal_create_here(p, &master, &slave, err);
                if (r < 0)
                        return r;
                r = casca_sync_send(e->sock[1], SYNC_PTY, NULL, 0, master, err);
                if (r < 0)
                        return r;
                casca_closep(&master);
        }
        /* the init's steps; READY, then the filter and execve (the sync
         * socket closes with it: the runtime waits for that) */
        x = (struct casca_prepare){
                .cfg = e->cfg,
                .seccomp = e->seccomp,
                .sock = e->sock[1],
                .preserve_fds = e->o->preserve_fds,
                .pty_slave = slave,
                .via_stub = e->stub_fd >= 0,
                .stub_fd = e->stub_fd,
        };
        r = casca_prepare_exec(&x, err);
        if (r < 0)
                return r;
        return casca_prepare_execve(&x, err);
}

/* What both ways in do before the process is made: signals back to the
 * defaults, process.oomScoreAdj (which the process inherits: before joining
 * the container's user namespace, where lowering it is refused), then the
 * container's namespaces in flags. */
static int child_join(struct exec *e, int flags, struct casca_error **err)
{
        sigset_t none;
        int r;

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        r = casca_process_set_oom_score_adj(0, &e->cfg->process, err);
        /* not dumpable before it joins anything (its own oom_score_adj is
         * written: an unprivileged caller's /proc/self would be root's now):
         * no container process may ptrace it or open its /proc/PID/fd, which
         * still hold the runtime's fds, until its execve (which resets it),
         * as for the init (create.c) and in the exec stub */
        if (r == 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                r = casca_error_set(err, errno, "prctl(PR_SET_DUMPABLE, 0)");
        if (r == 0 && flags && setns(e->pidfd, flags) < 0)
                r = casca_error_set(err, errno, "join the container's namespaces");
        return r;
}

static __attribute__((noreturn)) void child_fail(struct exec *e, struct casca_error *err)
{
        if (e->sock[1] >= 0)
                casca_sync_send_error(e->sock[1], err);
        else if (err)
                dprintf(STDERR_FILENO, "casca: %s\n", err->msg);
        _exit(127);
}

/* Stage 1 of two: joins, then clones the process as our sibling; or, with
 * the exec stub, prepares the process itself and has the stub clone it. */
static __attribute__((noreturn)) void exec_child(struct exec *e, pid_t parent)
{
        _cleanup_error_ struct casca_error *err = NULL;
        pid_t pid;
        char byte;
        int r;

        casca_dl_forbid(); /* it joins the container: util/dl.h */
        casca_closep(&e->sock[0]);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(1);
        /* not cloned into the cgroup: what it clones stays where it is */
        if (e->entered[0] >= 0) {
                casca_closep(&e->entered[1]);
                if (read(e->entered[0], &byte, 1) != 1)
                        _exit(1);
                casca_closep(&e->entered[0]);
        }
        r = child_join(e, e->ns_flags, &err);
        if (r == 0 && e->stub_fd >= 0) {
                /* outside the container's pid namespace, where none of its
                 * processes sees us, until the stub clones the process in */
                (void)exec_process(e, &err); /* returns only on failure */
        } else if (r == 0) {
                pid = casca_clone3(CLONE_PARENT, -1);
                if (pid < 0) {
                        (void)casca_error_set(&err, -pid, "clone the exec process");
                } else if (pid == 0) {
                        casca_closep(&e->go[1]);
                        if (read(e->go[0], &byte, 1) != 1)
                                _exit(1);
                        casca_closep(&e->go[0]);
                        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                                _exit(1);
                        (void)exec_process(e, &err); /* returns only on failure */
                } else {
                        r = casca_sync_send(e->sock[1], SYNC_INIT_PID, &pid, sizeof(pid), -1, &err);
                        if (r == 0 && write(e->go[1], "g", 1) == 1)
                                _exit(0);
                }
        }
        child_fail(e, err);
}

/* The process itself, cloned straight into the container's pid namespace
 * (clone_direct()): its parent is outside it, so getppid() says 0; whether
 * the runtime is still there is asked of its pidfd. */
static __attribute__((noreturn)) void exec_direct_child(struct exec *e, int parent_pidfd)
{
        _cleanup_error_ struct casca_error *err = NULL;
        struct pollfd gone = {.fd = parent_pidfd, .events = POLLIN};

        casca_dl_forbid(); /* it joins the container: util/dl.h */
        casca_closep(&e->sock[0]);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || poll(&gone, 1, 0) != 0)
                _exit(1);
        casca_closep(&parent_pidfd);
        if (child_join(e, e->ns_flags & ~CLONE_NEWPID, &err) == 0)
                (void)exec_process(e, &err); /* returns only on failure */
        child_fail(e, err);
}

/* ---- the parent ------------------------------------------------------------ */

static bool our_child(pid_t pid)
{
        siginfo_t info;

        return pid > 0 && waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

/* Until the process has exec'd: the sync socket closes with its execve
 * (after READY, and the process's pid when stage 1 or the exec stub made
 * it).  A listener fd on the way goes to listenerPath. */
static int exec_sync(struct exec *e, pid_t stage1, pid_t *ret_pid, int *ret_master,
                     struct casca_error **err)
{
        bool ready = false;

        for (;;) {
                _cleanup_error_ struct casca_error *e2 = NULL;
                _cleanup_free_ char *state = NULL;
                enum casca_sync_step step;
                _cleanup_close_ int fd = -1;
                pid_t pid = 0;
                int r;

                r = casca_sync_recv_any(e->sock[0], &step, &pid, sizeof(pid), NULL, &fd, &e2);
                if (r == -EPIPE && ready && *ret_pid > 0)
                        return 0;
                if (r < 0) {
                        if (err && !*err)
                                *err = TAKE_PTR(e2);
                        return r;
                }
                switch (step) {
                case SYNC_INIT_PID:
                        /* once, and our child (stage 1 and the stub clone it
                         * as ours): nothing else can make us wait for, or
                         * kill, another process */
                        if (*ret_pid > 0 || !our_child(pid))
                                return casca_error_setx(err, EPROTO,
                                                        "sync: %s: pid %d is not the process's",
                                                        casca_sync_step_name(step), (int)pid);
                        while (waitpid(stage1, NULL, 0) < 0 && errno == EINTR)
                                ;
                        *ret_pid = pid;
                        break;
                case SYNC_PTY:
                        if (e->o->console_socket) {
                                r = casca_terminal_send_console(e->o->console_socket, fd, err);
                                if (r < 0)
                                        return r;
                        } else {
                                *ret_master = TAKE_FD(fd);
                        }
                        break;
                case SYNC_READY:
                        ready = true;
                        break;
                case SYNC_SECCOMP_FD:
                        state = casca_state_to_json(e->st, e->status, false, err);
                        if (!state)
                                return -ENOMEM;
                        r = casca_prepare_send_listener(e->cfg->linux_cfg.seccomp, *ret_pid, state,
                                                        fd, err);
                        if (r < 0)
                                return r;
                        break;
                default:
                        return casca_error_setx(err, EPROTO, "sync: unexpected step %s",
                                                casca_sync_step_name(step));
                }
        }
}

/* The program create gave the init (state.h CASCA_STATE_SECCOMP): the same
 * bytes, without libseccomp.  A missing or damaged one is < 0 (the caller
 * compiles the profile), never no filter. */
static int stored_seccomp(struct casca_context *ctx, const char *id, int dir_fd, struct exec *e)
{
        _cleanup_free_ char *image = NULL;
        _cleanup_close_ int fd = -1;
        _cleanup_error_ struct casca_error *err = NULL;
        struct stat st;
        size_t len = 0;

        fd = openat(dir_fd, CASCA_STATE_SECCOMP, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                /* NOTIFY profiles have none: libseccomp loads them */
                casca_log(ctx, CASCA_LOG_DEBUG,
                          "container %s: exec: no stored seccomp filter (%s): compiling", id,
                          strerror(errno));
                return -ENOENT;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
                casca_log(ctx, CASCA_LOG_DEBUG,
                          "container %s: exec: stored seccomp filter is not our regular file: "
                          "compiling",
                          id);
                return -EINVAL;
        }
        image = casca_fs_read_fd(fd, CASCA_STATE_SECCOMP, CASCA_STATE_SECCOMP_MAX_SIZE, &len, &err);
        if (!image || casca_seccomp_prog_from_stored(e->cfg->linux_cfg.seccomp, image, len,
                                                     &e->seccomp, &err) < 0) {
                casca_log(ctx, CASCA_LOG_DEBUG, "container %s: exec: %s: compiling", id,
                          err ? err->msg : "stored seccomp filter");
                return -EINVAL;
        }
        casca_log(ctx, CASCA_LOG_DEBUG,
                  "container %s: exec: seccomp filter from the container's state", id);
        return 0;
}

/* The state, config and compiled seccomp filter of a created or running
 * container.  The lock is not kept: a long foreground exec must not hold
 * off `delete --force`. */
static int open_container(struct casca_context *ctx, const char *id, struct exec *e,
                          struct casca_error **err)
{
        struct casca_handle h;
        _cleanup_close_ int cfg_fd = -1;
        char path[64];
        int r;

        r = casca_handle_open(ctx, id, false, &h, err);
        if (r < 0)
                return r;
        if (h.status == CASCA_STATUS_PAUSED && !e->o->ignore_paused) {
                r = casca_error_setx(err, EINVAL,
                                     "cannot exec in container `%s`: it is paused "
                                     "(--ignore-paused to exec anyway)",
                                     id);
                goto out;
        }
        if (h.status != CASCA_STATUS_RUNNING && h.status != CASCA_STATUS_CREATED &&
            h.status != CASCA_STATUS_PAUSED) {
                r = casca_error_setx(err, EINVAL, "cannot exec in container `%s`: it is %s", id,
                                     casca_status_name(h.status));
                goto out;
        }
        cfg_fd = openat(h.dir_fd, CASCA_STATE_CONFIG, O_RDONLY | O_CLOEXEC);
        if (cfg_fd < 0) {
                r = casca_error_set(err, errno, "container `%s`: config", id);
                goto out;
        }
        e->cfg = casca_config_load(casca_fd_path(path, cfg_fd), err);
        if (!e->cfg) {
                r = casca_error_prefix(err, "container `%s`", id);
                goto out;
        }
        /* the program create stored; failing that, as create compiles it:
         * from the cache in the state root */
        if (e->cfg->linux_cfg.seccomp && stored_seccomp(ctx, id, h.dir_fd, e) < 0) {
                bool cached;

                r = casca_seccomp_prog_get(e->cfg->linux_cfg.seccomp, h.root_fd, NULL, NULL,
                                           &e->seccomp, &cached, err);
                if (r < 0)
                        goto out;
                if (cached)
                        casca_log(ctx, CASCA_LOG_DEBUG,
                                  "container %s: exec: seccomp filter from cache", id);
        }
        e->status = h.status;
        e->st = TAKE_PTR(h.st);
        r = 0;
out:
        casca_handle_close(&h);
        return r;
}

/* cgroup v2 puts no process in a cgroup that has controllers enabled for
 * its children: a container whose init made its own cgroups (systemd) and
 * enabled controllers in the container's has room for processes only
 * below it.  There, as runc does, exec joins the cgroup of the container's
 * init (when it is below the container's); NULL otherwise. */
static struct casca_cgroup *init_cgroup(struct exec *e, struct casca_cgroup *cg)
{
        _cleanup_free_ char *ctl = NULL, *own = NULL;
        struct casca_cgroup *ret = NULL;
        const char *base = casca_cgroup_path(cg);
        char *path;
        char file[64];
        size_t n = strlen(base);

        if (casca_snprintf(file, sizeof(file), "/proc/self/fd/%d/cgroup.subtree_control",
                           casca_cgroup_dirfd(cg)) < 0)
                return NULL;
        ctl = casca_fs_read_file(file, NULL, NULL);
        if (!ctl || ctl[strspn(ctl, " \n")] == '\0')
                return NULL;
        if (casca_snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)e->st->pid) < 0)
                return NULL;
        own = casca_fs_read_file(file, NULL, NULL);
        path = own ? strstr(own, "0::") : NULL;
        if (!path || (path != own && path[-1] != '\n'))
                return NULL;
        path += 3;
        path[strcspn(path, "\n")] = '\0';
        if (strncmp(path, base, n) != 0 || path[n] != '/' ||
            casca_cgroup_open(path, &ret, NULL) < 0)
                return NULL;
        return ret;
}

/* --cgroup: [CONTROLLER[,CONTROLLER...]:]PATH, as runc takes it.  cgroup v2
 * has one hierarchy: one path (the controllers, if named, must be in the
 * container's cgroup).  The sub-cgroup must exist below the container's. */
static int open_sub_cgroup(struct exec *e, struct casca_cgroup *cg, struct casca_cgroup **ret,
                           struct casca_error **err)
{
        const struct casca_exec_options *o = e->o;
        _cleanup_free_ char *controllers = NULL, *full = NULL;
        const char *sub = NULL;
        int r;

        *ret = NULL;
        if (!o->n_cgroups)
                return 0;
        if (!cg)
                return casca_error_setx(err, EOPNOTSUPP,
                                        "--cgroup `%s`: the container has no cgroup (a "
                                        "sub-cgroup needs cgroup v2)",
                                        o->cgroups[0]);
        for (size_t i = 0; i < o->n_cgroups; i++) {
                const char *arg = o->cgroups[i], *colon = strchr(arg, ':');
                const char *path = colon ? colon + 1 : arg;

                if (!colon && o->n_cgroups > 1)
                        return casca_error_setx(err, EINVAL,
                                                "--cgroup `%s`: a path without CONTROLLER: "
                                                "must be the only --cgroup",
                                                arg);
                if (sub && strcmp(sub, path) != 0)
                        return casca_error_setx(err, EINVAL,
                                                "--cgroup: cgroup v2 has one hierarchy, give "
                                                "one path (got `%s` and `%s`)",
                                                sub, path);
                sub = path;
                if (!colon)
                        continue;
                if (!controllers) {
                        r = casca_cgroup_controllers(cg, &controllers, err);
                        if (r < 0)
                                return r;
                }
                for (const char *c = arg; c < colon;) {
                        size_t n = strcspn(c, ",:");
                        bool found = false;

                        for (const char *h = controllers; *h;) {
                                size_t m = strcspn(h, " ");

                                if (m == n && n && strncmp(h, c, n) == 0)
                                        found = true;
                                h += m;
                                h += *h == ' ';
                        }
                        if (!found)
                                return casca_error_setx(err, EINVAL,
                                                        "--cgroup `%s`: controller `%.*s` is not "
                                                        "in the container's cgroup (cgroup v2: "
                                                        "%s)",
                                                        arg, (int)n, c,
                                                        controllers[0] ? controllers : "none");
                        c += n + (c[n] == ',');
                }
        }
        if (asprintf(&full, "%s/%s", casca_cgroup_path(cg), sub) < 0) {
                full = NULL;
                return casca_error_set(err, ENOMEM, "--cgroup");
        }
        r = casca_cgroup_open(full, ret, err);
        if (r < 0)
                return casca_error_prefix(err,
                                          "--cgroup `%s`: no such sub-cgroup of the "
                                          "container's cgroup %s",
                                          sub, casca_cgroup_path(cg));
        return 0;
}

/* One process instead of two stages, where the caller may join the
 * container's pid namespace (root): setns(CLONE_NEWPID) changes only the pid
 * namespace of the caller's children, so the runtime joins it, clones the
 * process straight into it (and into its cgroup), and goes back to its own.
 * *ret_pid stays -1 where that cannot be done (a rootless caller, root of
 * a user namespace that does not own our pid namespace, a kernel or cgroup
 * without CLONE_INTO_CGROUP): the two stages then. */
static int clone_direct(struct exec *e, struct casca_cgroup *target, pid_t *ret_pid,
                        struct casca_error **err)
{
        _cleanup_close_ int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
        pid_t pid;
        int saved;

        *ret_pid = -1;
        if (self < 0)
                return 0;
        /* born in the container's pid namespace: not dumpable from birth
         * (its mm inherits the flag), see child_join() */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return casca_error_set(err, errno, "prctl(PR_SET_DUMPABLE, 0)");
        /* the way back first: joining our own pid namespace changes nothing
         * and needs what the return will need (CAP_SYS_ADMIN over its owner,
         * which root of a user namespace, as under rootless podman, lacks) */
        if ((e->ns_flags & CLONE_NEWPID) &&
            (setns(self, CLONE_NEWPID) < 0 || setns(e->pidfd, CLONE_NEWPID) < 0)) {
                /* the two stages instead: their first writes its own
                 * /proc/self/oom_score_adj, which an unprivileged caller
                 * can only while dumpable */
                (void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
                return 0;
        }
        pid = casca_clone3(0, target ? casca_cgroup_dirfd(target) : -1);
        if (pid == 0)
                exec_direct_child(e, TAKE_FD(self));
        if ((e->ns_flags & CLONE_NEWPID) && setns(self, CLONE_NEWPID) < 0) {
                /* never seen; a child made after would be born in the container */
                saved = errno;
                if (pid > 0) {
                        kill(pid, SIGKILL);
                        waitpid(pid, NULL, 0);
                }
                return casca_error_set(err, saved, "return to the runtime's pid namespace");
        }
        if (pid > 0)
                *ret_pid = pid;
        return 0;
}

/* Whether the process starts through the exec stub (sealed-exe.h): only
 * where it must be kept from our binary (we do not run from a sealed copy,
 * and the caller could write the binary), and only where the stub can
 * start it as execve would have.  Where it cannot, we start again from a
 * sealed copy of ourselves (no return), before anything was done. */
static int use_stub(struct casca_context *ctx, const char *id, struct exec *e,
                    struct casca_error **err)
{
        return casca_exec_stub_choose(ctx, id, "exec", NULL, &e->cfg->process,
                                      e->cfg->linux_cfg.seccomp ? e->seccomp : NULL, false,
                                      &e->stub_fd, err);
}

int casca_container_exec(struct casca_context *ctx, const char *id,
                         const struct casca_exec_options *opts, int *ret_status,
                         struct casca_error **err)
{
        struct exec e = {.o = opts,
                         .pidfd = -1,
                         .sock = {-1, -1},
                         .go = {-1, -1},
                         .entered = {-1, -1},
                         .stub_fd = -1};
        _cleanup_cgroup_ struct casca_cgroup *cg = NULL, *sub = NULL;
        _cleanup_close_ int master = -1;
        struct casca_foreground fg = {.sfd = -1};
        struct casca_cgroup *target;
        bool fg_on = false;
        pid_t stage1 = -1, pid = -1;
        int r;

        *ret_status = 0;
        r = open_container(ctx, id, &e, err);
        if (r < 0)
                goto out;
        r = apply_options(&e, err);
        if (r < 0)
                goto out;
        r = use_stub(ctx, id, &e, err);
        if (r < 0)
                goto out;
        casca_process_log_ambient(ctx, id, &e.cfg->process);
        /* a systemd scope's handle: a user's manager may have to move the
         * process in (systemd.c) */
        if (e.st->cgroup_path &&
            (e.st->cgroup_unit
                     ? casca_cgroup_systemd_open(e.st->cgroup_path, e.st->cgroup_unit, &cg, NULL)
                     : casca_cgroup_open(e.st->cgroup_path, &cg, NULL)) < 0)
                cg = NULL;
        r = open_sub_cgroup(&e, cg, &sub, err);
        if (r < 0)
                goto out;
        if (!sub && cg)
                sub = init_cgroup(&e, cg);
        target = sub ? sub : cg;
        e.pidfd = (int)syscall(SYS_pidfd_open, e.st->pid, 0);
        if (e.pidfd < 0 || !casca_state_pid_alive(e.st)) {
                r = casca_error_setx(err, ESRCH, "container `%s` is not running", id);
                goto out;
        }
        e.ns_flags = differing_namespaces(e.st->pid);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, e.sock) < 0 ||
            pipe2(e.go, O_CLOEXEC) < 0) {
                r = casca_error_set(err, errno, "create sync channel");
                goto out;
        }
        if (!opts->detach) {
                r = casca_foreground_begin(&fg, err);
                if (r < 0)
                        goto out;
                fg_on = true;
        }
        r = e.stub_fd >= 0 ? 0 : clone_direct(&e, target, &pid, err);
        if (r < 0)
                goto out;
        casca_log(ctx, CASCA_LOG_DEBUG, "container %s: exec: %s", id,
                  e.stub_fd >= 0 ? "prepared outside its pid namespace, cloned in by the exec stub"
                  : pid > 0      ? "one stage, cloned straight into its pid namespace"
                                 : "two stages, the first joins its namespaces");
        if (pid < 0)
                stage1 = casca_clone3(0, target ? casca_cgroup_dirfd(target) : -1);
        if (pid < 0 && stage1 < 0 && target) {
                /* moved after the clone (before 5.7, or a cgroup the caller
                 * may not clone into): stage 1 waits for that */
                if (pipe2(e.entered, O_CLOEXEC) < 0) {
                        r = casca_error_set(err, errno, "create sync channel");
                        goto out;
                }
                stage1 = casca_clone3(0, -1);
                if (stage1 > 0 && casca_cgroup_enter(target, stage1, err) < 0) {
                        r = -EINVAL;
                        goto fail;
                }
                if (stage1 > 0 && write(e.entered[1], "e", 1) != 1) {
                        r = casca_error_set(err, errno, "release the exec's stage 1");
                        goto fail;
                }
        }
        if (pid < 0 && stage1 < 0) {
                r = casca_error_set(err, -stage1, "clone");
                goto out;
        }
        if (pid < 0 && stage1 == 0)
                exec_child(&e, getppid());
        casca_closep(&e.sock[1]);
        casca_closep(&e.go[0]);
        casca_closep(&e.go[1]);
        casca_closep(&e.entered[0]);
        casca_closep(&e.entered[1]);
        r = exec_sync(&e, stage1, &pid, &master, err);
        if (r < 0)
                goto fail;
        stage1 = -1;
        if (opts->pid_file) {
                r = casca_write_pid_file(opts->pid_file, pid, err);
                if (r < 0)
                        goto fail;
        }
        if (opts->detach)
                goto out;
        casca_foreground_raw(&fg, master);
        r = casca_foreground_wait(&fg, pid, master, ret_status);
        if (r < 0)
                r = casca_error_set(err, -r, "exec: wait");
        goto out;
fail:
        casca_killp(&stage1);
        if (pid > 0) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
        }
out:
        if (fg_on)
                casca_foreground_end(&fg);
        casca_seccomp_prog_free(e.seccomp);
        casca_config_free(e.cfg);
        casca_state_free(e.st);
        casca_closep(&e.pidfd);
        casca_closep(&e.stub_fd);
        casca_closep(&e.sock[0]);
        casca_closep(&e.sock[1]);
        casca_closep(&e.go[0]);
        casca_closep(&e.go[1]);
        casca_closep(&e.entered[0]);
        casca_closep(&e.entered[1]);
        return r;
}
