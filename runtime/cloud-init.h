/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cloud-init.h - casca.cloudInit: a NoCloud seed for the container's own
 * cloud-init (the mechanism LXD and Incus use). */
#ifndef CASCA_CLOUD_INIT_H
#define CASCA_CLOUD_INIT_H

#include <stddef.h>
#include <stdbool.h>

#include "casca.h"

struct casca_json;

/* Where cloud-init's NoCloud datasource looks for a seed inside the
 * container (cloud-init's docs: "seed directory"). */
#define CASCA_CLOUD_INIT_SEED_DIR "/var/lib/cloud/seed/nocloud"

enum casca_cloud_init_file {
        CASCA_CLOUD_INIT_USER_DATA,
        CASCA_CLOUD_INIT_META_DATA,
        CASCA_CLOUD_INIT_NETWORK_CONFIG,
        CASCA_CLOUD_INIT__MAX,
};

struct casca_cloud_init {
        /* per file: the text given inline, or the path of a file (relative
         * to the bundle) that casca_cloud_init_load() reads into text */
        struct {
                bool present;
                char *text, *path;
                size_t len;
        } part[CASCA_CLOUD_INIT__MAX];
};

/* The config key ("userData") and seed file name ("user-data") of a part. */
const char *casca_cloud_init_key(enum casca_cloud_init_file f);
const char *casca_cloud_init_file_name(enum casca_cloud_init_file f);

/* Parse the casca.cloudInit object: keys userData, metaData,
 * networkConfig, each a string (the text) or {"path": FILE}; any other
 * key is an error. */
int casca_cloud_init_parse(const struct casca_json *v, struct casca_cloud_init **ret,
                           struct casca_error **err);
void casca_cloud_init_free(struct casca_cloud_init *ci);

/* At create: read the files (relative to bundle), give meta-data a default
 * (instance-id: the container id; local-hostname: hostname when set) and
 * check the YAML of meta-data, network-config and a "#cloud-config"
 * user-data.  Errors name the field: "casca.cloudInit.userData: invalid
 * YAML at line 3, column 7: ...".
 *
 * casca_if: the interface casca's own network (casca.network) configures
 * in the container, or NULL when casca does not configure its network.
 * With one, cloud-init must leave the network alone: a network-config
 * that is not cloud-init's "disabled" form is refused, naming both
 * fields, and without one casca writes that form (CASCA_CLOUD_INIT_NET_OFF). */
int casca_cloud_init_load(struct casca_cloud_init *ci, const char *bundle, const char *id,
                          const char *hostname, const char *casca_if, struct casca_error **err);

/* The network-config casca writes beside casca.network: cloud-init's
 * net.is_disabled_cfg() form, which its _find_networking_config() takes
 * from a datasource as "network config is disabled by ds". */
#define CASCA_CLOUD_INIT_NET_OFF                                                                   \
        "# casca.network configures this container's network: cloud-init leaves it alone\n"        \
        "config: disabled\n"

/* Does this network-config (valid YAML) tell cloud-init to leave the
 * network alone?  As cloud-init reads it: the value of a top-level
 * "network" key if there is one, else the top level, is a mapping whose
 * "config" is "disabled". */
bool casca_cloud_init_net_disabled(const char *text, size_t len);

/* Check that text is one YAML document whose top level is a mapping (or
 * empty); errors are prefixed with what. */
int casca_cloud_init_check_yaml(const char *text, size_t len, const char *what,
                                struct casca_error **err);

/* Write the seed's files into the directory dir_fd (the tmpfs the child
 * mounts at CASCA_CLOUD_INIT_SEED_DIR). */
int casca_cloud_init_write_seed(const struct casca_cloud_init *ci, int dir_fd,
                                struct casca_error **err);

#endif
