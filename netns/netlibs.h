/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netlibs.h - libmnl and libnftnl, loaded by casca_nl_open() the first time
 * a netlink socket is opened, not by the dynamic loader at every start
 * (util/dl.h says why).  Included by netns/internal.h: after it, a call such
 * as mnl_attr_put(...) goes through the pointer casca_netlibs_load() filled;
 * the prototypes come from the libraries' own headers, included here first,
 * so the compiler checks every call as before. */
#ifndef CASCA_NETNS_NETLIBS_H
#define CASCA_NETNS_NETLIBS_H

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "casca.h"
#include "util/dl.h"

/* every function of the two libraries netns/ calls */
#define CASCA_MNL_FUNCS(X)                                                                         \
        X(mnl_attr_get_payload)                                                                    \
        X(mnl_attr_get_payload_len)                                                                \
        X(mnl_attr_get_str)                                                                        \
        X(mnl_attr_get_type)                                                                       \
        X(mnl_attr_get_u32)                                                                        \
        X(mnl_attr_nest_end)                                                                       \
        X(mnl_attr_nest_start)                                                                     \
        X(mnl_attr_next)                                                                           \
        X(mnl_attr_ok)                                                                             \
        X(mnl_attr_parse)                                                                          \
        X(mnl_attr_parse_nested)                                                                   \
        X(mnl_attr_put)                                                                            \
        X(mnl_attr_put_strz)                                                                       \
        X(mnl_attr_put_u16)                                                                        \
        X(mnl_attr_put_u32)                                                                        \
        X(mnl_attr_put_u8)                                                                         \
        X(mnl_attr_validate)                                                                       \
        X(mnl_cb_run2)                                                                             \
        X(mnl_nlmsg_get_payload)                                                                   \
        X(mnl_nlmsg_get_payload_offset)                                                            \
        X(mnl_nlmsg_get_payload_tail)                                                              \
        X(mnl_nlmsg_next)                                                                          \
        X(mnl_nlmsg_ok)                                                                            \
        X(mnl_nlmsg_put_extra_header)                                                              \
        X(mnl_nlmsg_put_header)                                                                    \
        X(mnl_nlmsg_size)                                                                          \
        X(mnl_socket_bind)                                                                         \
        X(mnl_socket_close)                                                                        \
        X(mnl_socket_get_fd)                                                                       \
        X(mnl_socket_get_portid)                                                                   \
        X(mnl_socket_open2)                                                                        \
        X(mnl_socket_recvfrom)                                                                     \
        X(mnl_socket_sendto)                                                                       \
        X(mnl_socket_setsockopt)

#define CASCA_NFTNL_FUNCS(X)                                                                       \
        X(nftnl_batch_alloc)                                                                       \
        X(nftnl_batch_begin)                                                                       \
        X(nftnl_batch_buffer)                                                                      \
        X(nftnl_batch_end)                                                                         \
        X(nftnl_batch_free)                                                                        \
        X(nftnl_batch_iovec)                                                                       \
        X(nftnl_batch_iovec_len)                                                                   \
        X(nftnl_batch_update)                                                                      \
        X(nftnl_chain_alloc)                                                                       \
        X(nftnl_chain_free)                                                                        \
        X(nftnl_chain_nlmsg_build_payload)                                                         \
        X(nftnl_chain_set_s32)                                                                     \
        X(nftnl_chain_set_str)                                                                     \
        X(nftnl_chain_set_u32)                                                                     \
        X(nftnl_expr_alloc)                                                                        \
        X(nftnl_expr_set)                                                                          \
        X(nftnl_expr_set_u32)                                                                      \
        X(nftnl_nlmsg_build_hdr)                                                                   \
        X(nftnl_rule_add_expr)                                                                     \
        X(nftnl_rule_alloc)                                                                        \
        X(nftnl_rule_free)                                                                         \
        X(nftnl_rule_get_data)                                                                     \
        X(nftnl_rule_get_str)                                                                      \
        X(nftnl_rule_get_u64)                                                                      \
        X(nftnl_rule_nlmsg_build_payload)                                                          \
        X(nftnl_rule_nlmsg_parse)                                                                  \
        X(nftnl_rule_set_data)                                                                     \
        X(nftnl_rule_set_str)                                                                      \
        X(nftnl_rule_set_u32)                                                                      \
        X(nftnl_rule_set_u64)                                                                      \
        X(nftnl_table_alloc)                                                                       \
        X(nftnl_table_free)                                                                        \
        X(nftnl_table_nlmsg_build_payload)                                                         \
        X(nftnl_table_set_str)                                                                     \
        X(nftnl_table_set_u32)                                                                     \
        X(nftnl_udata_buf_alloc)                                                                   \
        X(nftnl_udata_buf_data)                                                                    \
        X(nftnl_udata_buf_free)                                                                    \
        X(nftnl_udata_buf_len)                                                                     \
        X(nftnl_udata_get)                                                                         \
        X(nftnl_udata_len)                                                                         \
        X(nftnl_udata_parse)                                                                       \
        X(nftnl_udata_put_strz)                                                                    \
        X(nftnl_udata_type)

