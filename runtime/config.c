/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.c - config.json into struct casca_config: the document, process,
 * mounts, hooks and the name tables.  The "linux" object is config-linux.c. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns/netconf.h"
#include "runtime/cloud-init.h"
#include "runtime/config-internal.h"
#include "runtime/config.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/parse.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* mount(2) copies at most one page of data. */
#define MOUNT_DATA_MAX 4095

/* ---- small shared helpers ------------------------------------------------ */

int casca_config_parse_paths(const struct casca_json *v, const struct casca_jpath *p, char ***ret,
                             size_t *ret_n, struct casca_error **err)
{
        int r = casca_json_strv(v, p, ret, ret_n, err);

        if (r < 0)
                return r;
        for (size_t i = 0; i < *ret_n; i++)
                if ((*ret)[i][0] != '/')
                        return casca_json_error(err, JIDX(p, i), "must be an absolute path");
        return 0;
}

int casca_config_parse_id_set(const struct casca_json *v, const struct casca_jpath *p,
                              struct casca_id_set *set, struct casca_error **err)
{
        const char *c;

        if (!casca_json_is_string(v))
                return casca_json_error(err, p, "expected a string");
        memset(set, 0, sizeof(*set));
        set->empty = true;
        c = casca_json_str(v);
        while (*c) {
                uint64_t lo, hi;
                const char *end;

                if (casca_parse_u64(c, &end, UINT64_MAX, &lo) < 0)
                        goto invalid;
                hi = lo;
                c = end;
                if (*c == '-') {
                        if (casca_parse_u64(c + 1, &end, UINT64_MAX, &hi) < 0 || hi < lo)
                                goto invalid;
                        c = end;
                }
                if (hi >= CASCA_ID_SET_BITS)
                        return casca_json_error(err, p, "%" PRIu64 " is above the highest id, %d",
                                                hi, CASCA_ID_SET_BITS - 1);
                for (uint64_t i = lo; i <= hi; i++)
                        set->bits[i / (8 * sizeof(unsigned long))] |=
                                1UL << (i % (8 * sizeof(unsigned long)));
                if (set->empty || hi > set->highest)
                        set->highest = (unsigned)hi;
                set->empty = false;
                if (*c == ',' && c[1])
                        c++;
                else if (*c)
                        goto invalid;
        }
        return 0;
invalid:
        return casca_json_error(err, p, "invalid list \"%s\" (expected e.g. \"0-3,7\")",
                                casca_json_str(v));
}

/* A required absolute path member. */
static int req_abs_path(const struct casca_json *obj, const char *key, const struct casca_jpath *p,
                        char **ret, struct casca_error **err)
{
        int r = casca_json_req_string(obj, key, p, ret, err);

        if (r < 0)
                return r;
        if ((*ret)[0] != '/')
                return casca_json_error(err, JKEY(p, key), "must be an absolute path");
        return 0;
}

/* ---- name tables ----------------------------------------------------------- */

static const char *const ns_names[CASCA_NS__MAX] = {
        [CASCA_NS_PID] = "pid",       [CASCA_NS_NETWORK] = "network", [CASCA_NS_MOUNT] = "mount",
        [CASCA_NS_IPC] = "ipc",       [CASCA_NS_UTS] = "uts",         [CASCA_NS_USER] = "user",
        [CASCA_NS_CGROUP] = "cgroup", [CASCA_NS_TIME] = "time",
};

const char *casca_ns_type_name(enum casca_ns_type t)
{
        if ((unsigned)t >= CASCA_NS__MAX)
                return NULL;
        return ns_names[t];
}

/* Capability names as "CAP_FOO", built once from libcap's table. */
#define CAP_SLOTS 64
static char cap_names[CAP_SLOTS][48];
static pthread_once_t cap_names_once = PTHREAD_ONCE_INIT;

static void cap_names_init(void)
{
        for (int i = 0; i < CAP_SLOTS; i++) {
                char *n = cap_to_name((cap_value_t)i);
                size_t len;

                if (!n)
                        continue;
                len = strlen(n);
                /* libcap names unknown values by number: those are not ours. */
                if (strncasecmp(n, "cap_", 4) == 0 && len < sizeof(cap_names[i]))
                        for (size_t j = 0; j <= len; j++)
                                cap_names[i][j] =
                                        (char)((n[j] >= 'a' && n[j] <= 'z') ? n[j] - 'a' + 'A'
                                                                            : n[j]);
                cap_free(n);
        }
}

const char *casca_capability_name(int cap)
{
        if (cap < 0 || cap >= CAP_SLOTS)
                return NULL;
        pthread_once(&cap_names_once, cap_names_init);
        return cap_names[cap][0] ? cap_names[cap] : NULL;
}

int casca_capability_from_name(const char *name)
{
        if (!name || strncmp(name, "CAP_", 4) != 0 || strlen(name) >= sizeof(cap_names[0]))
                return -1;
        pthread_once(&cap_names_once, cap_names_init);
        for (int i = 0; i < CAP_SLOTS; i++)
                if (cap_names[i][0] && strcmp(cap_names[i], name) == 0)
                        return i;
        return -1;
}

