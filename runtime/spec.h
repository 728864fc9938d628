/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spec.h - the default config.json `casca spec` writes. */
#ifndef CASCA_SPEC_H
#define CASCA_SPEC_H

#include <stdbool.h>

#include "casca.h"

/* A pretty-printed config.json like `runc spec` writes (malloc'd, ends in a
 * newline), except that process.terminal is false so that `casca run` works
 * without a tty.  rootless: a user namespace mapping the caller's uid/gid to
 * 0, no network namespace, /sys bind-mounted read-only from the host, no
 * uid=/gid= mount options and no cgroup device rules. */
char *casca_spec_default(bool rootless, struct casca_error **err);

enum casca_spec_network {
        CASCA_SPEC_NETWORK_NONE,   /* a network namespace with only lo (rootless: none) */
        CASCA_SPEC_NETWORK_BRIDGE, /* casca.network with its defaults (not rootless) */
};

/* casca_spec_default() with the network choice; bridge adds a
 * "casca": {"network": {...}} section with the defaults spelled out. */
char *casca_spec_generate(bool rootless, enum casca_spec_network net, struct casca_error **err);

#endif
