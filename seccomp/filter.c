/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* filter.c - struct casca_seccomp -> libseccomp filter, and loading it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seccomp/seccomp.h"
#include "util/cleanup.h"
#include "util/format.h"

#define SECCOMP_MAX_ARGS 6

/* Syscalls the init makes between loading the filter and handing the notify
 * fd to the runtime: a NOTIFY rule on them would block it for good (nobody
 * holds the listener yet).  runc refuses "write" for the same reason. */
static const char *const notify_forbidden[] = {"write", "sendmsg"};

const char *casca_seccomp_skip_reason(enum casca_seccomp_skip reason)
{
        switch (reason) {
        case CASCA_SECCOMP_SKIP_UNKNOWN_SYSCALL:
                return "unknown syscall";
        case CASCA_SECCOMP_SKIP_DEFAULT_ACTION:
                return "action is the default action";
        }
        return "skipped";
}

static const char *libseccomp_version(void)
{
        static char buf[40]; /* three unsigned ints and two dots always fit */
        const struct scmp_version *v = seccomp_version();

        if (!v)
                return "?";
        casca_snprintf_trunc(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor, v->micro);
        return buf;
}

/* The action value of a rule or the default; errors name `path`. */
static int action_value(enum casca_seccomp_action a, bool has_errno_ret, uint32_t errno_ret,
                        const char *path, const char *errno_key, uint32_t *ret,
                        struct casca_error **err)
{
        int r = casca_seccomp_action_value(a, has_errno_ret, errno_ret, ret);

        if (r == -EINVAL && has_errno_ret)
                return casca_error_setx(err, EINVAL,
                                        "%s.%s: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, "
                                        "not %s",
                                        path, errno_key,
                                        casca_seccomp_action_name(a) ?: "an unknown action");
        if (r == -ERANGE)
                return casca_error_setx(err, ERANGE, "%s.%s: %u is out of range (0-%u)", path,
                                        errno_key, errno_ret,
                                        a == CASCA_SCMP_TRACE ? 65535u : 4095u);
        if (r < 0)
                return casca_error_setx(err, EINVAL, "%s.action: unknown action %d", path, (int)a);
        return 0;
}

static int add_architectures(scmp_filter_ctx ctx, const struct casca_seccomp *s,
                             struct casca_error **err)
{
        for (size_t i = 0; i < s->n_architectures; i++) {
                const char *name = s->architectures[i];
                uint32_t token;
                int r;

                r = casca_seccomp_arch_lookup(name, &token);
                if (r == -ENOENT)
                        return casca_error_setx(err, EINVAL,
                                                "linux.seccomp.architectures[%zu]: unknown "
                                                "architecture \"%s\"",
                                                i, name ?: "");
                if (r < 0)
                        return casca_error_setx(err, EOPNOTSUPP,
                                                "linux.seccomp.architectures[%zu]: architecture "
                                                "\"%s\" is not supported by libseccomp %s",
                                                i, name, libseccomp_version());
                r = seccomp_arch_add(ctx, token);
                if (r < 0 && r != -EEXIST)
                        return casca_error_set(err, -r,
                                               "linux.seccomp.architectures[%zu]: add "
                                               "architecture \"%s\"",
                                               i, name);
        }
        return 0;
}

static int set_flags(scmp_filter_ctx ctx, const struct casca_seccomp *s, struct casca_error **err)
{
        enum scmp_filter_attr attr;
        int r;

        /* unknown names first: a config error beats an environment one */
        for (size_t i = 0; i < s->n_flags; i++)
                if (casca_seccomp_flag_lookup(s->flags[i], &attr) == -ENOENT)
                        return casca_error_setx(err, EINVAL,
                                                "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i,
                                                s->flags[i] ?: "");
        for (size_t i = 0; i < s->n_flags; i++) {
                const char *name = s->flags[i];

                r = casca_seccomp_flag_lookup(name, &attr);
                if (r < 0)
                        return casca_error_setx(err, EOPNOTSUPP,
                                                "linux.seccomp.flags[%zu]: flag \"%s\" is not "
                                                "supported by libseccomp %s with this kernel "
                                                "(API level %u)",
                                                i, name, libseccomp_version(), seccomp_api_get());
                r = seccomp_attr_set(ctx, attr, 1);
                if (r < 0)
                        return casca_error_set(err, -r, "linux.seccomp.flags[%zu]: set flag \"%s\"",
                                               i, name);
        }
        return 0;
}

