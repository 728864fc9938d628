/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* networks.c - the public face of named networks (netns/netobj.c): the
 * state root made absolute, the definitions turned into casca_network_info. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "runtime/state.h"
#include "netns/netobj.h"

static char *root_abs(struct casca_context *ctx, struct casca_error **err)
{
        _cleanup_close_ int fd = casca_state_root_open(casca_state_root(ctx), true, err);

        if (fd < 0)
                return NULL;
        return casca_state_root_abs(ctx, err);
}

void casca_network_info_clear(struct casca_network_info *v)
{
        if (!v)
                return;
        free(v->name);
        free(v->driver);
        free(v->subnet);
        free(v->gateway);
        free(v->bridge);
        free(v->state);
        free(v->json);
        memset(v, 0, sizeof(*v));
}

void casca_network_info_free(struct casca_network_info *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                casca_network_info_clear(&v[i]);
        free(v);
}

static int fill_info(const char *root, const struct casca_netdef *d, struct casca_network_info *ret,
                     struct casca_error **err)
{
        _cleanup_strv_ char **users = NULL;
        char buf[CASCA_CIDR_STRLEN];
        int r;

        memset(ret, 0, sizeof(*ret));
        r = casca_netdef_users(root, d->name, &users, err);
        if (r < 0)
                return r;
        while (users[ret->n_containers])
                ret->n_containers++;
        ret->name = strdup(d->name);
        ret->driver = strdup(d->driver == CASCA_NETDRV_MACVLAN  ? "macvlan"
                             : d->driver == CASCA_NETDRV_IPVLAN ? "ipvlan"
                                                                : "bridge");
        ret->subnet =
                strdup(d->subnet.ip.family ? casca_cidr_format(&d->subnet, buf, sizeof(buf)) : "");
        ret->gateway = strdup(d->has_gateway ? casca_ip_format(&d->gateway, buf, sizeof(buf)) : "");
        ret->bridge = strdup(d->bridge ? d->bridge : d->parent ? d->parent : "");
        ret->state = strdup(d->state ? d->state : "");
        ret->internal = d->internal;
        ret->json = casca_netdef_to_json(d, users, err);
        if (!ret->json) {
                casca_network_info_clear(ret);
                return -ENOMEM;
        }
        if (!ret->name || !ret->driver || !ret->subnet || !ret->gateway || !ret->bridge ||
            !ret->state) {
                casca_network_info_clear(ret);
                return casca_error_set(err, ENOMEM, "network");
        }
        return 0;
}

int casca_network_create(struct casca_context *ctx, const struct casca_network_opts *o,
                         struct casca_network_info *ret, struct casca_error **err)
{
        _cleanup_free_ char *root = root_abs(ctx, err);
        _cleanup_netdef_ struct casca_netdef *d = NULL;
        struct casca_netdef_opts no = {
                .name = o->name,
                .subnet = o->subnet,
                .gateway = o->gateway,
                .ipv6 = o->ipv6,
                .internal = o->internal,
                .mtu = o->mtu,
                .dns = o->dns,
                .driver = o->driver,
                .parent = o->parent,
                .mode = o->mode,
        };
        int r;

        if (!root)
                return -EIO;
        r = casca_netdef_create(root, &no, &d, err);
        if (r < 0)
                return r;
        return ret ? fill_info(root, d, ret, err) : 0;
}

int casca_network_inspect(struct casca_context *ctx, const char *name,
                          struct casca_network_info *ret, struct casca_error **err)
{
        _cleanup_free_ char *root = root_abs(ctx, err);
        _cleanup_netdef_ struct casca_netdef *d = NULL;
        int r;

        if (!root)
                return -EIO;
        r = casca_netdef_load(root, name, &d, err);
        if (r < 0)
                return r;
        return fill_info(root, d, ret, err);
}

int casca_network_list(struct casca_context *ctx, struct casca_network_info **ret, size_t *ret_n,
                       struct casca_error **err)
{
        _cleanup_free_ char *root = root_abs(ctx, err);
        struct casca_netdef **v = NULL;
        struct casca_network_info *out = NULL;
        size_t n = 0;
        int r;

        *ret = NULL;
        *ret_n = 0;
        if (!root)
                return -EIO;
        r = casca_netdef_list(root, &v, &n, err);
        if (r < 0)
                return r;
        out = calloc(n ? n : 1, sizeof(*out));
        if (!out) {
                casca_netdef_list_free(v, n);
                return casca_error_set(err, ENOMEM, "networks");
        }
        for (size_t i = 0; i < n; i++) {
                r = fill_info(root, v[i], &out[i], err);
                if (r < 0) {
                        casca_network_info_free(out, i);
                        casca_netdef_list_free(v, n);
                        return r;
                }
        }
        casca_netdef_list_free(v, n);
        *ret = out;
        *ret_n = n;
        return 0;
}

int casca_network_remove(struct casca_context *ctx, const char *name, struct casca_error **err)
{
        _cleanup_free_ char *root = root_abs(ctx, err);

        if (!root)
                return -EIO;
        return casca_netdef_remove(root, name, err);
}

int casca_network_prune(struct casca_context *ctx, char ***ret, struct casca_error **err)
{
        _cleanup_free_ char *root = root_abs(ctx, err);

        if (!root)
                return -EIO;
        return casca_netdef_prune(root, ret, err);
}
