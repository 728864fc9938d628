/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* checkpoint.c - `checkpoint` and `restore` through CRIU.
 *
 * Debian 12 ships CRIU as the criu program only (no libcriu, no rpc.proto
 * for its swrk protocol), so casca runs /usr/sbin/criu with an argv (fork
 * and exec, no shell), with runc's choices: the container's bind mounts are
 * external mounts (dumped by their destination, mapped back to their source
 * on restore), a network namespace joined by path is external
 * (extRootNetNS), stdio pipes are recorded in descriptors.json and handed
 * to the restored process (--inherit-fd), cgroups are managed "soft" unless
 * --manage-cgroups-mode says otherwise, and restore puts the tree into the
 * new container's own cgroup (--cgroup-root): with --systemd-cgroup the
 * transient scope the systemd driver starts, criu cloned into it.
 *
 * casca.network: the network namespace casca made is external too, so criu
 * dumps the processes and their sockets but not the links, addresses and
 * routes (which it would restore with the `ip` tool, without the veth's
 * host end).  The checkpoint records the container's address(es) and MAC
 * (NET_IDENTITY in the image dir); restore makes a new network namespace,
 * builds the network in it from the config with those as fixed ones (the
 * create path's casca_container_net_setup_ns(), so leases, nftables rules,
 * published ports and network.json are the new id's), hands it to criu as
 * extRootNetNS and maps the /etc files casca binds to the new state dir. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "casca.h"
#include "cgroup/cgroup.h"
#include "netns/network.h"
#include "runtime/config.h"
#include "runtime/container-net.h"
#include "runtime/create.h"
#include "runtime/handle.h"
#include "runtime/mount.h"
#include "runtime/namespaces.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/parse.h"

#define CRIU_PATH "/usr/sbin/criu"
#define DESCRIPTORS "descriptors.json"
#define CRIU_ROOT "criu-root"
#define CRIU_PID "criu.pid"
#define NET_IDENTITY "casca-network.json"

bool casca_criu_available(void)
{
        return access(CRIU_PATH, X_OK) == 0;
}

/* ---- criu's argv ----------------------------------------------------------- */

struct args {
        char **v;
        size_t n, cap;
        bool oom;
};

static void args_add(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void args_add(struct args *a, const char *fmt, ...)
{
        va_list ap;
        char *s;

        if (a->oom)
                return;
        if (a->n + 2 > a->cap) {
                size_t cap = a->cap ? a->cap * 2 : 32;
                char **v = realloc(a->v, cap * sizeof(*v));

                if (!v) {
                        a->oom = true;
                        return;
                }
                a->v = v;
                a->cap = cap;
        }
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0) {
                a->oom = true;
                s = NULL;
        }
        va_end(ap);
        if (!s)
                return;
        a->v[a->n++] = s;
        a->v[a->n] = NULL;
}

static void args_free(struct args *a)
{
        for (size_t i = 0; i < a->n; i++)
                free(a->v[i]);
        free(a->v);
}

static bool is_bind(const struct casca_mount *m)
{
        return (m->flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0);
}

/* dest lies below dir (both absolute, normalised; "/" is below nothing). */
static bool dest_below(const char *dest, const char *dir)
{
        size_t n = strlen(dir);

        while (n > 0 && dir[n - 1] == '/')
                n--;
        return n > 0 && strncmp(dest, dir, n) == 0 && dest[n] == '/';
}

/* The config's mount targets exist in the rootfs before criu restores, as
 * runc's prepareCriuRestoreMounts makes them: criu mounts at the dumped paths
 * and makes none.  `create` made the missing ones in the rootfs it had; a
 * restore can have another (containerd's restore makes a new snapshot of the
 * image, where ctr's spec's /run is missing).  A target under a tmpfs of the
 * config is the tmpfs's, not the rootfs's (/dev/pts, /dev/shm). */
static int make_mount_targets(const struct casca_config *cfg, const char *rootfs,
                              struct casca_error **err)
{
        _cleanup_close_ int root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (root_fd < 0)
                return casca_error_set(err, errno, "rootfs `%s`", rootfs);
        for (size_t i = 0; i < cfg->n_mounts; i++) {
                const struct casca_mount *m = &cfg->mounts[i];
                _cleanup_close_ int fd = -1;
                bool dir = true, in_tmpfs = false;
                struct stat st;

                for (size_t j = 0; j < i && !in_tmpfs; j++)
                        in_tmpfs = cfg->mounts[j].type &&
                                   strcmp(cfg->mounts[j].type, "tmpfs") == 0 &&
                                   dest_below(m->destination, cfg->mounts[j].destination);
                if (in_tmpfs)
                        continue;
                if (is_bind(m) && m->source && stat(m->source, &st) == 0)
                        dir = S_ISDIR(st.st_mode);
                fd = casca_fs_ensure_in_root(root_fd, m->destination, dir, err);
                if (fd < 0)
                        return casca_error_prefix(err, "mount target `%s`", m->destination);
        }
        return 0;
}

static int check_mode(const char *mode, struct casca_error **err)
{
        static const char *const modes[] = {"soft", "full", "strict", "ignore"};

        for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
                if (strcmp(mode, modes[i]) == 0)
                        return 0;
        return casca_error_setx(err, EINVAL,
                                "--manage-cgroups-mode: expected soft, full, strict or ignore, "
                                "got `%s`",
                                mode);
}

/* What casca cannot checkpoint or restore yet, refused by name. */
static int check_config(const struct casca_config *cfg, struct casca_error **err)
{
        const struct casca_linux *l = &cfg->linux_cfg;

        if (l->n_net_devices > 0)
                return casca_error_setx(err, EOPNOTSUPP,
                                        "linux.netDevices: checkpoint/restore of a container "
                                        "with host interfaces moved in is not supported");
        if (casca_config_builds_network(cfg) && cfg->network->user_mode)
                return casca_error_setx(err, EOPNOTSUPP,
                                        "casca.network.mode: checkpoint/restore of a container "
                                        "with user-mode networking (pasta) is not supported yet");
        if (cfg->process.terminal)
                return casca_error_setx(err, EOPNOTSUPP,
                                        "process.terminal: checkpoint/restore of a container with "
                                        "a terminal is not supported yet");
        if (l->namespaces[CASCA_NS_USER].present)
                return casca_error_setx(err, EOPNOTSUPP,
                                        "linux.namespaces: checkpoint/restore of a container with "
                                        "a user namespace is not supported yet");
        return 0;
}

static void add_common(struct args *a, const char *verb, const char *images, const char *work,
                       const struct casca_criu_options *o)
{
        args_add(a, "%s", CRIU_PATH);
        args_add(a, "%s", verb);
        args_add(a, "--images-dir=%s", images);
        args_add(a, "--work-dir=%s", work);
        args_add(a, "--log-file=%s.log", verb);
        args_add(a, "-v4");
        args_add(a, "--manage-cgroups=%s",
                 o->manage_cgroups_mode ? o->manage_cgroups_mode : "soft");
        if (o->tcp_established)
                args_add(a, "--tcp-established");
        if (o->file_locks)
                args_add(a, "--file-locks");
        if (o->ext_unix_sk)
                args_add(a, "--ext-unix-sk");
        if (o->shell_job)
                args_add(a, "--shell-job");
}

/* The first two "Error" lines of criu's log (the cause comes first), else
 * its last line, for the error message. */
static void log_tail(const char *work, const char *verb, char *buf, size_t size)
{
        _cleanup_free_ char *path = NULL, *data = NULL;
        const char *first = NULL, *second = NULL, *last = NULL;
        size_t len = 0;

        buf[0] = '\0';
        if (asprintf(&path, "%s/%s.log", work, verb) < 0)
                return;
        data = casca_fs_read_file(path, &len, NULL);
        if (!data)
                return;
        for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
                last = line;
                if (!strstr(line, "Error"))
                        continue;
                if (!first)
                        first = line;
                else if (!second)
                        second = line;
        }
        if (first)
                casca_snprintf_trunc(buf, size, "%s%s%s (see %s)", first, second ? "; " : "",
                                     second ? second : "", path);
        else if (last)
                casca_snprintf_trunc(buf, size, "%s (see %s)", last, path);
}

