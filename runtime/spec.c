/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spec.c - the config.json `casca spec` writes, generated with the JSON generator:
 * runc's defaults (the default), or casca's hardened profile. */
#include <errno.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "netns/netconf.h"
#include "runtime/config.h"
#include "runtime/spec.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"
#include "util/json.h"

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

static void gen_id_mapping(struct casca_jgen *j, const char *key, unsigned long long host_id)
{
        casca_jgen_str(j, key);
        casca_jgen_array_open(j);
        casca_jgen_map_open(j);
        casca_jgen_kint(j, "containerID", 0);
        casca_jgen_kint(j, "hostID", (long long)host_id);
        casca_jgen_kint(j, "size", 1);
        casca_jgen_map_close(j);
        casca_jgen_array_close(j);
}

static void gen_process(struct casca_jgen *j, bool hardened)
{
        static const char *const args[] = {"sh"};

        casca_jgen_str(j, "process");
        casca_jgen_map_open(j);
        /* runc's is an interactive shell; hardened runs without a tty */
        casca_jgen_kbool(j, "terminal", !hardened);
        casca_jgen_str(j, "user");
        casca_jgen_map_open(j);
        casca_jgen_kint(j, "uid", 0);
        casca_jgen_kint(j, "gid", 0);
        casca_jgen_map_close(j);
        casca_jgen_str(j, "args");
        casca_jgen_strv(j, args, ARRAY_SIZE(args));
        casca_jgen_str(j, "env");
        casca_jgen_strv(j, default_env, ARRAY_SIZE(default_env));
        casca_jgen_kstr(j, "cwd", "/");
        casca_jgen_str(j, "capabilities");
        casca_jgen_map_open(j);
        for (size_t i = 0; i < 3; i++) {
                static const char *const sets[] = {"bounding", "effective", "permitted"};
                casca_jgen_str(j, sets[i]);
                casca_jgen_strv(j, default_caps, ARRAY_SIZE(default_caps));
        }
        casca_jgen_map_close(j);
        casca_jgen_str(j, "rlimits");
        casca_jgen_array_open(j);
        casca_jgen_map_open(j);
        casca_jgen_kstr(j, "type", "RLIMIT_NOFILE");
        casca_jgen_kint(j, "hard", 1024);
        casca_jgen_kint(j, "soft", 1024);
        casca_jgen_map_close(j);
        casca_jgen_array_close(j);
        casca_jgen_kbool(j, "noNewPrivileges", true);
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
                gen_id_mapping(j, "uidMappings", geteuid());
                gen_id_mapping(j, "gidMappings", getegid());
        } else {
                /* deny every device; the runtime adds the default ones */
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
        casca_jgen_str(j, "maskedPaths");
        if (hardened)
                casca_jgen_strv(j, masked_paths, ARRAY_SIZE(masked_paths));
        else
                casca_jgen_strv(j, runc_masked_paths, ARRAY_SIZE(runc_masked_paths));
        casca_jgen_str(j, "readonlyPaths");
        if (hardened)
                casca_jgen_strv(j, readonly_paths, ARRAY_SIZE(readonly_paths));
        else
                casca_jgen_strv(j, runc_readonly_paths, ARRAY_SIZE(runc_readonly_paths));
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

        if (o->rootless && o->network == CASCA_SPEC_NETWORK_BRIDGE) {
                casca_error_setx(err, EINVAL,
                                 "a bridged network needs root on the host: not with rootless");
                return NULL;
        }
        if (casca_jgen_init(&j, CASCA_JGEN_DOCUMENT, err) < 0)
                return NULL;
        casca_jgen_map_open(&j);
        casca_jgen_kstr(&j, "ociVersion", spec_version(o));
        gen_process(&j, o->hardened);
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
