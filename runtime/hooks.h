/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hooks.h - OCI hooks: run each with the state JSON on stdin. */
#ifndef CASCA_HOOKS_H
#define CASCA_HOOKS_H

#include "runtime/config.h"

/* Run the hooks of one kind in order; stop at the first failure, whose
 * error names the hook kind, index and path and carries its stderr. */
int casca_hooks_run(const struct casca_config *cfg, enum casca_hook_kind kind,
                    const char *state_json, struct casca_error **err);

/* Run every hook of one kind, in order, whatever the others do: each
 * failure goes to warn (its error as casca_hooks_run() would have it), and
 * the next hook runs, as the runtime-spec asks of poststop hooks (and of
 * poststart ones before 1.3).  Returns how many failed. */
typedef void (*casca_hooks_warn_fn)(void *userdata, const struct casca_error *e);
size_t casca_hooks_run_all(const struct casca_config *cfg, enum casca_hook_kind kind,
                           const char *state_json, casca_hooks_warn_fn warn, void *userdata);

#endif
