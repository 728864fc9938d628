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
        ok(ci && casca_cloud_init_load(ci, "/nonexistent", "c1", "host1", &err) == 0,
           "load: nothing to read");
        is_str(ci ? ci->part[CASCA_CLOUD_INIT_META_DATA].text : NULL,
               "instance-id: c1\nlocal-hostname: host1\n", "default meta-data");
        casca_cloud_init_free(ci);
        casca_json_free(v);
        return tap_done();
}
