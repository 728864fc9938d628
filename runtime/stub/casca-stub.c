/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* casca-stub.c - the exec stub: a few KB of static code that start a
 * container process without the runtime's own binary ever being the
 * executable of a process inside the container (CVE-2019-5736).
 *
 * The runtime embeds this program (runtime/sealed-exe.c) and runs it from a
 * sealed memfd.  The container's init executes it once everything but
 * `start` is done, in a pid namespace nothing else is in yet (create.c);
 * `exec` prepares its process outside the container's pid namespace
 * (namespaces joined, the pid one for its children only; user,
 * capabilities, seccomp filter), then executes the stub, which clones the
 * process into the container's pid namespace (exec.c).  So the only image
 * of the runtime's making a container process can ever see as
 * /proc/<pid>/exe is this one, sealed; and a program whose interpreter is
 * "#!/proc/self/exe" gets this stub, which runs nothing unless called with
 * the runtime's own argument layout (and then only what its caller could
 * run itself).
 *
 * Built freestanding (no libc: no loader, no relocations), for x86_64 and
 * aarch64; elsewhere the Makefile embeds nothing and the runtime keeps
 * re-executing from a sealed copy of itself.
 *
 *   argv: "casca-stub" "c" SOCK TTY PATH ARG0 ARGS...
 *         "casca-stub" "f" FIFO PATH ARG0 ARGS...
 *
 * c: not dumpable (as the runtime's processes are until they execute the
 * container's program), clone (vfork-like, as a child of the stub's
 * parent) a process that, with TTY "1", makes itself a session leader with
 * its stdin as the controlling terminal, marks SOCK close-on-exec and
 * executes PATH with ARG0 ARGS... and the stub's environment.  The stub
 * then sends the runtime, on the sync socket SOCK, the process's pid
 * (SYNC_INIT_PID) and, if the process failed before its program ran, what
 * failed with its errno (SYNC_ERRNO), and exits.
 *
 * f: the container's init, everything done but waiting for `start`: not
 * dumpable, it opens the exec fifo (the O_PATH fd FIFO, through
 * /proc/self/fd) for writing, which blocks until `start` opens it, writes a
 * byte and executes PATH with ARG0 ARGS... and the stub's environment.
 * What fails goes to stderr as "casca: WHAT: ERROR" (the runtime is gone
 * by then), and the stub exits 127: as the init did before it had the stub
 * (create.c), so that a created container's init is the stub, never the
 * runtime. */
#include <linux/sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/sync-wire.h"

#if defined(__x86_64__)
#define NR_write 1
#define NR_close 3
#define NR_openat 257
#define NR_ioctl 16
#define NR_clone 56
#define NR_execve 59
#define NR_fcntl 72
#define NR_setsid 112
#define NR_exit_group 231
#define NR_prctl 157

__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "  xor %rbp, %rbp\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call stub_main\n"
        "  hlt\n");

static inline long sys5(long n, long a, long b, long c, long d, long e)
{
        register long r10 __asm__("r10") = d;
        register long r8 __asm__("r8") = e;
        long ret;

        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                         : "rcx", "r11", "memory");
        return ret;
}
#elif defined(__aarch64__)
#define NR_close 57
#define NR_openat 56
#define NR_ioctl 29
#define NR_fcntl 25
#define NR_write 64
#define NR_exit_group 94
#define NR_setsid 157
#define NR_clone 220
#define NR_execve 221
#define NR_prctl 167

__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "  mov x29, #0\n"
        "  mov x30, #0\n"
        "  mov x0, sp\n"
        "  bl stub_main\n"
        "  brk #0\n");

static inline long sys5(long n, long a, long b, long c, long d, long e)
{
        register long x8 __asm__("x8") = n;
        register long x0 __asm__("x0") = a;
        register long x1 __asm__("x1") = b;
        register long x2 __asm__("x2") = c;
        register long x3 __asm__("x3") = d;
        register long x4 __asm__("x4") = e;

        __asm__ volatile("svc 0"
                         : "+r"(x0)
                         : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
                         : "memory");
        return x0;
}
#else
#error "casca-stub: no syscall glue for this architecture"
#endif

#define F_SETFD 2
#define FD_CLOEXEC 1
#define TIOCSCTTY 0x540E
#define AT_FDCWD (-100)
#define O_WRONLY 01
#define O_CLOEXEC 02000000
#define EINTR 4
#define PR_SET_DUMPABLE 4

