/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sealed-exe.c - no container process runs the runtime's binary: the exec stub, or a
 * sealed in-memory copy of the runtime.
 *
 * The container's init is a fork of the runtime until it execs the
 * container's process, and a program in the image whose interpreter is
 * "#!/proc/self/exe" makes the kernel run the runtime's own binary inside
 * the container (with the image's libraries).  Either way a process in the
 * container can open /proc/<pid>/exe of a process running the runtime and,
 * once it exits, write through that descriptor (CVE-2019-5736).  The init
 * is not dumpable until exec (create.c), which closes the first way; this
 * closes the second: /proc/<pid>/exe names a memfd that cannot be written,
 * grown or shrunk, never the file on disk.
 *
 * Only when the caller could write the binary: a binary nobody in the
 * containers can write needs no protection (casca_exe_needs_protection).
 *
 * Where it can, casca needs no copy at all: no container process is ever
 * a copy of the runtime, so nothing of the runtime needs re-executing.
 * The exec stub (runtime/stub/casca-stub.c: 3.6 KB of static code without
 * libc, embedded here and run from a sealed memfd) takes over from the
 * runtime's code before anything of the container can see it.  The init,
 * in the pid namespace it creates (empty until the container is marked
 * created), executes the stub, which waits for `start` on the exec fifo
 * and executes the container's program (create.c); `exec` prepares the
 * process outside the container's pid namespace and the stub clones it in
 * (exec.c).  So the only image of casca's making a container process can
 * see as /proc/<pid>/exe is the stub's, and "#!/proc/self/exe" runs the
 * stub, which runs nothing.  That saves a second execve of the runtime and
 * a second run of the dynamic loader (README, Benchmarks).  Where the stub
 * cannot start the process as the runtime would have, the caller says why
 * and re-executes from the sealed copy first (casca_exec_sealed_again()).
 *
 * Why a copy rather than a read-only bind mount of the binary: it needs no
 * privilege (rootless works), leaves no mount behind, and the cost is small
 * for a binary this size -- one memfd, an in-kernel copy (sendfile) and one
 * more execve; measured in the report of the change that added this. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "casca.h"
#include "runtime/config.h"
#include "runtime/sealed-exe.h"
#include "util/cleanup.h"
#include "util/format.h"
#include "util/fs.h"
#include "util/log.h"

#include "runtime/stub/casca-stub.h" /* generated (Makefile): the stub's bytes */

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static bool fd_sealed(int fd)
{
        int seals = fcntl(fd, F_GET_SEALS);

        return seals >= 0 && (seals & SEALS) == SEALS;
}

bool casca_exe_is_sealed(void)
{
        _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

        return self >= 0 && fd_sealed(self);
}

static int copy_all(int to, int from, off_t size, struct casca_error **err)
{
        char buf[65536];
        off_t done = 0;

        while (done < size) {
                ssize_t n = sendfile(to, from, NULL, (size_t)(size - done));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EINVAL || errno == ENOSYS) && done == 0)
                        break; /* no sendfile into a memfd here: read/write */
                if (n < 0)
                        return casca_error_set(err, errno, "copy the runtime binary");
                if (n == 0)
                        return casca_error_setx(err, EIO, "copy the runtime binary: short read");
                done += n;
        }
        while (done < size) {
                ssize_t n = read(from, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return casca_error_set(err, n < 0 ? errno : EIO, "copy the runtime binary");
                for (ssize_t w = 0; w < n;) {
                        ssize_t m = write(to, buf + w, (size_t)(n - w));

                        if (m < 0 && errno == EINTR)
                                continue;
                        if (m <= 0)
                                return casca_error_set(err, m < 0 ? errno : EIO,
                                                       "copy the runtime binary");
                        w += m;
                }
                done += n;
        }
        return 0;
}

struct copy {
        int self;
        off_t size;
};

static int fill_copy(int mfd, void *arg, struct casca_error **err)
{
        const struct copy *c = arg;

        if (lseek(c->self, 0, SEEK_SET) < 0)
                return casca_error_set(err, errno, "rewind `/proc/self/exe`");
        return copy_all(mfd, c->self, c->size, err);
}

/* A sealed memfd to execute (made again on a transient EBUSY from the
 * seal, casca_fs_memfd_sealed(): seen once in the VM lane under load), or
 * < 0.  MFD_EXEC (Linux 6.3) keeps vm.memfd_noexec=1 from refusing exec;
 * an older kernel refuses the flag (EINVAL). */
static int sealed_exec_memfd(const char *name, const char *what,
                             int (*fill)(int fd, void *arg, struct casca_error **err), void *arg,
                             struct casca_error **err)
{
        struct casca_error *e = NULL;
        int mfd = casca_fs_memfd_sealed(name, MFD_EXEC, what, fill, arg, &e);

        if (mfd != -EINVAL) {
                if (err && !*err)
                        *err = e;
                else
                        casca_error_free(e);
                return mfd;
        }
        casca_error_free(e);
        return casca_fs_memfd_sealed(name, 0, what, fill, arg, err);
}

