/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup.h - the cgroup manager: creates a container's cgroup, applies
 * linux.resources to it, freezes, kills, reports stats and removes it.
 *
 * Only cgroup v2 is supported, through a cgroupfs backend (cgroupfs.c) or
 * the systemd driver (systemd.c: a transient scope whose control files the
 * cgroupfs backend then writes); callers hold an opaque `struct
 * casca_cgroup` whose operations dispatch through a backend table
 * (backend.h).  v1 and hybrid hierarchies are never touched:
 * on such hosts casca_cgroup_v2_available() is false and create fails with
 * -EOPNOTSUPP and a message saying so.
 *
 * Placement (casca_cgroup_create's cgroups_path, i.e. linux.cgroupsPath):
 *   - NULL or "": "/casca/<id>" for root; for other users the relative
 *     path "casca/<id>" (below).
 *   - absolute "/a/b": relative to the cgroup2 mount (/sys/fs/cgroup/a/b).
 *   - relative "a/b": below the PARENT of the runtime's own cgroup (from
 *     /proc/self/cgroup), like runc's cgroupfs driver: the runtime's own
 *     cgroup holds processes, so by the no-internal-processes rule it could
 *     not hand controllers to a child.  For root in the root cgroup this is
 *     "/a/b".
 *   "." and empty components are dropped; ".." is an error.  Missing
 *   parents are created (and removed again by destroy once empty); every
 *   controller available in an ancestor's cgroup.controllers is enabled in
 *   its cgroup.subtree_control on the way down (like runc), and a limit
 *   whose controller is not available is an error naming the controller.
 *   Limits are only ever written to the container's own (leaf) cgroup: a
 *   pod-style parent with its own limits is shared, never overwritten.
 *   Non-root callers can only create below a directory they own (a
 *   delegated subtree); anything else fails with -EPERM and a message, and
 *   callers may then run without a cgroup.
 *
 * Control files are written relative to an O_PATH|O_DIRECTORY fd of the
 * cgroup, without O_CREAT, with one write() per value; a short write is an
 * error and a value the kernel rejects names file and value:
 *   cgroup /casca/x: write memory.max "abc": Invalid argument
 *
 * The mount point is /sys/fs/cgroup unless the environment variable
 * CASCA_CGROUP_ROOT or casca_cgroup_set_mountpoint() says otherwise (for
 * tests: a directory of plain files standing in for a cgroup tree is
 * accepted when its top holds a cgroup.controllers file). */
#ifndef CASCA_CGROUP_H
#define CASCA_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "casca.h"
#include "cgroup/config.h"

struct casca_cgroup;

/* ---- the hierarchy --------------------------------------------------- */

/* The mount point in use: CASCA_CGROUP_ROOT, the setter's, or /sys/fs/cgroup. */
const char *casca_cgroup_mountpoint(void);
/* Use another mount point (NULL: back to the default).  For tests. */
int casca_cgroup_set_mountpoint(const char *path, struct casca_error **err);
/* True when the mount point is a pure cgroup2 mount (statfs magic
 * CGROUP2_SUPER_MAGIC), or an overridden test tree (see above). */
bool casca_cgroup_v2_available(void);

/* Where create() would put the cgroup: "/casca/<id>" etc. (see above),
 * relative to the mount point, normalised.  Reads /proc/self/cgroup for
 * relative paths. */
int casca_cgroup_resolve_path(const char *cgroups_path, const char *id, char **ret_path,
                              struct casca_error **err);

/* ---- one cgroup -------------------------------------------------------- */

/* Create (or join an existing) cgroup for container `id` and apply `res`
 * (NULL: no limits; devices are not handled here, see set_devices).  On
 * failure whatever was created is removed again. */
int casca_cgroup_create(const char *cgroups_path, const char *id, const struct casca_resources *res,
                        struct casca_cgroup **ret, struct casca_error **err);
/* Reopen a cgroup from saved state: `path` as returned by
 * casca_cgroup_path() ("/casca/<id>", relative to the mount point). */
