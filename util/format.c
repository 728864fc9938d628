/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* format.c - checked snprintf(), RFC 3339 times. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Floor division: the day of a time before 1970 is the one it falls in. */
static int64_t floor_div(int64_t a, int64_t b)
{
        return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

const char *casca_format_rfc3339(char buf[CASCA_RFC3339_MAX], const struct timespec *ts, bool nanos)
{
        int64_t days = floor_div(ts->tv_sec, 86400), secs = ts->tv_sec - days * 86400;
        /* Days counted from 0000-03-01, so that a leap day is the last day
         * of its year; years in 400-year eras of 146097 days. */
        int64_t z = days + 719468, era = floor_div(z, 146097);
        int64_t doe = z - era * 146097;                                      /* [0, 146096] */
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
        int64_t mp = (5 * doy + 2) / 153;                                    /* 0 is March */
        int64_t day = doy - (153 * mp + 2) / 5 + 1;
        int64_t month = mp < 10 ? mp + 3 : mp - 9;
        int64_t year = yoe + era * 400 + (month <= 2);
        char frac[16] = "";

        if (nanos)
                casca_snprintf_trunc(frac, sizeof(frac), ".%09ld", (long)ts->tv_nsec);
        casca_snprintf_trunc(buf, CASCA_RFC3339_MAX, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld%sZ",
                             (long long)year, (long long)month, (long long)day,
                             (long long)(secs / 3600), (long long)(secs / 60 % 60),
                             (long long)(secs % 60), frac);
        return buf;
}

char *casca_now_rfc3339(bool nanos)
{
        char buf[CASCA_RFC3339_MAX];
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return strdup(casca_format_rfc3339(buf, &ts, nanos));
}
