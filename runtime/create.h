/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create.h - what create.c shares with restore (checkpoint.c). */
#ifndef CASCA_RUNTIME_CREATE_H
#define CASCA_RUNTIME_CREATE_H

#include "casca.h"
#include "runtime/config.h"

struct casca_cgroup;

/* The device program of the container's cgroup: linux.resources.devices,
 * then the defaults every container gets. */
int casca_container_device_rules(struct casca_cgroup *cg, const struct casca_linux *l,
                                 struct casca_error **err);
/* Now in RFC 3339 (UTC, nanoseconds), malloc'd; NULL on ENOMEM. */
char *casca_now_rfc3339(void);

#endif
