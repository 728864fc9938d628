/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* log.c - hand messages to the caller's log function; the library never prints. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"

void casca_log(const struct casca_context *ctx, enum casca_log_level level, const char *fmt, ...)
{
        char *msg = NULL;
        va_list ap;

        if (!ctx || !ctx->log || (level == CASCA_LOG_DEBUG && !ctx->debug))
                return;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (msg)
                ctx->log(level, msg, ctx->log_data);
        free(msg);
}
