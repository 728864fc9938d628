/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* container.c - start, state, kill, stop, delete, run and list. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "runtime/config.h"
#include "runtime/container-net.h"
#include "runtime/foreground.h"
#include "runtime/handle.h"
#include "runtime/hooks.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/format.h"
#include "util/parse.h"

int casca_signal_parse(const char *s)
{
        int n, r;

        if (!s || !*s)
                return -EINVAL;
        r = casca_parse_int(s, NULL, INT_MIN, INT_MAX, &n);
        if (r != -EINVAL) /* a number; 0: only whether it may be signalled, as kill(1) */
                return r == 0 && n >= 0 && n <= SIGRTMAX ? n : -EINVAL;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (int sig = 1; sig < SIGRTMIN; sig++) {
                const char *abbrev = sigabbrev_np(sig);
                if (abbrev && strcasecmp(s, abbrev) == 0)
                        return sig;
        }
        if (strncasecmp(s, "RTMIN", 5) == 0) {
                n = 0;
                if ((s[5] == '\0' || casca_parse_int(s + 5, NULL, 0, INT_MAX, &n) == 0) &&
                    SIGRTMIN + n <= SIGRTMAX)
                        return SIGRTMIN + n;
        }
        return -EINVAL;
}

/* Whether a JSON document can have a "hooks" key at all: the letters of a
 * key are spelt out or escaped as \uXXXX; no other escape makes a letter. */
static bool may_have_hooks(const char *json, size_t len)
{
        return memmem(json, len, "hooks", 5) || memmem(json, len, "\\u", 2);
}

/* The container's saved config.json, parsed; NULL when there is none (or
 * when only_hooks and it cannot have any: start and delete of every
 * container come here, and most have none, so a config that cannot have
 * any is not parsed, most of the time of a big one). */
static struct casca_config *handle_config(struct casca_handle *h, bool only_hooks)
{
        _cleanup_error_ struct casca_error *ignored = NULL;
        _cleanup_close_ int fd = openat(h->dir_fd, CASCA_STATE_CONFIG, O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *json = NULL;
        char path[CASCA_FD_PATH_MAX];
        size_t len;

        if (fd < 0)
                return NULL;
        json = casca_fs_read_file(casca_fd_path(path, fd), &len, &ignored);
        if (!json || (only_hooks && !may_have_hooks(json, len)))
                return NULL;
        return casca_config_parse(json, len, &ignored);
}

struct hook_warn {
        struct casca_context *ctx;
        const char *id;
};

static void warn_hook(void *userdata, const struct casca_error *e)
{
        const struct hook_warn *w = userdata;

        casca_log(w->ctx, CASCA_LOG_WARNING, "container %s: %s", w->id, e->msg);
}

/* Run hooks whose failure is only a warning (poststop; poststart before
 * runtime-spec 1.3): every one of them, each failure a warning. */
static void run_warn_hooks(struct casca_context *ctx, struct casca_handle *h,
                           const struct casca_config *cfg, enum casca_hook_kind kind,
                           enum casca_status status)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_free_ char *json = NULL;
        struct hook_warn w = {.ctx = ctx, .id = h->st->id};

        if (!cfg || cfg->hooks[kind].n == 0)
                return;
        json = casca_state_to_json(h->st, status, false, &err);
        if (!json) {
                warn_hook(&w, err);
                return;
        }
        casca_hooks_run_all(cfg, kind, json, warn_hook, &w);
}

static int signal_init(const struct casca_state *st, int signo, struct casca_error **err)
{
        _cleanup_close_ int fd = casca_handle_pidfd(st);

        if (fd == -ESRCH)
                return casca_error_setx(err, ESRCH, "container `%s` is not running", st->id);
        if (fd < 0)
                return casca_error_set(err, -fd, "container `%s`: pidfd_open", st->id);
        if (syscall(SYS_pidfd_send_signal, fd, signo, NULL, 0) < 0)
                return casca_error_set(err, errno, "container `%s`: send signal %d", st->id, signo);
        return 0;
}

