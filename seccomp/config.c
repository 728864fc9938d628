/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.c - linux.seccomp of config.json into struct casca_seccomp.  The
 * action, operator, architecture and flag names are tables.c's; which of
 * them this libseccomp and kernel support is for the filter builder. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp/config.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"

static int parse_seccomp_action(const struct casca_json *v, const struct casca_jpath *p,
                                enum casca_seccomp_action *ret, struct casca_error **err)
{
        int a;

        if (!casca_json_is_string(v))
                return casca_json_error(err, p, "expected a string");
        a = casca_seccomp_action_from_name(casca_json_str(v));
        if (a < 0)
                return casca_json_error(err, p, "unknown seccomp action \"%s\"", casca_json_str(v));
        *ret = (enum casca_seccomp_action)a;
        return 0;
}

/* errnoRet only means something to actions that return an errno. */
static int check_errno_ret(enum casca_seccomp_action a, const struct casca_jpath *p,
                           struct casca_error **err)
{
        if (a != CASCA_SCMP_ERRNO && a != CASCA_SCMP_TRACE)
                return casca_json_error(err, p, "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
        return 0;
}

static int parse_seccomp_arg(void *elem, const struct casca_json *o, const struct casca_jpath *p,
                             struct casca_error **err)
{
        struct casca_seccomp_arg *a = elem;
        int64_t index;
        const struct casca_json *x;
        int op, r;

        if (!(x = casca_json_require(o, "index", p, err)))
                return -EINVAL;
        r = casca_json_int_range(x, JKEY(p, "index"), 0, 5, &index, err);
        if (r < 0)
                return r;
        a->index = (uint32_t)index;
        if ((r = casca_json_req_u64(o, "value", p, &a->value, err)) < 0)
                return r;
        if ((x = casca_json_get(o, "valueTwo")) &&
            (r = casca_json_u64(x, JKEY(p, "valueTwo"), &a->value_two, err)) < 0)
                return r;
        if (!(x = casca_json_require(o, "op", p, err)))
                return -EINVAL;
        if (!casca_json_is_string(x))
                return casca_json_error(err, JKEY(p, "op"), "expected a string");
        op = casca_seccomp_op_from_name(casca_json_str(x));
        if (op < 0)
                return casca_json_error(err, JKEY(p, "op"), "unknown seccomp operator \"%s\"",
                                        casca_json_str(x));
        a->op = (enum casca_seccomp_op)op;
        return 0;
}

static int parse_seccomp_syscall(void *elem, const struct casca_json *o,
                                 const struct casca_jpath *p, struct casca_error **err)
{
        struct casca_seccomp_syscall *sc = elem;
        const struct casca_json *x;
        int r;

        if (!(x = casca_json_require(o, "names", p, err)))
                return -EINVAL;
        r = casca_json_strv(x, JKEY(p, "names"), &sc->names, &sc->n_names, err);
        if (r < 0)
                return r;
        if (sc->n_names == 0)
                return casca_json_error(err, JKEY(p, "names"), "must have at least one entry");
        for (size_t k = 0; k < sc->n_names; k++)
                if (!sc->names[k][0])
                        return casca_json_error(err, JIDX(JKEY(p, "names"), k),
                                                "must not be empty");
        if (!(x = casca_json_require(o, "action", p, err)))
                return -EINVAL;
        r = parse_seccomp_action(x, JKEY(p, "action"), &sc->action, err);
        if (r < 0)
                return r;
        if ((r = casca_json_opt_u32(o, "errnoRet", p, &sc->errno_ret, err)) < 0)
                return r;
        sc->has_errno_ret = r > 0;
        if (sc->has_errno_ret && (r = check_errno_ret(sc->action, JKEY(p, "errnoRet"), err)) < 0)
                return r;
        if ((x = casca_json_get(o, "args")) &&
            (r = casca_json_array_of(x, JKEY(p, "args"), sizeof(*sc->args), (void **)&sc->args,
                                     &sc->n_args, parse_seccomp_arg, err)) < 0)
                return r;
        return 0;
}

int casca_seccomp_from_json(const struct casca_json *v, const struct casca_jpath *p,
                            struct casca_seccomp **ret, struct casca_error **err)
{
        struct casca_seccomp *s;
        const struct casca_json *x;
        int r;

        r = casca_json_object(v, p, err);
        if (r < 0)
                return r;
        s = *ret = calloc(1, sizeof(*s));
        if (!s)
                return casca_error_set(err, ENOMEM, "calloc");
        if (!(x = casca_json_require(v, "defaultAction", p, err)))
                return -EINVAL;
        r = parse_seccomp_action(x, JKEY(p, "defaultAction"), &s->default_action, err);
        if (r < 0)
                return r;
        if ((r = casca_json_opt_u32(v, "defaultErrnoRet", p, &s->default_errno_ret, err)) < 0)
                return r;
        s->has_default_errno_ret = r > 0;
        if (s->has_default_errno_ret &&
            (r = check_errno_ret(s->default_action, JKEY(p, "defaultErrnoRet"), err)) < 0)
                return r;
        if ((r = casca_json_opt_strv(v, "architectures", p, &s->architectures, &s->n_architectures,
                                     err)) < 0 ||
            (r = casca_json_opt_strv(v, "flags", p, &s->flags, &s->n_flags, err)) < 0 ||
            (r = casca_json_opt_string(v, "listenerPath", p, &s->listener_path, err)) < 0 ||
            (r = casca_json_opt_string(v, "listenerMetadata", p, &s->listener_metadata, err)) < 0)
                return r;
        if ((x = casca_json_get(v, "syscalls")) &&
            (r = casca_json_array_of(x, JKEY(p, "syscalls"), sizeof(*s->syscalls),
                                     (void **)&s->syscalls, &s->n_syscalls, parse_seccomp_syscall,
                                     err)) < 0)
                return r;
        return 0;
}

void casca_seccomp_free(struct casca_seccomp *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_architectures; i++)
                free(s->architectures[i]);
        free(s->architectures);
        for (size_t i = 0; i < s->n_flags; i++)
                free(s->flags[i]);
        free(s->flags);
        free(s->listener_path);
        free(s->listener_metadata);
        for (size_t i = 0; i < s->n_syscalls; i++) {
                for (size_t j = 0; j < s->syscalls[i].n_names; j++)
                        free(s->syscalls[i].names[j]);
                free(s->syscalls[i].names);
                free(s->syscalls[i].args);
        }
        free(s->syscalls);
        free(s);
}
