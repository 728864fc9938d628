/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tap.h - a tiny TAP producer for the unit tests. */
#ifndef CASCA_TAP_H
#define CASCA_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline __attribute__((format(printf, 4, 5))) int tap_ok(int cond, const char *file, int line,
                                                               const char *fmt, ...)
{
        va_list ap;

        tap_n++;
        if (!cond)
                tap_failed++;
        printf("%sok %d - ", cond ? "" : "not ", tap_n);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        if (!cond)
                printf("#   failed at %s:%d\n", file, line);
        return cond;
}

static inline int tap_streq(const char *got, const char *want)
{
        int c = (got && want) ? strcmp(got, want) == 0 : got == want;
        if (!c)
                printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
                       want ? want : "(null)");
        return c;
}

static inline int tap_inteq(long long got, long long want)
{
        if (got != want)
                printf("#   got:  %lld\n#   want: %lld\n", got, want);
        return got == want;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_ok(tap_streq((got), (want)), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                                                     \
        tap_ok(tap_inteq((long long)(got), (long long)(want)), __FILE__, __LINE__, __VA_ARGS__)

static inline int tap_done(void)
{
        printf("1..%d\n", tap_n);
        return tap_failed ? 1 : 0;
}

#endif
