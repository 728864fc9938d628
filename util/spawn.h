/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spawn.h - run a helper program directly (fork/exec, no shell) and wait. */
#ifndef CASCA_SPAWN_H
#define CASCA_SPAWN_H

#include "casca.h"

/* The executable `name` in $PATH (default /usr/bin:/bin), malloc'd, or NULL. */
char *casca_find_program(const char *name);
/* Run argv[0] (a path) with argv and the environment, wait for it; its
 * stderr (the first 511 bytes) goes into the error when it fails:
 * "<what>: <argv[0]> failed (exit status N): <stderr>". */
int casca_spawn_wait(char *const *argv, const char *what, struct casca_error **err);

#endif
