/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config-linux.c - the "linux" object of config.json: namespaces, id
 * mappings, devices, cgroup resources, sysctl, seccomp, paths. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "cgroup/config.h"
#include "netns/netconf.h"
#include "runtime/config-internal.h"
#include "runtime/config.h"
#include "seccomp/config.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/format.h"

/* ---- namespaces, mappings, time offsets ------------------------------------ */

static int parse_namespaces(struct casca_linux *l, const struct casca_json *v,
                            const struct casca_jpath *p, struct casca_error **err)
{
        int r = casca_json_array(v, p, err);

        if (r < 0)
                return r;
        for (size_t i = 0; i < casca_json_len(v); i++) {
                const struct casca_jpath *ip = JIDX(p, i);
                const struct casca_json *o = casca_json_at(v, i), *x;
                int t;

                r = casca_json_object(o, ip, err);
                if (r < 0)
                        return r;
                if (!(x = casca_json_require(o, "type", ip, err)))
                        return -EINVAL;
                if (!casca_json_is_string(x))
                        return casca_json_error(err, JKEY(ip, "type"), "expected a string");
                for (t = 0; t < CASCA_NS__MAX; t++)
                        if (strcmp(casca_ns_type_name(t), casca_json_str(x)) == 0)
                                break;
                if (t == CASCA_NS__MAX)
                        return casca_json_error(err, JKEY(ip, "type"), "unknown namespace \"%s\"",
                                                casca_json_str(x));
                if (l->namespaces[t].present)
                        return casca_json_error(err, JKEY(ip, "type"), "duplicate namespace \"%s\"",
                                                casca_json_str(x));
                l->namespaces[t].present = true;
                if ((x = casca_json_get(o, "path"))) {
                        r = casca_json_string(x, JKEY(ip, "path"), &l->namespaces[t].path, err);
                        if (r < 0)
                                return r;
                        if (l->namespaces[t].path[0] != '/')
                                return casca_json_error(err, JKEY(ip, "path"),
                                                        "must be an absolute path");
                }
        }
        return 0;
}

static int parse_id_mapping(void *elem, const struct casca_json *o, const struct casca_jpath *p,
                            struct casca_error **err)
{
        struct casca_id_mapping *m = elem;
        int r;

        if ((r = casca_json_req_u32(o, "containerID", p, &m->container_id, err)) < 0 ||
            (r = casca_json_req_u32(o, "hostID", p, &m->host_id, err)) < 0 ||
            (r = casca_json_req_u32(o, "size", p, &m->size, err)) < 0)
                return r;
        if (m->size == 0)
                return casca_json_error(err, JKEY(p, "size"), "must be at least 1");
        return 0;
}

static int parse_time_offsets(struct casca_linux *l, const struct casca_json *v,
                              const struct casca_jpath *p, struct casca_error **err)
{
        static const char *const clocks[CASCA_CLOCK__MAX] = {
                [CASCA_CLOCK_MONOTONIC] = "monotonic",
                [CASCA_CLOCK_BOOTTIME] = "boottime",
        };
        int r = casca_json_object(v, p, err);

        if (r < 0)
                return r;
        for (size_t i = 0; i < casca_json_len(v); i++) {
                const char *name = casca_json_key(v, i);
                const struct casca_jpath *cp = JKEY(p, name);
                const struct casca_json *o = casca_json_at(v, i), *x;
                struct casca_time_offset *off;
                int c;

                for (c = 0; c < CASCA_CLOCK__MAX; c++)
                        if (strcmp(clocks[c], name) == 0)
                                break;
                if (c == CASCA_CLOCK__MAX)
                        return casca_json_error(err, cp,
                                                "unknown clock \"%s\" (expected monotonic or "
                                                "boottime)",
                                                name);
                off = &l->time_offsets[c];
                if (off->present)
                        return casca_json_error(err, cp, "duplicate clock");
                r = casca_json_object(o, cp, err);
                if (r < 0)
                        return r;
                off->present = true;
                if ((x = casca_json_get(o, "secs"))) {
                        r = casca_json_i64(x, JKEY(cp, "secs"), &off->secs, err);
                        if (r < 0)
                                return r;
                }
                if ((x = casca_json_get(o, "nanosecs"))) {
                        int64_t ns;
                        r = casca_json_int_range(x, JKEY(cp, "nanosecs"), 0, 999999999, &ns, err);
                        if (r < 0)
                                return r;
                        off->nanosecs = (uint32_t)ns;
                }
        }
        return 0;
}

