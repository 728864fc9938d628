/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* internal.h - helpers shared by the seccomp/ sources; not installed. */
#ifndef CASCA_SECCOMP_INTERNAL_H
#define CASCA_SECCOMP_INTERNAL_H

#include <errno.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "casca.h"

/* Emit with yajl_gen while st is ok: `GEN(st, yajl_gen_map_open(g));` */
#define GEN(st, call)                                                                              \
        do {                                                                                       \
                if ((st) == yajl_gen_status_ok)                                                    \
                        (st) = (call);                                                             \
        } while (0)

static inline yajl_gen_status casca_seccomp_gen_str(yajl_gen g, const char *s)
{
        return yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static inline int casca_seccomp_gen_done(yajl_gen_status st, const char *what,
                                         struct casca_error **err)
{
        if (st == yajl_gen_status_ok)
                return 0;
        return casca_error_setx(err, EINVAL, "%s: json generator error %d", what, (int)st);
}

static inline void casca_seccomp_gen_freep(yajl_gen *g)
{
        if (*g)
                yajl_gen_free(*g);
}

static inline void casca_seccomp_tree_freep(yajl_val *v)
{
        if (*v)
                yajl_tree_free(*v);
}

#endif
