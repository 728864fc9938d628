/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nat.c - a container's nftables rules, through libnftnl.
 *
 * Everything lives in one table, `inet casca`, with three NAT base chains
 * that are created on first use and never removed:
 *
 *   prerouting  (nat, dstnat -100)  DNAT of published ports for traffic that
 *                                   arrives from other hosts or containers
 *   output      (nat, -100)         the same DNAT for connections the host
 *                                   itself opens (locally generated traffic
 *                                   never passes prerouting)
 *   postrouting (nat, srcnat 100)   masquerade of the container's traffic that
 *                                   leaves its subnet, and the hairpin cases
 *
 * A published port without hostIP matches `fib daddr type local` (any
 * address of this host); with hostIP it matches `ip daddr <hostIP>`.
 *
 * Hairpin: a connection from the host to 127.0.0.1:<hostPort> is DNATed in
 * output to the container, but keeps source 127.0.0.1.  The kernel refuses
 * to route a loopback source out of a non-loopback device unless
 * net.ipv4.conf.<bridge>.route_localnet=1, and the container could not answer
 * 127.0.0.1 anyway; so casca sets route_localnet on the bridge and
 * masquerades DNATed traffic from 127.0.0.0/8 to the container (the reply
 * comes back to the gateway address and conntrack undoes both NATs).  The
 * same masquerade covers a container reaching a published port of a sibling
 * on the same bridge through a host address (otherwise the sibling would
 * answer it directly, bypassing the reverse DNAT).  A container reaching its
 * own published port also needs hairpin mode on its bridge port (set by
 * network.c), or the bridge will not send the DNATed frame back out of the
 * port it arrived on.
 *
 * Every rule carries the comment "casca:<id>" (rule userdata, shown by `nft
 * list ruleset`), which is how casca_nat_del() finds them after a crash: no
 * rule handle has to be persisted.  Each change is one nfnetlink batch, so
 * the kernel applies a container's rules all at once or not at all. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns/internal.h"
#include "netns/netobj.h"
#include "util/cleanup.h"
#include "util/format.h"

struct base_chain {
        const char *name;
        uint32_t hook;
        int32_t prio;
};

static const struct base_chain chains[] = {
        {"prerouting", NF_INET_PRE_ROUTING, -100},
        {"output", NF_INET_LOCAL_OUT, -100},
        {"postrouting", NF_INET_POST_ROUTING, 100},
};

void casca_nat_tag(const char *id, char *buf, size_t size)
{
        /* callers' buffers hold NFTNL_UDATA_COMMENT_MAXLEN bytes and more */
        if (strlen(id) + sizeof("casca:") <= NFTNL_UDATA_COMMENT_MAXLEN)
                casca_snprintf_trunc(buf, size, "casca:%s", id);
        else
                casca_snprintf_trunc(buf, size, "casca:#%016llx",
                                     (unsigned long long)casca_hash64_str(id));
}

int casca_sysctl_write(const char *path, const char *value, struct casca_error **err)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        size_t len = strlen(value);

        if (fd < 0)
                return casca_error_set(err, errno, "open `%s`", path);
        if (write(fd, value, len) != (ssize_t)len)
                return casca_error_set(err, errno ? errno : EIO, "write `%s`", path);
        return 0;
}

/* ---- rule building -------------------------------------------------------- */

struct rb {
        struct nftnl_rule *r;
        bool oom;
};

static struct nftnl_expr *expr(struct rb *b, const char *name)
{
        struct nftnl_expr *e = nftnl_expr_alloc(name);

        if (!e)
                b->oom = true;
        else
                nftnl_rule_add_expr(b->r, e);
        return e;
}

static void meta_load(struct rb *b, uint32_t key)
{
        struct nftnl_expr *e = expr(b, "meta");
        if (!e)
                return;
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
}

