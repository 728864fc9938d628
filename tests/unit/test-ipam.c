/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ipam.c - the lease store: order, exhaustion, release, and 100 forked
 * processes allocating at once (no kernel networking needed). */
#include <dirent.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "casca.h"
#include "netns/internal.h"
#include "tap.h"
#include "util/cleanup.h"

static char root[] = "/tmp/casca-test-ipam-XXXXXX";

static const char *alloc(const char *dir, const char *subnet, const char *owner, int *ret_r)
{
        static char buf[8][128];
        static int slot;
        struct casca_error *err = NULL;
        struct casca_cidr c;
        struct casca_ip gw, ip;
        char *out = buf[slot++ % 8];

        casca_cidr_parse(subnet, &c);
        casca_cidr_nth(&c, 1, &gw);
        *ret_r = casca_ipam_allocate(dir, &c, &gw, NULL, owner, &ip, &err);
        if (*ret_r < 0) {
                snprintf(out, 128, "%s", err ? err->msg : "?");
                casca_error_free(err);
                return out;
        }
        return casca_ip_format(&ip, out, CASCA_IP_STRLEN);
}

static int release(const char *dir, const char *addr, const char *owner)
{
        struct casca_error *err = NULL;
        struct casca_ip ip;
        int r;

        casca_ip_parse(addr, &ip);
        r = casca_ipam_release(dir, &ip, owner, &err);
        casca_error_free(err);
        return r;
}

static int count_leases(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        struct casca_ip ip;
        int n = 0;

        while (d && (de = readdir(d)))
                if (casca_ip_parse(de->d_name, &ip) == 0)
                        n++;
        return n;
}

static char *path(const char *name)
{
        char *p = NULL;
        if (asprintf(&p, "%s/%s", root, name) < 0)
                abort();
        return p;
}

static void test_order(void)
{
        _cleanup_free_ char *dir = path("order");
        int r;

        is_str(alloc(dir, "10.0.0.0/29", "a", &r), "10.0.0.2", "first lease skips the gateway");
        is_str(alloc(dir, "10.0.0.0/29", "b", &r), "10.0.0.3", "then in order");
        is_str(alloc(dir, "10.0.0.0/29", "c", &r), "10.0.0.4", "and the next");
        is_int(release(dir, "10.0.0.3", "b"), 0, "release 10.0.0.3");
        is_str(alloc(dir, "10.0.0.0/29", "d", &r), "10.0.0.5",
               "round robin: a released address is not reused at once");
        is_str(alloc(dir, "10.0.0.0/29", "e", &r), "10.0.0.6", "last host (.7 is broadcast)");
        is_str(alloc(dir, "10.0.0.0/29", "f", &r), "10.0.0.3", "wraps to the released address");
        is_str(alloc(dir, "10.0.0.0/29", "g", &r),
               "casca.network: subnet 10.0.0.0/29 has no free address", "exhausted");
        is_int(r, -ENOSPC, "exhaustion is -ENOSPC");
        is_int(count_leases(dir), 5, "five leases on disk");

        is_int(release(dir, "10.0.0.4", "not-c"), 0, "release by another owner succeeds...");
        is_int(count_leases(dir), 5, "...but leaves the lease alone");
        is_int(release(dir, "10.0.0.4", "c"), 0, "release by its owner");
        is_int(count_leases(dir), 4, "lease gone");
        is_int(release(dir, "10.0.0.4", "c"), 0, "releasing a free address is fine");
        is_str(alloc(dir, "10.0.0.0/29", "h", &r), "10.0.0.4", "the freed address is found");
}

static void test_requested(void)
{
        _cleanup_free_ char *dir = path("requested");
        struct casca_error *err = NULL;
        struct casca_cidr c;
        struct casca_ip gw, want, got;
        int r;

        casca_cidr_parse("10.1.0.0/24", &c);
        casca_ip_parse("10.1.0.1", &gw);
        casca_ip_parse("10.1.0.50", &want);
        r = casca_ipam_allocate(dir, &c, &gw, &want, "x", &got, &err);
        ok(r == 0 && casca_ip_equal(&got, &want), "a requested address is leased");
        r = casca_ipam_allocate(dir, &c, &gw, &want, "y", &got, &err);
        is_int(r, -EADDRINUSE, "requesting a leased address fails");
        is_str(err ? err->msg : NULL, "casca.network: address 10.1.0.50 is already leased to `x`",
               "and says who holds it");
        casca_error_free(err);
        err = NULL;
        r = casca_ipam_release_owner(dir, "x", &err);
        ok(r == 0 && count_leases(dir) == 0, "release_owner drops the owner's leases");
        casca_error_free(err);
}

static int count_entries(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;

        while (d && (de = readdir(d)))
                if (strncmp(de->d_name, "tcp.", 4) == 0 || strncmp(de->d_name, "udp.", 4) == 0)
                        n++;
        return n;
}

