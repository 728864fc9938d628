/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create.h - what create.c shares with restore (checkpoint.c). */
#ifndef CASCA_RUNTIME_CREATE_H
#define CASCA_RUNTIME_CREATE_H

#include "casca.h"
#include "runtime/config.h"

struct casca_cgroup;
struct casca_sdprops;

/* The device program of the container's cgroup: linux.resources.devices,
 * then the defaults every container gets. */
int casca_container_device_rules(struct casca_cgroup *cg, const struct casca_linux *l,
                                 struct casca_error **err);
/* A bundle as create and restore read it: the directory (realpath), the
 * config's bytes, the parsed config, and root.path resolved (realpath, a
 * directory).  casca_bundle_load fills B from BUNDLE/config.json, or from
 * JSON when it is not NULL (create --config); VERB names the verb in the
 * error for a config without `process`.  What it set is the caller's to
 * free, on failure too. */
struct casca_bundle {
        char *dir;
        char *config_json;
        size_t config_len;
        struct casca_config *cfg;
        char *rootfs;
};
int casca_bundle_load(const char *bundle, const char *json, size_t json_len, const char *verb,
                      struct casca_bundle *b, struct casca_error **err);
void casca_bundle_free(struct casca_bundle *b);

/* The org.systemd.property.* annotations of CFG parsed into RET (the
 * caller's to clear, on failure too) and checked against the cgroup
 * manager: refused with cgroupfs but for the stop properties podman
 * always sends, a warning with cgroups disabled. */
int casca_container_sdprops(struct casca_context *ctx, const char *id,
                            const struct casca_config *cfg, struct casca_sdprops *ret,
                            struct casca_error **err);

#endif
