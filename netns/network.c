/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network.c - the plan a container's "casca"."network" turns into, its
 * teardown, and linux.netDevices.
 *
 * Setup order (each step recorded in network.json before it acts):
 *   state -> published host ports reserved (ipam.c) -> bridge -> lease(s)
 *   -> nftables rules -> veth (peer made inside the container's namespace)
 *   -> host end on the bridge, up (hairpin with published ports) -> inside:
 *   lo up, addresses, interface up, default route(s).
 * Inside work goes through a NETLINK_ROUTE socket opened in the container's
 * namespace (setns on this thread, socket(), setns back): no fork, and the
 * thread is back in its own namespace before any further work. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns/internal.h"
#include "netns/netobj.h"
#include "netns/network.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/format.h"

void (*casca_network_step_hook)(const char *step);

void casca_network_step(const char *name)
{
        if (casca_network_step_hook)
                casca_network_step_hook(name);
}

void casca_veth_name(const char *id, char buf[IFNAMSIZ])
{
        uint64_t h = casca_hash64_str(id);

        /* "cv" and 8 hex digits: always fits */
        casca_snprintf_trunc(buf, IFNAMSIZ, "cv%08x", (unsigned)(h ^ (h >> 32)));
}

void casca_network_result_free(struct casca_network_result *res)
{
        if (!res)
                return;
        casca_nl_close(res->nft);
        free(res->interface);
        free(res->host_veth);
        free(res->bridge);
        free(res->address);
        free(res->gateway);
        free(res->address6);
        free(res->gateway6);
        free(res->nameserver);
        free(res);
}

static int check_id(const char *id, struct casca_error **err)
{
        if (!casca_netstate_valid_id(id))
                return casca_error_setx(err, EINVAL, "invalid container id \"%s\"", id ? id : "");
        return 0;
}

static void closep_nl(struct casca_nl **nl)
{
        casca_nl_close(*nl);
}

/* netlink sockets in our network namespace (*host) and in netns_fd's (*ctr) */
static int open_host_and_container(int netns_fd, struct casca_nl **host, struct casca_nl **ctr,
                                   struct casca_error **err)
{
        int r = casca_nl_open(NETLINK_ROUTE, -1, host, err);

        if (r < 0)
                return r;
        r = casca_nl_open(NETLINK_ROUTE, netns_fd, ctr, err);
        return r < 0 ? casca_error_prefix(err, "container network namespace") : 0;
}

/* ---- teardown --------------------------------------------------------------- */

/* Find an open handle on the network namespace (dev, ino): the runtime's pin
 * (<state_root>/<id>/netns, a bind mount that outlives the init), a process
 * in it, or a bind mount under /run/netns.  -1 when it is gone. */
static int find_netns(uint64_t dev, uint64_t ino, const char *pin)
{
        static const char *const dirs[] = {"/run/netns", "/proc"};
        char path[PATH_MAX];
        struct stat sb;

        if (pin && stat(pin, &sb) == 0 && sb.st_dev == dev && sb.st_ino == ino) {
                int fd = open(pin, O_RDONLY | O_CLOEXEC);
                if (fd >= 0)
                        return fd;
        }
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                _cleanup_closedir_ DIR *d = opendir(dirs[i]);
                struct dirent *de;

                while (d && (de = readdir(d))) {
                        if (de->d_name[0] == '.')
                                continue;
                        if (i == 1 && (de->d_name[0] < '0' || de->d_name[0] > '9'))
                                continue;
                        if (casca_snprintf(path, sizeof(path),
                                           i == 1 ? "/proc/%s/ns/net" : "/run/netns/%s",
                                           de->d_name) < 0 ||
                            stat(path, &sb) < 0 || sb.st_dev != dev || sb.st_ino != ino)
                                continue;
                        int fd = open(path, O_RDONLY | O_CLOEXEC);
                        if (fd >= 0)
                                return fd;
                }
        }
        return -1;
}

static void keep_first(struct casca_error **first, struct casca_error **e)
{
        if (*e && !*first)
                *first = *e;
        else
                casca_error_free(*e);
        *e = NULL;
}

/* Until 2026-12-07 the store was <state_root>/ipam, where a container
 * named "ipam" had its state dir too: it moves to CASCA_IPAM_DIR the first
 * time either is used.  Only a store is moved: a directory holding nothing
 * but directories (bridges, CASCA_PORTS_DIR), never a container's (files:
 * state.json, config.json, or nothing yet while its create holds it). */
