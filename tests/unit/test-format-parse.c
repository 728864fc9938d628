/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The checked snprintf and RFC 3339 times (util/format.h), and the integer
 * parser (util/parse.h). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "util/format.h"
#include "util/parse.h"

/* What gmtime_r() and strftime() make of t: the reference. */
static const char *reference(char buf[96], time_t t, long nsec)
{
        struct tm tm;
        char date[48];

        if (!gmtime_r(&t, &tm) || !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm))
                return "(gmtime_r failed)";
        if (nsec < 0)
                casca_snprintf_trunc(buf, 96, "%sZ", date);
        else
                casca_snprintf_trunc(buf, 96, "%s.%09ldZ", date, nsec);
        return buf;
}

/* casca_format_rfc3339() against gmtime_r() for n times from t0 on, step
 * apart; the first difference is reported. */
static void rfc3339_span(time_t t0, time_t step, long n, const char *what)
{
        char got[CASCA_RFC3339_MAX], want[96];
        long i;

        for (i = 0; i < n; i++) {
                struct timespec ts = {.tv_sec = t0 + (time_t)i * step, .tv_nsec = i % 1000000000};

                casca_format_rfc3339(got, &ts, true);
                if (strcmp(got, reference(want, ts.tv_sec, ts.tv_nsec)) != 0)
                        break;
                casca_format_rfc3339(got, &ts, false);
                if (strcmp(got, reference(want, ts.tv_sec, -1)) != 0)
                        break;
        }
        if (!ok(i == n, "rfc3339: %s: %ld times as gmtime_r has them", what, n))
                printf("# at %lld: %s, gmtime_r: %s\n", (long long)(t0 + (time_t)i * step), got,
                       want);
}

