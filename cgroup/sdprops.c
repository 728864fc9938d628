/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sdprops.c - the `org.systemd.property.<Name>` annotations, as runc reads
 * them (libcontainer/specconv, initSystemdProps): each one is a unit
 * property the systemd cgroup driver adds to StartTransientUnit.  Pure: no
 * bus, so that create can refuse a bad one before it makes anything.
 *
 * The rules (runc's):
 *   - <Name> is latin letters only, at least 3 of them;
 *   - the value is a GVariant text value (godbus's ParseVariant, GLib's
 *     format): true/false; 'string' or "string" (backslash escapes); a
 *     number (int32 unless it has a '.' or an 'e': double; "0x" is hex, a
 *     leading 0 octal); a type keyword before a value (boolean, byte,
 *     int16, uint16, int32, uint32, int64, uint64, double, string,
 *     objectpath) or "@<signature>"; an array "[v, v]" of those ("@as []"
 *     for an empty one);
 *   - a <Name> ending in a lowercase letter and "Sec" (TimeoutStopSec) is
 *     seconds: any number, a double too, becomes <Name-without-Sec>USec in
 *     microseconds as uint64.
 * What casca parses no further (variants, dicts, tuples, byte strings,
 * signatures) is refused, never dropped; so are a negative number of
 * seconds and the properties casca itself sets to run the container
 * (Slice, Delegate, PIDs: linux.cgroupsPath chooses the slice). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "util/parse.h"

#define MAX_ELEMS 1024

static const struct {
        const char *word;
        char type;
} type_words[] = {
        {"boolean", 'b'}, {"byte", 'y'},   {"int16", 'n'},      {"uint16", 'q'},
        {"int32", 'i'},   {"uint32", 'u'}, {"int64", 'x'},      {"uint64", 't'},
        {"double", 'd'},  {"string", 's'}, {"objectpath", 'o'},
};

static bool is_basic(char t)
{
        return t && strchr("bynqiuxtdso", t);
}

static bool is_number(char t)
{
        return t && strchr("ynqiuxtd", t);
}

struct parser {
        const char *s, *p;
        char msg[160];
};

/* The first problem found: msg, with the text it is about (NULL: none). */
static int fail(struct parser *ps, const char *msg, const char *what)
{
        if (!ps->msg[0] && what)
                casca_snprintf_trunc(ps->msg, sizeof(ps->msg), "%s \"%s\"", msg, what);
        else if (!ps->msg[0])
                casca_snprintf_trunc(ps->msg, sizeof(ps->msg), "%s", msg);
        return -EINVAL;
}

static void skip_ws(struct parser *ps)
{
        while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
                ps->p++;
}

static bool is_word_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
}