static void cmp(struct rb *b, uint32_t op, const void *data, uint32_t len)
{
        struct nftnl_expr *e = expr(b, "cmp");
        if (!e)
                return;
        nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
        nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
        nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void payload(struct rb *b, uint32_t base, uint32_t offset, uint32_t len)
{
        struct nftnl_expr *e = expr(b, "payload");
        if (!e)
                return;
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
}

static void bitwise(struct rb *b, const void *mask, uint32_t len)
{
        static const uint8_t zero[16];
        struct nftnl_expr *e = expr(b, "bitwise");
        if (!e)
                return;
        nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
        nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
        nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
        nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
        nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
}

static void match_family(struct rb *b, int family)
{
        uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

        meta_load(b, NFT_META_NFPROTO);
        cmp(b, NFT_CMP_EQ, &proto, 1);
}

/* ip/ip6 saddr|daddr [!=] prefix */
static void match_addr(struct rb *b, bool source, const struct casca_cidr *c, uint32_t op)
{
        bool v4 = c->ip.family == AF_INET;
        uint32_t len = v4 ? 4 : 16;
        uint32_t off = v4 ? (source ? 12 : 16) : (source ? 8 : 24);
        struct casca_cidr maskc = {.ip = {.family = c->ip.family}, .prefix = c->prefix};
        struct casca_ip net;

        payload(b, NFT_PAYLOAD_NETWORK_HEADER, off, len);
        if (c->prefix < len * 8) {
                memset(maskc.ip.addr, 0xff, len);
                casca_cidr_network(&maskc, &maskc.ip);
                bitwise(b, maskc.ip.addr, len);
        }
        casca_cidr_network(c, &net);
        cmp(b, op, net.addr, len);
}

static void match_host(struct rb *b, bool source, const struct casca_ip *ip)
{
        struct casca_cidr c = {.ip = *ip, .prefix = ip->family == AF_INET ? 32 : 128};
        match_addr(b, source, &c, NFT_CMP_EQ);
}

static void match_port(struct rb *b, int proto, uint16_t dport)
{
        uint8_t p = (uint8_t)proto;
        uint16_t port = htons(dport);

        meta_load(b, NFT_META_L4PROTO);
        cmp(b, NFT_CMP_EQ, &p, 1);
        payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
        cmp(b, NFT_CMP_EQ, &port, 2);
}

/* fib daddr type local */
static void match_local_daddr(struct rb *b)
{
        struct nftnl_expr *e = expr(b, "fib");
        uint32_t local = RTN_LOCAL;

        if (!e)
                return;
        nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
        nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
        nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
        cmp(b, NFT_CMP_EQ, &local, 4);
}

/* ct status dnat (set), or ct status & dnat == 0 (!set) */
static void match_ct_dnat(struct rb *b, bool set)
{
        struct nftnl_expr *e = expr(b, "ct");
        uint32_t mask = IPS_DST_NAT, zero = 0;

        if (!e)
                return;
        nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATUS);
        nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
        bitwise(b, &mask, 4);
        cmp(b, set ? NFT_CMP_NEQ : NFT_CMP_EQ, &zero, 4);
}

/* iifname|oifname [!=] name */
static void match_ifname(struct rb *b, bool out, const char *name, uint32_t op)
{
        char buf[IFNAMSIZ] = {0};

        memcpy(buf, name, strnlen(name, IFNAMSIZ - 1));
        meta_load(b, out ? NFT_META_OIFNAME : NFT_META_IIFNAME);
        cmp(b, op, buf, IFNAMSIZ);
}

/* iifgroup|oifgroup group */
static void match_ifgroup(struct rb *b, bool out, uint32_t group)
{
        meta_load(b, out ? NFT_META_OIFGROUP : NFT_META_IIFGROUP);
        cmp(b, NFT_CMP_EQ, &group, 4);
}

static void drop(struct rb *b)
{
        struct nftnl_expr *e = expr(b, "immediate");

        if (!e)
                return;
        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_DROP);
}

static void masquerade(struct rb *b)
{
        expr(b, "masq");
}

/* dnat ip|ip6 to addr:port */
static void dnat(struct rb *b, const struct casca_ip *to, uint16_t port)
{
        uint16_t p = htons(port);
        struct nftnl_expr *e;

        e = expr(b, "immediate");
        if (!e)
                return;
        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
        nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, to->addr, to->family == AF_INET ? 4 : 16);
        e = expr(b, "immediate");
        if (!e)
                return;
        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_2);
        nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &p, 2);
        e = expr(b, "nat");
        if (!e)
                return;
        nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
        nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY,
                           to->family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
        nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
        nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
}