/* ---- devices ---------------------------------------------------------------- */

static int parse_device(void *elem, const struct casca_json *o, const struct casca_jpath *p,
                        struct casca_error **err)
{
        struct casca_device *d = elem;
        char why[40];
        int r;

        d->major = d->minor = -1;
        if (!casca_json_require(o, "type", p, err))
                return -EINVAL;
        r = casca_cgroup_json_type(o, "cbup", "c, b, u or p", p, &d->type, err);
        if (r < 0)
                return r;
        if ((r = casca_json_req_string(o, "path", p, &d->path, err)) < 0)
                return r;
        if (d->path[0] != '/')
                return casca_json_error(err, JKEY(p, "path"), "must be an absolute path");
        casca_snprintf_trunc(why, sizeof(why), " for device type '%c'", d->type); /* fits */
        r = casca_cgroup_json_devnum(o, p, 0, d->type != 'p', why, &d->major, &d->minor, err);
        if (r < 0)
                return r;
        if ((r = casca_json_opt_u32(o, "fileMode", p, &d->file_mode, err)) < 0)
                return r;
        d->has_file_mode = r > 0;
        if ((r = casca_json_opt_u32(o, "uid", p, &d->uid, err)) < 0)
                return r;
        d->has_uid = r > 0;
        if ((r = casca_json_opt_u32(o, "gid", p, &d->gid, err)) < 0)
                return r;
        d->has_gid = r > 0;
        return 0;
}

/* ---- the rest of "linux" -------------------------------------------------- */

/* include/uapi/linux/mempolicy.h */
static const struct casca_json_name mempolicy_modes[] = {
        {"MPOL_DEFAULT", 0},
        {"MPOL_PREFERRED", 1},
        {"MPOL_BIND", 2},
        {"MPOL_INTERLEAVE", 3},
        {"MPOL_LOCAL", 4},
        {"MPOL_PREFERRED_MANY", 5},
        {"MPOL_WEIGHTED_INTERLEAVE", 6},
};

static const struct casca_json_name mempolicy_flags[] = {
        {"MPOL_F_NUMA_BALANCING", 1 << 13},
        {"MPOL_F_RELATIVE_NODES", 1 << 14},
        {"MPOL_F_STATIC_NODES", 1 << 15},
};

const char *casca_config_mempolicy_mode_name(size_t i)
{
        return i < ARRAY_SIZE(mempolicy_modes) ? mempolicy_modes[i].name : NULL;
}

const char *casca_config_mempolicy_flag_name(size_t i)
{
        return i < ARRAY_SIZE(mempolicy_flags) ? mempolicy_flags[i].name : NULL;
}

/* linux.memoryPolicy: set_mempolicy(2) for the container's process.  Which
 * combinations of mode, nodes and flags are valid is the kernel's to say
 * (the init reports its EINVAL), except what the spec itself rules. */
static int parse_memory_policy(struct casca_linux *l, const struct casca_json *v,
                               const struct casca_jpath *p, struct casca_error **err)
{
        const struct casca_json *x;
        int mode, r;

        if ((r = casca_json_object(v, p, err)) < 0)
                return r;
        if (!(x = casca_json_require(v, "mode", p, err)))
                return -EINVAL;
        r = casca_json_name(x, JKEY(p, "mode"), mempolicy_modes, ARRAY_SIZE(mempolicy_modes),
                            "mode", &mode, err);
        if (r < 0)
                return r;
        l->memory_policy_nodes.empty = true;
        if ((x = casca_json_get(v, "nodes"))) {
                r = casca_config_parse_id_set(x, JKEY(p, "nodes"), &l->memory_policy_nodes, err);
                if (r < 0)
                        return r;
        }
        if ((mode == 0 || mode == 4) && !l->memory_policy_nodes.empty)
                return casca_json_error(err, JKEY(p, "nodes"), "must be empty for %s",
                                        mempolicy_modes[mode].name);
        if (mode != 0 && mode != 1 && mode != 4 && l->memory_policy_nodes.empty)
                return casca_json_error(err, JKEY(p, "nodes"), "required for %s",
                                        mempolicy_modes[mode].name);
        if ((x = casca_json_get(v, "flags")) &&
            (r = casca_json_flags(x, JKEY(p, "flags"), mempolicy_flags, ARRAY_SIZE(mempolicy_flags),
                                  &mode, err)) < 0)
                return r;
        l->memory_policy = mode;
        l->has_memory_policy = true;
        return 0;
}