/* Turn the args of rule i into comparisons; *ret_repeated when an index
 * occurs twice (runc then adds one rule per comparison, i.e. ORs them). */
static int make_conditions(const struct casca_seccomp_syscall *sc, size_t i,
                           struct scmp_arg_cmp **ret_cmps, bool *ret_repeated,
                           struct casca_error **err)
{
        _cleanup_free_ struct scmp_arg_cmp *cmps = NULL;
        unsigned count[SECCOMP_MAX_ARGS] = {0};
        bool repeated = false;

        cmps = calloc(sc->n_args, sizeof(*cmps));
        if (!cmps)
                return casca_error_set(err, ENOMEM, "linux.seccomp.syscalls[%zu].args", i);
        for (size_t k = 0; k < sc->n_args; k++) {
                const struct casca_seccomp_arg *a = &sc->args[k];
                enum scmp_compare op = casca_seccomp_op_value(a->op);

                if (a->index >= SECCOMP_MAX_ARGS)
                        return casca_error_setx(err, EINVAL,
                                                "linux.seccomp.syscalls[%zu].args[%zu].index: %u "
                                                "is out of range (0-5)",
                                                i, k, a->index);
                if (op == _SCMP_CMP_MIN)
                        return casca_error_setx(err, EINVAL,
                                                "linux.seccomp.syscalls[%zu].args[%zu].op: "
                                                "unknown operator %d",
                                                i, k, (int)a->op);
                if (++count[a->index] > 1)
                        repeated = true;
                /* MASKED_EQ: (arg & value) == valueTwo; the others compare
                 * with value only. */
                cmps[k] = (struct scmp_arg_cmp){
                        .arg = a->index,
                        .op = op,
                        .datum_a = a->value,
                        .datum_b = op == SCMP_CMP_MASKED_EQ ? a->value_two : 0,
                };
        }
        *ret_cmps = TAKE_PTR(cmps);
        *ret_repeated = repeated;
        return 0;
}

static int add_syscall_rule(scmp_filter_ctx ctx, const struct casca_seccomp *s, size_t i,
                            uint32_t default_action, casca_seccomp_skip_fn on_skip, void *userdata,
                            struct casca_error **err)
{
        const struct casca_seccomp_syscall *sc = &s->syscalls[i];
        _cleanup_free_ struct scmp_arg_cmp *cmps = NULL;
        _cleanup_free_ char *path = NULL;
        bool repeated = false;
        uint32_t act;
        int r;

        if (asprintf(&path, "linux.seccomp.syscalls[%zu]", i) < 0)
                return casca_error_set(err, ENOMEM, "linux.seccomp.syscalls[%zu]", i);
        r = action_value(sc->action, sc->has_errno_ret, sc->errno_ret, path, "errnoRet", &act, err);
        if (r < 0)
                return r;
        if (sc->action == CASCA_SCMP_NOTIFY && !s->listener_path)
                return casca_error_setx(err, EINVAL,
                                        "%s.action: SCMP_ACT_NOTIFY requires "
                                        "linux.seccomp.listenerPath",
                                        path);
        if (sc->n_args > 0) {
                r = make_conditions(sc, i, &cmps, &repeated, err);
                if (r < 0)
                        return r;
        }

