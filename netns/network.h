/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network.h - casca's built-in container networking (netns/).
 *
 * A container configured with "casca"."network" gets a veth pair: the host
 * end ("cv" + 8 hex digits of a hash of the id) is a port of a bridge
 * (created on first use, never removed by a teardown), the peer is created
 * directly in the container's network namespace under the configured name.
 * Addresses come from a lease store under <state_root>/ipam/<bridge>/; NAT
 * and published ports are nftables rules in `table inet casca` tagged with
 * the id.
 *
 * What a teardown needs is persisted in <state_root>/<id>/network.json
 * before anything is created, so casca_network_teardown() works from that
 * file alone (and even without it) after the runtime was SIGKILLed halfway
 * through a setup.  All functions must run in the host network namespace
 * (the one the bridge lives in). */
#ifndef CASCA_NETWORK_H
#define CASCA_NETWORK_H

#include "casca.h"
#include "netns/netconf.h"

struct casca_nl;

struct casca_network_result {
        char *interface; /* name inside the container ("eth0") */
        char *host_veth; /* host end ("cv1a2b3c4d") */
        char *bridge;
        char *address;  /* "10.88.0.2/16" */
        char *gateway;  /* "10.88.0.1" */
        char *address6; /* "fd88::2/64" or NULL */
        char *gateway6; /* "fd88::1" or NULL */
        char mac[18];   /* the container side's MAC, "02:42:..." */
        /* the network's DNS server (its dnsmasq, on the gateway), or NULL */
        char *nameserver;
        /* private: the nftables socket.  Releasing a nfnetlink socket right
         * after a commit waits for the commit's RCU grace period (the kernel
         * flushes nf_tables' destroy work then, ~10 ms); kept here, it is
         * closed by casca_network_result_free(), so a caller that frees the
         * result once it is done with everything else does not wait. */
        struct casca_nl *nft;
};

/* Set up the container's network: bridge -> lease(s) -> veth (peer made in
 * container_netns_fd) -> addresses, lo up, default route(s) inside -> NAT and
 * published ports.  id: the container id (no '/', not "." or "..").
 * A failed setup removes what it made.  -EEXIST if id already has a network. */
int casca_network_setup(const struct casca_netconf *nc, const char *id, const char *hostname,
                        int container_netns_fd, const char *state_root,
                        struct casca_network_result **ret, struct casca_error **err);
/* Undo casca_network_setup() and casca_network_attach_netdev() for id from the
 * persisted state: move recorded netDevices back (if their namespace still
 * exists: a process in it, a bind mount under /run/netns, or the runtime's
 * pin <state_root>/<id>/netns), delete the veth, the nftables rules tagged with id and the leases,
 * then network.json.  Keeps going after a failure and returns the first.
 * Nothing to undo is success. */
int casca_network_teardown(const char *id, const char *state_root, struct casca_error **err);
void casca_network_result_free(struct casca_network_result *res);

/* Bring `lo` up in the calling thread's network namespace, as a new network
 * namespace gets without casca.network (which does it in
 * casca_network_setup()). */
int casca_network_loopback_up(struct casca_error **err);

/* Write hostname (when hostname != NULL), hosts and resolv.conf into dir
 * (e.g. the container's state dir), each atomically with mode 0644.
 * address: the container's address ("10.88.0.2" or "10.88.0.2/16"), may be
 * NULL.  nameserver: the network's DNS server (casca_network_result's), the
 * only one in resolv.conf unless casca.network.dns names servers.  nc may
 * be NULL: then resolv.conf is the host's with loopback nameservers dropped, and hosts has only the
 * localhost lines and our name. */
int casca_network_write_etc(const struct casca_netconf *nc, const char *hostname,
                            const char *address, const char *nameserver, const char *dir,
                            struct casca_error **err);

/* linux.netDevices: move host link host_name into netns_fd, renamed to
 * new_name (NULL: keep), keeping its MTU and its permanent IPv4/IPv6
 * addresses (re-added inside) and bringing it up inside if it was up. */
int casca_netdev_move(const char *host_name, const char *new_name, int netns_fd,
                      struct casca_error **err);
/* The reverse: move link `name` out of netns_fd back into the calling
 * namespace as host_name. */
int casca_netdev_return(const char *name, const char *host_name, int netns_fd,
                        struct casca_error **err);
/* casca_netdev_move() and record it in <state_root>/<id>/network.json, so
 * that casca_network_teardown() moves it back. */
int casca_network_attach_netdev(const char *id, const char *state_root, const char *host_name,
                                const char *new_name, int netns_fd, struct casca_error **err);

/* ---- identity.c: checkpoint and restore ---------------------------------- */

/* What a restored container keeps of its network. */
struct casca_network_identity {
        bool has_addr4, has_addr6, has_mac;
        struct casca_ip addr4, addr6;
        uint8_t mac[6]; /* the veth peer's; none on a macvlan/ipvlan network */
};

/* id's address(es) from <state_root>/<id>/network.json and the MAC of
 * `interface` in netns_fd (its network namespace). */
int casca_network_identity_get(const char *state_root, const char *id, const char *interface,
                               int netns_fd, struct casca_network_identity *ret,
                               struct casca_error **err);
/* As JSON ({"address":...,"address6":...,"mac":...}), and back (what: the
 * file's name for errors). */
char *casca_network_identity_format(const struct casca_network_identity *idn,
                                    struct casca_error **err);
int casca_network_identity_parse(const char *json, size_t len, const char *what,
                                 struct casca_network_identity *ret, struct casca_error **err);
/* *ret: a shallow copy of nc with idn's address(es) and MAC as fixed ones
 * (nc keeps owning every pointer).  A config that fixes another address or
 * MAC, or differs in IPv6, is refused. */
int casca_network_identity_apply(const struct casca_netconf *nc,
                                 const struct casca_network_identity *idn,
                                 struct casca_netconf *ret, struct casca_error **err);
/* A new network namespace (only lo, down), as an fd; the calling thread
 * stays in its own. */
int casca_netns_new(struct casca_error **err);

#endif
