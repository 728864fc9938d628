/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sandbox.c - `casca sandbox`: an OCI config built in memory from flags, run
 * in the foreground by the same create path as `run` (same hardening), with
 * an empty rootfs directory under <state root>/@sandbox/<id> that holds only
 * the mount points, removed afterwards. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "runtime/config.h"
#include "util/format.h"
#include "util/fs.h"
#include "runtime/idmap.h"
#include "util/json.h"
#include "util/parse.h"
#include "seccomp/seccomp.h"
#include "runtime/spec.h"
#include "runtime/state.h"

#define SANDBOX_DIR "@sandbox"

static const char default_path[] =
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/* The host directories a sandbox sees read-only: /usr, /bin, /sbin, /etc and
 * every /lib*, each bound from what it resolves to (merged /usr: /bin is
 * /usr/bin).  Missing ones are left out. */
static void gen_host_dirs(struct casca_jgen *j)
{
        static const char *const fixed[] = {"/usr", "/bin", "/sbin", "/etc"};
        _cleanup_closedir_ DIR *d = opendir("/");
        char *names[64];
        size_t n = 0;
        struct dirent *de;

        for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
                names[n++] = strdup(fixed[i]);
        while (d && (de = readdir(d)) && n < ARRAY_SIZE(names))
                if (strncmp(de->d_name, "lib", 3) == 0) {
                        char *p = NULL;
                        if (asprintf(&p, "/%s", de->d_name) >= 0)
                                names[n++] = p;
                }
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *real = names[i] ? realpath(names[i], NULL) : NULL;
                struct stat sb;

                if (real && stat(real, &sb) == 0 && S_ISDIR(sb.st_mode)) {
                        casca_jgen_map_open(j);
                        casca_jgen_kstr(j, "destination", names[i]);
                        casca_jgen_kstr(j, "type", "bind");
                        casca_jgen_kstr(j, "source", real);
                        casca_jgen_str(j, "options");
                        casca_jgen_strv(j, (const char *const[]){"rbind", "ro", "nosuid", "nodev"},
                                        4);
                        casca_jgen_map_close(j);
                }
                free(names[i]);
        }
}

static void gen_mount(struct casca_jgen *j, const char *dst, const char *type, const char *src,
                      const char *const *opts, size_t n)
{
        casca_jgen_map_open(j);
        casca_jgen_kstr(j, "destination", dst);
        casca_jgen_kstr(j, "type", type);
        casca_jgen_kstr(j, "source", src);
        casca_jgen_str(j, "options");
        casca_jgen_strv(j, opts, n);
        casca_jgen_map_close(j);
}

/* SRC[:DST[:ro]] (ro_only: SRC[:DST]); SRC made absolute from the cwd. */
static int gen_bind(struct casca_jgen *j, const char *spec, bool ro, const char *flag,
                    struct casca_error **err)
{
        _cleanup_free_ char *copy = strdup(spec), *src = NULL;
        char *dst, *mode;

        if (!copy)
                return casca_error_set(err, ENOMEM, "%s", flag);
        dst = strchr(copy, ':');
        if (dst)
                *dst++ = '\0';
        mode = dst ? strchr(dst, ':') : NULL;
        if (mode)
                *mode++ = '\0';
        if (mode && (strcmp(mode, "ro") != 0 || ro))
                return casca_error_setx(err, EINVAL,
                                        "%s `%s`: expected SRC[:DST%s], the mode can only be `ro`",
                                        flag, spec, ro ? "" : "[:ro]");
        if (!copy[0])
                return casca_error_setx(err, EINVAL, "%s `%s`: no source", flag, spec);
        src = realpath(copy, NULL);
        if (!src)
                return casca_error_set(err, errno, "%s `%s`: source `%s`", flag, spec, copy);
        if (!dst || !dst[0])
                dst = src;
        if (dst[0] != '/')
                return casca_error_setx(err, EINVAL, "%s `%s`: the destination must be absolute",
                                        flag, spec);
        ro = ro || mode;
        gen_mount(j, dst, "bind", src,
                  ro ? (const char *const[]){"rbind", "ro", "nosuid", "nodev"}
                     : (const char *const[]){"rbind", "nosuid", "nodev"},
                  ro ? 4 : 3);
        return 0;
}

