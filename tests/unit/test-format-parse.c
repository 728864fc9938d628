/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The checked snprintf (util/format.h) and integer parser (util/parse.h). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "util/format.h"
#include "util/parse.h"

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
        return tap_done();
}