static void move_old_store(const char *state_root)
{
        _cleanup_close_ int root = open(state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        bool any = false;

        if (root < 0 || faccessat(root, CASCA_IPAM_DIR, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return;
        d = casca_fs_opendir_at(root, "ipam");
        if (!d)
                return;
        while ((de = readdir(d))) {
                struct stat st;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISDIR(st.st_mode))
                        return;
                any = true;
        }
        if (any)
                (void)renameat(root, "ipam", root, CASCA_IPAM_DIR);
}

/* <state_root>/CASCA_IPAM_DIR/name */
static char *store_dir(const char *state_root, const char *name)
{
        char *out = NULL;

        move_old_store(state_root);
        if (asprintf(&out, "%s/" CASCA_IPAM_DIR "/%s", state_root, name) < 0)
                return NULL;
        return out;
}

/* the published ports of every network */
static char *ports_dir(const char *state_root)
{
        return store_dir(state_root, CASCA_PORTS_DIR);
}

/* The lease dir network.json records: one under the old store's name is
 * where the store is now (move_old_store). */
static char *lease_dir(const char *recorded, const char *state_root)
{
        size_t n = strlen(state_root);

        if (strncmp(recorded, state_root, n) == 0 && strncmp(recorded + n, "/ipam/", 6) == 0)
                return store_dir(state_root, recorded + n + 6);
        return strdup(recorded);
}

/* A named network's lease dir is <netdir>/leases: id leaves its DNS. */
static int leave_dns(const char *ipam_dir, const char *id, struct casca_error **err)
{
        _cleanup_free_ char *netdir = strdup(ipam_dir);
        char *slash = netdir ? strrchr(netdir, '/') : NULL;

        if (!slash || strcmp(slash, "/leases") != 0 || !strstr(netdir, "/" CASCA_NETWORKS_DIR "/"))
                return 0; /* a one-off bridge: no DNS */
        *slash = '\0';
        return casca_dns_leave(netdir, id, err);
}

/* Release the leases of id: the recorded ones, and any lease of id in the
 * recorded lease dir (a kill between a lease and its record); then its
 * published ports. */
static int release_leases(const struct casca_netstate *st, const char *id, const char *state_root,
                          struct casca_error **err)
{
        _cleanup_free_ char *ports = NULL, *leases = NULL;
        int r;

        if (!st->ipam_dir)
                return 0; /* setup never reached the leases */
        ports = ports_dir(state_root);
        leases = lease_dir(st->ipam_dir, state_root);
        if (!ports || !leases)
                return casca_error_set(err, ENOMEM, "release published ports");
        r = casca_ipam_release_owner(ports, id, err);
        if (r < 0)
                return r;
        if (st->has_addr4 && (r = casca_ipam_release(leases, &st->addr4, id, err)) < 0)
                return r;
        if (st->has_addr6 && (r = casca_ipam_release(leases, &st->addr6, id, err)) < 0)
                return r;
        r = casca_ipam_release_owner(leases, id, err);
        if (r < 0)
                return r;
        return leave_dns(leases, id, err);
}

static int return_netdevs(struct casca_netstate *st, const char *pin, struct casca_error **err)
{
        _cleanup_close_ int nsfd = -1;
        int r = 0;

        if (!st->n_devs)
                return 0;
        if (st->has_netns)
                nsfd = find_netns(st->netns_dev, st->netns_ino, pin);
        if (nsfd < 0) {
                /* The namespace is gone: the kernel destroyed virtual devices
                 * and returned physical ones to the initial namespace. */
                return 0;
        }
        for (size_t i = st->n_devs; i-- > 0;) {
                struct casca_error *e = NULL;
                int q = casca_netdev_return(st->devs[i].name, st->devs[i].host_name, nsfd, &e);
                if (q < 0 && r == 0)
                        r = q;
                keep_first(err, &e);
        }
        return r;
}

/* Undo everything of id that may exist.  Keeps going; returns the first error.
 * pin: where the runtime may have pinned the namespace, or NULL. */
static int undo(struct casca_netstate *st, const char *id, const char *state_root, const char *pin,
                struct casca_error **err)
{
        _cleanup_(closep_nl) struct casca_nl *nl = NULL;
        struct casca_error *first = NULL, *e = NULL;
        int r;

        (void)return_netdevs(st, pin, &e);
        keep_first(&first, &e);

        if (st->bridge) { /* recorded before any rule is made */
                (void)casca_nat_del(id, &e);
                keep_first(&first, &e);
        }

        if (st->veth && st->veth[0]) { /* "": a macvlan/ipvlan, gone with its namespace */
                r = casca_nl_open(NETLINK_ROUTE, -1, &nl, &e);
                if (r == 0) {
                        r = casca_link_del(nl, st->veth, &e);
                        (void)r; /* -ENODEV: gone with its namespace, or never made */
                }
                keep_first(&first, &e);
        }

        (void)release_leases(st, id, state_root, &e);
        keep_first(&first, &e);

        if (first) {
                r = -first->code;
                if (err && !*err)
                        *err = first;
                else
                        casca_error_free(first);
                return r;
        }
        return 0;
}

int casca_network_teardown(const char *id, const char *state_root, struct casca_error **err)
{
        _cleanup_free_ char *pin = NULL;
        struct casca_netstate st;
        int r;

        r = check_id(id, err);
        if (r < 0)
                return r;
        r = casca_netstate_load(state_root, id, &st, err);
        if (r == -ENOENT) /* written before anything is made: nothing was */
                return 0;
        if (r < 0)
                return casca_error_prefix(err, "network teardown of `%s`", id);
        if (asprintf(&pin, "%s/%s/netns", state_root, id) < 0)
                pin = NULL;
        r = undo(&st, id, state_root, pin, err);
        casca_netstate_clear(&st);
        if (r < 0)
                return casca_error_prefix(err, "network teardown of `%s`", id);
        r = casca_netstate_remove(state_root, id, err);
        return r;
}

/* ---- setup ------------------------------------------------------------------ */

/* Validate id and netns_fd and load id's state (empty when there is none). */
static int begin(const char *id, int netns_fd, const char *state_root, struct casca_netstate *st,
                 struct stat *ret_sb, struct casca_error **err)
{
        int r;

        r = check_id(id, err);
        if (r < 0)
                return r;
        if (fstat(netns_fd, ret_sb) < 0)
                return casca_error_set(err, errno, "container network namespace");
        r = casca_netstate_load(state_root, id, st, err);
        if (r == -ENOENT)
                return 0;
        return r;
}

static char *cidr_str(const struct casca_ip *ip, unsigned prefix)
{
        struct casca_cidr c = {.ip = *ip, .prefix = prefix};
        char buf[CASCA_CIDR_STRLEN];
        return strdup(casca_cidr_format(&c, buf, sizeof(buf)));
}

static char *ip_str(const struct casca_ip *ip)
{
        char buf[CASCA_IP_STRLEN];
        return strdup(casca_ip_format(ip, buf, sizeof(buf)));
}

static int make_result(const struct casca_netconf *nc, const struct casca_netstate *st,
                       const uint8_t mac[6], struct casca_network_result **ret,
                       struct casca_error **err)
{
        struct casca_network_result *res = calloc(1, sizeof(*res));

        if (!res)
                return casca_error_set(err, ENOMEM, "network result");
        res->interface = strdup(nc->interface);
        res->host_veth = strdup(st->veth);
        res->bridge = strdup(nc->bridge);
        res->address = cidr_str(&st->addr4, nc->subnet.prefix);
        res->gateway = nc->gateway.family ? ip_str(&nc->gateway) : strdup("");
        if (st->has_addr6) {
                res->address6 = cidr_str(&st->addr6, nc->ipv6.subnet.prefix);
                res->gateway6 = ip_str(&nc->ipv6.gateway);
        }
        /* 17 characters into char[18] */
        casca_snprintf_trunc(res->mac, sizeof(res->mac), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
                             mac[1], mac[2], mac[3], mac[4], mac[5]);
        if (!res->interface || !res->host_veth || !res->bridge || !res->address || !res->gateway ||
            (st->has_addr6 && (!res->address6 || !res->gateway6))) {
                casca_network_result_free(res);
                return casca_error_set(err, ENOMEM, "network result");
        }
        *ret = res;
        return 0;
}

static int loopback_up(struct casca_nl *cnl, struct casca_error **err)
{
        struct casca_link_change up = {.up = 1, .netns_fd = -1};
        struct casca_link_info lo;
        int r;

        r = casca_link_get(cnl, "lo", &lo);
        if (r < 0)
                return casca_nl_error(cnl, r, err, "look up `lo` in the container");
        if (lo.flags & IFF_UP)
                return 0;
        return casca_link_set(cnl, lo.index, &up, err);
}

int casca_network_loopback_up(struct casca_error **err)
{
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {.ifr_name = "lo"};

        /* two ioctls, no netlink: the container's init calls it, where
         * libmnl is not loaded (util/dl.h) and every syscall is paid on each run */
        if (fd < 0)
                return casca_error_set(err, errno, "bring up `lo`: socket");
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return casca_error_set(err, errno, "bring up `lo`: look it up");
        if (ifr.ifr_flags & IFF_UP)
                return 0;
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                return casca_error_set(err, errno, "bring up `lo`");
        return 0;
}

/* Inside the container: lo up, addresses, interface up, default route(s). */
static int configure_inside(struct casca_nl *cnl, const struct casca_netconf *nc,
                            const struct casca_netstate *st, uint8_t ret_mac[6],
                            struct casca_error **err)
{
        struct casca_link_change up = {.up = 1, .netns_fd = -1};
        struct casca_link_info li;
        struct casca_cidr a;
        int r;

        r = loopback_up(cnl, err);
        if (r < 0)
                return r;
        r = casca_link_get(cnl, nc->interface, &li);
        if (r < 0)
                return casca_nl_error(cnl, r, err, "look up `%s` in the container", nc->interface);
        a = (struct casca_cidr){.ip = st->addr4, .prefix = nc->subnet.prefix};
        r = casca_addr_add(cnl, li.index, &a, err);
        if (r < 0)
                return r;
        if (st->has_addr6) {
                a = (struct casca_cidr){.ip = st->addr6, .prefix = nc->ipv6.subnet.prefix};
                r = casca_addr_add(cnl, li.index, &a, err);
                if (r < 0)
                        return r;
        }
        r = casca_link_set(cnl, li.index, &up, err);
        if (r < 0)
                return r;
        /* a macvlan/ipvlan network without a gateway: its LAN only */
        r = nc->gateway.family ? casca_route_add_default(cnl, li.index, &nc->gateway, err) : 0;
        if (r < 0)
                return r;
        if (st->has_addr6) {
                r = casca_route_add_default(cnl, li.index, &nc->ipv6.gateway, err);
                if (r < 0)
                        return r;
        }
        memcpy(ret_mac, li.mac, 6);
        return 0;
}

/* net.ipv4.ping_group_range inside: every group may open ICMP echo
 * sockets, so that ping works without CAP_NET_RAW (as podman and docker
 * set it).  The file is opened in the container's namespace (/proc/sys/net
 * is the opener's), written here.  A linux.sysctl of the config, applied
 * later by the init, still wins. */
static int ping_group_range(int netns_fd, struct casca_error **err)
{
        static const char path[] = "/proc/sys/net/ipv4/ping_group_range", value[] = "0 2147483647";
        _cleanup_close_ int fd = -1;
        int saved = -1, r, e;

        r = casca_netns_enter(netns_fd, &saved, err);
        if (r < 0)
                return r;
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        e = errno;
        r = casca_netns_leave(saved, err);
        if (r < 0)
                return r;
        if (fd < 0)
                return casca_error_set(err, e, "open `%s` in the container", path);
        if (write(fd, value, sizeof(value) - 1) != (ssize_t)(sizeof(value) - 1))
                return casca_error_set(err, errno ? errno : EIO, "write `%s` in the container",
                                       path);
        return 0;
}

static int setup_steps(const struct casca_netconf *nc, const char *id, int netns_fd,
                       const char *state_root, struct casca_netstate *st, uint8_t mac[6],
                       struct casca_nl **ret_nft, struct casca_error **err)
{
        _cleanup_(closep_nl) struct casca_nl *nfnl = NULL, *nl = NULL, *cnl = NULL;
        struct casca_link_change attach = {.up = 1, .netns_fd = -1};
        struct casca_link_info host;
        int r, br;

        /* first: a port another container has fails before anything is made */
        if (nc->n_ports > 0) {
                _cleanup_free_ char *ports = ports_dir(state_root);

                if (!ports)
                        return casca_error_set(err, ENOMEM, "casca.network.ports");
                r = casca_ipam_reserve_ports(ports, nc, id, err);
                if (r < 0)
                        return r;
                casca_network_step("ports");
        }
        r = open_host_and_container(netns_fd, &nl, &cnl, err);
        if (r < 0)
                return r;

        br = nc->network ? casca_bridge_lookup(nl, nc->network, nc->bridge, err)
                         : casca_bridge_ensure(nl, nc, err);
        if (br < 0)
                return br;
        casca_network_step("bridge");

        r = casca_ipam_allocate(st->ipam_dir, &nc->subnet, &nc->gateway,
                                nc->has_address ? &nc->address.ip : NULL, id, &st->addr4, err);
        if (r < 0)
                return r;
        st->has_addr4 = true;
        casca_network_step("lease");
        if (nc->has_ipv6) {
                r = casca_ipam_allocate(st->ipam_dir, &nc->ipv6.subnet, &nc->ipv6.gateway,
                                        nc->ipv6.has_address ? &nc->ipv6.address.ip : NULL, id,
                                        &st->addr6, err);
                if (r < 0)
                        return r;
                st->has_addr6 = true;
        }
        r = casca_netstate_save(state_root, id, st, err);
        if (r < 0)
                return r;
        casca_network_step("lease-recorded");

        /* nftables first: its socket is closed last (by the caller's
         * casca_network_result_free()), so the commit's RCU grace period
         * passes while the links are made and the caller goes on. */
        if (nc->nat || nc->n_ports > 0) {
                r = casca_nl_open(NETLINK_NETFILTER, -1, &nfnl, err);
                if (r < 0)
                        return r;
                r = casca_nat_add(nfnl, nc, id, &st->addr4, st->has_addr6 ? &st->addr6 : NULL, err);
                if (r < 0)
                        return r;
        }
        casca_network_step("nat");

        r = casca_link_add_veth(nl, st->veth, nc->interface, netns_fd, nc->has_mtu ? nc->mtu : 0,
                                nc->has_mac ? nc->mac : NULL, err);
        if (r == -EEXIST) {
                /* not ours (a hash collision or a leftover): never delete it */
                free(TAKE_PTR(st->veth));
                return r;
        }
        if (r < 0)
                return r;
        casca_network_step("veth");
        r = casca_link_get(nl, st->veth, &host);
        if (r < 0)
                return casca_nl_error(nl, r, err, "look up `%s`", st->veth);
        attach.master = br;
        r = casca_link_set(nl, host.index, &attach, err);
        if (r < 0)
                return casca_error_prefix(err, "attach `%s` to `%s`", st->veth, nc->bridge);
        if (nc->n_ports > 0 && (r = casca_link_set_hairpin(nl, host.index, err)) < 0)
                return r;
        casca_network_step("attach");

        r = configure_inside(cnl, nc, st, mac, err);
        if (r < 0)
                return casca_error_prefix(err, "container interface `%s`", nc->interface);
        r = ping_group_range(netns_fd, err);
        if (r < 0)
                return r;
        casca_network_step("inside");
        *ret_nft = TAKE_PTR(nfnl);
        return 0;
}

/* A macvlan/ipvlan network: the container's interface is a child of the
 * parent, made directly in its namespace, with an address of the parent's
 * LAN (leased, or the config's) and the network's gateway, if any, as
 * default route.  No bridge, no veth, no NAT: the container is on the LAN. */
static int setup_sub(const struct casca_netconf *nc, const struct casca_netdef *d, const char *id,
                     int netns_fd, const char *state_root, struct casca_netstate *st,
                     uint8_t mac[6], struct casca_error **err)
{
        _cleanup_(closep_nl) struct casca_nl *nl = NULL, *cnl = NULL;
        const char *kind = d->driver == CASCA_NETDRV_MACVLAN ? "macvlan" : "ipvlan";
        struct casca_link_info parent;
        int r;

        r = open_host_and_container(netns_fd, &nl, &cnl, err);
        if (r < 0)
                return r;
        r = casca_link_get(nl, d->parent, &parent);
        if (r < 0)
                return casca_nl_error(nl, r, err, "network `%s`: parent interface `%s`", d->name,
                                      d->parent);
        r = casca_ipam_allocate(st->ipam_dir, &nc->subnet, d->has_gateway ? &d->gateway : NULL,
                                nc->has_address ? &nc->address.ip : NULL, id, &st->addr4, err);
        if (r < 0)
                return r;
        st->has_addr4 = true;
        casca_network_step("lease");
        r = casca_netstate_save(state_root, id, st, err);
        if (r < 0)
                return r;
        casca_network_step("lease-recorded");
        r = casca_link_add_sub(
                nl, kind, nc->interface, parent.index, d->mode, netns_fd, nc->has_mtu ? nc->mtu : 0,
                nc->has_mac && d->driver == CASCA_NETDRV_MACVLAN ? nc->mac : NULL, err);
        if (r < 0)
                return r;
        casca_network_step("veth");
        r = configure_inside(cnl, nc, st, mac, err);
        if (r < 0)
                return casca_error_prefix(err, "container interface `%s`", nc->interface);
        casca_network_step("inside");
        return ping_group_range(netns_fd, err);
}

/* A named network's definition in place of the inline fields: its bridge,
 * subnet, gateway and IPv6; its masquerade is the network's own rule. */
static int named_conf(const struct casca_netconf *nc, const struct casca_netdef *d,
                      struct casca_netconf *ret, struct casca_error **err)
{
        char buf[CASCA_CIDR_STRLEN], ip[CASCA_IP_STRLEN], gw[CASCA_IP_STRLEN];

        *ret = *nc;
        ret->bridge = d->driver == CASCA_NETDRV_BRIDGE ? d->bridge : d->parent;
        ret->subnet = d->subnet;
        memset(&ret->gateway, 0, sizeof(ret->gateway));
        if (d->has_gateway)
                ret->gateway = d->gateway;
        ret->nat = false;
        if (d->driver != CASCA_NETDRV_BRIDGE && nc->n_ports > 0)
                return casca_error_setx(err, EINVAL,
                                        "casca.network.ports: not on network `%s` (%s): the "
                                        "container has its own address on the parent's LAN",
                                        d->name, d->parent);
        if (d->driver != CASCA_NETDRV_BRIDGE && nc->has_mac && d->driver == CASCA_NETDRV_IPVLAN)
                return casca_error_setx(err, EINVAL,
                                        "casca.network.mac: an ipvlan interface has its "
                                        "parent's MAC (network `%s`)",
                                        d->name);
        ret->has_ipv6 = d->has_ipv6;
        memset(&ret->ipv6, 0, sizeof(ret->ipv6));
        if (d->has_ipv6) {
                ret->ipv6.subnet = d->subnet6;
                ret->ipv6.gateway = d->gateway6;
        }
        /* a restored container's own address (casca_network_identity_apply) */
        if (d->has_ipv6 && nc->ipv6.has_address) {
                if (!casca_cidr_contains(&d->subnet6, &nc->ipv6.address.ip))
                        return casca_error_setx(
                                err, EINVAL,
                                "casca.network: %s is not in the IPv6 subnet "
                                "of network `%s`",
                                casca_ip_format(&nc->ipv6.address.ip, ip, sizeof(ip)), d->name);
                ret->ipv6.has_address = true;
                ret->ipv6.address =
                        (struct casca_cidr){.ip = nc->ipv6.address.ip, .prefix = d->subnet6.prefix};
        }
        for (size_t i = 0; i < nc->n_ports; i++)
                if (nc->ports[i].has_host_ip && nc->ports[i].host_ip.family == AF_INET6 &&
                    !d->has_ipv6)
                        return casca_error_setx(err, EINVAL,
                                                "casca.network.ports[%zu].hostIP: an IPv6 host "
                                                "address needs a network with IPv6 (`%s` has none)",
                                                i, d->name);
        if (nc->has_address) {
                if (!casca_cidr_contains(&d->subnet, &nc->address.ip) ||
                    casca_ip_equal(&nc->address.ip, &d->gateway) ||
                    (nc->address.prefix != 0 && nc->address.prefix != d->subnet.prefix))
                        return casca_error_setx(
                                err, EINVAL,
                                "casca.network.address: %s is not a host address of network "
                                "`%s` (%s, gateway %s)",
                                casca_ip_format(&nc->address.ip, ip, sizeof(ip)), d->name,
                                casca_cidr_format(&d->subnet, buf, sizeof(buf)),
                                casca_ip_format(&d->gateway, gw, sizeof(gw)));
                ret->address.prefix = d->subnet.prefix;
        }
        return 0;
}

int casca_network_setup(const struct casca_netconf *nc_in, const char *id, const char *hostname,
                        int container_netns_fd, const char *state_root,
                        struct casca_network_result **ret, struct casca_error **err)
{
        _cleanup_(closep_nl) struct casca_nl *nft = NULL;
        _cleanup_netdef_ struct casca_netdef *def = NULL;
        _cleanup_close_ int lk = -1; /* the named network's, shared */
        const struct casca_netconf *nc = nc_in;
        struct casca_netconf named;
        struct casca_netstate st;
        char veth[IFNAMSIZ];
        uint8_t mac[6] = {0};
        struct stat sb;
        int r;

        r = check_id(id, err);
        if (r < 0)
                return r;
        /* the libraries first: a missing one fails before anything is
         * recorded or made (a bridge needs nftables too, below) */
        r = casca_netlibs_load(NETLINK_ROUTE, err);
        if (r < 0)
                return casca_error_prefix(err, "network setup of `%s`", id);
        if (nc_in->network) {
                r = casca_netdef_join(state_root, nc_in->network, &def, &lk, err);
                if (r >= 0)
                        r = named_conf(nc_in, def, &named, err);
                if (r < 0)
                        return casca_error_prefix(err, "network setup of `%s`", id);
                nc = &named;
        }
        /* nftables: a bridge's rules (macvlan/ipvlan have none) */
        r = !def || def->driver == CASCA_NETDRV_BRIDGE ? casca_netlibs_load(NETLINK_NETFILTER, err)
                                                       : 0;
        if (r < 0)
                return casca_error_prefix(err, "network setup of `%s`", id);
        r = begin(id, container_netns_fd, state_root, &st, &sb, err);
        if (r < 0)
                return r;
        if (st.veth) {
                casca_netstate_clear(&st);
                return casca_error_setx(err, EEXIST, "network of `%s` is already set up", id);
        }
        casca_veth_name(id, veth);
        /* macvlan/ipvlan: no host end (the interface dies with the namespace) */
        st.veth = !def || def->driver == CASCA_NETDRV_BRIDGE ? strdup(veth) : strdup("");
        st.bridge = strdup(nc->bridge);
        if (!def)
                st.ipam_dir = store_dir(state_root, nc->bridge);
        else if (asprintf(&st.ipam_dir, "%s/" CASCA_NETWORKS_DIR "/%s/leases", state_root,
                          def->name) < 0)
                st.ipam_dir = NULL;
        if (!st.veth || !st.bridge || !st.ipam_dir) {
                casca_netstate_clear(&st);
                return casca_error_set(err, ENOMEM, "network setup");
        }
        st.has_netns = true;
        st.netns_dev = sb.st_dev;
        st.netns_ino = sb.st_ino;
        r = casca_netstate_save(state_root, id, &st, err);
        if (r >= 0) {
                casca_network_step("state");
                r = def && def->driver != CASCA_NETDRV_BRIDGE
                            ? setup_sub(nc, def, id, container_netns_fd, state_root, &st, mac, err)
                            : setup_steps(nc, id, container_netns_fd, state_root, &st, mac, &nft,
                                          err);
        }
        if (r >= 0 && def && def->dns) {
                _cleanup_free_ char *netdir = casca_netdef_dir(state_root, def->name);
                r = netdir ? casca_dns_join(netdir, def, id, hostname, &st.addr4,
                                            st.has_addr6 ? &st.addr6 : NULL, err)
                           : casca_error_set(err, ENOMEM, "network setup");
                if (r >= 0)
                        casca_network_step("dns");
        }
        if (r >= 0)
                r = make_result(nc, &st, mac, ret, err);
        if (r >= 0 && def && def->dns && !((*ret)->nameserver = ip_str(&def->gateway))) {
                casca_network_result_free(TAKE_PTR(*ret));
                r = casca_error_set(err, ENOMEM, "network result");
        }
        if (r >= 0)
                (*ret)->nft = TAKE_PTR(nft);
        if (r < 0) {
                struct casca_error *e = NULL;
                /* Remove what we made; keep recorded netDevices. */
                struct casca_netstate devs = {.devs = st.devs,
                                              .n_devs = st.n_devs,
                                              .has_netns = st.has_netns,
                                              .netns_dev = st.netns_dev,
                                              .netns_ino = st.netns_ino};
                st.devs = NULL;
                st.n_devs = 0;
                if (undo(&st, id, state_root, NULL, &e) == 0) {
                        if (devs.n_devs)
                                (void)casca_netstate_save(state_root, id, &devs, &e);
                        else
                                (void)casca_netstate_remove(state_root, id, &e);
                }
                casca_error_free(e);
                casca_netstate_clear(&devs);
                casca_netstate_clear(&st);
                return casca_error_prefix(err, "network setup of `%s`", id);
        }
        casca_netstate_clear(&st);
        return 0;
}

/* ---- linux.netDevices --------------------------------------------------------- */

/* Move link `from` of nl's namespace into target_fd as `to`, carrying its
 * permanent addresses and its up state.  tnl: a socket in the target. */
static int move_link(struct casca_nl *nl, struct casca_nl *tnl, const char *from, const char *to,
                     int target_fd, struct casca_error **err)
{
        _cleanup_free_ struct casca_cidr *addrs = NULL;
        struct casca_link_change mv = {.netns_fd = target_fd};
        struct casca_link_change up = {.up = 1, .netns_fd = -1};
        struct casca_link_info li, moved;
        size_t n = 0;
        int r;

        r = casca_link_get(nl, from, &li);
        if (r < 0)
                return casca_nl_error(nl, r, err, "look up link `%s`", from);
        r = casca_addr_list(nl, li.index, &addrs, &n, err);
        if (r < 0)
                return r;
        mv.name = to && strcmp(to, from) != 0 ? to : NULL;
        r = casca_link_set(nl, li.index, &mv, err);
        if (r < 0)
                return casca_error_prefix(err, "move `%s`", from);
        r = casca_link_get(tnl, to ? to : from, &moved);
        if (r < 0)
                return casca_nl_error(tnl, r, err, "look up moved link `%s`", to ? to : from);
        for (size_t i = 0; i < n; i++) {
                r = casca_addr_add(tnl, moved.index, &addrs[i], err);
                if (r < 0)
                        return r;
        }
        if (li.flags & IFF_UP) {
                r = casca_link_set(tnl, moved.index, &up, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int casca_netdev_move(const char *host_name, const char *new_name, int netns_fd,
                      struct casca_error **err)
{
        _cleanup_(closep_nl) struct casca_nl *nl = NULL, *cnl = NULL;
        int r;

        r = casca_nl_open(NETLINK_ROUTE, -1, &nl, err);
        if (r >= 0)
                r = casca_nl_open(NETLINK_ROUTE, netns_fd, &cnl, err);
        if (r >= 0)
                r = move_link(nl, cnl, host_name, new_name ? new_name : host_name, netns_fd, err);
        if (r < 0)
                return casca_error_prefix(err, "linux.netDevices `%s`", host_name);
        return 0;
}

int casca_netdev_return(const char *name, const char *host_name, int netns_fd,
                        struct casca_error **err)
{
        _cleanup_(closep_nl) struct casca_nl *nl = NULL, *cnl = NULL;
        _cleanup_close_ int self = -1;
        int r;

        self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return casca_error_set(err, errno, "open `/proc/thread-self/ns/net`");
        r = casca_nl_open(NETLINK_ROUTE, -1, &nl, err);
        if (r >= 0)
                r = casca_nl_open(NETLINK_ROUTE, netns_fd, &cnl, err);
        if (r >= 0)
                r = move_link(cnl, nl, name, host_name, self, err);
        if (r < 0)
                return casca_error_prefix(err, "return linux.netDevices `%s`", host_name);
        return 0;
}

int casca_network_attach_netdev(const char *id, const char *state_root, const char *host_name,
                                const char *new_name, int netns_fd, struct casca_error **err)
{
        struct casca_netstate st;
        struct casca_netstate_dev *devs;
        struct stat sb;
        int r;

        r = begin(id, netns_fd, state_root, &st, &sb, err);
        if (r < 0)
                return r;
        devs = reallocarray(st.devs, st.n_devs + 1, sizeof(*devs));
        if (!devs) {
                casca_netstate_clear(&st);
                return casca_error_set(err, ENOMEM, "linux.netDevices");
        }
        st.devs = devs;
        devs[st.n_devs].host_name = strdup(host_name);
        devs[st.n_devs].name = strdup(new_name ? new_name : host_name);
        st.n_devs++;
        st.has_netns = true;
        st.netns_dev = sb.st_dev;
        st.netns_ino = sb.st_ino;
        r = casca_netstate_save(state_root, id, &st, err);
        if (r >= 0) {
                r = casca_netdev_move(host_name, new_name, netns_fd, err);
                if (r < 0) {
                        struct casca_error *e = NULL;
                        st.n_devs--;
                        free(devs[st.n_devs].host_name);
                        free(devs[st.n_devs].name);
                        if (st.n_devs || st.veth)
                                (void)casca_netstate_save(state_root, id, &st, &e);
                        else
                                (void)casca_netstate_remove(state_root, id, &e);
                        casca_error_free(e);
                }
        }
        casca_netstate_clear(&st);
        return r;
}