/* "512m", "1g", "1048576" */
static int parse_size(const char *s, int64_t *ret)
{
        const char *end;
        uint64_t v;
        int shift = 0;

        if (casca_parse_u64(s, &end, UINT64_MAX, &v) < 0)
                return -EINVAL;
        switch (*end) {
        case 'k':
        case 'K':
                shift = 10;
                end++;
                break;
        case 'm':
        case 'M':
                shift = 20;
                end++;
                break;
        case 'g':
        case 'G':
                shift = 30;
                end++;
                break;
        case '\0':
                break;
        default:
                return -EINVAL;
        }
        if (*end == 'b' || *end == 'B')
                end++;
        if (*end || v == 0 || v > (uint64_t)INT64_MAX >> shift)
                return -EINVAL;
        *ret = (int64_t)(v << shift);
        return 0;
}

static int gen_resources(struct casca_jgen *j, const struct casca_sandbox_options *o,
                         struct casca_error **err)
{
        int64_t mem = 0, pids = 0;
        double cpus = 0;

        if (!o->memory && !o->cpus && !o->pids)
                return 0;
        if (o->memory && parse_size(o->memory, &mem) < 0)
                return casca_error_setx(err, EINVAL,
                                        "--memory `%s`: expected a size (bytes, or with k, m, g)",
                                        o->memory);
        if (o->cpus) {
                char *end;
                errno = 0;
                cpus = strtod(o->cpus, &end);
                if (errno || end == o->cpus || *end || !(cpus >= 0.01) || cpus > 4096)
                        return casca_error_setx(err, EINVAL,
                                                "--cpus `%s`: expected a number of cpus (0.01 "
                                                "or more)",
                                                o->cpus);
        }
        if (o->pids &&
            (parse_size(o->pids, &pids) < 0 || strspn(o->pids, "0123456789") != strlen(o->pids)))
                return casca_error_setx(err, EINVAL, "--pids `%s`: expected a positive number",
                                        o->pids);
        casca_jgen_str(j, "resources");
        casca_jgen_map_open(j);
        if (o->memory) {
                casca_jgen_str(j, "memory");
                casca_jgen_map_open(j);
                casca_jgen_kint(j, "limit", mem);
                casca_jgen_map_close(j);
        }
        if (o->cpus) {
                casca_jgen_str(j, "cpu");
                casca_jgen_map_open(j);
                casca_jgen_kint(j, "quota", (long long)(cpus * 100000 + 0.5));
                casca_jgen_kint(j, "period", 100000);
                casca_jgen_map_close(j);
        }
        if (o->pids) {
                casca_jgen_str(j, "pids");
                casca_jgen_map_open(j);
                casca_jgen_kint(j, "limit", pids);
                casca_jgen_map_close(j);
        }
        casca_jgen_map_close(j);
        return 0;
}

static void gen_process(struct casca_jgen *j, const struct casca_sandbox_options *o,
                        const char *cwd)
{
        const char *term = getenv("TERM");

        casca_jgen_str(j, "process");
        casca_jgen_map_open(j);
        casca_jgen_kbool(j, "terminal", o->terminal);
        casca_jgen_str(j, "user");
        casca_jgen_map_open(j);
        casca_jgen_kint(j, "uid", o->has_uid ? o->uid : geteuid());
        casca_jgen_kint(j, "gid", o->has_gid ? o->gid : getegid());
        casca_jgen_map_close(j);
        casca_jgen_str(j, "args");
        casca_jgen_strv(j, (const char *const *)o->args, o->n_args);
        casca_jgen_str(j, "env");
        casca_jgen_array_open(j);
        if (o->host_env) {
                for (char *const *e = o->host_env; *e; e++)
                        casca_jgen_str(j, *e);
        } else {
                casca_jgen_str(j, default_path);
                if (term && o->terminal) {
                        _cleanup_free_ char *t = NULL;
                        if (asprintf(&t, "TERM=%s", term) >= 0)
                                casca_jgen_str(j, t);
                }
        }
        for (size_t i = 0; i < o->n_env; i++)
                casca_jgen_str(j, o->env[i]);
        casca_jgen_array_close(j);
        casca_jgen_kstr(j, "cwd", cwd);
        /* every capability dropped */
        casca_jgen_str(j, "capabilities");
        casca_jgen_map_open(j);
        static const char *const sets[] = {"bounding", "effective", "permitted", "inheritable",
                                           "ambient"};
        for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
                casca_jgen_str(j, sets[i]);
                casca_jgen_array_open(j);
                casca_jgen_array_close(j);
        }
        casca_jgen_map_close(j);
        casca_jgen_kbool(j, "noNewPrivileges", true);
        casca_jgen_map_close(j);
}