/* A sealed copy of the runtime in a new memfd, or < 0. */
static int sealed_copy(int self, off_t size, struct casca_error **err)
{
        struct copy c = {self, size};

        return sealed_exec_memfd("casca", "the copy of the runtime", fill_copy, &c, err);
}

/* Is /proc/self/exe a file the caller could write?  A binary the caller
 * cannot write (root's, mode 0755, run by a user, or by root in a user
 * namespace that does not map its owner): no process of its containers can
 * write it either.  Their ids are the caller's or its subordinate ids
 * (/etc/subuid), their capabilities are in the caller's user namespace or
 * below it, neither mapping the binary's owner, and a setuid binary whose
 * owner their namespace does not map runs without its owner's id.  Then a
 * copy protects nothing and costs a second execve and a second run of the
 * dynamic loader.  EACCES only: EROFS may be a read-only mount of a file
 * that another, writable mount of the filesystem holds.  The kernel's own
 * check (faccessat2, Linux 5.8), never glibc's emulation of AT_EACCESS,
 * which ignores a non-root caller's capabilities: ENOSYS protects. */
static bool self_writable(void)
{
        return !(syscall(SYS_faccessat2, AT_FDCWD, "/proc/self/exe", W_OK, AT_EACCESS) < 0 &&
                 errno == EACCES);
}

bool casca_exe_needs_protection(void)
{
        return !casca_exe_is_sealed() && self_writable();
}

static char **sealed_argv;

void casca_set_sealed_argv(char **argv)
{
        sealed_argv = argv;
}

int casca_exec_sealed_again(struct casca_error **err)
{
        if (!sealed_argv)
                return casca_error_setx(err, EPERM,
                                        "the runtime must run from a sealed copy of itself here "
                                        "(casca_exec_sealed_self() or casca_set_sealed_argv())");
        return casca_exec_sealed_self(sealed_argv, err);
}

int casca_exec_sealed_self(char **argv, struct casca_error **err)
{
        _cleanup_close_ int self = -1, mfd = -1;
        struct stat st;

        self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return casca_error_set(err, errno, "open `/proc/self/exe`");
        if (fd_sealed(self)) {
                /* exec from an fd named us "memfd:casca" (or "3"): take our name back */
                const char *slash = argv && argv[0] ? strrchr(argv[0], '/') : NULL;

                if (argv && argv[0])
                        (void)prctl(PR_SET_NAME, slash ? slash + 1 : argv[0], 0, 0, 0);
                return 0;
        }
        if (!self_writable())
                return 0;
        if (fstat(self, &st) < 0)
                return casca_error_set(err, errno, "stat `/proc/self/exe`");
        mfd = sealed_copy(self, st.st_size, err);
        if (mfd < 0)
                return -1;
        syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
        return casca_error_set(err, errno, "execute the sealed copy of the runtime");
}

/* ---- the exec stub ------------------------------------------------------------ */

struct stub_bytes {
        const unsigned char *p;
        size_t len;
};

static int fill_stub(int fd, void *arg, struct casca_error **err)
{
        const struct stub_bytes *b = arg;

        return casca_fs_write_fd(fd, "the exec stub", (const char *)b->p, b->len, err);
}

int casca_exec_stub_open(struct casca_error **err)
{
#ifdef CASCA_STUB_NONE
        return casca_error_setx(err, ENOSYS, "no exec stub for this architecture");
#else
        struct stub_bytes b = {casca_stub_image, sizeof(casca_stub_image)};

        return sealed_exec_memfd("casca-stub", "the exec stub", fill_stub, &b, err);
#endif
}

struct stub_call {
        int nr;
        uint64_t args[6];
        enum { BOTH, CLONE, TTY, INIT } when;
};

static bool calls_allowed(const struct casca_seccomp_prog *p, const struct stub_call *calls,
                          size_t n, bool init, bool tty)
{
        for (size_t i = 0; p && i < n; i++) {
                if ((calls[i].when == INIT && !init) ||
                    ((calls[i].when == CLONE || calls[i].when == TTY) && init) ||
                    (calls[i].when == TTY && !tty))
                        continue;
                if (!casca_seccomp_prog_allows(p, calls[i].nr, calls[i].args))
                        return false;
        }
        return true;
}