struct run {
        struct casca_cgroup *cg; /* criu runs in this cgroup (NULL: casca's) */
        const char *rootfs;      /* restore: bound at root_dir in criu's mount namespace */
        const char *root_dir;    /* restore: criu's --root */
        const int *keep_fds;     /* fds criu inherits (stdio always) */
        size_t n_keep;
};

static __attribute__((noreturn)) void run_child(char **argv, const struct run *run)
{
        if (run->rootfs) {
                if (unshare(CLONE_NEWNS) < 0 ||
                    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                    mount(run->rootfs, run->root_dir, NULL, MS_BIND | MS_REC, NULL) < 0)
                        _exit(126);
        }
        for (size_t i = 0; i < run->n_keep; i++) {
                int fl = fcntl(run->keep_fds[i], F_GETFD);

                if (fl < 0 || fcntl(run->keep_fds[i], F_SETFD, fl & ~FD_CLOEXEC) < 0)
                        _exit(126);
        }
        execv(argv[0], argv);
        _exit(127);
}

static int run_criu(struct args *a, const char *verb, const char *work, const struct run *run,
                    struct casca_error **err)
{
        char tail[1024];
        pid_t pid;
        int status;

        if (a->oom)
                return casca_error_set(err, ENOMEM, "criu %s", verb);
        pid = casca_clone3(0, run->cg ? casca_cgroup_dirfd(run->cg) : -1);
        if (pid < 0)
                return casca_error_set(err, -pid, "criu %s: fork", verb);
        if (pid == 0)
                run_child(a->v, run);
        /* criu is in the cgroup: the systemd scope's holder may go */
        casca_cgroup_started(run->cg);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return casca_error_set(err, errno, "criu %s: wait", verb);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return casca_error_setx(err, ENOENT, "criu %s: cannot run %s (is criu installed?)",
                                        verb, CRIU_PATH);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 126)
                return casca_error_setx(err, EIO,
                                        "criu %s: preparing criu's mount namespace failed", verb);
        log_tail(work, verb, tail, sizeof(tail));
        if (WIFSIGNALED(status))
                return casca_error_setx(err, EIO, "criu %s: killed by signal %d: %s", verb,
                                        WTERMSIG(status), tail);
        return casca_error_setx(err, EIO, "criu %s failed (exit status %d): %s", verb,
                                WEXITSTATUS(status), tail);
}

