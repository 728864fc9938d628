/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-sdprops.c - the org.systemd.property.* annotations: names, GVariant
 * text values, the Sec -> USec conversion, what is refused. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casca.h"
#include "cgroup/cgroup.h"
#include "tap.h"
#include "util/cleanup.h"

static char out[512];

/* Parse and render "Name:type=v" ("Name:at=[1,2]"), or the error. */
static const char *prop(const char *name, const char *value)
{
        struct casca_error *err = NULL;
        struct casca_sdprop p = {0};
        char key[128];
        size_t len;

        snprintf(key, sizeof(key), CASCA_SDPROP_PREFIX "%s", name);
        if (casca_cgroup_sdprop_parse(key, value, &p, &err) < 0) {
                snprintf(out, sizeof(out), "ERR %s", err ? err->msg : "(no message)");
                casca_error_free(err);
                return out;
        }
        len = (size_t)snprintf(out, sizeof(out), "%s:%s%c=%s", p.name, p.array ? "a" : "", p.type,
                               p.array ? "[" : "");
        for (size_t i = 0; i < p.n; i++) {
                const union casca_sdvalue *v = &p.v[i];
                char one[256];

                if (p.type == 'b')
                        snprintf(one, sizeof(one), "%s", v->b ? "true" : "false");
                else if (strchr("yqut", p.type))
                        snprintf(one, sizeof(one), "%" PRIu64, v->u);
                else if (strchr("nix", p.type))
                        snprintf(one, sizeof(one), "%" PRId64, v->i);
                else if (p.type == 'd')
                        snprintf(one, sizeof(one), "%g", v->d);
                else
                        snprintf(one, sizeof(one), "%s", v->s);
                len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", i ? "," : "", one);
        }
        if (p.array)
                snprintf(out + len, sizeof(out) - len, "]");
        casca_cgroup_sdprop_clear(&p);
        return out;
}

static int starts(const char *s, const char *prefix)
{
        int c = strncmp(s, prefix, strlen(prefix)) == 0;

        if (!c)
                printf("#   got:  '%s'\n#   want: '%s...'\n", s, prefix);
        return c;
}

