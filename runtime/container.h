/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* container.h - internals shared by create.c and container.c. */
#ifndef CASCA_CONTAINER_H
#define CASCA_CONTAINER_H

#include "casca.h"

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

const char *casca_container_state_root(const struct casca_context *ctx);
/* realpath() of the state root (netns/ records paths under it). */
char *casca_container_state_root_abs(const struct casca_context *ctx, struct casca_error **err);

struct casca_network_result;

/* container-net.c.  In the runtime, once the init (pid init) is in its
 * network namespace: pin that namespace when linux.netDevices is set, build
 * casca.network when build (a new network namespace and cfg->network), move
 * in the netDevices, write <root>/<id>/{hostname,hosts,resolv.conf}.
 * *ret_res: the network (NULL without build), to be freed with
 * casca_network_result_free() as late as possible (it holds the nftables
 * socket, whose release waits for an RCU grace period).  On a failure the
 * caller runs casca_container_net_teardown(). */
int casca_container_net_setup(const struct casca_config *cfg, const char *id, const char *root,
                              pid_t init, bool build, struct casca_network_result **ret_res,
                              struct casca_error **err);
/* Undo all of it from what <root>/<id> records (works after a SIGKILL at
 * any point of the setup; nothing recorded is success).  On a failure the
 * pinned namespace stays for a retry, unless force. */
int casca_container_net_teardown(const char *root, const char *id, bool force,
                                 struct casca_error **err);

#endif
