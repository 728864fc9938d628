/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* container.c - start, state, kill, stop, delete, run and list. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "cleanup.h"
#include "config.h"
#include "container.h"
#include "hooks.h"
#include "log.h"
#include "state.h"

const char *casca_container_state_root(const struct casca_context *ctx)
{
        return ctx->state_root ? ctx->state_root : casca_default_state_root();
}

int casca_signal_parse(const char *s)
{
        char *end;
        long n;

        if (!s || !*s)
                return -EINVAL;
        n = strtol(s, &end, 10);
        if (*end == '\0')
                return n > 0 && n <= SIGRTMAX ? (int)n : -EINVAL;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (int sig = 1; sig < SIGRTMIN; sig++) {
                const char *abbrev = sigabbrev_np(sig);
                if (abbrev && strcasecmp(s, abbrev) == 0)
                        return sig;
        }
        if (strncasecmp(s, "RTMIN", 5) == 0) {
                n = s[5] ? strtol(s + 5, &end, 10) : 0;
                if ((s[5] == '\0' || *end == '\0') && SIGRTMIN + n <= SIGRTMAX && n >= 0)
                        return (int)(SIGRTMIN + n);
        }
        return -EINVAL;
}

/* An opened, locked container: its state dir and state. */
struct handle {
        int root_fd, dir_fd;
        struct casca_state *st;
        enum casca_status status;
};

static void handle_close(struct handle *h)
{
        casca_state_free(h->st);
        h->st = NULL;
        casca_closep(&h->dir_fd);
        casca_closep(&h->root_fd);
}

static int handle_open(struct casca_context *ctx, const char *id, bool exclusive,
                       struct handle *h, struct casca_error **err)
{
        *h = (struct handle){.root_fd = -1, .dir_fd = -1};
        h->root_fd = casca_state_root_open(casca_container_state_root(ctx), false, err);
        if (h->root_fd < 0) {
                if (-h->root_fd == ENOENT) {
                        if (err) { /* list passes NULL */
                                casca_error_free(*err);
                                *err = NULL;
                        }
                        return casca_error_setx(err, ENOENT, "container `%s` does not exist", id);
                }
                return h->root_fd;
        }
        h->dir_fd = casca_state_dir_open(h->root_fd, id, exclusive, err);
        if (h->dir_fd < 0) {
                int r = h->dir_fd;
                handle_close(h);
                return r;
        }
        h->st = casca_state_read(h->dir_fd, err);
        if (!h->st) {
                handle_close(h);
                return casca_error_prefix(err, "container `%s`", id);
        }
        h->status = casca_state_status(h->dir_fd, h->st);
        if (h->status == CASCA_STATUS_RUNNING && h->st->cgroup_path) {
                _cleanup_cgroup_ struct casca_cgroup *cg = NULL;

                if (casca_cgroup_open(h->st->cgroup_path, &cg, NULL) >= 0 &&
                    casca_cgroup_is_frozen(cg, NULL) > 0)
                        h->status = CASCA_STATUS_PAUSED;
        }
        return 0;
}

/* The container's cgroup, or NULL (none, or gone). */
static struct casca_cgroup *handle_cgroup(struct handle *h)
{
        struct casca_cgroup *cg = NULL;

        if (!h->st->cgroup_path || casca_cgroup_open(h->st->cgroup_path, &cg, NULL) < 0)
                return NULL;
        return cg;
}

static struct casca_config *handle_config(struct handle *h)
{
        _cleanup_error_ struct casca_error *ignored = NULL;
        _cleanup_close_ int fd = openat(h->dir_fd, CASCA_STATE_CONFIG, O_RDONLY | O_CLOEXEC);
        char path[64];

        if (fd < 0)
                return NULL;
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        return casca_config_load(path, &ignored);
}

/* Run hooks whose failure is only a warning (poststart, poststop). */
static void run_warn_hooks(struct casca_context *ctx, struct handle *h, enum casca_hook_kind kind,
                           enum casca_status status)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_config_ struct casca_config *cfg = handle_config(h);
        _cleanup_free_ char *json = NULL;

        if (!cfg || cfg->hooks[kind].n == 0)
                return;
        json = casca_state_to_json(h->st, status, false, &err);
        if (json && casca_hooks_run(cfg, kind, json, &err) >= 0)
                return;
        casca_log(ctx, CASCA_LOG_WARNING, "container %s: %s", h->st->id,
                  err ? err->msg : "hooks failed");
}