        for (size_t j = 0; j < sc->n_names; j++) {
                const char *name = sc->names[j];
                int nr;

                if (!name || !*name)
                        return casca_error_setx(err, EINVAL, "%s.names[%zu]: empty syscall name",
                                                path, j);
                if (act == default_action) {
                        if (on_skip)
                                on_skip(userdata, CASCA_SECCOMP_SKIP_DEFAULT_ACTION, i, name);
                        continue;
                }
                nr = seccomp_syscall_resolve_name(name);
                if (nr == __NR_SCMP_ERROR) {
                        if (on_skip)
                                on_skip(userdata, CASCA_SECCOMP_SKIP_UNKNOWN_SYSCALL, i, name);
                        continue;
                }
                if (sc->action == CASCA_SCMP_NOTIFY)
                        for (size_t f = 0; f < ARRAY_SIZE(notify_forbidden); f++)
                                if (strcmp(name, notify_forbidden[f]) == 0)
                                        return casca_error_setx(err, EINVAL,
                                                                "%s: SCMP_ACT_NOTIFY cannot be "
                                                                "used for \"%s\" (the runtime "
                                                                "needs it after loading the "
                                                                "filter)",
                                                                path, name);

                if (sc->n_args == 0)
                        r = seccomp_rule_add_array(ctx, act, nr, 0, NULL);
                else if (!repeated)
                        r = seccomp_rule_add_array(ctx, act, nr, (unsigned)sc->n_args, cmps);
                else
                        for (size_t k = 0; k < sc->n_args && r >= 0; k++)
                                r = seccomp_rule_add_array(ctx, act, nr, 1, &cmps[k]);
                if (r < 0)
                        return casca_error_set(err, -r, "%s: add rule for \"%s\"", path, name);
        }
        return 0;
}

/* What build() makes: the whole filter, or one part of the split filter. */
enum build_part {
        PART_WHOLE,
        PART_GUARD, /* every listed architecture allowed, any other one refused */
        PART_ARCH,  /* one architecture's rules; other architectures allowed */
};

static int build(const struct casca_seccomp *s, enum build_part part, uint32_t arch, bool tree,
                 casca_seccomp_skip_fn on_skip, void *userdata, scmp_filter_ctx *ret_ctx,
                 struct casca_error **err)
{
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        uint32_t def;
        int r;

        if (!s || !ret_ctx)
                return casca_error_setx(err, EINVAL, "linux.seccomp: no configuration");
        r = action_value(s->default_action, s->has_default_errno_ret, s->default_errno_ret,
                         "linux.seccomp", "defaultErrnoRet", &def, err);
        if (r < 0)
                return r;
        if (s->default_action == CASCA_SCMP_NOTIFY)
                return casca_error_setx(err, EINVAL,
                                        "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be "
                                        "the default action");
        if (s->listener_metadata && !s->listener_path)
                return casca_error_setx(err, EINVAL,
                                        "linux.seccomp.listenerMetadata: requires listenerPath");

        ctx = seccomp_init(part == PART_GUARD ? SCMP_ACT_ALLOW : def);
        if (!ctx)
                return casca_error_setx(
                        err, EINVAL, "linux.seccomp.defaultAction: libseccomp %s refuses %s",
                        libseccomp_version(), casca_seccomp_action_name(s->default_action) ?: "?");
        /* process.noNewPrivileges decides about no_new_privs, not the filter. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return casca_error_set(err, -r, "linux.seccomp: clear the no_new_privs attribute");
        /* Report the kernel's errno from seccomp_load(), not ECANCELED. */
        (void)seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);

        if (part == PART_ARCH) {
                /* the guard refuses what no part covers; here the other
                 * architectures pass, to the part that has their rules */
                r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
                if (r < 0)
                        return casca_error_set(err, -r, "linux.seccomp: architecture part");
                if (arch != seccomp_arch_native()) {
                        r = seccomp_arch_add(ctx, arch);
                        if (r >= 0)
                                r = seccomp_arch_remove(ctx, seccomp_arch_native());
                        if (r < 0)
                                return casca_error_set(
                                        err, -r, "linux.seccomp: architecture part %#x", arch);
                }
                /* a binary tree of the syscall numbers: the kernel checks and
                 * caches a program of one architecture in half the time of a
                 * list; libseccomp before 2.5 has no such option */
                if (tree)
                        (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        } else {
                r = add_architectures(ctx, s, err);
                if (r < 0)
                        return r;
        }
        r = set_flags(ctx, s, err);
        if (r < 0)
                return r;
        for (size_t i = 0; part != PART_GUARD && i < s->n_syscalls; i++) {
                r = add_syscall_rule(ctx, s, i, def, on_skip, userdata, err);
                if (r < 0)
                        return r;
        }
        *ret_ctx = TAKE_PTR(ctx);
        return 0;
}

