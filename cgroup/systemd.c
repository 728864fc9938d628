/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd.c - the systemd cgroup driver (--systemd-cgroup, --cgroup-manager
 * systemd): the container's cgroup is a transient scope that systemd makes
 * over D-Bus (sd-bus), with Delegate=yes.
 *
 * Naming, as runc's and crun's: linux.cgroupsPath "slice:prefix:name"
 * ("system.slice:casca:ID") is the scope "prefix-name.scope" ("name.scope"
 * for an empty prefix) in the slice (system.slice when empty); no
 * cgroupsPath is "system.slice:casca:<id>".  The scope's cgroup is the
 * slice's expansion ("machine-foo.slice" is /machine.slice/machine-foo.slice)
 * followed by the scope's name; systemd creates the slices a scope names.
 *
 * A caller other than root talks to its own manager (systemd --user, on
 * DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus), as runc and crun do:
 * the default slice is then user.slice, and the cgroup is below the user
 * manager's own (its ControlGroup property); a limit of a controller the
 * user manager was not delegated is refused by name, and a process casca
 * may not move into the scope itself (the kernel checks the common
 * ancestor's cgroup.procs) is moved by the user manager.
 *
 * systemd refuses a scope without processes, and casca clones the init
 * straight into its cgroup (CLONE_INTO_CGROUP: no code of the container's
 * runs elsewhere, and its cgroup namespace is rooted in the scope).  So the
 * scope starts with a holder: a child of casca that only waits, killed by
 * casca_cgroup_started() once the init is in (and by the kernel, with
 * PR_SET_PDEATHSIG, when casca dies before that).
 *
 * Limits, as runc's driver: those systemd owns are unit properties
 * (MemoryMax, MemoryHigh, MemoryLow, MemorySwapMax, TasksMax, CPUWeight,
 * CPUQuotaPerSecUSec with CPUQuotaPeriodUSec, IOWeight, AllowedCPUs,
 * AllowedMemoryNodes: a `systemctl daemon-reload` keeps them), and every
 * control file is then written through the cgroupfs backend, the rest
 * (io.max, hugetlb, cpu.idle, unified...) included.  Freeze, kill, pids,
 * stats and the device filter are the cgroupfs backend's.  destroy kills
 * what is left, removes the cgroup, stops the unit and resets it when it
 * failed (an OOM kill fails a scope), so no unit is left. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/backend.h"
#include "cgroup/sdbus.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "util/fs.h"
#include "util/parse.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define JOB_TIMEOUT_USEC (60ULL * 1000000ULL)
#define MAX_PROPS 16
#define MAX_CPUSET_BYTES 128 /* 1024 CPUs or memory nodes */

struct sdcg {
        struct casca_cgroup base; /* path and dfd: the cgroupfs handle's */
        struct casca_cgroup *fs;  /* the scope's directory */
        char *unit;
        pid_t holder; /* the scope's first process until started(), or -1 */
};

static const struct casca_cgroup_ops systemd_ops;

static struct sdcg *to_sd(struct casca_cgroup *cg)
{
        return (struct sdcg *)cg;
}

static void bus_unrefp(sd_bus **b)
{
        if (*b)
                sd_bus_flush_close_unref(*b);
}

static void msg_unrefp(sd_bus_message **m)
{
        sd_bus_message_unref(*m);
}

static void settings_clearp(struct casca_cgroup_settings *s)
{
        casca_cgroup_settings_clear(s);
}

#define _cleanup_bus_ __attribute__((cleanup(bus_unrefp)))
#define _cleanup_msg_ __attribute__((cleanup(msg_unrefp)))
#define _cleanup_bus_error_ __attribute__((cleanup(sd_bus_error_free)))

/* ---- names ------------------------------------------------------------ */

/* A unit name part: no '/', no ':', not empty unless allowed. */
static bool name_ok(const char *s, bool empty_ok)
{
        if (!s[0])
                return empty_ok;
        return !strpbrk(s, "/:") && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* "machine-foo.slice" -> "/machine.slice/machine-foo.slice"; "-.slice" -> "". */
static int expand_slice(const char *slice, char **ret, struct casca_error **err)
{
        size_t len = strlen(slice), base, size;
        _cleanup_free_ char *out = NULL;
        size_t n = 0;

        if (strcmp(slice, "-.slice") == 0) {
                *ret = strdup("");
                return *ret ? 0 : casca_error_set(err, ENOMEM, "slice");
        }
        if (len <= 6 || strcmp(slice + len - 6, ".slice") != 0 || !name_ok(slice, false) ||
            slice[0] == '-' || strstr(slice, "--") || slice[len - 7] == '-')
                return casca_error_setx(err, EINVAL,
                                        "linux.cgroupsPath: `%s` is not a valid slice name", slice);
        base = len - 6;
        size = (len + 1) * (base + 1) + 1;
        out = malloc(size);
        if (!out)
                return casca_error_set(err, ENOMEM, "slice");
        out[0] = '\0';
        for (size_t i = 0; i <= base; i++) {
                int w;

                if (i < base && slice[i] != '-')
                        continue;
                w = casca_snprintf(out + n, size - n, "/%.*s.slice", (int)i, slice);
                if (w < 0)
                        return casca_error_setx(err, ENAMETOOLONG, "slice `%s`", slice);
                n += (size_t)w;
        }
        *ret = TAKE_PTR(out);
        return 0;
}

/* cgroups_path as a scope below `base` (the manager's own cgroup: "" for
 * the system manager), `def_slice` where it names none; ret_slice: the
 * slice's unit name. */
static int resolve(const char *cgroups_path, const char *id, const char *def_slice,
                   const char *base, char **ret_unit, char **ret_path, char **ret_slice,
                   struct casca_error **err)
{
        _cleanup_free_ char *copy = NULL, *unit = NULL, *slice_path = NULL, *path = NULL;
        _cleanup_free_ char *slice_copy = NULL;
        const char *slice, *prefix, *name;
        char *c1, *c2;
        int r;

        if (!cgroups_path || !cgroups_path[0]) {
                if (asprintf(&copy, "%s:casca:%s", def_slice, id ? id : "") < 0)
                        return casca_error_set(err, ENOMEM, "cgroup path");
        } else {
                copy = strdup(cgroups_path);
                if (!copy)
                        return casca_error_set(err, ENOMEM, "cgroup path");
        }
        c1 = strchr(copy, ':');
        c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c1 || !c2 || strchr(c2 + 1, ':'))
                return casca_error_setx(err, EINVAL,
                                        "linux.cgroupsPath `%s`: the systemd cgroup manager "
                                        "expects \"slice:prefix:name\" (e.g. "
                                        "\"%s:casca:ID\")",
                                        cgroups_path, def_slice);
        *c1 = *c2 = '\0';
        slice = copy[0] ? copy : def_slice;
        prefix = c1 + 1;
        name = c2 + 1;
        if (!name_ok(prefix, true) || !name_ok(name, false))
                return casca_error_setx(err, EINVAL,
                                        "linux.cgroupsPath `%s`: bad prefix or name for a "
                                        "systemd scope",
                                        cgroups_path ? cgroups_path : "");
        if (strlen(name) > 6 && strcmp(name + strlen(name) - 6, ".slice") == 0)
                return casca_error_setx(err, EOPNOTSUPP,
                                        "linux.cgroupsPath `%s`: a slice as the container's own "
                                        "unit is not supported, only a scope",
                                        cgroups_path);
        r = expand_slice(slice, &slice_path, err);
        if (r < 0)
                return r;
        if (asprintf(&unit, "%s%s%s.scope", prefix, prefix[0] ? "-" : "", name) < 0 ||
            asprintf(&path, "%s%s/%s", base, slice_path, unit) < 0 || !(slice_copy = strdup(slice)))
                return casca_error_set(err, ENOMEM, "cgroup path");
        if (ret_unit)
                *ret_unit = TAKE_PTR(unit);
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        if (ret_slice)
                *ret_slice = TAKE_PTR(slice_copy);
        return 0;
}

/* ---- limits -> properties ---------------------------------------------- */

struct props {
        const char *name[MAX_PROPS];
        uint64_t value[MAX_PROPS];
        size_t n;
        uint8_t cpus[MAX_CPUSET_BYTES], mems[MAX_CPUSET_BYTES];
        size_t n_cpus, n_mems; /* bytes used; 0: not set */
};

static void props_set(struct props *p, const char *name, uint64_t v)
{
        for (size_t i = 0; i < p->n; i++)
                if (strcmp(p->name[i], name) == 0) {
                        p->value[i] = v; /* unified comes last and wins */
                        return;
                }
        if (p->n < MAX_PROPS) {
                p->name[p->n] = name;
                p->value[p->n++] = v;
        }
}

/* The first word of a control file's value; "max" is systemd's infinity. */
static int limit_value(const char *s, uint64_t *ret)
{
        size_t len = strcspn(s, " \n");
        const char *end;
        int r;

        if (len == 3 && strncmp(s, "max", 3) == 0) {
                *ret = UINT64_MAX;
                return 0;
        }
        r = casca_parse_u64(s, &end, UINT64_MAX - 1, ret);
        if (r == 0 && *end && *end != ' ' && *end != '\n')
                r = -EINVAL;
        return r;
}

/* "0-3,5" -> a bit per CPU (systemd's AllowedCPUs as "ay"). */
static int cpuset_bits(const char *list, uint8_t *bits, size_t *ret_n)
{
        const char *p = list, *end;
        size_t n = 0;

        memset(bits, 0, MAX_CPUSET_BYTES);
        while (*p && *p != '\n') {
                unsigned a, b;

                if (casca_parse_uint(p, &end, MAX_CPUSET_BYTES * 8 - 1, &a) < 0)
                        return -EINVAL;
                b = a;
                if (*end == '-' &&
                    casca_parse_uint(end + 1, &end, MAX_CPUSET_BYTES * 8 - 1, &b) < 0)
                        return -EINVAL;
                if (b < a)
                        return -EINVAL;
                for (unsigned i = a; i <= b; i++)
                        bits[i / 8] |= (uint8_t)(1u << (i % 8));
                if (b / 8 + 1 > n)
                        n = b / 8 + 1;
                p = *end == ',' ? end + 1 : end;
                if (*end && *end != ',' && *end != '\n')
                        return -EINVAL;
        }
        *ret_n = n;
        return 0;
}

static int props_from_settings(const struct casca_cgroup_settings *set, struct props *p,
                               struct casca_error **err)
{
        static const struct {
                const char *file, *prop;
        } simple[] = {
                {"memory.max", "MemoryMax"}, {"memory.high", "MemoryHigh"},
                {"memory.low", "MemoryLow"}, {"memory.swap.max", "MemorySwapMax"},
                {"pids.max", "TasksMax"},    {"cpu.weight", "CPUWeight"},
        };

        memset(p, 0, sizeof(*p));
        for (size_t i = 0; i < set->n; i++) {
                const struct casca_cgroup_setting *s = &set->v[i];
                uint64_t v, period;
                const char *sp;
                int r = 0;

                for (size_t k = 0; k < ARRAY_SIZE(simple); k++)
                        if (strcmp(s->file, simple[k].file) == 0) {
                                r = limit_value(s->value, &v);
                                if (r == 0)
                                        props_set(p, simple[k].prop, v);
                        }
                if (strcmp(s->file, "cpu.max") == 0) {
                        sp = strchr(s->value, ' ');
                        r = limit_value(s->value, &v);
                        if (r == 0 && sp)
                                r = casca_parse_u64(sp + 1, NULL, UINT64_MAX, &period);
                        else if (r == 0)
                                period = 100000;
                        if (r == 0 && period == 0)
                                r = -EINVAL;
                        if (r == 0) {
                                /* usec of CPU per second of time */
                                props_set(p, "CPUQuotaPerSecUSec",
                                          v == UINT64_MAX ? v : v * 1000000 / period);
                                props_set(p, "CPUQuotaPeriodUSec", period);
                        }
                } else if (strcmp(s->file, "io.weight") == 0 &&
                           strncmp(s->value, "default ", 8) == 0) {
                        r = casca_parse_u64(s->value + 8, NULL, 10000, &v);
                        if (r == 0)
                                props_set(p, "IOWeight", v);
                } else if (strcmp(s->file, "cpuset.cpus") == 0) {
                        r = cpuset_bits(s->value, p->cpus, &p->n_cpus);
                } else if (strcmp(s->file, "cpuset.mems") == 0) {
                        r = cpuset_bits(s->value, p->mems, &p->n_mems);
                }
                if (r < 0)
                        return casca_error_setx(err, EINVAL,
                                                "%s: %s \"%s\": not a value for "
                                                "the systemd cgroup manager",
                                                s->what ? s->what : "linux.resources", s->file,
                                                s->value);
        }
        return 0;
}

/* linux.resources as cgroup file settings (set) and, of those, the ones
 * systemd owns as unit properties (p) */
static int props_from_resources(const struct casca_resources *res,
                                struct casca_cgroup_settings *set, struct props *p,
                                struct casca_error **err)
{
        int r = casca_cgroup_map_resources(res, set, err);

        return r < 0 ? r : props_from_settings(set, p, err);
}

/* ("name", <"ay" bytes>) */
static int append_bytes_prop(sd_bus_message *m, const char *name, const uint8_t *bytes, size_t n)
{
        int r = sd_bus_message_open_container(m, 'r', "sv");

        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "ay");
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', bytes, n);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int append_props(sd_bus_message *m, const struct props *p)
{
        int r = 0;

        for (size_t i = 0; r >= 0 && i < p->n; i++)
                r = sd_bus_message_append(m, "(sv)", p->name[i], "t", p->value[i]);
        if (r >= 0 && p->n_cpus)
                r = append_bytes_prop(m, "AllowedCPUs", p->cpus, p->n_cpus);
        if (r >= 0 && p->n_mems)
                r = append_bytes_prop(m, "AllowedMemoryNodes", p->mems, p->n_mems);
        return r;
}

/* ---- the annotations' properties ------------------------------------- */

static int append_sdvalue(sd_bus_message *m, char type, const union casca_sdvalue *v)
{
        union {
                int b;
                uint8_t y;
                int16_t n;
                uint16_t q;
                int32_t i;
                uint32_t u;
                int64_t x;
                uint64_t t;
                double d;
        } x;

        switch (type) {
        case 'b':
                x.b = v->b;
                break;
        case 'y':
                x.y = (uint8_t)v->u;
                break;
        case 'n':
                x.n = (int16_t)v->i;
                break;
        case 'q':
                x.q = (uint16_t)v->u;
                break;
        case 'i':
                x.i = (int32_t)v->i;
                break;
        case 'u':
                x.u = (uint32_t)v->u;
                break;
        case 'x':
                x.x = v->i;
                break;
        case 't':
                x.t = v->u;
                break;
        case 'd':
                x.d = v->d;
                break;
        case 's':
        case 'o':
                return sd_bus_message_append_basic(m, type, v->s);
        default:
                return -EINVAL;
        }
        return sd_bus_message_append_basic(m, type, &x);
}

/* ("Name", <value>) */
static int append_sdprop(sd_bus_message *m, const struct casca_sdprop *p)
{
        char sig[3] = {p->array ? 'a' : p->type, p->array ? p->type : '\0', '\0'};
        int r = sd_bus_message_open_container(m, 'r', "sv");

        if (r >= 0)
                r = sd_bus_message_append(m, "s", p->name);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', sig);
        if (r >= 0 && p->array)
                r = sd_bus_message_open_container(m, 'a', sig + 1);
        for (size_t i = 0; r >= 0 && i < p->n; i++)
                r = append_sdvalue(m, p->type, &p->v[i]);
        if (r >= 0 && p->array)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int check_props(const struct props *p, const struct casca_sdprops *sdprops,
                       struct casca_error **err)
{
        const struct casca_sdprop *a;

        for (size_t i = 0; i < p->n + 2; i++) {
                const char *name = i < p->n    ? p->name[i]
                                   : i == p->n ? "AllowedCPUs"
                                               : "AllowedMemoryNodes";

                if ((i == p->n && !p->n_cpus) || (i == p->n + 1 && !p->n_mems))
                        continue;
                a = casca_cgroup_sdprops_find(sdprops, name);
                if (a)
                        return casca_error_setx(err, EINVAL,
                                                "annotations[\"%s\"]: linux.resources sets the "
                                                "unit's %s too; give it in one place only",
                                                a->key, name);
        }
        return 0;
}

int casca_cgroup_systemd_check_props(const struct casca_resources *res,
                                     const struct casca_sdprops *sdprops, struct casca_error **err)
{
        _cleanup_(settings_clearp) struct casca_cgroup_settings set = {0};
        struct props props;
        int r;

        if (!sdprops || !sdprops->n)
                return 0;
        r = props_from_resources(res, &set, &props, err);
        return r < 0 ? r : check_props(&props, sdprops, err);
}

/* ---- the bus ---------------------------------------------------------- */

/* Root talks to the system manager, anyone else to their own (the user's
 * systemd instance, as runc and crun do): its bus is DBUS_SESSION_BUS_ADDRESS
 * or $XDG_RUNTIME_DIR/bus. */
static bool user_manager(void)
{
        return geteuid() != 0;
}

static int user_bus_missing(const char *unit, const char *what, struct casca_error **err)
{
        struct passwd *pw = getpwuid(geteuid());
        char name[64];

        if (pw && pw->pw_name)
                casca_snprintf_trunc(name, sizeof(name), "%s", pw->pw_name);
        else
                casca_snprintf_trunc(name, sizeof(name), "%u", (unsigned)geteuid());
        return casca_error_setx(err, ENOENT,
                                "systemd cgroup manager: %s: %s: is `loginctl enable-linger %s` "
                                "or a login session running the user's systemd (user@%u.service)?",
                                unit, what, name, (unsigned)geteuid());
}

static int bus_open(sd_bus **ret, const char *unit, struct casca_error **err)
{
        const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
        const char *rundir = getenv("XDG_RUNTIME_DIR");
        char path[4096], what[4200];
        struct stat st;
        int r;

        r = casca_sdbus_open(err);
        if (r < 0)
                return r;
        if (!user_manager()) {
                r = sd_bus_open_system(ret);
                if (r < 0)
                        return casca_error_set(err, -r,
                                               "systemd cgroup manager: %s: connect to the "
                                               "system bus",
                                               unit);
                return 0;
        }
        if (addr && addr[0]) {
                r = sd_bus_open_user(ret);
                if (r < 0)
                        return casca_error_set(err, -r,
                                               "systemd cgroup manager: %s: connect to the "
                                               "user's bus at DBUS_SESSION_BUS_ADDRESS `%s`",
                                               unit, addr);
                return 0;
        }
        if (!rundir || !rundir[0]) {
                casca_snprintf_trunc(what, sizeof(what),
                                     "no user bus: neither XDG_RUNTIME_DIR nor "
                                     "DBUS_SESSION_BUS_ADDRESS is set (the user's bus is "
                                     "usually /run/user/%u/bus: XDG_RUNTIME_DIR=/run/user/%u)",
                                     (unsigned)geteuid(), (unsigned)geteuid());
                return user_bus_missing(unit, what, err);
        }
        if (casca_snprintf(path, sizeof(path), "%s/bus", rundir) < 0)
                return casca_error_setx(err, ENAMETOOLONG, "XDG_RUNTIME_DIR `%s`", rundir);
        if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
                casca_snprintf_trunc(what, sizeof(what), "no user bus at %s", path);
                return user_bus_missing(unit, what, err);
        }
        r = sd_bus_open_user(ret);
        if (r < 0) {
                casca_snprintf_trunc(what, sizeof(what), "connect to the user bus at %s: %s", path,
                                     strerror(-r));
                return user_bus_missing(unit, what, err);
        }
        return 0;
}

/* The cgroup of the manager `bus` leads to: "" for the system manager,
 * "/user.slice/user-1000.slice/user@1000.service" for a user's. */
static int manager_cgroup(sd_bus *bus, const char *unit, char **ret, struct casca_error **err)
{
        _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
        char *cg = NULL;
        size_t n;
        int r;

        if (!user_manager()) {
                *ret = strdup("");
                return *ret ? 0 : casca_error_set(err, ENOMEM, "cgroup path");
        }
        r = sd_bus_get_property_string(bus, SD_DEST, SD_PATH, SD_MANAGER, "ControlGroup", &e, &cg);
        if (r < 0)
                return casca_error_set(err, -r,
                                       "systemd cgroup manager: %s: the user manager's "
                                       "ControlGroup%s%s",
                                       unit, e.message ? ": " : "", e.message ? e.message : "");
        n = strlen(cg);
        if (cg[0] != '/' || strstr(cg, "..")) {
                free(cg);
                return casca_error_setx(err, EIO,
                                        "systemd cgroup manager: %s: the user manager's "
                                        "ControlGroup is not a cgroup path",
                                        unit);
        }
        if (n > 1 && cg[n - 1] == '/')
                cg[n - 1] = '\0';
        if (strcmp(cg, "/") == 0)
                cg[0] = '\0';
        *ret = cg;
        return 0;
}

/* The bus and the manager's cgroup, for `unit`. */
static int manager_open(const char *unit, sd_bus **ret_bus, char **ret_base,
                        struct casca_error **err)
{
        int r = bus_open(ret_bus, unit, err);

        return r < 0 ? r : manager_cgroup(*ret_bus, unit, ret_base, err);
}

/* A user's manager has the controllers user@.service delegates to it
 * (Debian: Delegate=pids memory cpu); a limit of another is refused
 * before the scope is made. */
static int check_delegated(const struct casca_cgroup_settings *set, const char *base,
                           struct casca_error **err)
{
        _cleanup_free_ char *have = NULL;
        char file[4096];

        if (casca_snprintf(file, sizeof(file), "%s%s/cgroup.controllers", casca_cgroup_mountpoint(),
                           base) < 0)
                return casca_error_setx(err, ENAMETOOLONG, "cgroup %s", base);
        have = casca_fs_read_file(file, NULL, err);
        if (!have)
                return casca_error_prefix(err, "systemd cgroup manager: the user manager's "
                                               "controllers");
        for (size_t i = 0; i < set->n; i++) {
                const char *ctl = casca_cgroup_file_controller(set->v[i].file);
                size_t len = ctl ? strlen(ctl) : 0;
                bool found = false;

                for (const char *p = have; ctl && *p;) {
                        size_t w = strcspn(p, " \n");

                        if (w == len && strncmp(p, ctl, len) == 0)
                                found = true;
                        p += w;
                        p += strspn(p, " \n");
                }
                if (!ctl || found)
                        continue;
                have[strcspn(have, "\n")] = '\0';
                return casca_error_setx(err, EPERM,
                                        "%s: the %s controller is not delegated to the user's "
                                        "systemd instance (%s has \"%s\"): an admin delegates "
                                        "it with `Delegate=` in a drop-in for user@.service "
                                        "(e.g. /etc/systemd/system/user@.service.d/delegate.conf: "
                                        "[Service] Delegate=cpu cpuset io memory pids)",
                                        set->v[i].what ? set->v[i].what : "linux.resources", ctl,
                                        file, have);
        }
        return 0;
}

int casca_cgroup_systemd_resolve(const char *cgroups_path, const char *id, char **ret_unit,
                                 char **ret_path, struct casca_error **err)
{
        _cleanup_free_ char *unit = NULL, *base = NULL;
        _cleanup_bus_ sd_bus *bus = NULL;
        int r;

        if (!user_manager())
                return resolve(cgroups_path, id, "system.slice", "", ret_unit, ret_path, NULL, err);
        /* a user's scope is below the user manager's own cgroup: ask it */
        r = resolve(cgroups_path, id, "user.slice", "", &unit, NULL, NULL, err);
        if (r >= 0)
                r = manager_open(unit, &bus, &base, err);
        if (r < 0)
                return r;
        return resolve(cgroups_path, id, "user.slice", base, ret_unit, ret_path, NULL, err);
}

static int bus_fail(struct casca_error **err, int r, const sd_bus_error *e, const char *what,
                    const char *unit)
{
        if (e && e->message)
                return casca_error_setx(err, -r, "systemd: %s %s: %s", what, unit, e->message);
        return casca_error_set(err, -r, "systemd: %s %s", what, unit);
}

struct job_wait {
        const char *job;
        char result[32];
        bool done;
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        struct job_wait *w = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (w->job && strcmp(path, w->job) == 0) {
                w->done = true;
                casca_snprintf_trunc(w->result, sizeof(w->result), "%s", result);
        }
        return 0;
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Call `method` (with a job reply) and wait for its JobRemoved signal;
 * the signal match is in place before the call.  `build` appends the
 * arguments. */
static int call_job(sd_bus *bus, const char *method, const char *unit,
                    int (*build)(sd_bus_message *m, const void *data), const void *data,
                    bool *ret_no_unit, bool *ret_queued, struct casca_error **err)
{
        _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_slot *slot = NULL;
        struct job_wait w = {0};
        const char *job;
        uint64_t deadline;
        int r;

        if (ret_no_unit)
                *ret_no_unit = false;
        if (ret_queued)
                *ret_queued = false;
        r = sd_bus_match_signal(bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
                                on_job_removed, &w);
        if (r < 0)
                return bus_fail(err, r, NULL, "watch the jobs of", unit);
        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
        if (r >= 0)
                r = build(m, data);
        if (r < 0) {
                sd_bus_slot_unref(slot);
                return bus_fail(err, r, NULL, method, unit);
        }
        r = sd_bus_call(bus, m, JOB_TIMEOUT_USEC, &e, &reply);
        if (r < 0) {
                sd_bus_slot_unref(slot);
                if (ret_no_unit &&
                    sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit")) {
                        *ret_no_unit = true;
                        return 0;
                }
                return bus_fail(err, r, &e, method, unit);
        }
        if (ret_queued)
                *ret_queued = true; /* the unit is ours from here, whatever its job does */
        r = sd_bus_message_read(reply, "o", &job);
        if (r < 0) {
                sd_bus_slot_unref(slot);
                return bus_fail(err, r, NULL, method, unit);
        }
        w.job = job;
        deadline = now_usec() + JOB_TIMEOUT_USEC;
        while (!w.done) {
                uint64_t now = now_usec();

                r = sd_bus_process(bus, NULL);
                if (r > 0)
                        continue;
                if (r >= 0 && now >= deadline)
                        r = -ETIMEDOUT;
                if (r >= 0)
                        r = sd_bus_wait(bus, deadline - now);
                if (r < 0) {
                        sd_bus_slot_unref(slot);
                        return casca_error_set(err, -r, "systemd: %s %s: wait for job %s", method,
                                               unit, job);
                }
        }
        sd_bus_slot_unref(slot);
        if (strcmp(w.result, "done") != 0)
                return casca_error_setx(err, EIO, "systemd: %s %s: job %s ended \"%s\"", method,
                                        unit, job, w.result);
        return 0;
}

/* ---- create ----------------------------------------------------------- */

struct start_args {
        const char *unit, *slice, *id;
        pid_t pid;
        const struct props *props;
        const struct casca_sdprops *sdprops;
};

static int build_start(sd_bus_message *m, const void *data)
{
        static const char *const bools[] = {"DefaultDependencies", "MemoryAccounting",
                                            "CPUAccounting", "TasksAccounting", "IOAccounting"};
        const struct start_args *a = data;
        char desc[256];
        int r;

        casca_snprintf_trunc(desc, sizeof(desc), "casca container %s", a->id);
        r = sd_bus_message_append(m, "ss", a->unit, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)(sv)(sv)", "Slice", "s", a->slice, "Delegate",
                                          "b", 1, "PIDs", "au", 1, (uint32_t)a->pid);
        /* what an annotation sets instead of casca (runc's order: its
         * properties after runc's own, so that they win) */
        if (r >= 0 && !casca_cgroup_sdprops_find(a->sdprops, "Description"))
                r = sd_bus_message_append(m, "(sv)", "Description", "s", desc);
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(bools); i++)
                if (!casca_cgroup_sdprops_find(a->sdprops, bools[i]))
                        r = sd_bus_message_append(m, "(sv)", bools[i], "b",
                                                  strcmp(bools[i], "DefaultDependencies") != 0);
        if (r >= 0)
                r = append_props(m, a->props);
        for (size_t i = 0; r >= 0 && a->sdprops && i < a->sdprops->n; i++)
                r = append_sdprop(m, &a->sdprops->v[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        return r;
}

/* The scope's first process: waits to be killed, dies with casca. */
static pid_t spawn_holder(struct casca_error **err)
{
        pid_t parent = getpid(), pid = fork();

        if (pid < 0)
                return casca_error_set(err, errno, "systemd cgroup manager: fork");
        if (pid == 0) {
                (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                        _exit(0);
                for (;;)
                        pause();
        }
        return pid;
}

static void reap_holder(struct sdcg *sd)
{
        if (sd->holder > 0) {
                kill(sd->holder, SIGKILL);
                while (waitpid(sd->holder, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        sd->holder = -1;
}

static int handle_new(const char *unit, struct sdcg **ret, struct casca_error **err)
{
        struct sdcg *sd = calloc(1, sizeof(*sd));

        if (!sd || !(sd->unit = strdup(unit))) {
                free(sd);
                return casca_error_set(err, ENOMEM, "systemd cgroup %s", unit);
        }
        sd->base.ops = &systemd_ops;
        sd->base.dfd = -1;
        sd->holder = -1;
        *ret = sd;
        return 0;
}

static int open_fs(struct sdcg *sd, const char *path, struct casca_error **err)
{
        int r = casca_cgroupfs_open(path, &sd->fs, err);

        if (r < 0)
                return casca_error_prefix(err, "systemd unit %s", sd->unit);
        sd->base.path = sd->fs->path;
        sd->base.dfd = sd->fs->dfd;
        return 0;
}

static int stop_unit(sd_bus *bus, const char *unit, struct casca_error **err);

int casca_cgroup_systemd_create(const char *cgroups_path, const char *id,
                                const struct casca_resources *res,
                                const struct casca_sdprops *sdprops, struct casca_cgroup **ret,
                                struct casca_error **err)
{
        _cleanup_(settings_clearp) struct casca_cgroup_settings set = {0};
        _cleanup_free_ char *unit = NULL, *path = NULL, *slice = NULL, *base = NULL;
        const char *def_slice = user_manager() ? "user.slice" : "system.slice";
        _cleanup_bus_ sd_bus *bus = NULL;
        struct sdcg *sd = NULL;
        bool queued = false;
        struct props props;
        int r;

        r = resolve(cgroups_path, id, def_slice, "", &unit, NULL, NULL, err);
        if (r < 0)
                return r;
        r = props_from_resources(res, &set, &props, err);
        if (r < 0)
                return r;
        r = check_props(&props, sdprops, err);
        if (r < 0)
                return r;
        /* a user manager's scopes are below its own cgroup */
        r = manager_open(unit, &bus, &base, err);
        if (r >= 0 && user_manager())
                r = check_delegated(&set, base, err);
        if (r >= 0)
                r = resolve(cgroups_path, id, def_slice, base, NULL, &path, &slice, err);
        if (r < 0)
                return r;
        r = handle_new(unit, &sd, err);
        if (r < 0)
                return r;
        sd->holder = spawn_holder(err);
        if (sd->holder < 0) {
                r = sd->holder;
                sd->holder = -1;
                goto fail;
        }
        {
                struct start_args a = {.unit = unit,
                                       .slice = slice,
                                       .id = id,
                                       .pid = sd->holder,
                                       .props = &props,
                                       .sdprops = sdprops};

                r = call_job(bus, "StartTransientUnit", unit, build_start, &a, NULL, &queued, err);
        }
        /* refused (a unit of that name exists: another container's): not ours to stop */
        if (r < 0 && !queued) {
                reap_holder(sd);
                goto fail;
        }
        if (r < 0)
                goto fail_stop;
        r = open_fs(sd, path, err);
        if (r < 0)
                goto fail_stop;
        /* every control file, those systemd wrote included (runc's order) */
        r = sd->fs->ops->apply(sd->fs, res, err);
        if (r < 0)
                goto fail_stop;
        *ret = &sd->base;
        return 0;
fail_stop:
        reap_holder(sd);
        {
                _cleanup_error_ struct casca_error *ignored = NULL;

                (void)stop_unit(bus, unit, &ignored);
        }
fail:
        systemd_ops.free(&sd->base);
        return r;
}

int casca_cgroup_systemd_open(const char *path, const char *unit, struct casca_cgroup **ret,
                              struct casca_error **err)
{
        struct sdcg *sd = NULL;
        int r;

        if (!path || path[0] != '/')
                return casca_error_setx(err, EINVAL, "cgroup `%s`: not an absolute path",
                                        path ? path : "");
        r = handle_new(unit, &sd, err);
        if (r < 0)
                return r;
        r = open_fs(sd, path, err);
        if (r < 0) {
                systemd_ops.free(&sd->base);
                return r;
        }
        *ret = &sd->base;
        return 0;
}

const char *casca_cgroup_unit(const struct casca_cgroup *cg)
{
        return cg && cg->ops == &systemd_ops ? ((const struct sdcg *)cg)->unit : NULL;
}

/* ---- the operations ---------------------------------------------------- */

static int systemd_started(struct casca_cgroup *cg)
{
        reap_holder(to_sd(cg));
        return 0;
}

struct set_args {
        const char *unit;
        const struct props *props;
};

static int systemd_apply(struct casca_cgroup *cg, const struct casca_resources *res,
                         struct casca_error **err)
{
        _cleanup_(settings_clearp) struct casca_cgroup_settings set = {0};
        _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_msg_ sd_bus_message *m = NULL;
        _cleanup_bus_ sd_bus *bus = NULL;
        struct sdcg *sd = to_sd(cg);
        struct props props;
        int r;

        r = props_from_resources(res, &set, &props, err);
        if (r < 0)
                return r;
        if (user_manager() && set.n) {
                _cleanup_free_ char *base = NULL;

                r = manager_open(sd->unit, &bus, &base, err);
                if (r >= 0)
                        r = check_delegated(&set, base, err);
                if (r < 0)
                        return r;
        }
        if (props.n || props.n_cpus || props.n_mems) {
                if (!bus)
                        r = bus_open(&bus, sd->unit, err);
                if (r < 0)
                        return r;
                r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
                                                   "SetUnitProperties");
                if (r >= 0)
                        r = sd_bus_message_append(m, "sb", sd->unit, 1);
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "(sv)");
                if (r >= 0)
                        r = append_props(m, &props);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r < 0)
                        return bus_fail(err, r, NULL, "SetUnitProperties", sd->unit);
                r = sd_bus_call(bus, m, JOB_TIMEOUT_USEC, &e, NULL);
                if (r < 0)
                        return bus_fail(err, r, &e, "SetUnitProperties", sd->unit);
        }
        return sd->fs->ops->apply(sd->fs, res, err);
}

static int build_stop(sd_bus_message *m, const void *data)
{
        return sd_bus_message_append(m, "ss", (const char *)data, "replace");
}

/* StopUnit (a unit already gone is not an error), then ResetFailedUnit
 * (a failed unit stays listed until reset). */
static int stop_unit(sd_bus *bus, const char *unit, struct casca_error **err)
{
        _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
        bool gone = false;
        int r;

        r = call_job(bus, "StopUnit", unit, build_stop, unit, &gone, NULL, err);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", &e, NULL, "s",
                               unit);
        if (r < 0 && !sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"))
                return bus_fail(err, r, &e, "ResetFailedUnit", unit);
        return 0;
}

int casca_cgroup_systemd_remove_unit(const char *unit, struct casca_error **err)
{
        _cleanup_bus_ sd_bus *bus = NULL;
        int r;

        r = bus_open(&bus, unit, err);
        if (r < 0)
                return r;
        return stop_unit(bus, unit, err);
}

/* The cgroup directory is no more (systemd removed it). */
static bool cgroup_gone(const char *path)
{
        char full[4096];
        struct stat st;

        if (casca_snprintf(full, sizeof(full), "%s%s", casca_cgroup_mountpoint(), path) < 0)
                return false;
        return stat(full, &st) < 0 && errno == ENOENT;
}

static int systemd_destroy(struct casca_cgroup *cg, struct casca_error **err)
{
        _cleanup_error_ struct casca_error *e = NULL;
        struct sdcg *sd = to_sd(cg);
        int r;

        reap_holder(sd);
        /* kill, wait until empty, remove what the container made below.
         * systemd may remove the scope's cgroup under us (a scope whose
         * last process died, or one it stopped after an OOM kill): what is
         * gone needs no removing. */
        r = sd->fs->ops->destroy(sd->fs, &e);
        if (r < 0 && !cgroup_gone(sd->fs->path)) {
                if (err && !*err)
                        *err = TAKE_PTR(e);
                return r;
        }
        return casca_cgroup_systemd_remove_unit(sd->unit, err);
}

static void systemd_free(struct casca_cgroup *cg)
{
        struct sdcg *sd = to_sd(cg);

        if (!cg)
                return;
        reap_holder(sd);
        casca_cgroup_free(sd->fs);
        free(sd->unit);
        free(sd);
}

/* A user may not move a process out of a cgroup it does not own (the
 * kernel checks the common ancestor: casca run from outside the user
 * manager's tree): the user manager moves it then (AttachProcessesToUnit,
 * which asks the system manager on the user's behalf). */
static int systemd_enter(struct casca_cgroup *cg, pid_t pid, struct casca_error **err)
{
        _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_error_ struct casca_error *denied = NULL;
        _cleanup_bus_ sd_bus *bus = NULL;
        struct sdcg *sd = to_sd(cg);
        int r;

        r = sd->fs->ops->enter(sd->fs, pid, &denied);
        if (r >= 0 || !user_manager() || (r != -EACCES && r != -EPERM)) {
                if (r < 0 && err && !*err)
                        *err = TAKE_PTR(denied);
                return r;
        }
        r = bus_open(&bus, sd->unit, err);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "AttachProcessesToUnit", &e, NULL,
                               "ssau", sd->unit, "", 1, (uint32_t)(pid ? pid : getpid()));
        if (r < 0)
                return bus_fail(err, r, &e, "AttachProcessesToUnit", sd->unit);
        return 0;
}

/* The rest is the cgroupfs backend's, on the scope's directory. */

static int systemd_set_devices(struct casca_cgroup *cg, const struct casca_device_rule *rules,
                               size_t n_rules, struct casca_error **err)
{
        return to_sd(cg)->fs->ops->set_devices(to_sd(cg)->fs, rules, n_rules, err);
}

static int systemd_freeze(struct casca_cgroup *cg, bool frozen, struct casca_error **err)
{
        return to_sd(cg)->fs->ops->freeze(to_sd(cg)->fs, frozen, err);
}

static int systemd_is_frozen(struct casca_cgroup *cg, struct casca_error **err)
{
        return to_sd(cg)->fs->ops->is_frozen(to_sd(cg)->fs, err);
}

static int systemd_kill(struct casca_cgroup *cg, struct casca_error **err)
{
        return to_sd(cg)->fs->ops->kill(to_sd(cg)->fs, err);
}

/* The container's processes: the holder is casca's, not one of them (a
 * create that asked before the init was in found the scope "not empty"). */
static int systemd_pids(struct casca_cgroup *cg, pid_t **ret_pids, size_t *ret_n,
                        struct casca_error **err)
{
        struct sdcg *sd = to_sd(cg);
        size_t n = 0;
        int r = sd->fs->ops->pids(sd->fs, ret_pids, &n, err);

        if (r < 0)
                return r;
        for (size_t i = 0; sd->holder > 0 && i < n; i++)
                if ((*ret_pids)[i] == sd->holder) { /* sorted: kept so */
                        memmove(*ret_pids + i, *ret_pids + i + 1, (n - i - 1) * sizeof(pid_t));
                        n--;
                        break;
                }
        *ret_n = n;
        return r;
}

static int systemd_stats(struct casca_cgroup *cg, struct casca_jgen *j, struct casca_error **err)
{
        return to_sd(cg)->fs->ops->stats(to_sd(cg)->fs, j, err);
}

static const struct casca_cgroup_ops systemd_ops = {
        .name = "systemd",
        .enter = systemd_enter,
        .apply = systemd_apply,
        .set_devices = systemd_set_devices,
        .freeze = systemd_freeze,
        .is_frozen = systemd_is_frozen,
        .kill = systemd_kill,
        .pids = systemd_pids,
        .stats = systemd_stats,
        .destroy = systemd_destroy,
        .started = systemd_started,
        .free = systemd_free,
};
