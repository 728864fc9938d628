/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* features.c - the linux.seccomp object of `casca features`
 * (runtime-spec features-linux.md). */
#include <stdio.h>

#include "seccomp/seccomp.h"
#include "util/json.h"
#include "util/format.h"

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
static void gen_names(struct casca_jgen *j, const char *key, const char *(*at)(size_t),
                      bool (*keep)(const char *))
{
        const char *name;

        casca_jgen_str(j, key);
        casca_jgen_array_open(j);
        for (size_t i = 0; (name = at(i)); i++)
                if (!keep || keep(name))
                        casca_jgen_str(j, name);
        casca_jgen_array_close(j);
}

void casca_seccomp_features(struct casca_jgen *j)
{
        casca_jgen_map_open(j);
        casca_jgen_kbool(j, "enabled", true);
        gen_names(j, "actions", action_at, NULL);
        gen_names(j, "operators", op_at, NULL);
        gen_names(j, "archs", casca_seccomp_arch_name, arch_supported);
        gen_names(j, "knownFlags", casca_seccomp_flag_name, NULL);
        gen_names(j, "supportedFlags", casca_seccomp_flag_name, flag_supported);
        casca_jgen_map_close(j);
}

void casca_seccomp_features_annotations(struct casca_jgen *j)
{
        const struct scmp_version *v = seccomp_version();
        char version[40]; /* three unsigned ints and two dots always fit */

        casca_snprintf_trunc(version, sizeof(version), "%u.%u.%u", v ? v->major : 0,
                             v ? v->minor : 0, v ? v->micro : 0);
        casca_jgen_kstr(j, "io.github.seccomp.libseccomp.version", version);
        casca_jgen_kstr(j, CASCA_ANNOTATION_SECCOMP_LISTENER,
                        seccomp_api_get() >= NOTIFY_API_LEVEL ? "true" : "false");
}
