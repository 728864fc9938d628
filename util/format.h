/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* format.h - snprintf() that says whether the text fit.  A raw snprintf()
 * whose result nobody looks at silently cuts a path or a value short; the
 * lint lane refuses snprintf() outside util/. */
#ifndef CASCA_UTIL_FORMAT_H
#define CASCA_UTIL_FORMAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Format into buf (size bytes): the length written, or -ENAMETOOLONG when
 * the whole text did not fit (buf then holds what did, NUL-terminated),
 * -EINVAL on an output error.  The result must be looked at. */
int casca_snprintf(char *buf, size_t size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4), warn_unused_result));
int casca_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0), warn_unused_result));
/* For text that may be cut short on purpose (a command line shown by ps,
 * a kernel message, a name in a fixed field): buf holds what fit. */
void casca_snprintf_trunc(char *buf, size_t size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* "/proc/self/fd/<fd>" in a buffer that always holds it; CASCA_FD_PATH()
 * in a compound literal that lives as long as the block it is used in. */
#define CASCA_FD_PATH_MAX 32
const char *casca_fd_path(char buf[CASCA_FD_PATH_MAX], int fd);
#define CASCA_FD_PATH(fd) casca_fd_path((char[CASCA_FD_PATH_MAX]){0}, (fd))

/* ts as RFC 3339 in UTC: "2026-12-07T08:01:02.000123456Z" with nanos,
 * else "2026-12-07T08:01:02Z".  The calendar is worked out by arithmetic
 * (proleptic Gregorian, as gmtime_r()), not by gmtime_r(), whose first call
 * in a process reads /etc/localtime for a zone UTC does not need. */
#define CASCA_RFC3339_MAX 48
const char *casca_format_rfc3339(char buf[CASCA_RFC3339_MAX], const struct timespec *ts,
                                 bool nanos);
/* The realtime clock's now, so formatted, malloc'd; NULL on ENOMEM. */
char *casca_now_rfc3339(bool nanos);

#endif