static void test_values(void)
{
        static const struct {
                const char *name, *value, *want, *what;
        } cases[] = {
                {"CollectMode", "'inactive-or-failed'", "CollectMode:s=inactive-or-failed",
                 "single-quoted string"},
                {"Description", "\"a \\\"b\\\" c\"", "Description:s=a \"b\" c",
                 "double-quoted string with escapes"},
                {"Description", "'caf\\u00e9'", "Description:s=caf\xc3\xa9", "\\u escape"},
                {"SendSIGHUP", "true", "SendSIGHUP:b=true", "true"},
                {"SendSIGHUP", " false ", "SendSIGHUP:b=false", "false, blanks around"},
                {"TimeoutStopUSec", "uint64 123456789", "TimeoutStopUSec:t=123456789",
                 "uint64 keyword (runc's documented example)"},
                {"TimeoutStopUSec", "@t 5", "TimeoutStopUSec:t=5", "@t"},
                {"CPUWeight", "uint64 18446744073709551615", "CPUWeight:t=18446744073709551615",
                 "uint64 max"},
                {"NiceValue", "int32 -5", "NiceValue:i=-5", "int32 negative"},
                {"NiceValue", "-5", "NiceValue:i=-5", "an untyped integer is int32"},
                {"FooBar", "int64 -9223372036854775808", "FooBar:x=-9223372036854775808",
                 "int64 min"},
                {"FooBar", "uint32 4294967295", "FooBar:u=4294967295", "uint32 max"},
                {"FooBar", "@u 0x10", "FooBar:u=16", "hex"},
                {"FooBar", "@q 010", "FooBar:q=8", "a leading 0 is octal (godbus)"},
                {"FooBar", "byte 255", "FooBar:y=255", "byte"},
                {"FooBar", "int16 -32768", "FooBar:n=-32768", "int16 min"},
                {"FooBar", "1.5", "FooBar:d=1.5", "an untyped number with '.' is a double"},
                {"FooBar", "objectpath '/org/x'", "FooBar:o=/org/x", "objectpath"},
                {"After", "['a.service', \"b.service\"]", "After:as=[a.service,b.service]",
                 "array of strings"},
                {"After", "@as []", "After:as=[]", "typed empty array"},
                {"FooBar", "[uint32 1, 2]", "FooBar:au=[1,2]", "array typed by an element"},
                {"FooBar", "@au [1, 2]", "FooBar:au=[1,2]", "@au array"},
                {"TimeoutStopSec", "5", "TimeoutStopUSec:t=5000000",
                 "TimeoutStopSec 5 (int32) -> TimeoutStopUSec 5 s in usec"},
                {"TimeoutStopSec", "uint64 2", "TimeoutStopUSec:t=2000000", "uint64 seconds"},
                {"TimeoutStopSec", "1.5", "TimeoutStopUSec:t=1500000",
                 "a double of seconds (runc converts \"d\" too)"},
                {"RuntimeMaxSec", "byte 3", "RuntimeMaxUSec:t=3000000", "byte seconds"},
                {"TimeoutStopUSec", "uint64 7", "TimeoutStopUSec:t=7",
                 "USec (an upper-case letter before Sec) is not converted"},
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                is_str(prop(cases[i].name, cases[i].value), cases[i].want, "%s", cases[i].what);
}

static void test_sec(void)
{
        ok(starts(prop("TimeoutStopSec", "-1"),
                  "ERR annotations[\"org.systemd.property.TimeoutStopSec\"]: value \"-1\""),
           "negative seconds refused");
        ok(strstr(out, "negative seconds") != NULL, "  saying why");
        ok(starts(prop("TimeoutStopSec", "'5'"),
                  "ERR annotations[\"org.systemd.property.TimeoutStopSec\"]: value \"'5'\""),
           "a string of seconds refused (runc: not a number)");
        ok(starts(prop("TimeoutStopSec", "uint64 18446744073709551615"), "ERR "),
           "seconds that overflow usec refused");
}

static void test_refused(void)
{
        ok(starts(prop("Ab", "true"),
                  "ERR annotations[\"org.systemd.property.Ab\"]: \"Ab\" is not a systemd property"),
           "a name of 2 letters refused");
        ok(starts(prop("Foo1", "true"), "ERR annotations[\"org.systemd.property.Foo1\"]"),
           "a digit in the name refused (runc: latin letters only)");
        ok(starts(prop("Foo_Bar", "true"), "ERR "), "'_' in the name refused");
        ok(starts(prop("", "true"), "ERR "), "an empty name refused");
        ok(starts(prop("fooBar", "true"), "fooBar:b=true"),
           "a lower-case first letter is a name (runc's check)");
        ok(starts(prop("CollectMode", "inactive-or-failed"),
                  "ERR annotations[\"org.systemd.property.CollectMode\"]: value "
                  "\"inactive-or-failed\" is not a GVariant value casca understands"),
           "an unquoted word refused, naming annotation and value");
        ok(starts(prop("FooBar", ""), "ERR "), "an empty value refused");
        ok(starts(prop("FooBar", "'abc"), "ERR "), "an unterminated string refused");
        ok(starts(prop("FooBar", "true false"), "ERR "), "text after the value refused");
        ok(starts(prop("FooBar", "uint64 -1"), "ERR "), "a negative uint64 refused");
        ok(starts(prop("FooBar", "uint32 4294967296"), "ERR "), "uint32 overflow refused");
        ok(starts(prop("FooBar", "int32 2147483648"), "ERR "), "int32 overflow refused");
        ok(starts(prop("FooBar", "2147483648"), "ERR "), "an untyped int32 overflow refused");
        ok(starts(prop("FooBar", "uint64 1.5"), "ERR "), "a fraction as uint64 refused");
        ok(starts(prop("FooBar", "uint64 'x'"), "ERR "), "a string as uint64 refused");
        ok(starts(prop("FooBar", "boolean 1"), "ERR "), "a number as boolean refused");
        ok(starts(prop("FooBar", "<5>"), "ERR "), "a variant refused (not supported)");
        ok(strstr(out, "not supported") || strstr(out, "does not support"), "  saying so");
        ok(starts(prop("FooBar", "{'a': 1}"), "ERR "), "a dictionary refused");
        ok(starts(prop("FooBar", "@a(ss) []"), "ERR "), "a tuple type refused");
        ok(starts(prop("FooBar", "b'abc'"), "ERR "), "a byte string refused");
        ok(starts(prop("FooBar", "[]"), "ERR "), "an untyped empty array refused");
        ok(starts(prop("FooBar", "[1, 'a']"), "ERR "), "mixed types in an array refused");
        ok(starts(prop("FooBar", "[1, 2"), "ERR "), "an unterminated array refused");
        ok(starts(prop("FooBar", "objectpath 'x/y'"), "ERR "), "a bad object path refused");
        ok(starts(prop("FooBar", "'\\uD800'"), "ERR "), "a surrogate escape refused");
        ok(starts(prop("FooBar", "'\xff'"), "ERR "), "a string that is not UTF-8 refused");
        ok(starts(prop("Slice", "'x.slice'"),
                  "ERR annotations[\"org.systemd.property.Slice\"]: casca sets the unit's Slice "
                  "itself"),
           "Slice refused: linux.cgroupsPath chooses it");
        ok(starts(prop("Delegate", "false"), "ERR "), "Delegate refused");
        ok(starts(prop("PIDs", "@au [1]"), "ERR "), "PIDs refused");
}

static void test_list(void)
{
        struct casca_kv kv[] = {
                {"org.example.other", "x"},
                {"org.systemd.property.TimeoutStopSec", "5"},
                {"org.systemd.property.CollectMode", "'inactive-or-failed'"},
                {"org.systemd.property.TimeoutStopUSec", "uint64 1"},
        };
        struct casca_error *err = NULL;
        struct casca_sdprops s = {0};
        int r;

        r = casca_cgroup_sdprops_parse(kv, 3, &s, &err);
        is_int(r, 0, "a list of annotations parses");
        is_int(s.n, 2, "only the org.systemd.property.* ones are kept");
        ok(s.n == 2 && strcmp(s.v[0].name, "TimeoutStopUSec") == 0 &&
                   strcmp(s.v[1].name, "CollectMode") == 0,
           "in document order, converted");
        ok(casca_cgroup_sdprops_find(&s, "CollectMode") == &s.v[1], "find by property name");
        ok(!casca_cgroup_sdprops_find(&s, "Description"), "find: absent");
        casca_cgroup_sdprops_clear(&s);

        r = casca_cgroup_sdprops_parse(kv, 4, &s, &err);
        ok(r < 0 && err &&
                   strstr(err->msg, "annotations[\"org.systemd.property.TimeoutStopSec\"] and "
                                    "[\"org.systemd.property.TimeoutStopUSec\"] both set the "
                                    "property TimeoutStopUSec"),
           "two annotations for one property refused: %s", err ? err->msg : "(none)");
        is_int(s.n, 0, "  nothing returned");
        casca_error_free(err);
}

int main(void)
{
        test_values();
        test_sec();
        test_refused();
        test_list();
        return tap_done();
}
