/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rootfs-tool - drive the container-side setup (mount.c, process.c) without
 * the rest of the runtime, for the bats tests.
 *
 *   rootfs-tool [OPTIONS] ROOTFS -- CMD [ARG...]
 *
 * The config is built from the options (config.json is not read): the tool
 * unshares mount, pid, uts, ipc and network namespaces (and with --userns
 * first a user namespace; --share-net keeps the network one), forks, and the child
 * (pid 1 of the new pid namespace) runs casca_rootfs_setup, _pivot,
 * _finalize, casca_process_setup, _set_oom_score_adj, _set_user, _set_no_new_privs and
 * casca_process_exec.  A setup error is printed as "rootfs-tool: <message>"
 * with exit status 125; an exec error with 127; otherwise the exit status is
 * the command's. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "casca.h"
#include "runtime/config.h"
#include "runtime/mount.h"
#include "runtime/process.h"

#define MAX_ITEMS 64

static struct casca_mount mounts[MAX_ITEMS];
static char *masked[MAX_ITEMS], *readonly[MAX_ITEMS], *env[MAX_ITEMS + 1];
static struct casca_kv sysctls[MAX_ITEMS];
static struct casca_device devices[MAX_ITEMS];
static struct casca_rlimit rlimits[MAX_ITEMS];
static uint32_t groups[MAX_ITEMS];

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "rootfs-tool: ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(125);
}

static char root_dir[] = "/";

static char *xstrdup(const char *s)
{
        char *d = strdup(s);

        if (!d)
                die("out of memory");
        return d;
}

static unsigned long long parse_num(const char *s, int base, const char *what)
{
        char *end;
        unsigned long long v;

        errno = 0;
        if (strcmp(s, "unlimited") == 0)
                return (unsigned long long)RLIM_INFINITY;
        v = strtoull(s, &end, base);
        if (errno || end == s || *end)
                die("%s: not a number: `%s`", what, s);
        return v;
}

/* OPTIONS split at ',' and mapped by the config parser's own code. */
static void mount_options(struct casca_mount *m, char *opts)
{
        struct casca_error *err = NULL;
        char **v = NULL;
        size_t n = 0;

        for (char *save = NULL, *o = strtok_r(opts, ",", &save); o;
             o = strtok_r(NULL, ",", &save)) {
                v = realloc(v, (n + 1) * sizeof(*v));
                if (!v)
                        die("out of memory");
                v[n++] = o;
        }
        m->options = v;
        m->n_options = n;
        if (casca_mount_parse_options(m, &err) < 0)
                die("mount options `%s`: %s", opts, err->msg);
}

/* TYPE:SOURCE:DEST[:OPTIONS]; TYPE "bind" or "none" plus "bind" options. */
static void add_mount(struct casca_config *cfg, const char *spec)
{
        char *s = xstrdup(spec), *save = NULL;
        char *type = strtok_r(s, ":", &save), *src = strtok_r(NULL, ":", &save);
        char *dst = strtok_r(NULL, ":", &save), *opts = strtok_r(NULL, "", &save);
        struct casca_mount *m;

        if (!type || !src || !dst)
                die("--mount `%s`: want TYPE:SOURCE:DEST[:OPTIONS]", spec);
        if (cfg->n_mounts == MAX_ITEMS)
                die("too many mounts");
        m = &mounts[cfg->n_mounts++];
        memset(m, 0, sizeof(*m));
        m->type = strcmp(type, "none") == 0 ? NULL : type;
        m->source = src;
        m->destination = dst;
        if (opts)
                mount_options(m, opts);
        if (m->type && strcmp(m->type, "bind") == 0)
                m->flags |= MS_BIND;
}