int casca_seccomp_build_ex(const struct casca_seccomp *s, casca_seccomp_skip_fn on_skip,
                           void *userdata, scmp_filter_ctx *ret_ctx, struct casca_error **err)
{
        return build(s, PART_WHOLE, 0, false, on_skip, userdata, ret_ctx, err);
}

int casca_seccomp_build(const struct casca_seccomp *s, scmp_filter_ctx *ret_ctx,
                        struct casca_error **err)
{
        return casca_seccomp_build_ex(s, NULL, NULL, ret_ctx, err);
}

int casca_seccomp_split_arches(const struct casca_seccomp *s, uint32_t *arches, size_t max,
                               size_t *ret_n, struct casca_error **err)
{
        size_t n = 0;

        if (!s || max == 0)
                return casca_error_setx(err, EINVAL, "linux.seccomp: no configuration");
        arches[n++] = seccomp_arch_native();
        for (size_t i = 0; i < s->n_architectures; i++) {
                uint32_t token;
                size_t k;

                /* an unknown name is the guard's error, with its path */
                if (casca_seccomp_arch_lookup(s->architectures[i], &token) < 0)
                        continue;
                for (k = 0; k < n && arches[k] != token; k++)
                        ;
                if (k < n)
                        continue;
                if (n == max)
                        return casca_error_setx(
                                err, E2BIG, "linux.seccomp.architectures: more than %zu", max - 1);
                arches[n++] = token;
        }
        *ret_n = n;
        return 0;
}

int casca_seccomp_build_part(const struct casca_seccomp *s, const uint32_t *arches, size_t part,
                             bool tree, casca_seccomp_skip_fn on_skip, void *userdata,
                             scmp_filter_ctx *ret_ctx, struct casca_error **err)
{
        if (part == 0)
                return build(s, PART_GUARD, 0, false, NULL, NULL, ret_ctx, err);
        return build(s, PART_ARCH, arches[part - 1], tree, on_skip, userdata, ret_ctx, err);
}

bool casca_seccomp_uses_notify(const struct casca_seccomp *s)
{
        for (size_t i = 0; s && i < s->n_syscalls; i++)
                if (s->syscalls[i].action == CASCA_SCMP_NOTIFY)
                        return true;
        return false;
}

int casca_seccomp_load(scmp_filter_ctx ctx, int *ret_notify_fd, struct casca_error **err)
{
        int before, fd, r;

        if (ret_notify_fd)
                *ret_notify_fd = -1;
        if (!ctx)
                return casca_error_setx(err, EINVAL, "load seccomp filter: no filter");
        /* libseccomp keeps one listener per process: a fd that exists only
         * after this load is the one this filter's NOTIFY rules created. */
        before = seccomp_notify_fd(ctx);
        r = seccomp_load(ctx);
        if (r < 0)
                return casca_error_set(err, -r, "load seccomp filter");
        fd = seccomp_notify_fd(ctx);
        if (fd < 0 || before >= 0)
                return 0;
        /* no syscall here: the filter is in force now, and the kernel made
         * the listener close-on-exec (SECCOMP_FILTER_FLAG_NEW_LISTENER) */
        if (ret_notify_fd)
                *ret_notify_fd = fd;
        else
                close(fd);
        return 0;
}

void casca_seccomp_release(scmp_filter_ctx ctx)
{
        if (ctx)
                seccomp_release(ctx);
}
