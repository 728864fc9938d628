/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dns.c - name resolution on a named network: one dnsmasq per network
 * (Debian's dnsmasq, as LXC's lxc-net runs it), started when the network
 * gets its first container and stopped with its last; casca itself stays
 * daemonless.
 *
 * In the network's directory:
 *   hosts.d/<id>    "<address> <id> [<hostname>]" per address of a container;
 *                   dnsmasq watches the directory (inotify): a new file is
 *                   served at once, a removed one is forgotten on SIGHUP
 *   dnsmasq.pid     written by dnsmasq itself
 *   dnsmasq.log     its log
 *   dns.lock        flock, exclusive around start and stop
 *
 * dnsmasq listens on the gateway address(es) only (--bind-interfaces), never
 * reads the host's /etc/hosts, and forwards every other name to the host's
 * resolvers (/etc/resolv.conf).  It runs as root: it reads hosts.d under the
 * state root, which only root may enter.  It is exec'd directly (no shell)
 * from a forked child whose only open fds are stdio on /dev/null. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netns/internal.h"
#include "netns/netobj.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "util/fs.h"
#include "util/parse.h"

/* <netdir>/<name> into buf (PATH_MAX): 0, or -ENAMETOOLONG named in err. */
static int dns_path(char *buf, const char *netdir, const char *name, struct casca_error **err)
{
        if (casca_snprintf(buf, PATH_MAX, "%s/%s", netdir, name) < 0)
                return casca_error_setx(err, ENAMETOOLONG, "`%s/%s`: path too long", netdir, name);
        return 0;
}

static int dns_lock(const char *netdir, struct casca_error **err)
{
        char path[PATH_MAX];
        int fd;

        if (dns_path(path, netdir, "dns.lock", err) < 0)
                return -ENAMETOOLONG;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return casca_error_set(err, errno, "open `%s`", path);
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR) {
                        int e = errno;
                        close(fd);
                        return casca_error_set(err, e, "lock `%s`", path);
                }
        return fd;
}

