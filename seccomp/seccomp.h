/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* seccomp.h - linux.seccomp (struct casca_seccomp) -> libseccomp filter,
 * the OCI name tables, the seccomp-notify listener hand-over, the default
 * profile of `casca spec` and the seccomp object of `casca features`.
 *
 * Intended use by the container init:
 *   parent, before clone:  casca_seccomp_build_ex() (reports skipped rules)
 *   child, last thing before execve:  casca_seccomp_load()
 *   with a NOTIFY rule:  the child hands the notify fd to the parent, which
 *     sends it to the agent with casca_seccomp_send_listener() and the JSON
 *     from casca_seccomp_process_state_json().
 * The filter context is plain memory: built in the parent it is copied into
 * the child by clone; each side releases its own copy. */
#ifndef CASCA_SECCOMP_H
#define CASCA_SECCOMP_H

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "casca.h"
#include "seccomp/config.h"
#include "util/json.h"

/* ---- the filter ----------------------------------------------------------- */

/* Why a rule (or one name of it) did not make it into the filter. */
enum casca_seccomp_skip {
        /* the syscall name is unknown to this libseccomp */
        CASCA_SECCOMP_SKIP_UNKNOWN_SYSCALL,
        /* the rule's action is the default action (libseccomp refuses those) */
        CASCA_SECCOMP_SKIP_DEFAULT_ACTION,
};

/* Called once per skipped name; `rule` indexes s->syscalls.  For --debug
 * logging: "linux.seccomp.syscalls[3]: unknown syscall \"foo\" skipped". */
typedef void (*casca_seccomp_skip_fn)(void *userdata, enum casca_seccomp_skip reason, size_t rule,
                                      const char *syscall);

/* "unknown syscall", "action is the default action" */
const char *casca_seccomp_skip_reason(enum casca_seccomp_skip reason);

/* Build a filter from `s`.  Errors name the JSON path:
 *   linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_FOO"
 * The filter does not set no_new_privs on load (process.noNewPrivileges
 * decides that), returns the kernel's errno from seccomp_load, and keeps
 * the native architecture in addition to the listed ones.  Rules follow
 * runc: the args of one rule are ANDed, unless an index repeats, then every
 * arg becomes a rule of its own (ORed).  On success *ret_ctx is owned by the
 * caller (casca_seccomp_release()). */
int casca_seccomp_build(const struct casca_seccomp *s, scmp_filter_ctx *ret_ctx,
                        struct casca_error **err);
/* The same, calling on_skip (if not NULL) for each skipped name. */
int casca_seccomp_build_ex(const struct casca_seccomp *s, casca_seccomp_skip_fn on_skip,
                           void *userdata, scmp_filter_ctx *ret_ctx, struct casca_error **err);

/* The filter of s split in parts that the kernel composes (with several
 * filters loaded, a syscall gets the strictest of their actions):
 *   part 0, the guard: allows the listed architectures (and the native one)
 *     and gives any other the action libseccomp gives a foreign
 *     architecture;
 *   part k >= 1: the rules for arches[k - 1] alone, any other architecture
 *     allowed (the part for it decides); when tree, as a binary tree of
 *     syscall numbers (where libseccomp has that option), else a list.
 * Together they filter as the whole filter does (tests/unit/test-seccomp-
 * split.c runs both on every syscall number); libseccomp compiles the
 * parts of casca's default profile (three architectures) in half the time
 * of the whole, and the kernel loads them in half the time.
 * casca_seccomp_split_arches() fills arches (max entries) with the native
 * architecture first and each listed one once; *ret_n parts follow the
 * guard.  Errors are those of casca_seccomp_build_ex(), from part 0 (the
 * architectures and flags) and part 1 (the rules); on_skip is for part 1. */
int casca_seccomp_split_arches(const struct casca_seccomp *s, uint32_t *arches, size_t max,
                               size_t *ret_n, struct casca_error **err);
int casca_seccomp_build_part(const struct casca_seccomp *s, const uint32_t *arches, size_t part,
                             bool tree, casca_seccomp_skip_fn on_skip, void *userdata,
                             scmp_filter_ctx *ret_ctx, struct casca_error **err);

