/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ipam.c - address leases in a directory (e.g. <state_root>/ipam/<bridge>/).
 *
 * One file per leased address, named by its text form and holding the owner
 * id, created with O_EXCL (a lease can never be handed out twice, even by
 * processes that do not take the lock); a "lock" file serialises allocators
 * with flock(), so that the round-robin cursor ("last.4", "last.6") is read and
 * advanced by one allocator at a time.
 *
 * Published host ports are leases of the same kind in one directory for
 * the whole host (CASCA_PORTS_DIR beside the bridges' ones), named
 * "<tcp|udp>.<hostPort>.<hostIP|any>" and holding the owner id, so that a
 * second container cannot publish a port another one has. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/format.h"

/* IPv6 subnets are huge: look at no more than this many candidates. */
#define IPAM_MAX_SCAN (UINT64_C(1) << 20)

/* Open dir (creating it) and take its lock.  Returns the dir fd; *ret_lock
 * holds the lock until closed. */
static int ipam_open(const char *dir, int *ret_lock, struct casca_error **err)
{
        _cleanup_close_ int dfd = -1, lfd = -1;
        int r;

        r = casca_fs_mkdir_p(dir, 0700, err);
        if (r < 0)
                return r;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return casca_error_set(err, errno, "open `%s`", dir);
        lfd = openat(dfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lfd < 0)
                return casca_error_set(err, errno, "open `%s/lock`", dir);
        while (flock(lfd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return casca_error_set(err, errno, "lock `%s/lock`", dir);
        *ret_lock = TAKE_FD(lfd);
        return TAKE_FD(dfd);
}

/* Read a small file into buf (NUL-terminated, trailing newline dropped). */
static int read_small(int dfd, const char *name, char *buf, size_t size)
{
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

/* Write a whole small file: tmp + rename, so readers never see half of it. */
static int write_small(int dfd, const char *name, const char *content)
{
        char tmp[NAME_MAX + 1];
        _cleanup_close_ int fd = -1;
        size_t len = strlen(content);

        if (casca_snprintf(tmp, sizeof(tmp), ".%s.tmp", name) < 0)
                return -ENAMETOOLONG;
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (write(fd, content, len) != (ssize_t)len || renameat(dfd, tmp, dfd, name) < 0) {
                int r = errno ? -errno : -EIO;
                unlinkat(dfd, tmp, 0);
                return r;
        }
        return 0;
}

/* Claim lease `name` for owner: 0, -EEXIST if taken (its holder in
 * ret_holder when given, "?" if unreadable), other -errno. */
static int claim_name(int dfd, const char *name, const char *owner, char *ret_holder, size_t size)
{
        _cleanup_close_ int fd = -1;
        size_t len = strlen(owner);

        fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
                int r = -errno;

                if (r == -EEXIST && ret_holder && read_small(dfd, name, ret_holder, size) < 0)
                        casca_snprintf_trunc(ret_holder, size, "?");
                return r;
        }
        if (write(fd, owner, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
                int r = errno ? -errno : -EIO;
                unlinkat(dfd, name, 0);
                return r;
        }
        return 0;
}

static int claim(int dfd, const struct casca_ip *ip, const char *owner, char *ret_holder,
                 size_t size)
{
        char name[CASCA_IP_STRLEN];

        return claim_name(dfd, casca_ip_format(ip, name, sizeof(name)), owner, ret_holder, size);
}

static const char *cursor_name(int family)
{
        return family == AF_INET ? "last.4" : "last.6";
}

int casca_ipam_allocate(const char *dir, const struct casca_cidr *subnet,
                        const struct casca_ip *gateway, const struct casca_ip *requested,
                        const char *owner, struct casca_ip *ret, struct casca_error **err)
{
        _cleanup_close_ int dfd = -1, lock = -1;
        char sbuf[CASCA_CIDR_STRLEN], abuf[CASCA_IP_STRLEN], holder[256];
        uint64_t last, start = 1, off, n, scan;
        struct casca_ip ip, cur;
        int r;

        casca_cidr_format(subnet, sbuf, sizeof(sbuf));
        dfd = ipam_open(dir, &lock, err);
        if (dfd < 0)
                return dfd;
        if (requested) {
                r = claim(dfd, requested, owner, holder, sizeof(holder));
                casca_ip_format(requested, abuf, sizeof(abuf));
                if (r == -EEXIST)
                        return casca_error_setx(err, EADDRINUSE,
                                                "casca.network: address %s is already leased to "
                                                "`%s`",
                                                abuf, holder);
                if (r < 0)
                        return casca_error_set(err, -r, "lease `%s/%s`", dir, abuf);
                *ret = *requested;
                return 0;
        }

        last = casca_cidr_last_host(subnet);
        if (read_small(dfd, cursor_name(subnet->ip.family), abuf, sizeof(abuf)) == 0 &&
            casca_ip_parse(abuf, &cur) == 0 && casca_cidr_offset(subnet, &cur, &off) == 0 &&
            off >= 1 && off <= last)
                start = off == last ? 1 : off + 1;
        scan = last < IPAM_MAX_SCAN ? last : IPAM_MAX_SCAN;
        off = start;
        for (n = 0; n < scan; n++, off = off == last ? 1 : off + 1) {
                if (casca_cidr_nth(subnet, off, &ip) < 0)
                        continue;
                if (gateway && casca_ip_equal(&ip, gateway))
                        continue;
                r = claim(dfd, &ip, owner, NULL, 0);
                if (r == -EEXIST)
                        continue;
                casca_ip_format(&ip, abuf, sizeof(abuf));
                if (r < 0)
                        return casca_error_set(err, -r, "lease `%s/%s`", dir, abuf);
                r = write_small(dfd, cursor_name(subnet->ip.family), abuf);
                if (r < 0) {
                        unlinkat(dfd, abuf, 0);
                        return casca_error_set(err, -r, "write `%s/%s`", dir,
                                               cursor_name(subnet->ip.family));
                }
                *ret = ip;
                return 0;
        }
        return casca_error_setx(err, ENOSPC, "casca.network: subnet %s has no free address", sbuf);
}

/* Remove lease `name` if owner holds it (owner NULL: anyone). */
static int release_name(int dfd, const char *dir, const char *name, const char *owner,
                        struct casca_error **err)
{
        char holder[256];
        int r;

        if (owner) {
                r = read_small(dfd, name, holder, sizeof(holder));
                if (r == -ENOENT)
                        return 0;
                if (r < 0)
                        return casca_error_set(err, -r, "read `%s/%s`", dir, name);
                if (strcmp(holder, owner) != 0)
                        return 0;
        }
        if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
                return casca_error_set(err, errno, "remove `%s/%s`", dir, name);
        return 0;
}

int casca_ipam_release(const char *dir, const struct casca_ip *ip, const char *owner,
                       struct casca_error **err)
{
        _cleanup_close_ int dfd = -1, lock = -1;
        char name[CASCA_IP_STRLEN];

        dfd = ipam_open(dir, &lock, err);
        if (dfd < 0)
                return dfd;
        return release_name(dfd, dir, casca_ip_format(ip, name, sizeof(name)), owner, err);
}

int casca_ipam_release_owner(const char *dir, const char *owner, struct casca_error **err)
{
        _cleanup_close_ int dfd = -1, lock = -1;
        _cleanup_closedir_ DIR *d = NULL;
        struct casca_ip ip;
        struct dirent *de;
        int r;

        if (access(dir, F_OK) < 0 && errno == ENOENT)
                return 0;
        dfd = ipam_open(dir, &lock, err);
        if (dfd < 0)
                return dfd;
        d = casca_fs_opendir_at(dfd, ".");
        if (!d)
                return casca_error_set(err, errno, "opendir `%s`", dir);
        while ((de = readdir(d))) {
                if (casca_ip_parse(de->d_name, &ip) < 0 && strncmp(de->d_name, "tcp.", 4) != 0 &&
                    strncmp(de->d_name, "udp.", 4) != 0)
                        continue; /* lock, cursors, temporaries */
                r = release_name(dfd, dir, de->d_name, owner, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- published ports ---------------------------------------------------------- */

static const char *proto_name(int protocol)
{
        return protocol == IPPROTO_TCP ? "tcp" : "udp";
}

int casca_ipam_reserve_ports(const char *dir, const struct casca_netconf *nc, const char *owner,
                             struct casca_error **err)
{
        _cleanup_close_ int dfd = -1, lock = -1;
        char name[NAME_MAX + 1], ip[CASCA_IP_STRLEN], holder[256];
        int r;

        dfd = ipam_open(dir, &lock, err);
        if (dfd < 0)
                return dfd;
        for (size_t i = 0; i < nc->n_ports; i++) {
                const struct casca_port_mapping *pm = &nc->ports[i];

                if (pm->has_host_ip)
                        casca_ip_format(&pm->host_ip, ip, sizeof(ip));
                r = casca_snprintf(name, sizeof(name), "%s.%u.%s", proto_name(pm->protocol),
                                   pm->host_port, pm->has_host_ip ? ip : "any");
                if (r < 0)
                        return casca_error_set(err, -r, "casca.network.ports[%zu]", i);
                r = claim_name(dfd, name, owner, holder, sizeof(holder));
                if (r == -EEXIST)
                        return casca_error_setx(err, EADDRINUSE,
                                                "casca.network.ports[%zu].hostPort: %u/%s%s%s is "
                                                "already published by container `%s`",
                                                i, pm->host_port, proto_name(pm->protocol),
                                                pm->has_host_ip ? " on " : "",
                                                pm->has_host_ip ? ip : "", holder);
                if (r < 0)
                        return casca_error_set(err, -r, "reserve `%s/%s`", dir, name);
        }
        return 0;
}
