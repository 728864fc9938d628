/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json.h - the one JSON layer: a strict, path-aware reader (json.c) and a
 * generator (json-gen.c).  Only these two files know the JSON library
 * (yajl); everything else sees struct casca_json and struct casca_jgen.
 *
 * Every typed getter names the offending JSON path in its error, e.g.
 * "process.user.uid: expected an unsigned 32-bit integer".  Paths are built
 * on the stack as a chain of casca_jpath links and only formatted when an
 * error is reported.  Every getter and accessor takes NULL (an absent
 * member) as a value of no type. */
#ifndef CASCA_UTIL_JSON_H
#define CASCA_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "casca.h"

/* Nesting deeper than this is refused before the tree is built (whose
 * free is recursive). */
#define CASCA_JSON_MAX_DEPTH 64

/* A value of a parsed document: the document itself (owned by the caller
 * of casca_json_parse()) or a value inside it (owned by the document). */
struct casca_json;

enum casca_json_type {
        CASCA_JSON_NULL,
        CASCA_JSON_FALSE,
        CASCA_JSON_TRUE,
        CASCA_JSON_NUMBER,
        CASCA_JSON_STRING,
        CASCA_JSON_OBJECT,
        CASCA_JSON_ARRAY,
};

struct casca_jpath {
        const struct casca_jpath *up; /* NULL at the document root */
        const char *key;              /* object member, or NULL for an array index */
        size_t index;
};

/* A path link living until the end of the enclosing full expression's block. */
#define JKEY(parent, k) (&(const struct casca_jpath){.up = (parent), .key = (k)})
#define JIDX(parent, i) (&(const struct casca_jpath){.up = (parent), .key = NULL, .index = (i)})

/* Strict RFC 8259 parse (no comments, no trailing garbage, valid UTF-8,
 * no NUL bytes, no duplicate member names).  Errors say where: "invalid
 * JSON at line 3, column 7: ...". */
struct casca_json *casca_json_parse(const char *buf, size_t len, struct casca_error **err);
void casca_json_free(struct casca_json *doc);
static inline void casca_json_freep(struct casca_json **v)
{
        casca_json_free(*v);
}
#define _cleanup_json_ __attribute__((cleanup(casca_json_freep)))

/* ---- accessors --------------------------------------------------------------- */

/* CASCA_JSON_NULL for NULL too. */
enum casca_json_type casca_json_type(const struct casca_json *v);
bool casca_json_is_object(const struct casca_json *v);
bool casca_json_is_array(const struct casca_json *v);
bool casca_json_is_string(const struct casca_json *v);
/* Members of an object or elements of an array; 0 for anything else. */
size_t casca_json_len(const struct casca_json *v);
/* The name of member i of an object (NULL for an array or past the end). */
const char *casca_json_key(const struct casca_json *v, size_t i);
/* The value of member i of an object, or element i of an array. */
const struct casca_json *casca_json_at(const struct casca_json *v, size_t i);
/* A string's text, or NULL when v is not a string. */
const char *casca_json_str(const struct casca_json *v);
/* A number's literal as written ("1e3", "-0"), or NULL when v is not one. */
const char *casca_json_number(const struct casca_json *v);

/* ---- typed getters ----------------------------------------------------------- */

/* "linux.namespaces[2].type", or "" for the root.  malloc'd. */
char *casca_jpath_format(const struct casca_jpath *p);

