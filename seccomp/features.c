/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* features.c - the linux.seccomp object of `casca features`
 * (runtime-spec features-linux.md). */
#include <stdio.h>

#include "seccomp/internal.h"
#include "seccomp/seccomp.h"

/* SCMP_ACT_NOTIFY and seccomp_notify_fd() need API level 5. */
#define NOTIFY_API_LEVEL 5

static bool flag_supported(const char *name)
{
        enum scmp_filter_attr attr;

        return casca_seccomp_flag_lookup(name, &attr) == 0 &&
               casca_seccomp_flag_kernel_supported(name);
}

/* only what this libseccomp can put in a filter */
static bool arch_supported(const char *name)
{
        uint32_t token;

        return casca_seccomp_arch_lookup(name, &token) == 0;
}

static const char *action_at(size_t i)
{
        return casca_seccomp_action_name((enum casca_seccomp_action)i);
}

static const char *op_at(size_t i)
{
        return casca_seccomp_op_name((enum casca_seccomp_op)i);
}

/* "key": [the names at(0), at(1), ... that keep() accepts] */
static yajl_gen_status gen_names(yajl_gen g, const char *key, const char *(*at)(size_t),
                                 bool (*keep)(const char *))
{
        yajl_gen_status st = yajl_gen_status_ok;
        const char *name;

        GEN(st, casca_seccomp_gen_str(g, key));
        GEN(st, yajl_gen_array_open(g));
        for (size_t i = 0; (name = at(i)); i++)
                if (!keep || keep(name))
                        GEN(st, casca_seccomp_gen_str(g, name));
        GEN(st, yajl_gen_array_close(g));
        return st;
}

int casca_seccomp_features(yajl_gen g, struct casca_error **err)
{
        yajl_gen_status st = yajl_gen_status_ok;

        GEN(st, yajl_gen_map_open(g));
        GEN(st, casca_seccomp_gen_str(g, "enabled"));
        GEN(st, yajl_gen_bool(g, 1));
        GEN(st, gen_names(g, "actions", action_at, NULL));
        GEN(st, gen_names(g, "operators", op_at, NULL));
        GEN(st, gen_names(g, "archs", casca_seccomp_arch_name, arch_supported));
        GEN(st, gen_names(g, "knownFlags", casca_seccomp_flag_name, NULL));
        GEN(st, gen_names(g, "supportedFlags", casca_seccomp_flag_name, flag_supported));
        GEN(st, yajl_gen_map_close(g));
        return casca_seccomp_gen_done(st, "seccomp features", err);
}

int casca_seccomp_features_annotations(yajl_gen g, struct casca_error **err)
{
        yajl_gen_status st = yajl_gen_status_ok;
        const struct scmp_version *v = seccomp_version();
        char version[32];

        snprintf(version, sizeof(version), "%u.%u.%u", v ? v->major : 0, v ? v->minor : 0,
                 v ? v->micro : 0);
        GEN(st, casca_seccomp_gen_str(g, "io.github.seccomp.libseccomp.version"));
        GEN(st, casca_seccomp_gen_str(g, version));
        GEN(st, casca_seccomp_gen_str(g, CASCA_ANNOTATION_SECCOMP_LISTENER));
        GEN(st, casca_seccomp_gen_str(g, seccomp_api_get() >= NOTIFY_API_LEVEL ? "true" : "false"));
        return casca_seccomp_gen_done(st, "seccomp features annotations", err);
}
