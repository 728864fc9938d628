/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-spec-network.c - `casca spec --network bridge`: the casca.network
 * section round-trips through the config parser with the defaults. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "casca.h"
#include "netns/netconf.h"
#include "runtime/config.h"
#include "runtime/spec.h"
#include "tap.h"
#include "util/cleanup.h"

static void test_bridge(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        const struct casca_spec_options o = {.network = CASCA_SPEC_NETWORK_BRIDGE};
        _cleanup_free_ char *json = casca_spec_generate(&o, &err);
        struct casca_config *c;

        ok(json, "bridge spec generated");
        c = json ? casca_config_parse(json, strlen(json), &err) : NULL;
        if (ok(c && c->network, "casca.network parsed")) {
                const struct casca_netconf *n = c->network;

                is_str(n->network, "default", "the network default");
                is_str(n->interface, "eth0", "interface eth0");
                ok(!n->nat && n->n_ports == 0 && !n->has_address && !n->has_dns, "no ports");
                ok(c->linux_cfg.namespaces[CASCA_NS_NETWORK].present &&
                           !c->linux_cfg.namespaces[CASCA_NS_NETWORK].path,
                   "a new network namespace");
        }
        casca_config_free(c);
}

static void test_none_and_rootless(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        const struct casca_spec_options none_o = {.network = CASCA_SPEC_NETWORK_NONE};
        const struct casca_spec_options def_o = {0};
        const struct casca_spec_options rl_o = {.rootless = true,
                                                .network = CASCA_SPEC_NETWORK_BRIDGE};
        _cleanup_free_ char *none = casca_spec_generate(&none_o, &err);
        _cleanup_free_ char *def = casca_spec_generate(&def_o, NULL);
        char *rl;

        ok(none && def && strcmp(none, def) == 0, "none is the default spec");
        ok(none && !strstr(none, "\"casca\": {"), "no casca section");
        rl = casca_spec_generate(&rl_o, &err);
        ok(!rl && err && err->code == EINVAL && strstr(err->msg, "rootless"),
           "bridge with rootless is refused: %s", err ? err->msg : "");
        free(rl);
}

int main(void)
{
        test_bridge();
        test_none_and_rootless();
        return tap_done();
}