/* The recorded dnsmasq, if it is still that process: its pid, else 0. */
static pid_t running_pid(const char *netdir)
{
        char path[PATH_MAX], buf[PATH_MAX + 64];
        _cleanup_close_ int fd = -1;
        const char *end;
        int pid = 0;
        ssize_t n;

        if (dns_path(path, netdir, "dnsmasq.pid", NULL) < 0)
                return 0;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return 0;
        n = read(fd, buf, 32);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        /* "<pid>\n", as dnsmasq writes it */
        if (casca_parse_int(buf, &end, 2, INT32_MAX, &pid) < 0 || (*end && *end != '\n'))
                return 0;
        close(TAKE_FD(fd));
        /* the same process: dnsmasq, with our pid file on its command line */
        if (casca_snprintf(buf, sizeof(buf), "/proc/%d/cmdline", pid) < 0)
                return 0;
        fd = open(buf, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return 0;
        for (ssize_t i = 0; i < n; i++)
                if (buf[i] == '\0')
                        buf[i] = ' ';
        buf[n] = '\0';
        if (!strstr(buf, "dnsmasq") || !strstr(buf, path))
                return 0;
        return (pid_t)pid;
}

static int start(const char *netdir, const struct casca_netdef *d, struct casca_error **err)
{
        char pidfile[PATH_MAX], hostsdir[PATH_MAX], log[PATH_MAX], a_pid[PATH_MAX + 16],
                a_hosts[PATH_MAX + 16], a_log[PATH_MAX + 24], a_if[IFNAMSIZ + 16],
                a_gw[CASCA_IP_STRLEN + 20], a_gw6[CASCA_IP_STRLEN + 20], ip[CASCA_IP_STRLEN];
        const char *argv[20];
        size_t n = 0;
        int status;
        pid_t pid;

        /* the arguments hold what the paths (PATH_MAX) and names hold */
        if (dns_path(pidfile, netdir, "dnsmasq.pid", err) < 0 ||
            dns_path(hostsdir, netdir, "hosts.d", err) < 0 ||
            dns_path(log, netdir, "dnsmasq.log", err) < 0)
                return -ENAMETOOLONG;
        if (!d->bridge || strlen(d->bridge) >= IFNAMSIZ)
                return casca_error_setx(err, EINVAL, "network `%s`: no bridge for dnsmasq",
                                        d->name);
        casca_snprintf_trunc(a_pid, sizeof(a_pid), "--pid-file=%s", pidfile);
        casca_snprintf_trunc(a_hosts, sizeof(a_hosts), "--hostsdir=%s", hostsdir);
        casca_snprintf_trunc(a_log, sizeof(a_log), "--log-facility=%s", log);
        casca_snprintf_trunc(a_if, sizeof(a_if), "--interface=%s", d->bridge);
        casca_snprintf_trunc(a_gw, sizeof(a_gw), "--listen-address=%s",
                             casca_ip_format(&d->gateway, ip, sizeof(ip)));
        argv[n++] = "dnsmasq";
        argv[n++] = "--conf-file=/dev/null";
        argv[n++] = a_pid;
        argv[n++] = a_hosts;
        argv[n++] = a_log;
        argv[n++] = a_if;
        argv[n++] = a_gw;
        if (d->has_ipv6) {
                casca_snprintf_trunc(a_gw6, sizeof(a_gw6), "--listen-address=%s",
                                     casca_ip_format(&d->gateway6, ip, sizeof(ip)));
                argv[n++] = a_gw6;
        }
        argv[n++] = "--bind-interfaces";
        argv[n++] = "--except-interface=lo";
        argv[n++] = "--no-hosts";
        argv[n++] = "--user=root";
        argv[n++] = "--group=root";
        argv[n++] = "--cache-size=1000";
        /* a name asked for just before its container's file is read must
         * not stay unknown */
        argv[n++] = "--no-negcache";
        argv[n] = NULL;

        if (mkdir(hostsdir, 0755) < 0 && errno != EEXIST)
                return casca_error_set(err, errno, "mkdir `%s`", hostsdir);
        unlink(pidfile);
        pid = fork();
        if (pid < 0)
                return casca_error_set(err, errno, "fork for dnsmasq");
        if (pid == 0) {
                /* every fd of casca is close-on-exec; stdio on /dev/null */
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
                        _exit(127);
                execv(CASCA_DNSMASQ, (char *const *)argv);
                _exit(127);
        }
        /* dnsmasq forks into the background once it listens: the parent's
         * exit status says whether it could */
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return casca_error_set(err, errno, "wait for dnsmasq");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                        return casca_error_setx(err, ENOENT,
                                                "network `%s`: cannot run " CASCA_DNSMASQ
                                                " (install dnsmasq-base, or create the network "
                                                "with --no-dns)",
                                                d->name);
                return casca_error_setx(err, EIO,
                                        "network `%s`: dnsmasq failed (exit status %d); see `%s`",
                                        d->name, WIFEXITED(status) ? WEXITSTATUS(status) : -1, log);
        }
        for (int i = 0; i < 200 && !running_pid(netdir); i++)
                usleep(5000);
        if (!running_pid(netdir))
                return casca_error_setx(err, EIO, "network `%s`: dnsmasq did not start; see `%s`",
                                        d->name, log);
        return 0;
}

static void stop_locked(const char *netdir)
{
        char path[PATH_MAX];
        pid_t pid = running_pid(netdir);

        if (pid > 0) {
                kill(pid, SIGTERM);
                /* not our child: wait for it to be gone */
                for (int i = 0; i < 400 && kill(pid, 0) == 0; i++)
                        usleep(5000);
        }
        if (dns_path(path, netdir, "dnsmasq.pid", NULL) == 0)
                unlink(path);
}

