/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spec.c - the config.json `casca spec` writes, generated with the JSON generator:
 * runc's defaults (the default), or casca's hardened profile. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "netns/netconf.h"
#include "runtime/config.h"
#include "runtime/spec.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "util/json.h"
#include "runtime/idmap.h"

static const char *const default_env[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "TERM=xterm",
};

static const char *const default_caps[] = {
        "CAP_AUDIT_WRITE",
        "CAP_KILL",
        "CAP_NET_BIND_SERVICE",
};

/* runc's `spec` (1.2 and later; 1.1 lacked /sys/devices/virtual/tpm). */
static const char *const runc_masked_paths[] = {
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/sys/firmware",
        "/proc/scsi",
        "/sys/devices/virtual/tpm",
};

static const char *const runc_readonly_paths[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/* hardened: podman's and docker's defaults, together. */
static const char *const masked_paths[] = {
        "/proc/acpi",        "/proc/asound",        "/proc/kcore",
        "/proc/keys",        "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug",   "/proc/scsi",
        "/sys/firmware",     "/sys/fs/selinux",     "/sys/devices/virtual/powercap",
        "/proc/interrupts",
};

static const char *const readonly_paths[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", "/sys/fs/cgroup",
};

void casca_spec_gen_hardened_paths(struct casca_jgen *j)
{
        casca_jgen_str(j, "maskedPaths");
        casca_jgen_strv(j, masked_paths, ARRAY_SIZE(masked_paths));
        casca_jgen_str(j, "readonlyPaths");
        casca_jgen_strv(j, readonly_paths, ARRAY_SIZE(readonly_paths));
}

struct spec_mount {
        const char *destination, *type, *source;
        const char *options[8]; /* NULL-terminated */
};

static const struct spec_mount default_mounts[] = {
        {"/proc", "proc", "proc", {NULL}},
        {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
        {"/dev/pts",
         "devpts",
         "devpts",
         {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}},
        {"/dev/shm",
         "tmpfs",
         "shm",
         {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}},
        {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
        {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
};

/* runc's: a cgroup mount as well (on a hybrid or v1 host casca leaves it
 * out, see mount.c). */
static const struct spec_mount runc_cgroup_mount = {
        "/sys/fs/cgroup",
        "cgroup",
        "cgroup",
        {"nosuid", "noexec", "nodev", "relatime", "ro", NULL}};

/* Without a network namespace of its own a rootless container cannot mount
 * sysfs; it gets the host's, read-only. */
static const struct spec_mount rootless_sys = {
        "/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro", NULL}};

static void gen_mount(struct casca_jgen *j, const struct spec_mount *m, bool rootless)
{
        casca_jgen_map_open(j);
        casca_jgen_kstr(j, "destination", m->destination);
        casca_jgen_kstr(j, "type", m->type);
        casca_jgen_kstr(j, "source", m->source);
        if (m->options[0]) {
                casca_jgen_str(j, "options");
                casca_jgen_array_open(j);
                for (const char *const *o = m->options; *o; o++) {
                        /* ids of groups that do not exist in a user namespace */
                        if (rootless &&
                            (strncmp(*o, "gid=", 4) == 0 || strncmp(*o, "uid=", 4) == 0))
                                continue;
                        casca_jgen_str(j, *o);
                }
                casca_jgen_array_close(j);
        }
        casca_jgen_map_close(j);
}

/* The caller is root inside; when `file` (not NULL) grants it a range,
 * that range follows from 1 (as podman maps it), so that chown works inside. */
static void gen_id_mapping(struct casca_jgen *j, const char *key, unsigned long long host_id,
                           unsigned long long size, const char *file)
{
        struct casca_subid_range range;

        casca_jgen_str(j, key);
        casca_jgen_array_open(j);
        casca_jgen_map_open(j);
        casca_jgen_kint(j, "containerID", 0);
        casca_jgen_kint(j, "hostID", (long long)host_id);
        casca_jgen_kint(j, "size", (long long)size);
        casca_jgen_map_close(j);
        if (file && host_id != 0 && casca_idmap_own_range(file, &range) == 1) {
                casca_jgen_map_open(j);
                casca_jgen_kint(j, "containerID", 1);
                casca_jgen_kint(j, "hostID", range.start);
                casca_jgen_kint(j, "size", range.count);
                casca_jgen_map_close(j);
        }
        casca_jgen_array_close(j);
}

struct spec_process {
        bool terminal, no_new_privs, rlimit_nofile;
        const char *const *args, *const *env, *const *caps;
        size_t n_args, n_env, n_caps;
};

static void gen_process(struct casca_jgen *j, const struct spec_process *p)
{
        casca_jgen_str(j, "process");
        casca_jgen_map_open(j);
        casca_jgen_kbool(j, "terminal", p->terminal);
        casca_jgen_str(j, "user");
        casca_jgen_map_open(j);
        casca_jgen_kint(j, "uid", 0);
        casca_jgen_kint(j, "gid", 0);
        casca_jgen_map_close(j);
        casca_jgen_str(j, "args");
        casca_jgen_strv(j, p->args, p->n_args);
        casca_jgen_str(j, "env");
        casca_jgen_strv(j, p->env, p->n_env);
        casca_jgen_kstr(j, "cwd", "/");
        casca_jgen_str(j, "capabilities");
        casca_jgen_map_open(j);
        for (size_t i = 0; i < 3; i++) {
                static const char *const sets[] = {"bounding", "effective", "permitted"};
                casca_jgen_str(j, sets[i]);
                casca_jgen_strv(j, p->caps, p->n_caps);
        }
        casca_jgen_map_close(j);
        if (p->rlimit_nofile) {
                casca_jgen_str(j, "rlimits");
                casca_jgen_array_open(j);
                casca_jgen_map_open(j);
                casca_jgen_kstr(j, "type", "RLIMIT_NOFILE");
                casca_jgen_kint(j, "hard", 1024);
                casca_jgen_kint(j, "soft", 1024);
                casca_jgen_map_close(j);
                casca_jgen_array_close(j);
        }
        casca_jgen_kbool(j, "noNewPrivileges", p->no_new_privs);
        casca_jgen_map_close(j);
}

static void gen_app_process(struct casca_jgen *j, bool hardened)
{
        static const char *const args[] = {"sh"};
        const struct spec_process p = {
                /* runc's is an interactive shell; hardened runs without a tty */
                .terminal = !hardened,
                .no_new_privs = true,
                .rlimit_nofile = true,
                .args = args,
                .n_args = ARRAY_SIZE(args),
                .env = default_env,
                .n_env = ARRAY_SIZE(default_env),
                .caps = default_caps,
                .n_caps = ARRAY_SIZE(default_caps),
        };

        gen_process(j, &p);
}

/* deny every device; the runtime adds the default ones */
static void gen_deny_devices(struct casca_jgen *j)
{
        casca_jgen_str(j, "resources");
        casca_jgen_map_open(j);
        casca_jgen_str(j, "devices");
        casca_jgen_array_open(j);
        casca_jgen_map_open(j);
        casca_jgen_kbool(j, "allow", false);
        casca_jgen_kstr(j, "access", "rwm");
        casca_jgen_map_close(j);
        casca_jgen_array_close(j);
        casca_jgen_map_close(j);
}

/* runc adds a cgroup namespace only where /sys/fs/cgroup is cgroup2. */
static bool host_is_cgroup2(void)
{
        struct statfs sfs;

        return statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

static void gen_linux(struct casca_jgen *j, const struct casca_spec_options *o)
{
        /* runc's order: pid, network, ipc, uts, mount, [cgroup]; rootless
         * drops network and appends user */
        static const enum casca_ns_type order[] = {
                CASCA_NS_PID, CASCA_NS_NETWORK, CASCA_NS_IPC,
                CASCA_NS_UTS, CASCA_NS_MOUNT,   CASCA_NS_CGROUP,
        };
        bool rootless = o->rootless, hardened = o->hardened;

        casca_jgen_str(j, "linux");
        casca_jgen_map_open(j);
        if (rootless) {
                gen_id_mapping(j, "uidMappings", geteuid(), 1, CASCA_SUBUID_FILE);
                gen_id_mapping(j, "gidMappings", getegid(), 1, CASCA_SUBGID_FILE);
        } else {
                gen_deny_devices(j);
        }
        casca_jgen_str(j, "namespaces");
        casca_jgen_array_open(j);
        for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
                if (rootless && order[i] == CASCA_NS_NETWORK)
                        continue;
                if (!hardened && order[i] == CASCA_NS_CGROUP && !host_is_cgroup2())
                        continue;
                casca_jgen_map_open(j);
                casca_jgen_kstr(j, "type", casca_ns_type_name(order[i]));
                casca_jgen_map_close(j);
        }
        if (rootless) {
                casca_jgen_map_open(j);
                casca_jgen_kstr(j, "type", casca_ns_type_name(CASCA_NS_USER));
                casca_jgen_map_close(j);
        }
        casca_jgen_array_close(j);
        if (hardened) {
                casca_spec_gen_hardened_paths(j);
        } else {
                casca_jgen_str(j, "maskedPaths");
                casca_jgen_strv(j, runc_masked_paths, ARRAY_SIZE(runc_masked_paths));
                casca_jgen_str(j, "readonlyPaths");
                casca_jgen_strv(j, runc_readonly_paths, ARRAY_SIZE(runc_readonly_paths));
        }
        if (hardened) {
                casca_jgen_str(j, "seccomp");
                casca_seccomp_default_profile(j);
        }
        casca_jgen_map_close(j);
}

/* casca.network: the network `default` (made on first use), so that it can be edited. */
static void gen_network(struct casca_jgen *j)
{
        casca_jgen_str(j, "casca");
        casca_jgen_map_open(j);
        casca_jgen_str(j, "network");
        casca_jgen_map_open(j);
        casca_jgen_kstr(j, "name", CASCA_NET_DEFAULT_NETWORK);
        casca_jgen_kstr(j, "interface", CASCA_NET_DEFAULT_INTERFACE);
        casca_jgen_str(j, "ports");
        casca_jgen_array_open(j);
        casca_jgen_array_close(j);
        casca_jgen_map_close(j);
        casca_jgen_map_close(j);
}

/* ---- casca spec --system ------------------------------------------------- */

/* A system container's capabilities: LXC's default set (everything but
 * mac_admin, mac_override, sys_time, sys_module and sys_rawio) without
 * sys_boot: systemd's last step, reboot(2), then fails with EPERM and it
 * exits 0 ("Exiting container."), where with it the kernel would end the
 * pid namespace by killing its init with SIGINT (halt, poweroff) or SIGHUP
 * (reboot).  With a user namespace they are the namespace's; without one
 * this is a privileged container in LXC's sense: its root is the host's. */
static const char *const system_caps[] = {
        "CAP_CHOWN",           "CAP_DAC_OVERRIDE",     "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",          "CAP_FSETID",           "CAP_KILL",
        "CAP_SETGID",          "CAP_SETUID",           "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",       "CAP_NET_RAW",          "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",       "CAP_SYS_CHROOT",       "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",    "CAP_SYS_TTY_CONFIG",   "CAP_MKNOD",
        "CAP_LEASE",           "CAP_AUDIT_WRITE",      "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP",         "CAP_SYSLOG",           "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",
};

/* What systemd needs of its container (systemd's CONTAINER_INTERFACE):
 * /run and /run/lock and /tmp as tmpfs, its own cgroup namespace with the
 * container's cgroup mounted writable at /sys/fs/cgroup. */
static const struct spec_mount system_mounts[] = {
        {"/run", "tmpfs", "tmpfs", {"nosuid", "nodev", "mode=755", "size=65536k", NULL}},
        {"/run/lock",
         "tmpfs",
         "tmpfs",
         {"nosuid", "nodev", "noexec", "mode=1777", "size=5120k", NULL}},
        {"/tmp", "tmpfs", "tmpfs", {"nosuid", "nodev", "mode=1777", NULL}},
        {"/sys/fs/cgroup", "cgroup2", "cgroup2", {"nosuid", "noexec", "nodev", "rw", NULL}},
};

/* container_uuid: systemd makes the machine id of a container whose
 * /etc/machine-id is empty or missing from it, so that one config boots as
 * the same machine every time (and writes it to /etc/machine-id when it can). */
static int gen_container_uuid(char ret[64], struct casca_error **err)
{
        _cleanup_close_ int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        unsigned char b[16];

        if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
                return casca_error_set(err, errno ? errno : EIO, "read /dev/urandom");
        b[6] = (b[6] & 0x0f) | 0x40; /* a version 4 UUID */
        b[8] = (b[8] & 0x3f) | 0x80;
        casca_snprintf_trunc(
                ret, 64,
                "container_uuid=%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%"
                "02x",
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                b[13], b[14], b[15]);
        return 0;
}

static void gen_system_process(struct casca_jgen *j, const char *uuid_env)
{
        static const char *const args[] = {"/sbin/init"};
        const char *env[] = {default_env[0], default_env[1], "container=casca", uuid_env};
        const struct spec_process p = {
                .terminal = true,      /* the pty is the container's /dev/console */
                .no_new_privs = false, /* sudo, su, ping: a system has set-id programs */
                /* no rlimits: systemd sets its own and its services', as in
                 * a VM (within the limits the container inherits, as LXC's) */
                .rlimit_nofile = false,
                .args = args,
                .n_args = ARRAY_SIZE(args),
                .env = env,
                .n_env = ARRAY_SIZE(env),
                .caps = system_caps,
                .n_caps = ARRAY_SIZE(system_caps),
        };

        gen_process(j, &p);
}

static void gen_system_linux(struct casca_jgen *j, const struct casca_spec_options *o)
{
        static const enum casca_ns_type order[] = {
                CASCA_NS_PID, CASCA_NS_NETWORK, CASCA_NS_IPC,
                CASCA_NS_UTS, CASCA_NS_MOUNT,   CASCA_NS_CGROUP,
        };
        bool userns = o->rootless || o->userns_size > 0;

        casca_jgen_str(j, "linux");
        casca_jgen_map_open(j);
        if (o->rootless) {
                gen_id_mapping(j, "uidMappings", geteuid(), 1, NULL);
                gen_id_mapping(j, "gidMappings", getegid(), 1, NULL);
        } else if (userns) {
                gen_id_mapping(j, "uidMappings", o->userns_host_id, o->userns_size, NULL);
                gen_id_mapping(j, "gidMappings", o->userns_host_id, o->userns_size, NULL);
        }
        if (!o->rootless) {
                gen_deny_devices(j);
        }
        casca_jgen_str(j, "namespaces");
        casca_jgen_array_open(j);
        for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
                casca_jgen_map_open(j);
                casca_jgen_kstr(j, "type", casca_ns_type_name(order[i]));
                casca_jgen_map_close(j);
        }
        if (userns) {
                casca_jgen_map_open(j);
                casca_jgen_kstr(j, "type", casca_ns_type_name(CASCA_NS_USER));
                casca_jgen_map_close(j);
        }
        casca_jgen_array_close(j);
        casca_jgen_str(j, "maskedPaths");
        casca_jgen_strv(j, runc_masked_paths, ARRAY_SIZE(runc_masked_paths));
        casca_jgen_str(j, "readonlyPaths");
        casca_jgen_strv(j, runc_readonly_paths, ARRAY_SIZE(runc_readonly_paths));
        casca_jgen_map_close(j);
}

static char *spec_system(const struct casca_spec_options *o, struct casca_error **err)
{
        struct casca_jgen j;
        char uuid_env[64];

        if (o->hardened) {
                casca_error_setx(err, EINVAL, "--system and --hardened: choose one");
                return NULL;
        }
        if (o->rootless && o->network == CASCA_SPEC_NETWORK_BRIDGE) {
                casca_error_setx(err, EINVAL,
                                 "a bridged network needs root on the host: not with rootless");
                return NULL;
        }
        if (gen_container_uuid(uuid_env, err) < 0 ||
            casca_jgen_init(&j, CASCA_JGEN_DOCUMENT, err) < 0)
                return NULL;
        casca_jgen_map_open(&j);
        casca_jgen_kstr(&j, "ociVersion", "1.0.0");
        gen_system_process(&j, uuid_env);
        casca_jgen_str(&j, "root");
        casca_jgen_map_open(&j);
        casca_jgen_kstr(&j, "path", "rootfs");
        casca_jgen_kbool(&j, "readonly", false);
        casca_jgen_map_close(&j);
        casca_jgen_kstr(&j, "hostname", "casca");
        casca_jgen_str(&j, "mounts");
        casca_jgen_array_open(&j);
        /* a network namespace of its own, always: sysfs can be mounted */
        for (size_t i = 0; i < ARRAY_SIZE(default_mounts); i++)
                gen_mount(&j, &default_mounts[i], o->rootless);
        for (size_t i = 0; i < ARRAY_SIZE(system_mounts); i++)
                gen_mount(&j, &system_mounts[i], o->rootless);
        casca_jgen_array_close(&j);
        casca_jgen_str(&j, "annotations");
        casca_jgen_map_open(&j);
        /* what systemd takes as "shut down" */
        casca_jgen_kstr(&j, CASCA_STOP_SIGNAL_ANNOTATION, "SIGRTMIN+3");
        casca_jgen_map_close(&j);
        gen_system_linux(&j, o);
        if (o->network == CASCA_SPEC_NETWORK_BRIDGE)
                gen_network(&j);
        casca_jgen_map_close(&j);
        return casca_jgen_finish(&j, err);
}

/* The lowest runtime-spec version whose fields cover what is written:
 * runc's defaults are all runtime-spec 1.0.0; the hardened profile's
 * seccomp errnoRet and defaultErrnoRet came with 1.1.0 (casca.network is
 * casca's own).  Newer numbers than needed make older runtimes refuse the
 * config (crun 1.8.1, Debian 12's, refuses 1.2.0). */
static const char *spec_version(const struct casca_spec_options *o)
{
        return o->hardened ? "1.1.0" : "1.0.0";
}

char *casca_spec_generate(const struct casca_spec_options *o, struct casca_error **err)
{
        struct casca_jgen j;

        if (o->system)
                return spec_system(o, err);
        if (o->userns_size > 0) {
                casca_error_setx(err, EINVAL, "--userns is for --system configs");
                return NULL;
        }
        if (o->rootless && o->network == CASCA_SPEC_NETWORK_BRIDGE) {
                casca_error_setx(err, EINVAL,
                                 "a bridged network needs root on the host: not with rootless");
                return NULL;
        }
        if (casca_jgen_init(&j, CASCA_JGEN_DOCUMENT, err) < 0)
                return NULL;
        casca_jgen_map_open(&j);
        casca_jgen_kstr(&j, "ociVersion", spec_version(o));
        gen_app_process(&j, o->hardened);
        casca_jgen_str(&j, "root");
        casca_jgen_map_open(&j);
        casca_jgen_kstr(&j, "path", "rootfs");
        casca_jgen_kbool(&j, "readonly", true);
        casca_jgen_map_close(&j);
        casca_jgen_kstr(&j, "hostname", "casca");
        casca_jgen_str(&j, "mounts");
        casca_jgen_array_open(&j);
        for (size_t i = 0; i < ARRAY_SIZE(default_mounts); i++) {
                const struct spec_mount *m = &default_mounts[i];
                if (o->rootless && strcmp(m->destination, "/sys") == 0)
                        m = &rootless_sys;
                gen_mount(&j, m, o->rootless);
        }
        if (!o->hardened)
                gen_mount(&j, &runc_cgroup_mount, o->rootless);
        casca_jgen_array_close(&j);
        gen_linux(&j, o);
        if (o->network == CASCA_SPEC_NETWORK_BRIDGE)
                gen_network(&j);
        casca_jgen_map_close(&j);
        return casca_jgen_finish(&j, err);
}
