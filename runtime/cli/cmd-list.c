/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cmd-list.c - `list`. */
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void json_str(const char *s)
{
        putchar('"');
        for (; *s; s++) {
                if (*s == '"' || *s == '\\')
                        putchar('\\');
                putchar(*s);
        }
        putchar('"');
}

static const char *owner_name(uid_t uid, char *buf, size_t size)
{
        struct passwd *pw = getpwuid(uid);

        if (pw)
                return pw->pw_name;
        snprintf(buf, size, "#%u", (unsigned)uid);
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
                putchar('[');
                for (size_t i = 0; i < n; i++) {
                        printf("%s{\"ociVersion\":\"%s\",\"id\":", i ? "," : "", CASCA_OCI_VERSION);
                        json_str(v[i].id);
                        printf(",\"pid\":%d,\"status\":\"%s\",\"bundle\":", (int)v[i].pid,
                               v[i].status);
                        json_str(v[i].bundle);
                        printf(",\"created\":");
                        json_str(v[i].created);
                        printf(",\"owner\":");
                        json_str(owner_name(v[i].owner, buf, sizeof(buf)));
                        putchar('}');
                }
                printf("]\n");
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
