/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json.c - the JSON reader: strict parsing (over yajl's parser and tree),
 * accessors and typed, path-aware getters. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "util/cleanup.h"
#include "util/json.h"
#include "util/format.h"
#include "util/parse.h"

/* A struct casca_json is a yajl tree node: the one place that knows. */
static yajl_val Y(const struct casca_json *v)
{
        return (yajl_val)v;
}

static const struct casca_json *J(yajl_val v)
{
        return (const struct casca_json *)v;
}

static void yajl_handle_freep(yajl_handle *h)
{
        if (*h)
                yajl_free(*h);
}

/* Run yajl's event parser without callbacks: it is strict (no comments,
 * no trailing garbage, UTF-8 checked) and tells how far it got. */
static int json_check_syntax(const char *buf, size_t len, struct casca_error **err)
{
        __attribute__((cleanup(yajl_handle_freep))) yajl_handle h = NULL;
        yajl_status st;
        unsigned char *msg;
        size_t at, line = 1, col = 1, end;
        int r;

        h = yajl_alloc(NULL, NULL, NULL);
        if (!h)
                return casca_error_set(err, ENOMEM, "invalid JSON");
        st = yajl_parse(h, (const unsigned char *)buf, len);
        if (st == yajl_status_ok)
                st = yajl_complete_parse(h);
        if (st == yajl_status_ok)
                return 0;

        /* yajl reports how many bytes it consumed; the culprit is the last. */
        at = yajl_get_bytes_consumed(h);
        if (at > 0)
                at--;
        if (at > len)
                at = len;
        for (size_t i = 0; i < at; i++) {
                if (buf[i] == '\n') {
                        line++;
                        col = 1;
                } else {
                        col++;
                }
        }
        msg = yajl_get_error(h, 0, (const unsigned char *)buf, len);
        end = msg ? strlen((char *)msg) : 0;
        while (end > 0 && (msg[end - 1] == '\n' || msg[end - 1] == ' ' || msg[end - 1] == '.'))
                end--;
        r = casca_error_setx(err, EINVAL, "invalid JSON at line %zu, column %zu: %.*s", line, col,
                             (int)end, msg ? (char *)msg : "syntax error");
        if (msg)
                yajl_free_error(h, msg);
        return r;
}

/* Maximum nesting of a syntactically valid document. */
static size_t json_depth(const char *buf, size_t len)
{
        size_t depth = 0, max = 0;
        bool in_string = false;

        for (size_t i = 0; i < len; i++) {
                char c = buf[i];
                if (in_string) {
                        if (c == '\\')
                                i++;
                        else if (c == '"')
                                in_string = false;
                } else if (c == '"') {
                        in_string = true;
                } else if (c == '[' || c == '{') {
                        if (++depth > max)
                                max = depth;
                } else if ((c == ']' || c == '}') && depth > 0) {
                        depth--;
                }
        }
        return max;
}

static int key_cmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* RFC 8259 leaves duplicate member names to the reader; casca refuses them
 * so that no two readers (a validator, the runtime) can see different
 * values for one member. */
static int json_check_duplicates(yajl_val v, const struct casca_jpath *p, struct casca_error **err)
{
        int r;

        if (YAJL_IS_ARRAY(v)) {
                for (size_t i = 0; i < v->u.array.len; i++) {
                        r = json_check_duplicates(v->u.array.values[i], JIDX(p, i), err);
                        if (r < 0)
                                return r;
                }
        } else if (YAJL_IS_OBJECT(v) && v->u.object.len > 0) {
                _cleanup_free_ const char **keys = NULL;
                size_t n = v->u.object.len;

                keys = malloc(n * sizeof(*keys));
                if (!keys)
                        return casca_error_set(err, ENOMEM, "malloc");
                memcpy(keys, v->u.object.keys, n * sizeof(*keys));
                qsort(keys, n, sizeof(*keys), key_cmp);
                for (size_t i = 1; i < n; i++)
                        if (strcmp(keys[i - 1], keys[i]) == 0)
                                return casca_json_error(err, p, "duplicate member \"%s\"", keys[i]);
                for (size_t i = 0; i < n; i++) {
                        r = json_check_duplicates(v->u.object.values[i],
                                                  JKEY(p, v->u.object.keys[i]), err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

struct casca_json *casca_json_parse(const char *buf, size_t len, struct casca_error **err)
{
        _cleanup_free_ char *copy = NULL;
        char errbuf[256] = "";
        yajl_val v;

        if (!buf) {
                buf = "";
                len = 0;
        }
        if (len > 0 && memchr(buf, '\0', len)) {
                casca_error_setx(err, EINVAL, "invalid JSON: the document contains a NUL byte");
                return NULL;
        }
        if (json_check_syntax(buf, len, err) < 0)
                return NULL;
        if (json_depth(buf, len) > CASCA_JSON_MAX_DEPTH) {
                casca_error_setx(err, EINVAL, "invalid JSON: nested deeper than %d levels",
                                 CASCA_JSON_MAX_DEPTH);
                return NULL;
        }
        copy = strndup(buf, len);
        if (!copy) {
                casca_error_set(err, ENOMEM, "invalid JSON");
                return NULL;
        }
        v = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
        if (!v) {
                errbuf[strcspn(errbuf, "\n")] = '\0';
                casca_error_setx(err, EINVAL, "invalid JSON: %s",
                                 errbuf[0] ? errbuf : "out of memory");
                return NULL;
        }
        if (json_check_duplicates(v, NULL, err) < 0) {
                yajl_tree_free(v);
                return NULL;
        }
        return (struct casca_json *)v;
}

void casca_json_free(struct casca_json *doc)
{
        if (doc)
                yajl_tree_free(Y(doc));
}

/* ---- accessors --------------------------------------------------------------- */

enum casca_json_type casca_json_type(const struct casca_json *v)
{
        switch (v ? Y(v)->type : yajl_t_null) {
        case yajl_t_string:
                return CASCA_JSON_STRING;
        case yajl_t_number:
                return CASCA_JSON_NUMBER;
        case yajl_t_object:
                return CASCA_JSON_OBJECT;
        case yajl_t_array:
                return CASCA_JSON_ARRAY;
        case yajl_t_true:
                return CASCA_JSON_TRUE;
        case yajl_t_false:
                return CASCA_JSON_FALSE;
        default:
                return CASCA_JSON_NULL;
        }
}

bool casca_json_is_object(const struct casca_json *v)
{
        return v && YAJL_IS_OBJECT(Y(v));
}

bool casca_json_is_array(const struct casca_json *v)
{
        return v && YAJL_IS_ARRAY(Y(v));
}

bool casca_json_is_string(const struct casca_json *v)
{
        return v && YAJL_IS_STRING(Y(v));
}

size_t casca_json_len(const struct casca_json *v)
{
        if (casca_json_is_object(v))
                return Y(v)->u.object.len;
        if (casca_json_is_array(v))
                return Y(v)->u.array.len;
        return 0;
}

const char *casca_json_key(const struct casca_json *v, size_t i)
{
        return casca_json_is_object(v) && i < Y(v)->u.object.len ? Y(v)->u.object.keys[i] : NULL;
}

const struct casca_json *casca_json_at(const struct casca_json *v, size_t i)
{
        if (casca_json_is_object(v) && i < Y(v)->u.object.len)
                return J(Y(v)->u.object.values[i]);
        if (casca_json_is_array(v) && i < Y(v)->u.array.len)
                return J(Y(v)->u.array.values[i]);
        return NULL;
}

const char *casca_json_str(const struct casca_json *v)
{
        return casca_json_is_string(v) ? Y(v)->u.string : NULL;
}

const char *casca_json_number(const struct casca_json *v)
{
        return v && YAJL_IS_NUMBER(Y(v)) ? Y(v)->u.number.r : NULL;
}

static int jpath_append(FILE *f, const struct casca_jpath *p)
{
        if (!p)
                return 0;
        jpath_append(f, p->up);
        if (p->key)
                fprintf(f, "%s%s", p->up ? "." : "", p->key);
        else
                fprintf(f, "[%zu]", p->index);
        return 0;
}

char *casca_jpath_format(const struct casca_jpath *p)
{
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);

        if (!f)
                return NULL;
        jpath_append(f, p);
        if (fclose(f) != 0) {
                free(s);
                return NULL;
        }
        return s;
}

/* (the name in parentheses: not the analyzer's macro of json.h) */
int(casca_json_error)(struct casca_error **err, const struct casca_jpath *p, const char *fmt, ...)
{
        _cleanup_free_ char *path = NULL, *msg = NULL;
        va_list ap;

        if (!err || *err)
                return -EINVAL;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        path = casca_jpath_format(p);
        if (path && path[0])
                return casca_error_setx(err, EINVAL, "%s: %s", path, msg ? msg : "invalid");
        return casca_error_setx(err, EINVAL, "%s", msg ? msg : "invalid");
}

const struct casca_json *casca_json_get(const struct casca_json *obj, const char *key)
{
        if (!casca_json_is_object(obj))
                return NULL;
        for (size_t i = 0; i < casca_json_len(obj); i++)
                if (strcmp(casca_json_key(obj, i), key) == 0)
                        return casca_json_at(obj, i);
        return NULL;
}

int casca_json_object(const struct casca_json *v, const struct casca_jpath *p,
                      struct casca_error **err)
{
        return casca_json_is_object(v) ? 0 : casca_json_error(err, p, "expected an object");
}

int casca_json_array(const struct casca_json *v, const struct casca_jpath *p,
                     struct casca_error **err)
{
        return casca_json_is_array(v) ? 0 : casca_json_error(err, p, "expected an array");
}

int casca_json_string(const struct casca_json *v, const struct casca_jpath *p, char **ret,
                      struct casca_error **err)
{
        char *s;

        if (!casca_json_is_string(v))
                return casca_json_error(err, p, "expected a string");
        s = strdup(casca_json_str(v));
        if (!s)
                return casca_error_set(err, ENOMEM, "strdup");
        free(*ret);
        *ret = s;
        return 0;
}

int casca_json_bool(const struct casca_json *v, const struct casca_jpath *p, bool *ret,
                    struct casca_error **err)
{
        if ((casca_json_type(v) == CASCA_JSON_TRUE))
                *ret = true;
        else if ((casca_json_type(v) == CASCA_JSON_FALSE))
                *ret = false;
        else
                return casca_json_error(err, p, "expected a boolean");
        return 0;
}

/* Split an integer literal into sign and magnitude (up to UINT64_MAX).
 * Returns -ERANGE for an integer too large, -EINVAL for anything else. */
static int json_integer(const struct casca_json *jv, bool *ret_negative, uint64_t *ret_magnitude)
{
        yajl_val v = Y(jv);
        const char *s;
        uint64_t m = 0;
        bool neg = false;

        if (!YAJL_IS_NUMBER(v))
                return -EINVAL;
        if (YAJL_IS_INTEGER(v)) {
                long long i = YAJL_GET_INTEGER(v);
                *ret_negative = i < 0;
                *ret_magnitude = i < 0 ? (uint64_t)(-(i + 1)) + 1 : (uint64_t)i;
                return 0;
        }
        /* Outside long long, or a float: look at the literal. */
        s = v->u.number.r;
        if (!s)
                return -EINVAL;
        if (*s == '-') {
                neg = true;
                s++;
        }
        if (!*s || strspn(s, "0123456789") != strlen(s))
                return -EINVAL; /* fraction or exponent */
        for (; *s; s++) {
                unsigned d = (unsigned)(*s - '0');
                if (m > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                m = m * 10 + d;
        }
        *ret_negative = neg;
        *ret_magnitude = m;
        return 0;
}

static int json_unsigned(const struct casca_json *v, const struct casca_jpath *p, uint64_t max,
                         const char *what, uint64_t *ret, struct casca_error **err)
{
        uint64_t m;
        bool neg;

        if (json_integer(v, &neg, &m) < 0 || (neg && m != 0) || m > max)
                return casca_json_error(err, p, "expected %s", what);
        *ret = m;
        return 0;
}

int casca_json_u64(const struct casca_json *v, const struct casca_jpath *p, uint64_t *ret,
                   struct casca_error **err)
{
        return json_unsigned(v, p, UINT64_MAX, "an unsigned 64-bit integer", ret, err);
}

int casca_json_u32(const struct casca_json *v, const struct casca_jpath *p, uint32_t *ret,
                   struct casca_error **err)
{
        uint64_t u = 0;
        int r = json_unsigned(v, p, UINT32_MAX, "an unsigned 32-bit integer", &u, err);

        if (r == 0)
                *ret = (uint32_t)u;
        return r;
}

int casca_json_u16(const struct casca_json *v, const struct casca_jpath *p, uint16_t *ret,
                   struct casca_error **err)
{
        uint64_t u = 0;
        int r = json_unsigned(v, p, UINT16_MAX, "an unsigned 16-bit integer", &u, err);

        if (r == 0)
                *ret = (uint16_t)u;
        return r;
}

static int json_signed(const struct casca_json *v, int64_t min, int64_t max, int64_t *ret)
{
        uint64_t m;
        bool neg;

        if (json_integer(v, &neg, &m) < 0)
                return -EINVAL;
        return casca_int64_from_sign(neg, m, min, max, ret);
}

int casca_json_i64(const struct casca_json *v, const struct casca_jpath *p, int64_t *ret,
                   struct casca_error **err)
{
        if (json_signed(v, INT64_MIN, INT64_MAX, ret) < 0)
                return casca_json_error(err, p, "expected a 64-bit integer");
        return 0;
}

int casca_json_int_range(const struct casca_json *v, const struct casca_jpath *p, int64_t min,
                         int64_t max, int64_t *ret, struct casca_error **err)
{
        if (json_signed(v, min, max, ret) < 0)
                return casca_json_error(
                        err, p, "expected an integer between %" PRId64 " and %" PRId64, min, max);
        return 0;
}

int casca_json_strv(const struct casca_json *v, const struct casca_jpath *p, char ***ret,
                    size_t *ret_n, struct casca_error **err)
{
        _cleanup_strv_ char **strv = NULL;
        size_t n;
        int r;

        r = casca_json_array(v, p, err);
        if (r < 0)
                return r;
        n = casca_json_len(v);
        strv = calloc(n + 1, sizeof(char *));
        if (!strv)
                return casca_error_set(err, ENOMEM, "calloc");
        for (size_t i = 0; i < n; i++) {
                r = casca_json_string(casca_json_at(v, i), JIDX(p, i), &strv[i], err);
                if (r < 0)
                        return r;
        }
        casca_strv_free(*ret);
        *ret = TAKE_PTR(strv);
        *ret_n = n;
        return 0;
}

const struct casca_json *casca_json_require(const struct casca_json *obj, const char *key,
                                            const struct casca_jpath *p, struct casca_error **err)
{
        const struct casca_json *v = casca_json_get(obj, key);

        if (!v)
                casca_json_error(err, JKEY(p, key), "required");
        return v;
}

/* One body for every typed member getter: look up, then parse with getter. */
#define MEMBER_GETTER(name, type, getter, required)                                                \
        int name(const struct casca_json *obj, const char *key, const struct casca_jpath *p,       \
                 type *ret, struct casca_error **err)                                              \
        {                                                                                          \
                const struct casca_json *v = required ? casca_json_require(obj, key, p, err)       \
                                                      : casca_json_get(obj, key);                  \
                int r;                                                                             \
                                                                                                   \
                if (!v)                                                                            \
                        return required ? -EINVAL : 0;                                             \
                r = getter(v, JKEY(p, key), ret, err);                                             \
                return r < 0 ? r : !required;                                                      \
        }

MEMBER_GETTER(casca_json_opt_string, char *, casca_json_string, false)
MEMBER_GETTER(casca_json_opt_bool, bool, casca_json_bool, false)
MEMBER_GETTER(casca_json_opt_u32, uint32_t, casca_json_u32, false)
MEMBER_GETTER(casca_json_req_string, char *, casca_json_string, true)
MEMBER_GETTER(casca_json_req_u32, uint32_t, casca_json_u32, true)
MEMBER_GETTER(casca_json_req_u64, uint64_t, casca_json_u64, true)

int casca_json_opt_strv(const struct casca_json *obj, const char *key, const struct casca_jpath *p,
                        char ***ret, size_t *ret_n, struct casca_error **err)
{
        const struct casca_json *v = casca_json_get(obj, key);
        int r;

        if (!v)
                return 0;
        r = casca_json_strv(v, JKEY(p, key), ret, ret_n, err);
        return r < 0 ? r : 1;
}

int casca_json_calloc(size_t n, size_t size, void **ret, struct casca_error **err)
{
        *ret = NULL;
        if (n == 0)
                return 0;
        *ret = calloc(n, size);
        if (!*ret)
                return casca_error_set(err, ENOMEM, "calloc");
        return 0;
}

void casca_kv_free(struct casca_kv *kv, size_t n)
{
        for (size_t i = 0; kv && i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

int casca_json_kv(const struct casca_json *v, const struct casca_jpath *p, struct casca_kv **ret,
                  size_t *ret_n, struct casca_error **err)
{
        struct casca_kv *kv = NULL;
        size_t n;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        n = casca_json_len(v);
        r = casca_json_calloc(n, sizeof(*kv), (void **)&kv, err);
        if (r < 0)
                return r;
        /* Hand the array over first so that a partial one is freed by the caller. */
        *ret = kv;
        *ret_n = n;
        for (size_t i = 0; i < n; i++) {
                const char *key = casca_json_key(v, i);
                kv[i].key = strdup(key);
                if (!kv[i].key)
                        return casca_error_set(err, ENOMEM, "strdup");
                r = casca_json_string(casca_json_at(v, i), JKEY(p, key), &kv[i].value, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int casca_json_array_of(const struct casca_json *v, const struct casca_jpath *p, size_t elem_size,
                        void **ret, size_t *ret_n, casca_json_elem_fn fn, struct casca_error **err)
{
        char *elems;
        int r;

        r = casca_json_array(v, p, err);
        if (r < 0)
                return r;
        r = casca_json_calloc(casca_json_len(v), elem_size, ret, err);
        if (r < 0)
                return r;
        *ret_n = casca_json_len(v);
        elems = *ret;
        for (size_t i = 0; i < casca_json_len(v); i++) {
                const struct casca_jpath *ip = JIDX(p, i);

                r = casca_json_object(casca_json_at(v, i), ip, err);
                if (r < 0)
                        return r;
                r = fn(elems + i * elem_size, casca_json_at(v, i), ip, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int casca_json_name(const struct casca_json *v, const struct casca_jpath *p,
                    const struct casca_json_name *table, size_t n, const char *what, int *ret,
                    struct casca_error **err)
{
        char expected[512];
        size_t used = 0;

        if (!casca_json_is_string(v))
                return casca_json_error(err, p, "expected a string");
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].name, casca_json_str(v)) == 0) {
                        *ret = table[i].value;
                        return 0;
                }
        expected[0] = '\0';
        for (size_t i = 0; i < n && used < sizeof(expected); i++) {
                /* a list too long is cut short: what fit is still shown */
                int k = casca_snprintf(expected + used, sizeof(expected) - used, "%s%s",
                                       i ? ", " : "", table[i].name);
                if (k < 0)
                        break;
                used += (size_t)k;
        }
        return casca_json_error(err, p, "unknown %s \"%s\" (expected %s)", what, casca_json_str(v),
                                expected);
}

int casca_json_flags(const struct casca_json *v, const struct casca_jpath *p,
                     const struct casca_json_name *table, size_t n, int *ret,
                     struct casca_error **err)
{
        int r = casca_json_array(v, p, err);

        if (r < 0)
                return r;
        for (size_t i = 0; i < casca_json_len(v); i++) {
                int f;

                r = casca_json_name(casca_json_at(v, i), JIDX(p, i), table, n, "flag", &f, err);
                if (r < 0)
                        return r;
                *ret |= f;
        }
        return 0;
}