static void utf8_put(char **o, unsigned long cp)
{
        unsigned char *u = (unsigned char *)*o;

        if (cp < 0x80) {
                *u++ = (unsigned char)cp;
        } else if (cp < 0x800) {
                *u++ = (unsigned char)(0xc0 | (cp >> 6));
                *u++ = (unsigned char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
                *u++ = (unsigned char)(0xe0 | (cp >> 12));
                *u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
                *u++ = (unsigned char)(0x80 | (cp & 0x3f));
        } else {
                *u++ = (unsigned char)(0xf0 | (cp >> 18));
                *u++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
                *u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
                *u++ = (unsigned char)(0x80 | (cp & 0x3f));
        }
        *o = (char *)u;
}

/* Strict UTF-8 (what D-Bus accepts in a string): no overlong forms, no
 * surrogates, nothing past U+10FFFF, no NUL. */
static bool utf8_valid(const char *s)
{
        const unsigned char *u = (const unsigned char *)s;

        while (*u) {
                unsigned long cp;
                int n;

                if (*u < 0x80) {
                        u++;
                        continue;
                }
                if ((*u & 0xe0) == 0xc0)
                        n = 1, cp = *u & 0x1f;
                else if ((*u & 0xf0) == 0xe0)
                        n = 2, cp = *u & 0x0f;
                else if ((*u & 0xf8) == 0xf0)
                        n = 3, cp = *u & 0x07;
                else
                        return false;
                u++;
                for (int i = 0; i < n; i++, u++) {
                        if ((*u & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (*u & 0x3f);
                }
                if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
                    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
        }
        return true;
}

/* 'text' or "text" with GVariant's escapes, into a malloc'd string. */
static int parse_string(struct parser *ps, char **ret)
{
        char quote = *ps->p++, *out, *o;
        const char *start = ps->p;
        size_t len = 0;

        while (ps->p[len] && ps->p[len] != quote)
                len += ps->p[len] == '\\' && ps->p[len + 1] ? 2 : 1;
        if (ps->p[len] != quote)
                return fail(ps, "an unterminated string", NULL);
        out = o = malloc(len * 2 + 1); /* \uXXXX: 6 bytes to 3, \UXXXXXXXX: 10 to 4 */
        if (!out)
                return -ENOMEM;
        while (ps->p < start + len) {
                char c = *ps->p++;
                unsigned long cp;
                int digits;

                if (c != '\\') {
                        *o++ = c;
                        continue;
                }
                c = *ps->p++;
                switch (c) {
                case 'a':
                        *o++ = '\a';
                        break;
                case 'b':
                        *o++ = '\b';
                        break;
                case 'f':
                        *o++ = '\f';
                        break;
                case 'n':
                        *o++ = '\n';
                        break;
                case 'r':
                        *o++ = '\r';
                        break;
                case 't':
                        *o++ = '\t';
                        break;
                case '\n':
                        break;
                case 'u':
                case 'U':
                        digits = c == 'u' ? 4 : 8;
                        cp = 0;
                        for (int i = 0; i < digits; i++, ps->p++) {
                                char h = *ps->p;
                                int d = h >= '0' && h <= '9'   ? h - '0'
                                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                        : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                               : -1;

                                if (d < 0 || ps->p >= start + len) {
                                        free(out);
                                        return fail(ps, "a bad escape in a string:",
                                                    c == 'u' ? "\\u" : "\\U");
                                }
                                cp = cp * 16 + (unsigned long)d;
                        }
                        if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                                free(out);
                                return fail(ps,
                                            "a bad escape in a string:", c == 'u' ? "\\u" : "\\U");
                        }
                        utf8_put(&o, cp);
                        break;
                default:
                        *o++ = c;
                        break;
                }
        }
        *o = '\0';
        ps->p = start + len + 1;
        if (!utf8_valid(out)) {
                free(out);
                return fail(ps, "a string that is not UTF-8", NULL);
        }
        *ret = out;
        return 0;
}

static bool object_path_ok(const char *s)
{
        if (s[0] != '/')
                return false;
        if (!s[1])
                return true;
        for (const char *c = s + 1;; c++) {
                if (*c == '/' || !*c) {
                        if (!is_word_char(c[-1]))
                                return false; /* "//" or a trailing '/' */
                        if (!*c)
                                return true;
                } else if (!is_word_char(*c)) {
                        return false;
                }
        }
}

/* A number token as type t ('\0': as the text says, int32 or double). */
static int parse_number(struct parser *ps, char t, union casca_sdvalue *ret, char *ret_type)
{
        const char *start = ps->p, *digits;
        char tok[64], *end;
        size_t len = 0;
        bool neg = false, dbl;
        int base = 10;

        while (ps->p[len] && (is_word_char(ps->p[len]) || strchr("+-.", ps->p[len])))
                len++;
        if (len == 0 || len >= sizeof(tok))
                return fail(ps, "a bad number", NULL);
        memcpy(tok, start, len);
        tok[len] = '\0';
        ps->p += len;
        dbl = strpbrk(tok, ".e") != NULL && strncmp(tok, "0x", 2) != 0;
        if (!t)
                t = dbl ? 'd' : 'i';
        if (!is_number(t))
                return fail(ps, "a number where the type is not a number", NULL);
        *ret_type = t;
        if (t == 'd') {
                errno = 0;
                ret->d = strtod(tok, &end);
                if (errno || *end || end == tok || !isfinite(ret->d))
                        return fail(ps, "a bad number", tok);
                return 0;
        }
        if (dbl)
                return fail(ps, "not an integer:", tok);
        digits = tok;
        if (*digits == '-' || *digits == '+')
                neg = *digits++ == '-';
        if (strncmp(digits, "0x", 2) == 0)
                base = 16, digits += 2;
        else if (digits[0] == '0' && digits[1])
                base = 8, digits += 1;
        if (!*digits || strchr("+- ", *digits))
                return fail(ps, "a bad number", tok);
        if (strchr("yqut", t)) {
                static const uint64_t max[] = {['y'] = UINT8_MAX,
                                               ['q'] = UINT16_MAX,
                                               ['u'] = UINT32_MAX,
                                               ['t'] = UINT64_MAX};

                if (neg || casca_parse_u64_base(digits, base, max[(unsigned char)t], &ret->u) < 0)
                        return fail(ps, "out of range or not an integer:", tok);
        } else {
                static const int64_t max[] = {
                        ['n'] = INT16_MAX, ['i'] = INT32_MAX, ['x'] = INT64_MAX};
                uint64_t m;

                if (casca_parse_u64_base(digits, base, UINT64_MAX, &m) < 0 ||
                    casca_int64_from_sign(neg, m, -max[(unsigned char)t] - 1, max[(unsigned char)t],
                                          &ret->i) < 0)
                        return fail(ps, "out of range or not an integer:", tok);
        }
        return 0;
}

/* "@t", "@as", or a type keyword: the type of what follows. */
static int parse_type(struct parser *ps, char *ret_type, bool *ret_array)
{
        size_t len = 0;

        *ret_array = false;
        if (*ps->p == '@') {
                ps->p++;
                if (*ps->p == 'a') {
                        *ret_array = true;
                        ps->p++;
                }
                if (!is_basic(*ps->p) || is_word_char(ps->p[1]) || ps->p[1] == '(' ||
                    ps->p[1] == '{')
                        return fail(ps,
                                    "a type casca does not support (only basic types and "
                                    "arrays of them: @t, @as...)",
                                    NULL);
                *ret_type = *ps->p++;
                return 0;
        }
        while (is_word_char(ps->p[len]))
                len++;
        for (size_t i = 0; i < ARRAY_SIZE(type_words); i++)
                if (strlen(type_words[i].word) == len &&
                    strncmp(ps->p, type_words[i].word, len) == 0) {
                        *ret_type = type_words[i].type;
                        ps->p += len;
                        return 0;
                }
        return -ENOENT; /* not a type word */
}

/* One basic value of type t ('\0': inferred), after its type if any. */
static int parse_basic(struct parser *ps, char t, union casca_sdvalue *ret, char *ret_type)
{
        char c, inner = '\0';
        bool arr;
        int r;

        skip_ws(ps);
        if ((*ps->p == '@' || (*ps->p >= 'a' && *ps->p <= 'z')) &&
            (r = parse_type(ps, &inner, &arr)) != -ENOENT) {
                if (r < 0)
                        return r;
                if (arr)
                        return fail(ps, "an array inside an array", NULL);
                if (t && t != inner)
                        return fail(ps, "elements of different types in an array", NULL);
                t = inner;
                skip_ws(ps);
        }
        c = *ps->p;
        if (c == '\'' || c == '"') {
                if (t && t != 's' && t != 'o')
                        return fail(ps, "a string where the type is not a string", NULL);
                r = parse_string(ps, &ret->s);
                if (r < 0)
                        return r;
                *ret_type = t ? t : 's';
                if (*ret_type == 'o' && !object_path_ok(ret->s)) {
                        r = fail(ps, "not a D-Bus object path:", ret->s);
                        free(ret->s);
                        ret->s = NULL;
                        return r;
                }
                return 0;
        }
        if (strncmp(ps->p, "true", 4) == 0 || strncmp(ps->p, "false", 5) == 0) {
                bool v = ps->p[0] == 't';

                if (is_word_char(ps->p[v ? 4 : 5]))
                        return fail(ps, "unexpected", ps->p);
                if (t && t != 'b')
                        return fail(ps, "a boolean where the type is not boolean", NULL);
                ps->p += v ? 4 : 5;
                ret->b = v;
                *ret_type = 'b';
                return 0;
        }
        if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.')
                return parse_number(ps, t, ret, ret_type);
        if (c == '<' || c == '{' || c == '(' || (c == 'b' && (ps->p[1] == '\'' || ps->p[1] == '"')))
                return fail(ps,
                            "a GVariant casca does not support (variants, dictionaries, "
                            "tuples and byte strings are not)",
                            NULL);
        if (!c)
                return fail(ps, "no value", NULL);
        return fail(ps, "unexpected", ps->p);
}

static int add_elem(struct casca_sdprop *p, const union casca_sdvalue *v)
{
        union casca_sdvalue *n;

        if (p->n >= MAX_ELEMS)
                return -E2BIG;
        n = realloc(p->v, (p->n + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        p->v = n;
        p->v[p->n++] = *v;
        return 0;
}

static void free_value_strings(struct casca_sdprop *p)
{
        if (p->type == 's' || p->type == 'o')
                for (size_t i = 0; i < p->n; i++)
                        free(p->v[i].s);
}

static int parse_array(struct parser *ps, struct casca_sdprop *p)
{
        int r;

        ps->p++; /* '[' */
        skip_ws(ps);
        if (*ps->p == ']') {
                ps->p++;
                if (!p->type)
                        return fail(ps, "an empty array without a type (write e.g. @as [])", NULL);
                return 0;
        }
        for (;;) {
                union casca_sdvalue v = {0};
                char t = '\0';

                r = parse_basic(ps, p->type, &v, &t);
                if (r < 0)
                        return r;
                if (p->type && p->type != t) {
                        if (t == 's' || t == 'o')
                                free(v.s);
                        return fail(ps, "elements of different types in an array", NULL);
                }
                p->type = t;
                r = add_elem(p, &v);
                if (r < 0) {
                        if (t == 's' || t == 'o')
                                free(v.s);
                        return r == -E2BIG ? fail(ps, "an array of more than 1024 elements", NULL)
                                           : r;
                }
                skip_ws(ps);
                if (*ps->p == ']') {
                        ps->p++;
                        return 0;
                }
                if (*ps->p != ',')
                        return fail(ps, "expected ',' or ']' in an array", NULL);
                ps->p++;
        }
}

/* The value's text -> p (type, array, elements). */
static int parse_value(struct parser *ps, struct casca_sdprop *p)
{
        bool arr = false;
        int r;

        skip_ws(ps);
        if (*ps->p == '@' || (*ps->p >= 'a' && *ps->p <= 'z')) {
                char t = '\0';

                r = parse_type(ps, &t, &arr);
                if (r < 0 && r != -ENOENT)
                        return r;
                if (r == 0) {
                        p->type = t;
                        skip_ws(ps);
                        if (arr && *ps->p != '[')
                                return fail(ps, "an array type without an array", NULL);
                        if (!arr && *ps->p == '[')
                                return fail(ps, "an array where the type is not an array", NULL);
                }
        }
        if (*ps->p == '[') {
                p->array = true;
                r = parse_array(ps, p);
        } else {
                union casca_sdvalue v = {0};
                char t = '\0';

                r = parse_basic(ps, p->type, &v, &t);
                if (r == 0) {
                        p->type = t;
                        r = add_elem(p, &v);
                        if (r < 0 && (t == 's' || t == 'o'))
                                free(v.s);
                }
        }
        if (r < 0)
                return r;
        skip_ws(ps);
        if (*ps->p)
                return fail(ps, "unexpected text after the value:", ps->p);
        return 0;
}

/* Seconds (any number) -> microseconds as uint64. */
static int sec_to_usec(struct parser *ps, struct casca_sdprop *p)
{
        union casca_sdvalue *v = &p->v[0];
        uint64_t sec;

        if (p->array || !is_number(p->type))
                return fail(ps, "a number of seconds was expected", NULL);
        if (p->type == 'd') {
                if (!(v->d >= 0) || v->d * 1e6 >= 18446744073709551615.0)
                        return fail(ps, "seconds out of range", NULL);
                v->u = (uint64_t)(v->d * 1e6);
        } else {
                if (strchr("nix", p->type) && v->i < 0)
                        return fail(ps, "negative seconds", NULL);
                sec = strchr("nix", p->type) ? (uint64_t)v->i : v->u;
                if (sec > UINT64_MAX / 1000000)
                        return fail(ps, "seconds out of range", NULL);
                v->u = sec * 1000000;
        }
        p->type = 't';
        return 0;
}

static bool name_ok(const char *name)
{
        size_t n = 0;

        for (; name[n]; n++)
                if (!((name[n] >= 'a' && name[n] <= 'z') || (name[n] >= 'A' && name[n] <= 'Z')))
                        return false;
        return n >= 3;
}

void casca_cgroup_sdprop_clear(struct casca_sdprop *p)
{
        free_value_strings(p);
        free(p->v);
        free(p->name);
        memset(p, 0, sizeof(*p));
}

int casca_cgroup_sdprop_parse(const char *key, const char *value, struct casca_sdprop *ret,
                              struct casca_error **err)
{
        static const char *const refused[] = {"Slice", "Delegate", "PIDs"};
        struct casca_sdprop p = {.key = key};
        struct parser ps = {.s = value, .p = value};
        const char *name = key + strlen(CASCA_SDPROP_PREFIX);
        size_t len = strlen(name);
        int r;

        if (strncmp(key, CASCA_SDPROP_PREFIX, strlen(CASCA_SDPROP_PREFIX)) != 0)
                return casca_error_setx(err, EINVAL, "annotations[\"%s\"]: not a systemd property",
                                        key);
        if (!name_ok(name))
                return casca_error_setx(err, EINVAL,
                                        "annotations[\"%s\"]: \"%s\" is not a systemd property "
                                        "name (latin letters only, at least 3)",
                                        key, name);
        r = parse_value(&ps, &p);
        /* TimeoutStopSec -> TimeoutStopUSec, seconds -> microseconds */
        if (r == 0 && len > 3 && strcmp(name + len - 3, "Sec") == 0 && name[len - 4] >= 'a' &&
            name[len - 4] <= 'z') {
                r = sec_to_usec(&ps, &p);
                if (r == 0 && asprintf(&p.name, "%.*sUSec", (int)(len - 3), name) < 0)
                        r = -ENOMEM;
        } else if (r == 0 && !(p.name = strdup(name))) {
                r = -ENOMEM;
        }
        if (r < 0) {
                casca_cgroup_sdprop_clear(&p);
                if (r == -ENOMEM)
                        return casca_error_set(err, ENOMEM, "annotations[\"%s\"]", key);
                return casca_error_setx(err, EINVAL,
                                        "annotations[\"%s\"]: value \"%s\" is not a GVariant "
                                        "value casca understands: %s",
                                        key, value, ps.msg);
        }
        for (size_t i = 0; i < ARRAY_SIZE(refused); i++)
                if (strcmp(p.name, refused[i]) == 0) {
                        casca_error_setx(err, EINVAL,
                                         "annotations[\"%s\"]: casca sets the unit's %s itself "
                                         "(%s); it cannot be an annotation",
                                         key, p.name,
                                         i == 0 ? "from linux.cgroupsPath \"slice:prefix:name\""
                                                : "it runs the container");
                        casca_cgroup_sdprop_clear(&p);
                        return -EINVAL;
                }
        *ret = p;
        return 0;
}

void casca_cgroup_sdprops_clear(struct casca_sdprops *s)
{
        for (size_t i = 0; i < s->n; i++)
                casca_cgroup_sdprop_clear(&s->v[i]);
        free(s->v);
        s->v = NULL;
        s->n = 0;
}

int casca_cgroup_sdprops_parse(const struct casca_kv *kv, size_t n, struct casca_sdprops *ret,
                               struct casca_error **err)
{
        struct casca_sdprops s = {0};
        int r;

        for (size_t i = 0; i < n; i++) {
                struct casca_sdprop p, *grown;

                if (strncmp(kv[i].key, CASCA_SDPROP_PREFIX, strlen(CASCA_SDPROP_PREFIX)) != 0)
                        continue;
                r = casca_cgroup_sdprop_parse(kv[i].key, kv[i].value, &p, err);
                if (r < 0)
                        goto fail;
                for (size_t k = 0; k < s.n; k++)
                        if (strcmp(s.v[k].name, p.name) == 0) {
                                r = casca_error_setx(err, EINVAL,
                                                     "annotations[\"%s\"] and [\"%s\"] both set "
                                                     "the property %s",
                                                     s.v[k].key, p.key, p.name);
                                casca_cgroup_sdprop_clear(&p);
                                goto fail;
                        }
                grown = realloc(s.v, (s.n + 1) * sizeof(*grown));
                if (!grown) {
                        casca_cgroup_sdprop_clear(&p);
                        r = casca_error_set(err, ENOMEM, "annotations");
                        goto fail;
                }
                s.v = grown;
                s.v[s.n++] = p;
        }
        *ret = s;
        return 0;
fail:
        casca_cgroup_sdprops_clear(&s);
        return r;
}

const struct casca_sdprop *casca_cgroup_sdprops_find(const struct casca_sdprops *s,
                                                     const char *name)
{
        for (size_t i = 0; s && i < s->n; i++)
                if (strcmp(s->v[i].name, name) == 0)
                        return &s->v[i];
        return NULL;
}

bool casca_cgroup_sdprop_is_stop(const struct casca_sdprop *p)
{
        return strcmp(p->name, "KillSignal") == 0 || strcmp(p->name, "TimeoutStopUSec") == 0;
}
