/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* parse.c - checked decimal integers. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/parse.h"

/* The value of a digit in base (up to 16), or -1. */
static int digit_value(char c, unsigned base)
{
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;

        return d >= 0 && (unsigned)d < base ? d : -1;
}

/* The magnitude of the digits (in base) at s, capped at UINT64_MAX (then
 * -ERANGE). */
static int digits_base(const char *s, unsigned base, const char **ret_end, uint64_t *ret)
{
        uint64_t v = 0;
        int r = 0;

        if (digit_value(*s, base) < 0)
                return -EINVAL;
        for (int d; (d = digit_value(*s, base)) >= 0; s++) {
                if (v > (UINT64_MAX - (unsigned)d) / base)
                        r = -ERANGE;
                else
                        v = v * base + (unsigned)d;
        }
        if (ret_end)
                *ret_end = s;
        else if (*s)
                return -EINVAL;
        *ret = v;
        return r;
}

static int digits(const char *s, const char **ret_end, uint64_t *ret)
{
        return digits_base(s, 10, ret_end, ret);
}

int casca_parse_u64_base(const char *s, unsigned base, uint64_t max, uint64_t *ret)
{
        uint64_t v;
        int r;

        if (!s || base < 2 || base > 16)
                return -EINVAL;
        r = digits_base(s, base, NULL, &v);
        if (r < 0)
                return r;
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int casca_parse_u64(const char *s, const char **ret_end, uint64_t max, uint64_t *ret)
{
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        r = digits(s, ret_end, &v);
        if (r < 0)
                return r;
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int casca_int64_from_sign(bool neg, uint64_t m, int64_t min, int64_t max, int64_t *ret)
{
        int64_t v;

        if (neg) {
                if (m > (uint64_t)INT64_MAX + 1)
                        return -ERANGE;
                v = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
        } else {
                if (m > (uint64_t)INT64_MAX)
                        return -ERANGE;
                v = (int64_t)m;
        }
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int casca_parse_i64(const char *s, const char **ret_end, int64_t min, int64_t max, int64_t *ret)
{
        bool neg;
        uint64_t m;
        int r;

        if (!s)
                return -EINVAL;
        neg = *s == '-';
        r = digits(s + (neg || *s == '+'), ret_end, &m);
        if (r < 0)
                return r;
        return casca_int64_from_sign(neg, m, min, max, ret);
}

int casca_parse_uint(const char *s, const char **ret_end, unsigned max, unsigned *ret)
{
        uint64_t v;
        int r = casca_parse_u64(s, ret_end, max, &v);

        if (r < 0)
                return r;
        *ret = (unsigned)v;
        return 0;
}

int casca_parse_int(const char *s, const char **ret_end, int min, int max, int *ret)
{
        int64_t v;
        int r = casca_parse_i64(s, ret_end, min, max, &v);

        if (r < 0)
                return r;
        *ret = (int)v;
        return 0;
}
