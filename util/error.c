/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* error.c - the error object every fallible casca function fills. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CASCA_ERROR_IMPL /* defines the functions, not the analyzer's macros */
#include "casca.h"

static int error_vset(struct casca_error **err, int code, bool with_reason, const char *fmt,
                      va_list ap) __attribute__((format(printf, 4, 0)));

static int error_vset(struct casca_error **err, int code, bool with_reason, const char *fmt,
                      va_list ap)
{
        int ret = code > 0 ? -code : -EINVAL;
        char *head = NULL, *msg = NULL;
        struct casca_error *e;

        if (!err || *err)
                return ret;
        if (vasprintf(&head, fmt, ap) < 0)
                head = NULL;
        if (head && with_reason && code > 0) {
                if (asprintf(&msg, "%s: %s", head, strerror(code)) < 0)
                        msg = NULL;
                free(head);
        } else {
                msg = head;
        }
        e = calloc(1, sizeof(*e));
        if (!e) {
                free(msg);
                return ret;
        }
        e->code = code > 0 ? code : EINVAL;
        e->msg = msg ? msg : strdup("out of memory");
        *err = e;
        return ret;
}

int casca_error_set(struct casca_error **err, int code, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = error_vset(err, code, true, fmt, ap);
        va_end(ap);
        return r;
}

int casca_error_setx(struct casca_error **err, int code, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = error_vset(err, code, false, fmt, ap);
        va_end(ap);
        return r;
}

int casca_error_prefix(struct casca_error **err, const char *fmt, ...)
{
        char *head = NULL, *msg = NULL;
        va_list ap;

        if (!err || !*err)
                return -EINVAL;
        va_start(ap, fmt);
        if (vasprintf(&head, fmt, ap) < 0)
                head = NULL;
        va_end(ap);
        if (head && asprintf(&msg, "%s: %s", head, (*err)->msg) >= 0) {
                free((*err)->msg);
                (*err)->msg = msg;
        }
        free(head);
        return -(*err)->code;
}

void casca_error_free(struct casca_error *err)
{
        if (!err)
                return;
        free(err->msg);
        free(err);
}