static void test_ports(void)
{
        _cleanup_free_ char *dir = path(CASCA_PORTS_DIR);
        struct casca_port_mapping a[] = {
                {.host_port = 8080, .container_port = 80, .protocol = IPPROTO_TCP},
                {.host_port = 53,
                 .container_port = 53,
                 .protocol = IPPROTO_UDP,
                 .has_host_ip = true},
        };
        struct casca_port_mapping b[] = {
                {.host_port = 8080, .container_port = 80, .protocol = IPPROTO_UDP},
                {.host_port = 53, .container_port = 53, .protocol = IPPROTO_UDP},
                {.host_port = 8080, .container_port = 81, .protocol = IPPROTO_TCP},
        };
        struct casca_netconf na = {.ports = a, .n_ports = 2}, nb = {.ports = b, .n_ports = 3};
        struct casca_error *err = NULL;
        int r;

        casca_ip_parse("192.168.1.5", &a[1].host_ip);
        r = casca_ipam_reserve_ports(dir, &na, "a", &err);
        ok(r == 0 && count_entries(dir) == 2, "ports are reserved, one entry each");
        r = casca_ipam_reserve_ports(dir, &nb, "b", &err);
        is_int(r, -EADDRINUSE, "a port another owner has fails");
        is_str(err ? err->msg : NULL,
               "casca.network.ports[2].hostPort: 8080/tcp is already published by container `a`",
               "naming the entry, the port and the owner");
        casca_error_free(err);
        err = NULL;
        ok(count_entries(dir) == 4, "another protocol or host address is free");
        b[2].has_host_ip = true;
        casca_ip_parse("192.168.1.5", &b[2].host_ip);
        r = casca_ipam_release_owner(dir, "b", &err);
        ok(r == 0 && count_entries(dir) == 2, "release_owner drops only the owner's ports");
        nb.ports = &b[2];
        nb.n_ports = 1;
        r = casca_ipam_reserve_ports(dir, &nb, "b", &err);
        ok(r == 0 && count_entries(dir) == 3, "the same port on another host address is free");
        casca_error_free(err);
        err = NULL;
        r = casca_ipam_release_owner(dir, "a", &err);
        r = r < 0 ? r : casca_ipam_release_owner(dir, "b", &err);
        ok(r == 0 && count_entries(dir) == 0, "and every reservation goes with its owner");
        casca_error_free(err);
}

static void test_small_and_v6(void)
{
        _cleanup_free_ char *d30 = path("slash30"), *d6 = path("v6");
        int r;

        is_str(alloc(d30, "10.88.0.0/30", "one", &r), "10.88.0.2", "/30 has one address");
        is_str(alloc(d30, "10.88.0.0/30", "two", &r),
               "casca.network: subnet 10.88.0.0/30 has no free address", "/30 exhausted message");
        is_str(alloc(d6, "fd88::/64", "a", &r), "fd88::2", "v6 first lease");
        is_str(alloc(d6, "fd88::/64", "b", &r), "fd88::3", "v6 second lease");
        is_str(alloc(d6, "fd88::/126", "c", &r),
               "casca.network: subnet fd88::/126 has no free address",
               "v6 /126 (::1 gateway, ::2 and ::3 taken) is exhausted");
}

/* n children allocate at once; returns how many succeeded and checks for
 * duplicates among the addresses they report through a pipe. */
static int parallel(const char *dir, const char *subnet, int n, int *ret_dups, int *ret_fail)
{
        char(*addrs)[CASCA_IP_STRLEN] = calloc((size_t)n, CASCA_IP_STRLEN);
        int fds[2], got = 0, dups = 0, failed = 0;
        char line[128];
        FILE *f;

        if (!addrs || pipe(fds) < 0)
                abort();
        for (int i = 0; i < n; i++) {
                pid_t pid = fork();
                if (pid < 0)
                        abort();
                if (pid == 0) {
                        char owner[32];
                        int r;
                        const char *a;
                        close(fds[0]);
                        snprintf(owner, sizeof(owner), "proc-%d", i);
                        a = alloc(dir, subnet, owner, &r);
                        dprintf(fds[1], "%s\n", r == 0 ? a : "FAIL");
                        _exit(r == 0 || r == -ENOSPC ? 0 : 1);
                }
        }
        close(fds[1]);
        f = fdopen(fds[0], "r");
        while (f && fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                if (strcmp(line, "FAIL") == 0) {
                        failed++;
                        continue;
                }
                for (int j = 0; j < got; j++)
                        if (strcmp(addrs[j], line) == 0)
                                dups++;
                if (got < n)
                        snprintf(addrs[got++], CASCA_IP_STRLEN, "%.45s", line);
        }
        if (f)
                fclose(f);
        for (int i = 0; i < n; i++) {
                int status;
                if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        failed += 1000; /* a child crashed or failed for another reason */
        }
        free(addrs);
        *ret_dups = dups;
        *ret_fail = failed;
        return got;
}

static void test_parallel(void)
{
        _cleanup_free_ char *d1 = path("parallel"), *d2 = path("parallel-exhaust");
        int dups, failed, got;

        got = parallel(d1, "10.99.0.0/24", 100, &dups, &failed);
        is_int(got, 100, "100 parallel processes all got an address");
        is_int(dups, 0, "no duplicate among them");
        is_int(failed, 0, "no failure");
        is_int(count_leases(d1), 100, "100 lease files");

        /* /26: 62 hosts minus the gateway = 61 addresses for 100 takers */
        got = parallel(d2, "10.98.0.0/26", 100, &dups, &failed);
        is_int(got, 61, "a /26 hands out exactly 61 addresses to 100 racing processes");
        is_int(dups, 0, "no duplicate under exhaustion");
        is_int(failed, 39, "the other 39 see exhaustion");
}

static int rm_rf(const char *p)
{
        _cleanup_closedir_ DIR *d = opendir(p);
        struct dirent *de;

        while (d && (de = readdir(d))) {
                _cleanup_free_ char *c = NULL;
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                if (asprintf(&c, "%s/%s", p, de->d_name) < 0)
                        return -1;
                if (de->d_type == DT_DIR)
                        rm_rf(c);
                else
                        unlink(c);
        }
        return rmdir(p);
}

int main(void)
{
        if (!mkdtemp(root)) {
                perror("mkdtemp");
                return 1;
        }
        test_order();
        test_requested();
        test_ports();
        test_small_and_v6();
        test_parallel();
        rm_rf(root);
        return tap_done();
}