/* ---- batches ---------------------------------------------------------------- */

struct batch {
        struct nftnl_batch *b;
        struct casca_nl *nl;
        uint32_t first_seq, n_acks;
        bool oom;
};

static void batch_free(struct batch *bt)
{
        if (bt->b)
                nftnl_batch_free(bt->b);
}

static int batch_start(struct batch *bt, struct casca_nl *nl)
{
        bt->nl = nl;
        bt->b = nftnl_batch_alloc(MNL_SOCKET_BUFFER_SIZE, MNL_SOCKET_BUFFER_SIZE);
        if (!bt->b)
                return -ENOMEM;
        bt->first_seq = ++nl->seq;
        nftnl_batch_begin(nftnl_batch_buffer(bt->b), bt->first_seq);
        nftnl_batch_update(bt->b);
        return 0;
}

static struct nlmsghdr *batch_msg(struct batch *bt, uint16_t type, uint16_t flags)
{
        struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(bt->b), type, NFPROTO_INET,
                                                     flags | NLM_F_ACK, ++bt->nl->seq);
        bt->n_acks++;
        return nlh;
}

static void batch_next(struct batch *bt)
{
        if (nftnl_batch_update(bt->b) < 0)
                bt->oom = true;
}

struct ack_state {
        struct casca_nl *nl;
        uint32_t lo, hi, acks;
        int error;
};

static int batch_ack_cb(const struct nlmsghdr *nlh, void *data)
{
        struct ack_state *st = data;
        const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
        unsigned off;

        if (nlh->nlmsg_seq < st->lo || nlh->nlmsg_seq > st->hi)
                return MNL_CB_OK; /* not ours */
        if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
                return MNL_CB_OK;
        st->acks++;
        if (e->error && !st->error) {
                st->error = e->error;
                if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
                        off = sizeof(*e);
                        if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
                                off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
                        if (mnl_nlmsg_size(off) <= nlh->nlmsg_len) {
                                const struct nlattr *a;
                                mnl_attr_for_each(
                                        a, nlh,
                                        off) if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
                                                 mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
                                        casca_snprintf_trunc(st->nl->ext_msg,
                                                             sizeof(st->nl->ext_msg), "%s",
                                                             mnl_attr_get_str(a));
                        }
                }
        }
        return MNL_CB_OK;
}

/* Send the batch and collect its ACKs.  nfnetlink handles the whole batch
 * while sendmsg() runs, so every answer is queued when it returns: read
 * without blocking until the queue is empty. */
static int batch_commit(struct batch *bt)
{
        struct casca_nl *nl = bt->nl;
        struct sockaddr_nl snl = {.nl_family = AF_NETLINK};
        struct ack_state st = {.nl = nl, .lo = bt->first_seq};
        mnl_cb_t ctl[NLMSG_MIN_TYPE] = {0};
        struct msghdr msg = {0};
        struct iovec *iov;
        int n_iov, fd = mnl_socket_get_fd(nl->sk);
        ssize_t n;

        if (bt->oom)
                return -ENOMEM;
        nftnl_batch_end(nftnl_batch_buffer(bt->b), ++nl->seq);
        nftnl_batch_update(bt->b);
        st.hi = nl->seq;
        n_iov = nftnl_batch_iovec_len(bt->b);
        iov = calloc((size_t)n_iov, sizeof(*iov));
        if (!iov)
                return -ENOMEM;
        nftnl_batch_iovec(bt->b, iov, (uint32_t)n_iov);
        msg.msg_name = &snl;
        msg.msg_namelen = sizeof(snl);
        msg.msg_iov = iov;
        msg.msg_iovlen = (size_t)n_iov;
        nl->ext_msg[0] = '\0';
        n = sendmsg(fd, &msg, 0);
        free(iov);
        if (n < 0)
                return -errno;
        ctl[NLMSG_ERROR] = batch_ack_cb;
        for (;;) {
                n = recv(fd, nl->buf, MNL_SOCKET_BUFFER_SIZE, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        return -errno;
                }
                (void)mnl_cb_run2(nl->buf, (size_t)n, 0, nl->portid, NULL, &st, ctl,
                                  ARRAY_SIZE(ctl));
        }
        if (st.error)
                return st.error;
        if (st.acks < bt->n_acks)
                return -EIO; /* lost answers (receive buffer overrun?) */
        return 0;
}