static int parse_personality(struct casca_linux *l, const struct casca_json *v,
                             const struct casca_jpath *p, struct casca_error **err)
{
        _cleanup_strv_ char **flags = NULL;
        const struct casca_json *x;
        size_t n;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        if (!(x = casca_json_require(v, "domain", p, err)))
                return -EINVAL;
        if (!casca_json_is_string(x))
                return casca_json_error(err, JKEY(p, "domain"), "expected a string");
        if (strcmp(casca_json_str(x), "LINUX") == 0)
                l->personality = PER_LINUX;
        else if (strcmp(casca_json_str(x), "LINUX32") == 0)
                l->personality = PER_LINUX32;
        else
                return casca_json_error(err, JKEY(p, "domain"),
                                        "unknown personality \"%s\" (expected LINUX or LINUX32)",
                                        casca_json_str(x));
        /* The spec defines no flags yet; they must still be strings. */
        if ((x = casca_json_get(v, "flags"))) {
                r = casca_json_strv(x, JKEY(p, "flags"), &flags, &n, err);
                if (r < 0)
                        return r;
        }
        l->has_personality = true;
        return 0;
}

int casca_config_linux_parse(struct casca_linux *l, const struct casca_json *v,
                             const struct casca_jpath *p, struct casca_error **err)
{
        const struct casca_json *x;
        int r;

        if ((r = casca_json_object(v, p, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "namespaces")) &&
            (r = parse_namespaces(l, x, JKEY(p, "namespaces"), err)) < 0)
                return r;
        if ((x = casca_json_get(v, "uidMappings")) &&
            (r = casca_json_array_of(x, JKEY(p, "uidMappings"), sizeof(*l->uid_mappings),
                                     (void **)&l->uid_mappings, &l->n_uid_mappings,
                                     parse_id_mapping, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "gidMappings")) &&
            (r = casca_json_array_of(x, JKEY(p, "gidMappings"), sizeof(*l->gid_mappings),
                                     (void **)&l->gid_mappings, &l->n_gid_mappings,
                                     parse_id_mapping, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "timeOffsets")) &&
            (r = parse_time_offsets(l, x, JKEY(p, "timeOffsets"), err)) < 0)
                return r;
        if ((x = casca_json_get(v, "devices")) &&
            (r = casca_json_array_of(x, JKEY(p, "devices"), sizeof(*l->devices),
                                     (void **)&l->devices, &l->n_devices, parse_device, err)) < 0)
                return r;
        if ((r = casca_json_opt_string(v, "cgroupsPath", p, &l->cgroups_path, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "resources"))) {
                l->has_resources = true;
                r = casca_resources_from_json(&l->resources, x, JKEY(p, "resources"), err);
                if (r < 0)
                        return r;
        }
        if ((x = casca_json_get(v, "sysctl")) &&
            (r = casca_json_kv(x, JKEY(p, "sysctl"), &l->sysctl, &l->n_sysctl, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "seccomp")) &&
            (r = casca_seccomp_from_json(x, JKEY(p, "seccomp"), &l->seccomp, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "maskedPaths")) &&
            (r = casca_config_parse_paths(x, JKEY(p, "maskedPaths"), &l->masked_paths,
                                          &l->n_masked_paths, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "readonlyPaths")) &&
            (r = casca_config_parse_paths(x, JKEY(p, "readonlyPaths"), &l->readonly_paths,
                                          &l->n_readonly_paths, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "rootfsPropagation"))) {
                const struct casca_jpath *rp = JKEY(p, "rootfsPropagation");
                if (!casca_json_is_string(x))
                        return casca_json_error(err, rp, "expected a string");
                l->rootfs_propagation = casca_config_propagation_from_name(casca_json_str(x));
                if (!l->rootfs_propagation)
                        return casca_json_error(err, rp, "unknown propagation \"%s\"",
                                                casca_json_str(x));
        }
        if ((r = casca_json_opt_string(v, "mountLabel", p, &l->mount_label, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "personality")) &&
            (r = parse_personality(l, x, JKEY(p, "personality"), err)) < 0)
                return r;
        if ((x = casca_json_get(v, "netDevices")) &&
            (r = casca_netdevs_from_json(x, JKEY(p, "netDevices"), &l->net_devices,
                                         &l->n_net_devices, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "memoryPolicy")) &&
            (r = parse_memory_policy(l, x, JKEY(p, "memoryPolicy"), err)) < 0)
                return r;
        if (casca_json_get(v, "intelRdt"))
                return casca_json_error(err, JKEY(p, "intelRdt"),
                                        "not supported (casca has no Intel RDT support)");
        return 0;
}