/* casca_error_setx(err, EINVAL, "<path>: <message>"); returns -EINVAL. */
int casca_json_error(struct casca_error **err, const struct casca_jpath *p, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
#ifdef __clang_analyzer__
/* < 0 always, as casca_error_set (casca.h) */
#define casca_json_error(...) CASCA_NEGATIVE_((casca_json_error)(__VA_ARGS__))
#endif

/* The first member named key of an object, or NULL (also when obj is not an
 * object). */
const struct casca_json *casca_json_get(const struct casca_json *obj, const char *key);

/* Type checks: "expected an object", "expected an array", ... */
int casca_json_object(const struct casca_json *v, const struct casca_jpath *p,
                      struct casca_error **err);
int casca_json_array(const struct casca_json *v, const struct casca_jpath *p,
                     struct casca_error **err);

int casca_json_string(const struct casca_json *v, const struct casca_jpath *p, char **ret,
                      struct casca_error **err);
int casca_json_bool(const struct casca_json *v, const struct casca_jpath *p, bool *ret,
                    struct casca_error **err);
/* Integers: floats ("1.0", "1e3") are refused; so are values out of range. */
int casca_json_u64(const struct casca_json *v, const struct casca_jpath *p, uint64_t *ret,
                   struct casca_error **err);
int casca_json_i64(const struct casca_json *v, const struct casca_jpath *p, int64_t *ret,
                   struct casca_error **err);
int casca_json_u32(const struct casca_json *v, const struct casca_jpath *p, uint32_t *ret,
                   struct casca_error **err);
int casca_json_u16(const struct casca_json *v, const struct casca_jpath *p, uint16_t *ret,
                   struct casca_error **err);
/* An integer in [min, max]: "expected an integer between min and max". */
int casca_json_int_range(const struct casca_json *v, const struct casca_jpath *p, int64_t min,
                         int64_t max, int64_t *ret, struct casca_error **err);
/* An array of strings as a NULL-terminated vector (*ret_n entries). */
int casca_json_strv(const struct casca_json *v, const struct casca_jpath *p, char ***ret,
                    size_t *ret_n, struct casca_error **err);

/* Members of an object.  casca_json_require() reports "<path>.<key>:
 * required" when key is absent.  The opt_ getters return 0 when key is
 * absent (leaving *ret alone), 1 when it was parsed, < 0 on error; the req_
 * ones 0 or < 0. */
const struct casca_json *casca_json_require(const struct casca_json *obj, const char *key,
                                            const struct casca_jpath *p, struct casca_error **err);
int casca_json_opt_string(const struct casca_json *obj, const char *key,
                          const struct casca_jpath *p, char **ret, struct casca_error **err);
int casca_json_opt_bool(const struct casca_json *obj, const char *key, const struct casca_jpath *p,
                        bool *ret, struct casca_error **err);
int casca_json_opt_u32(const struct casca_json *obj, const char *key, const struct casca_jpath *p,
                       uint32_t *ret, struct casca_error **err);
int casca_json_opt_strv(const struct casca_json *obj, const char *key, const struct casca_jpath *p,
                        char ***ret, size_t *ret_n, struct casca_error **err);
int casca_json_req_string(const struct casca_json *obj, const char *key,
                          const struct casca_jpath *p, char **ret, struct casca_error **err);
int casca_json_req_u32(const struct casca_json *obj, const char *key, const struct casca_jpath *p,
                       uint32_t *ret, struct casca_error **err);
int casca_json_req_u64(const struct casca_json *obj, const char *key, const struct casca_jpath *p,
                       uint64_t *ret, struct casca_error **err);

/* ---- building blocks for parsers ------------------------------------------ */

/* calloc(n, size) that reports ENOMEM through err (n == 0 gives NULL, ok). */
int casca_json_calloc(size_t n, size_t size, void **ret, struct casca_error **err);

/* A string-to-string map in document order (annotations, sysctl, ...). */
struct casca_kv {
        char *key, *value;
};
void casca_kv_free(struct casca_kv *kv, size_t n);
/* An object of string values as (key, value) pairs in document order. */
int casca_json_kv(const struct casca_json *v, const struct casca_jpath *p, struct casca_kv **ret,
                  size_t *ret_n, struct casca_error **err);

/* Parse one object of an array into elem (zeroed). */
typedef int (*casca_json_elem_fn)(void *elem, const struct casca_json *obj,
                                  const struct casca_jpath *p, struct casca_error **err);
/* An array of objects into a calloc'd array of elem_size-byte elements.
 * *ret and *ret_n are set before the elements are parsed, so that a
 * half-filled array is freed with the rest of the document. */
int casca_json_array_of(const struct casca_json *v, const struct casca_jpath *p, size_t elem_size,
                        void **ret, size_t *ret_n, casca_json_elem_fn fn, struct casca_error **err);

/* A name and its value, for tables of the names a field may take. */
struct casca_json_name {
        const char *name;
        int value;
};
/* A string that must be one of table's names: *ret is its value.
 * "process.scheduler.policy: unknown policy \"SCHED_X\" (expected
 * SCHED_OTHER, SCHED_FIFO, ...)"; what names the kind ("policy"). */
int casca_json_name(const struct casca_json *v, const struct casca_jpath *p,
                    const struct casca_json_name *table, size_t n, const char *what, int *ret,
                    struct casca_error **err);
/* An array of table's names: *ret gets the OR of their values. */
int casca_json_flags(const struct casca_json *v, const struct casca_jpath *p,
                     const struct casca_json_name *table, size_t n, int *ret,
                     struct casca_error **err);

/* ---- generating ------------------------------------------------------------ */

/* A generator whose first failure sticks: emit freely, check once in
 * casca_jgen_finish(). */
struct casca_jgen {
        void *impl; /* the JSON library's generator */
        unsigned flags;
        bool failed;
};

#define CASCA_JGEN_PRETTY 1u  /* newlines and two-space indents */
#define CASCA_JGEN_UTF8 2u    /* a string that is not UTF-8 is a failure */
#define CASCA_JGEN_NEWLINE 4u /* the document ends in a newline */
/* What casca writes for people (spec, features, the saved config). */
#define CASCA_JGEN_DOCUMENT (CASCA_JGEN_PRETTY | CASCA_JGEN_UTF8 | CASCA_JGEN_NEWLINE)

/* flags 0: one line, no final newline, strings passed through as they are. */
int casca_jgen_init(struct casca_jgen *j, unsigned flags, struct casca_error **err);
/* The document, NUL-terminated (malloc'd), or NULL.  Frees the generator
 * either way. */
char *casca_jgen_finish(struct casca_jgen *j, struct casca_error **err);
/* Free without producing a document (safe after finish). */
void casca_jgen_done(struct casca_jgen *j);
#define _cleanup_jgen_ __attribute__((cleanup(casca_jgen_done)))

void casca_jgen_map_open(struct casca_jgen *j);
void casca_jgen_map_close(struct casca_jgen *j);
void casca_jgen_array_open(struct casca_jgen *j);
void casca_jgen_array_close(struct casca_jgen *j);
/* NULL is a failure. */
void casca_jgen_str(struct casca_jgen *j, const char *s);
void casca_jgen_null(struct casca_jgen *j);
void casca_jgen_bool(struct casca_jgen *j, bool b);
void casca_jgen_int(struct casca_jgen *j, long long v);
void casca_jgen_u64(struct casca_jgen *j, uint64_t v);
/* A parsed value as it was (numbers keep their text). */
void casca_jgen_value(struct casca_jgen *j, const struct casca_json *v);
/* base with overlay merged into it: members of objects merge one by one
 * (recursively; new ones are appended), elements of arrays of objects that
 * have the same identity (`pageSize`, or `major` and `minor`) merge and
 * other elements of overlay are appended, anything else in overlay replaces
 * what base has.  Either may be NULL. */
void casca_jgen_merged(struct casca_jgen *j, const struct casca_json *base,
                       const struct casca_json *overlay);
void casca_jgen_strv(struct casca_jgen *j, const char *const *v, size_t n);
/* "key": value shorthands for use inside a map. */
void casca_jgen_kstr(struct casca_jgen *j, const char *key, const char *value);
void casca_jgen_kbool(struct casca_jgen *j, const char *key, bool b);
void casca_jgen_kint(struct casca_jgen *j, const char *key, long long v);
void casca_jgen_ku64(struct casca_jgen *j, const char *key, uint64_t v);

#endif
