/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* container.h - internals shared by create.c and container.c. */
#ifndef CASCA_CONTAINER_H
#define CASCA_CONTAINER_H

#include "casca.h"

const char *casca_container_state_root(const struct casca_context *ctx);

#endif