/* One mapping, the caller's own id to the id inside: no newuidmap needed. */
static void gen_own_mapping(struct casca_jgen *j, const char *key, uint32_t inside, uint32_t own)
{
        casca_jgen_str(j, key);
        casca_jgen_array_open(j);
        casca_jgen_map_open(j);
        casca_jgen_kint(j, "containerID", inside);
        casca_jgen_kint(j, "hostID", own);
        casca_jgen_kint(j, "size", 1);
        casca_jgen_map_close(j);
        casca_jgen_array_close(j);
}

static int gen_linux(struct casca_jgen *j, const struct casca_sandbox_options *o,
                     struct casca_error **err)
{
        static const char *const ns[] = {"pid", "ipc", "uts", "mount", "cgroup"};
        bool rootless = geteuid() != 0;
        int r;

        casca_jgen_str(j, "linux");
        casca_jgen_map_open(j);
        if (rootless) {
                gen_own_mapping(j, "uidMappings", o->has_uid ? o->uid : geteuid(), geteuid());
                gen_own_mapping(j, "gidMappings", o->has_gid ? o->gid : getegid(), getegid());
        }
        r = gen_resources(j, o, err);
        if (r < 0)
                return r;
        casca_jgen_str(j, "namespaces");
        casca_jgen_array_open(j);
        for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
                casca_jgen_map_open(j);
                casca_jgen_kstr(j, "type", ns[i]);
                casca_jgen_map_close(j);
        }
        if (o->net != CASCA_SANDBOX_NET_HOST) {
                casca_jgen_map_open(j);
                casca_jgen_kstr(j, "type", "network");
                casca_jgen_map_close(j);
        }
        if (rootless) {
                casca_jgen_map_open(j);
                casca_jgen_kstr(j, "type", "user");
                casca_jgen_map_close(j);
        }
        casca_jgen_array_close(j);
        casca_spec_gen_hardened_paths(j);
        casca_jgen_str(j, "seccomp");
        casca_seccomp_default_profile(j);
        casca_jgen_map_close(j);
        return 0;
}

static int gen_network(struct casca_jgen *j, const struct casca_sandbox_options *o,
                       struct casca_error **err)
{
        if (o->n_publish && o->net != CASCA_SANDBOX_NET_USER)
                return casca_error_setx(err, EINVAL, "--publish needs --net user");
        if (o->net != CASCA_SANDBOX_NET_USER)
                return 0;
        casca_jgen_str(j, "casca");
        casca_jgen_map_open(j);
        casca_jgen_str(j, "network");
        casca_jgen_map_open(j);
        casca_jgen_kstr(j, "mode", "user");
        casca_jgen_str(j, "ports");
        casca_jgen_array_open(j);
        for (size_t i = 0; i < o->n_publish; i++) {
                _cleanup_free_ char *copy = strdup(o->publish[i]);
                char *ctr = copy ? strchr(copy, ':') : NULL, *proto;
                unsigned h = 0, c = 0;

                if (!ctr)
                        return casca_error_setx(err, EINVAL,
                                                "--publish `%s`: expected HOST:CTR[/tcp|udp]",
                                                o->publish[i]);
                *ctr++ = '\0';
                proto = strchr(ctr, '/');
                if (proto)
                        *proto++ = '\0';
                if (casca_parse_uint(copy, NULL, 65535, &h) < 0 ||
                    casca_parse_uint(ctr, NULL, 65535, &c) < 0 || h == 0 || c == 0 ||
                    (proto && strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0))
                        return casca_error_setx(err, EINVAL,
                                                "--publish `%s`: expected HOST:CTR[/tcp|udp] with "
                                                "ports 1-65535",
                                                o->publish[i]);
                casca_jgen_map_open(j);
                casca_jgen_kint(j, "hostPort", (long long)h);
                casca_jgen_kint(j, "containerPort", (long long)c);
                casca_jgen_kstr(j, "protocol", proto ? proto : "tcp");
                casca_jgen_map_close(j);
        }
        casca_jgen_array_close(j);
        casca_jgen_map_close(j);
        casca_jgen_map_close(j);
        return 0;
}