/* Wait until the init has exited; false on timeout (timeout_ms < 0: forever). */
static bool wait_exit(const struct casca_state *st, int timeout_ms)
{
        _cleanup_close_ int fd = casca_handle_pidfd(st);
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

/* poststart: runtime-spec 1.3 made a failing hook an error that stops the
 * container (what runc always did); before, the spec asked for a warning
 * and the remaining hooks.  The config's ociVersion says which. */
static int run_poststart(struct casca_context *ctx, struct casca_handle *h,
                         struct casca_error **err)
{
        _cleanup_config_ struct casca_config *cfg = handle_config(h, true);
        _cleanup_free_ char *json = NULL;
        int r;

        if (!cfg || cfg->hooks[CASCA_HOOK_POSTSTART].n == 0)
                return 0;
        if (casca_config_oci_minor(cfg) < 3) {
                run_warn_hooks(ctx, h, cfg, CASCA_HOOK_POSTSTART, CASCA_STATUS_RUNNING);
                return 0;
        }
        json = casca_state_to_json(h->st, CASCA_STATUS_RUNNING, false, err);
        if (!json)
                return -ENOMEM;
        r = casca_hooks_run(cfg, CASCA_HOOK_POSTSTART, json, err);
        if (r < 0) {
                (void)signal_init(h->st, SIGKILL, NULL);
                (void)wait_exit(h->st, 10000);
                return casca_error_prefix(err, "container `%s` stopped", h->st->id);
        }
        return 0;
}

int casca_container_start(struct casca_context *ctx, const char *id, struct casca_error **err)
{
        struct casca_handle h;
        _cleanup_close_ int fifo = -1;
        char byte;
        int r;

        r = casca_handle_open(ctx, id, true, &h, err);
        if (r < 0)
                return r;
        if (h.status != CASCA_STATUS_CREATED) {
                r = casca_error_setx(err, EINVAL, "container `%s` is not in created state (%s)", id,
                                     casca_status_name(h.status));
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
                /* a stopped init would never open the fifo, and we hold the
                 * lock kill and delete wait for: give up, the container
                 * stays created */
                if (casca_state_pid_stopped(h.st)) {
                        r = casca_error_setx(err, EAGAIN,
                                             "container `%s`: its init is stopped (SIGSTOP, or "
                                             "traced): not started; SIGCONT it and start again",
                                             id);
                        goto out;
                }
        }
        unlinkat(h.dir_fd, CASCA_STATE_FIFO, 0);
        r = run_poststart(ctx, &h, err);
out:
        casca_handle_close(&h);
        return r;
}

int casca_container_state(struct casca_context *ctx, const char *id, char **ret_json,
                          struct casca_error **err)
{
        struct casca_handle h;
        int r;

        r = casca_handle_open(ctx, id, false, &h, err);
        if (r < 0)
                return r;
        *ret_json = casca_state_to_json(h.st, h.status, true, err);
        r = *ret_json ? 0 : -ENOMEM;
        casca_handle_close(&h);
        return r;
}

/* Every process of the container (casca_handle_procs): cgroup.kill for
 * SIGKILL with a cgroup, else each through its pidfd. */
static int signal_all(struct casca_handle *h, int signo, struct casca_error **err)
{
        _cleanup_cgroup_ struct casca_cgroup *cg = casca_handle_cgroup(h);
        struct casca_procs procs;
        int r;

        if (cg && signo == SIGKILL)
                return casca_cgroup_kill(cg, err);
        r = casca_handle_procs(h, "kill --all", &procs, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < procs.n && r == 0; i++)
                if (syscall(SYS_pidfd_send_signal, procs.fds[i], signo, NULL, 0) < 0 &&
                    errno != ESRCH)
                        r = casca_error_set(err, errno, "container `%s`: signal pid %d", h->st->id,
                                            (int)procs.pids[i]);
        casca_procs_clear(&procs);
        return r;
}

int casca_container_kill(struct casca_context *ctx, const char *id, int signo, bool all,
                         struct casca_error **err)
{
        struct casca_handle h;
        int r;

        r = casca_handle_open(ctx, id, false, &h, err);
        if (r < 0)
                return r;
        /* like runc: --all on a stopped container is no error (what its
         * cgroup still holds gets the signal) */
        if (all)
                r = signal_all(&h, signo, err);
        else if (h.status == CASCA_STATUS_STOPPED)
                r = casca_error_setx(err, ESRCH, "container `%s` is not running", id);
        else
                r = signal_init(h.st, signo, err);
        casca_handle_close(&h);
        return r;
}

/* The network: netDevices back, veth, nftables rules, leases, the pin.  A
 * failure keeps the state, --force or not: network.json is what a later
 * delete needs to finish the job, and delete only succeeds when nothing is
 * left (each undo step takes "already gone" as done, so a retry converges). */
static int destroy_network(struct casca_context *ctx, struct casca_handle *h,
                           struct casca_error **err)
{
        _cleanup_free_ char *root = NULL;
        int r;

        /* set before create makes anything; teardown goes by what
         * network.json records, so without a state it is tried */
        if (!h->st->network && !h->st->incomplete)
                return 0;
        root = casca_state_root_abs(ctx, err);
        if (!root)
                return casca_error_prefix(err, "container `%s`", h->st->id);
        r = casca_container_net_teardown(root, h->st->id, false, err);
        if (r >= 0)
                return 0;
        return casca_error_prefix(err,
                                  "container `%s` kept (run `casca delete --force %s` again once "
                                  "the cause is fixed)",
                                  h->st->id, h->st->id);
}

/* The cgroup of a container without a readable state.json (a create of an
 * older casca killed before it recorded its cgroup, or a damaged state):
 * where its config.json says create put it.  Only an empty one is taken,
 * or one that create marked as this container's (casca_cgroup_set_owner):
 * other processes in it cannot be told to be the container's. */
static struct casca_cgroup *recover_cgroup(struct casca_context *ctx, struct casca_handle *h)
{
        _cleanup_config_ struct casca_config *cfg = NULL;
        _cleanup_cgroup_ struct casca_cgroup *cg = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_free_ char *path = NULL, *root = NULL, *owner = NULL;
        size_t n = 0;

        if (ctx->cgroup_manager == CASCA_CGROUP_DISABLED || !casca_cgroup_v2_available())
                return NULL;
        cfg = handle_config(h, false);
        if (!cfg ||
            casca_cgroup_resolve_path(cfg->linux_cfg.cgroups_path, h->st->id, &path, NULL) < 0 ||
            casca_cgroup_open(path, &cg, NULL) < 0)
                return NULL;
        root = casca_state_root_abs(ctx, NULL);
        if (root && asprintf(&owner, "%s/%s", root, h->st->id) >= 0 &&
            casca_cgroup_owned_by(cg, owner))
                return TAKE_PTR(cg);
        if (casca_cgroup_pids(cg, &pids, &n, NULL) < 0 || n > 0) {
                casca_log(ctx, CASCA_LOG_WARNING,
                          "container %s: no state.json; cgroup %s holds processes that may not "
                          "be the container's: left alone",
                          h->st->id, path);
                return NULL;
        }
        return TAKE_PTR(cg);
}

static int destroy(struct casca_context *ctx, struct casca_handle *h, struct casca_error **err)
{
        _cleanup_cgroup_ struct casca_cgroup *cg =
                h->st->incomplete ? recover_cgroup(ctx, h) : casca_handle_cgroup(h);
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
        } else if (h->st->cgroup_unit) {
                /* the scope's cgroup is gone (or never came): its unit too */
                r = casca_cgroup_systemd_remove_unit(h->st->cgroup_unit, err);
                if (r < 0)
                        return casca_error_prefix(err, "container `%s`", h->st->id);
        }
        r = destroy_network(ctx, h, err);
        if (r < 0)
                return r;
        {
                _cleanup_config_ struct casca_config *cfg = handle_config(h, true);

                run_warn_hooks(ctx, h, cfg, CASCA_HOOK_POSTSTOP, CASCA_STATUS_STOPPED);
        }
        return casca_state_dir_remove(h->root_fd, h->st->id, err);
}

