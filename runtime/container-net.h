/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* container-net.h - a container's network, as create and delete see it:
 * netns/ does the work, this records and undoes it under the state root. */
#ifndef CASCA_RUNTIME_CONTAINER_NET_H
#define CASCA_RUNTIME_CONTAINER_NET_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/config.h"

struct casca_network_result;

/* In the runtime, once the init (pid init) is in its
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
/* The same in the network namespace nsfd (init: its init, or 0 when there is
 * none yet, as on a restore; mode "user" needs one). */
int casca_container_net_setup_ns(const struct casca_config *cfg, const char *id, const char *root,
                                 int nsfd, pid_t init, bool build,
                                 struct casca_network_result **ret_res, struct casca_error **err);
/* Undo all of it from what <root>/<id> records (works after a SIGKILL at
 * any point of the setup; nothing recorded is success).  On a failure the
 * pinned namespace stays for a retry, unless force. */
int casca_container_net_teardown(const char *root, const char *id, bool force,
                                 struct casca_error **err);

#endif