/* True if any rule uses SCMP_ACT_NOTIFY (the child will have a notify fd). */
bool casca_seccomp_uses_notify(const struct casca_seccomp *s);

/* Load the filter into the calling thread.  *ret_notify_fd (may be NULL) is
 * the O_CLOEXEC listener fd when this load created one (a NOTIFY rule), else
 * -1; the caller owns it.  Syscalls made after this go through the filter. */
int casca_seccomp_load(scmp_filter_ctx ctx, int *ret_notify_fd, struct casca_error **err);

/* NULL is allowed. */
void casca_seccomp_release(scmp_filter_ctx ctx);

/* ---- the compiled filter (seccomp/cache.c) ---------------------------------- */

/* What the container init loads: the BPF program of a profile, compiled by
 * the runtime before clone, or for a profile with NOTIFY rules the libseccomp
 * context (libseccomp owns the listener).  Compiled programs are cached in
 * <state root>/@cache/seccomp/ (state_root_fd; -1: no cache), keyed by the
 * whole profile, the libseccomp version and the kernel's API level; a hit
 * skips libseccomp entirely (and on_skip).  Errors are those of
 * casca_seccomp_build_ex(); the cache never fails a call.  *ret_cached (may
 * be NULL) tells whether the program came from the cache. */
struct casca_seccomp_prog;
int casca_seccomp_prog_get(const struct casca_seccomp *s, int state_root_fd,
                           casca_seccomp_skip_fn on_skip, void *userdata,
                           struct casca_seccomp_prog **ret, bool *ret_cached,
                           struct casca_error **err);
/* Like casca_seccomp_load(). */
int casca_seccomp_prog_load(const struct casca_seccomp_prog *p, int *ret_notify_fd,
                            struct casca_error **err);
/* NULL is allowed. */
void casca_seccomp_prog_free(struct casca_seccomp_prog *p);
/* Does program p let syscall nr of this architecture through with args
 * (each of its parts returning SECCOMP_RET_ALLOW or SECCOMP_RET_LOG), as
 * found without loading it?  A NOTIFY profile's (libseccomp's context) is
 * never known to: false. */
bool casca_seccomp_prog_allows(const struct casca_seccomp_prog *p, int nr, const uint64_t args[6]);

/* Run classic-BPF program insns[0..n) on d as the kernel's seccomp does:
 * what it returns; 0 (KILL) with *bad set at an instruction it does not
 * know (seccomp/bpf.c). */
uint32_t casca_bpf_run(const struct sock_filter *insns, size_t n, const struct seccomp_data *d,
                       bool *bad);
/* The kernel's rule for several filters: the action of highest precedence
 * (the lowest as a signed 32-bit value) wins. */
uint32_t casca_seccomp_stricter(uint32_t a, uint32_t b);

/* The program to keep with a container's state, so that `exec` installs
 * the very program `create` gave the init without libseccomp or the cache:
 * a malloc'd image in *ret (*ret_len bytes) holding the program and a key
 * of profile s (not of casca's or libseccomp's version).  *ret is NULL for
 * a NOTIFY profile, which has no program (libseccomp loads it). */
int casca_seccomp_prog_store(const struct casca_seccomp_prog *p, const struct casca_seccomp *s,
                             void **ret, size_t *ret_len, struct casca_error **err);
/* The program of an image casca_seccomp_prog_store() made for profile s:
 * -EINVAL when the image is not whole or was made for another profile (the
 * caller compiles the profile then). */
int casca_seccomp_prog_from_stored(const struct casca_seccomp *s, const void *data, size_t len,
                                   struct casca_seccomp_prog **ret, struct casca_error **err);

static inline void casca_seccomp_releasep(scmp_filter_ctx *ctx)
{
        int saved = errno;
        casca_seccomp_release(*ctx);
        *ctx = NULL;
        errno = saved;
}
#define _cleanup_seccomp_ __attribute__((cleanup(casca_seccomp_releasep)))

/* ---- seccomp notify: the listener ------------------------------------------ */