char *casca_sandbox_config(const struct casca_sandbox_options *o, const char *rootfs_path,
                           struct casca_error **err)
{
        static const char *const dev_opts[] = {"nosuid", "strictatime", "mode=755", "size=65536k"};
        static const char *const pts_opts[] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                               "mode=0620"};
        static const char *const shm_opts[] = {"nosuid", "noexec", "nodev", "mode=1777",
                                               "size=65536k"};
        static const char *const tmp_opts[] = {"nosuid", "nodev", "mode=1777"};
        _cleanup_free_ char *host_cwd = NULL, *rootfs_abs = NULL;
        struct casca_jgen j;
        const char *cwd;
        int r;

        if (!o->n_args)
                return casca_error_setx(err, EINVAL, "sandbox: no command"), NULL;
        if (!o->cwd || !o->rootfs) {
                host_cwd = getcwd(NULL, 0);
                if (!host_cwd)
                        return casca_error_set(err, errno, "sandbox: the current directory"), NULL;
        }
        if (o->rootfs) {
                rootfs_abs = realpath(o->rootfs, NULL);
                if (!rootfs_abs)
                        return casca_error_set(err, errno, "--rootfs `%s`", o->rootfs), NULL;
        }
        /* the caller's cwd is bound read-write at its own path (not with
         * --rootfs, whose cwd is --cwd or /) */
        if (!o->rootfs && strcmp(host_cwd, "/") == 0)
                return casca_error_setx(err, EINVAL,
                                        "sandbox: the current directory is /, which would bind the "
                                        "whole host read-write: run it from a project directory"),
                       NULL;
        cwd = o->cwd ? o->cwd : o->rootfs ? "/" : host_cwd;
        if (cwd[0] != '/')
                return casca_error_setx(err, EINVAL, "--cwd `%s`: must be absolute", cwd), NULL;
        if (casca_jgen_init(&j, CASCA_JGEN_DOCUMENT, err) < 0)
                return NULL;
        casca_jgen_map_open(&j);
        casca_jgen_kstr(&j, "ociVersion", "1.1.0");
        gen_process(&j, o, cwd);
        casca_jgen_str(&j, "root");
        casca_jgen_map_open(&j);
        casca_jgen_kstr(&j, "path", rootfs_abs ? rootfs_abs : rootfs_path ? rootfs_path : "rootfs");
        casca_jgen_kbool(&j, "readonly", true);
        casca_jgen_map_close(&j);
        casca_jgen_kstr(&j, "hostname", o->hostname ? o->hostname : "sandbox");
        casca_jgen_str(&j, "mounts");
        casca_jgen_array_open(&j);
        if (!o->rootfs)
                gen_host_dirs(&j);
        gen_mount(&j, "/proc", "proc", "proc", NULL, 0);
        gen_mount(&j, "/dev", "tmpfs", "tmpfs", dev_opts, ARRAY_SIZE(dev_opts));
        gen_mount(&j, "/dev/pts", "devpts", "devpts", pts_opts, ARRAY_SIZE(pts_opts));
        gen_mount(&j, "/dev/shm", "tmpfs", "shm", shm_opts, ARRAY_SIZE(shm_opts));
        gen_mount(&j, "/tmp", "tmpfs", "tmpfs", tmp_opts, ARRAY_SIZE(tmp_opts));
        if (!o->rootfs)
                gen_mount(&j, host_cwd, "bind", host_cwd,
                          (const char *const[]){"rbind", "nosuid", "nodev"}, 3);
        r = 0;
        for (size_t i = 0; r >= 0 && i < o->n_binds; i++)
                r = gen_bind(&j, o->binds[i], false, "--bind", err);
        for (size_t i = 0; r >= 0 && i < o->n_ro_binds; i++)
                r = gen_bind(&j, o->ro_binds[i], true, "--ro-bind", err);
        for (size_t i = 0; r >= 0 && i < o->n_tmpfs; i++) {
                if (o->tmpfs[i][0] != '/')
                        r = casca_error_setx(err, EINVAL, "--tmpfs `%s`: must be absolute",
                                             o->tmpfs[i]);
                else
                        gen_mount(&j, o->tmpfs[i], "tmpfs", "tmpfs", tmp_opts,
                                  ARRAY_SIZE(tmp_opts));
        }
        casca_jgen_array_close(&j);
        if (r >= 0)
                r = gen_linux(&j, o, err);
        if (r >= 0)
                r = gen_network(&j, o, err);
        if (r < 0) {
                casca_jgen_done(&j);
                return NULL;
        }
        casca_jgen_map_close(&j);
        return casca_jgen_finish(&j, err);
}