/* gcc may call these for the buffer below even when freestanding */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n)
{
        unsigned char *p = d;

        while (n--)
                *p++ = (unsigned char)c;
        return d;
}
void *memcpy(void *d, const void *s, size_t n)
{
        unsigned char *p = d;
        const unsigned char *q = s;

        while (n--)
                *p++ = *q++;
        return d;
}

static int same(const char *a, const char *b)
{
        while (*a && *a == *b)
                a++, b++;
        return *a == *b;
}

static __attribute__((noreturn)) void die(int status)
{
        for (;;)
                sys5(NR_exit_group, status, 0, 0, 0, 0);
}

/* One datagram: header and payload. */
static void send_raw(int sock, uint32_t step, int32_t code, const void *payload, size_t len)
{
        char buf[sizeof(struct casca_sync_header) + CASCA_SYNC_MAX_PAYLOAD];
        struct casca_sync_header h = {.step = step, .code = code, .len = (uint32_t)len};

        memcpy(buf, &h, sizeof(h));
        memcpy(buf + sizeof(h), payload, len);
        sys5(NR_write, sock, (long)buf, (long)(sizeof(h) + len), 0, 0);
}

/* SYNC_ERRNO: what failed (the pieces a, b, c, at most 4096 bytes) and its
 * errno; the runtime words it as its own errors are worded. */
static void send_errno(int sock, int32_t code, const char *a, const char *b, const char *c)
{
        char msg[CASCA_SYNC_MAX_PAYLOAD];
        const char *parts[3] = {a, b, c};
        size_t used = 0;

        for (int i = 0; i < 3; i++)
                for (const char *p = parts[i]; p && *p && used < sizeof(msg); p++)
                        msg[used++] = *p;
        send_raw(sock, SYNC_ERRNO, code, msg, used);
}

/* strerror(3)'s words for what execve and open return (glibc's; others
 * by number, as glibc words an unknown one) */
static const char *const errors[] = {
        [1] = "Operation not permitted",
        [2] = "No such file or directory",
        [4] = "Interrupted system call",
        [5] = "Input/output error",
        [6] = "No such device or address",
        [7] = "Argument list too long",
        [8] = "Exec format error",
        [9] = "Bad file descriptor",
        [11] = "Resource temporarily unavailable",
        [12] = "Cannot allocate memory",
        [13] = "Permission denied",
        [14] = "Bad address",
        [20] = "Not a directory",
        [21] = "Is a directory",
        [22] = "Invalid argument",
        [23] = "Too many open files in system",
        [24] = "Too many open files",
        [26] = "Text file busy",
        [36] = "File name too long",
        [38] = "Function not implemented",
        [40] = "Too many levels of symbolic links",
        [80] = "Accessing a corrupted shared library",
};

/* "casca: A B C: ERROR\n" on stderr, in one write. */
static void eprint(int code, const char *a, const char *b, const char *c)
{
        char msg[CASCA_SYNC_MAX_PAYLOAD], num[16];
        const char *e =
                code > 0 && code < (int)(sizeof(errors) / sizeof(errors[0])) ? errors[code] : NULL;
        const char *parts[7] = {"casca: ", a, b, c, ": ", e, "\n"};
        size_t used = 0;

        if (!e) {
                int i = sizeof(num) - 1, v = code < 0 ? -code : code;

                num[i] = '\0';
                do
                        num[--i] = (char)('0' + v % 10);
                while ((v /= 10) && i > 1);
                if (code < 0)
                        num[--i] = '-';
                parts[5] = "Unknown error ";
                parts[6] = num + i;
        }
        for (int i = 0; i < 7; i++)
                for (const char *p = parts[i]; p && *p && used < sizeof(msg) - 1; p++)
                        msg[used++] = *p;
        if (!e)
                msg[used++] = '\n';
        sys5(NR_write, 2, (long)msg, (long)used, 0, 0);
}

static int parse_fd(const char *s)
{
        int v = 0;

        if (!*s)
                return -1;
        for (; *s; s++) {
                if (*s < '0' || *s > '9' || v > 100000)
                        return -1;
                v = v * 10 + (*s - '0');
        }
        return v;
}

static const char usage[] = "casca-stub: this is casca's exec stub; it runs nothing by itself\n";