static bool stub_syscalls_allowed(const struct casca_seccomp_prog *p, int stub_fd, int fd,
                                  bool init, bool tty)
{
        const uint64_t clone_flags = CLONE_VM | CLONE_VFORK | CLONE_PARENT | SIGCHLD;
        const struct stub_call calls[] = {
                /* ours: the fd kept open, the stub executed; on failure the
                 * fd closed on exec again; the init's READY before */
                {SYS_sendmsg, {(uint64_t)fd}, INIT},
                {SYS_fcntl, {(uint64_t)fd, F_SETFD, 0}, BOTH},
                {SYS_execveat, {(uint64_t)stub_fd, 0, 0, 0, AT_EMPTY_PATH}, BOTH},
                {SYS_fcntl, {(uint64_t)fd, F_SETFD, FD_CLOEXEC}, BOTH},
                /* the stub's (runtime/stub/casca-stub.c) */
                {SYS_prctl, {PR_SET_DUMPABLE, 0}, BOTH},
                {SYS_clone, {clone_flags}, CLONE},
                {SYS_fcntl, {(uint64_t)fd, F_SETFD, FD_CLOEXEC}, CLONE},
                {SYS_write, {(uint64_t)fd}, CLONE},
                {SYS_setsid, {0}, TTY},
                {SYS_ioctl, {0, TIOCSCTTY, 0}, TTY},
                {SYS_openat, {(uint64_t)AT_FDCWD, 0, O_WRONLY | O_CLOEXEC}, INIT},
                {SYS_write, {0}, INIT},
                {SYS_close, {0}, INIT},
                {SYS_close, {(uint64_t)fd}, INIT},
                {SYS_write, {STDERR_FILENO}, INIT},
                {SYS_execve, {0}, BOTH},
                {SYS_exit_group, {0}, BOTH},
        };

        return calls_allowed(p, calls, sizeof(calls) / sizeof(calls[0]), init, tty);
}

bool casca_exec_stub_syscalls_allowed(const struct casca_seccomp_prog *p, int stub_fd, int sock,
                                      bool tty)
{
        return stub_syscalls_allowed(p, stub_fd, sock, false, tty);
}

bool casca_exec_stub_init_syscalls_allowed(const struct casca_seccomp_prog *p, int stub_fd,
                                           int fifo_fd)
{
        return stub_syscalls_allowed(p, stub_fd, fifo_fd, true, false);
}

int casca_exec_stub_choose(const struct casca_context *ctx, const char *id, const char *verb,
                           const char *verb_why, const struct casca_process *p,
                           const struct casca_seccomp_prog *filter, bool init, int *ret_stub_fd,
                           struct casca_error **err)
{
        _cleanup_error_ struct casca_error *e2 = NULL;
        const char *why = verb_why;
        int fd = -1;

        *ret_stub_fd = -1;
        if (!casca_exe_needs_protection())
                return 0;
        if (!why && (p->apparmor_profile || p->selinux_label))
                why = "an LSM label takes effect at execve (it would be the stub's)";
        if (!why && (fd = casca_exec_stub_open(&e2)) < 0)
                why = e2 ? e2->msg : "no exec stub";
        /* the fd the stub is given (the sync socket, the exec fifo) may not
         * be open yet: any fd of ours will do for a filter that looks at fd
         * numbers, which none does */
        if (!why && filter && !stub_syscalls_allowed(filter, fd, fd, init, !init && p->terminal))
                why = "linux.seccomp does not let the exec stub's syscalls through";
        if (why) {
                casca_closep(&fd);
                casca_log(ctx, CASCA_LOG_DEBUG,
                          "container %s%s%s: %s: from a sealed copy of the runtime", id,
                          verb ? ": " : "", verb ?: "", why);
                return casca_exec_sealed_again(err);
        }
        casca_log(ctx, CASCA_LOG_DEBUG, "container %s%s%s: %s", id, verb ? ": " : "", verb ?: "",
                  init ? "the init waits for start in the exec stub"
                       : "the process starts from the exec stub");
        *ret_stub_fd = fd;
        return 0;
}

/* execveat the stub with "casca-stub" MODE FD [TTY] PATH ARGS..., fd kept
 * open through it. */
static int exec_stub(int stub_fd, const char *mode, int fd, const char *tty, const char *path,
                     char *const args[], char *const env[], struct casca_error **err)
{
        static char *const empty_env[] = {NULL};
        char fd_s[16];
        size_t n = 0, k = 0;
        _cleanup_free_ char **argv = NULL;
        int saved;

        while (args[n])
                n++;
        argv = calloc(n + 6, sizeof(*argv));
        if (!argv || casca_snprintf(fd_s, sizeof(fd_s), "%d", fd) < 0)
                return casca_error_set(err, ENOMEM, "exec stub arguments");
        argv[k++] = (char *)"casca-stub";
        argv[k++] = (char *)mode;
        argv[k++] = fd_s;
        if (tty)
                argv[k++] = (char *)tty;
        argv[k++] = (char *)path;
        memcpy(argv + k, args, n * sizeof(*argv));
        /* the stub uses it, then closes it or marks it close-on-exec again */
        if (fcntl(fd, F_SETFD, 0) < 0)
                return casca_error_set(err, errno, "exec stub: fd %d", fd);
        syscall(SYS_execveat, stub_fd, "", argv, env ? env : empty_env, AT_EMPTY_PATH);
        saved = errno;
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        return casca_error_set(err, saved, "execute the exec stub");
}

int casca_exec_stub_clone(int stub_fd, int sock, bool tty, const char *path, char *const args[],
                          char *const env[], struct casca_error **err)
{
        return exec_stub(stub_fd, "c", sock, tty ? "1" : "0", path, args, env, err);
}

int casca_exec_stub_init(int stub_fd, int fifo_fd, const char *path, char *const args[],
                         char *const env[], struct casca_error **err)
{
        return exec_stub(stub_fd, "f", fifo_fd, NULL, path, args, env, err);
}
