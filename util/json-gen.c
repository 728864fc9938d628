/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json-gen.c - the JSON generator (over yajl_gen) and merging of parsed
 * documents. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "util/cleanup.h"
#include "util/json.h"
#include "util/format.h"

/* The generator behind a struct casca_jgen. */
static yajl_gen G(struct casca_jgen *j)
{
        return j->impl;
}

int casca_jgen_init(struct casca_jgen *j, unsigned flags, struct casca_error **err)
{
        yajl_gen g = yajl_gen_alloc(NULL);

        *j = (struct casca_jgen){.impl = g, .flags = flags};
        if (!g)
                return casca_error_set(err, ENOMEM, "yajl_gen_alloc");
        if (flags & CASCA_JGEN_PRETTY) {
                yajl_gen_config(g, yajl_gen_beautify, 1);
                yajl_gen_config(g, yajl_gen_indent_string, "  ");
        }
        if (flags & CASCA_JGEN_UTF8)
                yajl_gen_config(g, yajl_gen_validate_utf8, 1);
        return 0;
}

void casca_jgen_done(struct casca_jgen *j)
{
        if (j->impl)
                yajl_gen_free(G(j));
        j->impl = NULL;
}

char *casca_jgen_finish(struct casca_jgen *j, struct casca_error **err)
{
        const unsigned char *buf = NULL;
        size_t len = 0;
        char *out = NULL;

        if (!j->impl || j->failed || yajl_gen_get_buf(G(j), &buf, &len) != yajl_gen_status_ok) {
                casca_error_setx(err, EINVAL, "cannot generate JSON");
                goto out;
        }
        out = malloc(len + 2);
        if (!out) {
                casca_error_set(err, ENOMEM, "malloc");
                goto out;
        }
        memcpy(out, buf, len);
        if (j->flags & CASCA_JGEN_NEWLINE)
                out[len++] = '\n';
        out[len] = '\0';
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
                jgen_check(j, yajl_gen_map_open(G(j)));
}

void casca_jgen_map_close(struct casca_jgen *j)
{
        if (!j->failed)
                jgen_check(j, yajl_gen_map_close(G(j)));
}

void casca_jgen_array_open(struct casca_jgen *j)
{
        if (!j->failed)
                jgen_check(j, yajl_gen_array_open(G(j)));
}

void casca_jgen_array_close(struct casca_jgen *j)
{
        if (!j->failed)
                jgen_check(j, yajl_gen_array_close(G(j)));
}

void casca_jgen_str(struct casca_jgen *j, const char *s)
{
        if (!s)
                j->failed = true;
        if (!j->failed)
                jgen_check(j, yajl_gen_string(G(j), (const unsigned char *)s, strlen(s)));
}

void casca_jgen_null(struct casca_jgen *j)
{
        if (!j->failed)
                jgen_check(j, yajl_gen_null(G(j)));
}

void casca_jgen_bool(struct casca_jgen *j, bool b)
{
        if (!j->failed)
                jgen_check(j, yajl_gen_bool(G(j), b));
}

void casca_jgen_int(struct casca_jgen *j, long long v)
{
        if (!j->failed)
                jgen_check(j, yajl_gen_integer(G(j), v));
}

static void jgen_number(struct casca_jgen *j, const char *text)
{
        if (!j->failed)
                jgen_check(j, yajl_gen_number(G(j), text, strlen(text)));
}

void casca_jgen_u64(struct casca_jgen *j, uint64_t v)
{
        char buf[24];

        if (casca_snprintf(buf, sizeof(buf), "%" PRIu64, v) < 0)
                j->failed = true;
        else
                jgen_number(j, buf);
}

void casca_jgen_value(struct casca_jgen *j, const struct casca_json *v)
{
        casca_jgen_merged(j, v, NULL);
}

static bool same_scalar(const struct casca_json *a, const struct casca_json *b)
{
        if (casca_json_is_string(a) && casca_json_is_string(b))
                return strcmp(casca_json_str(a), casca_json_str(b)) == 0;
        if (casca_json_number(a) && casca_json_number(b))
                return strcmp(casca_json_number(a), casca_json_number(b)) == 0;
        return false;
}