/* rm -r of the sandbox's bundle: directories (mount points), nothing else
 * is ever made in it, and no mount is left there (create unmounts). */
static void remove_tree(int parent, const char *name)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        /* most of the tree is empty mount points: one rmdir each, and a
         * walk only where that finds something inside */
        if (unlinkat(parent, name, AT_REMOVEDIR) == 0 || (errno != ENOTEMPTY && errno != EEXIST))
                return;
        d = casca_fs_opendir_at(parent, name);
        while (d && (de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (de->d_type == DT_DIR)
                        remove_tree(dirfd(d), de->d_name);
                else
                        unlinkat(dirfd(d), de->d_name, 0);
        }
        unlinkat(parent, name, AT_REMOVEDIR);
}

/* The sandboxes of runtimes that died (SIGKILL, a crash): a bundle
 * sandbox-<pid> whose <pid> no longer exists.  Its container (the command
 * died with the runtime: die_with_runtime) is deleted with --force, then
 * the bundle is removed.  A live pid is left alone, even if reused: a
 * leftover waits for the next sweep rather than a running sandbox losing
 * its bundle. */
static void sweep_dead(struct casca_context *ctx, int sb_fd)
{
        _cleanup_closedir_ DIR *d = casca_fs_opendir_at(sb_fd, ".");
        struct dirent *de;

        while (d && (de = readdir(d))) {
                int pid;

                if (strncmp(de->d_name, "sandbox-", 8) != 0 ||
                    casca_parse_int(de->d_name + 8, NULL, 1, INT_MAX, &pid) < 0)
                        continue;
                if (kill(pid, 0) == 0 || errno != ESRCH)
                        continue;
                _cleanup_error_ struct casca_error *e = NULL;
                if (casca_container_delete(ctx, de->d_name, true, &e) < 0 && e && e->code != ENOENT)
                        continue; /* still there: the next sweep tries again */
                remove_tree(dirfd(d), de->d_name);
        }
}

int casca_sandbox_run(struct casca_context *ctx, const struct casca_sandbox_options *o,
                      int *ret_status, struct casca_error **err)
{
        _cleanup_close_ int root_fd = -1, sb_fd = -1;
        _cleanup_free_ char *root_abs = NULL, *bundle = NULL, *json = NULL;
        char id[64];
        int r;

        casca_snprintf_trunc(id, sizeof(id), "sandbox-%d", (int)getpid());
        root_fd = casca_state_root_open(casca_state_root(ctx), true, err);
        if (root_fd < 0)
                return root_fd;
        root_abs = casca_state_root_abs(ctx, err);
        if (!root_abs)
                return -EINVAL;
        if (mkdirat(root_fd, SANDBOX_DIR, 0700) < 0 && errno != EEXIST)
                return casca_error_set(err, errno, "sandbox: `%s/%s`", root_abs, SANDBOX_DIR);
        sb_fd = openat(root_fd, SANDBOX_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sb_fd < 0)
                return casca_error_set(err, errno, "sandbox: `%s/%s`", root_abs, SANDBOX_DIR);
        sweep_dead(ctx, sb_fd);
        if (asprintf(&bundle, "%s/%s/%s", root_abs, SANDBOX_DIR, id) < 0)
                return casca_error_set(err, ENOMEM, "sandbox");
        json = casca_sandbox_config(o, NULL, err);
        if (!json)
                return -EINVAL;
        if (mkdirat(sb_fd, id, 0700) < 0)
                return casca_error_set(err, errno, "sandbox: `%s`", bundle);
        if (!o->rootfs) {
                _cleanup_close_ int b = openat(sb_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (b < 0 || mkdirat(b, "rootfs", 0755) < 0) {
                        r = casca_error_set(err, errno, "sandbox: `%s/rootfs`", bundle);
                        remove_tree(sb_fd, id);
                        return r;
                }
        }
        struct casca_create_options co = {
                .bundle = bundle,
                .foreground = true,
                .config_json = json,
                .config_len = strlen(json),
                .die_with_runtime = true,
        };
        r = casca_container_run(ctx, id, &co, false, false, ret_status, err);
        if (r < 0 && (o->memory || o->cpus || o->pids) && *err &&
            strncmp((*err)->msg, "linux.resources", 15) == 0)
                casca_error_prefix(err, "--memory/--cpus/--pids");
        remove_tree(sb_fd, id);
        return r;
}
