/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* format.c - checked snprintf(). */
#include <errno.h>
#include <stdio.h>

#include "util/format.h"

int casca_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
        int n = vsnprintf(buf, size, fmt, ap);

        if (n < 0)
                return -EINVAL;
        if ((size_t)n >= size)
                return -ENAMETOOLONG;
        return n;
}

int casca_snprintf(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = casca_vsnprintf(buf, size, fmt, ap);
        va_end(ap);
        return n;
}

void casca_snprintf_trunc(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        if (vsnprintf(buf, size, fmt, ap) < 0 && size > 0)
                buf[0] = '\0';
        va_end(ap);
}

const char *casca_fd_path(char buf[CASCA_FD_PATH_MAX], int fd)
{
        /* "/proc/self/fd/" is 14 bytes, an int at most 11, and the NUL */
        _Static_assert(CASCA_FD_PATH_MAX >= 14 + 11 + 1, "CASCA_FD_PATH_MAX");
        casca_snprintf_trunc(buf, CASCA_FD_PATH_MAX, "/proc/self/fd/%d", fd);
        return buf;
}
