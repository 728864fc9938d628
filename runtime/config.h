/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.h - the bundle's config.json as typed structs.
 *
 * casca_config_parse() fills these from JSON (config.c, util/json.h) and
 * validates them; everything downstream reads only these structs.  Every
 * optional scalar has a has_<name> flag; arrays are (pointer, count) pairs;
 * strings are NUL-terminated and owned by the struct. */
#ifndef CASCA_CONFIG_H
#define CASCA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "casca.h"
#include "cgroup/config.h"
#include "netns/netconf.h"
#include "seccomp/config.h"
#include "util/json.h"

/* ---- process ------------------------------------------------------------ */

struct casca_rlimit {
        int resource; /* RLIMIT_*, resolved from "RLIMIT_NOFILE" etc. */
        uint64_t soft, hard;
};

struct casca_user {
        uint32_t uid, gid;
        bool has_umask;
        uint32_t umask;
        uint32_t *additional_gids;
        size_t n_additional_gids;
};

/* Capability sets as bitmasks of CAP_* numbers (all current caps are < 64).
 * An absent set is empty, as in runc. */
struct casca_capabilities {
        uint64_t bounding, effective, inheritable, permitted, ambient;
};

/* process.scheduler: sched_setattr(2)'s fields. */
struct casca_scheduler {
        int policy;                         /* SCHED_OTHER, SCHED_FIFO, ... */
        int32_t nice;                       /* SCHED_OTHER, SCHED_BATCH: -20..19 */
        int32_t priority;                   /* SCHED_FIFO, SCHED_RR: 1..99 */
        uint64_t flags;                     /* SCHED_FLAG_* */
        uint64_t runtime, deadline, period; /* SCHED_DEADLINE, in ns */
};

/* process.ioPriority: ioprio_set(2). */
struct casca_io_priority {
        int klass;    /* IOPRIO_CLASS_RT, _BE or _IDLE (1..3) */
        int priority; /* 0..7 */
};

/* A set of CPUs or NUMA nodes ("0-3,7") as a bit mask. */
#define CASCA_ID_SET_BITS 1024
struct casca_id_set {
        unsigned long bits[CASCA_ID_SET_BITS / (8 * sizeof(unsigned long))];
        unsigned highest; /* the highest id in the set */
        bool empty;
};

struct casca_process {
        bool terminal;
        bool has_console_size;
        uint32_t console_height, console_width;
        struct casca_user user;
        char **args; /* NULL-terminated; n_args entries */
        size_t n_args;
        char **env; /* NULL-terminated; "KEY=value" */
        size_t n_env;
        char *cwd; /* absolute */
        bool has_capabilities;
        struct casca_capabilities caps;
        struct casca_rlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        bool has_oom_score_adj;
        int oom_score_adj;
        char *apparmor_profile; /* written to attr/apparmor/exec before exec */
        char *selinux_label;    /* written to attr/exec before exec */
        bool has_scheduler;
        struct casca_scheduler scheduler;
        bool has_io_priority;
        struct casca_io_priority io_priority;
        /* execCPUAffinity: initial from the start of the setup, final just
         * before exec */
        bool has_affinity_initial, has_affinity_final;
        struct casca_id_set affinity_initial, affinity_final;
};

/* ---- mounts ------------------------------------------------------------- */

struct casca_mount {
        char *destination; /* absolute, inside the container */
        char *type;        /* NULL for a bind mount without "type" */
        char *source;
        char **options; /* as given */
        size_t n_options;
        /* derived from options by casca_mount_parse_options(): */
        unsigned long flags;       /* MS_* to set (MS_BIND, MS_REC, MS_RDONLY, ...) */
        unsigned long clear_flags; /* MS_* explicitly cleared ("rw", "suid", ...) */
        unsigned long propagation; /* MS_PRIVATE|MS_SLAVE|MS_SHARED|MS_UNBINDABLE [|MS_REC] or 0 */
        char *data;                /* unrecognised options joined by ',' or NULL */
        bool tmpcopyup; /* "tmpcopyup" (runc, crun): a tmpfs starts with what it covers */
        /* recursive options ("rro", "rnosuid", ...): MOUNT_ATTR_* for
         * mount_setattr(AT_RECURSIVE) on the whole mounted tree */
        uint64_t rec_attr_set, rec_attr_clr;
};

/* ---- hooks -------------------------------------------------------------- */

struct casca_hook {
        char *path; /* absolute */
        char **args;
        size_t n_args;
        char **env;
        size_t n_env;
        bool has_timeout;
        int timeout; /* seconds, > 0 */
};

enum casca_hook_kind {
        CASCA_HOOK_PRESTART,
        CASCA_HOOK_CREATE_RUNTIME,
        CASCA_HOOK_CREATE_CONTAINER,
        CASCA_HOOK_START_CONTAINER,
        CASCA_HOOK_POSTSTART,
        CASCA_HOOK_POSTSTOP,
        CASCA_HOOK__MAX,
};

struct casca_hook_list {
        struct casca_hook *hooks;
        size_t n;
};

/* ---- linux -------------------------------------------------------------- */

enum casca_ns_type {
        CASCA_NS_PID,
        CASCA_NS_NETWORK,
        CASCA_NS_MOUNT,
        CASCA_NS_IPC,
        CASCA_NS_UTS,
        CASCA_NS_USER,
        CASCA_NS_CGROUP,
        CASCA_NS_TIME,
        CASCA_NS__MAX,
};

struct casca_namespace {
        bool present;
        char *path; /* NULL: create a new one */
};

struct casca_id_mapping {
        uint32_t container_id, host_id, size;
};

