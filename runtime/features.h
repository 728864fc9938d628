/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* features.h - the runtime-spec "features" document (`casca features`). */
#ifndef CASCA_FEATURES_H
#define CASCA_FEATURES_H

#include "casca.h"

/* What this casca supports, as the runtime-spec features.md document:
 * pretty-printed JSON, malloc'd, ending in a newline. */
char *casca_features_json(struct casca_error **err);

#endif