int casca_cgroup_open(const char *path, struct casca_cgroup **ret, struct casca_error **err);
/* "/casca/<id>", relative to the mount point. */
const char *casca_cgroup_path(const struct casca_cgroup *cg);
/* An O_PATH|O_DIRECTORY|O_CLOEXEC fd of the cgroup, owned by the handle:
 * for clone3(CLONE_INTO_CGROUP). */
int casca_cgroup_dirfd(const struct casca_cgroup *cg);
/* Move `pid` (0: the caller) into the cgroup: write cgroup.procs. */
int casca_cgroup_enter(struct casca_cgroup *cg, pid_t pid, struct casca_error **err);
/* The controllers the cgroup has (cgroup.controllers: "cpu io memory"),
 * malloc'd. */
int casca_cgroup_controllers(struct casca_cgroup *cg, char **ret, struct casca_error **err);
/* Write the control files `res` maps to (resources.c), `unified` last. */
int casca_cgroup_apply(struct casca_cgroup *cg, const struct casca_resources *res,
                       struct casca_error **err);
/* Apply res as a change of what the cgroup has now (`update`): a value
 * that shares its file with one res does not give is kept (cpu.max holds
 * quota and period), and OCI's memory+swap limit without a memory limit is
 * taken against the current memory.max.  res is completed in place, so
 * that it says what was applied. */
int casca_cgroup_update(struct casca_cgroup *cg, struct casca_resources *res,
                        struct casca_error **err);
/* Replace the cgroup's device filter by an eBPF program built from `rules`
 * (in order, a later rule overrides an earlier one; no rule: deny).  The
 * caller adds linux.devices and casca_cgroup_default_device_rules(). */
int casca_cgroup_set_devices(struct casca_cgroup *cg, const struct casca_device_rule *rules,
                             size_t n_rules, struct casca_error **err);
/* Write cgroup.freeze and wait (poll on cgroup.events, 10 s at the most)
 * until the cgroup reports "frozen 1" (or 0). */
int casca_cgroup_freeze(struct casca_cgroup *cg, bool frozen, struct casca_error **err);
/* 1 when cgroup.events says frozen, 0 when not, < 0 on error. */
int casca_cgroup_is_frozen(struct casca_cgroup *cg, struct casca_error **err);
/* SIGKILL every process in the cgroup and its descendants: cgroup.kill, or
 * on kernels before 5.14 freeze, kill every pid in cgroup.procs, thaw. */
int casca_cgroup_kill(struct casca_cgroup *cg, struct casca_error **err);
/* Delegate the cgroup to uid/gid (the host ids of a container's root in
 * its user namespace), as the kernel's cgroup-v2 documentation and the
 * runtime-spec's "cgroup ownership" say: the directory and the files of
 * /sys/kernel/cgroup/delegate (cgroup.procs, cgroup.threads,
 * cgroup.subtree_control...), never the limit files, which belong to the
 * parent's distribution. */
int casca_cgroup_delegate(struct casca_cgroup *cg, uid_t uid, gid_t gid, struct casca_error **err);
/* Mark the cgroup as `owner`'s (a container's state dir, "<root>/<id>") in
 * its trusted.casca.owner xattr; what a delete that lost the container's
 * state.json goes by (casca_cgroup_owned_by). */
int casca_cgroup_set_owner(struct casca_cgroup *cg, const char *owner, struct casca_error **err);
/* Does the cgroup carry `owner`'s mark? */
bool casca_cgroup_owned_by(struct casca_cgroup *cg, const char *owner);
/* Every pid in the cgroup and its descendants, sorted (malloc'd). */
int casca_cgroup_pids(struct casca_cgroup *cg, pid_t **ret_pids, size_t *ret_n,
                      struct casca_error **err);
/* Emit the "data" object of `runc events --stats` into j: cpu, memory,
 * pids, blkio, hugetlb. */
