/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* seccomp-no-parts.so - LD_PRELOAD shim for tests: libseccomp's
 * seccomp_arch_remove() fails with EOPNOTSUPP, as if a libseccomp could
 * not take the native architecture out of a filter: the split filter's
 * part for a foreign architecture cannot be built (seccomp/cache.c then
 * compiles the whole filter as one program). */
#include <errno.h>
#include <stdint.h>

typedef void *scmp_filter_ctx;

int seccomp_arch_remove(scmp_filter_ctx ctx, uint32_t arch_token);

int seccomp_arch_remove(scmp_filter_ctx ctx, uint32_t arch_token)
{
        (void)ctx;
        (void)arch_token;
        return -EOPNOTSUPP;
}
