/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* features.c - the runtime-spec features document, from the same name
 * tables the config parser uses. */
#include "runtime/config-internal.h"
#include "runtime/config.h"
#include "runtime/features.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"
#include "util/json.h"

static void gen_enabled(struct casca_jgen *j, const char *key, bool enabled)
{
        casca_jgen_str(j, key);
        casca_jgen_map_open(j);
        casca_jgen_kbool(j, "enabled", enabled);
        casca_jgen_map_close(j);
}

static void gen_linux(struct casca_jgen *j)
{
        casca_jgen_str(j, "linux");
        casca_jgen_map_open(j);

        casca_jgen_str(j, "namespaces");
        casca_jgen_array_open(j);
        for (int t = 0; t < CASCA_NS__MAX; t++)
                casca_jgen_str(j, casca_ns_type_name(t));
        casca_jgen_array_close(j);

        casca_jgen_str(j, "capabilities");
        casca_jgen_array_open(j);
        for (int c = 0; c < 64; c++) {
                const char *name = casca_capability_name(c);
                if (name)
                        casca_jgen_str(j, name);
        }
        casca_jgen_array_close(j);

        casca_jgen_str(j, "cgroup");
        casca_jgen_map_open(j);
        casca_jgen_kbool(j, "v1", false);
        casca_jgen_kbool(j, "v2", true);
        casca_jgen_kbool(j, "systemd", true);
        casca_jgen_kbool(j, "systemdUser", true);
        casca_jgen_kbool(j, "rdma", false);
        casca_jgen_map_close(j);

        /* emitted by the seccomp code, which knows the actions, operators,
         * architectures and flags libseccomp offers */
        casca_jgen_str(j, "seccomp");
        casca_seccomp_features(j);

        /* applied where the host has the LSM, refused by name where not */
        gen_enabled(j, "apparmor", true);
        gen_enabled(j, "selinux", true);

        casca_jgen_str(j, "intelRdt");
        casca_jgen_map_open(j);
        casca_jgen_kbool(j, "enabled", false);
        casca_jgen_kbool(j, "schemata", false);
        casca_jgen_kbool(j, "enableMonitoring", false);
        casca_jgen_map_close(j);

        casca_jgen_str(j, "memoryPolicy");
        casca_jgen_map_open(j);
        casca_jgen_str(j, "modes");
        casca_jgen_array_open(j);
        for (size_t i = 0; casca_config_mempolicy_mode_name(i); i++)
                casca_jgen_str(j, casca_config_mempolicy_mode_name(i));
        casca_jgen_array_close(j);
        casca_jgen_str(j, "flags");
        casca_jgen_array_open(j);
        for (size_t i = 0; casca_config_mempolicy_flag_name(i); i++)
                casca_jgen_str(j, casca_config_mempolicy_flag_name(i));
        casca_jgen_array_close(j);
        casca_jgen_map_close(j);

        casca_jgen_str(j, "mountExtensions");
        casca_jgen_map_open(j);
        gen_enabled(j, "idmap", false);
        casca_jgen_map_close(j);

        casca_jgen_map_close(j);
}

char *casca_features_json(struct casca_error **err)
{
        struct casca_jgen j;

        if (casca_jgen_init(&j, CASCA_JGEN_DOCUMENT, err) < 0)
                return NULL;
        casca_jgen_map_open(&j);
        casca_jgen_kstr(&j, "ociVersionMin", "1.0.0");
        casca_jgen_kstr(&j, "ociVersionMax", CASCA_OCI_VERSION);

        casca_jgen_str(&j, "hooks");
        casca_jgen_array_open(&j);
        for (int k = 0; k < CASCA_HOOK__MAX; k++)
                casca_jgen_str(&j, casca_config_hook_name(k));
        casca_jgen_array_close(&j);

        casca_jgen_str(&j, "mountOptions");
        casca_jgen_array_open(&j);
        for (size_t i = 0; casca_config_mount_option_name(i); i++)
                casca_jgen_str(&j, casca_config_mount_option_name(i));
        casca_jgen_array_close(&j);

        gen_linux(&j);

        casca_jgen_str(&j, "annotations");
        casca_jgen_map_open(&j);
        casca_jgen_kstr(&j, "io.github.casca.version", CASCA_VERSION);
        casca_seccomp_features_annotations(&j);
        /* runc's key is org.opencontainers.runc.checkpoint.enabled: true
         * where criu is installed for `checkpoint` and `restore` to run */
        casca_jgen_kstr(&j, "io.github.casca.checkpoint.enabled",
                        casca_criu_available() ? "true" : "false");
        casca_jgen_map_close(&j);

        casca_jgen_map_close(&j);
        return casca_jgen_finish(&j, err);
}