static int pidfd_for(const struct casca_state *st)
{
        int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);

        if (fd < 0)
                return -errno;
        /* the pid could have been reused between reading state and here */
        if (!casca_state_pid_alive(st)) {
                close(fd);
                return -ESRCH;
        }
        return fd;
}

static int signal_init(const struct casca_state *st, int signo, struct casca_error **err)
{
        _cleanup_close_ int fd = pidfd_for(st);

        if (fd == -ESRCH)
                return casca_error_setx(err, ESRCH, "container `%s` is not running", st->id);
        if (fd < 0)
                return casca_error_set(err, -fd, "container `%s`: pidfd_open", st->id);
        if (syscall(SYS_pidfd_send_signal, fd, signo, NULL, 0) < 0)
                return casca_error_set(err, errno, "container `%s`: send signal %d", st->id,
                                       signo);
        return 0;
}

/* Wait until the init has exited; false on timeout (timeout_ms < 0: forever). */
static bool wait_exit(const struct casca_state *st, int timeout_ms)
{
        _cleanup_close_ int fd = pidfd_for(st);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r;

        if (fd < 0)
                return true;
        do
                r = poll(&p, 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        if (r > 0) {
                /* our own child (foreground run): reap it */
                waitpid(st->pid, NULL, WNOHANG);
                return true;
        }
        return false;
}

int casca_container_start(struct casca_context *ctx, const char *id, struct casca_error **err)
{
        struct handle h;
        _cleanup_close_ int fifo = -1;
        char byte;
        int r;

        r = handle_open(ctx, id, true, &h, err);
        if (r < 0)
                return r;
        if (h.status != CASCA_STATUS_CREATED) {
                r = casca_error_setx(err, EINVAL, "container `%s` is not in created state (%s)",
                                     id, casca_status_name(h.status));
                goto out;
        }
        fifo = openat(h.dir_fd, CASCA_STATE_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fifo < 0) {
                r = casca_error_set(err, errno, "container `%s`: open exec fifo", id);
                goto out;
        }
        for (;;) {
                struct pollfd p = {.fd = fifo, .events = POLLIN};
                ssize_t n;

                if (poll(&p, 1, 100) < 0 && errno != EINTR) {
                        r = casca_error_set(err, errno, "container `%s`: poll exec fifo", id);
                        goto out;
                }
                n = read(fifo, &byte, 1);
                if (n == 1)
                        break;
                if ((n == 0 && (p.revents & POLLHUP)) || !casca_state_pid_alive(h.st)) {
                        r = casca_error_setx(err, ESRCH, "container `%s`: init exited before start",
                                             id);
                        goto out;
                }
        }
        unlinkat(h.dir_fd, CASCA_STATE_FIFO, 0);
        run_warn_hooks(ctx, &h, CASCA_HOOK_POSTSTART, CASCA_STATUS_RUNNING);
        r = 0;
out:
        handle_close(&h);
        return r;
}

int casca_container_state(struct casca_context *ctx, const char *id, char **ret_json,
                          struct casca_error **err)
{
        struct handle h;
        int r;

        r = handle_open(ctx, id, false, &h, err);
        if (r < 0)
                return r;
        *ret_json = casca_state_to_json(h.st, h.status, true, err);
        r = *ret_json ? 0 : -ENOMEM;
        handle_close(&h);
        return r;
}

/* Every process of the container: through its cgroup when it has one
 * (cgroup.kill for SIGKILL); otherwise the init, which takes its pid
 * namespace with it on SIGKILL. */
static int signal_all(struct handle *h, int signo, struct casca_error **err)
{
        _cleanup_cgroup_ struct casca_cgroup *cg = handle_cgroup(h);
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        if (!cg)
                return signal_init(h->st, signo, err);
        if (signo == SIGKILL)
                return casca_cgroup_kill(cg, err);
        r = casca_cgroup_pids(cg, &pids, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (kill(pids[i], signo) < 0 && errno != ESRCH)
                        return casca_error_set(err, errno, "container `%s`: signal pid %d",
                                               h->st->id, (int)pids[i]);
        return 0;
}

int casca_container_kill(struct casca_context *ctx, const char *id, int signo, bool all,
                         struct casca_error **err)
{
        struct handle h;
        int r;

        r = handle_open(ctx, id, false, &h, err);
        if (r < 0)
                return r;
        if (h.status == CASCA_STATUS_STOPPED)
                r = casca_error_setx(err, ESRCH, "container `%s` is not running", id);
        else if (all)
                r = signal_all(&h, signo, err);
        else
                r = signal_init(h.st, signo, err);
        handle_close(&h);
        return r;
}

static int destroy(struct casca_context *ctx, struct handle *h, struct casca_error **err)
{
        _cleanup_cgroup_ struct casca_cgroup *cg = handle_cgroup(h);
        int r;

        if (h->status != CASCA_STATUS_STOPPED) {
                (void)signal_init(h->st, SIGKILL, NULL);
                if (!wait_exit(h->st, 10000))
                        return casca_error_setx(err, EBUSY,
                                                "container `%s`: init did not exit after SIGKILL",
                                                h->st->id);
        }
        /* whatever is left in the cgroup goes with it */
        if (cg) {
                r = casca_cgroup_destroy(cg, err);
                if (r < 0)
                        return casca_error_prefix(err, "container `%s`", h->st->id);
        }
        run_warn_hooks(ctx, h, CASCA_HOOK_POSTSTOP, CASCA_STATUS_STOPPED);
        return casca_state_dir_remove(h->root_fd, h->st->id, err);
}

int casca_container_delete(struct casca_context *ctx, const char *id, bool force,
                           struct casca_error **err)
{
        struct handle h;
        int r;

        r = handle_open(ctx, id, true, &h, err);
        if (r < 0)
                return r;
        /* like runc: a created (never started) container may go without --force */
        if (!force && h.status != CASCA_STATUS_STOPPED && h.status != CASCA_STATUS_CREATED) {
                r = casca_error_setx(err, EBUSY,
                                     "container `%s` is %s: stop it first or use --force", id,
                                     casca_status_name(h.status));
                goto out;
        }
        r = destroy(ctx, &h, err);
out:
        handle_close(&h);
        return r;
}

int casca_container_stop(struct casca_context *ctx, const char *id, unsigned timeout_s,
                         struct casca_error **err)
{
        struct handle h;
        int r;

        r = handle_open(ctx, id, false, &h, err);
        if (r < 0)
                return r;
        r = 0;
        if (h.status == CASCA_STATUS_STOPPED)
                goto out;
        r = signal_init(h.st, SIGTERM, err);
        if (r < 0) {
                r = -ESRCH == r ? 0 : r;
                goto out;
        }
        if (wait_exit(h.st, (int)timeout_s * 1000))
                goto out;
        casca_log(ctx, CASCA_LOG_INFO, "container %s: no exit %u s after SIGTERM, sending SIGKILL",
                  id, timeout_s);
        r = signal_init(h.st, SIGKILL, err);
        if (r == -ESRCH)
                r = 0;
        if (r == 0 && !wait_exit(h.st, 10000))
                r = casca_error_setx(err, EBUSY, "container `%s` did not exit after SIGKILL", id);
out:
        if (r == 0 && err && *err) {
                casca_error_free(*err);
                *err = NULL;
        }
        handle_close(&h);
        return r;
}

/* ---- run ------------------------------------------------------------------ */

static const int forwarded[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGUSR1,
                                SIGUSR2, SIGWINCH, SIGCONT, SIGCHLD};

static void copy_winsize(int from, int to)
{
        struct winsize ws;

        /* a caller's terminal without a size leaves process.consoleSize */
        if (ioctl(from, TIOCGWINSZ, &ws) == 0 && (ws.ws_row || ws.ws_col))
                ioctl(to, TIOCSWINSZ, &ws);
}

static bool pump(int from, int to)
{
        char buf[8192];
        ssize_t n = read(from, buf, sizeof(buf));

        if (n <= 0)
                return n < 0 && (errno == EINTR || errno == EAGAIN);
        for (ssize_t off = 0; off < n;) {
                ssize_t w = write(to, buf + off, (size_t)(n - off));
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return false;
                }
                off += w;
        }
        return true;
}

/* Forward signals, relay the pty, and wait for the init. */
static int foreground_wait(pid_t pid, int sfd, int master, int *ret_status)
{
        bool stdin_open = master >= 0, master_open = master >= 0;
        int status = 0;

        if (master >= 0 && isatty(STDIN_FILENO))
                copy_winsize(STDIN_FILENO, master);
        for (;;) {
                struct pollfd p[3] = {{.fd = sfd, .events = POLLIN},
                                      {.fd = master_open ? master : -1, .events = POLLIN},
                                      {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN}};

                if (poll(p, 3, -1) < 0 && errno != EINTR)
                        return -errno;
                if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
                        master_open = pump(master, STDOUT_FILENO);
                if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
                        stdin_open = pump(STDIN_FILENO, master);
                if (p[0].revents & POLLIN) {
                        struct signalfd_siginfo si;

                        if (read(sfd, &si, sizeof(si)) != sizeof(si))
                                continue;
                        if (si.ssi_signo == SIGWINCH && master >= 0)
                                copy_winsize(STDIN_FILENO, master);
                        else if (si.ssi_signo != SIGCHLD)
                                kill(pid, (int)si.ssi_signo);
                }
                /* reap: the init, and anything else that was ours */
                for (;;) {
                        int s;
                        pid_t w = waitpid(-1, &s, WNOHANG);
                        if (w <= 0)
                                break;
                        if (w == pid) {
                                status = s;
                                goto done;
                        }
                }
        }
done:
        /* what the container wrote last is still in the pty */
        if (master >= 0) {
                int fl = fcntl(master, F_GETFL);
                fcntl(master, F_SETFL, fl | O_NONBLOCK);
                while (pump(master, STDOUT_FILENO))
                        ;
        }
        *ret_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        return 0;
}

int casca_container_run(struct casca_context *ctx, const char *id,
                        const struct casca_create_options *opts, bool detach, bool keep,
                        int *ret_status, struct casca_error **err)
{
        struct casca_create_options o = *opts;
        _cleanup_close_ int master = -1, sfd = -1;
        struct termios saved;
        bool raw = false;
        sigset_t set, old;
        pid_t pid = 0;
        int r;

        *ret_status = 0;
        if (detach) {
                o.foreground = false;
                r = casca_container_create(ctx, id, &o, err);
                if (r < 0)
                        return r;
                r = casca_container_start(ctx, id, err);
                if (r < 0)
                        (void)casca_container_delete(ctx, id, true, NULL);
                return r;
        }

        sigemptyset(&set);
        for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
                sigaddset(&set, forwarded[i]);
        sigprocmask(SIG_BLOCK, &set, &old);
        sfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (sfd < 0) {
                r = casca_error_set(err, errno, "signalfd");
                goto out;
        }
        o.foreground = true;
        o.ret_pty_master = &master;
        o.ret_pid = &pid;
        r = casca_container_create(ctx, id, &o, err);
        if (r < 0)
                goto out;
        if (master >= 0 && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
                struct termios t = saved;
                cfmakeraw(&t);
                raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
        }
        r = casca_container_start(ctx, id, err);
        if (r < 0) {
                (void)casca_container_delete(ctx, id, true, NULL);
                goto out;
        }
        r = foreground_wait(pid, sfd, master, ret_status);
        if (r < 0) {
                r = casca_error_set(err, -r, "container `%s`: wait", id);
                goto out;
        }
        if (!keep)
                r = casca_container_delete(ctx, id, false, err);
out:
        if (raw)
                tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

/* ---- list ------------------------------------------------------------------ */

void casca_container_info_free(struct casca_container_info *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].id);
                free(v[i].bundle);
                free(v[i].created);
        }
        free(v);
}