struct casca_time_offset {
        bool present;
        int64_t secs;
        uint32_t nanosecs;
};

enum casca_time_clock { CASCA_CLOCK_MONOTONIC, CASCA_CLOCK_BOOTTIME, CASCA_CLOCK__MAX };

struct casca_device {
        char type; /* 'c', 'b', 'u' or 'p' */
        char *path;
        int64_t major, minor; /* -1 when absent (only valid for 'p') */
        bool has_file_mode;
        uint32_t file_mode;
        bool has_uid, has_gid;
        uint32_t uid, gid;
};

struct casca_linux {
        struct casca_namespace namespaces[CASCA_NS__MAX];
        struct casca_id_mapping *uid_mappings, *gid_mappings;
        size_t n_uid_mappings, n_gid_mappings;
        struct casca_time_offset time_offsets[CASCA_CLOCK__MAX];
        struct casca_device *devices;
        size_t n_devices;
        char *cgroups_path;
        bool has_resources;
        struct casca_resources resources;
        struct casca_kv *sysctl;
        size_t n_sysctl;
        struct casca_seccomp *seccomp; /* NULL: no filter */
        char **masked_paths;
        size_t n_masked_paths;
        char **readonly_paths;
        size_t n_readonly_paths;
        unsigned long rootfs_propagation; /* MS_* or 0 when absent */
        char *mount_label;                /* context= of the container's mounts */
        bool has_memory_policy;
        int memory_policy; /* set_mempolicy(2) mode | MPOL_F_* flags */
        struct casca_id_set memory_policy_nodes;
        bool has_personality;
        unsigned long personality; /* PER_LINUX or PER_LINUX32 */
        struct casca_net_device *net_devices;
        size_t n_net_devices;
};

/* ---- the whole document ------------------------------------------------- */

/* The image annotation naming the signal that stops the container
 * gracefully (systemd: SIGRTMIN+3); `casca stop` sends it. */
#define CASCA_STOP_SIGNAL_ANNOTATION "org.opencontainers.image.stopSignal"

struct casca_cloud_init; /* casca.cloudInit, runtime/cloud-init.h */

struct casca_config {
        char *oci_version;
        char *root_path; /* as given (relative to the bundle or absolute) */
        bool root_readonly;
        char *hostname, *domainname;
        struct casca_mount *mounts;
        size_t n_mounts;
        bool has_process;
        struct casca_process process;
        struct casca_hook_list hooks[CASCA_HOOK__MAX];
        struct casca_kv *annotations;
        size_t n_annotations;
        /* annotations[CASCA_STOP_SIGNAL_ANNOTATION], parsed: what `stop`
         * sends first (SIGTERM without it) */
        int stop_signal;
        bool has_linux;
        struct casca_linux linux_cfg;
        struct casca_netconf *network;       /* the "casca.network" extension or NULL */
        struct casca_cloud_init *cloud_init; /* "casca.cloudInit" or NULL */
};

/* Parse and validate a config.json document.  Errors name the JSON path:
 * "linux.namespaces[2].type: unknown namespace \"foo\"". */
struct casca_config *casca_config_parse(const char *json, size_t len, struct casca_error **err);
/* The largest config.json casca reads: 4 MiB, 16 times what Kubernetes
 * allows for all of a pod's annotations (256 KiB) and far more than any
 * real config (runc's default is 2.5 KiB, casca's hardened one with its
 * seccomp profile 20 KiB).  A larger file is refused before it is read. */
#define CASCA_CONFIG_MAX_SIZE (4u << 20)

/* The bytes of config.json at path (NUL-terminated, malloc'd): a regular
 * file of at most CASCA_CONFIG_MAX_SIZE bytes; errors name the file. */
char *casca_config_read(const char *path, size_t *ret_len, struct casca_error **err);
/* The minor version of the runtime-spec the config says it follows
 * (ociVersion "1.3.0" -> 3): where the spec changed a rule, the config's
 * version says which one applies. */
unsigned casca_config_oci_minor(const struct casca_config *cfg);
/* casca_config_read() and parse it; errors name the file. */
struct casca_config *casca_config_load(const char *path, struct casca_error **err);
void casca_config_free(struct casca_config *cfg);

static inline void casca_config_freep(struct casca_config **c)
{
        casca_config_free(*c);
}
#define _cleanup_config_ __attribute__((cleanup(casca_config_freep)))

/* linux.mountLabel as runc applies it: context="<label>" added to the data
 * of every mount but bind mounts and proc, sysfs, mqueue and cgroup ones.
 * For a host with SELinux (casca_process_check_lsm()). */
int casca_config_apply_mount_label(struct casca_config *cfg, struct casca_error **err);

/* Map mount options to flags/clear_flags/propagation/data.  Pure. */
int casca_mount_parse_options(struct casca_mount *m, struct casca_error **err);
/* type "bind", or a "bind"/"rbind" option. */
bool casca_mount_is_bind(const struct casca_mount *m);
/* casca.network is casca's to build: with a new network namespace of the
 * config (casca.network is ignored for a namespace joined by path).  One
 * rule for create, checkpoint/restore and the cloud-init seed. */
bool casca_config_builds_network(const struct casca_config *cfg);

/* Name tables shared by the parser, `features` and `spec`. */
const char *casca_ns_type_name(enum casca_ns_type t); /* "pid", "network", ... */
int casca_capability_from_name(const char *name);     /* "CAP_SYS_ADMIN" -> 21, -1 */
const char *casca_capability_name(int cap);           /* 21 -> "CAP_SYS_ADMIN" */
const char *casca_rlimit_name(int resource);          /* 7 -> "RLIMIT_NOFILE", "RLIMIT_?" */

#endif
