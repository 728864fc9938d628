/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* internal.h - what the files of netns/ share with each other and with the
 * unit tests.  Not part of the public API (see network.h). */
#ifndef CASCA_NETNS_INTERNAL_H
#define CASCA_NETNS_INTERNAL_H

#include "netns/netlibs.h"
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "casca.h"
#include "netns/netconf.h"
#include "util/hash.h"

/* ---- nl.c: a netlink socket, request/ACK ---------------------------------- */

struct casca_nl {
        struct mnl_socket *sk;
        uint32_t portid;
        uint32_t seq;
        char ext_msg[256]; /* extended ACK message of the last failure, or "" */
        char buf[];        /* MNL_SOCKET_BUFFER_SIZE: requests and replies */
};

/* Open a NETLINK_ROUTE or NETLINK_NETFILTER socket (close-on-exec, extended
 * ACKs on).  netns_fd >= 0: the socket is made inside that network namespace
 * (setns on this thread, socket, setns back); it keeps talking to that
 * namespace afterwards. */
int casca_nl_open(int bus, int netns_fd, struct casca_nl **ret, struct casca_error **err);
void casca_nl_close(struct casca_nl *nl);
static inline void casca_nl_closep(struct casca_nl **nl)
{
        casca_nl_close(*nl);
}
#define _cleanup_nl_ __attribute__((cleanup(casca_nl_closep)))

/* Start a request in nl->buf: header with type, flags | NLM_F_REQUEST | NLM_F_ACK
 * and the next sequence number. */
struct nlmsghdr *casca_nl_request(struct casca_nl *nl, uint16_t type, uint16_t flags);
/* Send nlh and read until its ACK (or NLMSG_DONE for a dump), handing every
 * data message to cb.  Replies are checked for our seq and port id.  Returns
 * 0 or -errno (the kernel's error; its extended ACK message in nl->ext_msg). */
