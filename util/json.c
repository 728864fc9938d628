/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json.c - strict parsing and typed, path-aware getters over yajl trees. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "util/cleanup.h"
#include "util/json.h"

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

yajl_val casca_json_parse(const char *buf, size_t len, struct casca_error **err)
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
        return v;
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

int casca_json_error(struct casca_error **err, const struct casca_jpath *p, const char *fmt, ...)
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

yajl_val casca_json_get(yajl_val obj, const char *key)
{
        if (!YAJL_IS_OBJECT(obj))
                return NULL;
        for (size_t i = 0; i < obj->u.object.len; i++)
                if (strcmp(obj->u.object.keys[i], key) == 0)
                        return obj->u.object.values[i];
        return NULL;
}

int casca_json_object(yajl_val v, const struct casca_jpath *p, struct casca_error **err)
{
        return YAJL_IS_OBJECT(v) ? 0 : casca_json_error(err, p, "expected an object");
}

int casca_json_array(yajl_val v, const struct casca_jpath *p, struct casca_error **err)
{
        return YAJL_IS_ARRAY(v) ? 0 : casca_json_error(err, p, "expected an array");
}

int casca_json_string(yajl_val v, const struct casca_jpath *p, char **ret, struct casca_error **err)
{
        char *s;

        if (!YAJL_IS_STRING(v))
                return casca_json_error(err, p, "expected a string");
        s = strdup(v->u.string);
        if (!s)
                return casca_error_set(err, ENOMEM, "strdup");
        free(*ret);
        *ret = s;
        return 0;
}

int casca_json_bool(yajl_val v, const struct casca_jpath *p, bool *ret, struct casca_error **err)
{
        if (YAJL_IS_TRUE(v))
                *ret = true;
        else if (YAJL_IS_FALSE(v))
                *ret = false;
        else
                return casca_json_error(err, p, "expected a boolean");
        return 0;
}

/* Split an integer literal into sign and magnitude (up to UINT64_MAX).
 * Returns -ERANGE for an integer too large, -EINVAL for anything else. */