/* ---- adding ---------------------------------------------------------------- */

static struct nftnl_rule *new_rule(const char *chain, const char *tag)
{
        struct nftnl_rule *r = nftnl_rule_alloc();
        struct nftnl_udata_buf *ud;

        if (!r)
                return NULL;
        nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
        nftnl_rule_set_str(r, NFTNL_RULE_TABLE, CASCA_NFT_TABLE);
        nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
        ud = nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 16);
        if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, tag)) {
                nftnl_udata_buf_free(ud);
                nftnl_rule_free(r);
                return NULL;
        }
        nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
                            nftnl_udata_buf_len(ud));
        nftnl_udata_buf_free(ud);
        return r;
}

static void put_rule(struct batch *bt, struct rb *b)
{
        struct nlmsghdr *nlh;

        if (b->oom || !b->r) {
                bt->oom = true;
        } else {
                nlh = batch_msg(bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
                nftnl_rule_nlmsg_build_payload(nlh, b->r);
                batch_next(bt);
        }
        if (b->r)
                nftnl_rule_free(b->r);
        b->r = NULL;
        b->oom = false;
}

static void put_table_and_chains(struct batch *bt)
{
        struct nftnl_table *t = nftnl_table_alloc();
        struct nlmsghdr *nlh;

        if (!t) {
                bt->oom = true;
                return;
        }
        nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
        nftnl_table_set_str(t, NFTNL_TABLE_NAME, CASCA_NFT_TABLE);
        nlh = batch_msg(bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
        nftnl_table_nlmsg_build_payload(nlh, t);
        nftnl_table_free(t);
        batch_next(bt);
        for (size_t i = 0; i < ARRAY_SIZE(chains); i++) {
                struct nftnl_chain *c = nftnl_chain_alloc();
                if (!c) {
                        bt->oom = true;
                        return;
                }
                nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, CASCA_NFT_TABLE);
                nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chains[i].name);
                nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, chains[i].hook);
                nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, chains[i].prio);
                nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
                nlh = batch_msg(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
                nftnl_chain_nlmsg_build_payload(nlh, c);
                nftnl_chain_free(c);
                batch_next(bt);
        }
}

/* The filter chain the isolation of named networks lives in (made on first
 * use, never removed, like the NAT chains). */
static void put_forward_chain(struct batch *bt)
{
        struct nftnl_chain *c = nftnl_chain_alloc();
        struct nlmsghdr *nlh;

        if (!c) {
                bt->oom = true;
                return;
        }
        nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, CASCA_NFT_TABLE);
        nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, "forward");
        nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
        nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
        nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
        nlh = batch_msg(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
        nftnl_chain_nlmsg_build_payload(nlh, c);
        nftnl_chain_free(c);
        batch_next(bt);
}

/* DNAT rules for one port and one family, in prerouting and output. */
static void put_port(struct batch *bt, const char *tag, const struct casca_port_mapping *pm,
                     const struct casca_ip *to)
{
        static const char *const hooks[] = {"prerouting", "output"};

        for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
                struct rb b = {.r = new_rule(hooks[i], tag)};
                if (!b.r) {
                        bt->oom = true;
                        return;
                }
                match_family(&b, to->family);
                if (pm->has_host_ip)
                        match_host(&b, false, &pm->host_ip);
                else
                        match_local_daddr(&b);
                match_port(&b, pm->protocol, pm->host_port);
                dnat(&b, to, pm->container_port);
                put_rule(bt, &b);
        }
}

