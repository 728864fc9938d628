/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* idmap.c - rootless id mappings: what /etc/subuid and /etc/subgid grant the
 * caller, checking a config's mappings against it before create makes
 * anything, and newuidmap/newgidmap run for the parent. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/format.h"
#include "util/fs.h"
#include "util/parse.h"
#include "runtime/idmap.h"
#include "util/spawn.h"

int casca_subid_parse(const char *text, const char *name, uint32_t id,
                      struct casca_subid_range **ret, size_t *ret_n)
{
        struct casca_subid_range *v = NULL;
        size_t n = 0;
        char idbuf[16];

        casca_snprintf_trunc(idbuf, sizeof(idbuf), "%" PRIu32, id);
        *ret = NULL;
        *ret_n = 0;
        for (const char *line = text; line && *line;) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                _cleanup_free_ char *copy = strndup(line, len);
                char *who, *start, *count, *save = NULL;
                uint64_t s, c;

                line = nl ? nl + 1 : NULL;
                if (!copy) {
                        free(v);
                        return -ENOMEM;
                }
                who = strtok_r(copy, ":", &save);
                start = strtok_r(NULL, ":", &save);
                count = strtok_r(NULL, ":", &save);
                if (!who || !start || !count || who[0] == '#')
                        continue;
                if (!(name && strcmp(who, name) == 0) && strcmp(who, idbuf) != 0)
                        continue;
                if (casca_parse_u64(start, NULL, UINT32_MAX, &s) < 0 ||
                    casca_parse_u64(count, NULL, UINT32_MAX, &c) < 0 || c == 0 ||
                    s + c > (1ULL << 32))
                        continue;
                struct casca_subid_range *nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv) {
                        free(v);
                        return -ENOMEM;
                }
                v = nv;
                v[n++] = (struct casca_subid_range){(uint32_t)s, (uint32_t)c};
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* 0 and *ret, or -errno (the error object dropped: callers say what failed) */
static int read_small(const char *path, char **ret)
{
        _cleanup_error_ struct casca_error *e = NULL;

        *ret = casca_fs_read_file(path, NULL, &e);
        return *ret ? 0 : (e && e->code ? -e->code : -EIO);
}

bool casca_idmap_uid_map_is_userns(const char *uid_map)
{
        unsigned long long inside, outside, count;

        /* the initial namespace's one line: 0 0 4294967295 */
        if (sscanf(uid_map, "%llu %llu %llu", &inside, &outside, &count) != 3)
                return true;
        return !(inside == 0 && outside == 0 && count == 4294967295ULL);
}

bool casca_idmap_rootless(void)
{
        static int rootless = -1;
        _cleanup_free_ char *map = NULL;

        if (rootless >= 0)
                return rootless;
        if (geteuid() != 0)
                return (rootless = 1);
        /* uid 0: the host's root unless this is a user namespace's */
        map = casca_fs_read_file("/proc/self/uid_map", NULL, NULL);
        rootless = map && casca_idmap_uid_map_is_userns(map);
        return rootless;
}

const char *casca_idmap_userns_disabled(void)
{
        static const struct {
                const char *file, *knob;
                bool root_too;
        } knobs[] = {
                {"/proc/sys/user/max_user_namespaces", "user.max_user_namespaces", true},
                {"/proc/sys/kernel/unprivileged_userns_clone", "kernel.unprivileged_userns_clone",
                 false},
        };

        for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
                _cleanup_free_ char *v = NULL;

                if (!knobs[i].root_too && geteuid() == 0)
                        continue;
                if (read_small(knobs[i].file, &v) == 0 && strcmp(v, "0\n") == 0)
                        return knobs[i].knob;
        }
        return NULL;
}

int casca_idmap_own_range(const char *file, struct casca_subid_range *ret)
{
        _cleanup_free_ struct casca_subid_range *ranges = NULL;
        _cleanup_free_ char *text = NULL;
        struct passwd *pw = getpwuid(geteuid());
        size_t n = 0;

        if (read_small(file, &text) < 0 ||
            casca_subid_parse(text, pw ? pw->pw_name : NULL, geteuid(), &ranges, &n) < 0 || n == 0)
                return 0;
        *ret = ranges[0];
        return 1;
}

static bool only_own(const struct casca_id_mapping *m, size_t n, uint32_t own)
{
        return n == 1 && m[0].size == 1 && m[0].host_id == own;
}

/* Every host range of the mappings is the caller's own id or lies inside one
 * range the file grants; else the error names the first that does not. */
