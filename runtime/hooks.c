/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hooks.c - run OCI hooks with timeouts; their stderr ends up in the error. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/config-internal.h"
#include "runtime/hooks.h"
#include "util/cleanup.h"
#include "util/fs.h"

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return; /* the hook need not read its stdin */
                }
                buf += n;
                len -= (size_t)n;
        }
}

static __attribute__((noreturn)) void hook_child(const struct casca_hook *h, int in_fd, int err_fd)
{
        char *const empty_env[] = {NULL};
        char *const default_args[] = {h->path, NULL};

        if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
                _exit(127);
        signal(SIGPIPE, SIG_DFL);
        execve(h->path, h->n_args ? h->args : default_args, h->n_env ? h->env : empty_env);
        dprintf(STDERR_FILENO, "exec: %s", strerror(errno));
        _exit(127);
}

static int hook_run(const struct casca_hook *h, const char *state_json, char *out, size_t outsz,
                    int *ret_status, struct casca_error **err)
{
        int in[2] = {-1, -1}, errp[2] = {-1, -1};
        _cleanup_close_ int in_w = -1, err_r = -1, pidfd = -1, state_fd = -1;
        long long deadline = h->has_timeout ? now_ms() + (long long)h->timeout * 1000 : -1;
        size_t used = 0;
        int status = 0;
        pid_t pid;

        /* The state on stdin as a file: a state bigger than a pipe holds
         * (big annotations) must not block us until the hook reads it or
         * exits.  A pipe only where memfd_create is not allowed (the
         * container's seccomp filter, for startContainer hooks). */
        state_fd = casca_fs_memfd_of("casca-hook-state", state_json, strlen(state_json), NULL);
        if ((state_fd < 0 && pipe2(in, O_CLOEXEC) < 0) || pipe2(errp, O_CLOEXEC) < 0) {
                int e = errno;
                for (int i = 0; i < 2; i++) {
                        if (in[i] >= 0)
                                close(in[i]);
                        if (errp[i] >= 0)
                                close(errp[i]);
                }
                return casca_error_set(err, e, "pipe");
        }
        pid = fork();
        if (pid < 0) {
                int e = errno;
                for (int i = 0; i < 2; i++) {
                        if (in[i] >= 0)
                                close(in[i]);
                        close(errp[i]);
                }
                return casca_error_set(err, e, "fork");
        }
        if (pid == 0)
                hook_child(h, state_fd >= 0 ? state_fd : in[0], errp[1]);
        if (in[0] >= 0)
                close(in[0]);
        close(errp[1]);
        in_w = in[1];
        err_r = errp[0];
        if (in_w >= 0)
                write_all(in_w, state_json, strlen(state_json));
        casca_closep(&in_w);

        pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        /* Collect stderr until the hook exits (or, without pidfd, until EOF);
         * a grandchild holding stderr open does not keep us waiting. */
        for (bool exited = false;;) {
                struct pollfd p[2];
                int nfds = 0, timeout = -1, n;

                if (err_r >= 0)
                        p[nfds++] = (struct pollfd){.fd = err_r, .events = POLLIN};
                if (!exited && pidfd >= 0)
                        p[nfds++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
                if (nfds == 0)
                        break;
                if (deadline >= 0) {
                        long long left = deadline - now_ms();
                        if (left <= 0 && !exited) {
                                kill(pid, SIGKILL);
                                waitpid(pid, NULL, 0);
                                return casca_error_setx(err, ETIMEDOUT, "timed out after %d s",
                                                        h->timeout);
                        }
                        timeout = left > 0 ? (int)left : 0;
                }
                if (exited)
                        timeout = 0;
                n = poll(p, (nfds_t)nfds, timeout);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0 && exited)
                        break;
                for (int i = 0; i < nfds; i++) {
                        if (!p[i].revents)
                                continue;
                        if (p[i].fd == pidfd) {
                                exited = true;
                                continue;
                        }
                        char buf[512];
                        ssize_t k = read(err_r, buf, sizeof(buf));
                        if (k <= 0) {
                                casca_closep(&err_r);
                                continue;
                        }
                        for (ssize_t j = 0; j < k && used + 1 < outsz; j++)
                                out[used++] = buf[j];
                }
        }
        out[used] = '\0';
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return casca_error_set(err, errno, "wait");
        *ret_status = status;
        return 0;
}

/* Run hook i of kind; its failure (exit status, signal, timeout) is the
 * error, with the hook's stderr. */
static int hook_run_one(const struct casca_config *cfg, enum casca_hook_kind kind, size_t i,
                        const char *state_json, struct casca_error **err)
{
        const struct casca_hook *h = &cfg->hooks[kind].hooks[i];
        char out[1024];
        int status = 0, r;

        r = hook_run(h, state_json, out, sizeof(out), &status, err);
        if (r < 0)
                return casca_error_prefix(err, "hooks.%s[%zu] `%s`", casca_config_hook_name(kind),
                                          i, h->path);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        /* trim a trailing newline from the hook's stderr */
        for (size_t n = strlen(out); n > 0 && out[n - 1] == '\n'; n--)
                out[n - 1] = '\0';
        if (WIFSIGNALED(status))
                return casca_error_setx(err, ECANCELED,
                                        "hooks.%s[%zu] `%s`: killed by signal %d%s%s",
                                        casca_config_hook_name(kind), i, h->path, WTERMSIG(status),
                                        out[0] ? ": " : "", out);
        return casca_error_setx(err, ECANCELED, "hooks.%s[%zu] `%s`: exit status %d%s%s",
                                casca_config_hook_name(kind), i, h->path, WEXITSTATUS(status),
                                out[0] ? ": " : "", out);
}

int casca_hooks_run(const struct casca_config *cfg, enum casca_hook_kind kind,
                    const char *state_json, struct casca_error **err)
{
        for (size_t i = 0; i < cfg->hooks[kind].n; i++) {
                int r = hook_run_one(cfg, kind, i, state_json, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

size_t casca_hooks_run_all(const struct casca_config *cfg, enum casca_hook_kind kind,
                           const char *state_json, casca_hooks_warn_fn warn, void *userdata)
{
        size_t failed = 0;

        for (size_t i = 0; i < cfg->hooks[kind].n; i++) {
                _cleanup_error_ struct casca_error *e = NULL;

                if (hook_run_one(cfg, kind, i, state_json, &e) >= 0)
                        continue;
                failed++;
                if (warn)
                        warn(userdata, e);
        }
        return failed;
}