/* postrouting rules of one family. */
static void put_postrouting(struct batch *bt, const char *tag, const struct casca_netconf *nc,
                            const struct casca_cidr *subnet, const struct casca_ip *addr)
{
        struct rb b;

        if (nc->nat) {
                /* ip saddr <addr> ip daddr != <subnet> masquerade */
                b.r = new_rule("postrouting", tag);
                b.oom = false;
                match_family(&b, addr->family);
                match_host(&b, true, addr);
                match_addr(&b, false, subnet, NFT_CMP_NEQ);
                masquerade(&b);
                put_rule(bt, &b);
        }
        if (nc->n_ports == 0)
                return;
        /* ip daddr <addr> ct status dnat ip saddr <subnet> masquerade */
        b.r = new_rule("postrouting", tag);
        b.oom = false;
        match_family(&b, addr->family);
        match_host(&b, false, addr);
        match_ct_dnat(&b, true);
        match_addr(&b, true, subnet, NFT_CMP_EQ);
        masquerade(&b);
        put_rule(bt, &b);
        if (addr->family == AF_INET) {
                /* ip daddr <addr> ct status dnat ip saddr 127.0.0.0/8 masquerade */
                struct casca_cidr lo;
                casca_cidr_parse("127.0.0.0/8", &lo);
                b.r = new_rule("postrouting", tag);
                b.oom = false;
                match_family(&b, AF_INET);
                match_host(&b, false, addr);
                match_ct_dnat(&b, true);
                match_addr(&b, true, &lo, NFT_CMP_EQ);
                masquerade(&b);
                put_rule(bt, &b);
        }
}

static int enable_forwarding(const struct casca_netconf *nc, struct casca_error **err)
{
        char path[128];
        int r;

        if (!nc->nat && nc->n_ports == 0)
                return 0;
        r = casca_sysctl_write("/proc/sys/net/ipv4/ip_forward", "1", err);
        if (r < 0)
                return r;
        if (nc->has_ipv6) {
                r = casca_sysctl_write("/proc/sys/net/ipv6/conf/all/forwarding", "1", err);
                if (r < 0)
                        return r;
        }
        if (nc->n_ports > 0) {
                r = casca_snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet",
                                   nc->bridge);
                if (r >= 0)
                        r = casca_sysctl_write(path, "1", err);
                else
                        r = casca_error_set(err, -r, "route_localnet of `%s`", nc->bridge);
                if (r < 0)
                        return r;
        }
        return 0;
}

int casca_nat_add(struct casca_nl *nl, const struct casca_netconf *nc, const char *id,
                  const struct casca_ip *addr4, const struct casca_ip *addr6,
                  struct casca_error **err)
{
        _cleanup_nl_ struct casca_nl *own = NULL;
        _cleanup_(batch_free) struct batch bt = {0};
        char tag[NFTNL_UDATA_COMMENT_MAXLEN + 8];
        int r;

        if (!nc->nat && nc->n_ports == 0)
                return 0;
        r = enable_forwarding(nc, err);
        if (r < 0)
                return r;
        casca_nat_tag(id, tag, sizeof(tag));
        if (!nl) {
                r = casca_nl_open(NETLINK_NETFILTER, -1, &own, err);
                if (r < 0)
                        return r;
                nl = own;
        }
        if (batch_start(&bt, nl) < 0)
                return casca_error_set(err, ENOMEM, "nftables batch");
        put_table_and_chains(&bt);
        if (addr4)
                put_postrouting(&bt, tag, nc, &nc->subnet, addr4);
        if (addr6)
                put_postrouting(&bt, tag, nc, &nc->ipv6.subnet, addr6);
        for (size_t i = 0; i < nc->n_ports; i++) {
                const struct casca_port_mapping *pm = &nc->ports[i];
                bool v6_host = pm->has_host_ip && pm->host_ip.family == AF_INET6;
                bool v4_host = pm->has_host_ip && pm->host_ip.family == AF_INET;

                if (addr4 && !v6_host)
                        put_port(&bt, tag, pm, addr4);
                if (addr6 && !v4_host)
                        put_port(&bt, tag, pm, addr6);
        }
        r = batch_commit(&bt);
        if (r < 0)
                return casca_nl_error(nl, r, err,
                                      "nftables: add rules for `%s` to table inet " CASCA_NFT_TABLE,
                                      id);
        return 0;
}

/* The network tag: "casca-net:<name>" (a hash when too long for a comment). */
void casca_nat_net_tag(const char *name, char *buf, size_t size)
{
        /* callers pass a buffer that holds either */
        if (strlen(name) + sizeof("casca-net:") <= NFTNL_UDATA_COMMENT_MAXLEN)
                casca_snprintf_trunc(buf, size, "casca-net:%s", name);
        else
                casca_snprintf_trunc(buf, size, "casca-net:#%016llx",
                                     (unsigned long long)casca_hash64_str(name));
}