static int make_dirs(const char *images, const char *work, struct casca_error **err)
{
        int r = casca_fs_mkdir_p(images, 0700, err);

        if (r < 0)
                return casca_error_prefix(err, "--image-path");
        r = casca_fs_mkdir_p(work, 0700, err);
        return r < 0 ? casca_error_prefix(err, "--work-path") : 0;
}

/* ---- checkpoint ---------------------------------------------------------- */

/* images/NAME <- data, written whole (tmp and rename) */
static int write_image_file(const char *images, const char *name, const char *data,
                            struct casca_error **err)
{
        _cleanup_close_ int dfd = open(images, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

        if (dfd < 0)
                return casca_error_set(err, errno, "open `%s`", images);
        return casca_write_atomic(dfd, name, data, strlen(data), err);
}

/* runc's descriptors.json: what fds 0-2 of the init were (["pipe:[N]",
 * "/dev/null", ...]), so that restore can hand it new pipes.  As create
 * recorded them (state.json's stdio), as runc does: the process may have
 * moved them since, and a shell in the middle of `echo >> file` has a file
 * at fd 1 and the pipe elsewhere, which criu would then restore as a pipe
 * without a reader.  A state without them (an older casca's): read now. */
static int write_descriptors(const struct casca_state *st, const char *images,
                             struct casca_error **err)
{
        struct casca_state now = {0};
        const struct casca_state *from = st;
        struct casca_jgen j;
        _cleanup_free_ char *json = NULL;
        int r;