int casca_container_list(struct casca_context *ctx, struct casca_container_info **ret,
                         size_t *ret_n, struct casca_error **err)
{
        const char *root = casca_container_state_root(ctx);
        _cleanup_closedir_ DIR *d = opendir(root);
        struct casca_container_info *v = NULL;
        size_t n = 0;
        struct dirent *de;

        *ret = NULL;
        *ret_n = 0;
        if (!d)
                return errno == ENOENT ? 0 : casca_error_set(err, errno, "state root `%s`", root);
        while ((de = readdir(d))) {
                struct handle h;
                struct casca_container_info *nv;
                struct stat sb;

                if (de->d_name[0] == '.' || casca_id_validate(de->d_name, NULL) < 0)
                        continue;
                if (handle_open(ctx, de->d_name, false, &h, NULL) < 0)
                        continue;
                nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv) {
                        handle_close(&h);
                        casca_container_info_free(v, n);
                        return casca_error_set(err, ENOMEM, "list");
                }
                v = nv;
                v[n] = (struct casca_container_info){
                        .id = strdup(h.st->id),
                        .pid = h.status == CASCA_STATUS_STOPPED ? 0 : h.st->pid,
                        .bundle = strdup(h.st->bundle),
                        .created = strdup(h.st->created ? h.st->created : ""),
                        .owner = fstat(h.dir_fd, &sb) == 0 ? sb.st_uid : 0,
                };
                snprintf(v[n].status, sizeof(v[n].status), "%s", casca_status_name(h.status));
                n++;
                handle_close(&h);
        }
        *ret = v;
        *ret_n = n;
        return 0;
}
