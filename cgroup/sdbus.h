/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sdbus.h - libsystemd, loaded when the systemd cgroup manager first needs
 * it (cgroup/ only; sdbus.c says why). */
#ifndef CASCA_CGROUP_SDBUS_H
#define CASCA_CGROUP_SDBUS_H

#include "casca.h"

/* Loads libsystemd.so.0 once; the sd_bus_* functions work after it. */
int casca_sdbus_open(struct casca_error **err);

#endif