/* "f": argv[2] the fifo's O_PATH fd, argv[3] the program, argv[4...] its
 * arguments. */
static __attribute__((noreturn)) void init_main(int fifo, char **argv, char **envp)
{
        char path[32] = "/proc/self/fd/";
        size_t n = 14;
        long fd, r;

        for (const char *p = argv[2]; *p && n < sizeof(path) - 1; p++)
                path[n++] = *p;
        path[n] = '\0';
        r = sys5(NR_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (r < 0) {
                eprint((int)-r, "prctl(PR_SET_DUMPABLE, 0)", NULL, NULL);
                die(127);
        }
        do
                fd = sys5(NR_openat, AT_FDCWD, (long)path, O_WRONLY | O_CLOEXEC, 0, 0);
        while (fd == -EINTR);
        if (fd < 0) {
                eprint((int)-fd, "open the exec fifo (is /proc mounted?)", NULL, NULL);
                die(127);
        }
        r = sys5(NR_write, fd, (long)"0", 1, 0, 0);
        if (r != 1) {
                eprint(r < 0 ? (int)-r : 5, "write the exec fifo", NULL, NULL);
                die(127);
        }
        sys5(NR_close, fd, 0, 0, 0, 0);
        sys5(NR_close, fifo, 0, 0, 0, 0);
        r = sys5(NR_execve, (long)argv[3], (long)(argv + 4), (long)envp, 0, 0);
        eprint((int)-r, "exec \"", argv[4], "\"");
        die(127);
}

__attribute__((noreturn, used)) void stub_main(long *sp);
__attribute__((noreturn, used)) void stub_main(long *sp)
{
        long argc = sp[0];
        char **argv = (char **)(sp + 1);
        char **envp = argv + argc + 1;
        volatile long failed = 0;
        const char *volatile what = NULL;
        int sock, tty;
        long pid;

        if (argc >= 5 && same(argv[0], "casca-stub") && same(argv[1], "f") &&
            (sock = parse_fd(argv[2])) >= 0)
                init_main(sock, argv, envp);
        if (argc < 6 || !same(argv[0], "casca-stub") || !same(argv[1], "c") ||
            (sock = parse_fd(argv[2])) < 0 || (!same(argv[3], "0") && !same(argv[3], "1"))) {
                sys5(NR_write, 2, (long)usage, sizeof(usage) - 1, 0, 0);
                die(126);
        }
        tty = argv[3][0] == '1';
        /* execve made us dumpable: until the process's own execve nothing
         * of the container may open our /proc/<pid>/fd (the sync socket)
         * or attach to us; the process shares our memory, so it too */
        pid = sys5(NR_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (pid < 0) {
                send_errno(sock, (int32_t)-pid, "prctl(PR_SET_DUMPABLE, 0)", NULL, NULL);
                die(127);
        }
        /* vfork-like: we wait (and share memory) until the child has executed
         * its program or failed; it is our parent's child (the runtime's) */
        pid = sys5(NR_clone, CLONE_VM | CLONE_VFORK | CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
        if (pid == 0) {
                long r = 0;

                if (tty && (r = sys5(NR_setsid, 0, 0, 0, 0, 0)) < 0)
                        what = "process.terminal: setsid";
                else if (tty && (r = sys5(NR_ioctl, 0, TIOCSCTTY, 0, 0, 0)) < 0)
                        what = "process.terminal: set controlling tty";
                else if ((r = sys5(NR_fcntl, sock, F_SETFD, FD_CLOEXEC, 0, 0)) < 0)
                        what = "close-on-exec of the sync socket";
                else
                        r = sys5(NR_execve, (long)argv[4], (long)(argv + 5), (long)envp, 0, 0);
                failed = -r;
                die(127);
        }
        if (pid < 0) {
                send_errno(sock, (int32_t)-pid, "clone the exec process", NULL, NULL);
                die(127);
        }
        {
                int32_t p32 = (int32_t)pid;

                send_raw(sock, SYNC_INIT_PID, 0, &p32, sizeof(p32));
        }
        if (failed) {
                if (what)
                        send_errno(sock, (int32_t)failed, what, NULL, NULL);
                else
                        send_errno(sock, (int32_t)failed, "exec \"", argv[5], "\"");
                die(127);
        }
        die(0);
}