        if (!st->stdio[0] || !st->stdio[1] || !st->stdio[2]) {
                if (casca_state_read_stdio(&now, st->pid) < 0)
                        goto oom;
                from = &now;
        }
        if (casca_jgen_init(&j, 0, NULL) < 0)
                goto oom;
        casca_jgen_array_open(&j);
        for (int fd = 0; fd < 3; fd++)
                casca_jgen_str(&j, from->stdio[fd]);
        casca_jgen_array_close(&j);
        json = casca_jgen_finish(&j, NULL);
        if (!json)
                goto oom;
        r = write_image_file(images, DESCRIPTORS, json, err);
        casca_state_stdio_clear(&now);
        return r;
oom:
        casca_state_stdio_clear(&now);
        return casca_error_set(err, ENOMEM, "%s", DESCRIPTORS);
}

/* A network namespace joined by path is not the container's to dump: criu
 * records it as external, restore joins the one given again. */
static int add_netns_dump(struct args *a, const struct casca_linux *l, struct casca_error **err)
{
        const char *path = l->namespaces[CASCA_NS_NETWORK].path;
        struct stat st;

        if (!l->namespaces[CASCA_NS_NETWORK].present || !path)
                return 0;
        if (stat(path, &st) < 0)
                return casca_error_set(err, errno, "linux.namespaces: network `%s`", path);
        args_add(a, "--external=net[%llu]:extRootNetNS", (unsigned long long)st.st_ino);
        return 0;
}

/* Does casca bind /etc/<name> from the state dir <dir>? */
static bool etc_bound(const struct casca_config *cfg, const char *dir, enum casca_etc_file i)
{
        _cleanup_free_ char *path = NULL;

        if (!casca_rootfs_binds_etc(cfg, i) ||
            asprintf(&path, "%s/%s", dir, casca_etc_names[i]) < 0)
                return false;
        return access(path, F_OK) == 0;
}

/* casca.network: the container's network namespace is external, its
 * address(es) and MAC go into NET_IDENTITY, the /etc files casca binds
 * from the state dir are external mounts. */
static int add_net_dump(struct args *a, struct casca_context *ctx, const struct casca_config *cfg,
                        const char *id, pid_t pid, const char *images, struct casca_error **err)
{
        struct casca_network_identity idn;
        _cleanup_free_ char *root = NULL, *dir = NULL, *json = NULL;
        _cleanup_close_ int nsfd = -1;
        char path[64];
        struct stat st;
        int r;

        if (!casca_config_builds_network(cfg))
                return 0;
        root = casca_state_root_abs(ctx, err);
        if (!root)
                return -EINVAL;
        casca_snprintf_trunc(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
        nsfd = open(path, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0 || fstat(nsfd, &st) < 0)
                return casca_error_set(err, errno, "open `%s`", path);
        args_add(a, "--external=net[%llu]:extRootNetNS", (unsigned long long)st.st_ino);
        r = casca_network_identity_get(root, id, cfg->network->interface, nsfd, &idn, err);
        if (r < 0)
                return casca_error_prefix(err, "casca.network");
        json = casca_network_identity_format(&idn, err);
        if (!json)
                return -ENOMEM;
        r = write_image_file(images, NET_IDENTITY, json, err);
        if (r < 0)
                return r;
        if (asprintf(&dir, "%s/%s", root, id) < 0)
                return casca_error_set(err, ENOMEM, "checkpoint");
        for (int i = 0; i < CASCA_ETC__MAX; i++)
                if (etc_bound(cfg, dir, i))
                        args_add(a, "--ext-mount-map=/etc/%s:/etc/%s", casca_etc_names[i],
                                 casca_etc_names[i]);
        return 0;
}

int casca_container_checkpoint(struct casca_context *ctx, const char *id,
                               const struct casca_criu_options *o, struct casca_error **err)
{
        _cleanup_config_ struct casca_config *cfg = NULL;
        _cleanup_free_ char *images = NULL, *work = NULL;
        struct args a = {0};
        struct casca_handle h;
        struct run run = {0};
        int r;

        if (o->manage_cgroups_mode && check_mode(o->manage_cgroups_mode, err) < 0)
                return -EINVAL;
        r = casca_handle_open(ctx, id, true, &h, err);
        if (r < 0)
                return r;
        if (h.status != CASCA_STATUS_RUNNING && h.status != CASCA_STATUS_PAUSED) {
                r = casca_error_setx(err, EINVAL,
                                     "container `%s` is %s: checkpoint needs a "
                                     "running container",
                                     id, casca_status_name(h.status));
                goto out;
        }
        {
                _cleanup_free_ char *json = NULL;
                size_t len = 0;
                _cleanup_close_ int fd = openat(h.dir_fd, CASCA_STATE_CONFIG, O_RDONLY | O_CLOEXEC);

                if (fd < 0) {
                        r = casca_error_set(err, errno, "container `%s`: config.json", id);
                        goto out;
                }
                json = casca_fs_read_fd(fd, "config.json", CASCA_CONFIG_MAX_SIZE, &len, err);
                if (!json) {
                        r = -EIO;
                        goto out;
                }
                cfg = casca_config_parse(json, len, err);
                if (!cfg) {
                        r = casca_error_prefix(err, "container `%s`: config.json", id);
                        goto out;
                }
        }
        r = check_config(cfg, err);
        if (r < 0)
                goto out;
        images = realpath(o->image_path, NULL);
        if (!images && errno == ENOENT && casca_fs_mkdir_p(o->image_path, 0700, err) >= 0)
                images = realpath(o->image_path, NULL);
        if (!images) {
                r = casca_error_set(err, errno, "--image-path `%s`", o->image_path);
                goto out;
        }
        r = make_dirs(images, o->work_path ? o->work_path : images, err);
        if (r < 0)
                goto out;
        work = realpath(o->work_path ? o->work_path : images, NULL);
        if (!work) {
                r = casca_error_set(err, errno, "--work-path `%s`", o->work_path);
                goto out;
        }
        r = write_descriptors(h.st, images, err);
        if (r < 0)
                goto out;

        /* runc's --pre-dump: criu's pre-dump (the memory, with the kernel's
         * soft-dirty tracking started; the tree runs on); --parent-path: the
         * dump after takes only the pages changed since that pre-dump */
        add_common(&a, o->pre_dump ? "pre-dump" : "dump", images, work, o);
        args_add(&a, "--tree=%d", (int)h.st->pid);
        if (o->pre_dump || o->parent_path)
                args_add(&a, "--track-mem");
        if (o->parent_path)
                args_add(&a, "--prev-images-dir=%s", o->parent_path);
        /* A paused container (containerd's `ctr containers checkpoint` pauses
         * before it checkpoints): criu must know its cgroup is frozen, as runc
         * tells it.  Without, criu seizes the tasks but the parasite it starts
         * in them goes back into the cgroup v2 freezer trap, and criu waits for
         * it forever (criu-dump stuck after "Parasite syscall_ip").  With it,
         * criu works through the freezer and leaves the cgroup frozen. */
        if (h.status == CASCA_STATUS_PAUSED && h.st->cgroup_path)
                args_add(&a, "--freeze-cgroup=%s%s", casca_cgroup_mountpoint(), h.st->cgroup_path);
        if (o->leave_running && !o->pre_dump)
                args_add(&a, "--leave-running");
        for (size_t i = 0; i < cfg->n_mounts; i++)
                if (is_bind(&cfg->mounts[i]))
                        args_add(&a, "--ext-mount-map=%s:%s", cfg->mounts[i].destination,
                                 cfg->mounts[i].destination);
        r = add_netns_dump(&a, &cfg->linux_cfg, err);
        if (r < 0)
                goto out;
        r = add_net_dump(&a, ctx, cfg, id, h.st->pid, images, err);
        if (r < 0)
                goto out;
        r = run_criu(&a, o->pre_dump ? "pre-dump" : "dump", work, &run, err);
        if (r < 0)
                casca_error_prefix(err, "container `%s`", id);
        else
                casca_log(ctx, CASCA_LOG_DEBUG, "container %s %s to %s%s", id,
                          o->pre_dump ? "pre-dumped" : "checkpointed", images,
                          o->leave_running || o->pre_dump ? " (left running)" : "");
out:
        args_free(&a);
        casca_handle_close(&h);
        return r;
}

/* ---- restore --------------------------------------------------------------- */

/* The init's stdio pipes (descriptors.json) become ours: criu's fd i.
 * st->stdio: what the restored process's fds 0-2 are then (ours for a pipe
 * handed over, the checkpoint's path otherwise), for the next checkpoint. */
static int add_inherit_stdio(struct args *a, const char *images, struct casca_state *st,
                             struct casca_error **err)
{
        struct casca_state self = {0};
        _cleanup_free_ char *path = NULL, *data = NULL;
        _cleanup_(casca_json_freep) struct casca_json *doc = NULL;
        size_t len = 0;

        if (asprintf(&path, "%s/%s", images, DESCRIPTORS) < 0)
                return casca_error_set(err, ENOMEM, "restore");
        data = casca_fs_read_file(path, &len, err);
        if (!data)
                return casca_error_prefix(err, "--image-path: not a checkpoint of casca or runc");
        doc = casca_json_parse(data, len, err);
        if (!doc || !casca_json_is_array(doc))
                return casca_error_setx(err, EINVAL, "`%s`: expected an array of strings", path);
        if (casca_state_read_stdio(&self, 0) < 0)
                goto oom;
        for (size_t i = 0; i < 3; i++) {
                const char *s =
                        i < casca_json_len(doc) ? casca_json_str(casca_json_at(doc, i)) : NULL;
                bool is_pipe = s && strncmp(s, "pipe:", 5) == 0;

                if (is_pipe)
                        args_add(a, "--inherit-fd=fd[%zu]:%s", i, s);
                st->stdio[i] = strdup(is_pipe ? self.stdio[i] : s ? s : "");
                if (!st->stdio[i])
                        goto oom;
        }
        casca_state_stdio_clear(&self);
        return 0;
oom:
        casca_state_stdio_clear(&self);
        return casca_error_set(err, ENOMEM, "restore");
}

static int read_restored_pid(int dir_fd, pid_t *ret, struct casca_error **err)
{
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int fd = openat(dir_fd, CRIU_PID, O_RDONLY | O_CLOEXEC);
        unsigned v = 0;
        size_t len = 0;

        if (fd < 0)
                return casca_error_set(err, errno, "criu restore: its pid file");
        data = casca_fs_read_fd(fd, CRIU_PID, 64, &len, err);
        if (!data)
                return -EIO;
        data[strcspn(data, "\n")] = '\0';
        if (casca_parse_uint(data, NULL, INT_MAX, &v) < 0 || v == 0)
                return casca_error_setx(err, EINVAL, "criu restore: bad pid `%s`", data);
        *ret = (pid_t)v;
        return 0;
}

struct restore {
        struct casca_bundle b;
        char *root_abs, *images, *work, *cg_path;
        char *cg_unit;                /* --systemd-cgroup: the scope */
        struct casca_sdprops sdprops; /* org.systemd.property.* annotations */
        struct casca_cgroup *cg;
        int root_fd, dir_fd, netns_fd;
};

static void restore_free(struct restore *c)
{
        casca_cgroup_free(c->cg);
        casca_bundle_free(&c->b);
        free(c->root_abs);
        free(c->images);
        free(c->work);
        free(c->cg_path);
        free(c->cg_unit);
        casca_cgroup_sdprops_clear(&c->sdprops);
        casca_closep(&c->root_fd);
        casca_closep(&c->dir_fd);
        casca_closep(&c->netns_fd);
}

/* Where the restored tree's cgroup goes (and, with the systemd manager,
 * its scope), to record it before it is made. */
static int plan_cgroup(struct restore *c, struct casca_context *ctx, const char *id,
                       struct casca_error **err)
{
        const struct casca_linux *l = &c->b.cfg->linux_cfg;

        if (ctx->cgroup_manager == CASCA_CGROUP_SYSTEMD && !casca_cgroup_v2_available())
                return casca_error_setx(err, EOPNOTSUPP,
                                        "the systemd cgroup manager needs a pure cgroup v2 "
                                        "hierarchy at /sys/fs/cgroup, which this host does not "
                                        "have");
        if (ctx->cgroup_manager == CASCA_CGROUP_DISABLED || !casca_cgroup_v2_available()) {
                if (l->has_resources && l->resources.any_limit &&
                    ctx->cgroup_manager != CASCA_CGROUP_DISABLED)
                        return casca_error_setx(err, EOPNOTSUPP,
                                                "linux.resources: limits need a pure cgroup v2 "
                                                "hierarchy at /sys/fs/cgroup, which this host "
                                                "does not have");
                return 0;
        }
        if (ctx->cgroup_manager == CASCA_CGROUP_SYSTEMD)
                return casca_cgroup_systemd_resolve(l->cgroups_path, id, &c->cg_unit, &c->cg_path,
                                                    err);
        return casca_cgroup_resolve_path(l->cgroups_path, id, &c->cg_path, err);
}

/* The cgroup plan_cgroup() chose: a transient scope (its holder keeps it
 * until criu is in) or a cgroupfs directory, with the limits, then the
 * device program. */
static int make_cgroup(struct restore *c, struct casca_context *ctx, const char *id,
                       struct casca_error **err)
{
        const struct casca_linux *l = &c->b.cfg->linux_cfg;
        const struct casca_resources *res = l->has_resources ? &l->resources : NULL;
        int r;

        if (!c->cg_path)
                return 0;
        if (ctx->cgroup_manager == CASCA_CGROUP_SYSTEMD)
                r = casca_cgroup_systemd_create(l->cgroups_path, id, res, &c->sdprops, &c->cg, err);
        else
                r = casca_cgroup_create(l->cgroups_path, id, res, &c->cg, err);
        if (r < 0)
                return r;
        if (geteuid() == 0)
                return casca_container_device_rules(c->cg, l, err);
        return 0;
}

/* linux.sysctl's net.* keys in the new network namespace (create's init
 * writes them in its own; criu restores none of an external namespace). */
static int net_sysctls(const struct casca_config *cfg, int netns_fd, struct casca_error **err)
{
        _cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        int r;

        if (self < 0)
                return casca_error_set(err, errno, "open `/proc/thread-self/ns/net`");
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return casca_error_set(err, errno, "enter the container's network namespace");
        r = casca_sysctls_write(cfg, "net/", err);
        if (setns(self, CLONE_NEWNET) < 0) {
                int e = errno;

                if (err)
                        casca_error_free(TAKE_PTR(*err));
                return casca_error_set(err, e, "return to the original network namespace");
        }
        return r;
}

/* casca.network: the network again, with the checkpoint's address(es) and
 * MAC, in a new network namespace that criu restores the processes into. */
static int restore_net(struct restore *c, const char *id, struct args *a, int *keep, size_t *n_keep,
                       struct casca_error **err)
{
        struct casca_network_result *res = NULL;
        struct casca_network_identity idn;
        struct casca_netconf nc;
        struct casca_config cfg = *c->b.cfg;
        _cleanup_free_ char *path = NULL, *data = NULL, *dir = NULL;
        size_t len = 0;
        int r;

        if (asprintf(&path, "%s/%s", c->images, NET_IDENTITY) < 0 ||
            asprintf(&dir, "%s/%s", c->root_abs, id) < 0)
                return casca_error_set(err, ENOMEM, "restore");
        data = casca_fs_read_file(path, &len, err);
        if (!data)
                return casca_error_prefix(err,
                                          "casca.network: the checkpoint has no %s (not a "
                                          "checkpoint of a container with casca.network)",
                                          NET_IDENTITY);
        r = casca_network_identity_parse(data, len, path, &idn, err);
        if (r < 0)
                return r;
        r = casca_network_identity_apply(c->b.cfg->network, &idn, &nc, err);
        if (r < 0)
                return r;
        cfg.network = &nc;
        c->netns_fd = casca_netns_new(err);
        if (c->netns_fd < 0)
                return c->netns_fd;
        r = casca_container_net_setup_ns(&cfg, id, c->root_abs, c->netns_fd, 0, true, &res, err);
        casca_network_result_free(res);
        if (r < 0)
                return casca_error_prefix(err, "the checkpoint's network");
        r = net_sysctls(c->b.cfg, c->netns_fd, err);
        if (r < 0)
                return r;
        keep[(*n_keep)++] = c->netns_fd;
        args_add(a, "--inherit-fd=fd[%d]:extRootNetNS", c->netns_fd);
        for (int i = 0; i < CASCA_ETC__MAX; i++)
                if (etc_bound(c->b.cfg, dir, i))
                        args_add(a, "--ext-mount-map=/etc/%s:%s/%s", casca_etc_names[i], dir,
                                 casca_etc_names[i]);
        return 0;
}

static int restore_netns(struct restore *c, struct args *a, int *keep, size_t *n_keep,
                         struct casca_error **err)
{
        const struct casca_namespace *ns = &c->b.cfg->linux_cfg.namespaces[CASCA_NS_NETWORK];

        if (!ns->present || !ns->path)
                return 0;
        c->netns_fd = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (c->netns_fd < 0)
                return casca_error_set(err, errno, "linux.namespaces: network `%s`", ns->path);
        keep[(*n_keep)++] = c->netns_fd;
        args_add(a, "--inherit-fd=fd[%d]:extRootNetNS", c->netns_fd);
        return 0;
}

int casca_container_restore(struct casca_context *ctx, const char *id,
                            const struct casca_restore_options *ro, struct casca_error **err)
{
        const struct casca_criu_options *o = &ro->criu;
        struct restore c = {.root_fd = -1, .dir_fd = -1, .netns_fd = -1};
        struct casca_state st = {0};
        struct args a = {0};
        int keep[4] = {0, 1, 2, -1};
        size_t n_keep = 3;
        _cleanup_free_ char *root_dir = NULL;
        struct run run = {0};
        bool made_root = false;
        pid_t pid = 0;
        int r;

        if (o->manage_cgroups_mode && check_mode(o->manage_cgroups_mode, err) < 0)
                return -EINVAL;
        if (ro->console_socket)
                return casca_error_setx(err, EOPNOTSUPP,
                                        "--console-socket: restore of a container with a terminal "
                                        "is not supported yet");
        r = casca_id_validate(id, err);
        if (r < 0)
                goto out;
        r = casca_bundle_load(ro->bundle ? ro->bundle : ".", NULL, 0, "restore", &c.b, err);
        if (r < 0)
                goto out;
        r = check_config(c.b.cfg, err);
        if (r < 0)
                goto out;
        r = casca_container_sdprops(ctx, id, c.b.cfg, &c.sdprops, err);
        if (r < 0)
                goto out;
        if (!c.b.cfg->linux_cfg.namespaces[CASCA_NS_MOUNT].present) {
                r = casca_error_setx(err, EINVAL,
                                     "linux.namespaces: a mount namespace is required");
                goto out;
        }
        c.images = realpath(o->image_path, NULL);
        if (!c.images) {
                r = casca_error_set(err, errno, "--image-path `%s`", o->image_path);
                goto out;
        }
        if (o->work_path) {
                r = make_dirs(c.images, o->work_path, err);
                if (r < 0)
                        goto out;
        }
        c.work = realpath(o->work_path ? o->work_path : c.images, NULL);
        if (!c.work) {
                r = casca_error_set(err, errno, "--work-path `%s`", o->work_path);
                goto out;
        }
        /* NULL: the root may not exist yet (made by the open below) */
        c.root_abs = casca_state_root_abs(ctx, NULL);
        c.root_fd = casca_state_root_open(casca_state_root(ctx), true, err);
        if (c.root_fd < 0) {
                r = c.root_fd;
                goto out;
        }
        if (!c.root_abs) {
                c.root_abs = casca_state_root_abs(ctx, err);
                if (!c.root_abs) {
                        r = -EINVAL;
                        goto out;
                }
        }
        c.dir_fd = casca_state_dir_create(c.root_fd, id, err);
        if (c.dir_fd < 0) {
                r = c.dir_fd;
                goto out;
        }
        /* from here a failure removes what it made */
        r = plan_cgroup(&c, ctx, id, err);
        if (r < 0)
                goto fail;
        st.id = (char *)id;
        st.bundle = c.b.dir;
        st.rootfs = c.b.rootfs;
        st.created = casca_now_rfc3339(true);
        st.cgroup_path = c.cg_path;
        st.cgroup_unit = c.cg_unit;
        st.annotations = c.b.cfg->annotations;
        st.n_annotations = c.b.cfg->n_annotations;
        /* before it is made: delete (or the failure below) undoes it */
        st.network = casca_config_builds_network(c.b.cfg);
        r = casca_state_write(c.dir_fd, &st, err);
        if (r < 0)
                goto fail;
        r = casca_write_atomic(c.dir_fd, CASCA_STATE_CONFIG, c.b.config_json, c.b.config_len, err);
        if (r < 0)
                goto fail;
        r = make_cgroup(&c, ctx, id, err);
        if (r < 0)
                goto fail;
        run.cg = c.cg;
        if (asprintf(&root_dir, "%s/%s/%s", c.root_abs, id, CRIU_ROOT) < 0) {
                r = casca_error_set(err, ENOMEM, "restore");
                goto fail;
        }
        if (mkdirat(c.dir_fd, CRIU_ROOT, 0700) < 0) {
                r = casca_error_set(err, errno, "mkdir `%s`", root_dir);
                goto fail;
        }
        made_root = true;
        r = make_mount_targets(c.b.cfg, c.b.rootfs, err);
        if (r < 0)
                goto fail;

        add_common(&a, "restore", c.images, c.work, o);
        args_add(&a, "--root=%s", root_dir);
        args_add(&a, "--restore-detached");
        args_add(&a, "--pidfile=%s/%s/%s", c.root_abs, id, CRIU_PID);
        args_add(&a, "--evasive-devices");
        /* criu 3.17's mount-v2 engine restores a bind mount that was the
         * slave of a host peer group (a shared /, as systemd's) by copying
         * the sharing of its external source, which MOVE_MOUNT_SET_GROUP
         * refuses (EINVAL) for a source that is not a mount root: a
         * directory or a file, as the engines' binds are */
        args_add(&a, "--mntns-compat-mode");
        if (c.cg_path)
                args_add(&a, "--cgroup-root=%s", c.cg_path);
        for (size_t i = 0; i < c.b.cfg->n_mounts; i++) {
                const struct casca_mount *m = &c.b.cfg->mounts[i];

                if (is_bind(m))
                        args_add(&a, "--ext-mount-map=%s:%s", m->destination, m->source);
        }
        r = add_inherit_stdio(&a, c.images, &st, err);
        if (r < 0)
                goto fail;
        r = restore_netns(&c, &a, keep, &n_keep, err);
        if (r < 0)
                goto fail;
        if (st.network) {
                r = restore_net(&c, id, &a, keep, &n_keep, err);
                if (r < 0)
                        goto fail;
        }
        run.rootfs = c.b.rootfs;
        run.root_dir = root_dir;
        run.keep_fds = keep;
        run.n_keep = n_keep;
        r = run_criu(&a, "restore", c.work, &run, err);
        if (r < 0)
                goto fail;
        r = read_restored_pid(c.dir_fd, &pid, err);
        if (r < 0)
                goto fail;
        st.pid = pid;
        st.pid_start = casca_proc_starttime(pid);
        st.ready = true;
        r = casca_state_write(c.dir_fd, &st, err);
        if (r < 0)
                goto fail;
        if (ro->pid_file) {
                r = casca_write_pid_file(ro->pid_file, pid, err);
                if (r < 0)
                        goto fail;
        }
        if (ro->ret_pid)
                *ro->ret_pid = pid;
        unlinkat(c.dir_fd, CRIU_PID, 0);
        unlinkat(c.dir_fd, CRIU_ROOT, AT_REMOVEDIR);
        casca_log(ctx, CASCA_LOG_DEBUG, "container %s restored from %s, init pid %d", id, c.images,
                  (int)pid);
        r = 0;
        goto out;
fail:
        casca_error_prefix(err, "restore `%s`", id);
        if (pid > 0) {
                kill(pid, SIGKILL);
        }
        if (c.cg) {
                _cleanup_error_ struct casca_error *ignored = NULL;

                if (c.cg && casca_cgroup_kill(c.cg, &ignored) < 0) {
                        casca_error_free(TAKE_PTR(ignored));
                }
                if (casca_cgroup_destroy(c.cg, &ignored) < 0)
                        casca_log(ctx, CASCA_LOG_WARNING, "container %s: %s", id, ignored->msg);
        }
        if (made_root)
                unlinkat(c.dir_fd, CRIU_ROOT, AT_REMOVEDIR);
        if (st.network) {
                _cleanup_error_ struct casca_error *ignored = NULL;

                if (casca_container_net_teardown(c.root_abs, id, true, &ignored) < 0)
                        casca_log(ctx, CASCA_LOG_WARNING, "container %s: %s", id, ignored->msg);
        }
        if (c.root_fd >= 0 && c.dir_fd >= 0)
                casca_state_dir_remove_fd(c.root_fd, TAKE_FD(c.dir_fd), id, NULL);
out:
        free(st.created);
        casca_state_stdio_clear(&st);
        args_free(&a);
        restore_free(&c);
        return r;
}