int casca_cgroup_stats(struct casca_cgroup *cg, struct casca_jgen *j, struct casca_error **err);
/* What cgroup.events and memory.events say. */
struct casca_cgroup_events {
        bool has_populated; /* cgroup.events could be read */
        bool populated;     /* processes in the cgroup or below it */
        bool has_oom;       /* memory.events could be read (the memory controller) */
        uint64_t oom;       /* times the limit was hit and reclaim failed */
        uint64_t oom_kill;  /* processes the OOM killer killed */
};
/* Watch the cgroup's events: casca_cgroup_watch_pollfds() fills up to n
 * pollfds (POLLPRI; an fd of -1 for a file that is not there, which
 * poll() skips) that wake when they change, casca_cgroup_watch_read()
 * says what they are now (cgroup.events first: a cgroup seen empty has its
 * last OOM kills counted). */
struct casca_cgroup_watch;
struct pollfd;
int casca_cgroup_watch_open(struct casca_cgroup *cg, struct casca_cgroup_watch **ret,
                            struct casca_error **err);
size_t casca_cgroup_watch_pollfds(const struct casca_cgroup_watch *w, struct pollfd *fds, size_t n);
void casca_cgroup_watch_read(struct casca_cgroup_watch *w, struct casca_cgroup_events *ret);
void casca_cgroup_watch_free(struct casca_cgroup_watch *w);
static inline void casca_cgroup_watch_freep(struct casca_cgroup_watch **w)
{
        casca_cgroup_watch_free(*w);
}
#define _cleanup_cgroup_watch_ __attribute__((cleanup(casca_cgroup_watch_freep)))
/* Counting OOMs from memory.events for `events`: one per OOM kill.  The
 * kernel's "oom" moves for every charge that failed at the limit: before the
 * kill is counted (the OOM report is printed in between), and again for
 * charges that fail while the victim dies.  An "oom" within
 * CASCA_OOM_WINDOW_MS after a kill is that kill's; one that no kill explains
 * within CASCA_OOM_WINDOW_MS (or before the watch ends) is one event. */
#define CASCA_OOM_WINDOW_MS 1000
struct casca_oom_count {
        uint64_t oom, oom_kill; /* levels seen so far */
        bool pending;           /* an "oom" without a kill, not counted yet */
        int64_t pending_since;  /* when it was first seen (ms) */
        bool killed;            /* a kill was counted ... */
        int64_t killed_at;      /* ... at this time (ms) */
};
/* Start counting from what memory.events says now. */
void casca_oom_count_init(struct casca_oom_count *c, const struct casca_cgroup_events *now);
/* The OOM events since the last look: `now` is memory.events read at
 * `now_ms` (a monotonic clock); `last` says it is the last look. */
uint64_t casca_oom_count_step(struct casca_oom_count *c, const struct casca_cgroup_events *now,
                              int64_t now_ms, bool last);
/* How long (ms) a watcher may sleep before a pending OOM is due; -1 for
 * nothing pending. */
int64_t casca_oom_count_due(const struct casca_oom_count *c, int64_t now_ms);
/* Kill what is left, wait until cgroup.events says "populated 0" (10 s at
 * the most), remove the cgroup and its descendants, then the empty parents
 * casca created.  A cgroup that is already gone is not an error. */
int casca_cgroup_destroy(struct casca_cgroup *cg, struct casca_error **err);
void casca_cgroup_free(struct casca_cgroup *cg);
/* The container's first process is in the cgroup: the systemd driver
 * lets go of the process that held its scope until then. */
void casca_cgroup_started(struct casca_cgroup *cg);

/* ---- systemd unit properties from annotations (sdprops.c, pure) -------- */

/* `org.systemd.property.<Name>`: <Name> (runc's rules: latin letters, at
 * least 3) set to a GVariant text value, added to the scope's
 * StartTransientUnit by the systemd driver; a <Name> ending in a lowercase
 * letter and "Sec" is seconds, sent as <Name without Sec>USec in
 * microseconds (uint64).  See sdprops.c for the values understood. */
#define CASCA_SDPROP_PREFIX "org.systemd.property."

union casca_sdvalue {
        bool b;
        uint64_t u; /* y q u t */
        int64_t i;  /* n i x */
        double d;
        char *s; /* s o */
};

