/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* usernet.h - casca.network mode "user": a user-mode network through pasta
 * (Debian's `passt`), which needs no privilege on the host. */
#ifndef CASCA_USERNET_H
#define CASCA_USERNET_H

#include <sys/types.h>

#include "casca.h"
#include "netns/netconf.h"

#define CASCA_USERNET_PIDFILE "pasta.pid"

/* Start pasta for the network namespace of pid (it joins pid's user
 * namespace too; netns_path instead when not NULL, for root): the interface, address and routes
 * copied from the host
 * (--config-net), DNS forwarded from CASCA_NET_USER_DNS to the host's
 * resolver, nc's ports forwarded from the host, nothing else.  pasta
 * daemonizes and writes its pid into pidfile. */
int casca_usernet_start(const struct casca_netconf *nc, pid_t pid, const char *netns_path,
                        const char *pidfile, struct casca_error **err);
/* Stop the pasta pidfile names (if that pid is still a pasta) and remove
 * pidfile; no pidfile: nothing to do. */
int casca_usernet_stop(const char *pidfile, struct casca_error **err);

#endif