/* The runtime-spec "container process state" (config-linux.md) as a
 * malloc'd JSON document: {"ociVersion", "fds": ["seccompFd"], "pid",
 * "metadata" (omitted when NULL), "state": <state_json>}.  state_json is
 * the runtime-spec state object of the container (runtime.md "state"). */
int casca_seccomp_process_state_json(pid_t pid, const char *metadata, const char *state_json,
                                     char **ret_json, struct casca_error **err);

/* Connect to the AF_UNIX SOCK_STREAM socket at listener_path, send
 * process_state_json with notify_fd in SCM_RIGHTS (first sendmsg only) and
 * close the connection.  notify_fd stays open (the caller closes it). */
int casca_seccomp_send_listener(const char *listener_path, int notify_fd,
                                const char *process_state_json, struct casca_error **err);

/* ---- name tables (tables.c) ------------------------------------------------ */

/* "SCMP_ACT_ERRNO" <-> CASCA_SCMP_ERRNO; -1 / NULL when unknown. */
int casca_seccomp_action_from_name(const char *name);
const char *casca_seccomp_action_name(enum casca_seccomp_action a);
/* "SCMP_CMP_MASKED_EQ" <-> CASCA_SCMP_CMP_MASKED_EQ; -1 / NULL when unknown. */
int casca_seccomp_op_from_name(const char *name);
const char *casca_seccomp_op_name(enum casca_seccomp_op op);
/* The libseccomp action value: ERRNO and TRACE take errno_ret (EPERM when
 * !has_errno_ret); -EINVAL when has_errno_ret is set for another action,
 * -ERANGE when errno_ret is out of range (ERRNO: > 4095, TRACE: > 65535). */
int casca_seccomp_action_value(enum casca_seccomp_action a, bool has_errno_ret, uint32_t errno_ret,
                               uint32_t *ret_value);
/* libseccomp's operator for op. */
enum scmp_compare casca_seccomp_op_value(enum casca_seccomp_op op);

/* The OCI architecture names, i = 0.. until NULL. */
const char *casca_seccomp_arch_name(size_t i);
/* "SCMP_ARCH_X86_64" -> its token: 0, -ENOENT when the name is unknown,
 * -EOPNOTSUPP when this libseccomp does not support it. */
int casca_seccomp_arch_lookup(const char *name, uint32_t *ret_token);
/* The OCI name of the architecture this was built for ("SCMP_ARCH_X86_64"). */
const char *casca_seccomp_arch_native_name(void);

/* The OCI filter flags, i = 0.. until NULL. */
const char *casca_seccomp_flag_name(size_t i);
/* "SECCOMP_FILTER_FLAG_LOG" -> the libseccomp attribute that sets it:
 * 0, -ENOENT when unknown, -EOPNOTSUPP when this libseccomp (or the kernel,
 * as libseccomp's API level says) cannot set it. */
int casca_seccomp_flag_lookup(const char *name, enum scmp_filter_attr *ret_attr);
/* Whether the running kernel accepts the flag (probed with seccomp(2)). */
bool casca_seccomp_flag_kernel_supported(const char *name);

/* ---- casca spec / casca features ----------------------------------------- */

/* Emit casca's default profile as the linux.seccomp object into j (the
 * caller has emitted the "seccomp" key). */
void casca_seccomp_default_profile(struct casca_jgen *j);
/* The same profile as a struct (free with casca_seccomp_free()). */
struct casca_seccomp *casca_seccomp_default_profile_new(struct casca_error **err);

/* Emit the features.md linux.seccomp object into j (the caller has emitted
 * the "seccomp" key). */
void casca_seccomp_features(struct casca_jgen *j);
/* Emit key/value pairs into the open features "annotations" map:
 * "io.github.seccomp.libseccomp.version" and
 * CASCA_ANNOTATION_SECCOMP_LISTENER ("true" when this kernel and libseccomp
 * support SCMP_ACT_NOTIFY with listenerPath).  features.md forbids keys of
 * its own in the seccomp object, hence an annotation. */
#define CASCA_ANNOTATION_SECCOMP_LISTENER "casca.seccomp.listenerPath"
void casca_seccomp_features_annotations(struct casca_jgen *j);

#endif