/* ip saddr <subnet> ip daddr != <subnet> masquerade */
static void put_subnet_masquerade(struct batch *bt, const char *tag, const struct casca_cidr *c)
{
        struct rb b = {.r = new_rule("postrouting", tag)};

        match_family(&b, c->ip.family);
        match_addr(&b, true, c, NFT_CMP_EQ);
        match_addr(&b, false, c, NFT_CMP_NEQ);
        masquerade(&b);
        put_rule(bt, &b);
}

/* Isolation, in the forward chain: nothing routed between the network's
 * bridge and another casca bridge (interface group CASCA_BRIDGE_GROUP),
 * either way, but connections to published ports (DNATed by casca's
 * prerouting rules, and their replies):
 *   iifname <br> oifname != <br> oifgroup casca ct status & dnat == 0 drop
 *   oifname <br> iifname != <br> iifgroup casca ct status & dnat == 0 drop
 * Internal: nothing routed in or out of the bridge at all:
 *   iifname <br> oifname != <br> drop
 *   oifname <br> iifname != <br> drop
 * (traffic between the containers of one network is switched by the bridge
 * and never routed; traffic to the gateway is the host's own.) */
static void put_isolation(struct batch *bt, const char *tag, const struct casca_netdef *d)
{
        for (int out = 0; out < 2; out++) {
                struct rb b = {.r = new_rule("forward", tag)};

                match_ifname(&b, out, d->bridge, NFT_CMP_EQ);
                /* with br_netfilter, switched traffic passes this hook
                 * too, in and out of the same bridge */
                match_ifname(&b, !out, d->bridge, NFT_CMP_NEQ);
                if (!d->internal) {
                        match_ifgroup(&b, !out, CASCA_BRIDGE_GROUP);
                        match_ct_dnat(&b, false);
                }
                drop(&b);
                put_rule(bt, &b);
        }
}

int casca_nat_network_add(const struct casca_netdef *d, struct casca_error **err)
{
        _cleanup_nl_ struct casca_nl *nl = NULL;
        _cleanup_(batch_free) struct batch bt = {0};
        char tag[NFTNL_UDATA_COMMENT_MAXLEN + 8];
        int r;

        casca_nat_net_tag(d->name, tag, sizeof(tag));
        r = casca_nl_open(NETLINK_NETFILTER, -1, &nl, err);
        if (r < 0)
                return r;
        if (batch_start(&bt, nl) < 0)
                return casca_error_set(err, ENOMEM, "nftables batch");
        put_table_and_chains(&bt);
        put_forward_chain(&bt);
        if (!d->internal) {
                put_subnet_masquerade(&bt, tag, &d->subnet);
                if (d->has_ipv6)
                        put_subnet_masquerade(&bt, tag, &d->subnet6);
        }
        put_isolation(&bt, tag, d);
        r = batch_commit(&bt);
        if (r < 0)
                return casca_nl_error(
                        nl, r, err,
                        "nftables: add rules of network `%s` to table inet " CASCA_NFT_TABLE,
                        d->name);
        return 0;
}

/* ---- deleting ------------------------------------------------------------- */

struct found_rule {
        char chain[64];
        uint64_t handle;
};

struct find_ctx {
        const char *tag;
        struct found_rule *v;
        size_t n, cap;
        bool oom;
};

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
        const char **out = data;

        if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT) {
                const char *s = nftnl_udata_get(attr);
                uint8_t len = nftnl_udata_len(attr);
                if (len > 0 && s[len - 1] == '\0')
                        *out = s;
        }
        return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
        struct find_ctx *f = data;
        struct nftnl_rule *r = nftnl_rule_alloc();
        const char *comment = NULL, *chain;
        const void *ud;
        uint32_t ud_len = 0;

        if (!r) {
                f->oom = true;
                return MNL_CB_OK;
        }
        if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
                goto out;
        ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &ud_len);
        if (!ud || nftnl_udata_parse(ud, ud_len, comment_cb, &comment) < 0 || !comment ||
            strcmp(comment, f->tag) != 0)
                goto out;
        chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
        if (f->n == f->cap) {
                size_t cap = f->cap ? f->cap * 2 : 8;
                struct found_rule *v = reallocarray(f->v, cap, sizeof(*v));
                if (!v) {
                        f->oom = true;
                        goto out;
                }
                f->v = v;
                f->cap = cap;
        }
        casca_snprintf_trunc(f->v[f->n].chain, sizeof(f->v[f->n].chain), "%s", chain ? chain : "");
        f->v[f->n].handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
        f->n++;