struct casca_sdprop {
        const char *key; /* the annotation (borrowed) */
        char *name;      /* the property: "TimeoutStopUSec" */
        char type;       /* D-Bus basic type: b y n q i u x t d s o */
        bool array;      /* "a<type>" */
        union casca_sdvalue *v;
        size_t n; /* 1 unless an array */
};

struct casca_sdprops {
        struct casca_sdprop *v;
        size_t n;
};

/* Parse one annotation (key with the prefix); errors name the annotation
 * and, for a value, the value. */
int casca_cgroup_sdprop_parse(const char *key, const char *value, struct casca_sdprop *ret,
                              struct casca_error **err);
void casca_cgroup_sdprop_clear(struct casca_sdprop *p);
/* Every annotation with the prefix, in document order (others skipped);
 * two naming the same property are refused. */
int casca_cgroup_sdprops_parse(const struct casca_kv *kv, size_t n, struct casca_sdprops *ret,
                               struct casca_error **err);
void casca_cgroup_sdprops_clear(struct casca_sdprops *s);
/* KillSignal or TimeoutStopUSec: how systemd would stop the unit, what
 * podman sends for every container whatever its cgroup manager. */
bool casca_cgroup_sdprop_is_stop(const struct casca_sdprop *p);
const struct casca_sdprop *casca_cgroup_sdprops_find(const struct casca_sdprops *s,
                                                     const char *name);

/* ---- the systemd driver (systemd.c) ------------------------------------ */

/* Refuse an annotation property that linux.resources (res, may be NULL)
 * also sets (MemoryMax, TasksMax, AllowedCPUs...): casca would write the
 * resource's value over it. */
int casca_cgroup_systemd_check_props(const struct casca_resources *res,
                                     const struct casca_sdprops *sdprops, struct casca_error **err);

/* The scope and its cgroup path for linux.cgroupsPath "slice:prefix:name"
 * (NULL or "": "system.slice:casca:<id>"): "prefix-name.scope" and
 * "/<slice expanded>/prefix-name.scope" ("machine-a.slice" expands to
 * "/machine.slice/machine-a.slice").  Either output may be NULL.  For a
 * caller other than root, the user's systemd instance's: the default slice
 * is "user.slice" and the path is below the user manager's cgroup, which
 * this asks the user's bus for (an error names what is missing when there
 * is no bus). */
int casca_cgroup_systemd_resolve(const char *cgroups_path, const char *id, char **ret_unit,
                                 char **ret_path, struct casca_error **err);
/* Start the transient scope (StartTransientUnit, Delegate=yes, the limits
 * systemd owns as properties; a waiting holder process as its first pid,
 * until casca_cgroup_started(); then the annotations' sdprops, which win
 * over casca's Description, DefaultDependencies and *Accounting), wait for
 * its job, then write every
 * control file `res` maps to in the scope's cgroup.  On failure the unit
 * is stopped again. */
int casca_cgroup_systemd_create(const char *cgroups_path, const char *id,
                                const struct casca_resources *res,
                                const struct casca_sdprops *sdprops, struct casca_cgroup **ret,
                                struct casca_error **err);
/* Reopen a scope's cgroup from saved state: apply sets the unit's
 * properties too, destroy stops and resets the unit. */
int casca_cgroup_systemd_open(const char *path, const char *unit, struct casca_cgroup **ret,
                              struct casca_error **err);
/* StopUnit and ResetFailedUnit; a unit that is not loaded is not an error. */
int casca_cgroup_systemd_remove_unit(const char *unit, struct casca_error **err);
/* The systemd unit of a handle, NULL for a cgroupfs one. */
const char *casca_cgroup_unit(const struct casca_cgroup *cg);

static inline void casca_cgroup_freep(struct casca_cgroup **cg)
{
        casca_cgroup_free(*cg);
}
#define _cleanup_cgroup_ __attribute__((cleanup(casca_cgroup_freep)))

/* ---- resources -> control files (resources.c, pure) ------------------- */