static int check_granted(const struct casca_id_mapping *m, size_t n, uint32_t own, const char *name,
                         const char *file, const char *what, struct casca_error **err)
{
        _cleanup_free_ struct casca_subid_range *ranges = NULL;
        _cleanup_free_ char *text = NULL;
        size_t n_ranges = 0;
        char granted[256] = "none";
        size_t used = 0;
        int r;

        r = read_small(file, &text);
        if (r < 0 && r != -ENOENT)
                return casca_error_set(err, -r, "%s: read `%s`", what, file);
        if (text && casca_subid_parse(text, name, own, &ranges, &n_ranges) < 0)
                return casca_error_set(err, ENOMEM, "%s: `%s`", what, file);
        for (size_t i = 0; i < n_ranges && used < sizeof(granted); i++) {
                casca_snprintf_trunc(granted + used, sizeof(granted) - used,
                                     "%s%" PRIu32 "-%" PRIu64, i ? ", " : "", ranges[i].start,
                                     (uint64_t)ranges[i].start + ranges[i].count - 1);
                used = strlen(granted);
                if (used + 1 >= sizeof(granted))
                        break;
        }
        for (size_t i = 0; i < n; i++) {
                uint64_t lo = m[i].host_id, hi = lo + m[i].size; /* [lo, hi) */
                bool ok = m[i].size == 1 && lo == own;

                for (size_t k = 0; !ok && k < n_ranges; k++)
                        ok = lo >= ranges[k].start &&
                             hi <= (uint64_t)ranges[k].start + ranges[k].count;
                if (!ok)
                        return casca_error_setx(
                                err, EPERM,
                                "%s[%zu]: host ids %" PRIu64 "-%" PRIu64 " are not granted to "
                                "`%s` (%" PRIu32 ") in %s (granted: %s); only the caller's own "
                                "id and the ranges %s grants can be mapped without root (an "
                                "admin adds a range with usermod; newuidmap and newgidmap, from "
                                "the `uidmap` package, write them)",
                                what, i, lo, hi - 1, name ? name : "?", own, file, granted, file);
        }
        return 0;
}

static int plan_one(const struct casca_id_mapping *m, size_t n, uint32_t own, const char *name,
                    const char *file, const char *helper, const char *what, char **ret,
                    struct casca_error **err)
{
        int r;

        *ret = NULL;
        if (n == 0 || only_own(m, n, own))
                return 0;
        r = check_granted(m, n, own, name, file, what, err);
        if (r < 0)
                return r;
        *ret = casca_find_program(helper);
        if (!*ret)
                return casca_error_setx(err, ENOENT,
                                        "%s: mapping more than the caller's own id (%" PRIu32
                                        ") needs %s, which is not in PATH: install the "
                                        "`uidmap` package",
                                        what, own, helper);
        return 0;
}

int casca_idmap_plan_make(const struct casca_linux *l, struct casca_idmap_plan *ret,
                          struct casca_error **err)
{
        struct passwd *pw;
        const char *knob;
        int r;

        *ret = (struct casca_idmap_plan){0};
        if (!l->namespaces[CASCA_NS_USER].present || l->namespaces[CASCA_NS_USER].path)
                return 0;
        knob = casca_idmap_userns_disabled();
        if (knob)
                return casca_error_setx(err, EPERM,
                                        "linux.namespaces: user namespaces are disabled on this "
                                        "host: %s is 0 (an admin enables them with "
                                        "`sysctl %s=...`)",
                                        knob, knob);
        if (geteuid() == 0)
                return 0;
        pw = getpwuid(geteuid());
        r = plan_one(l->uid_mappings, l->n_uid_mappings, geteuid(), pw ? pw->pw_name : NULL,
                     CASCA_SUBUID_FILE, "newuidmap", "linux.uidMappings", &ret->newuidmap, err);
        if (r >= 0)
                r = plan_one(l->gid_mappings, l->n_gid_mappings, getegid(), pw ? pw->pw_name : NULL,
                             CASCA_SUBGID_FILE, "newgidmap", "linux.gidMappings", &ret->newgidmap,
                             err);
        if (r < 0)
                casca_idmap_plan_clear(ret);
        return r;
}

void casca_idmap_plan_clear(struct casca_idmap_plan *p)
{
        free(p->newuidmap);
        free(p->newgidmap);
        *p = (struct casca_idmap_plan){0};
}

int casca_idmap_run_helper(const char *helper, pid_t pid, const struct casca_id_mapping *m,
                           size_t n, const char *what, struct casca_error **err)
{
        char **argv = NULL;
        size_t argc = 0;
        int r;

        argv = calloc(3 * n + 3, sizeof(*argv));
        if (!argv)
                return casca_error_set(err, ENOMEM, "%s", what);
        argv[argc++] = (char *)helper;
        if (asprintf(&argv[argc++], "%d", (int)pid) < 0)
                argv[--argc] = NULL;
        for (size_t i = 0; i < n && argc == 3 * i + 2; i++) {
                uint32_t f[3] = {m[i].container_id, m[i].host_id, m[i].size};
                for (int k = 0; k < 3; k++)
                        if (asprintf(&argv[argc++], "%" PRIu32, f[k]) < 0)
                                argv[--argc] = NULL;
        }
        if (argc != 3 * n + 2)
                r = casca_error_set(err, ENOMEM, "%s", what);
        else
                r = casca_spawn_wait(argv, what, err);
        for (size_t i = 1; i < argc; i++)
                free(argv[i]);
        free(argv);
        return r;
}