out:
        nftnl_rule_free(r);
        return MNL_CB_OK;
}

/* Dump the table's rules and keep those tagged f->tag.  A dump that a
 * concurrent commit interrupted (EINTR) is started again. */
static int find_rules(struct casca_nl *nl, struct find_ctx *f)
{
        struct nlmsghdr *nlh;
        int r;

        for (int attempt = 0;; attempt++) {
                struct nftnl_rule *filter = nftnl_rule_alloc();

                if (!filter)
                        return -ENOMEM;
                f->n = 0;
                nlh = nftnl_nlmsg_build_hdr(nl->buf, NFT_MSG_GETRULE, NFPROTO_INET,
                                            NLM_F_DUMP | NLM_F_ACK, ++nl->seq);
                nftnl_rule_set_str(filter, NFTNL_RULE_TABLE, CASCA_NFT_TABLE);
                nftnl_rule_nlmsg_build_payload(nlh, filter);
                nftnl_rule_free(filter);
                r = casca_nl_talk(nl, nlh, rule_cb, f);
                if (r == -EINTR && attempt < 100) {
                        usleep(1000 + (unsigned)(rand() % 4000));
                        continue;
                }
                if (r < 0)
                        return r;
                return f->oom ? -ENOMEM : 0;
        }
}

int casca_nat_del(const char *id, struct casca_error **err)
{
        char tag[NFTNL_UDATA_COMMENT_MAXLEN + 8];

        casca_nat_tag(id, tag, sizeof(tag));
        return casca_nat_del_tag(tag, err);
}

int casca_nat_del_tag(const char *tag, struct casca_error **err)
{
        _cleanup_nl_ struct casca_nl *nl = NULL;
        int r, attempt;

        r = casca_nl_open(NETLINK_NETFILTER, -1, &nl, err);
        if (r < 0)
                return r;
        /* A racing teardown of the same id can delete a rule between our dump
         * and our batch (ENOENT): look again. */
        for (attempt = 0;; attempt++) {
                _cleanup_(batch_free) struct batch bt = {0};
                struct find_ctx f = {.tag = tag};

                r = find_rules(nl, &f);
                if (r == -ENOENT) /* no table: nothing to delete */
                        return 0;
                if (r < 0) {
                        free(f.v);
                        return casca_nl_error(nl, r, err,
                                              "nftables: list table inet " CASCA_NFT_TABLE);
                }
                if (f.n == 0)
                        return 0;
                if (batch_start(&bt, nl) < 0) {
                        free(f.v);
                        return casca_error_set(err, ENOMEM, "nftables batch");
                }
                for (size_t i = 0; i < f.n; i++) {
                        struct nftnl_rule *rule = nftnl_rule_alloc();
                        struct nlmsghdr *nlh;
                        if (!rule) {
                                bt.oom = true;
                                break;
                        }
                        nftnl_rule_set_u32(rule, NFTNL_RULE_FAMILY, NFPROTO_INET);
                        nftnl_rule_set_str(rule, NFTNL_RULE_TABLE, CASCA_NFT_TABLE);
                        nftnl_rule_set_str(rule, NFTNL_RULE_CHAIN, f.v[i].chain);
                        nftnl_rule_set_u64(rule, NFTNL_RULE_HANDLE, f.v[i].handle);
                        nlh = batch_msg(&bt, NFT_MSG_DELRULE, 0);
                        nftnl_rule_nlmsg_build_payload(nlh, rule);
                        nftnl_rule_free(rule);
                        batch_next(&bt);
                }
                free(f.v);
                r = batch_commit(&bt);
                if (r == -ENOENT && attempt < 3)
                        continue;
                if (r < 0)
                        return casca_nl_error(nl, r, err, "nftables: delete rules \"%s\"", tag);
                return (int)f.n;
        }
}
