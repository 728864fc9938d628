/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-exec-stub.c - the exec stub (runtime/stub/casca-stub.c, embedded by
 * runtime/sealed-exe.c): sealed; it clones the process as its parent's
 * child, which runs the program with the sync socket closed, and reports
 * the pid and what failed; run any other way it runs nothing; and
 * casca_exec_stub_syscalls_allowed() says which filters let it work. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "casca.h"
#include "runtime/sealed-exe.h"
#include "runtime/sync.h"
#include "seccomp/seccomp.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/json.h"

extern char **environ;

/* Fork a child that executes the stub with path and args; *ret_sock gets
 * our end of the sync socket.  The child's pid. */
static pid_t start(int stub, const char *path, char *const args[], int *ret_sock)
{
        int sv[2];
        pid_t pid;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                struct casca_error *err = NULL;

                close(sv[0]);
                (void)casca_exec_stub_clone(stub, sv[1], false, path, args, environ, &err);
                _exit(99);
        }
        close(sv[1]);
        *ret_sock = sv[0];
        return pid;
}

static int status_of(pid_t pid)
{
        int st = 0;

        if (waitpid(pid, &st, 0) != pid)
                return -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_runs(int stub)
{
        char *const args[] = {"sh", "-c", "exec 2>/dev/null; ls /proc/self/fd/$0 && exit 9; exit 3",
                              NULL};
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_close_ int sock = -1;
        pid_t stub_pid = start(stub, "/bin/sh", args, &sock), pid = 0;
        size_t len = 0;
        char byte;

        ok(stub_pid > 0, "stub started");
        ok(casca_sync_recv(sock, SYNC_INIT_PID, &pid, sizeof(pid), &len, NULL, &err) == 0 &&
                   len == sizeof(pid) && pid > 0,
           "the pid comes first (%s)", err ? err->msg : "ok");
        /* the process is ours (CLONE_PARENT), the stub exits 0 */
        ok(status_of(stub_pid) == 0, "the stub exits 0");
        ok(pid != stub_pid && status_of(pid) == 3,
           "the process is our child and ran its program, the sync socket closed on exec");
        ok(recv(sock, &byte, 1, 0) == 0, "then the socket is at its end");
}

static void test_fails(int stub)
{
        char *const args[] = {"no-such", NULL};
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_close_ int sock = -1;
        pid_t stub_pid = start(stub, "/no/such/program", args, &sock), pid = 0;
        enum casca_sync_step step;
        int r;

        ok(casca_sync_recv(sock, SYNC_INIT_PID, &pid, sizeof(pid), NULL, NULL, &err) == 0 &&
                   pid > 0,
           "a failing program's pid comes first too");
        r = casca_sync_recv_any(sock, &step, NULL, 0, NULL, NULL, &err);
        ok(r == -ENOENT && err &&
                   strcmp(err->msg, "exec \"no-such\": No such file or directory") == 0,
           "then what failed, worded as the runtime words it: %s", err ? err->msg : "-");
        ok(status_of(pid) == 127, "the process exits 127");
        ok(status_of(stub_pid) == 127, "so does the stub");
}

/* As the interpreter of "#!/proc/self/exe", or with any other argv: 126,
 * nothing run. */
static void test_alone(int stub)
{
        char *const argv[] = {"/proc/self/exe", "/bin/true", NULL};
        pid_t pid = fork();

        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY);

                dup2(null, 2);
                syscall(SYS_execveat, stub, "", argv, environ, AT_EMPTY_PATH);
                _exit(99);
        }
        ok(status_of(pid) == 126, "run any other way the stub runs nothing (126)");
}

/* "f": the init's wait for start.  Run the stub on a fifo's O_PATH fd (or
 * what path names); its stderr into *ret_err; the child's pid. */
static pid_t start_init(int stub, const char *fifo, const char *path, char *const args[],
                        int *ret_err)
{
        int errp[2];
        pid_t pid;

        if (pipe2(errp, O_CLOEXEC) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                struct casca_error *err = NULL;
                int fd = open(fifo, O_PATH | O_CLOEXEC);

                dup2(errp[1], 2);
                (void)casca_exec_stub_init(stub, fd, path, args, environ, &err);
                _exit(99);
        }
        close(errp[1]);
        *ret_err = errp[0];
        return pid;
}