int casca_nl_talk(struct casca_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
/* casca_error_set() for a failed talk: "<what>: <ext ack>: <strerror>". */
int casca_nl_error(struct casca_nl *nl, int r, struct casca_error **err, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* setns() this thread into netns_fd, saving the current one in *ret_saved;
 * and back.  For code that needs the namespace for a syscall or two. */
int casca_netns_enter(int netns_fd, int *ret_saved, struct casca_error **err);
int casca_netns_leave(int saved_fd, struct casca_error **err);

/* ---- link.c --------------------------------------------------------------- */

struct casca_link_info {
        int index;
        char kind[16];  /* IFLA_INFO_KIND or "" */
        int master;     /* 0: none */
        unsigned flags; /* IFF_* */
        uint32_t mtu;
        uint32_t group; /* IFLA_GROUP */
        uint8_t mac[6];
};

/* -ENODEV when there is no such link. */
int casca_link_get(struct casca_nl *nl, const char *name, struct casca_link_info *ret);
/* Create a link of kind (e.g. "bridge", "dummy") with address mac (NULL: the
 * kernel's); -EEXIST if the name is taken. */
int casca_link_add(struct casca_nl *nl, const char *name, const char *kind, const uint8_t *mac,
                   struct casca_error **err);
/* A veth pair: host end `name` here, peer `peer_name` created directly in
 * peer_netns_fd (-1: here).  mtu 0: default; peer_mac NULL: random. */
int casca_link_add_veth(struct casca_nl *nl, const char *name, const char *peer_name,
                        int peer_netns_fd, uint32_t mtu, const uint8_t *peer_mac,
                        struct casca_error **err);
/* A macvlan or ipvlan (kind) child of parent_index named `name`, created
 * directly in netns_fd.  mode: macvlan bridge|private|vepa|passthru, ipvlan
 * l2|l3|l3s.  mtu 0: the parent's; mac NULL: random (macvlan only). */
int casca_link_add_sub(struct casca_nl *nl, const char *kind, const char *name, int parent_index,
                       const char *mode, int netns_fd, uint32_t mtu, const uint8_t *mac,
                       struct casca_error **err);
struct casca_link_change {
        const char *name;   /* rename to (link must be down), NULL: keep */
        int master;         /* > 0: enslave to this ifindex; -1: no master; 0: keep */
        uint32_t mtu;       /* 0: keep */
        const uint8_t *mac; /* NULL: keep */
        int up;             /* 1 up, -1 down, 0 keep */
        int netns_fd;       /* >= 0: move into that namespace (name applies there) */
        uint32_t group;     /* interface group; 0: keep */
};
int casca_link_set(struct casca_nl *nl, int index, const struct casca_link_change *c,
                   struct casca_error **err);
/* Let the bridge send frames back out of the port they came in on (a
 * container reaching its own published port through a host address). */
int casca_link_set_hairpin(struct casca_nl *nl, int index, struct casca_error **err);
/* Delete by name; -ENODEV (no error set) when it does not exist. */
int casca_link_del(struct casca_nl *nl, const char *name, struct casca_error **err);

/* ---- addr.c / route.c ------------------------------------------------------ */

/* Add address/prefix to ifindex; EEXIST is success.  nodad: IPv6 without DAD. */
int casca_addr_add(struct casca_nl *nl, int index, const struct casca_cidr *a,
                   struct casca_error **err);
/* Default route (0.0.0.0/0 or ::/0) via gw on ifindex; EEXIST is success. */
int casca_route_add_default(struct casca_nl *nl, int index, const struct casca_ip *gw,
                            struct casca_error **err);

/* ---- bridge.c -------------------------------------------------------------- */

/* Create bridge `name` with an address of its own (random, locally
 * administered): the kernel then keeps it instead of following the lowest
 * port's, which would change the gateway's MAC under the containers' ARP
 * caches whenever a port with a lower one joined.  -EEXIST if the name is
 * taken. */
int casca_bridge_add(struct casca_nl *nl, const char *name, struct casca_error **err);
/* Make sure bridge `name` exists (create it if missing, with
 * casca_bridge_add; a link of another kind with that name is an error),
 * carries the gateway addresses and is up.  Returns the ifindex. */
int casca_bridge_ensure(struct casca_nl *nl, const struct casca_netconf *nc,
                        struct casca_error **err);
/* A named network's bridge (it must exist): its index. */
int casca_bridge_lookup(struct casca_nl *nl, const char *network, const char *bridge,
                        struct casca_error **err);

/* ---- ipam.c ---------------------------------------------------------------- */

/* Lease store: a directory (created if missing) with a lock file, one file per
 * leased address named by its text form holding the owner id, and a cursor
 * per family (round-robin: a released address is reused last).
 * casca_ipam_allocate: requested NULL: next free host address of subnet that is
 * not `gateway`; otherwise exactly *requested (-EADDRINUSE if leased). */
int casca_ipam_allocate(const char *dir, const struct casca_cidr *subnet,
                        const struct casca_ip *gateway, const struct casca_ip *requested,
                        const char *owner, struct casca_ip *ret, struct casca_error **err);
/* Release ip if it is leased to owner (NULL: whoever holds it); a missing lease
 * is success. */
int casca_ipam_release(const char *dir, const struct casca_ip *ip, const char *owner,
                       struct casca_error **err);
/* Release every lease of owner in dir (for teardown after a crash). */
int casca_ipam_release_owner(const char *dir, const char *owner, struct casca_error **err);
/* The one-off bridges' leases and the host ports: <state_root>/CASCA_IPAM_DIR,
 * a name no container id can have (before 2026-12-07: "ipam", moved on first
 * use, see network.c).  The host ports: CASCA_IPAM_DIR/CASCA_PORTS_DIR, a
 * name no bridge can have (longer than an interface name). */
#define CASCA_IPAM_DIR "@ipam"
#define CASCA_PORTS_DIR "published-ports.d"
/* Reserve every casca.network.ports entry of nc (protocol, hostPort and
 * hostIP, or none for any address) for owner: -EADDRINUSE naming the entry,
 * the port and the container holding it when one is taken.  What it
 * reserved before a failure stays: casca_ipam_release_owner() removes it. */
int casca_ipam_reserve_ports(const char *dir, const struct casca_netconf *nc, const char *owner,
                             struct casca_error **err);

/* ---- nat.c ----------------------------------------------------------------- */

#define CASCA_NFT_TABLE "casca"

/* The comment every nft rule of a container carries: "casca:<id>" (or
 * "casca:#<hash>" for ids too long for a comment). */
void casca_nat_tag(const char *id, char *buf, size_t size);
/* Add the container's rules (masquerade, DNAT for ports, hairpin) to table
 * inet casca in one transaction; enables forwarding and, with ports,
 * route_localnet on the bridge.  nl: a NETLINK_NETFILTER socket, or NULL
 * for a private one.  (Closing a netfilter socket right after a commit waits
 * for the commit's RCU grace period, ~10 ms here: callers that have other
 * work keep the socket open across it.) */
int casca_nat_add(struct casca_nl *nl, const struct casca_netconf *nc, const char *id,
                  const struct casca_ip *addr4, const struct casca_ip *addr6,
                  struct casca_error **err);
/* Delete every rule tagged for id; returns the number deleted. */
int casca_nat_del(const char *id, struct casca_error **err);
/* "casca-net:<name>", the comment of a named network's rules. */
void casca_nat_net_tag(const char *name, char *buf, size_t size);
/* Delete every rule whose comment is tag ("casca-net:<name>"). */
int casca_nat_del_tag(const char *tag, struct casca_error **err);
struct casca_netdef;
/* A named bridge network's rules, tagged "casca-net:<name>": masquerade of
 * its subnet(s) (unless internal) and, in the forward chain, isolation:
 * nothing from its bridge to another casca bridge but DNATed (published)
 * connections; internal: nothing in or out of the bridge at all. */
int casca_nat_network_add(const struct casca_netdef *d, struct casca_error **err);
/* Write value to a /proc/sys file (no O_CREAT, one write). */
int casca_sysctl_write(const char *path, const char *value, struct casca_error **err);

/* ---- persist.c: <state_root>/<id>/network.json ------------------------------ */

struct casca_netstate_dev {
        char *host_name; /* name on the host, restored on teardown */
        char *name;      /* name inside the container */
};

struct casca_netstate {
        char *bridge, *veth, *ipam_dir; /* NULL until setup starts */
        bool has_addr4, has_addr6;
        struct casca_ip addr4, addr6;
        bool has_netns; /* identity of the container's network namespace */
        uint64_t netns_dev, netns_ino;
        struct casca_netstate_dev *devs;
        size_t n_devs;
};

/* Is id usable as a file name and an nft comment? */
bool casca_netstate_valid_id(const char *id);
/* -ENOENT (err untouched) when there is no file. */
int casca_netstate_load(const char *state_root, const char *id, struct casca_netstate *st,
                        struct casca_error **err);
/* Atomically (tmp + rename); creates <state_root>/<id> if missing. */
int casca_netstate_save(const char *state_root, const char *id, const struct casca_netstate *st,
                        struct casca_error **err);
int casca_netstate_remove(const char *state_root, const char *id, struct casca_error **err);
void casca_netstate_clear(struct casca_netstate *st);

/* Test seam: when set, network.c calls it after each step of a setup (with
 * the step's name) so tests can kill the process at a chosen point. */
extern void (*casca_network_step_hook)(const char *step);
void casca_network_step(const char *name);

/* ---- dns.c: dnsmasq for a named network ------------------------------------- */

#ifndef CASCA_DNSMASQ
#define CASCA_DNSMASQ "/usr/sbin/dnsmasq"
#endif
struct casca_netdef;
/* Container id joins the network in netdir (definition d): its names (id,
 * hostname) go into hosts.d/<id>, and the network's dnsmasq is started
 * when it does not run.  Nothing when the network has no DNS. */
int casca_dns_join(const char *netdir, const struct casca_netdef *d, const char *id,
                   const char *hostname, const struct casca_ip *a4, const struct casca_ip *a6,
                   struct casca_error **err);
/* Remove id's names (after its leases are released); with no container
 * left on the network, stop dnsmasq. */
int casca_dns_leave(const char *netdir, const char *id, struct casca_error **err);
/* Stop the network's dnsmasq (exactly the recorded process), if any. */
int casca_dns_stop(const char *netdir, struct casca_error **err);

/* addr.c: the permanent global addresses of a link (no link-local). */
int casca_addr_list(struct casca_nl *nl, int index, struct casca_cidr **ret, size_t *ret_n,
                    struct casca_error **err);

/* ---- helpers --------------------------------------------------------------- */

/* "cv" + 8 hex digits of a hash of id. */
void casca_veth_name(const char *id, char buf[IFNAMSIZ]);

#endif
