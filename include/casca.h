/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* casca.h - the public interface of libcasca, the OCI runtime library.
 *
 * Conventions: a fallible function returns an int (>= 0 success, -errno
 * failure) or a pointer (NULL failure) and takes `struct casca_error **err`
 * last.  On failure *err is filled once; the caller owns it and frees it
 * with casca_error_free().  The library never prints and never exits. */
#ifndef CASCA_H
#define CASCA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CASCA_VERSION "0.1.0"
#define CASCA_OCI_VERSION "1.3.0"

/* What libcasca exports: the library is built with hidden visibility, so a
 * function without CASCA_EXPORT, and every function of an internal header,
 * stays inside it (libcasca.sym lists the same names). */
#define CASCA_EXPORT __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors -------------------------------------------------------------- */

struct casca_error {
        int code;  /* a positive errno value; 0 when not from a syscall */
        char *msg; /* "what failed on what: reason" */
};

/* Fill *err (if err and *err is unset) and return -code (or -EINVAL when
 * code is 0).  The message gets ": strerror(code)" appended when code != 0. */
CASCA_EXPORT int casca_error_set(struct casca_error **err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Like casca_error_set() but never appends strerror(). */
CASCA_EXPORT int casca_error_setx(struct casca_error **err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Prepend "<context>: " to an existing error; returns its -code. */
CASCA_EXPORT int casca_error_prefix(struct casca_error **err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
CASCA_EXPORT void casca_error_free(struct casca_error *err);
#ifdef __clang_analyzer__
/* clang --analyze sees one file at a time: tell it that the three above
 * always return < 0, or it follows `return casca_error_set(...)` as success
 * (error.c, which defines them, sets CASCA_ERROR_IMPL) */
#define CASCA_NEGATIVE_(r)                                                                         \
        ({                                                                                         \
                int casca_r_ = (r);                                                                \
                if (casca_r_ >= 0)                                                                 \
                        __builtin_unreachable();                                                   \
                casca_r_;                                                                          \
        })
#ifndef CASCA_ERROR_IMPL
#define casca_error_set(...) CASCA_NEGATIVE_((casca_error_set)(__VA_ARGS__))
#define casca_error_setx(...) CASCA_NEGATIVE_((casca_error_setx)(__VA_ARGS__))
#define casca_error_prefix(...) CASCA_NEGATIVE_((casca_error_prefix)(__VA_ARGS__))
#endif
#endif

/* ---- the runtime context ------------------------------------------------ */

/* SYSTEMD: the container's cgroup is a transient systemd scope (root only) */
enum casca_cgroup_manager { CASCA_CGROUP_CGROUPFS, CASCA_CGROUP_DISABLED, CASCA_CGROUP_SYSTEMD };
enum casca_log_level { CASCA_LOG_ERROR, CASCA_LOG_WARNING, CASCA_LOG_INFO, CASCA_LOG_DEBUG };
typedef void (*casca_log_fn)(enum casca_log_level level, const char *msg, void *userdata);

struct casca_context {
        const char *state_root; /* --root; NULL: casca_default_state_root() */
        bool debug;             /* pass CASCA_LOG_DEBUG messages to log */
        enum casca_cgroup_manager cgroup_manager;
        casca_log_fn log; /* where warnings (poststop hook failures...) go */
        void *log_data;
};

/* /run/casca for root, $XDG_RUNTIME_DIR/casca otherwise.  Static storage. */
CASCA_EXPORT const char *casca_default_state_root(void);

/* ---- the runtime binary ---------------------------------------------------- */

/* A program that creates containers calls this first (the container's init
 * is a fork of it): unless it already runs from one, it re-executes itself
 * (same argv and environment) from a sealed memfd copy of /proc/self/exe, so
 * that no container can reach the binary on disk through /proc/<pid>/exe
 * (CVE-2019-5736).  A binary the caller cannot write (a user running
 * root's binary) is run as it is: no container of the caller's could write
 * it.  Returns 0 when already sealed or not needed, < 0 on failure; a
 * successful re-exec does not return. */
CASCA_EXPORT int casca_exec_sealed_self(char **argv, struct casca_error **err);
CASCA_EXPORT bool casca_exe_is_sealed(void);
/* Instead of casca_exec_sealed_self() first: the argv to re-execute with
 * from a sealed copy if and when a call needs one.  create, run and exec
 * need none where they can start the container's process through the exec
 * stub (a few KB of sealed code that the init waits for `start` in, and
 * that clones an exec'd process into the container: runtime/sealed-exe.c),
 * and re-execute from a sealed copy before doing anything where they
 * cannot; without this (or casca_exec_sealed_self() first) they fail
 * there instead. */
CASCA_EXPORT void casca_set_sealed_argv(char **argv);

/* ---- lifecycle ------------------------------------------------------------ */

struct casca_create_options {
        const char *bundle;         /* directory holding config.json; NULL: cwd */
        const char *pid_file;       /* written with the container's pid */
        const char *console_socket; /* AF_UNIX path receiving the pty master */
        unsigned preserve_fds;      /* fds 3..3+N-1 passed through */
        bool no_pivot;              /* MS_MOVE + chroot instead of pivot_root */
        bool foreground;            /* run: the caller stays the parent and owns the pty */
        int *ret_pty_master;        /* foreground with process.terminal: the pty master */
        pid_t *ret_pid;             /* the container's init pid */
        const char *config_json;    /* the config in memory (sandbox): instead of
                                       <bundle>/config.json, which need not exist */
        size_t config_len;
        bool die_with_runtime; /* foreground: the process gets SIGKILL when the
                                  caller dies (PR_SET_PDEATHSIG), as bwrap's
                                  --die-with-parent; sandbox sets it */
};

CASCA_EXPORT int casca_container_create(struct casca_context *ctx, const char *id,
                                        const struct casca_create_options *opts,
                                        struct casca_error **err);
CASCA_EXPORT int casca_container_start(struct casca_context *ctx, const char *id,
                                       struct casca_error **err);
/* The runtime-spec state as a JSON document (malloc'd). */
CASCA_EXPORT int casca_container_state(struct casca_context *ctx, const char *id, char **ret_json,
                                       struct casca_error **err);
CASCA_EXPORT int casca_container_kill(struct casca_context *ctx, const char *id, int signo,
                                      bool all, struct casca_error **err);
CASCA_EXPORT int casca_container_delete(struct casca_context *ctx, const char *id, bool force,
                                        struct casca_error **err);
/* SIGTERM, wait up to timeout_s, then SIGKILL; returns once stopped. */
CASCA_EXPORT int casca_container_stop(struct casca_context *ctx, const char *id, unsigned timeout_s,
                                      struct casca_error **err);

/* create + start.  detach: return once started.  Otherwise stay in the
 * foreground: relay the pty (if any), forward signals, wait, delete unless
 * keep, and put the container's exit status (128+N when killed by signal
 * N) in *ret_status. */
CASCA_EXPORT int casca_container_run(struct casca_context *ctx, const char *id,
                                     const struct casca_create_options *opts, bool detach,
                                     bool keep, int *ret_status, struct casca_error **err);

/* `casca sandbox`: a container from a config built in memory, run in the
 * foreground through the same create path as `run`.  Root or not (a user
 * namespace mapping the caller then).  Defaults: the host's /usr, /bin,
 * /sbin, /lib* and /etc read-only (or rootfs), the current directory bound
 * read-write and the cwd, a fresh /tmp, a minimal /dev, its own /proc, no
 * network, no capabilities, no_new_privs, the default seccomp profile. */
enum casca_sandbox_net {
        CASCA_SANDBOX_NET_NONE, /* a network namespace with only lo */
        CASCA_SANDBOX_NET_USER, /* the user-mode network (casca.network mode "user") */
        CASCA_SANDBOX_NET_HOST, /* the host's network namespace */
};
struct casca_sandbox_options {
        char *const *args; /* the command, n_args >= 1 */
        size_t n_args;
        const char *rootfs; /* --rootfs DIR; NULL: the host's directories */
        char *const *binds; /* --bind SRC[:DST[:ro]] */
        size_t n_binds;
        char *const *ro_binds; /* --ro-bind SRC[:DST] */
        size_t n_ro_binds;
        char *const *tmpfs; /* --tmpfs DIR */
        size_t n_tmpfs;
        char *const *env; /* --env K=V, after the others */
        size_t n_env;
        char *const *host_env; /* --keep-env: the caller's environment; NULL: none */
        const char *cwd;       /* --cwd inside; NULL: the caller's cwd, bound rw */
        const char *hostname;  /* NULL: "sandbox" */
        enum casca_sandbox_net net;
        char *const *publish; /* --publish HOST:CTR[/tcp|udp] (user network) */
        size_t n_publish;
        const char *memory, *cpus, *pids; /* NULL: no limit */
        bool has_uid, has_gid;
        uint32_t uid, gid; /* inside; default: the caller's */
        bool terminal;     /* pass the terminal through (stdin is one) */
};
/* The config (pretty JSON, malloc'd) the sandbox runs; root.path is
 * rootfs_path (a bundle-relative "rootfs" when NULL). */
char *casca_sandbox_config(const struct casca_sandbox_options *o, const char *rootfs_path,
                           struct casca_error **err);
/* Build, run in the foreground, delete; *ret_status as casca_container_run(). */
int casca_sandbox_run(struct casca_context *ctx, const struct casca_sandbox_options *o,
                      int *ret_status, struct casca_error **err);

/* exec: run another process in a created or running container. */
struct casca_exec_options {
        const char *process_file; /* --process: a runtime-spec process object */
        char *const *args;        /* trailing arguments (override process args) */
        size_t n_args;
        char *const *env; /* --env KEY=VALUE, added or replacing */
        size_t n_env;
        const char *cwd; /* --cwd */
        bool has_user;   /* --user uid[:gid] */
        uint32_t uid, gid;
        const uint32_t *additional_gids; /* --additional-gids: added to the process's */
        size_t n_additional_gids;
        char *const *caps; /* --cap CAP_X: added to every set but ambient */
        size_t n_caps;
        bool no_new_privs; /* --no-new-privs */
        bool tty;          /* --tty: a terminal (else only the --process file's) */
        const char *console_socket;
        const char *pid_file;
        unsigned preserve_fds;
        bool detach;
        char *const *cgroups; /* --cgroup [CONTROLLER[,...]:]PATH: a sub-cgroup */
        size_t n_cgroups;
        bool ignore_paused;        /* --ignore-paused: exec into a paused container */
        const char *apparmor;      /* --apparmor PROFILE */
        const char *process_label; /* --process-label LABEL (SELinux) */
};
/* In the foreground (not detach) *ret_status is the process's exit status
 * (128+N when killed by signal N). */
CASCA_EXPORT int casca_container_exec(struct casca_context *ctx, const char *id,
                                      const struct casca_exec_options *opts, int *ret_status,
                                      struct casca_error **err);

struct casca_container_info {
        char *id;
        pid_t pid; /* 0 when stopped */
        char status[16];
        char *bundle;
        char *created;
        uid_t owner;
};
CASCA_EXPORT int casca_container_list(struct casca_context *ctx, struct casca_container_info **ret,
                                      size_t *ret_n, struct casca_error **err);
CASCA_EXPORT void casca_container_info_free(struct casca_container_info *v, size_t n);

/* ---- checkpoint / restore (CRIU) ----------------------------------------- */

/* runc's options, shared by checkpoint and restore. */
struct casca_criu_options {
        const char *image_path;          /* --image-path (required here; the CLI defaults it) */
        const char *work_path;           /* --work-path; NULL: the image path */
        const char *manage_cgroups_mode; /* soft (NULL), full, strict, ignore */
        bool leave_running;              /* checkpoint: the container keeps running */
        bool pre_dump;                   /* checkpoint: memory only, tracked after; runs on */
        const char *parent_path;         /* checkpoint: the pre-dump it builds on (relative) */
        bool tcp_established, file_locks, ext_unix_sk, shell_job;
};
/* Is criu (/usr/sbin/criu) there to run? */
bool casca_criu_available(void);
/* Dump a running container's process tree into o->image_path; without
 * leave_running it is stopped after (its state says "stopped"). */
int casca_container_checkpoint(struct casca_context *ctx, const char *id,
                               const struct casca_criu_options *o, struct casca_error **err);

struct casca_restore_options {
        struct casca_criu_options criu;
        const char *bundle;         /* NULL: cwd */
        const char *pid_file;       /* written with the restored init's pid */
        const char *console_socket; /* refused: no terminal containers yet */
        pid_t *ret_pid;
};
/* Create container `id` from the bundle's config with the process tree of
 * a checkpoint as its init: "running" once this returns. */
int casca_container_restore(struct casca_context *ctx, const char *id,
                            const struct casca_restore_options *o, struct casca_error **err);

/* ---- named networks (`casca network`) -------------------------------------- */

/* What `casca network create` asks for; NULL/0: the default. */
struct casca_network_opts {
        const char *name;
        const char *subnet;  /* IPv4 CIDR; NULL: a free one is chosen */
        const char *gateway; /* NULL: the subnet's first address */
        const char *ipv6;    /* IPv6 CIDR, or NULL: none */
        bool internal;       /* no NAT, nothing forwarded in or out */
        unsigned mtu;        /* 0: the kernel's */
        int dns;             /* -1 default (on where dnsmasq is), 0 off, 1 on */
        const char *driver;  /* "bridge" (NULL), "macvlan", "ipvlan" */
        const char *parent;  /* macvlan/ipvlan: the host interface */
        const char *mode;    /* macvlan bridge|private|vepa|passthru, ipvlan l2|l3|l3s */
};

struct casca_network_info {
        char *name;
        char *driver;
        char *subnet;
        char *gateway;
        char *bridge;
        char *state; /* "ready", "creating", "removing" */
        bool internal;
        size_t n_containers;
        char *json; /* the whole of `inspect` (one line) */
};

/* Each works on <state root>/@networks; see netns/netobj.h. */
int casca_network_create(struct casca_context *ctx, const struct casca_network_opts *o,
                         struct casca_network_info *ret, struct casca_error **err);
int casca_network_list(struct casca_context *ctx, struct casca_network_info **ret, size_t *ret_n,
                       struct casca_error **err);
int casca_network_inspect(struct casca_context *ctx, const char *name,
                          struct casca_network_info *ret, struct casca_error **err);
/* Refused while a container is on it. */
int casca_network_remove(struct casca_context *ctx, const char *name, struct casca_error **err);
/* Every network no container uses but `default`: the names removed, NULL-ended. */
int casca_network_prune(struct casca_context *ctx, char ***ret, struct casca_error **err);
void casca_network_info_clear(struct casca_network_info *v);
void casca_network_info_free(struct casca_network_info *v, size_t n);

/* ---- the container's cgroup (cgroup v2 only) ------------------------------- */

/* Each fails with "container `x` has no cgroup: <verb> needs cgroup v2"
 * when the container runs without one (hybrid host, --cgroup-manager
 * disabled, rootless without a delegated subtree). */

/* Freeze every process (cgroup.freeze) and return once cgroup.events says
 * "frozen 1"; resume thaws.  Errors: not running, already paused / not
 * paused. */
CASCA_EXPORT int casca_container_pause(struct casca_context *ctx, const char *id,
                                       struct casca_error **err);
CASCA_EXPORT int casca_container_resume(struct casca_context *ctx, const char *id,
                                        struct casca_error **err);

/* The container's pids, in the runtime's pid namespace, sorted (malloc'd):
 * those in its cgroup and its descendants; without a cgroup, those in the
 * pid namespace of its own and the namespaces below it (an error when it
 * has none of its own). */
CASCA_EXPORT int casca_container_ps(struct casca_context *ctx, const char *id, pid_t **ret_pids,
                                    size_t *ret_n, struct casca_error **err);

/* What `ps` shows of one process (from /proc/<pid>). */
struct casca_proc_info {
        pid_t pid, ppid;
        uid_t uid;
        char state;                  /* R, S, D, T, Z, ... */
        unsigned long long cpu_ms;   /* user + system */
        unsigned long long start_ms; /* since boot */
        char comm[64];
        char cmdline[512]; /* arguments joined by spaces; "[comm]" when none */
};
CASCA_EXPORT int casca_proc_info(pid_t pid, struct casca_proc_info *ret, struct casca_error **err);

/* linux.resources: opaque here.  casca_resources_parse() reads one from a
 * JSON object as the config's `linux.resources` (runc's `update -r` file),
 * calloc'd; errors name the JSON path.  Freed with casca_resources_free(). */
struct casca_resources;
CASCA_EXPORT struct casca_resources *casca_resources_parse(const char *json, size_t len,
                                                           struct casca_error **err);
CASCA_EXPORT void casca_resources_free(struct casca_resources *res);

/* Apply new limits to a created, running or paused container: only what
 * `res` sets is written (cpu.max keeps the quota or period not given,
 * a swap limit alone is taken relative to the current memory.max); the
 * device rules are left as created. */
CASCA_EXPORT int casca_container_update(struct casca_context *ctx, const char *id,
                                        const struct casca_resources *res,
                                        struct casca_error **err);

/* `runc events --stats`: {"type":"stats","id":"<id>","data":{cpu, memory,
 * pids, blkio, hugetlb}} on one line (malloc'd).  Also for a stopped
 * container whose cgroup is still there. */
CASCA_EXPORT int casca_container_stats(struct casca_context *ctx, const char *id, char **ret_json,
                                       struct casca_error **err);

/* Called with each event as one line of JSON (no newline); a negative
 * return (-errno) stops the stream with that error. */
typedef int (*casca_event_fn)(const char *json, void *userdata);
/* Stream events until the container's init exits: {"type":"oom","id":..}
 * for each OOM kill in its cgroup (memory.events), and every interval_ms
 * (0: never) a stats event as casca_container_stats() gives.  The state
 * dir is not locked meanwhile. */
CASCA_EXPORT int casca_container_events(struct casca_context *ctx, const char *id,
                                        unsigned interval_ms, casca_event_fn fn, void *userdata,
                                        struct casca_error **err);

/* Parse a signal given as a number, "KILL" or "SIGKILL"; -EINVAL if unknown. */
CASCA_EXPORT int casca_signal_parse(const char *s);

#endif