/* members f_NAME: pasted, so that a NAME already redirected stays a name */
#define CASCA_NETLIBS_PTR(name) __typeof__(name) *f_##name;
struct casca_mnl_fns {
        CASCA_MNL_FUNCS(CASCA_NETLIBS_PTR)
};
struct casca_nftnl_fns {
        CASCA_NFTNL_FUNCS(CASCA_NETLIBS_PTR)
};
#undef CASCA_NETLIBS_PTR

extern struct casca_mnl_fns casca_mnl_fns;
extern struct casca_nftnl_fns casca_nftnl_fns;
extern struct casca_dl casca_mnl_lib, casca_nftnl_lib;

/* Load libmnl, and libnftnl with it when nftables is asked for (bus
 * NETLINK_NETFILTER); casca_nl_open() does it.  0 or -1 with err set. */
int casca_netlibs_load(int bus, struct casca_error **err);

/* From here on the library names mean the loaded functions. */
#define CASCA_MNL_REDIRECT(name) (casca_dl_check(&casca_mnl_lib), casca_mnl_fns.f_##name)
#define CASCA_NFTNL_REDIRECT(name) (casca_dl_check(&casca_nftnl_lib), casca_nftnl_fns.f_##name)
#define mnl_attr_get_payload CASCA_MNL_REDIRECT(mnl_attr_get_payload)
#define mnl_attr_get_payload_len CASCA_MNL_REDIRECT(mnl_attr_get_payload_len)
#define mnl_attr_get_str CASCA_MNL_REDIRECT(mnl_attr_get_str)
#define mnl_attr_get_type CASCA_MNL_REDIRECT(mnl_attr_get_type)
#define mnl_attr_get_u32 CASCA_MNL_REDIRECT(mnl_attr_get_u32)
#define mnl_attr_nest_end CASCA_MNL_REDIRECT(mnl_attr_nest_end)
#define mnl_attr_nest_start CASCA_MNL_REDIRECT(mnl_attr_nest_start)
#define mnl_attr_next CASCA_MNL_REDIRECT(mnl_attr_next)
#define mnl_attr_ok CASCA_MNL_REDIRECT(mnl_attr_ok)
#define mnl_attr_parse CASCA_MNL_REDIRECT(mnl_attr_parse)
#define mnl_attr_parse_nested CASCA_MNL_REDIRECT(mnl_attr_parse_nested)
#define mnl_attr_put CASCA_MNL_REDIRECT(mnl_attr_put)
#define mnl_attr_put_strz CASCA_MNL_REDIRECT(mnl_attr_put_strz)
#define mnl_attr_put_u16 CASCA_MNL_REDIRECT(mnl_attr_put_u16)
#define mnl_attr_put_u32 CASCA_MNL_REDIRECT(mnl_attr_put_u32)
#define mnl_attr_put_u8 CASCA_MNL_REDIRECT(mnl_attr_put_u8)
#define mnl_attr_validate CASCA_MNL_REDIRECT(mnl_attr_validate)
#define mnl_cb_run2 CASCA_MNL_REDIRECT(mnl_cb_run2)
#define mnl_nlmsg_get_payload CASCA_MNL_REDIRECT(mnl_nlmsg_get_payload)
#define mnl_nlmsg_get_payload_offset CASCA_MNL_REDIRECT(mnl_nlmsg_get_payload_offset)
#define mnl_nlmsg_get_payload_tail CASCA_MNL_REDIRECT(mnl_nlmsg_get_payload_tail)
#define mnl_nlmsg_next CASCA_MNL_REDIRECT(mnl_nlmsg_next)
#define mnl_nlmsg_ok CASCA_MNL_REDIRECT(mnl_nlmsg_ok)
#define mnl_nlmsg_put_extra_header CASCA_MNL_REDIRECT(mnl_nlmsg_put_extra_header)
#define mnl_nlmsg_put_header CASCA_MNL_REDIRECT(mnl_nlmsg_put_header)
#define mnl_nlmsg_size CASCA_MNL_REDIRECT(mnl_nlmsg_size)
#define mnl_socket_bind CASCA_MNL_REDIRECT(mnl_socket_bind)
#define mnl_socket_close CASCA_MNL_REDIRECT(mnl_socket_close)
#define mnl_socket_get_fd CASCA_MNL_REDIRECT(mnl_socket_get_fd)
#define mnl_socket_get_portid CASCA_MNL_REDIRECT(mnl_socket_get_portid)
#define mnl_socket_open2 CASCA_MNL_REDIRECT(mnl_socket_open2)
#define mnl_socket_recvfrom CASCA_MNL_REDIRECT(mnl_socket_recvfrom)
#define mnl_socket_sendto CASCA_MNL_REDIRECT(mnl_socket_sendto)
#define mnl_socket_setsockopt CASCA_MNL_REDIRECT(mnl_socket_setsockopt)
#define nftnl_batch_alloc CASCA_NFTNL_REDIRECT(nftnl_batch_alloc)
#define nftnl_batch_begin CASCA_NFTNL_REDIRECT(nftnl_batch_begin)
#define nftnl_batch_buffer CASCA_NFTNL_REDIRECT(nftnl_batch_buffer)
#define nftnl_batch_end CASCA_NFTNL_REDIRECT(nftnl_batch_end)
#define nftnl_batch_free CASCA_NFTNL_REDIRECT(nftnl_batch_free)
#define nftnl_batch_iovec CASCA_NFTNL_REDIRECT(nftnl_batch_iovec)
#define nftnl_batch_iovec_len CASCA_NFTNL_REDIRECT(nftnl_batch_iovec_len)
#define nftnl_batch_update CASCA_NFTNL_REDIRECT(nftnl_batch_update)
#define nftnl_chain_alloc CASCA_NFTNL_REDIRECT(nftnl_chain_alloc)
#define nftnl_chain_free CASCA_NFTNL_REDIRECT(nftnl_chain_free)
#define nftnl_chain_nlmsg_build_payload CASCA_NFTNL_REDIRECT(nftnl_chain_nlmsg_build_payload)
#define nftnl_chain_set_s32 CASCA_NFTNL_REDIRECT(nftnl_chain_set_s32)
#define nftnl_chain_set_str CASCA_NFTNL_REDIRECT(nftnl_chain_set_str)
#define nftnl_chain_set_u32 CASCA_NFTNL_REDIRECT(nftnl_chain_set_u32)
#define nftnl_expr_alloc CASCA_NFTNL_REDIRECT(nftnl_expr_alloc)
#define nftnl_expr_set CASCA_NFTNL_REDIRECT(nftnl_expr_set)
#define nftnl_expr_set_u32 CASCA_NFTNL_REDIRECT(nftnl_expr_set_u32)
#define nftnl_nlmsg_build_hdr CASCA_NFTNL_REDIRECT(nftnl_nlmsg_build_hdr)
#define nftnl_rule_add_expr CASCA_NFTNL_REDIRECT(nftnl_rule_add_expr)
#define nftnl_rule_alloc CASCA_NFTNL_REDIRECT(nftnl_rule_alloc)
#define nftnl_rule_free CASCA_NFTNL_REDIRECT(nftnl_rule_free)
#define nftnl_rule_get_data CASCA_NFTNL_REDIRECT(nftnl_rule_get_data)
#define nftnl_rule_get_str CASCA_NFTNL_REDIRECT(nftnl_rule_get_str)
#define nftnl_rule_get_u64 CASCA_NFTNL_REDIRECT(nftnl_rule_get_u64)
#define nftnl_rule_nlmsg_build_payload CASCA_NFTNL_REDIRECT(nftnl_rule_nlmsg_build_payload)
#define nftnl_rule_nlmsg_parse CASCA_NFTNL_REDIRECT(nftnl_rule_nlmsg_parse)
#define nftnl_rule_set_data CASCA_NFTNL_REDIRECT(nftnl_rule_set_data)
#define nftnl_rule_set_str CASCA_NFTNL_REDIRECT(nftnl_rule_set_str)
#define nftnl_rule_set_u32 CASCA_NFTNL_REDIRECT(nftnl_rule_set_u32)
#define nftnl_rule_set_u64 CASCA_NFTNL_REDIRECT(nftnl_rule_set_u64)
#define nftnl_table_alloc CASCA_NFTNL_REDIRECT(nftnl_table_alloc)
#define nftnl_table_free CASCA_NFTNL_REDIRECT(nftnl_table_free)
#define nftnl_table_nlmsg_build_payload CASCA_NFTNL_REDIRECT(nftnl_table_nlmsg_build_payload)
#define nftnl_table_set_str CASCA_NFTNL_REDIRECT(nftnl_table_set_str)
#define nftnl_table_set_u32 CASCA_NFTNL_REDIRECT(nftnl_table_set_u32)
#define nftnl_udata_buf_alloc CASCA_NFTNL_REDIRECT(nftnl_udata_buf_alloc)
#define nftnl_udata_buf_data CASCA_NFTNL_REDIRECT(nftnl_udata_buf_data)
#define nftnl_udata_buf_free CASCA_NFTNL_REDIRECT(nftnl_udata_buf_free)
#define nftnl_udata_buf_len CASCA_NFTNL_REDIRECT(nftnl_udata_buf_len)
#define nftnl_udata_get CASCA_NFTNL_REDIRECT(nftnl_udata_get)
#define nftnl_udata_len CASCA_NFTNL_REDIRECT(nftnl_udata_len)
#define nftnl_udata_parse CASCA_NFTNL_REDIRECT(nftnl_udata_parse)
#define nftnl_udata_put_strz CASCA_NFTNL_REDIRECT(nftnl_udata_put_strz)
#define nftnl_udata_type CASCA_NFTNL_REDIRECT(nftnl_udata_type)

#endif