struct casca_cgroup_setting {
        char *file;       /* "memory.max" */
        char *value;      /* "33554432" */
        bool optional;    /* a missing file is not an error (memory.swap.max "max"/"0") */
        const char *what; /* the JSON path it comes from: "linux.resources.memory.limit" */
};

struct casca_cgroup_settings {
        struct casca_cgroup_setting *v;
        size_t n;
};

/* Map OCI resources to an ordered list of (file, value) writes:
 *   cpu.shares -> cpu.weight (1 + ((shares - 2) * 9999) / 262142, shares
 *   clamped to 2..262144, 0: unset), quota/period -> cpu.max ("max" for a
 *   quota <= 0, period default 100000), burst -> cpu.max.burst, idle ->
 *   cpu.idle, cpus/mems -> cpuset.cpus/.mems, memory.limit -> memory.max,
 *   reservation -> memory.low (-1: "max", 0: unset), swap (memory+swap) ->
 *   memory.swap.max = swap - limit, blockIO.weight -> io.weight "default N"
 *   (1 + (w - 10) * 9999 / 990), weightDevice -> io.weight "MAJ:MIN N",
 *   the throttle lists -> one io.max line per device ("max" for a rate 0),
 *   pids.limit -> pids.max (<= 0: "max"), hugepageLimits ->
 *   hugetlb.<size>.max, then `unified` as given.  Ignored (no v2
 *   equivalent): memory.kernel, kernelTCP, swappiness, disableOOMKiller,
 *   blockIO.leafWeight.  Errors name the JSON path. */
int casca_cgroup_map_resources(const struct casca_resources *res, struct casca_cgroup_settings *ret,
                               struct casca_error **err);
void casca_cgroup_settings_clear(struct casca_cgroup_settings *s);
/* The conversions runc and crun use (0 stays 0, "unset"): cpu shares
 * 2..262144 -> cpu.weight 1..10000, blkio weight 10..1000 -> io.weight
 * 1..10000; out-of-range inputs are clamped. */
uint64_t casca_cgroup_shares_to_weight(uint64_t shares);
uint64_t casca_cgroup_blkio_to_io_weight(uint64_t weight);
/* The controller a control file belongs to ("memory" for "memory.max",
 * "hugetlb" for "hugetlb.2MB.max"), or NULL for "cgroup.*" and names
 * without a dot.  Static storage for the known controllers, NULL otherwise
 * (an unknown prefix is checked by the kernel: the file does not exist). */
const char *casca_cgroup_file_controller(const char *file);

/* ---- devices (devices.c) ---------------------------------------------- */

struct bpf_insn;

/* The device rules every container gets after its own (like runc): mknod
 * of anything; rwm on null, zero, full, random, urandom, tty, console,
 * ptmx and /dev/pts/<n>. */
const struct casca_device_rule *casca_cgroup_default_device_rules(size_t *ret_n);
/* Whether rules (followed by the defaults) keep some device from being read
 * or written: false only when they end up allowing every device, as
 * podman's --privileged does.  Without a cgroup nothing enforces rules that
 * restrict. */
bool casca_cgroup_devices_restrict(const struct casca_device_rule *rules, size_t n_rules);
/* Compile rules into a BPF_PROG_TYPE_CGROUP_DEVICE program.  Semantics:
 * each requested access bit (m, r, w) is judged by the LAST rule that
 * matches the device and names that bit; allowed only when every requested
 * bit is; no matching rule denies.  Rules before a full wildcard ("a *:*"
 * naming the bit) are not emitted for that bit. */
int casca_cgroup_devices_compile(const struct casca_device_rule *rules, size_t n_rules,
                                 struct bpf_insn **ret_insns, size_t *ret_n,
                                 struct casca_error **err);
/* Load the program for `rules` and attach it to the cgroup directory fd
 * (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), detaching the programs attached
 * to that cgroup before.  Needs CAP_SYS_ADMIN; RLIMIT_MEMLOCK is left
 * alone (kernels since 5.11 charge BPF memory to the cgroup). */
int casca_cgroup_devices_attach(int cgroup_dirfd, const struct casca_device_rule *rules,
                                size_t n_rules, struct casca_error **err);

#endif