/* ---- rules across sections --------------------------------------------------- */

static bool has_prefix(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Which namespace a sysctl belongs to, CASCA_NS__MAX when none (then the
 * container may not set it).  key uses '.' or '/' as separator. */
static int sysctl_check(const char *key, const struct casca_linux *l, const struct casca_jpath *p,
                        struct casca_error **err)
{
        _cleanup_free_ char *k = strdup(key);
        enum casca_ns_type ns;
        const char *what;

        if (!k)
                return casca_error_set(err, ENOMEM, "strdup");
        for (char *c = k; *c; c++)
                if (*c == '/')
                        *c = '.';
        /* Every component non-empty and no "..": the key becomes a path under /proc/sys. */
        if (!k[0] || k[0] == '.' || k[strlen(k) - 1] == '.' || strstr(k, "..") || strchr(key, '\n'))
                return casca_json_error(err, p, "invalid sysctl name");
        if (has_prefix(k, "kernel.shm") || has_prefix(k, "kernel.msg") ||
            strcmp(k, "kernel.sem") == 0 || has_prefix(k, "fs.mqueue.")) {
                ns = CASCA_NS_IPC;
                what = "an IPC namespace";
        } else if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0) {
                ns = CASCA_NS_UTS;
                what = "a UTS namespace";
        } else if (has_prefix(k, "net.")) {
                ns = CASCA_NS_NETWORK;
                what = "a network namespace";
        } else {
                return casca_json_error(err, p, "not a namespaced sysctl");
        }
        if (!l->namespaces[ns].present)
                return casca_json_error(err, p, "requires %s", what);
        return 0;
}

int casca_config_linux_validate(const struct casca_config *cfg, struct casca_error **err)
{
        const struct casca_linux *l = &cfg->linux_cfg;
        const struct casca_jpath *lp = JKEY(NULL, "linux");
        int r;

        if (cfg->hostname && cfg->hostname[0] && !l->namespaces[CASCA_NS_UTS].present)
                return casca_json_error(err, JKEY(NULL, "hostname"), "requires a UTS namespace");
        if (cfg->domainname && cfg->domainname[0] && !l->namespaces[CASCA_NS_UTS].present)
                return casca_json_error(err, JKEY(NULL, "domainname"), "requires a UTS namespace");
        if (l->n_uid_mappings > 0 && !l->namespaces[CASCA_NS_USER].present)
                return casca_json_error(err, JKEY(lp, "uidMappings"), "requires a user namespace");
        if (l->n_gid_mappings > 0 && !l->namespaces[CASCA_NS_USER].present)
                return casca_json_error(err, JKEY(lp, "gidMappings"), "requires a user namespace");
        if (l->n_net_devices > 0 && !l->namespaces[CASCA_NS_NETWORK].present)
                return casca_json_error(err, JKEY(lp, "netDevices"),
                                        "requires a network namespace");
        for (int c = 0; c < CASCA_CLOCK__MAX; c++)
                if (l->time_offsets[c].present && !l->namespaces[CASCA_NS_TIME].present)
                        return casca_json_error(err, JKEY(lp, "timeOffsets"),
                                                "requires a time namespace");
        for (size_t i = 0; i < l->n_sysctl; i++) {
                r = sysctl_check(l->sysctl[i].key, l, JKEY(JKEY(lp, "sysctl"), l->sysctl[i].key),
                                 err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- free ------------------------------------------------------------------- */

void casca_config_linux_free(struct casca_linux *l)
{
        for (int t = 0; t < CASCA_NS__MAX; t++)
                free(l->namespaces[t].path);
        free(l->uid_mappings);
        free(l->gid_mappings);
        for (size_t i = 0; l->devices && i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        free(l->cgroups_path);
        casca_resources_clear(&l->resources);
        casca_kv_free(l->sysctl, l->n_sysctl);
        casca_seccomp_free(l->seccomp);
        casca_strv_free(l->masked_paths);
        casca_strv_free(l->readonly_paths);
        free(l->mount_label);
        casca_netdevs_free(l->net_devices, l->n_net_devices);
}