static const struct {
        const char *name;
        int resource;
} rlimit_names[] = {
        {"RLIMIT_AS", RLIMIT_AS},
        {"RLIMIT_CORE", RLIMIT_CORE},
        {"RLIMIT_CPU", RLIMIT_CPU},
        {"RLIMIT_DATA", RLIMIT_DATA},
        {"RLIMIT_FSIZE", RLIMIT_FSIZE},
        {"RLIMIT_LOCKS", RLIMIT_LOCKS},
        {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
        {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
        {"RLIMIT_NICE", RLIMIT_NICE},
        {"RLIMIT_NOFILE", RLIMIT_NOFILE},
        {"RLIMIT_NPROC", RLIMIT_NPROC},
        {"RLIMIT_RSS", RLIMIT_RSS},
        {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
        {"RLIMIT_RTTIME", RLIMIT_RTTIME},
        {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
        {"RLIMIT_STACK", RLIMIT_STACK},
};

static int rlimit_from_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
                if (strcmp(rlimit_names[i].name, name) == 0)
                        return rlimit_names[i].resource;
        return -1;
}

const char *casca_rlimit_name(int resource)
{
        for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
                if (rlimit_names[i].resource == resource)
                        return rlimit_names[i].name;
        return "RLIMIT_?";
}

/* ---- mount options ---------------------------------------------------------- */

static const struct {
        const char *name;
        bool clear;
        unsigned long flag;
} mount_flag_opts[] = {
        {"defaults", false, 0},
        {"ro", false, MS_RDONLY},
        {"rw", true, MS_RDONLY},
        {"suid", true, MS_NOSUID},
        {"nosuid", false, MS_NOSUID},
        {"dev", true, MS_NODEV},
        {"nodev", false, MS_NODEV},
        {"exec", true, MS_NOEXEC},
        {"noexec", false, MS_NOEXEC},
        {"sync", false, MS_SYNCHRONOUS},
        {"async", true, MS_SYNCHRONOUS},
        {"dirsync", false, MS_DIRSYNC},
        {"remount", false, MS_REMOUNT},
        {"mand", false, MS_MANDLOCK},
        {"nomand", true, MS_MANDLOCK},
        {"atime", true, MS_NOATIME},
        {"noatime", false, MS_NOATIME},
        {"diratime", true, MS_NODIRATIME},
        {"nodiratime", false, MS_NODIRATIME},
        {"relatime", false, MS_RELATIME},
        {"norelatime", true, MS_RELATIME},
        {"strictatime", false, MS_STRICTATIME},
        {"nostrictatime", true, MS_STRICTATIME},
        {"lazytime", false, MS_LAZYTIME},
        {"nolazytime", true, MS_LAZYTIME},
        {"iversion", false, MS_I_VERSION},
        {"noiversion", true, MS_I_VERSION},
        {"silent", false, MS_SILENT},
        {"loud", true, MS_SILENT},
        {"nosymfollow", false, MS_NOSYMFOLLOW},
        {"symfollow", true, MS_NOSYMFOLLOW},
        {"bind", false, MS_BIND},
        {"rbind", false, MS_BIND | MS_REC},
};

static const struct {
        const char *name;
        unsigned long flags;
} propagation_opts[] = {
        {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
        {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
        {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
        {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* The recursive options of runtime-spec 1.1, applied to the whole mounted
 * tree with mount_setattr(AT_RECURSIVE).  The access-time ones are one
 * setting, not bits: each replaces whatever the tree had (attr_clr gets
 * MOUNT_ATTR__ATIME); "ratime", "rnorelatime" and "rnostrictatime" give
 * relatime, the kernel's default, and "rnorelatime" strictatime. */
#define ATIME_OPT (1ULL << 63) /* marks the access-time ones below */
static const struct {
        const char *name;
        bool clear;
        uint64_t attr;
} rec_attr_opts[] = {
        {"rro", false, MOUNT_ATTR_RDONLY},
        {"rrw", true, MOUNT_ATTR_RDONLY},
        {"rnosuid", false, MOUNT_ATTR_NOSUID},
        {"rsuid", true, MOUNT_ATTR_NOSUID},
        {"rnodev", false, MOUNT_ATTR_NODEV},
        {"rdev", true, MOUNT_ATTR_NODEV},
        {"rnoexec", false, MOUNT_ATTR_NOEXEC},
        {"rexec", true, MOUNT_ATTR_NOEXEC},
        {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
        {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
        {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
        {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
        {"rrelatime", false, ATIME_OPT | MOUNT_ATTR_RELATIME},
        {"rnoatime", false, ATIME_OPT | MOUNT_ATTR_NOATIME},
        {"rstrictatime", false, ATIME_OPT | MOUNT_ATTR_STRICTATIME},
        {"ratime", false, ATIME_OPT | MOUNT_ATTR_RELATIME},
        {"rnostrictatime", false, ATIME_OPT | MOUNT_ATTR_RELATIME},
        {"rnorelatime", false, ATIME_OPT | MOUNT_ATTR_STRICTATIME},
};

/* Options that are the runtime's, not the kernel's. */
#define OPT_TMPCOPYUP "tmpcopyup"

const char *casca_config_mount_option_name(size_t i)
{
        if (i < ARRAY_SIZE(mount_flag_opts))
                return mount_flag_opts[i].name;
        i -= ARRAY_SIZE(mount_flag_opts);
        if (i < ARRAY_SIZE(propagation_opts))
                return propagation_opts[i].name;
        i -= ARRAY_SIZE(propagation_opts);
        if (i < ARRAY_SIZE(rec_attr_opts))
                return rec_attr_opts[i].name;
        i -= ARRAY_SIZE(rec_attr_opts);
        return i == 0 ? OPT_TMPCOPYUP : NULL;
}

static bool rec_attr_option(struct casca_mount *m, const char *o)
{
        for (size_t i = 0; i < ARRAY_SIZE(rec_attr_opts); i++) {
                uint64_t a = rec_attr_opts[i].attr;

                if (strcmp(rec_attr_opts[i].name, o) != 0)
                        continue;
                if (a & ATIME_OPT) {
                        m->rec_attr_set = (m->rec_attr_set & ~MOUNT_ATTR__ATIME) | (a & ~ATIME_OPT);
                        m->rec_attr_clr |= MOUNT_ATTR__ATIME;
                } else if (rec_attr_opts[i].clear) {
                        m->rec_attr_clr |= a;
                        m->rec_attr_set &= ~a;
                } else {
                        m->rec_attr_set |= a;
                        m->rec_attr_clr &= ~a;
                }
                return true;
        }
        return false;
}

bool casca_config_builds_network(const struct casca_config *cfg)
{
        const struct casca_namespace *ns = &cfg->linux_cfg.namespaces[CASCA_NS_NETWORK];

        return cfg->network && ns->present && !ns->path;
}

/* Flags of the filesystem (the superblock), not of one mount of it: a
 * bind mount, which shares the filesystem, cannot set them. */
#define SB_FLAGS (MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK | MS_LAZYTIME | MS_I_VERSION)

bool casca_mount_is_bind(const struct casca_mount *m)
{
        if (m->type && strcmp(m->type, "bind") == 0)
                return true;
        for (size_t i = 0; i < m->n_options; i++)
                if (m->options[i] &&
                    (strcmp(m->options[i], "bind") == 0 || strcmp(m->options[i], "rbind") == 0))
                        return true;
        return false;
}

unsigned long casca_config_propagation_from_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(propagation_opts); i++)
                if (strcmp(propagation_opts[i].name, name) == 0)
                        return propagation_opts[i].flags;
        return 0;
}

int casca_mount_parse_options(struct casca_mount *m, struct casca_error **err)
{
        _cleanup_free_ char *data = NULL;
        size_t data_len = 0;

        m->flags = m->clear_flags = m->propagation = 0;
        m->rec_attr_set = m->rec_attr_clr = 0;
        m->tmpcopyup = false;
        free(m->data);
        m->data = NULL;

        for (size_t i = 0; i < m->n_options; i++) {
                const char *o = m->options[i];
                unsigned long prop;
                bool known = false;
                size_t len;

                if (!o || !o[0])
                        continue;
                for (size_t j = 0; j < ARRAY_SIZE(mount_flag_opts); j++) {
                        if (strcmp(mount_flag_opts[j].name, o) != 0)
                                continue;
                        if (!mount_flag_opts[j].clear && (mount_flag_opts[j].flag & SB_FLAGS) &&
                            casca_mount_is_bind(m))
                                return casca_error_setx(err, EINVAL,
                                                        "option \"%s\": a bind mount cannot "
                                                        "change the filesystem's own flags",
                                                        o);
                        if (mount_flag_opts[j].clear) {
                                m->clear_flags |= mount_flag_opts[j].flag;
                                m->flags &= ~mount_flag_opts[j].flag;
                        } else {
                                m->flags |= mount_flag_opts[j].flag;
                                m->clear_flags &= ~mount_flag_opts[j].flag;
                        }
                        known = true;
                        break;
                }
                if (known)
                        continue;
                prop = casca_config_propagation_from_name(o);
                if (prop) {
                        m->propagation = prop;
                        continue;
                }
                if (rec_attr_option(m, o))
                        continue;
                if (strcmp(o, OPT_TMPCOPYUP) == 0) { /* tmpfs only; ignored elsewhere, as runc */
                        m->tmpcopyup = true;
                        continue;
                }
                /* Anything else is filesystem data: "mode=755", "size=65536k". */
                len = strlen(o);
                if (data_len + len + 1 > MOUNT_DATA_MAX)
                        return casca_error_setx(err, EINVAL,
                                                "mount data longer than %d bytes at option \"%s\"",
                                                MOUNT_DATA_MAX, o);
                {
                        char *n = realloc(data, data_len + len + 2);
                        if (!n)
                                return casca_error_set(err, ENOMEM, "realloc");
                        data = n;
                }
                if (data_len > 0)
                        data[data_len++] = ',';
                memcpy(data + data_len, o, len + 1);
                data_len += len;
        }
        /* The kernel ignores the data of a bind mount: an option that is
         * not a flag would be dropped without a word.  (Other filesystems
         * refuse data they do not know at mount time.) */
        if (data && casca_mount_is_bind(m))
                return casca_error_setx(err, EINVAL,
                                        "unknown option \"%s\": a bind mount takes no "
                                        "filesystem options",
                                        data);
        m->data = TAKE_PTR(data);
        return 0;
}

int casca_config_apply_mount_label(struct casca_config *cfg, struct casca_error **err)
{
        static const char *const unlabelled[] = {"proc", "sysfs", "mqueue", "cgroup", "cgroup2"};
        const char *label = cfg->linux_cfg.mount_label;

        for (size_t i = 0; label && label[0] && i < cfg->n_mounts; i++) {
                struct casca_mount *m = &cfg->mounts[i];
                char *data = NULL;
                bool skip = !m->type || (m->flags & MS_BIND);
                int n;

                for (size_t j = 0; !skip && j < ARRAY_SIZE(unlabelled); j++)
                        skip = strcmp(m->type, unlabelled[j]) == 0;
                if (skip)
                        continue;
                n = asprintf(&data, "%s%scontext=\"%s\"", m->data ? m->data : "",
                             m->data ? "," : "", label);
                if (n < 0)
                        return casca_error_set(err, ENOMEM, "linux.mountLabel");
                if (n > MOUNT_DATA_MAX) {
                        free(data);
                        return casca_error_setx(err, EINVAL,
                                                "linux.mountLabel: mounts[%zu]: mount data longer "
                                                "than %d bytes",
                                                i, MOUNT_DATA_MAX);
                }
                free(m->data);
                m->data = data;
        }
        return 0;
}

/* ---- process ---------------------------------------------------------------- */

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
/* Not in mainline Linux: refused. */
#define CASCA_SCHED_ISO 4

static const struct casca_json_name sched_policies[] = {
        {"SCHED_OTHER", SCHED_OTHER},
        {"SCHED_FIFO", SCHED_FIFO},
        {"SCHED_RR", SCHED_RR},
        {"SCHED_BATCH", SCHED_BATCH},
        {"SCHED_ISO", CASCA_SCHED_ISO},
        {"SCHED_IDLE", SCHED_IDLE},
        {"SCHED_DEADLINE", SCHED_DEADLINE},
};

/* include/uapi/linux/sched.h */
static const struct casca_json_name sched_flags[] = {
        {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
        {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
        {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
        {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

/* Like runc: nice only for the normal policies' range, priority only for
 * the real-time ones, runtime/deadline/period only for SCHED_DEADLINE. */
static int parse_scheduler(struct casca_scheduler *s, const struct casca_json *v,
                           const struct casca_jpath *p, struct casca_error **err)
{
        const char *const dl_keys[] = {"runtime", "deadline", "period"};
        uint64_t *dl[] = {&s->runtime, &s->deadline, &s->period};
        const struct casca_json *x;
        int64_t n;
        int r;

        if ((r = casca_json_object(v, p, err)) < 0)
                return r;
        if (!(x = casca_json_require(v, "policy", p, err)))
                return -EINVAL;
        r = casca_json_name(x, JKEY(p, "policy"), sched_policies, ARRAY_SIZE(sched_policies),
                            "policy", &s->policy, err);
        if (r < 0)
                return r;
        if (s->policy == CASCA_SCHED_ISO)
                return casca_json_error(err, JKEY(p, "policy"),
                                        "SCHED_ISO is not implemented by Linux");
        if ((x = casca_json_get(v, "nice"))) {
                r = casca_json_int_range(x, JKEY(p, "nice"), -20, 19, &n, err);
                if (r < 0)
                        return r;
                s->nice = (int32_t)n;
        }
        if ((x = casca_json_get(v, "priority"))) {
                r = casca_json_int_range(x, JKEY(p, "priority"), 0, 99, &n, err);
                if (r < 0)
                        return r;
                s->priority = (int32_t)n;
        }
        if (s->priority && s->policy != SCHED_FIFO && s->policy != SCHED_RR)
                return casca_json_error(err, JKEY(p, "priority"),
                                        "only for SCHED_FIFO and SCHED_RR");
        if (!s->priority && (s->policy == SCHED_FIFO || s->policy == SCHED_RR))
                return casca_json_error(err, JKEY(p, "priority"),
                                        "SCHED_FIFO and SCHED_RR need a priority from 1 to 99");
        if ((x = casca_json_get(v, "flags"))) {
                int flags = 0;

                r = casca_json_flags(x, JKEY(p, "flags"), sched_flags, ARRAY_SIZE(sched_flags),
                                     &flags, err);
                if (r < 0)
                        return r;
                s->flags = (uint64_t)flags;
        }
        for (size_t i = 0; i < ARRAY_SIZE(dl_keys); i++) {
                if (!(x = casca_json_get(v, dl_keys[i])))
                        continue;
                r = casca_json_u64(x, JKEY(p, dl_keys[i]), dl[i], err);
                if (r < 0)
                        return r;
                if (*dl[i] && s->policy != SCHED_DEADLINE)
                        return casca_json_error(err, JKEY(p, dl_keys[i]),
                                                "only for SCHED_DEADLINE");
        }
        return 0;
}

static const struct casca_json_name ioprio_classes[] = {
        {"IOPRIO_CLASS_RT", 1},
        {"IOPRIO_CLASS_BE", 2},
        {"IOPRIO_CLASS_IDLE", 3},
};

static int parse_io_priority(struct casca_io_priority *io, const struct casca_json *v,
                             const struct casca_jpath *p, struct casca_error **err)
{
        const struct casca_json *x;
        int64_t n;
        int r;

        if ((r = casca_json_object(v, p, err)) < 0)
                return r;
        if (!(x = casca_json_require(v, "class", p, err)))
                return -EINVAL;
        r = casca_json_name(x, JKEY(p, "class"), ioprio_classes, ARRAY_SIZE(ioprio_classes),
                            "class", &io->klass, err);
        if (r < 0)
                return r;
        if (!(x = casca_json_require(v, "priority", p, err)))
                return -EINVAL;
        r = casca_json_int_range(x, JKEY(p, "priority"), 0, 7, &n, err);
        if (r < 0)
                return r;
        io->priority = (int)n;
        return 0;
}

static int parse_affinity(struct casca_process *proc, const struct casca_json *v,
                          const struct casca_jpath *p, struct casca_error **err)
{
        const struct casca_json *x;
        int r;

        if ((r = casca_json_object(v, p, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "initial"))) {
                r = casca_config_parse_id_set(x, JKEY(p, "initial"), &proc->affinity_initial, err);
                if (r < 0)
                        return r;
                proc->has_affinity_initial = !proc->affinity_initial.empty;
        }
        if ((x = casca_json_get(v, "final"))) {
                r = casca_config_parse_id_set(x, JKEY(p, "final"), &proc->affinity_final, err);
                if (r < 0)
                        return r;
                proc->has_affinity_final = !proc->affinity_final.empty;
        }
        return 0;
}

static int parse_user(struct casca_user *u, const struct casca_json *v, const struct casca_jpath *p,
                      struct casca_error **err)
{
        const struct casca_json *x;
        int r;

        if ((r = casca_json_object(v, p, err)) < 0 ||
            (r = casca_json_req_u32(v, "uid", p, &u->uid, err)) < 0 ||
            (r = casca_json_req_u32(v, "gid", p, &u->gid, err)) < 0 ||
            (r = casca_json_opt_u32(v, "umask", p, &u->umask, err)) < 0)
                return r;
        u->has_umask = r > 0;
        if (u->has_umask && u->umask > 0777)
                return casca_json_error(err, JKEY(p, "umask"),
                                        "expected a mode between 0 and 0777");
        if ((x = casca_json_get(v, "additionalGids"))) {
                const struct casca_jpath *ap = JKEY(p, "additionalGids");
                r = casca_json_array(x, ap, err);
                if (r < 0)
                        return r;
                r = casca_json_calloc(casca_json_len(x), sizeof(uint32_t),
                                      (void **)&u->additional_gids, err);
                if (r < 0)
                        return r;
                u->n_additional_gids = casca_json_len(x);
                for (size_t i = 0; i < casca_json_len(x); i++) {
                        r = casca_json_u32(casca_json_at(x, i), JIDX(ap, i), &u->additional_gids[i],
                                           err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int parse_capabilities(struct casca_capabilities *c, const struct casca_json *v,
                              const struct casca_jpath *p, struct casca_error **err)
{
        static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted",
                                           "ambient"};
        uint64_t *masks[] = {&c->bounding, &c->effective, &c->inheritable, &c->permitted,
                             &c->ambient};
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        for (size_t s = 0; s < ARRAY_SIZE(sets); s++) {
                const struct casca_jpath *sp = JKEY(p, sets[s]);
                const struct casca_json *a = casca_json_get(v, sets[s]);

                *masks[s] = 0;
                if (!a)
                        continue;
                r = casca_json_array(a, sp, err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < casca_json_len(a); i++) {
                        const struct casca_json *n = casca_json_at(a, i);
                        int cap;

                        if (!casca_json_is_string(n))
                                return casca_json_error(err, JIDX(sp, i), "expected a string");
                        cap = casca_capability_from_name(casca_json_str(n));
                        if (cap < 0)
                                return casca_json_error(err, JIDX(sp, i),
                                                        "unknown capability \"%s\"",
                                                        casca_json_str(n));
                        *masks[s] |= UINT64_C(1) << cap;
                }
        }
        return 0;
}

static int parse_rlimit(void *elem, const struct casca_json *o, const struct casca_jpath *p,
                        struct casca_error **err)
{
        struct casca_rlimit *rl = elem;
        const struct casca_json *x;
        int r;

        if (!(x = casca_json_require(o, "type", p, err)))
                return -EINVAL;
        if (!casca_json_is_string(x))
                return casca_json_error(err, JKEY(p, "type"), "expected a string");
        rl->resource = rlimit_from_name(casca_json_str(x));
        if (rl->resource < 0)
                return casca_json_error(err, JKEY(p, "type"), "unknown rlimit \"%s\"",
                                        casca_json_str(x));
        if ((r = casca_json_req_u64(o, "soft", p, &rl->soft, err)) < 0 ||
            (r = casca_json_req_u64(o, "hard", p, &rl->hard, err)) < 0)
                return r;
        if (rl->soft > rl->hard)
                return casca_json_error(err, JKEY(p, "soft"),
                                        "soft limit %llu is above the hard limit %llu",
                                        (unsigned long long)rl->soft, (unsigned long long)rl->hard);
        return 0;
}

static int parse_rlimits(struct casca_process *proc, const struct casca_json *v,
                         const struct casca_jpath *p, struct casca_error **err)
{
        int r = casca_json_array_of(v, p, sizeof(*proc->rlimits), (void **)&proc->rlimits,
                                    &proc->n_rlimits, parse_rlimit, err);

        if (r < 0)
                return r;
        for (size_t i = 0; i < proc->n_rlimits; i++)
                for (size_t j = 0; j < i; j++)
                        if (proc->rlimits[j].resource == proc->rlimits[i].resource)
                                return casca_json_error(err, JKEY(JIDX(p, i), "type"),
                                                        "duplicate rlimit \"%s\"",
                                                        casca_json_str(casca_json_get(
                                                                casca_json_at(v, i), "type")));
        return 0;
}

static int parse_process(struct casca_process *proc, const struct casca_json *v,
                         const struct casca_jpath *p, struct casca_error **err)
{
        const struct casca_json *x;
        int r;

        if ((r = casca_json_object(v, p, err)) < 0 ||
            (r = casca_json_opt_bool(v, "terminal", p, &proc->terminal, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "consoleSize"))) {
                const struct casca_jpath *cp = JKEY(p, "consoleSize");

                if ((r = casca_json_object(x, cp, err)) < 0 ||
                    (r = casca_json_req_u32(x, "height", cp, &proc->console_height, err)) < 0 ||
                    (r = casca_json_req_u32(x, "width", cp, &proc->console_width, err)) < 0)
                        return r;
                proc->has_console_size = true;
        }
        if ((x = casca_json_get(v, "user")) &&
            (r = parse_user(&proc->user, x, JKEY(p, "user"), err)) < 0)
                return r;
        if (!(x = casca_json_require(v, "args", p, err)))
                return -EINVAL;
        r = casca_json_strv(x, JKEY(p, "args"), &proc->args, &proc->n_args, err);
        if (r < 0)
                return r;
        if (proc->n_args == 0)
                return casca_json_error(err, JKEY(p, "args"), "must have at least one entry");
        if ((r = casca_json_opt_strv(v, "env", p, &proc->env, &proc->n_env, err)) < 0 ||
            (r = req_abs_path(v, "cwd", p, &proc->cwd, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "capabilities"))) {
                r = parse_capabilities(&proc->caps, x, JKEY(p, "capabilities"), err);
                if (r < 0)
                        return r;
                proc->has_capabilities = true;
        }
        if ((x = casca_json_get(v, "rlimits")) &&
            (r = parse_rlimits(proc, x, JKEY(p, "rlimits"), err)) < 0)
                return r;
        if ((r = casca_json_opt_bool(v, "noNewPrivileges", p, &proc->no_new_privileges, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "oomScoreAdj"))) {
                int64_t adj;
                r = casca_json_int_range(x, JKEY(p, "oomScoreAdj"), -1000, 1000, &adj, err);
                if (r < 0)
                        return r;
                proc->oom_score_adj = (int)adj;
                proc->has_oom_score_adj = true;
        }
        if ((r = casca_json_opt_string(v, "apparmorProfile", p, &proc->apparmor_profile, err)) <
                    0 ||
            (r = casca_json_opt_string(v, "selinuxLabel", p, &proc->selinux_label, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "scheduler"))) {
                r = parse_scheduler(&proc->scheduler, x, JKEY(p, "scheduler"), err);
                if (r < 0)
                        return r;
                proc->has_scheduler = true;
        }
        if ((x = casca_json_get(v, "ioPriority"))) {
                r = parse_io_priority(&proc->io_priority, x, JKEY(p, "ioPriority"), err);
                if (r < 0)
                        return r;
                proc->has_io_priority = true;
        }
        if ((x = casca_json_get(v, "execCPUAffinity")) &&
            (r = parse_affinity(proc, x, JKEY(p, "execCPUAffinity"), err)) < 0)
                return r;
        return 0;
}

/* ---- mounts and hooks ----------------------------------------------------- */

static int parse_mount(void *elem, const struct casca_json *v, const struct casca_jpath *p,
                       struct casca_error **err)
{
        struct casca_mount *m = elem;
        int r;

        if ((r = req_abs_path(v, "destination", p, &m->destination, err)) < 0 ||
            (r = casca_json_opt_string(v, "type", p, &m->type, err)) < 0 ||
            (r = casca_json_opt_string(v, "source", p, &m->source, err)) < 0 ||
            (r = casca_json_opt_strv(v, "options", p, &m->options, &m->n_options, err)) < 0)
                return r;
        /* runtime-spec 1.2's id-mapped mounts: not implemented.  Before the
         * options are mapped, which would take "idmap" of a bind mount for
         * filesystem data a bind mount cannot have. */
        for (size_t i = 0; i < m->n_options; i++)
                if (strcmp(m->options[i], "idmap") == 0 || strcmp(m->options[i], "ridmap") == 0)
                        return casca_json_error(err, JIDX(JKEY(p, "options"), i),
                                                "\"%s\": id-mapped mounts are not supported",
                                                m->options[i]);
        r = casca_mount_parse_options(m, err);
        if (r < 0) {
                _cleanup_free_ char *path = casca_jpath_format(JKEY(p, "options"));
                return casca_error_prefix(err, "%s", path ? path : "mounts");
        }
        for (size_t i = 0; i < 2; i++) {
                const char *key = i ? "gidMappings" : "uidMappings";
                const struct casca_json *x = casca_json_get(v, key);

                if (x && !(casca_json_is_array(x) && casca_json_len(x) == 0))
                        return casca_json_error(err, JKEY(p, key),
                                                "id-mapped mounts are not supported");
        }
        return 0;
}

static const char *const hook_names[CASCA_HOOK__MAX] = {
        [CASCA_HOOK_PRESTART] = "prestart",
        [CASCA_HOOK_CREATE_RUNTIME] = "createRuntime",
        [CASCA_HOOK_CREATE_CONTAINER] = "createContainer",
        [CASCA_HOOK_START_CONTAINER] = "startContainer",
        [CASCA_HOOK_POSTSTART] = "poststart",
        [CASCA_HOOK_POSTSTOP] = "poststop",
};

const char *casca_config_hook_name(enum casca_hook_kind k)
{
        return (unsigned)k < CASCA_HOOK__MAX ? hook_names[k] : NULL;
}

static int parse_hook(void *elem, const struct casca_json *v, const struct casca_jpath *p,
                      struct casca_error **err)
{
        struct casca_hook *h = elem;
        const struct casca_json *x;
        int r;

        if ((r = req_abs_path(v, "path", p, &h->path, err)) < 0 ||
            (r = casca_json_opt_strv(v, "args", p, &h->args, &h->n_args, err)) < 0 ||
            (r = casca_json_opt_strv(v, "env", p, &h->env, &h->n_env, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "timeout"))) {
                int64_t t;
                r = casca_json_i64(x, JKEY(p, "timeout"), &t, err);
                if (r < 0)
                        return r;
                if (t <= 0 || t > INT_MAX)
                        return casca_json_error(err, JKEY(p, "timeout"),
                                                "must be a positive number of seconds");
                h->timeout = (int)t;
                h->has_timeout = true;
        }
        return 0;
}

static int parse_hooks(struct casca_config *cfg, const struct casca_json *v,
                       const struct casca_jpath *p, struct casca_error **err)
{
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        for (int k = 0; k < CASCA_HOOK__MAX; k++) {
                struct casca_hook_list *l = &cfg->hooks[k];
                const struct casca_json *a = casca_json_get(v, hook_names[k]);

                if (!a)
                        continue;
                r = casca_json_array_of(a, JKEY(p, hook_names[k]), sizeof(*l->hooks),
                                        (void **)&l->hooks, &l->n, parse_hook, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- the document ------------------------------------------------------------ */

/* Any runtime-spec 1.x, pre-releases included: minor versions only add
 * fields, and a field casca cannot honour is refused by name. */
static int check_oci_version(const char *s, const struct casca_jpath *p, struct casca_error **err)
{
        const char *c = s;
        size_t parts[3];

        for (int i = 0; i < 3; i++) {
                parts[i] = strspn(c, "0123456789");
                if (parts[i] == 0)
                        goto invalid;
                c += parts[i];
                if (i < 2) {
                        if (*c != '.')
                                goto invalid;
                        c++;
                }
        }
        if (*c == '-') {
                c++;
                if (strspn(c, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-") ==
                    0)
                        goto invalid;
                c += strspn(c, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-");
        }
        if (*c == '+') {
                c++;
                if (strspn(c, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-") ==
                    0)
                        goto invalid;
                c += strspn(c, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-");
        }
        if (*c)
                goto invalid;
        if (parts[0] != 1 || s[0] != '1')
                return casca_json_error(err, p,
                                        "unsupported version \"%s\" (casca supports runtime-spec "
                                        "1.x)",
                                        s);
        return 0;
invalid:
        return casca_json_error(err, p, "invalid version \"%s\" (expected MAJOR.MINOR.PATCH)", s);
}

static int parse_root(struct casca_config *cfg, const struct casca_json *v,
                      const struct casca_jpath *p, struct casca_error **err)
{
        int r;

        if ((r = casca_json_object(v, p, err)) < 0 ||
            (r = casca_json_req_string(v, "path", p, &cfg->root_path, err)) < 0)
                return r;
        if (!cfg->root_path[0])
                return casca_json_error(err, JKEY(p, "path"), "must not be empty");
        r = casca_json_opt_bool(v, "readonly", p, &cfg->root_readonly, err);
        return r < 0 ? r : 0;
}

/* The stop signal of the image annotation, refused at create when `stop`
 * could not send it. */
static int parse_stop_signal(struct casca_config *cfg, struct casca_error **err)
{
        cfg->stop_signal = SIGTERM;
        for (size_t i = 0; i < cfg->n_annotations; i++) {
                int sig;

                if (strcmp(cfg->annotations[i].key, CASCA_STOP_SIGNAL_ANNOTATION) != 0)
                        continue;
                sig = casca_signal_parse(cfg->annotations[i].value);
                if (sig <= 0)
                        return casca_error_setx(
                                err, EINVAL, "annotations[\"%s\"]: unknown signal \"%s\"",
                                CASCA_STOP_SIGNAL_ANNOTATION, cfg->annotations[i].value);
                cfg->stop_signal = sig;
        }
        return 0;
}

static int config_from_json(struct casca_config *cfg, const struct casca_json *doc,
                            struct casca_error **err)
{
        const struct casca_json *v;
        int r;

        if ((r = casca_json_req_string(doc, "ociVersion", NULL, &cfg->oci_version, err)) < 0 ||
            (r = check_oci_version(cfg->oci_version, JKEY(NULL, "ociVersion"), err)) < 0)
                return r;
        if (!(v = casca_json_require(doc, "root", NULL, err)))
                return -EINVAL;
        if ((r = parse_root(cfg, v, JKEY(NULL, "root"), err)) < 0 ||
            (r = casca_json_opt_string(doc, "hostname", NULL, &cfg->hostname, err)) < 0 ||
            (r = casca_json_opt_string(doc, "domainname", NULL, &cfg->domainname, err)) < 0)
                return r;
        if ((v = casca_json_get(doc, "mounts")) &&
            (r = casca_json_array_of(v, JKEY(NULL, "mounts"), sizeof(*cfg->mounts),
                                     (void **)&cfg->mounts, &cfg->n_mounts, parse_mount, err)) < 0)
                return r;
        if ((v = casca_json_get(doc, "process"))) {
                cfg->has_process = true;
                r = parse_process(&cfg->process, v, JKEY(NULL, "process"), err);
                if (r < 0)
                        return r;
        }
        if ((v = casca_json_get(doc, "hooks")) &&
            (r = parse_hooks(cfg, v, JKEY(NULL, "hooks"), err)) < 0)
                return r;
        if ((v = casca_json_get(doc, "annotations"))) {
                const struct casca_jpath *ap = JKEY(NULL, "annotations");
                r = casca_json_kv(v, ap, &cfg->annotations, &cfg->n_annotations, err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < cfg->n_annotations; i++)
                        if (!cfg->annotations[i].key[0])
                                return casca_json_error(err, ap, "keys must not be empty");
        }
        r = parse_stop_signal(cfg, err);
        if (r < 0)
                return r;
        if ((v = casca_json_get(doc, "linux"))) {
                cfg->has_linux = true;
                r = casca_config_linux_parse(&cfg->linux_cfg, v, JKEY(NULL, "linux"), err);
                if (r < 0)
                        return r;
        }
        /* casca's own extensions live under "casca"; casca.network is parsed
         * by the network code.  Unlike the spec's objects, this one is casca's
         * own: a key it does not know is a typo, not a newer spec. */
        if ((v = casca_json_get(doc, "casca"))) {
                const struct casca_json *net;

                r = casca_json_object(v, JKEY(NULL, "casca"), err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < casca_json_len(v); i++)
                        if (strcmp(casca_json_key(v, i), "network") != 0 &&
                            strcmp(casca_json_key(v, i), "cloudInit") != 0)
                                return casca_json_error(err, JKEY(NULL, "casca"),
                                                        "unknown key \"%s\" (casca knows "
                                                        "\"network\", \"cloudInit\")",
                                                        casca_json_key(v, i));
                if ((net = casca_json_get(v, "network"))) {
                        r = casca_netconf_parse(net, &cfg->network, err);
                        if (r < 0)
                                return r;
                }
                if ((net = casca_json_get(v, "cloudInit"))) {
                        r = casca_cloud_init_parse(net, &cfg->cloud_init, err);
                        if (r < 0)
                                return r;
                }
        }

        return casca_config_linux_validate(cfg, err);
}

struct casca_config *casca_config_parse(const char *json, size_t len, struct casca_error **err)
{
        _cleanup_json_ struct casca_json *doc = NULL;
        struct casca_config *cfg;

        doc = casca_json_parse(json, len, err);
        if (!doc)
                return NULL;
        if (!casca_json_is_object(doc)) {
                casca_error_setx(err, EINVAL, "the top level of the config must be a JSON object");
                return NULL;
        }
        cfg = calloc(1, sizeof(*cfg));
        if (!cfg) {
                casca_error_set(err, ENOMEM, "calloc");
                return NULL;
        }
        if (config_from_json(cfg, doc, err) < 0) {
                casca_config_free(cfg);
                return NULL;
        }
        return cfg;
}

unsigned casca_config_oci_minor(const struct casca_config *cfg)
{
        /* validated by check_oci_version(): "1.<minor>.<patch>..." */
        const char *v = cfg->oci_version;

        const char *end;
        unsigned minor;

        return v && strncmp(v, "1.", 2) == 0 && casca_parse_uint(v + 2, &end, UINT_MAX, &minor) == 0
                       ? minor
                       : 0;
}

char *casca_config_read(const char *path, size_t *ret_len, struct casca_error **err)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        char *buf;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                if (errno == ENOENT)
                        casca_error_setx(err, ENOENT, "config `%s`: no such file", path);
                else
                        casca_error_set(err, errno, "config `%s`: cannot open", path);
                return NULL;
        }
        if (fstat(fd, &st) < 0) {
                casca_error_set(err, errno, "config `%s`: fstat", path);
                return NULL;
        }
        if (!S_ISREG(st.st_mode)) {
                casca_error_setx(err, EINVAL, "config `%s`: not a regular file", path);
                return NULL;
        }
        if ((uint64_t)st.st_size > CASCA_CONFIG_MAX_SIZE) {
                casca_error_setx(err, EFBIG, "config `%s`: larger than %u bytes (%llu bytes)", path,
                                 CASCA_CONFIG_MAX_SIZE, (unsigned long long)st.st_size);
                return NULL;
        }
        /* it may grow while we read it: read_fd holds the line */
        buf = casca_fs_read_fd(fd, path, CASCA_CONFIG_MAX_SIZE, ret_len, err);
        if (!buf)
                casca_error_prefix(err, "config");
        return buf;
}

struct casca_config *casca_config_load(const char *path, struct casca_error **err)
{
        _cleanup_free_ char *buf = NULL;
        struct casca_config *cfg;
        size_t len = 0;

        buf = casca_config_read(path, &len, err);
        if (!buf)
                return NULL;
        cfg = casca_config_parse(buf, len, err);
        if (!cfg)
                casca_error_prefix(err, "config `%s`", path);
        return cfg;
}

/* ---- free ------------------------------------------------------------------- */

static void process_free(struct casca_process *p)
{
        free(p->user.additional_gids);
        casca_strv_free(p->args);
        casca_strv_free(p->env);
        free(p->cwd);
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
}

void casca_config_free(struct casca_config *cfg)
{
        if (!cfg)
                return;
        casca_netconf_free(cfg->network);
        casca_cloud_init_free(cfg->cloud_init);
        free(cfg->oci_version);
        free(cfg->root_path);
        free(cfg->hostname);
        free(cfg->domainname);
        for (size_t i = 0; cfg->mounts && i < cfg->n_mounts; i++) {
                struct casca_mount *m = &cfg->mounts[i];
                free(m->destination);
                free(m->type);
                free(m->source);
                casca_strv_free(m->options);
                free(m->data);
        }
        free(cfg->mounts);
        process_free(&cfg->process);
        for (int k = 0; k < CASCA_HOOK__MAX; k++) {
                struct casca_hook_list *l = &cfg->hooks[k];
                for (size_t i = 0; l->hooks && i < l->n; i++) {
                        free(l->hooks[i].path);
                        casca_strv_free(l->hooks[i].args);
                        casca_strv_free(l->hooks[i].env);
                }
                free(l->hooks);
        }
        casca_kv_free(cfg->annotations, cfg->n_annotations);
        casca_config_linux_free(&cfg->linux_cfg);
        /* cfg->network belongs to the casca.network parser (netns/), which
         * frees it when it fills it. */
        free(cfg);
}
