/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hooks.h - OCI hooks: run each with the state JSON on stdin. */
#ifndef CASCA_HOOKS_H
#define CASCA_HOOKS_H

#include "config.h"

/* Run the hooks of one kind in order; stop at the first failure, whose
 * error names the hook kind, index and path and carries its stderr. */
int casca_hooks_run(const struct casca_config *cfg, enum casca_hook_kind kind,
                    const char *state_json, struct casca_error **err);

#endif