/* Elements of an array of objects that stand for the same thing. */
static bool same_identity(const struct casca_json *a, const struct casca_json *b)
{
        static const char *const keys[] = {"pageSize", "major", "minor"};
        bool any = false;

        if (!casca_json_is_object(a) || !casca_json_is_object(b))
                return false;
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                const struct casca_json *x = casca_json_get(a, keys[i]);
                const struct casca_json *y = casca_json_get(b, keys[i]);

                if (!x && !y)
                        continue;
                if (!x || !y || !same_scalar(x, y))
                        return false;
                any = true;
        }
        return any;
}

static const struct casca_json *find_identity(const struct casca_json *array,
                                              const struct casca_json *elem)
{
        for (size_t i = 0; i < casca_json_len(array); i++)
                if (same_identity(casca_json_at(array, i), elem))
                        return casca_json_at(array, i);
        return NULL;
}

static bool keyed_array(const struct casca_json *a)
{
        for (size_t i = 0; i < casca_json_len(a); i++)
                if (!same_identity(casca_json_at(a, i), casca_json_at(a, i)))
                        return false;
        return true;
}

static void jgen_merged_object(struct casca_jgen *j, const struct casca_json *base,
                               const struct casca_json *over)
{
        casca_jgen_map_open(j);
        for (size_t i = 0; i < casca_json_len(base); i++) {
                casca_jgen_str(j, casca_json_key(base, i));
                casca_jgen_merged(j, casca_json_at(base, i),
                                  casca_json_get(over, casca_json_key(base, i)));
        }
        for (size_t i = 0; over && i < casca_json_len(over); i++) {
                if (casca_json_get(base, casca_json_key(over, i)))
                        continue;
                casca_jgen_str(j, casca_json_key(over, i));
                casca_jgen_value(j, casca_json_at(over, i));
        }
        casca_jgen_map_close(j);
}

static void jgen_merged_array(struct casca_jgen *j, const struct casca_json *base,
                              const struct casca_json *over)
{
        casca_jgen_array_open(j);
        for (size_t i = 0; i < casca_json_len(base); i++) {
                const struct casca_json *b = casca_json_at(base, i);
                casca_jgen_merged(j, b, over ? find_identity(over, b) : NULL);
        }
        for (size_t i = 0; over && i < casca_json_len(over); i++)
                if (!find_identity(base, casca_json_at(over, i)))
                        casca_jgen_value(j, casca_json_at(over, i));
        casca_jgen_array_close(j);
}

void casca_jgen_merged(struct casca_jgen *j, const struct casca_json *base,
                       const struct casca_json *over)
{
        if (!base) {
                base = over;
                over = NULL;
        }
        if (!base) {
                j->failed = true;
                return;
        }
        if (casca_json_is_object(base) && (!over || casca_json_is_object(over))) {
                jgen_merged_object(j, base, over);
                return;
        }
        if (casca_json_is_array(base) &&
            (!over || (casca_json_is_array(over) && keyed_array(base) && keyed_array(over)))) {
                jgen_merged_array(j, base, over);
                return;
        }
        if (over)
                base = over;
        if (j->failed)
                return;
        switch (casca_json_type(base)) {
        case CASCA_JSON_STRING:
                casca_jgen_str(j, casca_json_str(base));
                break;
        case CASCA_JSON_NUMBER:
                jgen_number(j, casca_json_number(base));
                break;
        case CASCA_JSON_TRUE:
        case CASCA_JSON_FALSE:
                casca_jgen_bool(j, casca_json_type(base) == CASCA_JSON_TRUE);
                break;
        case CASCA_JSON_NULL:
                casca_jgen_null(j);
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

void casca_jgen_ku64(struct casca_jgen *j, const char *key, uint64_t v)
{
        casca_jgen_str(j, key);
        casca_jgen_u64(j, v);
}
