/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netobj.h - named networks (`casca network create|ls|inspect|rm|prune`).
 *
 * A network is a directory under the state root, <root>/@networks/<name>/
 * ('@' is not allowed in container ids, so it never meets a container):
 *
 *   network.json   the definition; written with "state": "creating" before
 *                  anything is made, "ready" once the bridge and its
 *                  nftables rules exist, "removing" while `rm` undoes them
 *   lock           flock: LOCK_SH while a container joins, LOCK_EX for rm
 *   leases/        the IPAM lease store (netns/ipam.c); a lease's owner is
 *                  a container on the network, so leases are the users
 *
 * <root>/@networks/lock serialises create, rm and prune.  A create or rm
 * killed at any point leaves a network.json that names what may exist, and
 * the next rm (or prune, or a create of the same name) finishes the job. */
#ifndef CASCA_NETOBJ_H
#define CASCA_NETOBJ_H

#include <stdbool.h>
#include <stdint.h>

#include "casca.h"
#include "netns/netconf.h"

#define CASCA_NETWORKS_DIR "@networks"
#define CASCA_DEFAULT_NETWORK "default"
/* Every bridge casca makes is in this interface group: the isolation rules
 * drop what one casca bridge forwards to another (`oifgroup`). */
#define CASCA_BRIDGE_GROUP 0xca5ca

enum casca_netdriver { CASCA_NETDRV_BRIDGE, CASCA_NETDRV_MACVLAN, CASCA_NETDRV_IPVLAN };

struct casca_netdef {
        char *name;
        enum casca_netdriver driver;
        char *bridge; /* bridge driver: the host bridge */
        char *parent; /* macvlan/ipvlan: the host interface */
        char *mode;   /* macvlan: bridge|private|vepa|passthru; ipvlan: l2|l3|l3s */
        struct casca_cidr subnet;
        bool has_gateway; /* always for bridge; optional for macvlan/ipvlan */
        struct casca_ip gateway;
        bool has_ipv6;
        struct casca_cidr subnet6;
        struct casca_ip gateway6;
        bool internal; /* no NAT, nothing forwarded in or out of the bridge */
        uint32_t mtu;  /* 0: the kernel's */
        bool dns;      /* a dnsmasq on the gateway address resolves the containers */
        char *created; /* RFC 3339 */
        char *state;   /* "creating", "ready", "removing" */
};

struct casca_netdef_opts {
        const char *name;
        const char *driver; /* NULL: "bridge" */
        const char *subnet; /* NULL: chosen */
        const char *gateway;
        const char *ipv6;
        const char *parent;
        const char *mode;
        bool internal;
        uint32_t mtu;
        int dns; /* -1: default (on for bridge, off otherwise), 0, 1 */
};

void casca_netdef_free(struct casca_netdef *d);
static inline void casca_netdef_freep(struct casca_netdef **d)
{
        casca_netdef_free(*d);
}
#define _cleanup_netdef_ __attribute__((cleanup(casca_netdef_freep)))

/* [A-Za-z0-9][A-Za-z0-9_.-]{0,63} */
bool casca_netdef_valid_name(const char *name);
/* <root>/@networks/<name> (malloc'd) */
char *casca_netdef_dir(const char *state_root, const char *name);

int casca_netdef_create(const char *state_root, const struct casca_netdef_opts *o,
                        struct casca_netdef **ret, struct casca_error **err);
/* -ENOENT ("network `x` does not exist") when there is none. */
int casca_netdef_load(const char *state_root, const char *name, struct casca_netdef **ret,
                      struct casca_error **err);
/* Load a ready network; `default` is created when missing. */
int casca_netdef_use(const char *state_root, const char *name, struct casca_netdef **ret,
                     struct casca_error **err);
int casca_netdef_list(const char *state_root, struct casca_netdef ***ret, size_t *ret_n,
                      struct casca_error **err);
void casca_netdef_list_free(struct casca_netdef **v, size_t n);
/* The containers holding a lease on the network (sorted, unique). */
int casca_netdef_users(const char *state_root, const char *name, char ***ret,
                       struct casca_error **err);
/* Refused (-EBUSY) while a container uses it; undoes what the network.json
 * names; nothing to remove is -ENOENT. */
int casca_netdef_remove(const char *state_root, const char *name, struct casca_error **err);
/* Remove every network no container uses, but `default` (unless it is
 * incomplete); the names removed in *ret. */
int casca_netdef_prune(const char *state_root, char ***ret, struct casca_error **err);
/* {"name":...} for inspect and ls --format json (malloc'd, indented as
 * `casca spec` writes, without a final newline). */
char *casca_netdef_to_json(const struct casca_netdef *d, char *const *users,
                           struct casca_error **err);

/* The host's IPv4/IPv6 routes and addresses: is c free?  When it is not,
 * -EADDRINUSE with a message naming the route ("10.88.0.0/16 dev podman0").
 * what: the option or JSON path for the message. */
int casca_subnet_check_free(const struct casca_cidr *c, const char *what, int ignore_ifindex,
                            struct casca_error **err);

/* A container joins network name (`default` is created when missing): the
 * ready definition in *ret and, in *ret_lock, the network's lock held
 * shared (rm waits for it) until the container's lease is recorded. */
int casca_netdef_join(const char *state_root, const char *name, struct casca_netdef **ret,
                      int *ret_lock, struct casca_error **err);

#endif