int casca_container_delete(struct casca_context *ctx, const char *id, bool force,
                           struct casca_error **err)
{
        struct casca_handle h;
        int r;

        r = casca_handle_open(ctx, id, true, &h, err);
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
        casca_handle_close(&h);
        return r;
}

/* The signal of the stop-signal annotation create checked (SIGTERM
 * without one). */
static int stop_signal(const struct casca_state *st)
{
        for (size_t i = 0; i < st->n_annotations; i++)
                if (strcmp(st->annotations[i].key, CASCA_STOP_SIGNAL_ANNOTATION) == 0) {
                        int sig = casca_signal_parse(st->annotations[i].value);
                        return sig > 0 ? sig : SIGTERM;
                }
        return SIGTERM;
}

int casca_container_stop(struct casca_context *ctx, const char *id, unsigned timeout_s,
                         struct casca_error **err)
{
        struct casca_handle h;
        int r, sig;

        r = casca_handle_open(ctx, id, false, &h, err);
        if (r < 0)
                return r;
        r = 0;
        if (h.status == CASCA_STATUS_STOPPED)
                goto out;
        sig = stop_signal(h.st);
        r = signal_init(h.st, sig, err);
        if (r < 0) {
                r = -ESRCH == r ? 0 : r;
                goto out;
        }
        if (wait_exit(h.st, (int)timeout_s * 1000))
                goto out;
        casca_log(ctx, CASCA_LOG_INFO, "container %s: no exit %u s after %s, sending SIGKILL", id,
                  timeout_s, sigabbrev_np(sig) ? sigabbrev_np(sig) : "its stop signal");
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
        casca_handle_close(&h);
        return r;
}

