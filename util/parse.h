/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* parse.h - decimal integers from text (command-line values, /proc and
 * cgroup files): one checked parser instead of strto*() and its errno,
 * end pointer and sign rules at each call. */
#ifndef CASCA_UTIL_PARSE_H
#define CASCA_UTIL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* A decimal integer at the start of s, as Go's strconv reads one (runc's
 * flags): digits only, and for the signed one a leading '-' or '+'; no
 * whitespace.  With ret_end, *ret_end gets what follows the digits;
 * without it the number must be all of s.  0, -EINVAL (no number, or
 * something after it) or -ERANGE (outside [min, max] or the type). */
int casca_parse_u64(const char *s, const char **ret_end, uint64_t max, uint64_t *ret);
int casca_parse_i64(const char *s, const char **ret_end, int64_t min, int64_t max, int64_t *ret);
/* All of s as digits in base (2 to 16: 0-9, a-f, A-F), no sign, no prefix:
 * 0, -EINVAL or -ERANGE (above max). */
int casca_parse_u64_base(const char *s, unsigned base, uint64_t max, uint64_t *ret);
/* The signed value of a sign and a magnitude, within [min, max]: 0 or
 * -ERANGE (the JSON reader's integers come in this shape too). */
int casca_int64_from_sign(bool neg, uint64_t m, int64_t min, int64_t max, int64_t *ret);
/* The same into an unsigned int or an int (pids, fds, counts). */
int casca_parse_uint(const char *s, const char **ret_end, unsigned max, unsigned *ret);
int casca_parse_int(const char *s, const char **ret_end, int min, int max, int *ret);

#endif
