/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config-internal.h - what config.c and config-linux.c share.  Not for
 * other subsystems: they read only config.h. */
#ifndef CASCA_CONFIG_INTERNAL_H
#define CASCA_CONFIG_INTERNAL_H

#include "runtime/config.h"
#include "util/json.h"

/* Parse the "linux" object into cfg->linux_cfg (config-linux.c). */
int casca_config_linux_parse(struct casca_linux *l, yajl_val v, const struct casca_jpath *p,
                             struct casca_error **err);
/* Rules that tie sections together (mappings need a user namespace, ...). */
int casca_config_linux_validate(const struct casca_config *cfg, struct casca_error **err);
void casca_config_linux_free(struct casca_linux *l);

/* Helpers both files use. */
void casca_config_kv_free(struct casca_kv *kv, size_t n);
/* An object of string values as (key, value) pairs in document order. */
int casca_config_parse_kv(yajl_val v, const struct casca_jpath *p, struct casca_kv **ret,
                          size_t *ret_n, struct casca_error **err);
/* An array of absolute paths. */
int casca_config_parse_paths(yajl_val v, const struct casca_jpath *p, char ***ret, size_t *ret_n,
                             struct casca_error **err);
/* Parse one object of an array into elem (zeroed). */
typedef int (*casca_config_elem_fn)(void *elem, yajl_val obj, const struct casca_jpath *p,
                                    struct casca_error **err);
/* An array of objects into a calloc'd array of elem_size-byte elements.
 * *ret and *ret_n are set before the elements are parsed, so that a
 * half-filled array is freed with the rest of the config. */
int casca_config_parse_array(yajl_val v, const struct casca_jpath *p, size_t elem_size, void **ret,
                             size_t *ret_n, casca_config_elem_fn fn, struct casca_error **err);
/* calloc(n, size) that reports ENOMEM through err (n == 0 gives NULL, ok). */
int casca_config_alloc(size_t n, size_t size, void **ret, struct casca_error **err);

/* A name and its value, for tables of the names a field may take. */
struct casca_config_name {
        const char *name;
        int value;
};
/* A string member that must be one of table's names: *ret is its value.
 * "process.scheduler.policy: unknown policy \"SCHED_X\" (expected
 * SCHED_OTHER, SCHED_FIFO, ...)"; what names the kind ("policy"). */
int casca_config_parse_name(yajl_val v, const struct casca_jpath *p,
                            const struct casca_config_name *table, size_t n, const char *what,
                            int *ret, struct casca_error **err);
/* An array of table's names: *ret gets the OR of their values. */
int casca_config_parse_flags(yajl_val v, const struct casca_jpath *p,
                             const struct casca_config_name *table, size_t n, int *ret,
                             struct casca_error **err);
/* A list of ids as the kernel writes them, "0-3,7", into set; ids must be
 * below CASCA_ID_SET_BITS.  An empty string is the empty set. */
int casca_config_parse_id_set(yajl_val v, const struct casca_jpath *p, struct casca_id_set *set,
                              struct casca_error **err);

/* Name tables (config.c) for the parser, `spec` and `features`. */
/* The i-th mount option casca_mount_parse_options() knows, NULL past the end. */
const char *casca_config_mount_option_name(size_t i);
/* "rprivate" -> MS_PRIVATE|MS_REC; 0 when unknown. */
unsigned long casca_config_propagation_from_name(const char *name);
/* "prestart", "createRuntime", ... */
const char *casca_config_hook_name(enum casca_hook_kind k);
/* linux.memoryPolicy modes and flags (config-linux.c), NULL past the end. */
const char *casca_config_mempolicy_mode_name(size_t i);
const char *casca_config_mempolicy_flag_name(size_t i);

#endif