static int write_host(const char *netdir, const char *id, const char *hostname,
                      const struct casca_ip *a4, const struct casca_ip *a6,
                      struct casca_error **err)
{
        char hostsdir[PATH_MAX], line[512], ip[CASCA_IP_STRLEN];
        size_t len = 0;
        bool named = hostname && hostname[0] && strcmp(hostname, id) != 0;
        int r;

        for (int k = 0; k < 2; k++) {
                const struct casca_ip *a = k ? a6 : a4;
                if (!a)
                        continue;
                r = casca_snprintf(line + len, sizeof(line) - len, "%s %s%s%s\n",
                                   casca_ip_format(a, ip, sizeof(ip)), id, named ? " " : "",
                                   named ? hostname : "");
                if (r < 0)
                        return casca_error_setx(err, ENAMETOOLONG, "hosts line of `%s`", id);
                len += (size_t)r;
        }
        if (dns_path(hostsdir, netdir, "hosts.d", err) < 0)
                return -ENAMETOOLONG;
        /* dnsmasq skips the dotfile that is written first */
        return casca_fs_replace_file(hostsdir, id, line, len, 0644, err);
}

int casca_dns_join(const char *netdir, const struct casca_netdef *d, const char *id,
                   const char *hostname, const struct casca_ip *a4, const struct casca_ip *a6,
                   struct casca_error **err)
{
        _cleanup_close_ int lk = -1;
        char hostsdir[PATH_MAX];
        int r;

        if (!d->dns)
                return 0;
        lk = dns_lock(netdir, err);
        if (lk < 0)
                return lk;
        if (dns_path(hostsdir, netdir, "hosts.d", err) < 0)
                return -ENAMETOOLONG;
        if (mkdir(hostsdir, 0755) < 0 && errno != EEXIST)
                return casca_error_set(err, errno, "mkdir `%s`", hostsdir);
        /* the file first: a dnsmasq started now reads it, a running one
         * sees it through inotify */
        r = write_host(netdir, id, hostname, a4, a6, err);
        if (r < 0)
                return r;
        if (!running_pid(netdir))
                return start(netdir, d, err);
        return 0;
}

/* Does any container hold a lease on the network?  (Under dns.lock: a
 * joiner's lease exists before it takes the lock to write its names.) */
static bool has_leases(const char *netdir)
{
        char path[PATH_MAX];
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (dns_path(path, netdir, "leases", NULL) < 0)
                return true; /* cannot tell: keep dnsmasq */
        d = opendir(path);
        while (d && (de = readdir(d))) {
                struct casca_ip ip;
                if (casca_ip_parse(de->d_name, &ip) == 0)
                        return true;
        }
        return false;
}

int casca_dns_leave(const char *netdir, const char *id, struct casca_error **err)
{
        _cleanup_close_ int lk = -1;
        char path[PATH_MAX];
        pid_t pid;

        if (casca_snprintf(path, sizeof(path), "%s/hosts.d/%s", netdir, id) < 0)
                return casca_error_setx(err, ENAMETOOLONG, "`%s/hosts.d/%s`: path too long", netdir,
                                        id);
        if (access(netdir, F_OK) < 0)
                return 0;
        lk = dns_lock(netdir, err);
        if (lk < 0)
                return lk;
        if (unlink(path) < 0 && errno != ENOENT)
                return casca_error_set(err, errno, "remove `%s`", path);
        if (!has_leases(netdir)) {
                stop_locked(netdir);
                return 0;
        }
        pid = running_pid(netdir);
        if (pid > 0)
                kill(pid, SIGHUP); /* forget the removed file */
        return 0;
}

int casca_dns_stop(const char *netdir, struct casca_error **err)
{
        _cleanup_close_ int lk = -1;

        if (access(netdir, F_OK) < 0)
                return 0; /* a create killed before its directory */
        lk = dns_lock(netdir, err);
        if (lk < 0)
                return lk;
        stop_locked(netdir);
        return 0;
}
