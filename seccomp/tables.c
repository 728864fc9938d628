/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tables.c - the OCI seccomp names (actions, operators, architectures,
 * filter flags) and what libseccomp calls them. */
#include <errno.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp/seccomp.h"
#include "util/cleanup.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* MAX_ERRNO: the kernel clamps larger SECCOMP_RET_ERRNO data to it.  For
 * SECCOMP_RET_TRACE the data is a 16-bit message to the tracer. */
#define SECCOMP_ERRNO_MAX 4095
#define SECCOMP_TRACE_MAX 0xffff

static const char *const action_names[] = {
        [CASCA_SCMP_KILL] = "SCMP_ACT_KILL",
        [CASCA_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
        [CASCA_SCMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
        [CASCA_SCMP_TRAP] = "SCMP_ACT_TRAP",
        [CASCA_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
        [CASCA_SCMP_TRACE] = "SCMP_ACT_TRACE",
        [CASCA_SCMP_ALLOW] = "SCMP_ACT_ALLOW",
        [CASCA_SCMP_LOG] = "SCMP_ACT_LOG",
        [CASCA_SCMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const op_names[] = {
        [CASCA_SCMP_CMP_NE] = "SCMP_CMP_NE",
        [CASCA_SCMP_CMP_LT] = "SCMP_CMP_LT",
        [CASCA_SCMP_CMP_LE] = "SCMP_CMP_LE",
        [CASCA_SCMP_CMP_EQ] = "SCMP_CMP_EQ",
        [CASCA_SCMP_CMP_GE] = "SCMP_CMP_GE",
        [CASCA_SCMP_CMP_GT] = "SCMP_CMP_GT",
        [CASCA_SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static const enum scmp_compare op_values[] = {
        [CASCA_SCMP_CMP_NE] = SCMP_CMP_NE,
        [CASCA_SCMP_CMP_LT] = SCMP_CMP_LT,
        [CASCA_SCMP_CMP_LE] = SCMP_CMP_LE,
        [CASCA_SCMP_CMP_EQ] = SCMP_CMP_EQ,
        [CASCA_SCMP_CMP_GE] = SCMP_CMP_GE,
        [CASCA_SCMP_CMP_GT] = SCMP_CMP_GT,
        [CASCA_SCMP_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

/* The OCI name and libseccomp's name, which seccomp_arch_resolve_name()
 * maps to a token only when this libseccomp supports the architecture. */
static const struct {
        const char *oci, *scmp;
} arches[] = {
        {"SCMP_ARCH_X86", "x86"},
        {"SCMP_ARCH_X86_64", "x86_64"},
        {"SCMP_ARCH_X32", "x32"},
        {"SCMP_ARCH_ARM", "arm"},
        {"SCMP_ARCH_AARCH64", "aarch64"},
        {"SCMP_ARCH_LOONGARCH64", "loongarch64"},
        {"SCMP_ARCH_M68K", "m68k"},
        {"SCMP_ARCH_MIPS", "mips"},
        {"SCMP_ARCH_MIPS64", "mips64"},
        {"SCMP_ARCH_MIPS64N32", "mips64n32"},
        {"SCMP_ARCH_MIPSEL", "mipsel"},
        {"SCMP_ARCH_MIPSEL64", "mipsel64"},
        {"SCMP_ARCH_MIPSEL64N32", "mipsel64n32"},
        {"SCMP_ARCH_PPC", "ppc"},
        {"SCMP_ARCH_PPC64", "ppc64"},
        {"SCMP_ARCH_PPC64LE", "ppc64le"},
        {"SCMP_ARCH_S390", "s390"},
        {"SCMP_ARCH_S390X", "s390x"},
        {"SCMP_ARCH_PARISC", "parisc"},
        {"SCMP_ARCH_PARISC64", "parisc64"},
        {"SCMP_ARCH_RISCV64", "riscv64"},
        {"SCMP_ARCH_SH", "sh"},
        {"SCMP_ARCH_SHEB", "sheb"},
};

/* attr 0 (_SCMP_FLTATR_MIN): this libseccomp has no attribute for it. */
static const struct {
        const char *name;
        unsigned long kernel_flag;
        enum scmp_filter_attr attr;
        unsigned api_level; /* seccomp_api_get() needed to set it */
} flags[] = {
        {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC, SCMP_FLTATR_CTL_TSYNC, 2},
        {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG, SCMP_FLTATR_CTL_LOG, 3},
        {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW, SCMP_FLTATR_CTL_SSB, 4},
#ifdef SCMP_FLTATR_CTL_WAITKILL
        {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
         SCMP_FLTATR_CTL_WAITKILL, 7},
#else
        {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
         _SCMP_FLTATR_MIN, 0},
#endif
};

static int name_index(const char *const *names, size_t n, const char *name)
{
        if (!name)
                return -1;
        for (size_t i = 0; i < n; i++)
                if (names[i] && strcmp(names[i], name) == 0)
                        return (int)i;
        return -1;
}

int casca_seccomp_action_from_name(const char *name)
{
        return name_index(action_names, ARRAY_SIZE(action_names), name);
}

const char *casca_seccomp_action_name(enum casca_seccomp_action a)
{
        return (size_t)a < ARRAY_SIZE(action_names) ? action_names[a] : NULL;
}

int casca_seccomp_op_from_name(const char *name)
{
        return name_index(op_names, ARRAY_SIZE(op_names), name);
}

const char *casca_seccomp_op_name(enum casca_seccomp_op op)
{
        return (size_t)op < ARRAY_SIZE(op_names) ? op_names[op] : NULL;
}

enum scmp_compare casca_seccomp_op_value(enum casca_seccomp_op op)
{
        return (size_t)op < ARRAY_SIZE(op_values) ? op_values[op] : _SCMP_CMP_MIN;
}

int casca_seccomp_action_value(enum casca_seccomp_action a, bool has_errno_ret, uint32_t errno_ret,
                               uint32_t *ret_value)
{
        uint32_t e = has_errno_ret ? errno_ret : EPERM;

        if (has_errno_ret && a != CASCA_SCMP_ERRNO && a != CASCA_SCMP_TRACE)
                return -EINVAL;
        if (e > (a == CASCA_SCMP_TRACE ? SECCOMP_TRACE_MAX : SECCOMP_ERRNO_MAX))
                return -ERANGE;
        switch (a) {
        case CASCA_SCMP_KILL:
        case CASCA_SCMP_KILL_THREAD:
                *ret_value = SCMP_ACT_KILL_THREAD;
                return 0;
        case CASCA_SCMP_KILL_PROCESS:
                *ret_value = SCMP_ACT_KILL_PROCESS;
                return 0;
        case CASCA_SCMP_TRAP:
                *ret_value = SCMP_ACT_TRAP;
                return 0;
        case CASCA_SCMP_ERRNO:
                *ret_value = SCMP_ACT_ERRNO(e);
                return 0;
        case CASCA_SCMP_TRACE:
                *ret_value = SCMP_ACT_TRACE(e);
                return 0;
        case CASCA_SCMP_ALLOW:
                *ret_value = SCMP_ACT_ALLOW;
                return 0;
        case CASCA_SCMP_LOG:
                *ret_value = SCMP_ACT_LOG;
                return 0;
        case CASCA_SCMP_NOTIFY:
                *ret_value = SCMP_ACT_NOTIFY;
                return 0;
        }
        return -EINVAL;
}

const char *casca_seccomp_arch_name(size_t i)
{
        return i < ARRAY_SIZE(arches) ? arches[i].oci : NULL;
}

int casca_seccomp_arch_lookup(const char *name, uint32_t *ret_token)
{
        for (size_t i = 0; name && i < ARRAY_SIZE(arches); i++) {
                uint32_t token;

                if (strcmp(arches[i].oci, name) != 0)
                        continue;
                token = seccomp_arch_resolve_name(arches[i].scmp);
                if (token == 0)
                        return -EOPNOTSUPP;
                *ret_token = token;
                return 0;
        }
        return -ENOENT;
}

const char *casca_seccomp_arch_native_name(void)
{
        uint32_t native = seccomp_arch_native();

        for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
                if (seccomp_arch_resolve_name(arches[i].scmp) == native)
                        return arches[i].oci;
        return NULL;
}

const char *casca_seccomp_flag_name(size_t i)
{
        return i < ARRAY_SIZE(flags) ? flags[i].name : NULL;
}

int casca_seccomp_flag_lookup(const char *name, enum scmp_filter_attr *ret_attr)
{
        for (size_t i = 0; name && i < ARRAY_SIZE(flags); i++) {
                if (strcmp(flags[i].name, name) != 0)
                        continue;
                if (flags[i].attr == _SCMP_FLTATR_MIN || seccomp_api_get() < flags[i].api_level)
                        return -EOPNOTSUPP;
                *ret_attr = flags[i].attr;
                return 0;
        }
        return -ENOENT;
}

bool casca_seccomp_flag_kernel_supported(const char *name)
{
        for (size_t i = 0; name && i < ARRAY_SIZE(flags); i++) {
                if (strcmp(flags[i].name, name) != 0)
                        continue;
                /* A NULL program: a known flag fails with EFAULT when the
                 * program is read, an unknown one with EINVAL before that.
                 * Nothing is installed either way. */
                if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags[i].kernel_flag, NULL) == 0)
                        return true; /* not reached */
                return errno == EFAULT;
        }
        return false;
}