static uint64_t cap_list(const char *list)
{
        char *s = xstrdup(list), *save = NULL;
        uint64_t mask = 0;

        for (char *c = strtok_r(s, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
                cap_value_t v;

                if (cap_from_name(c, &v) < 0 || v > 63)
                        die("unknown capability `%s`", c);
                mask |= 1ULL << v;
        }
        free(s);
        return mask;
}

/* SET=LIST, SET one of bounding effective permitted inheritable ambient all */
static void set_caps(struct casca_process *p, const char *spec)
{
        const char *eq = strchr(spec, '=');
        uint64_t mask;
        size_t n;

        if (!eq)
                die("--caps `%s`: want SET=CAP,CAP...", spec);
        mask = cap_list(eq + 1);
        n = (size_t)(eq - spec);
        p->has_capabilities = true;
        if (strncmp(spec, "all", n) == 0 && n == 3)
                p->caps.bounding = p->caps.effective = p->caps.permitted = mask;
        else if (strncmp(spec, "bounding", n) == 0 && n == 8)
                p->caps.bounding = mask;
        else if (strncmp(spec, "effective", n) == 0 && n == 9)
                p->caps.effective = mask;
        else if (strncmp(spec, "permitted", n) == 0 && n == 9)
                p->caps.permitted = mask;
        else if (strncmp(spec, "inheritable", n) == 0 && n == 11)
                p->caps.inheritable = mask;
        else if (strncmp(spec, "ambient", n) == 0 && n == 7)
                p->caps.ambient = mask;
        else
                die("--caps: unknown set in `%s`", spec);
}

static void add_rlimit(struct casca_process *p, const char *spec)
{
        static const struct {
                const char *name;
                int res;
        } names[] = {
                {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},
                {"RLIMIT_CORE", RLIMIT_CORE},     {"RLIMIT_STACK", RLIMIT_STACK},
                {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
        };
        char *s = xstrdup(spec), *save = NULL;
        char *name = strtok_r(s, ":", &save), *soft = strtok_r(NULL, ":", &save);
        char *hard = strtok_r(NULL, ":", &save);
        struct casca_rlimit *l;
        size_t i;

        if (!name || !soft || !hard)
                die("--rlimit `%s`: want NAME:SOFT:HARD", spec);
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(names[i].name, name) == 0)
                        break;
        if (i == sizeof(names) / sizeof(names[0]))
                die("--rlimit: unknown `%s`", name);
        if (p->n_rlimits == MAX_ITEMS)
                die("too many rlimits");
        l = &rlimits[p->n_rlimits++];
        l->resource = names[i].res;
        l->soft = parse_num(soft, 10, "--rlimit");
        l->hard = parse_num(hard, 10, "--rlimit");
        free(s);
}

/* TYPE:PATH:MAJOR:MINOR[:MODE[:UID:GID]] */
static void add_device(struct casca_config *cfg, const char *spec)
{
        char *s = xstrdup(spec), *save = NULL;
        char *f[7] = {0};
        struct casca_device *d;

        for (int i = 0; i < 7; i++)
                f[i] = strtok_r(i ? NULL : s, ":", &save);
        if (!f[0] || !f[1] || !f[2] || !f[3])
                die("--device `%s`: want TYPE:PATH:MAJOR:MINOR[:MODE[:UID:GID]]", spec);
        if (cfg->linux_cfg.n_devices == MAX_ITEMS)
                die("too many devices");
        d = &devices[cfg->linux_cfg.n_devices++];
        d->type = f[0][0];
        d->path = f[1];
        d->major = (int64_t)parse_num(f[2], 10, "--device major");
        d->minor = (int64_t)parse_num(f[3], 10, "--device minor");
        if (f[4]) {
                d->has_file_mode = true;
                d->file_mode = (uint32_t)parse_num(f[4], 8, "--device mode");
        }
        if (f[5] && f[6]) {
                d->has_uid = d->has_gid = true;
                d->uid = (uint32_t)parse_num(f[5], 10, "--device uid");
                d->gid = (uint32_t)parse_num(f[6], 10, "--device gid");
        }
}

/* UID:GID[:G1,G2...] */
static void set_user(struct casca_user *u, const char *spec)
{
        char *s = xstrdup(spec), *save = NULL;
        char *uid = strtok_r(s, ":", &save), *gid = strtok_r(NULL, ":", &save);
        char *list = strtok_r(NULL, "", &save);

        if (!uid || !gid)
                die("--user `%s`: want UID:GID[:G1,G2...]", spec);
        u->uid = (uint32_t)parse_num(uid, 10, "--user uid");
        u->gid = (uint32_t)parse_num(gid, 10, "--user gid");
        u->n_additional_gids = 0;
        for (char *sv = NULL, *g = list ? strtok_r(list, ",", &sv) : NULL; g;
             g = strtok_r(NULL, ",", &sv)) {
                if (u->n_additional_gids == MAX_ITEMS)
                        die("too many groups");
                groups[u->n_additional_gids++] = (uint32_t)parse_num(g, 10, "--user group");
        }
        u->additional_gids = groups;
        free(s);
}

static unsigned long propagation(const char *name)
{
        static const struct {
                const char *name;
                unsigned long flags;
        } names[] = {
                {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
                {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
                {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
                {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
        };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(names[i].name, name) == 0)
                        return names[i].flags;
        die("--propagation: unknown `%s`", name);
}

/* What `runc spec` writes, give or take the terminal. */
static void defaults(struct casca_config *cfg)
{
        static const char *const mnt[] = {
                "proc:proc:/proc",
                "tmpfs:tmpfs:/dev:nosuid,strictatime,mode=755,size=65536k",
                "devpts:devpts:/dev/pts:nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5",
                "tmpfs:shm:/dev/shm:nosuid,noexec,nodev,mode=1777,size=65536k",
                "mqueue:mqueue:/dev/mqueue:nosuid,noexec,nodev",
                "sysfs:sysfs:/sys:nosuid,noexec,nodev,ro",
                "cgroup:cgroup:/sys/fs/cgroup:nosuid,noexec,nodev,relatime,ro",
        };
        static const char *const mask[] = {
                "/proc/acpi",          "/proc/asound",     "/proc/kcore",       "/proc/keys",
                "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                "/sys/firmware",       "/proc/scsi",
        };
        static const char *const ro[] = {
                "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
        };

        for (size_t i = 0; i < sizeof(mnt) / sizeof(mnt[0]); i++)
                add_mount(cfg, mnt[i]);
        for (size_t i = 0; i < sizeof(mask) / sizeof(mask[0]); i++)
                masked[cfg->linux_cfg.n_masked_paths++] = xstrdup(mask[i]);
        for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
                readonly[cfg->linux_cfg.n_readonly_paths++] = xstrdup(ro[i]);
        set_caps(&cfg->process, "all=CAP_AUDIT_WRITE,CAP_KILL,CAP_NET_BIND_SERVICE");
        cfg->process.no_new_privileges = true;
        add_rlimit(&cfg->process, "RLIMIT_NOFILE:1024:1024");
}

static int open_console(void)
{
        char name[64];
        int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), slave;

        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
            ptsname_r(master, name, sizeof(name)) != 0)
                die("allocate a pty: %s", strerror(errno));
        slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                die("open `%s`: %s", name, strerror(errno));
        return slave; /* the master stays open, unused, until we exit */
}

static void __attribute__((noreturn)) container(const struct casca_config *cfg, const char *rootfs,
                                                bool no_pivot, const struct casca_rootfs_opts *o)
{
        struct casca_error *err = NULL;
        int status = 125;

        if (casca_rootfs_setup(cfg, rootfs, o, &err) < 0 ||
            casca_rootfs_pivot(cfg, rootfs, no_pivot, &err) < 0 ||
            casca_rootfs_finalize(cfg, &err) < 0 || casca_process_setup(cfg, &err) < 0 ||
            casca_process_set_oom_score_adj(0, &cfg->process, &err) < 0 ||
            casca_process_set_user(&cfg->process, &err) < 0 ||
            casca_process_set_no_new_privs(&cfg->process, &err) < 0)
                goto fail;
        casca_process_exec(&cfg->process, &err);
        status = 127;
fail:
        fprintf(stderr, "rootfs-tool: %s\n", err ? err->msg : "(no error message)");
        _exit(status);
}

static int wait_child(pid_t pid)
{
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        die("waitpid: %s", strerror(errno));
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}

static void write_map(pid_t pid, const char *file)
{
        static const char map[] = "0 0 4294967295\n";
        char path[64];
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, map, sizeof(map) - 1) != (ssize_t)(sizeof(map) - 1))
                die("write `%s`: %s", path, strerror(errno));
        close(fd);
}

