/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create.c - `create`: clone the container's init into its namespaces and
 * walk it, step by named step, to the point just before exec.
 *
 * Parent (the runtime)                   Child (the container's init)
 *   load config, state dir, exec fifo
 *   clone3 (namespaces, into cgroup) --->  [stage 1 only when joining a user
 *                                           or pid namespace by path: setns,
 *                                           unshare, clone the init]
 *   write id maps       <--- USERNS_READY
 *                       ---> USERNS_MAPPED
 *                                         join the namespaces given by path
 *   [NETWORK only with casca.network and a new network namespace, or with
 *    linux.netDevices; the init waits, so the rootfs and the hooks see it]
 *   state: network;     <--- NETWORK
 *   pin the netns (netDevices), bridge, lease, nftables, veth, addresses,
 *   netDevices moved in, <state dir>/{hostname,hosts,resolv.conf}
 *                       ---> NETWORK_DONE
 *                                         time ns, hostname, rootfs mounts,
 *                                         bind /etc/{hostname,hosts,resolv.conf}
 *                                         (casca.network), pty
 *   prestart, createRuntime <--- HOOKS
 *                       ---> HOOKS_DONE   createContainer hooks, pivot_root,
 *                                         masked/readonly paths, rlimits,
 *                                         seccomp, user + caps, no_new_privs
 *   state: created      <--- READY        blocks opening the exec fifo
 *   exit                                  `start` opens it: startContainer, exec
 *
 * A failure on either side ends the walk: the runtime kills the init, removes
 * the cgroup, undoes the network from what network.json records, and removes
 * the state dir.  Networking is recorded (network.json) before it is made,
 * so `delete --force` undoes it after a runtime was SIGKILLed at any step.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "runtime/idmap.h"
#include "netns/network.h"
#include "runtime/cloud-init.h"
#include "runtime/config.h"
#include "runtime/create.h"
#include "runtime/container-net.h"
#include "runtime/hooks.h"
#include "runtime/mount.h"
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
#include "util/parse.h"

struct create {
        struct casca_context *ctx;
        const char *id;
        const struct casca_create_options *opts;
        struct casca_bundle b; /* its config_json: raw bytes, copied into the state dir */
        int root_fd, dir_fd, fifo_fd;
        int sock[2];
        int go[2]; /* stage 1 -> init: the parent knows the init pid now */
        pid_t parent;
        bool two_stage;
        unsigned preserve_fds;
        struct casca_cgroup *cg;            /* NULL: no cgroup (hybrid host, disabled, rootless) */
        char *cg_path;                      /* where it goes, recorded before it is made */
        char *cg_unit;                      /* --systemd-cgroup: its scope, recorded too */
        struct casca_sdprops sdprops;       /* org.systemd.property.* annotations */
        struct casca_seccomp_prog *seccomp; /* compiled before clone, loaded in the init */
        char *hook_state;                   /* state JSON handed to the child's hooks */
        int stub_fd; /* the exec stub (sealed-exe.h): the init waits for start in it */

        bool net_build;                 /* casca.network in a new network namespace */
        bool net_step;                  /* the NETWORK step: net_build or linux.netDevices */
        bool net_dumpable;              /* the init is dumpable during it (rootless pasta) */
        char *root_abs;                 /* the absolute state root (net_step) */
        char *etc_dir;                  /* <root_abs>/<id> (net_build): the /etc files */
        int etc_mounts[CASCA_ETC__MAX]; /* init: detached mounts of them, or -1 */
        int *bind_fds;                  /* with a user namespace: the bind sources, opened here */
        size_t n_bind_fds;
        bool etc_by_path;              /* init: no open_tree in the runtime, open etc_dir */
        struct casca_idmap_plan idmap; /* who writes the id maps (rootless: newuidmap) */
        /* the network: freed last, see casca_container_net_setup() */
        struct casca_network_result *net_res;
};

/* Test builds only (make's build/tests/casca-steps, compiled with
 * -DCASCA_TEST_STEPS): the runtime SIGKILLs itself at the step of create
 * that CASCA_TEST_KILL_AT names, as an orchestrator's kill at that moment
 * would.  A normal build has no such step and reads no such variable. */
#ifdef CASCA_TEST_STEPS
static void kill_point(const char *step)
{
        const char *at = getenv("CASCA_TEST_KILL_AT");

        if (at && strcmp(at, step) == 0)
                raise(SIGKILL);
}
#else
static inline void kill_point(const char *step)
{
        (void)step;
}
#endif

/* ---- the child --------------------------------------------------------- */

static bool userns_new(const struct casca_linux *l)
{
        return l->namespaces[CASCA_NS_USER].present && !l->namespaces[CASCA_NS_USER].path;
}

static bool timens_new(const struct casca_linux *l)
{
        return l->namespaces[CASCA_NS_TIME].present && !l->namespaces[CASCA_NS_TIME].path;
}

static int child_userns_handshake(struct create *c, pid_t self, struct casca_error **err)
{
        const struct casca_linux *l = &c->b.cfg->linux_cfg;
        int r;

        /* an unprivileged parent must be able to open our id map files (and
         * oom_score_adj); nothing but the parent can see us yet */
        if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
                return casca_error_set(err, errno, "prctl(PR_SET_DUMPABLE, 1)");
        r = casca_sync_send(c->sock[1], SYNC_USERNS_READY, &self, sizeof(self), -1, err);
        if (r < 0)
                return r;
        r = casca_sync_recv(c->sock[1], SYNC_USERNS_MAPPED, NULL, 0, NULL, NULL, err);
        if (r < 0)
                return r;
        /* The time namespace now, owned by the new user namespace: only
         * while we are dumpable and still the runtime's uid is our
         * /proc/self/timens_offsets ours to open (a stage 1's clone of the
         * init inherits the namespace). */
        if (timens_new(l)) {
                r = casca_ns_enter_new_time(l, err);
                if (r < 0)
                        return r;
        }
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return casca_error_set(err, errno, "prctl(PR_SET_DUMPABLE, 0)");
        /* become root of the new namespace when root is mapped */
        if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
                return casca_error_set(err, errno, "setresgid(0) in the user namespace");
        if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
                return casca_error_set(err, errno, "setresuid(0) in the user namespace");
        return 0;
}

/* Stage 1: join namespaces by path (the user namespace first), create the
 * new ones, then clone the init (a sibling through CLONE_PARENT) so that a
 * joined or new pid namespace applies to it.  Never returns in stage 1. */
static int child_stage1(struct create *c, struct casca_error **err)
{
        const struct casca_linux *l = &c->b.cfg->linux_cfg;
        uint64_t flags = casca_ns_new_flags(l);
        pid_t init;
        char byte;
        int r;

        r = casca_ns_join(l, ~0u, err);
        if (r < 0)
                return r;
        if (userns_new(l)) {
                if (unshare(CLONE_NEWUSER) < 0)
                        return casca_error_set(err, errno,
                                               "linux.namespaces: create user namespace");
                r = child_userns_handshake(c, getpid(), err);
                if (r < 0)
                        return r;
                flags &= ~(uint64_t)CLONE_NEWUSER;
        }
        if (flags && unshare((int)flags) < 0)
                return casca_error_set(err, errno, "linux.namespaces: unshare");
        init = casca_clone3(CLONE_PARENT, -1);
        if (init < 0)
                return casca_error_set(err, -init, "clone the container init");
        if (init == 0) {
                /* the init: wait until stage 1 told the parent our pid */
                close(c->go[1]);
                if (read(c->go[0], &byte, 1) != 1)
                        _exit(1);
                close(c->go[0]);
                return 1;
        }
        r = casca_sync_send(c->sock[1], SYNC_INIT_PID, &init, sizeof(init), -1, err);
        if (r < 0)
                return r;
        if (write(c->go[1], "g", 1) != 1)
                return casca_error_set(err, errno, "release the container init");
        _exit(0);
}

static int child_wait_fifo(struct create *c, struct casca_error **err)
{
        char path[CASCA_FD_PATH_MAX];
        _cleanup_close_ int fd = -1;

        casca_fd_path(path, c->fifo_fd);
        do
                fd = open(path, O_WRONLY | O_CLOEXEC);
        while (fd < 0 && errno == EINTR);
        if (fd < 0)
                return casca_error_set(err, errno, "open the exec fifo (is /proc mounted?)");
        if (write(fd, "0", 1) != 1)
                return casca_error_set(err, errno, "write the exec fifo");
        casca_closep(&c->fifo_fd);
        return 0;
}

/* Our network namespace exists: the runtime builds the network now and
 * hands over the /etc files as detached mounts. */
static int child_network(struct create *c, struct casca_error **err)
{
        int r;

        /* rootless user-mode network: the runtime and pasta, unprivileged,
         * open our /proc/<pid>/ns/ files, which needs us dumpable; only
         * the runtime sees us before we are dumpable no more */
        if (c->net_dumpable && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
                return casca_error_set(err, errno, "prctl(PR_SET_DUMPABLE, 1)");
        r = casca_sync_send(c->sock[1], SYNC_NETWORK, NULL, 0, -1, err);
        if (r < 0)
                return r;
        for (;;) {
                enum casca_sync_step step;
                uint32_t v = 0;
                size_t len = 0;
                int fd = -1;

                r = casca_sync_recv_any(c->sock[1], &step, &v, sizeof(v), &len, &fd, err);
                if (r < 0)
                        return r;
                if (step == SYNC_NETWORK_DONE && len == sizeof(v) && fd < 0) {
                        c->etc_by_path = v == 1;
                        if (c->net_dumpable && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                                return casca_error_set(err, errno, "prctl(PR_SET_DUMPABLE, 0)");
                        return 0;
                }
                if (step != SYNC_NETWORK_FILE || len != sizeof(v) || fd < 0 ||
                    v >= CASCA_ETC__MAX || c->etc_mounts[v] >= 0) {
                        casca_closep(&fd);
                        return casca_error_setx(err, EPROTO, "sync: unexpected step %s",
                                                casca_sync_step_name(step));
                }
                c->etc_mounts[v] = fd;
        }
}

/* Everything between the namespaces and exec. */
static int child_init(struct create *c, struct casca_error **err)
{
        const struct casca_config *cfg = c->b.cfg;
        const struct casca_linux *l = &cfg->linux_cfg;
        const struct casca_process *p = &cfg->process;
        struct casca_prepare x;
        struct casca_rootfs_opts ro = {.in_userns = l->namespaces[CASCA_NS_USER].present,
                                       .console_fd = -1,
                                       .bind_fds = c->bind_fds};
        _cleanup_close_ int pty_slave = -1, state_fd = -1;
        _cleanup_free_ char *hook_state = NULL;
        int r;

        if (!c->two_stage) {
                if (userns_new(l)) {
                        r = child_userns_handshake(c, 0, err);
                        if (r < 0)
                                return r;
                }
                r = casca_ns_join(l, ~((1u << CASCA_NS_USER) | (1u << CASCA_NS_PID)), err);
                if (r < 0)
                        return r;
        }
        if (c->net_step) {
                r = child_network(c, err);
                if (r < 0)
                        return r;
        }
        if (!c->net_build && l->namespaces[CASCA_NS_NETWORK].present &&
            !l->namespaces[CASCA_NS_NETWORK].path) {
                /* like runc, a new network namespace has its loopback up */
                r = casca_network_loopback_up(err);
                if (r < 0)
                        return r;
        }
        if (timens_new(l) && !userns_new(l)) { /* else done in the handshake */
                r = casca_ns_enter_new_time(l, err);
                if (r < 0)
                        return r;
        }
        /* like runc, also in a uts namespace joined by path (a pod's) */
        if (cfg->hostname && cfg->hostname[0] &&
            sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
                return casca_error_set(err, errno, "hostname `%s`", cfg->hostname);
        if (cfg->domainname && cfg->domainname[0] &&
            setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
                return casca_error_set(err, errno, "domainname `%s`", cfg->domainname);

        r = casca_rootfs_setup(cfg, c->b.rootfs, &ro, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n_bind_fds; i++)
                casca_closep(&c->bind_fds[i]);
        if (c->net_build) {
                r = casca_rootfs_bind_etc(cfg, c->b.rootfs, c->etc_mounts,
                                          c->etc_by_path ? c->etc_dir : NULL, err);
                if (r < 0)
                        return r;
                for (int i = 0; i < CASCA_ETC__MAX; i++)
                        casca_closep(&c->etc_mounts[i]);
        }
        if (p->terminal) {
                _cleanup_close_ int master = -1;

                r = casca_terminal_create(c->b.rootfs, p, &master, &pty_slave, err);
                if (r < 0)
                        return r;
                r = casca_sync_send(c->sock[1], SYNC_PTY, NULL, 0, master, err);
                if (r < 0)
                        return r;
        }

        r = casca_sync_send(c->sock[1], SYNC_HOOKS, NULL, 0, -1, err);
        if (r < 0)
                return r;
        r = casca_sync_recv(c->sock[1], SYNC_HOOKS_DONE, NULL, 0, NULL, &state_fd, err);
        if (r < 0)
                return r;
        /* the state for our hooks, when we have any */
        if (state_fd >= 0) {
                hook_state =
                        casca_fs_read_fd(state_fd, "the state", CASCA_STATE_MAX_SIZE, NULL, err);
                if (!hook_state)
                        return -EINVAL;
                casca_closep(&state_fd);
        }
        r = casca_hooks_run(cfg, CASCA_HOOK_CREATE_CONTAINER, hook_state, err);
        if (r < 0)
                return r;

        r = casca_rootfs_pivot(cfg, c->b.rootfs, c->opts->no_pivot, err);
        if (r < 0)
                return r;
        r = casca_rootfs_finalize(cfg, err);
        if (r < 0)
                return r;
        /* the steps before execve, as for exec; READY, then we park */
        x = (struct casca_prepare){
                .cfg = cfg,
                .seccomp = c->seccomp,
                /* the stub's syscalls run under it, they were checked */
                .filter_before_ready =
                        l->seccomp && (casca_seccomp_uses_notify(l->seccomp) || c->stub_fd >= 0),
                .sock = c->sock[1],
                .preserve_fds = c->preserve_fds,
                .pty_slave = pty_slave,
                .die_with_runtime = c->opts->foreground && c->opts->die_with_runtime,
                /* as runc's init; not the sandbox's, which keeps the
                 * caller's terminal as bwrap does without --new-session */
                .new_session = !c->opts->die_with_runtime,
        };
        r = casca_prepare_exec(&x, err);
        if (r < 0)
                return r;
        /* waiting for start in the stub: the sync socket closes with its
         * execve, which tells the runtime the init is no longer ours */
        if (c->stub_fd >= 0)
                return casca_exec_stub_init(c->stub_fd, c->fifo_fd, x.path, cfg->process.args,
                                            cfg->process.env, err);
        casca_closep(&c->sock[1]);

        r = child_wait_fifo(c, err);
        if (r < 0)
                return r;
        r = casca_prepare_filter(&x, err);
        if (r < 0)
                return r;
        r = casca_hooks_run(cfg, CASCA_HOOK_START_CONTAINER, hook_state, err);
        if (r < 0)
                return r;
        return casca_prepare_execve(&x, err);
}

/* SIGKILL when the runtime dies.  A runtime already dead sends no signal:
 * its end of the sync socket, which only it holds now, tells. */
static void die_with_runtime(struct create *c)
{
        struct pollfd p = {.fd = c->sock[1], .events = POLLIN};

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                _exit(1);
        if (poll(&p, 1, 0) > 0 && (p.revents & POLLHUP))
                _exit(1);
}

static __attribute__((noreturn)) void child_main(struct create *c)
{
        _cleanup_error_ struct casca_error *err = NULL;
        const size_t n_bind = c->n_bind_fds;
        _cleanup_free_ int *keep = calloc(5 + n_bind, sizeof(int));
        sigset_t none;
        int r;

        /* from here on this process turns into the container: no library
         * is loaded from what it sees (util/dl.h) */
        casca_dl_forbid();
        if (!keep)
                _exit(1);
        keep[0] = c->sock[1];
        keep[1] = c->fifo_fd;
        keep[2] = c->go[0];
        keep[3] = c->go[1];
        keep[4] = c->stub_fd;
        for (size_t i = 0; i < n_bind; i++)
                keep[5 + i] = c->bind_fds[i];

        /* Until exec nothing may open our /proc/<pid>/exe, root, cwd or fd/:
         * once we are in the container's pid namespace its processes see us
         * (the CVE-2019-5736 class).  execve resets it. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                _exit(1);
        /* our copy of the state dir fd would keep its flock() held */
        casca_closep(&c->dir_fd);
        casca_closep(&c->root_fd);
        casca_closep(&c->sock[0]);
        /* die with the runtime until the init is ready */
        die_with_runtime(c);
        /* inside a new pid namespace getppid() is 0; the sync socket tells */
        if (getppid() != 0 && getppid() != c->parent)
                _exit(1);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);

        /* Only stdio and the preserved fds go on, not even reachable through
         * /proc/self/fd until exec (the CVE-2024-21626 class). */
        r = casca_fs_close_from_except(3 + (int)c->preserve_fds, keep, 5 + n_bind, &err);
        if (r >= 0 && c->two_stage)
                r = child_stage1(c, &err);
        if (r >= 0) {
                if (c->two_stage) /* the init's parent is the runtime now, not stage 1 */
                        die_with_runtime(c);
                (void)child_init(c, &err); /* returns only on failure, with err set */
        }
        /* only failures get here: exec does not return */
        if (c->sock[1] >= 0)
                casca_sync_send_error(c->sock[1], err);
        else if (err)
                dprintf(STDERR_FILENO, "casca: %s\n", err->msg);
        _exit(127);
}

/* ---- the parent ---------------------------------------------------------- */

static char *path_join(const char *a, const char *b)
{
        char *out = NULL;

        if (b[0] == '/')
                return strdup(b);
        if (asprintf(&out, "%s/%s", a, b) < 0)
                return NULL;
        return out;
}

void casca_bundle_free(struct casca_bundle *b)
{
        casca_config_free(b->cfg);
        free(b->dir);
        free(b->rootfs);
        free(b->config_json);
        *b = (struct casca_bundle){0};
}

int casca_bundle_load(const char *bundle, const char *json, size_t json_len, const char *verb,
                      struct casca_bundle *b, struct casca_error **err)
{
        _cleanup_free_ char *config_path = NULL, *root = NULL;
        struct stat st;

        b->dir = realpath(bundle, NULL);
        if (!b->dir)
                return casca_error_set(err, errno, "bundle `%s`", bundle);
        config_path = path_join(b->dir, "config.json");
        if (!config_path)
                return casca_error_set(err, ENOMEM, "bundle");
        if (json) {
                b->config_json = malloc(json_len + 1);
                if (!b->config_json)
                        return casca_error_set(err, ENOMEM, "config");
                memcpy(b->config_json, json, json_len);
                b->config_json[json_len] = '\0';
                b->config_len = json_len;
        } else {
                b->config_json = casca_config_read(config_path, &b->config_len, err);
                if (!b->config_json)
                        return -EINVAL;
        }
        b->cfg = casca_config_parse(b->config_json, b->config_len, err);
        if (!b->cfg)
                return casca_error_prefix(err, "%s", config_path);
        if (!b->cfg->has_process)
                return casca_error_setx(err, EINVAL, "%s: process: required to %s a container",
                                        config_path, verb);
        root = path_join(b->dir, b->cfg->root_path);
        if (!root)
                return casca_error_set(err, ENOMEM, "bundle");
        b->rootfs = realpath(root, NULL);
        if (!b->rootfs || stat(b->rootfs, &st) < 0)
                return casca_error_set(err, errno, "root.path `%s`", root);
        if (!S_ISDIR(st.st_mode))
                return casca_error_setx(err, ENOTDIR, "root.path `%s`: not a directory", root);
        return 0;
}

static int load_bundle(struct create *c, struct casca_error **err)
{
        return casca_bundle_load(c->opts->bundle ? c->opts->bundle : ".", c->opts->config_json,
                                 c->opts->config_len, "create", &c->b, err);
}

/* Limits and device rules are enforced by the container's cgroup: where it
 * cannot have one they are refused, unless the caller opted out of cgroups
 * (--cgroup-manager disabled), which runs the container without them and
 * says so.  A device filter is loaded by root only. */
static int check_cgroup_needs(struct create *c, struct casca_error **err)
{
        const struct casca_linux *l = &c->b.cfg->linux_cfg;
        bool limits = l->has_resources && l->resources.any_limit;
        bool devices = l->has_resources && l->resources.n_devices > 0 &&
                       casca_cgroup_devices_restrict(l->resources.devices, l->resources.n_devices);
        const char *what = limits && devices ? "limits and device rules"
                           : limits          ? "limits"
                                             : "device rules";
        static const char opt_out[] =
                "(--cgroup-manager disabled runs the container without them, with a warning)";

        if (c->ctx->cgroup_manager == CASCA_CGROUP_DISABLED && (limits || devices)) {
                casca_log(c->ctx, CASCA_LOG_WARNING,
                          "container %s: linux.resources: %s not enforced: cgroups are disabled "
                          "(--cgroup-manager disabled)",
                          c->id, what);
                return 0;
        }
        if (c->ctx->cgroup_manager == CASCA_CGROUP_DISABLED)
                return 0;
        if (c->ctx->cgroup_manager == CASCA_CGROUP_SYSTEMD && !casca_cgroup_v2_available())
                return casca_error_setx(err, EOPNOTSUPP,
                                        "the systemd cgroup manager needs a pure cgroup v2 "
                                        "hierarchy at /sys/fs/cgroup, which this host does not "
                                        "have");
        if (!limits && !devices)
                return 0;
        if (!casca_cgroup_v2_available())
                return casca_error_setx(err, EOPNOTSUPP,
                                        "linux.resources: %s need a pure cgroup v2 hierarchy at "
                                        "/sys/fs/cgroup, which this host does not have %s",
                                        what, opt_out);
        if (devices && casca_idmap_rootless())
                return casca_error_setx(err, EPERM,
                                        "linux.resources.devices: a device filter needs the host's "
                                        "root to load it %s",
                                        opt_out);
        return 0;
}

/* The org.systemd.property.* annotations: parsed (name and value) before
 * anything is made; unit properties only the systemd cgroup manager can
 * set, so refused with cgroupfs (but for podman's KillSignal and
 * TimeoutStopUSec, see below), and not applied (a warning) where the
 * caller opted out of cgroups.  Create and restore alike. */
int casca_container_sdprops(struct casca_context *ctx, const char *id,
                            const struct casca_config *cfg, struct casca_sdprops *ret,
                            struct casca_error **err)
{
        const struct casca_linux *l = &cfg->linux_cfg;
        int r;

        r = casca_cgroup_sdprops_parse(cfg->annotations, cfg->n_annotations, ret, err);
        if (r < 0 || ret->n == 0)
                return r;
        switch (ctx->cgroup_manager) {
        case CASCA_CGROUP_SYSTEMD:
                return casca_cgroup_systemd_check_props(l->has_resources ? &l->resources : NULL,
                                                        ret, err);
        case CASCA_CGROUP_DISABLED:
                for (size_t i = 0; i < ret->n; i++)
                        casca_log(ctx, CASCA_LOG_WARNING,
                                  "container %s: annotations[\"%s\"]: not applied: cgroups are "
                                  "disabled (--cgroup-manager disabled)",
                                  id, ret->v[i].key);
                return 0;
        default:
                break;
        }
        for (size_t i = 0; i < ret->n; i++) {
                const struct casca_sdprop *p = &ret->v[i];

                /* how systemd would stop the unit: podman sends these for
                 * every container, whatever its cgroup manager; without a
                 * unit the engine's stop (casca kill) is the only one */
                if (casca_cgroup_sdprop_is_stop(p)) {
                        casca_log(ctx, CASCA_LOG_DEBUG,
                                  "container %s: annotations[\"%s\"]: not applied: no systemd "
                                  "unit to stop with the cgroupfs manager",
                                  id, p->key);
                        continue;
                }
                return casca_error_setx(err, EOPNOTSUPP,
                                        "annotations[\"%s\"]: a systemd unit property needs the "
                                        "systemd cgroup manager (--systemd-cgroup); this "
                                        "container's is cgroupfs",
                                        p->key);
        }
        return 0;
}

static int check_config(struct create *c, struct casca_error **err)
{
        const struct casca_linux *l = &c->b.cfg->linux_cfg;
        const struct casca_process *p = &c->b.cfg->process;
        int r;

        if (!l->namespaces[CASCA_NS_MOUNT].present)
                return casca_error_setx(err, EINVAL,
                                        "linux.namespaces: a mount namespace is required");
        r = casca_process_check_lsm(c->b.cfg, NULL, NULL, err);
        if (r < 0)
                return r;
        casca_process_log_ambient(c->ctx, c->id, p);
        r = casca_config_apply_mount_label(c->b.cfg, err);
        if (r < 0)
                return r;
        if (c->b.cfg->cloud_init) {
                /* casca's own network: the one prepare_network() builds */
                const char *casca_if =
                        casca_config_builds_network(c->b.cfg) ? c->b.cfg->network->interface : NULL;

                r = casca_cloud_init_load(c->b.cfg->cloud_init, c->b.dir, c->id, c->b.cfg->hostname,
                                          casca_if, err);
                if (r < 0)
                        return r;
        }
        if (l->n_net_devices > 0 && !l->namespaces[CASCA_NS_NETWORK].present)
                return casca_error_setx(err, EINVAL,
                                        "linux.netDevices: requires a network namespace");
        if (p->terminal && !c->opts->console_socket && !c->opts->foreground)
                return casca_error_setx(err, EINVAL,
                                        "process.terminal is true but no --console-socket was "
                                        "given for a detached container");
        if (!p->terminal && c->opts->console_socket)
                return casca_error_setx(err, EINVAL,
                                        "--console-socket given but process.terminal is false");
        r = casca_idmap_plan_make(l, &c->idmap, err);
        if (r < 0)
                return r;
        r = casca_container_sdprops(c->ctx, c->id, c->b.cfg, &c->sdprops, err);
        if (r < 0)
                return r;
        return check_cgroup_needs(c, err);
}

static unsigned listen_fds(void)
{
        unsigned n;

        return casca_parse_uint(getenv("LISTEN_FDS"), NULL, 1023, &n) == 0 ? n : 0;
}

static int parent_hooks(struct create *c, struct casca_state *st, struct casca_error **err)
{
        _cleanup_free_ char *json = casca_state_to_json(st, CASCA_STATUS_CREATING, false, err);
        _cleanup_close_ int state_fd = -1;
        int r;

        kill_point("hooks");
        if (!json)
                return -ENOMEM;
        r = casca_hooks_run(c->b.cfg, CASCA_HOOK_PRESTART, json, err);
        if (r < 0)
                return r;
        r = casca_hooks_run(c->b.cfg, CASCA_HOOK_CREATE_RUNTIME, json, err);
        if (r < 0)
                return r;
        /* The init's hooks get the state as a file (a sync message holds
         * 4 KiB; annotations make states of any size), and only when it has
         * hooks to give it to. */
        if (c->b.cfg->hooks[CASCA_HOOK_CREATE_CONTAINER].n ||
            c->b.cfg->hooks[CASCA_HOOK_START_CONTAINER].n) {
                state_fd = casca_fs_memfd_of("casca-state", json, strlen(json), err);
                if (state_fd < 0)
                        return state_fd;
        }
        return casca_sync_send(c->sock[0], SYNC_HOOKS_DONE, NULL, 0, state_fd, err);
}

static int parent_seccomp_listener(struct create *c, const struct casca_state *st, int fd,
                                   struct casca_error **err)
{
        _cleanup_free_ char *state = casca_state_to_json(st, CASCA_STATUS_CREATING, false, err);

        if (!state)
                return -ENOMEM;
        return casca_prepare_send_listener(c->b.cfg->linux_cfg.seccomp, st->pid, state, fd, err);
}

/* The device filter: the config's rules, then the defaults every container
 * gets (runc's order).  linux.devices only makes nodes: whether they may be
 * opened is for linux.resources.devices to say, as in runc. */
int casca_container_device_rules(struct casca_cgroup *cg, const struct casca_linux *l,
                                 struct casca_error **err)
{
        size_t n_defaults, n = 0;
        const struct casca_device_rule *defaults = casca_cgroup_default_device_rules(&n_defaults);
        _cleanup_free_ struct casca_device_rule *rules = NULL;

        rules = calloc(l->resources.n_devices + n_defaults, sizeof(*rules));
        if (!rules)
                return casca_error_set(err, ENOMEM, "device rules");
        for (size_t i = 0; i < l->resources.n_devices; i++)
                rules[n++] = l->resources.devices[i];
        for (size_t i = 0; i < n_defaults; i++)
                rules[n++] = defaults[i];
        return casca_cgroup_set_devices(cg, rules, n, err);
}

/* Like runc: a cgroup that already holds processes (linux.cgroupsPath
 * naming another's) is shared with them: its limits bind them too, and
 * delete kills them. */
/* A cgroup that already holds processes is warned about; an empty one is
 * marked as this container's (casca_cgroup_set_owner), so that a delete
 * which finds state.json damaged can still kill what runs in it. */
static void warn_populated_or_mark(struct create *c)
{
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_free_ char *root = NULL, *owner = NULL;
        struct casca_error *e = NULL;
        size_t n = 0;

        if (casca_cgroup_pids(c->cg, &pids, &n, NULL) >= 0 && n > 0) {
                casca_log(c->ctx, CASCA_LOG_WARNING,
                          "container %s: its cgroup %s is not empty: %zu process(es) found", c->id,
                          casca_cgroup_path(c->cg), n);
                return;
        }
        root = casca_state_root_abs(c->ctx, NULL);
        if (!root || asprintf(&owner, "%s/%s", root, c->id) < 0)
                return;
        /* best effort: trusted.* needs CAP_SYS_ADMIN (not rootless) */
        if (casca_cgroup_set_owner(c->cg, owner, &e) < 0) {
                casca_log(c->ctx, CASCA_LOG_DEBUG, "container %s: %s", c->id, e->msg);
                casca_error_free(e);
        }
}

/* Where the cgroup goes, to record it before it is made; none when
 * create_cgroup() makes none. */
static int plan_cgroup(struct create *c, struct casca_error **err)
{
        if (c->ctx->cgroup_manager == CASCA_CGROUP_DISABLED || !casca_cgroup_v2_available())
                return 0;
        if (c->ctx->cgroup_manager == CASCA_CGROUP_SYSTEMD)
                return casca_cgroup_systemd_resolve(c->b.cfg->linux_cfg.cgroups_path, c->id,
                                                    &c->cg_unit, &c->cg_path, err);
        return casca_cgroup_resolve_path(c->b.cfg->linux_cfg.cgroups_path, c->id, &c->cg_path, err);
}

/* The host id container id 0 maps to, or -1. */
static long long host_root_id(const struct casca_id_mapping *m, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (m[i].container_id == 0)
                        return m[i].host_id;
        return -1;
}

/* A container with its own user and cgroup namespaces and its cgroup
 * mounted writable at /sys/fs/cgroup (`spec --system --userns`) gets its
 * cgroup delegated to its root, as crun does: systemd in it makes its own
 * cgroups there.  Without a user namespace its root owns the cgroup already. */
static int delegate_cgroup(struct create *c, struct casca_error **err)
{
        const struct casca_linux *l = &c->b.cfg->linux_cfg;
        long long uid, gid;
        bool rw_mount = false;

        if (!userns_new(l) || !l->namespaces[CASCA_NS_CGROUP].present ||
            l->namespaces[CASCA_NS_CGROUP].path)
                return 0;
        for (size_t i = 0; i < c->b.cfg->n_mounts; i++) {
                const struct casca_mount *m = &c->b.cfg->mounts[i];

                if (m->destination && m->type &&
                    (strcmp(m->type, "cgroup2") == 0 || strcmp(m->type, "cgroup") == 0) &&
                    casca_mount_dest_is(m->destination, "/sys/fs/cgroup"))
                        rw_mount = !(m->flags & MS_RDONLY);
        }
        uid = host_root_id(l->uid_mappings, l->n_uid_mappings);
        gid = host_root_id(l->gid_mappings, l->n_gid_mappings);
        if (!rw_mount || uid < 0 || gid < 0)
                return 0;
        return casca_cgroup_delegate(c->cg, (uid_t)uid, (gid_t)gid, err);
}

static int create_cgroup(struct create *c, struct casca_error **err)
{
        const struct casca_linux *l = &c->b.cfg->linux_cfg;
        bool limits = l->has_resources && l->resources.any_limit;
        int r;

        /* check_cgroup_needs() refused limits and device rules where there
         * is no cgroup v2 */
        if (c->ctx->cgroup_manager == CASCA_CGROUP_DISABLED || !casca_cgroup_v2_available()) {
                casca_log(c->ctx, CASCA_LOG_DEBUG, "container %s: running without a cgroup: %s",
                          c->id,
                          c->ctx->cgroup_manager == CASCA_CGROUP_DISABLED
                                  ? "--cgroup-manager disabled"
                                  : "no cgroup v2 hierarchy at /sys/fs/cgroup");
                return 0;
        }
        if (c->ctx->cgroup_manager == CASCA_CGROUP_SYSTEMD)
                r = casca_cgroup_systemd_create(l->cgroups_path, c->id,
                                                l->has_resources ? &l->resources : NULL,
                                                &c->sdprops, &c->cg, err);
        else
                r = casca_cgroup_create(l->cgroups_path, c->id,
                                        l->has_resources ? &l->resources : NULL, &c->cg, err);
        if (r < 0 && !limits && casca_idmap_rootless() &&
            c->ctx->cgroup_manager != CASCA_CGROUP_SYSTEMD) {
                /* rootless (a normal user, or root of a user namespace:
                 * rootless podman's runtime) without a delegated subtree: go
                 * on without one
                 * (the systemd cgroup manager asked for is the user's
                 * systemd instance: its errors are errors) */
                casca_log(c->ctx, CASCA_LOG_DEBUG, "container %s: running without a cgroup: %s",
                          c->id, (*err)->msg);
                casca_error_free(*err);
                *err = NULL;
                return 0;
        }
        if (r < 0)
                return r;
        warn_populated_or_mark(c);
        r = delegate_cgroup(c, err);
        if (r < 0)
                return r;
        /* loading a BPF program needs CAP_SYS_ADMIN (or CAP_BPF) */
        if (!casca_idmap_rootless())
                return casca_container_device_rules(c->cg, &c->b.cfg->linux_cfg, err);
        return 0;
}

/* In a user namespace the init may not reach a bind source that the
 * runtime can (a directory only host root may traverse): the runtime opens
 * each as a detached mount for the init to attach, as runc does.  Without
 * open_tree (before 5.2), or as a runtime that may not use it, the init binds
 * by path. */
static int open_bind_sources(struct create *c, struct casca_error **err)
{
        const struct casca_config *cfg = c->b.cfg;

        if (!cfg->linux_cfg.namespaces[CASCA_NS_USER].present || cfg->n_mounts == 0)
                return 0;
        c->bind_fds = malloc(cfg->n_mounts * sizeof(int));
        if (!c->bind_fds)
                return casca_error_set(err, ENOMEM, "mounts");
        c->n_bind_fds = cfg->n_mounts;
        for (size_t i = 0; i < cfg->n_mounts; i++)
                c->bind_fds[i] = -1;
        for (size_t i = 0; i < cfg->n_mounts; i++) {
                const struct casca_mount *m = &cfg->mounts[i];
                unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;

                if (!m->source || !casca_mount_is_bind(m) || (m->flags & MS_REMOUNT))
                        continue;
                if (m->flags & MS_REC)
                        flags |= AT_RECURSIVE;
                c->bind_fds[i] = open_tree(AT_FDCWD, m->source, flags);
                /* no open_tree, or a runtime that may not clone mounts (a
                 * rootless one, which reaches no more than its init) */
                if (c->bind_fds[i] < 0 && (errno == ENOSYS || errno == EPERM))
                        return 0;
                if (c->bind_fds[i] < 0)
                        return casca_error_set(err, errno, "mounts[%zu]: bind source `%s`", i,
                                               m->source);
        }
        return 0;
}

/* Decide whether the NETWORK step runs; what it needs from here. */
static int prepare_network(struct create *c, struct casca_error **err)
{
        const struct casca_linux *l = &c->b.cfg->linux_cfg;
        const struct casca_namespace *net = &l->namespaces[CASCA_NS_NETWORK];

        c->net_build = casca_config_builds_network(c->b.cfg);
        c->net_step = c->net_build || l->n_net_devices > 0;
        c->net_dumpable = c->net_build && c->b.cfg->network->user_mode && geteuid() != 0;
        if (c->b.cfg->network && !c->net_build)
                casca_log(c->ctx, net->present ? CASCA_LOG_DEBUG : CASCA_LOG_WARNING,
                          "container %s: casca.network ignored: %s", c->id,
                          net->present ? "linux.namespaces gives the network namespace by path"
                                       : "no network namespace in linux.namespaces");
        if (!c->net_step)
                return 0;
        c->root_abs = casca_state_root_abs(c->ctx, err);
        if (!c->root_abs)
                return casca_error_prefix(err, "network");
        if (c->net_build && asprintf(&c->etc_dir, "%s/%s", c->root_abs, c->id) < 0) {
                c->etc_dir = NULL;
                return casca_error_set(err, ENOMEM, "network");
        }
        return 0;
}

/* The program the init loads, kept for exec (exec.c): it installs these
 * bytes rather than compiling the profile again. */
static int store_seccomp(struct create *c, struct casca_error **err)
{
        _cleanup_free_ void *image = NULL;
        size_t len;
        int r;

        r = casca_seccomp_prog_store(c->seccomp, c->b.cfg->linux_cfg.seccomp, &image, &len, err);
        if (r < 0 || !image)
                return r;
        return casca_write_atomic(c->dir_fd, CASCA_STATE_SECCOMP, image, len, err);
}

static void log_seccomp_skip(void *userdata, enum casca_seccomp_skip reason, size_t rule,
                             const char *syscall)
{
        struct create *c = userdata;

        casca_log(c->ctx, CASCA_LOG_DEBUG, "linux.seccomp.syscalls[%zu] %s: skipped (%s)", rule,
                  syscall, casca_seccomp_skip_reason(reason));
}

/* The /etc files as detached bind mounts for the init, which may be in a
 * user namespace that cannot open the state dir, and cannot bind a file of
 * our mount namespace.  *ret_by_path: no open_tree (kernels before 5.2). */
static int send_etc_mounts(struct create *c, uint32_t *ret_by_path, struct casca_error **err)
{
        for (uint32_t i = 0; i < CASCA_ETC__MAX; i++) {
                _cleanup_free_ char *path = NULL;
                _cleanup_close_ int fd = -1;
                int r;

                if (asprintf(&path, "%s/%s", c->etc_dir, casca_etc_names[i]) < 0)
                        return casca_error_set(err, ENOMEM, "network");
                fd = open_tree(AT_FDCWD, path,
                               OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
                if (fd < 0 && errno == ENOENT)
                        continue; /* no hostname */
                /* ENOSYS: before 5.2; EPERM: rootless, which may not clone
                 * a mount of the host's mount namespace (the init, whose
                 * user namespace maps the caller, opens the files) */
                if (fd < 0 && (errno == ENOSYS || (errno == EPERM && geteuid() != 0))) {
                        *ret_by_path = 1;
                        return 0;
                }
                if (fd < 0)
                        return casca_error_set(err, errno, "open_tree `%s`", path);
                r = casca_sync_send(c->sock[0], SYNC_NETWORK_FILE, &i, sizeof(i), fd, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The init's pid (and start time, which tells it from a process that gets
 * its pid later) into state.json. */
static int record_init(struct create *c, struct casca_state *st, pid_t pid,
                       struct casca_error **err)
{
        int r;

        st->pid = pid;
        st->pid_start = casca_proc_starttime(pid);
        r = casca_state_write(c->dir_fd, st, err);
        kill_point("pid");
        return r;
}

/* NETWORK: the init is in its network namespace and waits.  state.json
 * has said "network" since the start, so that delete undoes it whatever
 * happens next. */
static int parent_network(struct create *c, struct casca_state *st, struct casca_error **err)
{
        uint32_t by_path = 0;
        int r;

        if (!c->net_step || !st->network || st->pid <= 0)
                return casca_error_setx(err, EPROTO, "sync: unexpected step %s",
                                        casca_sync_step_name(SYNC_NETWORK));
        r = casca_container_net_setup(c->b.cfg, c->id, c->root_abs, st->pid, c->net_build,
                                      &c->net_res, err);
        kill_point("network");
        if (r < 0)
                return r;
        if (c->net_build) {
                r = send_etc_mounts(c, &by_path, err);
                if (r < 0)
                        return r;
        }
        return casca_sync_send(c->sock[0], SYNC_NETWORK_DONE, &by_path, sizeof(by_path), -1, err);
}

/* Drive the child through its steps until READY. */
static int parent_sync(struct create *c, struct casca_state *st, pid_t *stage1,
                       struct casca_error **err)
{
        const struct casca_linux *l = &c->b.cfg->linux_cfg;
        struct casca_sync_seq seq = casca_sync_seq_create(userns_new(l), c->two_stage, c->net_step,
                                                          c->b.cfg->process.terminal);

        for (;;) {
                enum casca_sync_step step;
                pid_t pid = 0;
                size_t len = 0;
                _cleanup_close_ int fd = -1;
                int r;

                r = casca_sync_recv_any(c->sock[0], &step, &pid, sizeof(pid), &len, &fd, err);
                if (r < 0)
                        return r;
                r = casca_sync_seq_next(&seq, step, err);
                if (r < 0)
                        return r;
                switch (step) {
                case SYNC_USERNS_READY:
                        /* the child (the init, or stage 1 before it clones
                         * the init) is dumpable now: a rootless runtime can
                         * open its oom_score_adj */
                        r = casca_process_set_oom_score_adj(pid > 0 ? pid : st->pid,
                                                            &c->b.cfg->process, err);
                        if (r < 0)
                                return r;
                        r = casca_ns_write_id_maps(pid > 0 ? pid : st->pid, l, &c->idmap, err);
                        if (r < 0)
                                return r;
                        r = casca_sync_send(c->sock[0], SYNC_USERNS_MAPPED, NULL, 0, -1, err);
                        break;
                case SYNC_INIT_PID:
                        /* stage 1 is done: reap it; its sibling is the init */
                        while (waitpid(*stage1, NULL, 0) < 0 && errno == EINTR)
                                ;
                        *stage1 = -1;
                        /* the init waits for HOOKS_DONE, after this */
                        if (!userns_new(l)) {
                                r = casca_process_set_oom_score_adj(pid, &c->b.cfg->process, err);
                                if (r < 0)
                                        return r;
                        }
                        r = record_init(c, st, pid, err);
                        break;
                case SYNC_NETWORK:
                        r = parent_network(c, st, err);
                        break;
                case SYNC_PTY:
                        if (c->opts->console_socket)
                                r = casca_terminal_send_console(c->opts->console_socket, fd, err);
                        else if (c->opts->ret_pty_master)
                                *c->opts->ret_pty_master = TAKE_FD(fd);
                        break;
                case SYNC_HOOKS:
                        r = parent_hooks(c, st, err);
                        break;
                case SYNC_SECCOMP_FD:
                        r = parent_seccomp_listener(c, st, fd, err);
                        break;
                case SYNC_READY:
                        return 0;
                default:
                        return casca_error_setx(err, EPROTO, "sync: unexpected step %s",
                                                casca_sync_step_name(step));
                }
                if (r < 0)
                        return r;
        }
}

/* Whether the init waits for `start` in the exec stub (sealed-exe.h)
 * rather than as the runtime: only where it must be kept from our binary
 * (we do not run from a sealed copy, and the caller could write the
 * binary), and only where the stub starts it as the init would have.
 * Where it cannot, we start again from a sealed copy of ourselves (no
 * return); nothing has been made yet. */
static int use_stub(struct create *c, struct casca_error **err)
{
        const struct casca_config *cfg = c->b.cfg;
        const struct casca_namespace *pidns = &cfg->linux_cfg.namespaces[CASCA_NS_PID];
        const char *why = NULL;

        /* Until the stub runs, the init runs our code in its pid namespace:
         * a new one, which no container process can be in before the
         * runtime has marked the container created (which waits for the
         * stub, wait_for_stub()) */
        if (!pidns->present || pidns->path)
                why = "the init runs in a pid namespace it does not create";
        else if (cfg->hooks[CASCA_HOOK_START_CONTAINER].n > 0)
                why = "startContainer hooks run in the container after start";
        return casca_exec_stub_choose(c->ctx, c->id, NULL, why, &cfg->process,
                                      cfg->linux_cfg.seccomp ? c->seccomp : NULL, true, &c->stub_fd,
                                      err);
}

/* After READY: the sync socket closes when the init has executed the stub
 * (or it says what failed). */
static int wait_for_stub(struct create *c, struct casca_state *st, struct casca_error **err)
{
        _cleanup_error_ struct casca_error *e2 = NULL;
        _cleanup_close_ int fd = -1;
        enum casca_sync_step step;
        int r;

        r = casca_sync_recv_any(c->sock[0], &step, NULL, 0, NULL, &fd, &e2);
        if (r == -EPIPE && casca_state_pid_alive(st))
                return 0;
        if (r == -EPIPE)
                return casca_error_setx(err, ESRCH, "container init exited before it was ready");
        if (r < 0) {
                if (err && !*err)
                        *err = TAKE_PTR(e2);
                return r;
        }
        return casca_error_setx(err, EPROTO, "sync: unexpected step %s",
                                casca_sync_step_name(step));
}

static void create_cleanup(struct create *c, pid_t stage1, pid_t init)
{
        _cleanup_error_ struct casca_error *ignored = NULL;

        casca_killp(&stage1);
        if (init > 0) {
                kill(init, SIGKILL);
                /* our child in the one-stage path, a sibling's in the other */
                while (waitpid(init, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        if (c->cg && casca_cgroup_destroy(c->cg, &ignored) < 0)
                casca_log(c->ctx, CASCA_LOG_WARNING, "container %s: %s", c->id, ignored->msg);
        casca_error_free(TAKE_PTR(ignored));
        if (c->net_step && c->root_abs &&
            casca_container_net_teardown(c->root_abs, c->id, false, &ignored) < 0) {
                /* keep the state dir: it records what is left */
                casca_log(c->ctx, CASCA_LOG_WARNING,
                          "container %s: %s (`casca delete --force %s` retries)", c->id,
                          ignored->msg, c->id);
                return;
        }
        /* through the fd create holds: out of fds (EMFILE), opening the
         * directory again would fail and leave it */
        if (c->root_fd >= 0 && c->dir_fd >= 0)
                casca_state_dir_remove_fd(c->root_fd, TAKE_FD(c->dir_fd), c->id, NULL);
}

static void create_free(struct create *c)
{
        casca_network_result_free(c->net_res);
        casca_cgroup_free(c->cg);
        casca_seccomp_prog_free(c->seccomp);
        casca_idmap_plan_clear(&c->idmap);
        casca_bundle_free(&c->b);
        free(c->root_abs);
        free(c->etc_dir);
        free(c->cg_path);
        free(c->cg_unit);
        casca_cgroup_sdprops_clear(&c->sdprops);
        for (int i = 0; i < CASCA_ETC__MAX; i++)
                casca_closep(&c->etc_mounts[i]);
        for (size_t i = 0; i < c->n_bind_fds; i++)
                casca_closep(&c->bind_fds[i]);
        free(c->bind_fds);
        casca_closep(&c->root_fd);
        casca_closep(&c->dir_fd);
        casca_closep(&c->fifo_fd);
        casca_closep(&c->stub_fd);
        casca_closep(&c->sock[0]);
        casca_closep(&c->sock[1]);
        casca_closep(&c->go[0]);
        casca_closep(&c->go[1]);
}

int casca_container_create(struct casca_context *ctx, const char *id,
                           const struct casca_create_options *opts, struct casca_error **err)
{
        struct create c = {.ctx = ctx,
                           .id = id,
                           .opts = opts,
                           .root_fd = -1,
                           .dir_fd = -1,
                           .fifo_fd = -1,
                           .sock = {-1, -1},
                           .go = {-1, -1},
                           .stub_fd = -1};
        struct casca_state st = {0};
        pid_t pid = -1, stage1 = -1;
        const struct casca_linux *l;
        uint64_t flags;
        int r;

        for (int i = 0; i < CASCA_ETC__MAX; i++)
                c.etc_mounts[i] = -1;
        r = casca_id_validate(id, err);
        if (r < 0)
                goto out;
        r = load_bundle(&c, err);
        if (r < 0)
                goto out;
        r = check_config(&c, err);
        if (r < 0)
                goto out;
        l = &c.b.cfg->linux_cfg;
        c.preserve_fds = opts->preserve_fds + listen_fds();

        c.root_fd = casca_state_root_open(casca_state_root(ctx), true, err);
        if (c.root_fd < 0) {
                r = c.root_fd;
                goto out;
        }
        if (l->seccomp) {
                bool cached;

                r = casca_seccomp_prog_get(l->seccomp, c.root_fd, log_seccomp_skip, &c, &c.seccomp,
                                           &cached, err);
                if (r < 0)
                        goto out;
                if (cached)
                        casca_log(ctx, CASCA_LOG_DEBUG, "container %s: seccomp filter from cache",
                                  id);
        }
        r = use_stub(&c, err);
        if (r < 0)
                goto out;
        c.dir_fd = casca_state_dir_create(c.root_fd, id, err);
        if (c.dir_fd < 0) {
                r = c.dir_fd;
                goto out;
        }
        /* Nothing existed before this point: from here a failure removes it.
         * state.json comes first and names the cgroup and the network before
         * they are made, so a runtime killed at any step leaves a directory
         * that delete --force empties (casca_handle_open() takes one without
         * state.json, from a kill before it, as stopped). */
        kill_point("dir");
        r = prepare_network(&c, err);
        if (r < 0)
                goto fail;
        r = plan_cgroup(&c, err);
        if (r < 0)
                goto fail;
        st.id = (char *)id;
        st.bundle = c.b.dir;
        st.rootfs = c.b.rootfs;
        st.created = casca_now_rfc3339(true);
        st.cgroup_path = c.cg_path;
        st.cgroup_unit = c.cg_unit;
        st.network = c.net_step;
        st.annotations = c.b.cfg->annotations;
        st.n_annotations = c.b.cfg->n_annotations;
        r = casca_state_write(c.dir_fd, &st, err);
        if (r < 0)
                goto fail;
        kill_point("state");
        r = casca_write_atomic(c.dir_fd, CASCA_STATE_CONFIG, c.b.config_json, c.b.config_len, err);
        if (r < 0)
                goto fail;
        kill_point("config");
        if (mkfifoat(c.dir_fd, CASCA_STATE_FIFO, 0600) < 0 ||
            fchmodat(c.dir_fd, CASCA_STATE_FIFO, 0622, 0) < 0) {
                r = casca_error_set(err, errno, "create the exec fifo");
                goto fail;
        }
        kill_point("fifo");
        c.fifo_fd = openat(c.dir_fd, CASCA_STATE_FIFO, O_PATH | O_CLOEXEC);
        if (c.fifo_fd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c.sock) < 0) {
                r = casca_error_set(err, errno, "create sync channel");
                goto fail;
        }

        if (l->seccomp) {
                r = store_seccomp(&c, err);
                if (r < 0)
                        goto fail;
        }
        r = create_cgroup(&c, err);
        if (r < 0)
                goto fail;
        if (!c.cg && st.cgroup_path) {
                /* rootless without a delegated subtree: none after all */
                st.cgroup_path = NULL;
                st.cgroup_unit = NULL;
                r = casca_state_write(c.dir_fd, &st, err);
                if (r < 0)
                        goto fail;
        }
        kill_point("cgroup");
        r = open_bind_sources(&c, err);
        if (r < 0)
                goto fail;

        flags = casca_ns_new_flags(l);
        c.two_stage = (l->namespaces[CASCA_NS_USER].present && l->namespaces[CASCA_NS_USER].path) ||
                      (l->namespaces[CASCA_NS_PID].present && l->namespaces[CASCA_NS_PID].path);
        for (int t = 0; t < CASCA_NS__MAX && userns_new(l); t++)
                if (l->namespaces[t].present && l->namespaces[t].path)
                        c.two_stage = true;
        /* a user's systemd scope may only be entered through the user
         * manager, after the clone (casca outside its tree may not clone
         * into it): stage 1 makes the namespaces, the cgroup one rooted in
         * the scope, once it is in (the id maps wait for that) */
        if (c.cg && casca_cgroup_unit(c.cg) && geteuid() != 0)
                c.two_stage = true;
        if (c.two_stage && pipe2(c.go, O_CLOEXEC) < 0) {
                r = casca_error_set(err, errno, "pipe");
                goto fail;
        }
        c.parent = getpid();
        pid = casca_clone3(c.two_stage ? 0 : flags, c.cg ? casca_cgroup_dirfd(c.cg) : -1);
        if (pid < 0 && c.cg) {
                /* kernels before 5.7: clone, then move the child before it
                 * runs anything but casca's own code */
                pid = casca_clone3(c.two_stage ? 0 : flags, -1);
                if (pid > 0 && casca_cgroup_enter(c.cg, pid, err) < 0) {
                        r = -EINVAL;
                        goto fail;
                }
        }
        if (pid < 0) {
                r = casca_error_set(err, -pid, "clone the container init");
                pid = -1;
                goto fail;
        }
        if (pid == 0)
                child_main(&c);
        /* the init (or stage 1) is in the cgroup: the systemd scope's holder may go */
        casca_cgroup_started(c.cg);
        /* a kill from here on: the child dies with us (die_with_runtime) */
        kill_point("clone");
        casca_closep(&c.sock[1]);
        casca_closep(&c.go[0]);
        casca_closep(&c.go[1]);
        if (c.two_stage) {
                /* the init's pid comes at INIT_PID */
                stage1 = pid;
                pid = -1;
        } else {
                r = record_init(&c, &st, pid, err);
                if (r < 0)
                        goto fail;
        }
        if (!c.two_stage && !userns_new(l)) {
                /* process.oomScoreAdj from here, where lowering it is
                 * allowed: on the init once we know its pid; with a new user
                 * namespace at USERNS_READY */
                r = casca_process_set_oom_score_adj(pid, &c.b.cfg->process, err);
                if (r < 0)
                        goto fail;
        }

        r = parent_sync(&c, &st, &stage1, err);
        if (r < 0)
                goto fail;
        pid = st.pid;
        if (c.stub_fd >= 0) {
                r = wait_for_stub(&c, &st, err);
                if (r < 0)
                        goto fail;
        }
        kill_point("ready");
        st.ready = true;
        /* the stdio the init (or its stub) waits with, which the user's
         * process starts with: checkpoint hands these pipes over, wherever
         * the process has moved them by then */
        if (casca_state_read_stdio(&st, pid) < 0) {
                r = casca_error_set(err, ENOMEM, "container `%s`: its stdio", id);
                goto fail;
        }
        r = casca_state_write(c.dir_fd, &st, err);
        if (r < 0)
                goto fail;
        kill_point("created");
        if (opts->pid_file) {
                r = casca_write_pid_file(opts->pid_file, pid, err);
                if (r < 0)
                        goto fail;
        }
        if (opts->ret_pid)
                *opts->ret_pid = pid;
        casca_log(ctx, CASCA_LOG_DEBUG, "container %s created, init pid %d", id, (int)pid);
        r = 0;
        goto out;
fail:
        if (st.pid > 0)
                pid = st.pid;
        create_cleanup(&c, stage1, pid);
        if (opts->ret_pty_master && *opts->ret_pty_master >= 0)
                casca_closep(opts->ret_pty_master);
out:
        free(st.created);
        casca_state_stdio_clear(&st);
        create_free(&c);
        return r;
}
