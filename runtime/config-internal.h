/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config-internal.h - what config.c and config-linux.c share.  Not for
 * other subsystems: they read only config.h. */
#ifndef CASCA_CONFIG_INTERNAL_H
#define CASCA_CONFIG_INTERNAL_H

#include "runtime/config.h"
#include "util/json.h"

/* Parse the "linux" object into cfg->linux_cfg (config-linux.c). */
int casca_config_linux_parse(struct casca_linux *l, const struct casca_json *v,
                             const struct casca_jpath *p, struct casca_error **err);
/* Rules that tie sections together (mappings need a user namespace, ...). */
int casca_config_linux_validate(const struct casca_config *cfg, struct casca_error **err);
void casca_config_linux_free(struct casca_linux *l);

/* An array of absolute paths. */
int casca_config_parse_paths(const struct casca_json *v, const struct casca_jpath *p, char ***ret,
                             size_t *ret_n, struct casca_error **err);
/* A list of ids as the kernel writes them, "0-3,7", into set; ids must be
 * below CASCA_ID_SET_BITS.  An empty string is the empty set. */
int casca_config_parse_id_set(const struct casca_json *v, const struct casca_jpath *p,
                              struct casca_id_set *set, struct casca_error **err);

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
