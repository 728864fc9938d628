/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* etc.c - the container's /etc/hostname, /etc/hosts and /etc/resolv.conf,
 * written into a directory for the mount code to bind into the container. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns/internal.h"
#include "netns/network.h"
#include "util/cleanup.h"
#include "util/format.h"

/* Write content to dir/name atomically (tmp + rename), mode 0644. */
static int write_file(int dfd, const char *dir, const char *name, const char *content, size_t len,
                      struct casca_error **err)
{
        char tmp[64];
        _cleanup_close_ int fd = -1;

        if (casca_snprintf(tmp, sizeof(tmp), ".%s.tmp", name) < 0)
                return casca_error_setx(err, ENAMETOOLONG, "write `%s/%s`: name too long", dir,
                                        name);
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return casca_error_set(err, errno, "open `%s/%s`", dir, tmp);
        if (fchmod(fd, 0644) < 0 || write(fd, content, len) != (ssize_t)len) {
                int e = errno ? errno : EIO;
                unlinkat(dfd, tmp, 0);
                return casca_error_set(err, e, "write `%s/%s`", dir, tmp);
        }
        if (renameat(dfd, tmp, dfd, name) < 0) {
                int e = errno;
                unlinkat(dfd, tmp, 0);
                return casca_error_set(err, e, "rename `%s/%s`", dir, tmp);
        }
        return 0;
}

/* An in-memory file built with open_memstream. */
struct membuf {
        char *data;
        size_t len;
        FILE *f;
};

static int mb_open(struct membuf *m, struct casca_error **err)
{
        m->f = open_memstream(&m->data, &m->len);
        return m->f ? 0 : casca_error_set(err, errno, "open_memstream");
}

static int mb_close(struct membuf *m, struct casca_error **err)
{
        int bad = ferror(m->f);

        if (fclose(m->f) != 0 || bad)
                return casca_error_set(err, ENOMEM, "build file");
        m->f = NULL;
        return 0;
}

static void mb_free(struct membuf *m)
{
        if (m->f)
                fclose(m->f);
        free(m->data);
}

static bool is_loopback_server(const char *s)
{
        struct casca_ip ip;

        if (casca_ip_parse(s, &ip) < 0)
                return false;
        if (ip.family == AF_INET)
                return ip.addr[0] == 127;
        for (int i = 0; i < 15; i++)
                if (ip.addr[i])
                        return false;
        return ip.addr[15] == 1;
}

/* The host's resolv.conf without loopback nameservers (a resolver on the
 * host's loopback is out of the container's reach). */
static void host_resolv_conf(FILE *out)
{
        _cleanup_fclose_ FILE *in = fopen("/etc/resolv.conf", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        if (!in)
                return;
        while (getline(&line, &cap, in) > 0) {
                char word[16], server[64];
                if (sscanf(line, " %15s %63s", word, server) == 2 &&
                    strcmp(word, "nameserver") == 0 && is_loopback_server(server))
                        continue;
                fputs(line, out);
                if (line[strlen(line) - 1] != '\n')
                        fputc('\n', out);
        }
}

static void put_list(FILE *out, const char *key, char **v, size_t n)
{
        if (n == 0)
                return;
        fputs(key, out);
        for (size_t i = 0; i < n; i++)
                fprintf(out, " %s", v[i]);
        fputc('\n', out);
}

int casca_network_write_etc(const struct casca_netconf *nc, const char *hostname,
                            const char *address, const char *nameserver, const char *dir,
                            struct casca_error **err)
{
        _cleanup_(mb_free) struct membuf hosts = {0}, resolv = {0};
        _cleanup_close_ int dfd = -1;
        char addr[CASCA_IP_STRLEN] = "";
        struct casca_ip ip;
        int r;

        if (address) {
                if (casca_snprintf(addr, sizeof(addr), "%.*s", (int)strcspn(address, "/"),
                                   address) < 0 ||
                    casca_ip_parse(addr, &ip) < 0)
                        return casca_error_setx(err, EINVAL, "invalid container address \"%s\"",
                                                address);
        }
        if (hostname && (!*hostname || strpbrk(hostname, " \t\n#/")))
                return casca_error_setx(err, EINVAL, "invalid hostname \"%s\"", hostname);
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return casca_error_set(err, errno, "open `%s`", dir);

        if (hostname) {
                _cleanup_free_ char *text = NULL;
                int n = asprintf(&text, "%s\n", hostname);
                if (n < 0)
                        return casca_error_set(err, ENOMEM, "hostname");
                r = write_file(dfd, dir, "hostname", text, (size_t)n, err);
                if (r < 0)
                        return r;
        }

        r = mb_open(&hosts, err);
        if (r < 0)
                return r;
        fputs("127.0.0.1\tlocalhost\n"
              "::1\tlocalhost ip6-localhost ip6-loopback\n"
              "fe00::0\tip6-localnet\n"
              "ff00::0\tip6-mcastprefix\n"
              "ff02::1\tip6-allnodes\n"
              "ff02::2\tip6-allrouters\n",
              hosts.f);
        if (hostname)
                fprintf(hosts.f, "%s\t%s\n", addr[0] ? addr : "127.0.1.1", hostname);
        for (size_t i = 0; nc && i < nc->n_hosts; i++) {
                fputs(nc->hosts[i].ip, hosts.f);
                for (size_t j = 0; j < nc->hosts[i].n_names; j++)
                        fprintf(hosts.f, "%c%s", j ? ' ' : '\t', nc->hosts[i].names[j]);
                fputc('\n', hosts.f);
        }
        r = mb_close(&hosts, err);
        if (r < 0)
                return r;
        r = write_file(dfd, dir, "hosts", hosts.data, hosts.len, err);
        if (r < 0)
                return r;

        r = mb_open(&resolv, err);
        if (r < 0)
                return r;
        if (nameserver && !(nc && nc->has_dns && nc->n_dns_servers)) {
                fprintf(resolv.f, "nameserver %s\n", nameserver);
                if (nc && nc->has_dns) {
                        put_list(resolv.f, "search", nc->dns_search, nc->n_dns_search);
                        put_list(resolv.f, "options", nc->dns_options, nc->n_dns_options);
                }
        } else if (nc && nc->has_dns) {
                for (size_t i = 0; i < nc->n_dns_servers; i++)
                        fprintf(resolv.f, "nameserver %s\n", nc->dns_servers[i]);
                put_list(resolv.f, "search", nc->dns_search, nc->n_dns_search);
                put_list(resolv.f, "options", nc->dns_options, nc->n_dns_options);
        } else {
                host_resolv_conf(resolv.f);
        }
        r = mb_close(&resolv, err);
        if (r < 0)
                return r;
        return write_file(dfd, dir, "resolv.conf", resolv.data ? resolv.data : "", resolv.len, err);
}