static int json_integer(yajl_val v, bool *ret_negative, uint64_t *ret_magnitude)
{
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

static int json_unsigned(yajl_val v, const struct casca_jpath *p, uint64_t max, const char *what,
                         uint64_t *ret, struct casca_error **err)
{
        uint64_t m;
        bool neg;

        if (json_integer(v, &neg, &m) < 0 || (neg && m != 0) || m > max)
                return casca_json_error(err, p, "expected %s", what);
        *ret = m;
        return 0;
}

int casca_json_u64(yajl_val v, const struct casca_jpath *p, uint64_t *ret, struct casca_error **err)
{
        return json_unsigned(v, p, UINT64_MAX, "an unsigned 64-bit integer", ret, err);
}

int casca_json_u32(yajl_val v, const struct casca_jpath *p, uint32_t *ret, struct casca_error **err)
{
        uint64_t u = 0;
        int r = json_unsigned(v, p, UINT32_MAX, "an unsigned 32-bit integer", &u, err);

        if (r == 0)
                *ret = (uint32_t)u;
        return r;
}

int casca_json_u16(yajl_val v, const struct casca_jpath *p, uint16_t *ret, struct casca_error **err)
{
        uint64_t u = 0;
        int r = json_unsigned(v, p, UINT16_MAX, "an unsigned 16-bit integer", &u, err);

        if (r == 0)
                *ret = (uint16_t)u;
        return r;
}

static int json_signed(yajl_val v, int64_t min, int64_t max, int64_t *ret)
{
        uint64_t m;
        bool neg;
        int64_t x;

        if (json_integer(v, &neg, &m) < 0)
                return -EINVAL;
        if (neg) {
                if (m > (uint64_t)INT64_MAX + 1)
                        return -ERANGE;
                x = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
        } else {
                if (m > (uint64_t)INT64_MAX)
                        return -ERANGE;
                x = (int64_t)m;
        }
        if (x < min || x > max)
                return -ERANGE;
        *ret = x;
        return 0;
}

int casca_json_i64(yajl_val v, const struct casca_jpath *p, int64_t *ret, struct casca_error **err)
{
        if (json_signed(v, INT64_MIN, INT64_MAX, ret) < 0)
                return casca_json_error(err, p, "expected a 64-bit integer");
        return 0;
}

int casca_json_int_range(yajl_val v, const struct casca_jpath *p, int64_t min, int64_t max,
                         int64_t *ret, struct casca_error **err)
{
        if (json_signed(v, min, max, ret) < 0)
                return casca_json_error(
                        err, p, "expected an integer between %" PRId64 " and %" PRId64, min, max);
        return 0;
}

int casca_json_strv(yajl_val v, const struct casca_jpath *p, char ***ret, size_t *ret_n,
                    struct casca_error **err)
{
        _cleanup_strv_ char **strv = NULL;
        size_t n;
        int r;

        r = casca_json_array(v, p, err);
        if (r < 0)
                return r;
        n = v->u.array.len;
        strv = calloc(n + 1, sizeof(char *));
        if (!strv)
                return casca_error_set(err, ENOMEM, "calloc");
        for (size_t i = 0; i < n; i++) {
                r = casca_json_string(v->u.array.values[i], JIDX(p, i), &strv[i], err);
                if (r < 0)
                        return r;
        }
        casca_strv_free(*ret);
        *ret = TAKE_PTR(strv);
        *ret_n = n;
        return 0;
}

yajl_val casca_json_require(yajl_val obj, const char *key, const struct casca_jpath *p,
                            struct casca_error **err)
{
        yajl_val v = casca_json_get(obj, key);

        if (!v)
                casca_json_error(err, JKEY(p, key), "required");
        return v;
}

/* One body for every typed member getter: look up, then parse with getter. */
#define MEMBER_GETTER(name, type, getter, required)                                                \
        int name(yajl_val obj, const char *key, const struct casca_jpath *p, type *ret,            \
                 struct casca_error **err)                                                         \
        {                                                                                          \
                yajl_val v = required ? casca_json_require(obj, key, p, err)                       \
                                      : casca_json_get(obj, key);                                  \
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

int casca_json_opt_strv(yajl_val obj, const char *key, const struct casca_jpath *p, char ***ret,
                        size_t *ret_n, struct casca_error **err)
{
        yajl_val v = casca_json_get(obj, key);
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

int casca_json_kv(yajl_val v, const struct casca_jpath *p, struct casca_kv **ret, size_t *ret_n,
                  struct casca_error **err)
{
        struct casca_kv *kv = NULL;
        size_t n;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        n = v->u.object.len;
        r = casca_json_calloc(n, sizeof(*kv), (void **)&kv, err);
        if (r < 0)
                return r;
        /* Hand the array over first so that a partial one is freed by the caller. */
        *ret = kv;
        *ret_n = n;
        for (size_t i = 0; i < n; i++) {
                const char *key = v->u.object.keys[i];
                kv[i].key = strdup(key);
                if (!kv[i].key)
                        return casca_error_set(err, ENOMEM, "strdup");
                r = casca_json_string(v->u.object.values[i], JKEY(p, key), &kv[i].value, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int casca_json_array_of(yajl_val v, const struct casca_jpath *p, size_t elem_size, void **ret,
                        size_t *ret_n, casca_json_elem_fn fn, struct casca_error **err)
{
        char *elems;
        int r;

        r = casca_json_array(v, p, err);
        if (r < 0)
                return r;
        r = casca_json_calloc(v->u.array.len, elem_size, ret, err);
        if (r < 0)
                return r;
        *ret_n = v->u.array.len;
        elems = *ret;
        for (size_t i = 0; i < v->u.array.len; i++) {
                const struct casca_jpath *ip = JIDX(p, i);

                r = casca_json_object(v->u.array.values[i], ip, err);
                if (r < 0)
                        return r;
                r = fn(elems + i * elem_size, v->u.array.values[i], ip, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int casca_json_name(yajl_val v, const struct casca_jpath *p, const struct casca_json_name *table,
                    size_t n, const char *what, int *ret, struct casca_error **err)
{
        char expected[512];
        size_t used = 0;

        if (!YAJL_IS_STRING(v))
                return casca_json_error(err, p, "expected a string");
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].name, v->u.string) == 0) {
                        *ret = table[i].value;
                        return 0;
                }
        expected[0] = '\0';
        for (size_t i = 0; i < n && used < sizeof(expected); i++) {
                int k = snprintf(expected + used, sizeof(expected) - used, "%s%s", i ? ", " : "",
                                 table[i].name);
                if (k < 0)
                        break;
                used += (size_t)k;
        }
        return casca_json_error(err, p, "unknown %s \"%s\" (expected %s)", what, v->u.string,
                                expected);
}

int casca_json_flags(yajl_val v, const struct casca_jpath *p, const struct casca_json_name *table,
                     size_t n, int *ret, struct casca_error **err)
{
        int r = casca_json_array(v, p, err);

        if (r < 0)
                return r;
        for (size_t i = 0; i < v->u.array.len; i++) {
                int f;

                r = casca_json_name(v->u.array.values[i], JIDX(p, i), table, n, "flag", &f, err);
                if (r < 0)
                        return r;
                *ret |= f;
        }
        return 0;
}

/* ---- generating ------------------------------------------------------------ */

int casca_jgen_init(struct casca_jgen *j, struct casca_error **err)
{
        j->failed = false;
        j->g = yajl_gen_alloc(NULL);
        if (!j->g)
                return casca_error_set(err, ENOMEM, "yajl_gen_alloc");
        yajl_gen_config(j->g, yajl_gen_beautify, 1);
        yajl_gen_config(j->g, yajl_gen_indent_string, "  ");
        yajl_gen_config(j->g, yajl_gen_validate_utf8, 1);
        return 0;
}

void casca_jgen_done(struct casca_jgen *j)
{
        if (j->g)
                yajl_gen_free(j->g);
        j->g = NULL;
}

char *casca_jgen_finish(struct casca_jgen *j, struct casca_error **err)
{
        const unsigned char *buf = NULL;
        size_t len = 0;
        char *out = NULL;

        if (!j->g || j->failed || yajl_gen_get_buf(j->g, &buf, &len) != yajl_gen_status_ok) {
                casca_error_setx(err, EINVAL, "cannot generate JSON");
                goto out;
        }
        out = malloc(len + 2);
        if (!out) {
                casca_error_set(err, ENOMEM, "malloc");
                goto out;
        }
        memcpy(out, buf, len);
        out[len] = '\n';
        out[len + 1] = '\0';
out:
        casca_jgen_done(j);
        return out;
}

static void jgen_check(struct casca_jgen *j, yajl_gen_status st)
{
        if (st != yajl_gen_status_ok)
                j->failed = true;
}

void casca_jgen_map_open(struct casca_jgen *j)
{
        if (!j->failed)
                jgen_check(j, yajl_gen_map_open(j->g));
}

void casca_jgen_map_close(struct casca_jgen *j)
{
        if (!j->failed)
                jgen_check(j, yajl_gen_map_close(j->g));
}

void casca_jgen_array_open(struct casca_jgen *j)
{
        if (!j->failed)
                jgen_check(j, yajl_gen_array_open(j->g));
}

void casca_jgen_array_close(struct casca_jgen *j)
{
        if (!j->failed)
                jgen_check(j, yajl_gen_array_close(j->g));
}

void casca_jgen_str(struct casca_jgen *j, const char *s)
{
        if (!s)
                j->failed = true;
        if (!j->failed)
                jgen_check(j, yajl_gen_string(j->g, (const unsigned char *)s, strlen(s)));
}

void casca_jgen_bool(struct casca_jgen *j, bool b)
{
        if (!j->failed)
                jgen_check(j, yajl_gen_bool(j->g, b));
}

void casca_jgen_int(struct casca_jgen *j, long long v)
{
        if (!j->failed)
                jgen_check(j, yajl_gen_integer(j->g, v));
}

static void jgen_number(struct casca_jgen *j, const char *text)
{
        if (!j->failed)
                jgen_check(j, yajl_gen_number(j->g, text, strlen(text)));
}

void casca_jgen_u64(struct casca_jgen *j, uint64_t v)
{
        char buf[24];

        snprintf(buf, sizeof(buf), "%" PRIu64, v);
        jgen_number(j, buf);
}

void casca_jgen_value(struct casca_jgen *j, yajl_val v)
{
        casca_jgen_merged(j, v, NULL);
}

static bool same_scalar(yajl_val a, yajl_val b)
{
        if (YAJL_IS_STRING(a) && YAJL_IS_STRING(b))
                return strcmp(a->u.string, b->u.string) == 0;
        if (YAJL_IS_NUMBER(a) && YAJL_IS_NUMBER(b))
                return strcmp(a->u.number.r, b->u.number.r) == 0;
        return false;
}

/* Elements of an array of objects that stand for the same thing. */
static bool same_identity(yajl_val a, yajl_val b)
{
        static const char *const keys[] = {"pageSize", "major", "minor"};
        bool any = false;

        if (!YAJL_IS_OBJECT(a) || !YAJL_IS_OBJECT(b))
                return false;
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                yajl_val x = casca_json_get(a, keys[i]), y = casca_json_get(b, keys[i]);

                if (!x && !y)
                        continue;
                if (!x || !y || !same_scalar(x, y))
                        return false;
                any = true;
        }
        return any;
}

static yajl_val find_identity(yajl_val array, yajl_val elem)
{
        for (size_t i = 0; i < array->u.array.len; i++)
                if (same_identity(array->u.array.values[i], elem))
                        return array->u.array.values[i];
        return NULL;
}

static bool keyed_array(yajl_val a)
{
        for (size_t i = 0; i < a->u.array.len; i++)
                if (!same_identity(a->u.array.values[i], a->u.array.values[i]))
                        return false;
        return true;
}

static void jgen_merged_object(struct casca_jgen *j, yajl_val base, yajl_val over)
{
        casca_jgen_map_open(j);
        for (size_t i = 0; i < base->u.object.len; i++) {
                casca_jgen_str(j, base->u.object.keys[i]);
                casca_jgen_merged(j, base->u.object.values[i],
                                  casca_json_get(over, base->u.object.keys[i]));
        }
        for (size_t i = 0; over && i < over->u.object.len; i++) {
                if (casca_json_get(base, over->u.object.keys[i]))
                        continue;
                casca_jgen_str(j, over->u.object.keys[i]);
                casca_jgen_value(j, over->u.object.values[i]);
        }
        casca_jgen_map_close(j);
}

static void jgen_merged_array(struct casca_jgen *j, yajl_val base, yajl_val over)
{
        casca_jgen_array_open(j);
        for (size_t i = 0; i < base->u.array.len; i++) {
                yajl_val b = base->u.array.values[i];
                casca_jgen_merged(j, b, over ? find_identity(over, b) : NULL);
        }
        for (size_t i = 0; over && i < over->u.array.len; i++)
                if (!find_identity(base, over->u.array.values[i]))
                        casca_jgen_value(j, over->u.array.values[i]);
        casca_jgen_array_close(j);
}

void casca_jgen_merged(struct casca_jgen *j, yajl_val base, yajl_val over)
{
        if (!base) {
                base = over;
                over = NULL;
        }
        if (!base) {
                j->failed = true;
                return;
        }
        if (YAJL_IS_OBJECT(base) && (!over || YAJL_IS_OBJECT(over))) {
                jgen_merged_object(j, base, over);
                return;
        }
        if (YAJL_IS_ARRAY(base) &&
            (!over || (YAJL_IS_ARRAY(over) && keyed_array(base) && keyed_array(over)))) {
                jgen_merged_array(j, base, over);
                return;
        }
        if (over)
                base = over;
        if (j->failed)
                return;
        switch (base->type) {
        case yajl_t_string:
                casca_jgen_str(j, base->u.string);
                break;
        case yajl_t_number:
                jgen_number(j, base->u.number.r);
                break;
        case yajl_t_true:
        case yajl_t_false:
                casca_jgen_bool(j, YAJL_IS_TRUE(base));
                break;
        case yajl_t_null:
                jgen_check(j, yajl_gen_null(j->g));
                break;
        default: /* an object or array in place of another type */
                casca_jgen_merged(j, base, NULL);
                break;
        }
}

void casca_jgen_strv(struct casca_jgen *j, const char *const *v, size_t n)
{
        casca_jgen_array_open(j);
        for (size_t i = 0; i < n; i++)
                casca_jgen_str(j, v[i]);
        casca_jgen_array_close(j);
}

void casca_jgen_kstr(struct casca_jgen *j, const char *key, const char *value)
{
        casca_jgen_str(j, key);
        casca_jgen_str(j, value);
}

void casca_jgen_kbool(struct casca_jgen *j, const char *key, bool b)
{
        casca_jgen_str(j, key);
        casca_jgen_bool(j, b);
}

void casca_jgen_kint(struct casca_jgen *j, const char *key, long long v)
{
        casca_jgen_str(j, key);
        casca_jgen_int(j, v);
}
