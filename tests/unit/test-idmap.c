/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /etc/subuid parsing: by name or by id, comments and bad lines skipped; and
 * whether a uid_map is a user namespace's. */
#include <stdlib.h>

#include "util/cleanup.h"
#include "runtime/idmap.h"
#include "tap.h"

int main(void)
{
        static const char text[] = "# comment\n"
                                   "alice:100000:65536\n"
                                   "bob:165536:65536\n"
                                   "1001:300000:10\n"
                                   "alice:bad:5\n"
                                   "alice:500000:0\n"
                                   "alice:4294967295:2\n"
                                   "alice:-1:5\n"
                                   "alice\n"
                                   "alice:700000:100";
        _cleanup_free_ struct casca_subid_range *v = NULL;
        size_t n = 0;

        is_int(casca_subid_parse(text, "alice", 1001, &v, &n), 0, "parse");
        is_int((long long)n, 3, "alice's two lines and her uid's line; bad ones skipped");
        if (n == 3) {
                is_int(v[0].start, 100000, "first range start");
                is_int(v[0].count, 65536, "first range count");
                is_int(v[1].start, 300000, "the numeric entry");
                is_int(v[2].start, 700000, "a last line without newline");
                is_int(v[2].count, 100, "its count");
        }
        free(v);
        v = NULL;
        is_int(casca_subid_parse(text, "carol", 2000, &v, &n), 0, "parse for another user");
        is_int((long long)n, 0, "no range for carol");
        is_int(casca_subid_parse("", NULL, 0, &v, &n), 0, "empty file");
        is_int((long long)n, 0, "no range");

        /* /proc/self/uid_map: the initial namespace's line, and others */
        ok(!casca_idmap_uid_map_is_userns("         0          0 4294967295\n"),
           "0 0 4294967295 is the initial user namespace");
        ok(casca_idmap_uid_map_is_userns("         0       1000          1\n"
                                         "         1     100000      65536\n"),
           "rootless podman's namespace (user to 0, its range from 1)");
        ok(casca_idmap_uid_map_is_userns("         0          0          1\n"),
           "`unshare -r` as root: 0 to 0 alone");
        ok(casca_idmap_uid_map_is_userns(""), "an empty map (not written yet) is a namespace's");
        return tap_done();
}