int main(void)
{
        char buf[8];
        const char *end;
        uint64_t u;
        int64_t i;
        unsigned ui;
        int si;

        is_int(casca_snprintf(buf, sizeof(buf), "%s", "abc"), 3, "fits: the length");
        is_str(buf, "abc", "fits: the text");
        is_int(casca_snprintf(buf, sizeof(buf), "%s", "abcdefgh"), -ENAMETOOLONG,
               "one byte too many: -ENAMETOOLONG");
        is_str(buf, "abcdefg", "cut short text is NUL-terminated");
        is_int(casca_snprintf(buf, sizeof(buf), "%s", "abcdefg"), 7, "exactly full fits");
        casca_snprintf_trunc(buf, sizeof(buf), "%d-%d", 1234, 5678);
        is_str(buf, "1234-56", "trunc keeps what fits");
        is_str(CASCA_FD_PATH(INT_MIN), "/proc/self/fd/-2147483648", "fd path holds any int");

        is_int(casca_parse_u64("18446744073709551615", NULL, UINT64_MAX, &u), 0, "u64 max parses");
        ok(u == UINT64_MAX, "u64 max value");
        is_int(casca_parse_u64("18446744073709551616", NULL, UINT64_MAX, &u), -ERANGE,
               "u64 max + 1: -ERANGE");
        is_int(casca_parse_u64("", NULL, UINT64_MAX, &u), -EINVAL, "empty: -EINVAL");
        is_int(casca_parse_u64("-1", NULL, UINT64_MAX, &u), -EINVAL, "a sign is not unsigned");
        is_int(casca_parse_u64("+1", NULL, UINT64_MAX, &u), -EINVAL, "nor is a plus");
        is_int(casca_parse_u64(" 1", NULL, UINT64_MAX, &u), -EINVAL, "no leading space");
        is_int(casca_parse_u64("12x", NULL, UINT64_MAX, &u), -EINVAL, "trailing text: -EINVAL");
        is_int(casca_parse_u64("12x", &end, UINT64_MAX, &u), 0, "trailing text with ret_end");
        ok(u == 12 && strcmp(end, "x") == 0, "ret_end points after the digits");
        is_int(casca_parse_u64("101", NULL, 100, &u), -ERANGE, "above max: -ERANGE");
        is_int(casca_parse_u64(NULL, NULL, 100, &u), -EINVAL, "NULL: -EINVAL");
        is_int(casca_parse_u64_base("ff", 16, UINT64_MAX, &u), 0, "base 16 parses");
        is_int(u, 255, "  to 255");
        is_int(casca_parse_u64_base("17", 8, UINT64_MAX, &u), 0, "base 8 parses");
        is_int(u, 15, "  to 15");
        is_int(casca_parse_u64_base("8", 8, UINT64_MAX, &u), -EINVAL, "8 is no octal digit");
        is_int(casca_parse_u64_base("ffffffffffffffff", 16, UINT64_MAX, &u), 0, "u64 max in hex");
        is_int(casca_parse_u64_base("10000000000000000", 16, UINT64_MAX, &u), -ERANGE,
               "past u64 in hex: -ERANGE");
        is_int(casca_parse_u64_base("100", 16, 255, &u), -ERANGE, "base 16 above max: -ERANGE");
        is_int(casca_parse_u64_base("", 16, UINT64_MAX, &u), -EINVAL, "base 16 empty: -EINVAL");
        is_int(casca_parse_u64_base("1", 17, UINT64_MAX, &u), -EINVAL, "base 17: -EINVAL");

        is_int(casca_parse_i64("-9223372036854775808", NULL, INT64_MIN, INT64_MAX, &i), 0,
               "i64 min parses");
        ok(i == INT64_MIN, "i64 min value");
        is_int(casca_parse_i64("-9223372036854775809", NULL, INT64_MIN, INT64_MAX, &i), -ERANGE,
               "below i64 min: -ERANGE");
        is_int(casca_parse_i64("9223372036854775808", NULL, INT64_MIN, INT64_MAX, &i), -ERANGE,
               "above i64 max: -ERANGE");
        is_int(casca_parse_i64("+7", NULL, INT64_MIN, INT64_MAX, &i), 0, "a plus sign");
        ok(i == 7, "+7 is 7");
        is_int(casca_parse_i64("-", NULL, INT64_MIN, INT64_MAX, &i), -EINVAL, "a sign alone");
        is_int(casca_parse_i64("-5", NULL, 0, 10, &i), -ERANGE, "below min: -ERANGE");

        is_int(casca_parse_uint("4294967295", NULL, UINT_MAX, &ui), 0, "uint max");
        ok(ui == UINT_MAX, "uint max value");
        is_int(casca_parse_uint("4294967296", NULL, UINT_MAX, &ui), -ERANGE, "uint max + 1");
        is_int(casca_parse_int("-2147483649", NULL, INT_MIN, INT_MAX, &si), -ERANGE, "int min - 1");
        is_int(casca_parse_int("-42", NULL, INT_MIN, INT_MAX, &si), 0, "int -42");
        is_int(si, -42, "int -42 value");

        char t[CASCA_RFC3339_MAX];
        is_str(casca_format_rfc3339(t, &(struct timespec){0, 0}, true),
               "1970-01-01T00:00:00.000000000Z", "rfc3339: the epoch");
        is_str(casca_format_rfc3339(t, &(struct timespec){951782400, 5}, false),
               "2000-02-29T00:00:00Z", "rfc3339: a leap day of a 400th year, no nanos");
        is_str(casca_format_rfc3339(t, &(struct timespec){4107542399, 999999999}, true),
               "2100-02-28T23:59:59.999999999Z", "rfc3339: 2100 has no 29 February");
        is_str(casca_format_rfc3339(t, &(struct timespec){-1, 0}, false), "1969-12-31T23:59:59Z",
               "rfc3339: a second before the epoch");
        is_str(casca_format_rfc3339(t, &(struct timespec){-62135596800, 0}, false),
               "0001-01-01T00:00:00Z", "rfc3339: the year 1 has four digits");
        /* every day from 1900 to 2500 at a second that moves through the
         * day, every 13th from 1000 (strftime's %Y has no leading zeros
         * before) to 9999, and every second of two days around a leap day */
        rfc3339_span(-2208988800, 86400 + 7, 600L * 36524 * 86400 / 100 / 86407, "1900-2500");
        rfc3339_span(-30610224000, 13 * 86400 + 7, 9000L * 36524 * 86400 / 100 / (13 * 86400 + 7),
                     "1000-9999");
        rfc3339_span(951696000 - 43200, 1, 2 * 86400, "seconds");
        return tap_done();
}
