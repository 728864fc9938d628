/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* usernet.c - casca.network mode "user" through pasta: started per
 * container by the runtime, stopped by delete. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/format.h"
#include "util/parse.h"
#include "netns/usernet.h"
#include "util/spawn.h"

/* "-t" / "-u" lists: "8080:80,8443:443", or "none" */
static char *port_list(const struct casca_netconf *nc, int proto)
{
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        bool any = false;

        if (!f)
                return NULL;
        for (size_t i = 0; i < nc->n_ports; i++) {
                if (nc->ports[i].protocol != proto)
                        continue;
                fprintf(f, "%s%u:%u", any ? "," : "", nc->ports[i].host_port,
                        nc->ports[i].container_port);
                any = true;
        }
        if (!any)
                fputs("none", f);
        if (fclose(f) != 0) {
                free(out);
                return NULL;
        }
        return out;
}

int casca_usernet_start(const struct casca_netconf *nc, pid_t pid, const char *netns_path,
                        const char *pidfile, struct casca_error **err)
{
        _cleanup_free_ char *pasta = casca_find_program("pasta");
        _cleanup_free_ char *tcp = port_list(nc, IPPROTO_TCP), *udp = port_list(nc, IPPROTO_UDP);
        char pidstr[16];

        if (!pasta)
                return casca_error_setx(err, ENOENT,
                                        "casca.network: mode \"user\" needs pasta, which is not in "
                                        "PATH: install the `passt` package");
        if (!tcp || !udp)
                return casca_error_set(err, ENOMEM, "casca.network");
        casca_snprintf_trunc(pidstr, sizeof(pidstr), "%d", (int)pid);
        /* pasta joins the user and network namespaces of PID, or (root)
         * the network namespace pinned at netns_path, keeping root: as
         * nobody, its default, it could not open it (it drops its
         * capabilities and sandboxes itself either way) */
        char *argv[24] = {
                pasta,
                "--config-net",
                "--quiet",
                "--pid",
                (char *)pidfile,
                "--dns-forward",
                CASCA_NET_USER_DNS,
                "--no-map-gw",
                "-t",
                tcp,
                "-u",
                udp,
                "-T",
                "none",
                "-U",
                "none",
        };
        size_t n = 16;

        if (netns_path) {
                argv[n++] = "--runas";
                argv[n++] = "0:0";
                argv[n++] = "--netns-only";
                argv[n++] = "--netns";
                argv[n++] = (char *)netns_path;
        } else {
                argv[n++] = pidstr;
        }
        argv[n] = NULL;
        return casca_spawn_wait(argv, "casca.network: start the user-mode network", err);
}

/* SIGTERM, up to 2 s for it to exit (so that its ports are free when
 * delete returns), then SIGKILL; through a pidfd, which a reused pid cannot
 * fool once it is open. */
static void stop_pid(pid_t pid)
{
        _cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        struct pollfd p;

        if (pfd < 0) {
                kill(pid, SIGTERM);
                return;
        }
        if (syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0) < 0)
                return;
        p = (struct pollfd){.fd = pfd, .events = POLLIN};
        while (poll(&p, 1, 2000) < 0 && errno == EINTR)
                ;
        if (!(p.revents & POLLIN))
                syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
}

int casca_usernet_stop(const char *pidfile, struct casca_error **err)
{
        char buf[32] = "", path[64], comm[32] = "";
        _cleanup_close_ int fd = open(pidfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        ssize_t n;
        int64_t pid = 0;
        const char *end = NULL;

        if (fd < 0)
                return errno == ENOENT ? 0 : casca_error_set(err, errno, "open `%s`", pidfile);
        n = read(fd, buf, sizeof(buf) - 1);
        buf[n > 0 ? n : 0] = '\0';
        if (casca_parse_i64(buf, &end, 0, INT32_MAX, &pid) == 0 && pid > 1 &&
            (*end == '\n' || *end == '\0')) {
                _cleanup_close_ int cfd = -1;

                /* only a pasta (which may re-exec itself as passt.avx2): the
                 * pid may have been reused since */
                casca_snprintf_trunc(path, sizeof(path), "/proc/%d/comm", (int)pid);
                cfd = open(path, O_RDONLY | O_CLOEXEC);
                n = cfd >= 0 ? read(cfd, comm, sizeof(comm) - 1) : -1;
                comm[n > 0 ? n : 0] = '\0';
                if (strncmp(comm, "pasta", 5) == 0 || strncmp(comm, "passt", 5) == 0)
                        stop_pid((pid_t)pid);
        }
        if (unlink(pidfile) < 0 && errno != ENOENT)
                return casca_error_set(err, errno, "remove `%s`", pidfile);
        return 0;
}
