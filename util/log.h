/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CASCA_LOG_H
#define CASCA_LOG_H

#include "casca.h"

void casca_log(const struct casca_context *ctx, enum casca_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