/* ---- run ------------------------------------------------------------------ */

int casca_container_run(struct casca_context *ctx, const char *id,
                        const struct casca_create_options *opts, bool detach, bool keep,
                        int *ret_status, struct casca_error **err)
{
        struct casca_create_options o = *opts;
        struct casca_foreground fg;
        _cleanup_close_ int master = -1;
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

        /* signals are blocked before the clone: none is lost, none kills us */
        r = casca_foreground_begin(&fg, err);
        if (r < 0)
                return r;
        o.foreground = true;
        o.ret_pty_master = &master;
        o.ret_pid = &pid;
        r = casca_container_create(ctx, id, &o, err);
        if (r < 0)
                goto out;
        casca_foreground_raw(&fg, master);
        r = casca_container_start(ctx, id, err);
        if (r < 0) {
                (void)casca_container_delete(ctx, id, true, NULL);
                goto out;
        }
        r = casca_foreground_wait(&fg, pid, master, ret_status);
        if (r < 0) {
                r = casca_error_set(err, -r, "container `%s`: wait", id);
                goto out;
        }
        if (!keep)
                r = casca_container_delete(ctx, id, false, err);
out:
        casca_foreground_end(&fg);
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

static int cmp_info_id(const void *a, const void *b)
{
        return strcmp(((const struct casca_container_info *)a)->id,
                      ((const struct casca_container_info *)b)->id);
}

int casca_container_list(struct casca_context *ctx, struct casca_container_info **ret,
                         size_t *ret_n, struct casca_error **err)
{
        const char *root = casca_state_root(ctx);
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_close_ int fd = -1;
        struct casca_container_info *v = NULL;
        size_t n = 0;
        struct dirent *de;

        *ret = NULL;
        *ret_n = 0;
        if (access(root, F_OK) < 0 && errno == ENOENT)
                return 0;
        fd = casca_state_root_open(root, false, err);
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d)
                return casca_error_set(err, errno, "state root `%s`", root);
        TAKE_FD(fd);
        while ((de = readdir(d))) {
                struct casca_handle h;
                struct casca_container_info *nv;
                struct stat sb;

                /* every name an id can have, a leading '.' too (runc lists
                 * those); casca's own entries (@cache, @networks) cannot be
                 * ids, and a directory that holds more than a container's
                 * files is not listed (casca_state_incomplete) */
                if (casca_id_validate(de->d_name, NULL) < 0)
                        continue;
                /* the root once for all, not opened and checked again per
                 * container: a dup of the listed root's fd for each handle */
                /* never waiting for one that is being created (runc and
                 * crun do not lock for list either) */
                if (casca_handle_peek_at(fcntl(dirfd(d), F_DUPFD_CLOEXEC, 3), de->d_name, &h,
                                         NULL) < 0)
                        continue;
                nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv) {
                        casca_handle_close(&h);
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
                /* status names fit status[16] */
                casca_snprintf_trunc(v[n].status, sizeof(v[n].status), "%s",
                                     casca_status_name(h.status));
                n++;
                casca_handle_close(&h);
        }
        /* like runc (which reads the state root in name order) */
        if (n > 1)
                qsort(v, n, sizeof(*v), cmp_info_id);
        *ret = v;
        *ret_n = n;
        return 0;
}
