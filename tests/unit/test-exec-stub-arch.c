/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-exec-stub-arch.c - the exec stub (runtime/stub/casca-stub.c) run for
 * real on the architecture it is built for: in the unit lane on the host
 * (x86_64), and as /init of a qemu-system-aarch64 guest in the aarch64 lane
 * (tests/aarch64/run.sh builds it with Debian's cross compiler), so both
 * arches' syscall glue is held to the same checks.  It uses no libcasca
 * (the aarch64 lane has no cross-built libraries): it includes the
 * generated stub image ($(BUILD)/gen/runtime/stub/casca-stub.h) and
 * runtime/sync-wire.h, puts the image in a sealed memfd as
 * runtime/sealed-exe.c does and executes it with the argv layouts the stub
 * documents.  tests/unit/test-exec-stub.c tests the same stub through
 * libcasca (and which seccomp filters let it work).  Needs root (it runs
 * the stub as uid 1000 too).
 *
 * The stub's program is this binary again: argv[0] "stub-prog" (prog_main)
 * checks what it was given (argv, environment, open fds, session, terminal,
 * dumpable) and says how it went in its exit status.
 *
 * As pid 1 (the guest's init): mounts /proc, /dev (devtmpfs), /dev/pts and
 * /tmp, runs the checks in a child (orphans go to init, which would make
 * the CLONE_PARENT check vacuous), prints TAP (the plan last: a run cut
 * short has none) and powers off. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/stub/casca-stub.h" /* generated: casca_stub_image[] */
#include "runtime/sync-wire.h"
#include "tap.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define TEST_UID 1000
#define ENV_OK "CASCA_STUB_TEST=env-ok"
#define USAGE "casca-stub: this is casca's exec stub; it runs nothing by itself\n"
#define TIMEOUT_MS 20000 /* TCG is slow; a hang still ends */

static char self[4096]; /* this binary, the stub's program */
static char tmp[64];    /* a scratch directory */
static char *stub_env[] = {ENV_OK, NULL};

/* "Bail out!": the plan never printed, the lane fails. */
static __attribute__((format(printf, 1, 2), noreturn)) void bail(const char *fmt, ...)
{
        int saved = errno;
        va_list ap;

        printf("Bail out! ");
        errno = saved;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        fflush(stdout);
        if (getpid() == 1) {
                sync();
                reboot(RB_POWER_OFF);
        }
        exit(2);
}

/* ---- the program the stub runs --------------------------------------------- */

/* Only fds 0, 1 and 2 open (the sync socket and the fifo's fds are not). */
static int only_stdio(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int good = d != NULL;

        while (d && (e = readdir(d))) {
                int fd = (int)strtol(e->d_name, NULL, 10);

                if (e->d_name[0] != '.' && fd > 2 && fd != dirfd(d))
                        good = 0;
        }
        if (d)
                closedir(d);
        return good;
}

static int env_ok(void)
{
        extern char **environ;

        return environ[0] && strcmp(environ[0], ENV_OK) == 0 && !environ[1];
}

/* Dumpable again after the stub's execve: /proc/self/status is the
 * caller's (task_dump_owner: a non-dumpable process's files are root's). */
static int dumpable(void)
{
        struct stat st;

        return stat("/proc/self/status", &st) == 0 && st.st_uid == getuid();
}

static int fd_closed(const char *s)
{
        return fcntl((int)strtol(s, NULL, 10), F_GETFD) < 0 && errno == EBADF;
}

/* The fd the stub was given (argv[2]) is gone and only stdio is open: 0,
 * else the failed check's exit status. */
static int fds_checked(int argc, char **argv)
{
        if (argc != 3)
                return 21;
        if (!fd_closed(argv[2]))
                return 22;
        return only_stdio() ? 0 : 23;
}

/* What the stub ran: argv[1] says what to check; each failed check its own
 * exit status (20...), all good the mode's. */
static int prog_main(int argc, char **argv)
{
        const char *m = argc > 1 ? argv[1] : "";
        pid_t sid = 0;
        int r;

        if (!env_ok())
                return 20;
        if (strcmp(m, "c-check") == 0) { /* stub-prog c-check SOCK */
                if ((r = fds_checked(argc, argv)) != 0)
                        return r;
                if (getsid(0) == getpid())
                        return 24; /* TTY "0": no session of its own */
                return 3;
        }
        if (strcmp(m, "c-dump") == 0) /* stub-prog c-dump: as TEST_UID */
                return getuid() != TEST_UID ? 25 : !dumpable() ? 26 : !only_stdio() ? 23 : 4;
        if (strcmp(m, "tty") == 0) { /* TTY "1", stdin a pty */
                if (getsid(0) != getpid())
                        return 27;
                if (ioctl(0, TIOCGSID, &sid) < 0 || sid != getpid())
                        return 28; /* stdin is not our controlling terminal */
                if (tcgetpgrp(0) != getpid())
                        return 29;
                return 5;
        }
        if (strcmp(m, "f-check") == 0) { /* stub-prog f-check FIFO */
                if ((r = fds_checked(argc, argv)) != 0)
                        return r;
                if (getuid() != TEST_UID || !dumpable())
                        return 26;
                return 6;
        }
        if (strcmp(m, "mark") == 0 && argc == 3) { /* it ran: leave a mark */
                int fd = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

                return fd < 0 ? 30 : (close(fd), 7);
        }
        return 31;
}

/* ---- running the stub ---------------------------------------------------------- */

/* The stub in a sealed memfd, as runtime/sealed-exe.c makes it (MFD_EXEC
 * where the kernel knows it: Linux 6.3). */
static int stub_memfd(void)
{
        int fd = memfd_create("casca-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        size_t done = 0;

        if (fd < 0 && errno == EINVAL)
                fd = memfd_create("casca-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -1;
        while (done < sizeof(casca_stub_image)) {
                ssize_t n = write(fd, casca_stub_image + done, sizeof(casca_stub_image) - done);

                if (n <= 0) {
                        close(fd);
                        return -1;
                }
                done += (size_t)n;
        }
        if (fcntl(fd, F_ADD_SEALS, SEALS) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

struct spawn {
        int in, err; /* the stub's stdin and stderr (-1: /dev/null) */
        int keep;    /* an fd the stub gets (close-on-exec cleared), or -1 */
        uid_t uid;   /* 0, or the uid (and gid) it runs as */
};

/* Fork a child that executes the stub (fd stub) with argv; its pid. */
static pid_t spawn(int stub, char *const argv[], const struct spawn *o)
{
        pid_t pid = fork();

        if (pid == 0) {
                int null = open("/dev/null", O_RDWR);

                dup2(o->in >= 0 ? o->in : null, 0);
                dup2(o->err >= 0 ? o->err : null, 2);
                /* nothing of ours (nor of whoever ran us) but keep */
                if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0 ||
                    (o->keep >= 0 && fcntl(o->keep, F_SETFD, 0) < 0))
                        _exit(98);
                if (o->uid && (setresgid(o->uid, o->uid, o->uid) < 0 ||
                               setresuid(o->uid, o->uid, o->uid) < 0))
                        _exit(97);
                syscall(SYS_execveat, stub, "", argv, stub_env, AT_EMPTY_PATH);
                _exit(99);
        }
        return pid;
}

static long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The exit status of our child pid (-1: any), 128 + the signal that killed
 * it; -1 when it does not end within TIMEOUT_MS (it is killed). */
static int status_of(pid_t pid, pid_t *ret_pid)
{
        long end = now_ms() + TIMEOUT_MS;
        int st = 0;

        for (;;) {
                pid_t r = waitpid(pid, &st, WNOHANG);

                if (r > 0) {
                        if (ret_pid)
                                *ret_pid = r;
                        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                }
                if (r < 0)
                        return -2; /* not our child */
                if (now_ms() > end) {
                        if (pid > 0)
                                kill(pid, SIGKILL);
                        printf("#   pid %d did not end in %d ms\n", (int)pid, TIMEOUT_MS);
                        return -1;
                }
                usleep(2000);
        }
}

/* One datagram of the sync protocol: 1 (and its header and payload), 0 at
 * the end of the socket, -1 on error or timeout. */
static int recv_msg(int sock, struct casca_sync_header *h, char *payload, size_t size)
{
        char buf[sizeof(*h) + CASCA_SYNC_MAX_PAYLOAD + 1];
        struct pollfd p = {.fd = sock, .events = POLLIN};
        ssize_t n;

        if (poll(&p, 1, TIMEOUT_MS) != 1)
                return -1;
        n = recv(sock, buf, sizeof(buf), 0);
        if (n == 0)
                return 0;
        if (n < (ssize_t)sizeof(*h))
                return -1;
        memcpy(h, buf, sizeof(*h));
        if (h->len != (size_t)n - sizeof(*h) || h->len >= size)
                return -1;
        memcpy(payload, buf + sizeof(*h), h->len);
        payload[h->len] = '\0';
        return 1;
}

/* All of what fd says until its end (a pipe's read end), at most size - 1. */
static void read_all(int fd, char *buf, size_t size)
{
        size_t used = 0;
        ssize_t n;

        while (used < size - 1 && (n = read(fd, buf + used, size - 1 - used)) > 0)
                used += (size_t)n;
        buf[used] = '\0';
}

/* /proc/PID/syscall's number: what the process is blocked in; -1 if none. */
static long blocked_in(pid_t pid)
{
        char path[64], buf[256] = "";
        int fd;
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0 || buf[0] < '0' || buf[0] > '9')
                return -1;
        return strtol(buf, NULL, 10);
}

/* Wait until pid is blocked in syscall nr (at most TIMEOUT_MS). */
static int wait_blocked(pid_t pid, long nr)
{
        long end = now_ms() + TIMEOUT_MS;

        while (blocked_in(pid) != nr) {
                if (now_ms() > end) {
                        printf("#   pid %d: not blocked in syscall %ld (now %ld)\n", (int)pid, nr,
                               blocked_in(pid));
                        return 0;
                }
                usleep(2000);
        }
        return 1;
}

/* A process that runs as TEST_UID and is not dumpable: /proc/PID/status is
 * root's (task_dump_owner), its Uid line TEST_UID's. */
static int not_dumpable(pid_t pid)
{
        char path[64], buf[4096] = "", uid[64];
        struct stat st;
        int fd;
        ssize_t n;
        char *u;

        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        buf[n > 0 ? n : 0] = '\0';
        snprintf(uid, sizeof(uid), "\nUid:\t%d\t%d\t%d\t%d\n", TEST_UID, TEST_UID, TEST_UID,
                 TEST_UID);
        u = strstr(buf, uid);
        if (stat(path, &st) < 0)
                return 0;
        if (!u || st.st_uid != 0)
                printf("#   /proc/%d: owner %d, uids %s\n", (int)pid, (int)st.st_uid,
                       u ? "TEST_UID" : "not TEST_UID's");
        return u && st.st_uid == 0;
}

static int exists(const char *path)
{
        return access(path, F_OK) == 0;
}

/* ---- mode c: the exec process cloned as its caller's child ------------------- */

/* The stub in mode c (tty "0" or "1") on a new sync socket, executing
 * cmd[0] with cmd[1...] (a "SOCK" among them: the sync socket's number), its
 * stdin in and as uid (struct spawn).  With ret_fillers, our end is filled
 * first (the stub's write of the pid then waits) and *ret_fillers gets how
 * many datagrams that took.  *ret_sock gets our end; the stub's pid. */
static pid_t start_c(int stub, const char *tty, const char *const cmd[], int in, uid_t uid,
                     int *ret_fillers, int *ret_sock)
{
        char fd_s[16], *argv[16];
        struct spawn o = {.in = in, .err = -1, .uid = uid};
        size_t n = 0;
        int sv[2];
        pid_t pid;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                bail("socketpair: %m");
        if (ret_fillers) {
                char fill[1024];
                struct casca_sync_header h = {.len = sizeof(fill) - sizeof(h)};

                memset(fill, 0, sizeof(fill));
                memcpy(fill, &h, sizeof(h));
                *ret_fillers = 0;
                while (send(sv[1], fill, sizeof(fill), MSG_DONTWAIT) == (ssize_t)sizeof(fill))
                        (*ret_fillers)++;
        }
        snprintf(fd_s, sizeof(fd_s), "%d", sv[1]);
        argv[n++] = "casca-stub";
        argv[n++] = "c";
        argv[n++] = fd_s;
        argv[n++] = (char *)tty;
        for (size_t k = 0; cmd[k] && n < sizeof(argv) / sizeof(argv[0]) - 1; k++)
                argv[n++] = strcmp(cmd[k], "SOCK") == 0 ? fd_s : (char *)cmd[k];
        argv[n] = NULL;
        o.keep = sv[1];
        pid = spawn(stub, argv, &o);
        close(sv[1]);
        *ret_sock = sv[0];
        return pid;
}

/* The next datagram on sock: 1 (*h its header, *ret_pid the pid it carries
 * when it has a pid's size, else 0), 0 at the socket's end, -1; what else
 * it says to payload (size bytes). */
static int recv_pid(int sock, struct casca_sync_header *h, pid_t *ret_pid, char *payload,
                    size_t size)
{
        int32_t p32 = 0;
        int r = recv_msg(sock, h, payload, size);

        if (r == 1 && h->len == sizeof(p32))
                memcpy(&p32, payload, sizeof(p32));
        *ret_pid = p32;
        return r;
}

static void test_c_runs(int stub)
{
        const char *const cmd[] = {self, "stub-prog", "c-check", "SOCK", NULL};
        char payload[CASCA_SYNC_MAX_PAYLOAD + 1];
        struct casca_sync_header h;
        pid_t stub_pid, pid;
        int sock, r, st;

        stub_pid = start_c(stub, "0", cmd, -1, 0, NULL, &sock);
        r = recv_pid(sock, &h, &pid, payload, sizeof(payload));
        ok(r == 1 && h.step == SYNC_INIT_PID && h.code == 0 && h.len == sizeof(int32_t) && pid > 0,
           "c: the pid comes first (SYNC_INIT_PID, %d)", (int)pid);
        is_int(status_of(stub_pid, NULL), 0, "c: the stub exits 0");
        ok(pid > 0 && pid != stub_pid, "c: the process is not the stub");
        st = pid > 0 ? status_of(pid, NULL) : -2;
        is_int(st, 3,
               "c: the process is our child (CLONE_PARENT) and ran its program with its argv and "
               "the stub's environment, the sync socket closed, no session of its own");
        ok(recv_msg(sock, &h, payload, sizeof(payload)) == 0, "c: then the socket is at its end");
        close(sock);
}

/* The stub not dumpable: run as TEST_UID, its write of the pid held up (our
 * end of the socket full), /proc/<stub> is root's while it waits. */
static void test_c_dumpable(int stub)
{
        const char *const cmd[] = {self, "stub-prog", "c-dump", NULL};
        char payload[CASCA_SYNC_MAX_PAYLOAD + 1];
        struct casca_sync_header h;
        pid_t stub_pid, prog = 0, pid;
        int sock, fillers = 0, st, r;

        stub_pid = start_c(stub, "0", cmd, -1, TEST_UID, &fillers, &sock);
        /* the process ends; the stub cannot until we read */
        st = status_of(-1, &prog);
        ok(fillers > 0 && prog > 0 && prog != stub_pid && st == 4,
           "c, as uid %d: the process ran (exit %d, %d fillers), dumpable again after its execve",
           TEST_UID, st, fillers);
        ok(wait_blocked(stub_pid, SYS_write), "c: the stub waits in write(2) to send the pid");
        ok(not_dumpable(stub_pid), "c: the stub is not dumpable (/proc/<stub>/status is root's)");
        while ((r = recv_pid(sock, &h, &pid, payload, sizeof(payload))) == 1 && h.step == 0)
                fillers--;
        ok(fillers == 0 && r == 1 && h.step == SYNC_INIT_PID && pid == prog,
           "c: then the pid, the process's (%d, %d)", (int)pid, (int)prog);
        is_int(status_of(stub_pid, NULL), 0, "c: the stub exits 0");
        close(sock);
}

/* After the pid: SYNC_ERRNO with code and what; the process and the stub
 * exit 127. */
static void expect_errno(int sock, pid_t stub_pid, pid_t pid, int code, const char *what,
                         const char *name)
{
        char payload[CASCA_SYNC_MAX_PAYLOAD + 1];
        struct casca_sync_header h;
        int r = recv_msg(sock, &h, payload, sizeof(payload));

        ok(r == 1 && h.step == SYNC_ERRNO && h.code == code && strcmp(payload, what) == 0,
           "%s: then SYNC_ERRNO, %s, what failed: %s (%d)", name, strerror(code),
           r == 1 ? payload : "-", r == 1 ? h.code : 0);
        is_int(pid > 0 ? status_of(pid, NULL) : -2, 127, "%s: the process exits 127", name);
        is_int(status_of(stub_pid, NULL), 127, "%s: so does the stub", name);
}

static void test_c_fails(int stub)
{
        const char *const cmd[] = {"/no/such/program", "no-such", NULL};
        char payload[CASCA_SYNC_MAX_PAYLOAD + 1];
        struct casca_sync_header h;
        pid_t stub_pid, pid;
        int sock, r;

        stub_pid = start_c(stub, "0", cmd, -1, 0, NULL, &sock);
        r = recv_pid(sock, &h, &pid, payload, sizeof(payload));
        ok(r == 1 && h.step == SYNC_INIT_PID && pid > 0,
           "c: a failing program's pid comes first too");
        expect_errno(sock, stub_pid, pid, ENOENT, "exec \"no-such\"", "c, no such program");
        close(sock);
}

/* TTY "1": a session leader whose controlling terminal is its stdin; with
 * a stdin that is no terminal, what failed, and the program never runs. */
static void test_c_tty(int stub)
{
        const char *const cmd[] = {self, "stub-prog", "tty", NULL};
        char payload[CASCA_SYNC_MAX_PAYLOAD + 1], mark[128];
        struct casca_sync_header h;
        int sock, master, slave = -1, r;
        pid_t stub_pid, pid;

        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0 && ptsname(master))
                slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                bail("a pty: %m");
        stub_pid = start_c(stub, "1", cmd, slave, 0, NULL, &sock);
        r = recv_pid(sock, &h, &pid, payload, sizeof(payload));
        ok(r == 1 && h.step == SYNC_INIT_PID && pid > 0, "c, tty: the pid");
        is_int(pid > 0 ? status_of(pid, NULL) : -2, 5,
               "c, tty: a session leader, its stdin (a pty) its controlling terminal");
        is_int(status_of(stub_pid, NULL), 0, "c, tty: the stub exits 0");
        ok(recv_msg(sock, &h, payload, sizeof(payload)) == 0, "c, tty: nothing failed");
        close(sock);
        close(slave);
        close(master);

        /* stdin /dev/null: TIOCSCTTY fails */
        snprintf(mark, sizeof(mark), "%s/tty-ran", tmp);
        {
                const char *const cmd2[] = {self, "stub-prog", "mark", mark, NULL};

                stub_pid = start_c(stub, "1", cmd2, -1, 0, NULL, &sock);
        }
        r = recv_pid(sock, &h, &pid, payload, sizeof(payload));
        ok(r == 1 && h.step == SYNC_INIT_PID && pid > 0, "c, tty on /dev/null: the pid");
        expect_errno(sock, stub_pid, pid, ENOTTY, "process.terminal: set controlling tty",
                     "c, tty on /dev/null");
        ok(!exists(mark), "c, tty on /dev/null: the program never ran");
        close(sock);
}

/* ---- run any other way: nothing --------------------------------------------------- */

static void test_alone(int stub)
{
        char mark[128], fd_s[16], script[128], interp[64], err[512];
        int sock = open("/dev/null", O_RDWR | O_CLOEXEC);
        struct {
                const char *what;
                char *argv[9];
        } cases[] = {
                {"as the interpreter of \"#!/proc/self/exe\" (argv /proc/self/exe /bin/true)",
                 {"/proc/self/exe", "/bin/true", NULL}},
                {"mode x", {"casca-stub", "x", fd_s, "0", self, "stub-prog", "mark", mark, NULL}},
                {"mode c, fd not a number",
                 {"casca-stub", "c", "3x", "0", self, "stub-prog", "mark", mark, NULL}},
                {"mode c, TTY 2",
                 {"casca-stub", "c", fd_s, "2", self, "stub-prog", "mark", mark, NULL}},
                {"mode c without ARG0", {"casca-stub", "c", fd_s, "0", self, NULL}},
                {"argv[0] not casca-stub",
                 {"stub", "c", fd_s, "0", self, "stub-prog", "mark", mark, NULL}},
                {"mode f, fd not a number",
                 {"casca-stub", "f", "-1", self, "stub-prog", "mark", mark, NULL}},
                {"mode f without ARG0", {"casca-stub", "f", fd_s, self, NULL}},
        };
        int fd;

        snprintf(mark, sizeof(mark), "%s/alone-ran", tmp);
        snprintf(fd_s, sizeof(fd_s), "%d", sock);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int errp[2];
                struct spawn o = {.in = -1, .keep = sock};
                pid_t pid;
                int st;

                if (pipe2(errp, O_CLOEXEC) < 0)
                        bail("pipe: %m");
                o.err = errp[1];
                pid = spawn(stub, cases[i].argv, &o);
                close(errp[1]);
                st = status_of(pid, NULL);
                read_all(errp[0], err, sizeof(err));
                close(errp[0]);
                ok(st == 126 && strcmp(err, USAGE) == 0 && !exists(mark),
                   "alone: %s: 126, nothing run, says what it is (%d)", cases[i].what, st);
                if (strcmp(err, USAGE) != 0)
                        printf("#   stderr: %s\n", err);
        }
        /* a script whose interpreter is the stub, run with the runtime's layout */
        snprintf(script, sizeof(script), "%s/script", tmp);
        snprintf(interp, sizeof(interp), "#!/proc/%d/fd/%d\n", (int)getpid(), stub);
        fd = open(script, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        if (fd < 0 || write(fd, interp, strlen(interp)) != (ssize_t)strlen(interp))
                bail("%s: %m", script);
        close(fd);
        {
                char *const argv[] = {"casca-stub", "c",    fd_s, "0", self,
                                      "stub-prog",  "mark", mark, NULL};
                pid_t pid = fork();
                int st;

                if (pid == 0) {
                        int null = open("/dev/null", O_RDWR);

                        dup2(null, 2);
                        syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
                        fcntl(sock, F_SETFD, 0);
                        execve(script, argv, stub_env);
                        _exit(99);
                }
                st = status_of(pid, NULL);
                ok(st == 126 && !exists(mark),
                   "alone: as a script's #! interpreter, with the runtime's argv: 126, nothing "
                   "run (%d)",
                   st);
        }
        unlink(script);
        close(sock);
}

/* ---- mode f: the created init waiting for start ------------------------------------ */

/* Run the stub in mode f on an O_PATH fd of fifo with path and its args, as
 * uid; *ret_err its stderr; the child's pid. */
static pid_t start_init(int stub, const char *fifo, char *path, char *args[], uid_t uid,
                        int *ret_err, int *ret_fd)
{
        int errp[2], fd = open(fifo, O_PATH | O_CLOEXEC);
        char fd_s[16], *argv[12] = {"casca-stub", "f", fd_s, path};
        struct spawn o = {.in = -1, .keep = fd, .uid = uid};
        pid_t pid;

        if (fd < 0 || pipe2(errp, O_CLOEXEC) < 0)
                bail("%s: %m", fifo);
        snprintf(fd_s, sizeof(fd_s), "%d", fd);
        for (int i = 0; args[i] && i < 7; i++)
                argv[4 + i] = strcmp(args[i], "FD") == 0 ? fd_s : args[i];
        o.err = errp[1];
        pid = spawn(stub, argv, &o);
        close(errp[1]);
        close(fd);
        *ret_err = errp[0];
        if (ret_fd)
                *ret_fd = fd;
        return pid;
}

static void test_init(int stub)
{
        char dir[128], fifo[160], msg[512];
        char *args[] = {"stub-prog", "f-check", "FD", NULL};
        char *bad[] = {"no-such", NULL};
        int errfd, rd, st, fd = -1;
        char byte = 0;
        pid_t pid;

        snprintf(dir, sizeof(dir), "%s/f", tmp);
        snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
        if (mkdir(dir, 0755) < 0 || mkfifo(fifo, 0666) < 0 || chmod(fifo, 0666) < 0)
                bail("%s: %m", fifo);

        pid = start_init(stub, fifo, self, args, TEST_UID, &errfd, &fd);
        ok(wait_blocked(pid, SYS_openat), "f: the init waits in openat(2) of the fifo");
        ok(waitpid(pid, NULL, WNOHANG) == 0, "f: the init waits for start");
        ok(not_dumpable(pid), "f, as uid %d: the stub is not dumpable while it waits", TEST_UID);
        rd = open(fifo, O_RDONLY | O_CLOEXEC);
        ok(rd >= 0 && read(rd, &byte, 1) == 1 && byte == '0', "f: start reads its byte ('0')");
        is_int(status_of(pid, NULL), 6,
               "f: then it runs the program (argv, environment) without the fifo's fds (%d and "
               "the one it wrote), dumpable again",
               fd);
        read_all(errfd, msg, sizeof(msg));
        is_str(msg, "", "f: nothing on stderr");
        close(errfd);
        close(rd);

        /* what fails goes to stderr */
        pid = start_init(stub, fifo, "/no/such/program", bad, 0, &errfd, NULL);
        rd = open(fifo, O_RDONLY | O_CLOEXEC);
        ok(rd >= 0 && read(rd, &byte, 1) == 1, "f: start");
        st = status_of(pid, NULL);
        is_int(st, 127, "f: a program that is not there: 127");
        read_all(errfd, msg, sizeof(msg));
        is_str(msg, "casca: exec \"no-such\": No such file or directory\n", "f: and says why");
        close(errfd);
        close(rd);

        /* a directory to execute: EACCES */
        pid = start_init(stub, fifo, dir, bad, 0, &errfd, NULL);
        rd = open(fifo, O_RDONLY | O_CLOEXEC);
        ok(rd >= 0 && read(rd, &byte, 1) == 1 && status_of(pid, NULL) == 127,
           "f: a program that is a directory: 127");
        read_all(errfd, msg, sizeof(msg));
        is_str(msg, "casca: exec \"no-such\": Permission denied\n", "f: and says why");
        close(errfd);
        close(rd);

        /* not a fifo to write: the error names it */
        pid = start_init(stub, dir, self, bad, 0, &errfd, NULL);
        is_int(status_of(pid, NULL), 127, "f: no exec fifo (a directory): 127");
        read_all(errfd, msg, sizeof(msg));
        is_str(msg, "casca: open the exec fifo (is /proc mounted?): Is a directory\n",
               "f: and says why");
        close(errfd);
        unlink(fifo);
        rmdir(dir);
}

/* ---- the guest ------------------------------------------------------------------------ */

static void guest_setup(void)
{
        mkdir("/dev", 0755);
        mkdir("/proc", 0755);
        mkdir("/tmp", 01777);
        if (mount("dev", "/dev", "devtmpfs", 0, NULL) < 0 && errno != EBUSY)
                bail("mount /dev: %m");
        if (fcntl(1, F_GETFD) < 0) { /* no /dev/console in the initramfs */
                int c = open("/dev/console", O_RDWR);

                if (c >= 0) {
                        dup2(c, 0);
                        dup2(c, 1);
                        dup2(c, 2);
                        if (c > 2)
                                close(c);
                }
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (mount("proc", "/proc", "proc", 0, NULL) < 0)
                bail("mount /proc: %m");
        mkdir("/dev/pts", 0755);
        if (mount("devpts", "/dev/pts", "devpts", 0, "ptmxmode=0666,mode=0620") < 0)
                bail("mount /dev/pts: %m");
        if (mount("tmp", "/tmp", "tmpfs", 0, "mode=1777") < 0)
                bail("mount /tmp: %m");
}

static int run_tests(void)
{
        int stub, sub = -1;
        ssize_t n;

        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0)
                bail("readlink /proc/self/exe: %m");
        self[n] = '\0';
        snprintf(tmp, sizeof(tmp), "/tmp/stub-test-XXXXXX");
        if (!mkdtemp(tmp) || chmod(tmp, 0755) < 0)
                bail("mkdtemp: %m");
        /* orphans are not ours: only a child of ours can be waited for
         * here, which proves CLONE_PARENT (pid 1 reaps what the stub's
         * child would leave without it) */
        ok(getpid() != 1 && prctl(PR_GET_CHILD_SUBREAPER, &sub) == 0 && sub == 0,
           "the checks run in a process that is neither init nor a subreaper");

        stub = stub_memfd();
        ok(stub >= 0, "the stub (%zu bytes) in a memfd", sizeof(casca_stub_image));
        if (stub >= 0) {
                ok((fcntl(stub, F_GET_SEALS) & SEALS) == SEALS, "sealed");
                ok(fcntl(stub, F_GETFD) == FD_CLOEXEC, "close-on-exec");
                test_c_runs(stub);
                test_c_dumpable(stub);
                test_c_fails(stub);
                test_c_tty(stub);
                test_alone(stub);
                test_init(stub);
                close(stub);
        }
        /* what the checks left (the marks are removed as they are read) */
        ok(rmdir(tmp) == 0, "nothing left in %s", tmp);
        return tap_done();
}

int main(int argc, char **argv)
{
        pid_t tests;

#ifdef CASCA_STUB_NONE
        puts("1..0 # SKIP no exec stub for this architecture (casca re-executes a sealed copy)");
        return 0;
#endif
        if (argc > 0 && strcmp(argv[0], "stub-prog") == 0)
                return prog_main(argc, argv);
        if (getpid() != 1) {
                setvbuf(stdout, NULL, _IOLBF, 0);
                if (geteuid() != 0)
                        bail("needs root (setresuid to %d)", TEST_UID);
                return run_tests();
        }
        /* the guest's init: the checks run in a child, init reaps */
        guest_setup();
        tests = fork();
        if (tests == 0)
                exit(run_tests());
        for (;;) {
                int st;
                pid_t r = wait(&st);

                if (r == tests || (r < 0 && errno == ECHILD))
                        break;
        }
        printf("# stub-test: done, powering off\n");
        fflush(stdout);
        sync();
        reboot(RB_POWER_OFF);
        return 0;
}