static void test_init(int stub)
{
        char dir[] = "/tmp/test-exec-stub-XXXXXX", fifo[64], msg[256] = "";
        char *const args[] = {"sh", "-c", "exec 2>/dev/null; ls /proc/self/fd/3 && exit 9; exit 4",
                              NULL};
        char *const bad[] = {"no-such", NULL};
        _cleanup_close_ int errfd = -1, rd = -1;
        pid_t pid;
        char byte = 0;
        ssize_t n;

        if (!mkdtemp(dir) || snprintf(fifo, sizeof(fifo), "%s/fifo", dir) < 0 ||
            mkfifo(fifo, 0600) < 0) {
                ok(0, "a fifo");
                return;
        }
        pid = start_init(stub, fifo, "/bin/sh", args, &errfd);
        /* blocks in the stub until we (start) open the fifo */
        usleep(100000);
        ok(waitpid(pid, NULL, WNOHANG) == 0, "the init waits for start");
        rd = open(fifo, O_RDONLY | O_CLOEXEC);
        ok(rd >= 0 && read(rd, &byte, 1) == 1 && byte == '0', "start reads its byte");
        ok(status_of(pid) == 4, "then it runs the program, without the fifo's fd");
        casca_closep(&errfd);
        casca_closep(&rd);

        /* what fails goes to stderr, as the init said it before the stub */
        pid = start_init(stub, fifo, "/no/such/program", bad, &errfd);
        rd = open(fifo, O_RDONLY | O_CLOEXEC);
        ok(rd >= 0 && read(rd, &byte, 1) == 1, "start");
        ok(status_of(pid) == 127, "a program that fails: 127");
        n = read(errfd, msg, sizeof(msg) - 1);
        msg[n > 0 ? n : 0] = '\0';
        is_str(msg, "casca: exec \"no-such\": No such file or directory\n", "and says why");
        casca_closep(&errfd);
        casca_closep(&rd);

        /* not a fifo to write: the error names it */
        pid = start_init(stub, dir, "/bin/true", bad, &errfd);
        ok(status_of(pid) == 127, "no exec fifo: 127");
        n = read(errfd, msg, sizeof(msg) - 1);
        msg[n > 0 ? n : 0] = '\0';
        is_str(msg, "casca: open the exec fifo (is /proc mounted?): Is a directory\n",
               "and says why");
        unlink(fifo);
        rmdir(dir);
}

static struct casca_seccomp_prog *compile(const char *json)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_json_ struct casca_json *doc = casca_json_parse(json, strlen(json), NULL);
        struct casca_seccomp *s = NULL;
        struct casca_seccomp_prog *p = NULL;
        bool cached;

        if (doc && casca_seccomp_from_json(doc, JKEY(NULL, "seccomp"), &s, &err) == 0)
                (void)casca_seccomp_prog_get(s, -1, NULL, NULL, &p, &cached, &err);
        if (!p)
                fprintf(stderr, "# compile: %s\n", err ? err->msg : "not JSON");
        casca_seccomp_free(s);
        return p;
}

static bool allowed(const char *json, bool tty)
{
        struct casca_seccomp_prog *p = compile(json);
        bool r = p && casca_exec_stub_syscalls_allowed(p, 5, 6, tty);

        casca_seccomp_prog_free(p);
        return r;
}

static void test_filters(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        struct casca_seccomp *def = casca_seccomp_default_profile_new(&err);
        struct casca_seccomp_prog *p = NULL;
        bool cached;

        ok(casca_exec_stub_syscalls_allowed(NULL, 5, 6, true), "no filter: allowed");
        ok(casca_exec_stub_init_syscalls_allowed(NULL, 5, 6), "no filter: allowed (init)");
        ok(def && casca_seccomp_prog_get(def, -1, NULL, NULL, &p, &cached, &err) == 0 &&
                   casca_exec_stub_syscalls_allowed(p, 5, 6, true),
           "casca's default profile lets the stub work (with a terminal too)");
        ok(p && casca_exec_stub_init_syscalls_allowed(p, 5, 6), "and the init's stub");
        casca_seccomp_prog_free(p);
        casca_seccomp_free(def);
        ok(allowed("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", true), "allow by default: allowed");
        ok(!allowed("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                    "[\"execveat\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
                    false),
           "execveat refused: not");
        ok(!allowed("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                    "[\"clone\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, "
                    "\"value\": 256, \"valueTwo\": 256, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}",
                    false),
           "clone with CLONE_VM refused: not");
        ok(allowed("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
                   "{\"names\": [\"fcntl\", \"execveat\", \"write\", \"execve\", "
                   "\"exit_group\", \"prctl\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                   "{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
                   "[{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, "
                   "\"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}",
                   false),
           "only what the stub makes, clone without namespace flags (as Docker's profile): "
           "allowed");
        ok(allowed("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                   "[\"setsid\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
                   false) &&
                   !allowed("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                            "[\"setsid\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
                            true),
           "setsid refused: allowed without a terminal, not with one");
        {
                struct casca_seccomp_prog *q =
                        compile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{"
                                "\"names\": [\"openat\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");

                ok(q && casca_exec_stub_syscalls_allowed(q, 5, 6, false) &&
                           !casca_exec_stub_init_syscalls_allowed(q, 5, 6),
                   "openat refused: exec's stub works, the init's would not (the fifo)");
                casca_seccomp_prog_free(q);
        }
        ok(!allowed("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                    "[\"write\"], \"action\": \"SCMP_ACT_TRACE\"}]}",
                    false),
           "write traced: not");
        ok(allowed("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                   "[\"write\"], \"action\": \"SCMP_ACT_LOG\"}]}",
                   false),
           "write logged: allowed");
}

int main(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_close_ int stub = casca_exec_stub_open(&err);

#if !defined(__x86_64__) && !defined(__aarch64__)
        ok(stub == -ENOSYS, "no stub for this architecture");
        return tap_done();
#endif
        ok(stub >= 0, "the stub in a memfd (%s)", err ? err->msg : "ok");
        if (stub < 0)
                return tap_done();
        ok((fcntl(stub, F_GET_SEALS) &
            (F_SEAL_SEAL | F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK)) ==
                   (F_SEAL_SEAL | F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK),
           "sealed");
        ok(fcntl(stub, F_GETFD) == FD_CLOEXEC, "close-on-exec");
        test_runs(stub);
        test_fails(stub);
        test_alone(stub);
        test_init(stub);
        test_filters();
        return tap_done();
}
