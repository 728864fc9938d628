/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* log.c - hand messages to the caller's log function; the library never prints. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"

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

const char *casca_default_state_root(void)
{
        static char buf[4096];
        const char *xdg;

        if (geteuid() == 0)
                return "/run/casca";
        xdg = getenv("XDG_RUNTIME_DIR");
        if (xdg && xdg[0] == '/' && snprintf(buf, sizeof(buf), "%s/casca", xdg) < (int)sizeof(buf))
                return buf;
        snprintf(buf, sizeof(buf), "/tmp/casca-%u", (unsigned)geteuid());
        return buf;
}
