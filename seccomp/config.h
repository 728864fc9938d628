/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.h - what seccomp/ reads of config.json: linux.seccomp as typed
 * structs (a profile), parsed by casca_seccomp_from_json() and turned into
 * a filter by seccomp.h. */
#ifndef CASCA_SECCOMP_CONFIG_H
#define CASCA_SECCOMP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "casca.h"
#include "util/json.h"

enum casca_seccomp_action {
        CASCA_SCMP_KILL, /* SCMP_ACT_KILL == KILL_THREAD */
        CASCA_SCMP_KILL_PROCESS,
        CASCA_SCMP_KILL_THREAD,
        CASCA_SCMP_TRAP,
        CASCA_SCMP_ERRNO,
        CASCA_SCMP_TRACE,
        CASCA_SCMP_ALLOW,
        CASCA_SCMP_LOG,
        CASCA_SCMP_NOTIFY,
};

enum casca_seccomp_op {
        CASCA_SCMP_CMP_NE,
        CASCA_SCMP_CMP_LT,
        CASCA_SCMP_CMP_LE,
        CASCA_SCMP_CMP_EQ,
        CASCA_SCMP_CMP_GE,
        CASCA_SCMP_CMP_GT,
        CASCA_SCMP_CMP_MASKED_EQ,
};

struct casca_seccomp_arg {
        uint32_t index; /* 0..5 */
        uint64_t value, value_two;
        enum casca_seccomp_op op;
};

struct casca_seccomp_syscall {
        char **names;
        size_t n_names;
        enum casca_seccomp_action action;
        bool has_errno_ret;
        uint32_t errno_ret;
        struct casca_seccomp_arg *args;
        size_t n_args;
};

struct casca_seccomp {
        enum casca_seccomp_action default_action;
        bool has_default_errno_ret;
        uint32_t default_errno_ret;
        char **architectures; /* "SCMP_ARCH_X86_64", ... validated by seccomp/ */
        size_t n_architectures;
        char **flags; /* "SECCOMP_FILTER_FLAG_LOG", ... validated by seccomp/ */
        size_t n_flags;
        char *listener_path;
        char *listener_metadata;
        struct casca_seccomp_syscall *syscalls;
        size_t n_syscalls;
};

/* Parse a linux.seccomp object at path p: *ret is set (calloc'd) before
 * its members are parsed, so that what a failure leaves is freed with
 * casca_seccomp_free().  Errors name the JSON path:
 * "linux.seccomp.syscalls[2].action: unknown seccomp action \"X\"". */
int casca_seccomp_from_json(const struct casca_json *v, const struct casca_jpath *p,
                            struct casca_seccomp **ret, struct casca_error **err);
/* Free a struct casca_seccomp and everything it owns (as allocated by
 * casca_seccomp_default_profile_new() or the config parser).  NULL ok. */
void casca_seccomp_free(struct casca_seccomp *s);

#endif