/* --userns: carry on in a new user namespace mapping every id to itself.
 * Its maps are written from outside, by a parent that keeps CAP_SETUID and
 * CAP_SETGID where they count, then waits and passes the exit status on. */
static void enter_userns(void)
{
        int up[2], down[2];
        char c = 0;
        pid_t pid;

        if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0)
                die("pipe: %s", strerror(errno));
        fflush(NULL);
        pid = fork();
        if (pid < 0)
                die("fork: %s", strerror(errno));
        if (pid == 0) {
                if (unshare(CLONE_NEWUSER) < 0)
                        die("unshare(CLONE_NEWUSER): %s", strerror(errno));
                if (write(up[1], "u", 1) != 1 || read(down[0], &c, 1) != 1 || c != 'm')
                        die("user namespace: the parent did not map us");
                close(up[0]);
                close(up[1]);
                close(down[0]);
                close(down[1]);
                return;
        }
        if (read(up[0], &c, 1) != 1)
                die("user namespace: the child died");
        write_map(pid, "uid_map");
        write_map(pid, "gid_map");
        if (write(down[1], "m", 1) != 1)
                die("user namespace: write: %s", strerror(errno));
        exit(wait_child(pid));
}

static void usage(void)
{
        fprintf(stderr,
                "usage: rootfs-tool [OPTIONS] ROOTFS -- CMD [ARG...]\n"
                "  --defaults                   the mounts, masks, caps... of `runc spec`\n"
                "  --mount TYPE:SRC:DEST[:OPTS] --mask PATH  --readonly PATH  --root-readonly\n"
                "  --propagation NAME  --sysctl KEY=VALUE  --device T:PATH:MAJ:MIN[:MODE[:U:G]]\n"
                "  --rlimit NAME:SOFT:HARD  --user UID:GID[:G,G]  --umask OCTAL\n"
                "  --caps SET=CAP,CAP (SET: all bounding effective permitted inheritable ambient)\n"
                "  --no-new-privs  --oom-score-adj N  --personality linux|linux32\n"
                "  --cwd DIR  --env K=V  --no-env  --no-pivot  --bind-devices  --console\n"
                "  --userns (a user namespace mapping every id to itself)  --share-net\n");
        exit(2);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"defaults", no_argument, NULL, 'D'},
                {"mount", required_argument, NULL, 'm'},
                {"mask", required_argument, NULL, 'M'},
                {"readonly", required_argument, NULL, 'R'},
                {"root-readonly", no_argument, NULL, 'r'},
                {"propagation", required_argument, NULL, 'P'},
                {"sysctl", required_argument, NULL, 's'},
                {"device", required_argument, NULL, 'd'},
                {"rlimit", required_argument, NULL, 'l'},
                {"user", required_argument, NULL, 'u'},
                {"umask", required_argument, NULL, 'U'},
                {"caps", required_argument, NULL, 'c'},
                {"no-new-privs", no_argument, NULL, 'n'},
                {"oom-score-adj", required_argument, NULL, 'o'},
                {"personality", required_argument, NULL, 'p'},
                {"cwd", required_argument, NULL, 'w'},
                {"env", required_argument, NULL, 'e'},
                {"no-env", no_argument, NULL, 'E'},
                {"no-pivot", no_argument, NULL, 'N'},
                {"bind-devices", no_argument, NULL, 'B'},
                {"userns", no_argument, NULL, 'X'},
                {"share-net", no_argument, NULL, 'S'},
                {"console", no_argument, NULL, 'C'},
                {0},
        };
        struct casca_config cfg = {0};
        struct casca_process *p = &cfg.process;
        struct casca_rootfs_opts o = {.in_userns = false, .console_fd = -1};
        char rootfs[PATH_MAX];
        bool no_pivot = false, no_env = false, want_console = false, userns = false;
        bool share_net = false;
        size_t n_env = 0;
        int c, r;
        pid_t pid;

        cfg.has_process = cfg.has_linux = true;
        cfg.mounts = mounts;
        cfg.linux_cfg.masked_paths = masked;
        cfg.linux_cfg.readonly_paths = readonly;
        cfg.linux_cfg.sysctl = sysctls;
        cfg.linux_cfg.devices = devices;
        p->rlimits = rlimits;
        p->cwd = root_dir;
        while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
                switch (c) {
                case 'D':
                        defaults(&cfg);
                        break;
                case 'm':
                        add_mount(&cfg, optarg);
                        break;
                case 'M':
                        if (cfg.linux_cfg.n_masked_paths == MAX_ITEMS)
                                die("too many masked paths");
                        masked[cfg.linux_cfg.n_masked_paths++] = optarg;
                        break;
                case 'R':
                        if (cfg.linux_cfg.n_readonly_paths == MAX_ITEMS)
                                die("too many readonly paths");
                        readonly[cfg.linux_cfg.n_readonly_paths++] = optarg;
                        break;
                case 'r':
                        cfg.root_readonly = true;
                        break;
                case 'P':
                        cfg.linux_cfg.rootfs_propagation = propagation(optarg);
                        break;
                case 's': {
                        char *eq = strchr(optarg, '=');

                        if (!eq || cfg.linux_cfg.n_sysctl == MAX_ITEMS)
                                die("--sysctl `%s`: want KEY=VALUE", optarg);
                        *eq = '\0';
                        sysctls[cfg.linux_cfg.n_sysctl].key = optarg;
                        sysctls[cfg.linux_cfg.n_sysctl++].value = eq + 1;
                        break;
                }
                case 'd':
                        add_device(&cfg, optarg);
                        break;
                case 'l':
                        add_rlimit(p, optarg);
                        break;
                case 'u':
                        set_user(&p->user, optarg);
                        break;
                case 'U':
                        p->user.has_umask = true;
                        p->user.umask = (uint32_t)parse_num(optarg, 8, "--umask");
                        break;
                case 'c':
                        set_caps(p, optarg);
                        break;
                case 'n':
                        p->no_new_privileges = true;
                        break;
                case 'o':
                        p->has_oom_score_adj = true;
                        p->oom_score_adj = (int)strtol(optarg, NULL, 10);
                        break;
                case 'p':
                        cfg.linux_cfg.has_personality = true;
                        cfg.linux_cfg.personality =
                                strcmp(optarg, "linux32") == 0 ? PER_LINUX32 : PER_LINUX;
                        break;
                case 'w':
                        p->cwd = optarg;
                        break;
                case 'e':
                        if (n_env == MAX_ITEMS)
                                die("too many --env");
                        env[n_env++] = optarg;
                        break;
                case 'E':
                        no_env = true;
                        break;
                case 'N':
                        no_pivot = true;
                        break;
                case 'B':
                        o.in_userns = true;
                        break;
                case 'C':
                        want_console = true;
                        break;
                case 'X':
                        userns = true;
                        break;
                case 'S':
                        share_net = true;
                        break;
                default:
                        usage();
                }
        }
        if (optind < argc && strcmp(argv[optind], "--") == 0)
                optind++;
        if (argc - optind < 2)
                usage();
        if (!realpath(argv[optind], rootfs))
                die("rootfs `%s`: %s", argv[optind], strerror(errno));
        if (optind + 1 < argc && strcmp(argv[optind + 1], "--") == 0)
                optind++;
        if (argc - optind < 2)
                usage();
        p->args = argv + optind + 1;
        p->n_args = (size_t)(argc - optind - 1);
        if (!n_env && !no_env)
                env[n_env++] = xstrdup(
                        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        p->env = env;
        p->n_env = n_env;

        /* --userns alone leaves in_userns false: mknod fails with EPERM and
         * the bind fallback runs; add --bind-devices for the direct path. */
        if (userns)
                enter_userns();
        if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
                    (share_net ? 0 : CLONE_NEWNET)) < 0)
                die("unshare: %s", strerror(errno));
        fflush(NULL);
        pid = fork();
        if (pid < 0)
                die("fork: %s", strerror(errno));
        if (pid == 0) {
                /* A pty opened before unshare() lives on a mount of the old
                 * namespace, which cannot be bind-mounted (EINVAL). */
                if (want_console)
                        o.console_fd = open_console();
                container(&cfg, rootfs, no_pivot, &o);
        }
        /* _exit: after unshare(CLONE_NEWPID), and with our root moved by the
         * child's pivot_root, LeakSanitizer's exit check cannot run here (it
         * needs a helper task in our pid namespace and its report file). */
        r = wait_child(pid);
        fflush(NULL);
        _exit(r);
}
