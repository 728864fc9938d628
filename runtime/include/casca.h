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
#define CASCA_OCI_VERSION "1.2.0"

/* ---- errors -------------------------------------------------------------- */

struct casca_error {
        int code;  /* a positive errno value; 0 when not from a syscall */
        char *msg; /* "what failed on what: reason" */
};

/* Fill *err (if err and *err is unset) and return -code (or -EINVAL when
 * code is 0).  The message gets ": strerror(code)" appended when code != 0. */
int casca_error_set(struct casca_error **err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Like casca_error_set() but never appends strerror(). */
int casca_error_setx(struct casca_error **err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Prepend "<context>: " to an existing error; returns its -code. */
int casca_error_prefix(struct casca_error **err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void casca_error_free(struct casca_error *err);

/* ---- the runtime context ------------------------------------------------ */

enum casca_cgroup_manager { CASCA_CGROUP_CGROUPFS, CASCA_CGROUP_DISABLED };
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
const char *casca_default_state_root(void);

/* ---- the runtime binary ---------------------------------------------------- */

/* A program that creates containers calls this first (the container's init
 * is a fork of it): unless it already runs from one, it re-executes itself
 * (same argv and environment) from a sealed memfd copy of /proc/self/exe, so
 * that no container can reach the binary on disk through /proc/<pid>/exe
 * (CVE-2019-5736).  Returns 0 when already sealed, < 0 on failure; a
 * successful re-exec does not return. */
int casca_exec_sealed_self(char **argv, struct casca_error **err);
bool casca_exe_is_sealed(void);

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
};

int casca_container_create(struct casca_context *ctx, const char *id,
                           const struct casca_create_options *opts, struct casca_error **err);
int casca_container_start(struct casca_context *ctx, const char *id, struct casca_error **err);
/* The runtime-spec state as a JSON document (malloc'd). */
int casca_container_state(struct casca_context *ctx, const char *id, char **ret_json,
                          struct casca_error **err);
int casca_container_kill(struct casca_context *ctx, const char *id, int signo, bool all,
                         struct casca_error **err);
int casca_container_delete(struct casca_context *ctx, const char *id, bool force,
                           struct casca_error **err);
/* SIGTERM, wait up to timeout_s, then SIGKILL; returns once stopped. */
int casca_container_stop(struct casca_context *ctx, const char *id, unsigned timeout_s,
                         struct casca_error **err);

/* create + start.  detach: return once started.  Otherwise stay in the
 * foreground: relay the pty (if any), forward signals, wait, delete unless
 * keep, and put the container's exit status (128+N when killed by signal
 * N) in *ret_status. */
int casca_container_run(struct casca_context *ctx, const char *id,
                        const struct casca_create_options *opts, bool detach, bool keep,
                        int *ret_status, struct casca_error **err);

struct casca_container_info {
        char *id;
        pid_t pid; /* 0 when stopped */
        char status[16];
        char *bundle;
        char *created;
        uid_t owner;
};
int casca_container_list(struct casca_context *ctx, struct casca_container_info **ret,
                         size_t *ret_n, struct casca_error **err);
void casca_container_info_free(struct casca_container_info *v, size_t n);

/* Parse a signal given as a number, "KILL" or "SIGKILL"; -EINVAL if unknown. */
int casca_signal_parse(const char *s);

#endif
