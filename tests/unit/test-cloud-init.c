/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-cloud-init.c - casca.cloudInit: the YAML check and the default
 * meta-data (runtime/cloud-init.c). */
#include <errno.h>
#include <string.h>

#include "runtime/cloud-init.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/json.h"

static const char *check(const char *text)
{
        static char msg[512];
        struct casca_error *err = NULL;

        if (casca_cloud_init_check_yaml(text, strlen(text), "f", &err) == 0)
                return "ok";
        snprintf(msg, sizeof(msg), "%s", err->msg);
        casca_error_free(err);
        return msg;
}

int main(void)
{
        struct casca_cloud_init *ci = NULL;
        struct casca_error *err = NULL;
        struct casca_json *v;

        is_str(check("#cloud-config\nusers:\n  - name: a\n    shell: /bin/sh\n"), "ok",
               "a cloud-config mapping");
        is_str(check(""), "ok", "an empty document");
        is_str(check("#cloud-config\n"), "ok", "only the header comment");
        is_str(check("a: 1\nb:\n  - [x, y]\n"), "ok", "flow sequences");
        is_str(check("users:\n  - name: a\n   shell: /bin/sh\n"),
               "f: invalid YAML at line 3, column 4: did not find expected '-' indicator",
               "bad indentation: line and column");
        is_str(check("a: [1, 2\n"),
               "f: invalid YAML at line 2, column 1: did not find expected ',' or ']'",
               "an unclosed flow sequence");
        is_str(check("- a\n- b\n"), "f: the top level must be a YAML mapping (line 1)",
               "a list at the top");
        is_str(check("just text\n"), "f: the top level must be a YAML mapping (line 1)",
               "a scalar at the top");
        is_str(check("a: 1\n---\nb: 2\n"), "f: 2 YAML documents, cloud-init reads one",
               "two documents");

        static const char doc[] = "{\"userData\": \"#cloud-config\\n\"}";

        v = casca_json_parse(doc, strlen(doc), &err);
        ok(v && casca_cloud_init_parse(v, &ci, &err) == 0, "parse inline userData");
        ok(ci && casca_cloud_init_load(ci, "/nonexistent", "c1", "host1", NULL, &err) == 0,
           "load: nothing to read");
        is_str(ci ? ci->part[CASCA_CLOUD_INIT_META_DATA].text : NULL,
               "instance-id: c1\nlocal-hostname: host1\n", "default meta-data");
        ok(ci && !ci->part[CASCA_CLOUD_INIT_NETWORK_CONFIG].present,
           "no casca network: no network-config");
        casca_cloud_init_free(ci);
        ci = NULL;
        /* with casca's network: casca's network-config, the disabled form */
        ok(v && casca_cloud_init_parse(v, &ci, &err) == 0 &&
                   casca_cloud_init_load(ci, "/nonexistent", "c1", NULL, "eth0", &err) == 0,
           "load with casca's network");
        is_str(ci ? ci->part[CASCA_CLOUD_INIT_NETWORK_CONFIG].text : NULL, CASCA_CLOUD_INIT_NET_OFF,
               "casca writes the disabled network-config");
        casca_cloud_init_free(ci);
        ci = NULL;
        casca_json_free(v);

        /* as cloud-init reads it: net.is_disabled_cfg() after
         * _remove_top_level_network_key() */
#define OFF(t) casca_cloud_init_net_disabled(t, strlen(t))
        ok(OFF(CASCA_CLOUD_INIT_NET_OFF), "casca's own text is the disabled form");
        ok(OFF("config: disabled\n"), "config: disabled");
        ok(OFF("config: \"disabled\"\n"), "quoted");
        ok(OFF("network:\n  config: disabled\n"), "under a top-level network key");
        ok(OFF("network: {config: disabled}\n"), "flow style");
        ok(!OFF("config: enabled\n"), "not disabled");
        ok(!OFF("version: 2\nethernets:\n  eth0: {dhcp4: true}\n"), "a v2 config");
        ok(!OFF("network:\n  version: 1\nconfig: disabled\n"),
           "a network key wins over the top level (as cloud-init reads it)");
        ok(!OFF("network: disabled\n"), "network: disabled is not the form");
        ok(!OFF(""), "empty");
        ok(!OFF("config: [disabled]\n"), "a list");

        static const char bad[] = "{\"networkConfig\": \"version: 2\\nethernets: {}\\n\"}";
        static const char off[] = "{\"networkConfig\": \"network:\\n  config: disabled\\n\"}";

        v = casca_json_parse(bad, strlen(bad), &err);
        ok(v && casca_cloud_init_parse(v, &ci, &err) == 0, "parse networkConfig");
        ok(ci && casca_cloud_init_load(ci, "/nonexistent", "c1", NULL, NULL, &err) == 0,
           "a networkConfig without casca's network is the user's");
        ok(ci && casca_cloud_init_load(ci, "/nonexistent", "c1", NULL, "eth1", &err) == -EINVAL,
           "beside casca's network: refused");
        ok(err && strstr(err->msg, "casca.cloudInit.networkConfig: casca.network configures "
                                   "eth1 already"),
           "the error names both fields and the interface");
        casca_error_free(err);
        err = NULL;
        casca_cloud_init_free(ci);
        ci = NULL;
        casca_json_free(v);
        v = casca_json_parse(off, strlen(off), &err);
        ok(v && casca_cloud_init_parse(v, &ci, &err) == 0 &&
                   casca_cloud_init_load(ci, "/nonexistent", "c1", NULL, "eth0", &err) == 0,
           "the disabled form beside casca's network is taken");
        is_str(ci ? ci->part[CASCA_CLOUD_INIT_NETWORK_CONFIG].text : NULL,
               "network:\n  config: disabled\n", "as given");
        casca_cloud_init_free(ci);
        casca_json_free(v);
        return tap_done();
}
