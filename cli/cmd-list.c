/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cmd-list.c - `list`. */
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/format.h"

static const char *owner_name(uid_t uid, char *buf, size_t size)
{
        struct passwd *pw = getpwuid(uid);

        if (pw)
                return pw->pw_name;
        casca_snprintf_trunc(buf, size, "#%u", (unsigned)uid); /* buf holds any */
        return buf;
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
        static const char usage[] = "usage: casca list [--format table|json] [-q]\n\n"
                                    "List the containers under the state root.\n\n"
                                    "  -f, --format table|json  output format (default table)\n"
                                    "  -q, --quiet              print only the ids\n"
                                    "  -h, --help               this help\n";
        struct casca_container_info *v = NULL;
        struct casca_error *err = NULL;
        bool json, quiet;
        char buf[32];
        size_t n = 0;
        int r;

        r = cli_list_options(cli, argc, argv, usage, &json, &quiet);
        if (r >= 0)
                return r;
        if (casca_container_list(&cli->ctx, &v, &n, &err) < 0)
                return cli_fail(cli, err);
        if (quiet) {
                for (size_t i = 0; i < n; i++)
                        printf("%s\n", v[i].id);
        } else if (json) {
                _cleanup_free_ char *doc = NULL;
                struct casca_jgen j;

                if (casca_jgen_init(&j, CASCA_JGEN_NEWLINE, NULL) == 0) {
                        casca_jgen_array_open(&j);
                        for (size_t i = 0; i < n; i++) {
                                casca_jgen_map_open(&j);
                                casca_jgen_kstr(&j, "ociVersion", CASCA_OCI_VERSION);
                                casca_jgen_kstr(&j, "id", v[i].id);
                                casca_jgen_kint(&j, "pid", v[i].pid);
                                casca_jgen_kstr(&j, "status", v[i].status);
                                casca_jgen_kstr(&j, "bundle", v[i].bundle);
                                casca_jgen_kstr(&j, "created", v[i].created);
                                casca_jgen_kstr(&j, "owner",
                                                owner_name(v[i].owner, buf, sizeof(buf)));
                                casca_jgen_map_close(&j);
                        }
                        casca_jgen_array_close(&j);
                        doc = casca_jgen_finish(&j, NULL);
                }
                casca_container_info_free(v, n);
                if (!doc)
                        return cli_failx(cli, "list: cannot generate JSON");
                fputs(doc, stdout);
                return 0;
        } else {
                printf("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
                       "CREATED", "OWNER");
                for (size_t i = 0; i < n; i++)
                        printf("%-20s %-8d %-10s %-40s %-30s %s\n", v[i].id, (int)v[i].pid,
                               v[i].status, v[i].bundle, v[i].created,
                               owner_name(v[i].owner, buf, sizeof(buf)));
        }
        casca_container_info_free(v, n);
        return 0;
}
