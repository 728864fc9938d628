/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-seccomp.c - seccomp/: name tables, filter building (errors, skipped
 * rules), and real filters loaded in forked children: errno, kill, trap,
 * trace, log, argument filters, NOTIFY with an in-test agent, the default
 * profile running busybox and refusing what it should. */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "casca.h"
#include "seccomp/seccomp.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/json.h"

#define NOWHERE "/casca-test-nonexistent/x"

/* libseccomp's API level: what this kernel and libseccomp can do (3: LOG,
 * KILL_PROCESS; 4: SPEC_ALLOW; 5: NOTIFY). */

/* An integer value, -1 when v is not one. */
static int64_t num(const struct casca_json *v)
{
        int64_t n = -1;

        casca_json_i64(v, NULL, &n, NULL);
        return n;
}

static unsigned api;
/* Under valgrind seccomp(2) is not emulated and a loaded filter would also
 * filter valgrind itself: the tests that load filters in a child are
 * skipped there; everything that runs in the test process is checked. */
static bool under_valgrind;

static bool skip_children(const char *what)
{
        if (!under_valgrind)
                return false;
        ok(1, "# SKIP %s: loads filters in children, not under valgrind", what);
        return true;
}

static bool skip_below_api(unsigned level, const char *what)
{
        if (api >= level)
                return false;
        ok(1, "# SKIP %s: needs libseccomp API level %u, have %u", what, level, api);
        return true;
}

/* ---- helpers ---------------------------------------------------------------- */

/* Build s in the parent (as the runtime does before clone), load it in a
 * forked child and run body there; returns the child's wait status, or -1
 * when the build failed (the error is printed as a TAP comment). */
static int run_filtered(const struct casca_seccomp *s, int (*body)(void *), void *arg)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        int status = -1;
        pid_t pid;

        if (s && casca_seccomp_build(s, &ctx, &err) < 0) {
                printf("# build: %s\n", err->msg);
                return -1;
        }
        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                struct rlimit no_core = {0, 0};
                struct casca_error *e = NULL;

                setrlimit(RLIMIT_CORE, &no_core); /* SIGSYS dumps core */
                if (ctx && casca_seccomp_load(ctx, NULL, &e) < 0)
                        _exit(200);
                _exit(body(arg));
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        return status;
}

static bool exited(int status, int code)
{
        if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == code)
                return true;
        if (status < 0)
                printf("#   no child ran\n");
        else if (WIFEXITED(status))
                printf("#   child exited %d, want %d\n", WEXITSTATUS(status), code);
        else if (WIFSIGNALED(status))
                printf("#   child killed by signal %d\n", WTERMSIG(status));
        return false;
}

static bool killed_by(int status, int sig)
{
        if (status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == sig)
                return true;
        printf("#   status 0x%x, want killed by signal %d\n", (unsigned)status, sig);
        return false;
}

/* A single-rule profile: default_action, rule (action, errno, args) for
 * the syscalls in names. */
struct one_rule {
        struct casca_seccomp s;
        struct casca_seccomp_syscall sc;
        struct casca_seccomp_arg args[4];
};

static struct casca_seccomp *one_rule(struct one_rule *o, enum casca_seccomp_action def,
                                      char **names, size_t n_names,
                                      enum casca_seccomp_action action)
{
        memset(o, 0, sizeof(*o));
        o->s.default_action = def;
        o->s.syscalls = &o->sc;
        o->s.n_syscalls = 1;
        o->sc.names = names;
        o->sc.n_names = n_names;
        o->sc.action = action;
        o->sc.args = o->args;
        return &o->s;
}

static void add_arg(struct one_rule *o, uint32_t index, enum casca_seccomp_op op, uint64_t value,
                    uint64_t value_two)
{
        o->args[o->sc.n_args++] = (struct casca_seccomp_arg){
                .index = index, .op = op, .value = value, .value_two = value_two};
}

static const char *build_error(const struct casca_seccomp *s)
{
        static char msg[512];
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;

        if (casca_seccomp_build(s, &ctx, &err) >= 0)
                return "(built)";
        snprintf(msg, sizeof(msg), "%s", err->msg);
        return msg;
}

/* ---- tables ------------------------------------------------------------------ */

static void test_tables(void)
{
        enum scmp_filter_attr attr = 0;
        uint32_t token = 0, v = 0;
        bool all = true;

        for (int a = CASCA_SCMP_KILL; a <= CASCA_SCMP_NOTIFY; a++)
                all &= casca_seccomp_action_from_name(casca_seccomp_action_name(a)) == a;
        ok(all, "every action name maps back to its action");
        is_int(casca_seccomp_action_from_name("SCMP_ACT_FOO"), -1, "unknown action name");
        all = true;
        for (int op = CASCA_SCMP_CMP_NE; op <= CASCA_SCMP_CMP_MASKED_EQ; op++)
                all &= casca_seccomp_op_from_name(casca_seccomp_op_name(op)) == op;
        ok(all, "every operator name maps back to its operator");
        is_int(casca_seccomp_op_value(CASCA_SCMP_CMP_MASKED_EQ), SCMP_CMP_MASKED_EQ,
               "MASKED_EQ is libseccomp's SCMP_CMP_MASKED_EQ");
        is_int(casca_seccomp_op_value(CASCA_SCMP_CMP_LE), SCMP_CMP_LE, "LE is SCMP_CMP_LE");

        is_int(casca_seccomp_arch_lookup("SCMP_ARCH_X86_64", &token), 0, "SCMP_ARCH_X86_64 known");
        is_int(token, SCMP_ARCH_X86_64, "SCMP_ARCH_X86_64 token");
        is_int(casca_seccomp_arch_lookup("SCMP_ARCH_AARCH64", &token), 0,
               "SCMP_ARCH_AARCH64 known");
        is_int(token, SCMP_ARCH_AARCH64, "SCMP_ARCH_AARCH64 token");
        is_int(casca_seccomp_arch_lookup("SCMP_ARCH_X32", &token), 0, "SCMP_ARCH_X32 known");
        is_int(token, SCMP_ARCH_X32, "SCMP_ARCH_X32 token");
        is_int(casca_seccomp_arch_lookup("SCMP_ARCH_FOO", &token), -ENOENT, "unknown arch");
        is_int(casca_seccomp_arch_lookup("x86_64", &token), -ENOENT,
               "libseccomp's own arch names are not OCI names");
        if (seccomp_arch_resolve_name("loongarch64") == 0)
                is_int(casca_seccomp_arch_lookup("SCMP_ARCH_LOONGARCH64", &token), -EOPNOTSUPP,
                       "an OCI arch this libseccomp lacks is -EOPNOTSUPP");
        else
                ok(1, "# SKIP this libseccomp supports loongarch64");
#if defined(__x86_64__)
        is_str(casca_seccomp_arch_native_name(), "SCMP_ARCH_X86_64", "native arch name");
#else
        ok(casca_seccomp_arch_native_name() != NULL, "native arch name");
#endif

        if (api >= 3) {
                is_int(casca_seccomp_flag_lookup("SECCOMP_FILTER_FLAG_LOG", &attr), 0,
                       "LOG flag known");
                is_int(attr, SCMP_FLTATR_CTL_LOG, "LOG is SCMP_FLTATR_CTL_LOG");
        } else {
                is_int(casca_seccomp_flag_lookup("SECCOMP_FILTER_FLAG_LOG", &attr), -EOPNOTSUPP,
                       "LOG flag needs API level 3");
        }
        if (api >= 4) {
                is_int(casca_seccomp_flag_lookup("SECCOMP_FILTER_FLAG_SPEC_ALLOW", &attr), 0,
                       "SPEC_ALLOW flag known");
                is_int(attr, SCMP_FLTATR_CTL_SSB, "SPEC_ALLOW is SCMP_FLTATR_CTL_SSB");
        } else {
                is_int(casca_seccomp_flag_lookup("SECCOMP_FILTER_FLAG_SPEC_ALLOW", &attr),
                       -EOPNOTSUPP, "SPEC_ALLOW flag needs API level 4");
        }
        is_int(casca_seccomp_flag_lookup("SECCOMP_FILTER_FLAG_TSYNC", &attr),
               api >= 2 ? 0 : -EOPNOTSUPP, "TSYNC known (needs API level 2)");
        is_int(casca_seccomp_flag_lookup("SECCOMP_FILTER_FLAG_FOO", &attr), -ENOENT,
               "unknown flag");
#ifndef SCMP_FLTATR_CTL_WAITKILL
        is_int(casca_seccomp_flag_lookup("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", &attr),
               -EOPNOTSUPP, "WAIT_KILLABLE_RECV needs libseccomp 2.6");
#endif
        if (!skip_below_api(3, "kernel probe: LOG flag"))
                ok(casca_seccomp_flag_kernel_supported("SECCOMP_FILTER_FLAG_LOG"),
                   "kernel probe: LOG flag supported");
        ok(!casca_seccomp_flag_kernel_supported("SECCOMP_FILTER_FLAG_FOO"),
           "kernel probe: unknown flag not supported");

        is_int(casca_seccomp_action_value(CASCA_SCMP_ERRNO, false, 0, &v), 0, "ERRNO value");
        is_int(v, SCMP_ACT_ERRNO(EPERM), "ERRNO without errnoRet is EPERM");
        casca_seccomp_action_value(CASCA_SCMP_ERRNO, true, ENOENT, &v);
        is_int(v, SCMP_ACT_ERRNO(ENOENT), "ERRNO with errnoRet");
        casca_seccomp_action_value(CASCA_SCMP_TRACE, false, 0, &v);
        is_int(v, SCMP_ACT_TRACE(EPERM), "TRACE without errnoRet is TRACE(EPERM)");
        casca_seccomp_action_value(CASCA_SCMP_KILL, false, 0, &v);
        is_int(v, SCMP_ACT_KILL_THREAD, "KILL is KILL_THREAD");
        casca_seccomp_action_value(CASCA_SCMP_NOTIFY, false, 0, &v);
        is_int(v, SCMP_ACT_NOTIFY, "NOTIFY value");
        is_int(casca_seccomp_action_value(CASCA_SCMP_ALLOW, true, 1, &v), -EINVAL,
               "errnoRet with ALLOW is refused");
        is_int(casca_seccomp_action_value(CASCA_SCMP_ERRNO, true, 4096, &v), -ERANGE,
               "errnoRet above 4095 is refused");
        is_int(casca_seccomp_action_value(CASCA_SCMP_TRACE, true, 4096, &v), 0,
               "TRACE takes a 16-bit message");
        is_int(v, SCMP_ACT_TRACE(4096), "TRACE(4096)");
        is_int(casca_seccomp_action_value(CASCA_SCMP_TRACE, true, 65536, &v), -ERANGE,
               "TRACE message above 65535 is refused");
}

/* ---- build errors and skipped rules ------------------------------------------ */

struct skipped {
        int n;
        enum casca_seccomp_skip reason[8];
        size_t rule[8];
        char name[8][32];
};

static void record_skip(void *userdata, enum casca_seccomp_skip reason, size_t rule,
                        const char *syscall)
{
        struct skipped *sk = userdata;

        if (sk->n >= 8)
                return;
        sk->reason[sk->n] = reason;
        sk->rule[sk->n] = rule;
        snprintf(sk->name[sk->n], sizeof(sk->name[0]), "%s", syscall);
        sk->n++;
}

static void test_build_errors(void)
{
        struct casca_seccomp s = {.default_action = CASCA_SCMP_ALLOW};
        struct one_rule o;

        s.architectures = (char *[]){"SCMP_ARCH_X86_64", "SCMP_ARCH_FOO"};
        s.n_architectures = 2;
        is_str(build_error(&s),
               "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_FOO\"",
               "unknown architecture names its JSON path");
        if (seccomp_arch_resolve_name("loongarch64") == 0) {
                s.architectures = (char *[]){"SCMP_ARCH_LOONGARCH64"};
                s.n_architectures = 1;
                ok(strstr(build_error(&s), "linux.seccomp.architectures[0]: architecture "
                                           "\"SCMP_ARCH_LOONGARCH64\" is not supported by "
                                           "libseccomp") != NULL,
                   "an unsupported architecture is refused with its path");
        }
        s.n_architectures = 0;

        s.flags = (char *[]){"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_BAR"};
        s.n_flags = 2;
        is_str(build_error(&s), "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_BAR\"",
               "unknown flag names its JSON path");
        s.n_flags = 0;

        s.has_default_errno_ret = true;
        s.default_errno_ret = 5;
        is_str(build_error(&s),
               "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, "
               "not SCMP_ACT_ALLOW",
               "defaultErrnoRet with ALLOW is refused");
        s.default_action = CASCA_SCMP_ERRNO;
        s.default_errno_ret = 70000;
        is_str(build_error(&s), "linux.seccomp.defaultErrnoRet: 70000 is out of range (0-4095)",
               "defaultErrnoRet out of range");
        s.has_default_errno_ret = false;
        s.default_action = CASCA_SCMP_NOTIFY;
        s.listener_path = "/run/agent.sock";
        is_str(build_error(&s),
               "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action",
               "NOTIFY as default action is refused");
        s.default_action = CASCA_SCMP_ALLOW;
        s.listener_path = NULL;
        s.listener_metadata = "x";
        is_str(build_error(&s), "linux.seccomp.listenerMetadata: requires listenerPath",
               "listenerMetadata without listenerPath is refused");

        one_rule(&o, CASCA_SCMP_ALLOW, (char *[]){"mkdir"}, 1, CASCA_SCMP_KILL);
        o.sc.has_errno_ret = true;
        is_str(build_error(&o.s),
               "linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or "
               "SCMP_ACT_TRACE, not SCMP_ACT_KILL",
               "errnoRet with KILL is refused");
        one_rule(&o, CASCA_SCMP_ALLOW, (char *[]){"mkdir"}, 1, CASCA_SCMP_ERRNO);
        add_arg(&o, 0, CASCA_SCMP_CMP_EQ, 1, 0);
        add_arg(&o, 6, CASCA_SCMP_CMP_EQ, 1, 0);
        is_str(build_error(&o.s),
               "linux.seccomp.syscalls[0].args[1].index: 6 is out of range (0-5)",
               "arg index 6 is refused with its path");
        one_rule(&o, CASCA_SCMP_ALLOW, (char *[]){"getppid"}, 1, CASCA_SCMP_NOTIFY);
        is_str(build_error(&o.s),
               "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY requires "
               "linux.seccomp.listenerPath",
               "NOTIFY without listenerPath is refused");
        o.s.listener_path = "/run/agent.sock";
        ok(casca_seccomp_uses_notify(&o.s), "uses_notify sees the NOTIFY rule");
        if (!skip_below_api(5, "NOTIFY rules")) {
                is_str(build_error(&o.s), "(built)", "NOTIFY with listenerPath builds");
                o.sc.names = (char *[]){"getppid", "write"};
                o.sc.n_names = 2;
                is_str(build_error(&o.s),
                       "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for \"write\" "
                       "(the runtime needs it after loading the filter)",
                       "NOTIFY on write is refused");
        }
        o.sc.action = CASCA_SCMP_ERRNO;
        ok(!casca_seccomp_uses_notify(&o.s), "uses_notify: no NOTIFY rule");
        is_str(build_error(NULL), "linux.seccomp: no configuration", "NULL profile is refused");
}

static void test_skips(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        struct casca_seccomp_syscall rules[3] = {
                {.names = (char *[]){"mkdir", "getppid"},
                 .n_names = 2,
                 .action = CASCA_SCMP_ERRNO}, /* == default ERRNO(EPERM) */
                {.names = (char *[]){"casca_no_such_syscall", "mkdir"},
                 .n_names = 2,
                 .action = CASCA_SCMP_ERRNO,
                 .has_errno_ret = true,
                 .errno_ret = ENOENT},
                {.names = (char *[]){"getppid"}, .n_names = 1, .action = CASCA_SCMP_ALLOW},
        };
        struct casca_seccomp s = {
                .default_action = CASCA_SCMP_ERRNO, .syscalls = rules, .n_syscalls = 3};
        struct skipped sk = {0};
        scmp_filter_ctx ctx = NULL;
        int r;

        r = casca_seccomp_build_ex(&s, record_skip, &sk, &ctx, &err);
        is_int(r, 0, "a profile with skipped rules builds");
        is_int(sk.n, 3, "three names skipped");
        ok(sk.reason[0] == CASCA_SECCOMP_SKIP_DEFAULT_ACTION && sk.rule[0] == 0 &&
                   strcmp(sk.name[0], "mkdir") == 0,
           "rule 0 mkdir skipped: action is the default action");
        ok(sk.reason[1] == CASCA_SECCOMP_SKIP_DEFAULT_ACTION && strcmp(sk.name[1], "getppid") == 0,
           "rule 0 getppid skipped: action is the default action");
        ok(sk.reason[2] == CASCA_SECCOMP_SKIP_UNKNOWN_SYSCALL && sk.rule[2] == 1 &&
                   strcmp(sk.name[2], "casca_no_such_syscall") == 0,
           "rule 1 unknown syscall skipped");
        is_str(casca_seccomp_skip_reason(CASCA_SECCOMP_SKIP_UNKNOWN_SYSCALL), "unknown syscall",
               "skip reason text");
        casca_seccomp_release(ctx);
        casca_seccomp_release(NULL);

        /* KILL and KILL_THREAD are the same action */
        rules[0].action = CASCA_SCMP_KILL;
        s.default_action = CASCA_SCMP_KILL_THREAD;
        s.n_syscalls = 1;
        sk.n = 0;
        ctx = NULL;
        r = casca_seccomp_build_ex(&s, record_skip, &sk, &ctx, &err);
        ok(r == 0 && sk.n == 2 && sk.reason[0] == CASCA_SECCOMP_SKIP_DEFAULT_ACTION,
           "SCMP_ACT_KILL rules under a KILL_THREAD default are skipped");
        casca_seccomp_release(ctx);
}

static void test_attributes(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        struct casca_seccomp s = {
                .default_action = CASCA_SCMP_ALLOW,
                .architectures = (char *[]){"SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_X86_64"},
                .n_architectures = 3,
                .flags = (char *[]){"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                    "SECCOMP_FILTER_FLAG_TSYNC"},
                .n_flags = 3,
        };
        uint32_t val = 99;

        if (skip_below_api(4, "filter flags LOG, SPEC_ALLOW, TSYNC"))
                return;
        is_int(casca_seccomp_build(&s, &ctx, &err), 0, "flags and architectures build");
        if (!ctx)
                return;
        ok(seccomp_arch_exist(ctx, SCMP_ARCH_X86) == 0, "SCMP_ARCH_X86 added");
        ok(seccomp_arch_exist(ctx, SCMP_ARCH_X32) == 0, "SCMP_ARCH_X32 added");
        ok(seccomp_arch_exist(ctx, SCMP_ARCH_NATIVE) == 0, "native arch kept");
        ok(seccomp_arch_exist(ctx, SCMP_ARCH_AARCH64) == -EEXIST, "AARCH64 not added");
        seccomp_attr_get(ctx, SCMP_FLTATR_CTL_LOG, &val);
        is_int(val, 1, "SECCOMP_FILTER_FLAG_LOG sets SCMP_FLTATR_CTL_LOG");
        seccomp_attr_get(ctx, SCMP_FLTATR_CTL_SSB, &val);
        is_int(val, 1, "SECCOMP_FILTER_FLAG_SPEC_ALLOW sets SCMP_FLTATR_CTL_SSB");
        seccomp_attr_get(ctx, SCMP_FLTATR_CTL_TSYNC, &val);
        is_int(val, 1, "SECCOMP_FILTER_FLAG_TSYNC sets SCMP_FLTATR_CTL_TSYNC");
        seccomp_attr_get(ctx, SCMP_FLTATR_CTL_NNP, &val);
        is_int(val, 0, "the filter does not set no_new_privs");
}

/* ---- real filters ---------------------------------------------------------------- */

static long raw_mkdir(void)
{
        return syscall(SYS_mkdir, NOWHERE, 0700);
}

/* exit 0 when mkdir fails with *(int *)arg */
static int body_mkdir_errno(void *arg)
{
        int want = *(int *)arg;

        if (raw_mkdir() != -1)
                return 1;
        return errno == want ? 0 : 2;
}

static void mkdir_fails_with(const struct casca_seccomp *s, int want, const char *what)
{
        ok(exited(run_filtered(s, body_mkdir_errno, &want), 0), "%s", what);
}

static int body_mkdir(void *arg)
{
        raw_mkdir();
        return 0;
}

static volatile sig_atomic_t trapped_nr = -1, trapped_code = -1;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
        trapped_nr = si->si_syscall;
        trapped_code = si->si_code;
}

static int body_trap(void *arg)
{
        struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};

        sigaction(SIGSYS, &sa, NULL);
        raw_mkdir();
        if (trapped_nr != SYS_mkdir)
                return 1;
        return trapped_code == 1 /* SYS_SECCOMP */ ? 0 : 2;
}

static int body_getppid_ok(void *arg)
{
        return syscall(SYS_getppid) == getppid() && getppid() > 1 ? 0 : 1;
}

static void test_actions(void)
{
        struct one_rule o;
        if (skip_children("filter actions") || skip_below_api(3, "KILL_PROCESS and LOG actions"))
                return;
        one_rule(&o, CASCA_SCMP_ALLOW, (char *[]){"mkdir"}, 1, CASCA_SCMP_ERRNO);
        o.sc.has_errno_ret = true;
        o.sc.errno_ret = ENOMEDIUM;
        mkdir_fails_with(&o.s, ENOMEDIUM, "ERRNO(ENOMEDIUM) on mkdir: mkdir fails with ENOMEDIUM");
        o.sc.has_errno_ret = false;
        mkdir_fails_with(&o.s, EPERM, "ERRNO without errnoRet: mkdir fails with EPERM");
        mkdir_fails_with(NULL, ENOENT, "control: without a filter mkdir fails with ENOENT");

        o.sc.action = CASCA_SCMP_KILL_PROCESS;
        ok(killed_by(run_filtered(&o.s, body_mkdir, NULL), SIGSYS),
           "KILL_PROCESS on mkdir: the child dies of SIGSYS");
        o.sc.action = CASCA_SCMP_KILL;
        ok(killed_by(run_filtered(&o.s, body_mkdir, NULL), SIGSYS),
           "KILL on mkdir: the child dies of SIGSYS");
        o.sc.action = CASCA_SCMP_TRAP;
        ok(exited(run_filtered(&o.s, body_trap, NULL), 0),
           "TRAP on mkdir: SIGSYS handler sees si_syscall == mkdir, SYS_SECCOMP");
        o.sc.action = CASCA_SCMP_TRACE;
        mkdir_fails_with(&o.s, ENOSYS, "TRACE without a tracer: mkdir fails with ENOSYS");
        o.sc.action = CASCA_SCMP_LOG;
        mkdir_fails_with(&o.s, ENOENT, "LOG on mkdir: mkdir runs (ENOENT)");

        /* an allow list: default ERRNO(ENOTTY); getppid, exit and the
         * memory calls a sanitizer runtime makes are allowed */
        one_rule(&o, CASCA_SCMP_ERRNO,
                 (char *[]){"getppid", "exit_group", "exit", "brk", "mmap", "munmap", "mprotect",
                            "madvise", "sigaltstack", "rt_sigaction", "rt_sigprocmask"},
                 11, CASCA_SCMP_ALLOW);
        o.s.has_default_errno_ret = true;
        o.s.default_errno_ret = ENOTTY;
        mkdir_fails_with(&o.s, ENOTTY, "default ERRNO(ENOTTY): mkdir fails with ENOTTY");
        ok(exited(run_filtered(&o.s, body_getppid_ok, NULL), 0),
           "default ERRNO(ENOTTY): allowed getppid works");
        /* default LOG with a rule */
        one_rule(&o, CASCA_SCMP_LOG, (char *[]){"mkdir"}, 1, CASCA_SCMP_ERRNO);
        mkdir_fails_with(&o.s, EPERM, "default LOG: the ERRNO rule on mkdir applies");
        ok(exited(run_filtered(&o.s, body_getppid_ok, NULL), 0), "default LOG: getppid runs");
}

/* argument filters, checked on getppid: the kernel ignores its arguments,
 * the filter sees them. */
struct arg_case {
        long a0[3], a1[3];
        bool match[3];
        int n;
};

static int body_args(void *arg)
{
        const struct arg_case *c = arg;

        for (int i = 0; i < c->n; i++) {
                long r = syscall(SYS_getppid, c->a0[i], c->a1[i]);
                bool matched = r == -1 && errno == E2BIG;

                if (matched != c->match[i])
                        return 10 + i;
        }
        return 0;
}

static void test_args(void)
{
        static const struct {
                enum casca_seccomp_op op;
                uint64_t value, value_two;
                long yes, no;
                const char *what;
        } ops[] = {
                {CASCA_SCMP_CMP_EQ, 5, 0, 5, 6, "EQ 5: 5 matches, 6 does not"},
                {CASCA_SCMP_CMP_NE, 5, 0, 6, 5, "NE 5: 6 matches, 5 does not"},
                {CASCA_SCMP_CMP_LT, 5, 0, 4, 5, "LT 5: 4 matches, 5 does not"},
                {CASCA_SCMP_CMP_LE, 5, 0, 5, 6, "LE 5: 5 matches, 6 does not"},
                {CASCA_SCMP_CMP_GE, 5, 0, 5, 4, "GE 5: 5 matches, 4 does not"},
                {CASCA_SCMP_CMP_GT, 5, 0, 6, 5, "GT 5: 6 matches, 5 does not"},
                {CASCA_SCMP_CMP_MASKED_EQ, 0xf0, 0x30, 0x3a, 0x4a,
                 "MASKED_EQ 0xf0==0x30: 0x3a matches, 0x4a does not"},
                {CASCA_SCMP_CMP_EQ, 0x100000005ULL, 0, 0x100000005L, 5, "EQ compares all 64 bits"},
        };
        struct arg_case c;
        struct one_rule o;

        if (skip_children("argument filters"))
                return;
        for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
                one_rule(&o, CASCA_SCMP_ALLOW, (char *[]){"getppid"}, 1, CASCA_SCMP_ERRNO);
                o.sc.has_errno_ret = true;
                o.sc.errno_ret = E2BIG;
                add_arg(&o, 0, ops[i].op, ops[i].value, ops[i].value_two);
                c = (struct arg_case){
                        .a0 = {ops[i].yes, ops[i].no}, .match = {true, false}, .n = 2};
                ok(exited(run_filtered(&o.s, body_args, &c), 0), "%s", ops[i].what);
        }

        /* two indices: ANDed */
        one_rule(&o, CASCA_SCMP_ALLOW, (char *[]){"getppid"}, 1, CASCA_SCMP_ERRNO);
        o.sc.has_errno_ret = true;
        o.sc.errno_ret = E2BIG;
        add_arg(&o, 0, CASCA_SCMP_CMP_EQ, 1, 0);
        add_arg(&o, 1, CASCA_SCMP_CMP_EQ, 2, 0);
        c = (struct arg_case){
                .a0 = {1, 1, 0}, .a1 = {2, 3, 2}, .match = {true, false, false}, .n = 3};
        ok(exited(run_filtered(&o.s, body_args, &c), 0),
           "args on different indices are ANDed: (1,2) matches, (1,3) and (0,2) do not");

        /* one index twice: ORed (runc adds a rule per arg) */
        o.args[1].index = 0;
        c = (struct arg_case){.a0 = {1, 2, 3}, .match = {true, true, false}, .n = 3};
        ok(exited(run_filtered(&o.s, body_args, &c), 0),
           "args repeating an index are ORed: 1 and 2 match, 3 does not");
}

static int body_personality(void *arg)
{
        if (personality(0xffffffff) != -1 || errno != EDOM)
                return 1;
        if (personality(PER_LINUX) == -1)
                return 2;
        return 0;
}

static void test_personality(void)
{
        struct one_rule o;

        if (skip_children("personality argument filter"))
                return;
        one_rule(&o, CASCA_SCMP_ALLOW, (char *[]){"personality"}, 1, CASCA_SCMP_ERRNO);
        o.sc.has_errno_ret = true;
        o.sc.errno_ret = EDOM;
        add_arg(&o, 0, CASCA_SCMP_CMP_EQ, 0xffffffffULL, 0);
        ok(exited(run_filtered(&o.s, body_personality, NULL), 0),
           "ERRNO(EDOM) for personality(0xffffffff) only: personality(PER_LINUX) still works");
}

static void test_unknown_names_still_filter(void)
{
        struct one_rule o;

        if (skip_children("rule with an unknown name"))
                return;
        one_rule(&o, CASCA_SCMP_ALLOW, (char *[]){"casca_no_such_syscall", "mkdir"}, 2,
                 CASCA_SCMP_ERRNO);
        o.sc.has_errno_ret = true;
        o.sc.errno_ret = EXDEV;
        mkdir_fails_with(&o.s, EXDEV,
                         "a rule with an unknown name still applies to its known names");
}

/* ---- NOTIFY with an in-test agent -------------------------------------------------- */

static const char *notify_state =
        "{\"ociVersion\":\"1.2.0\",\"id\":\"ctr\",\"status\":\"creating\",\"pid\":1,"
        "\"bundle\":\"/b\",\"annotations\":{\"k\":\"v\"}}";

struct notify_child {
        const char *path;
        scmp_filter_ctx ctx;
};

static int notify_child(const struct notify_child *nc)
{
        _cleanup_free_ char *json = NULL;
        struct casca_error *err = NULL;
        int fd = -1;

        if (casca_seccomp_load(nc->ctx, &fd, &err) < 0 || fd < 0)
                return 20;
        if (fcntl(fd, F_GETFD) != FD_CLOEXEC)
                return 21;
        if (casca_seccomp_process_state_json(getpid(), "casca-meta", notify_state, &json, &err) < 0)
                return 22;
        if (casca_seccomp_send_listener(nc->path, fd, json, &err) < 0)
                return 23;
        close(fd);
        if (syscall(SYS_getppid) != 4242)
                return 24;
        if (raw_mkdir() != -1 || errno != EXDEV)
                return 25;
        return 0;
}

/* Accept the connection, read the state and the fd. */
static int agent_accept(int lfd, char *buf, size_t size, int *ret_fd)
{
        union {
                struct cmsghdr hdr;
                char buf[CMSG_SPACE(sizeof(int))];
        } control;
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        _cleanup_close_ int conn = -1;
        struct iovec iov = {.iov_base = buf, .iov_len = size - 1};
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = control.buf,
                             .msg_controllen = sizeof(control.buf)};
        struct cmsghdr *cmsg;
        size_t got;
        ssize_t n;

        *ret_fd = -1;
        if (poll(&p, 1, 5000) != 1)
                return -1;
        conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                return -1;
        n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
        if (n <= 0)
                return -1;
        got = (size_t)n;
        cmsg = CMSG_FIRSTHDR(&msg);
        if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
                memcpy(ret_fd, CMSG_DATA(cmsg), sizeof(int));
        while (got < size - 1 && (n = read(conn, buf + got, size - 1 - got)) > 0)
                got += (size_t)n;
        buf[got] = '\0';
        return *ret_fd >= 0 ? 0 : -1;
}

static int agent_answer(int nfd, int *ret_nr)
{
        struct seccomp_notif *req = NULL;
        struct seccomp_notif_resp *resp = NULL;
        struct pollfd p = {.fd = nfd, .events = POLLIN};
        int r = -1;

        if (poll(&p, 1, 5000) != 1 || seccomp_notify_alloc(&req, &resp) < 0)
                return -1;
        if (seccomp_notify_receive(nfd, req) == 0) {
                *ret_nr = req->data.nr;
                resp->id = req->id;
                resp->flags = 0;
                if (req->data.nr == SYS_getppid) {
                        resp->val = 4242;
                        resp->error = 0;
                } else {
                        resp->val = 0;
                        resp->error = -EXDEV;
                }
                r = seccomp_notify_respond(nfd, resp);
        }
        seccomp_notify_free(req, resp);
        return r;
}

static void test_notify(void)
{
        char dir[] = "/tmp/casca-seccomp-XXXXXX", path[128], buf[4096];
        struct casca_seccomp_syscall rule = {
                .names = (char *[]){"getppid", "mkdir"}, .n_names = 2, .action = CASCA_SCMP_NOTIFY};
        struct casca_seccomp s = {.default_action = CASCA_SCMP_ALLOW,
                                  .syscalls = &rule,
                                  .n_syscalls = 1,
                                  .listener_metadata = "casca-meta"};
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        _cleanup_json_ struct casca_json *doc = NULL;
        _cleanup_close_ int lfd = -1, nfd = -1;
        _cleanup_kill_ pid_t pid = -1;
        int nr1 = -1, nr2 = -1, status = -1;
        const struct casca_json *v;

        if (skip_children("NOTIFY with an agent") || skip_below_api(5, "NOTIFY with an agent"))
                return;
        if (!mkdtemp(dir)) {
                ok(0, "mkdtemp");
                return;
        }
        snprintf(path, sizeof(path), "%s/agent.sock", dir);
        memcpy(addr.sun_path, path, strlen(path) + 1); /* < 40 bytes */
        s.listener_path = path;
        lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
            listen(lfd, 1) < 0) {
                ok(0, "agent socket: %s", strerror(errno));
                goto out;
        }
        if (casca_seccomp_build(&s, &ctx, &err) < 0) {
                ok(0, "build NOTIFY filter: %s", err->msg);
                goto out;
        }
        fflush(stdout);
        pid = fork();
        if (pid == 0)
                _exit(notify_child(&(struct notify_child){.path = path, .ctx = ctx}));

        ok(agent_accept(lfd, buf, sizeof(buf), &nfd) == 0,
           "agent got the process state and a fd over listenerPath");
        doc = casca_json_parse(buf, strlen(buf), NULL);
        v = casca_json_get(doc, "fds");
        ok(casca_json_len(v) == 1 && casca_json_str(casca_json_at(v, 0)) &&
                   strcmp(casca_json_str(casca_json_at(v, 0)), "seccompFd") == 0,
           "process state: fds == [\"seccompFd\"]");
        ok(num(casca_json_get(doc, "pid")) == pid, "process state: pid is the child's");
        is_str(casca_json_str(casca_json_get(doc, "metadata")), "casca-meta",
               "process state: metadata");
        is_str(casca_json_str(casca_json_get(casca_json_get(doc, "state"), "id")), "ctr",
               "process state: state.id");

        ok(nfd >= 0 && agent_answer(nfd, &nr1) == 0, "agent answered the first notification");
        is_int(nr1, SYS_getppid, "first notification is getppid");
        ok(nfd >= 0 && agent_answer(nfd, &nr2) == 0, "agent answered the second notification");
        is_int(nr2, SYS_mkdir, "second notification is mkdir");
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        pid = -1;
        ok(exited(status, 0), "child saw the agent's answers: getppid()=4242, mkdir EXDEV");
out:
        unlink(path);
        rmdir(dir);
}

static int body_load_no_notify(void *arg)
{
        return 0;
}

static void test_load_plain(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        struct casca_seccomp s = {.default_action = CASCA_SCMP_ALLOW};
        scmp_filter_ctx ctx = NULL;
        int fd = 7, status = -1;
        pid_t pid;

        is_int(casca_seccomp_load(NULL, &fd, &err), -EINVAL, "load without a filter fails");
        is_int(fd, -1, "and leaves the notify fd at -1");
        if (skip_children("load without NOTIFY") || casca_seccomp_build(&s, &ctx, &err) < 0)
                return;
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                struct casca_error *e = NULL;

                fd = 7;
                if (casca_seccomp_load(ctx, &fd, &e) < 0)
                        _exit(1);
                _exit(fd == -1 ? body_load_no_notify(NULL) : 2);
        }
        casca_seccomp_release(ctx);
        waitpid(pid, &status, 0);
        ok(exited(status, 0), "load without NOTIFY rules returns notify fd -1");
}

/* ---- the container process state and the listener -------------------------------- */

static void test_process_state(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_free_ char *json = NULL;
        int r;

        r = casca_seccomp_process_state_json(
                4422, "MKNOD=/dev/null", "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"pid\":4422}",
                &json, &err);
        is_int(r, 0, "process state json builds");
        is_str(json,
               "{\"ociVersion\":\"" CASCA_OCI_VERSION "\",\"fds\":[\"seccompFd\"],\"pid\":4422,"
               "\"metadata\":\"MKNOD=/dev/null\",\"state\":{\"ociVersion\":\"1.2.0\",\"id\":"
               "\"c1\",\"pid\":4422}}",
               "process state json as the runtime-spec describes it");
        free(json);
        json = NULL;
        r = casca_seccomp_process_state_json(7, NULL, "{\"a\":[1,2.5,true,null,\"x\\\"y\"]}", &json,
                                             &err);
        is_str(json,
               "{\"ociVersion\":\"" CASCA_OCI_VERSION "\",\"fds\":[\"seccompFd\"],\"pid\":7,"
               "\"state\":{\"a\":[1,2.5,true,null,\"x\\\"y\"]}}",
               "no metadata key without metadata; the state is copied verbatim");
        r = casca_seccomp_process_state_json(7, NULL, "[1]", &json, &err);
        is_int(r, -EINVAL, "a state that is not an object is refused");
        casca_error_free(err);
        err = NULL;
        r = casca_seccomp_process_state_json(7, NULL, "{", &json, &err);
        ok(r == -EINVAL && strstr(err->msg, "bad state json") != NULL, "bad state json refused");
}

static void test_listener_errors(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        char long_path[200];
        int r;

        r = casca_seccomp_send_listener(NOWHERE, 0, "{}", &err);
        is_int(r, -ENOENT, "a missing listener socket fails");
        is_str(err ? err->msg : NULL,
               "seccomp listener `" NOWHERE "`: connect: No such file or directory",
               "the error names the listener path");
        casca_error_free(err);
        err = NULL;
        memset(long_path, 'a', sizeof(long_path) - 1);
        long_path[0] = '/';
        long_path[sizeof(long_path) - 1] = '\0';
        r = casca_seccomp_send_listener(long_path, 0, "{}", &err);
        is_int(r, -ENAMETOOLONG, "a listener path longer than sun_path is refused");
}

/* ---- profile JSON -> struct ----------------------------------------------------- */

static char *profile_json(void)
{
        struct casca_jgen j;

        if (casca_jgen_init(&j, 0, NULL) < 0)
                return NULL;
        casca_seccomp_default_profile(&j);
        return casca_jgen_finish(&j, NULL);
}

/* The filter's BPF, for comparing two filters. */
static char *export_bpf(const struct casca_seccomp *s, size_t *ret_len)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        _cleanup_close_ int fd = -1;
        char *buf;
        off_t len;

        if (casca_seccomp_build(s, &ctx, &err) < 0) {
                printf("# build: %s\n", err->msg);
                return NULL;
        }
        fd = memfd_create("bpf", MFD_CLOEXEC);
        if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0)
                return NULL;
        len = lseek(fd, 0, SEEK_END);
        buf = len > 0 ? malloc((size_t)len) : NULL;
        if (!buf || pread(fd, buf, (size_t)len, 0) != len) {
                free(buf);
                return NULL;
        }
        *ret_len = (size_t)len;
        return buf;
}

static void test_profile_json(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_free_ char *json = profile_json(), *bpf_json = NULL, *bpf_table = NULL;
        _cleanup_json_ struct casca_json *doc = NULL;
        struct casca_seccomp *from_json = NULL, *from_table = NULL;
        size_t len_json = 0, len_table = 0;
        const struct casca_json *arches, *calls;
        bool clone3_enosys = false, has_keyctl = false, has_read = false;

        ok(json != NULL, "default profile emits JSON");
        doc = json ? casca_json_parse(json, strlen(json), NULL) : NULL;
        ok(casca_json_is_object(doc), "default profile JSON parses");
        if (!doc)
                return;
        is_str(casca_json_str(casca_json_get(doc, "defaultAction")), "SCMP_ACT_ERRNO",
               "profile: defaultAction SCMP_ACT_ERRNO");
        is_int(num(casca_json_get(doc, "defaultErrnoRet")), EPERM,
               "profile: defaultErrnoRet EPERM");
        arches = casca_json_get(doc, "architectures");
#if defined(__x86_64__)
        ok(casca_json_is_array(arches) && casca_json_len(arches) == 3 &&
                   strcmp(casca_json_str(casca_json_at(arches, 0)), "SCMP_ARCH_X86_64") == 0 &&
                   strcmp(casca_json_str(casca_json_at(arches, 1)), "SCMP_ARCH_X86") == 0 &&
                   strcmp(casca_json_str(casca_json_at(arches, 2)), "SCMP_ARCH_X32") == 0,
           "profile: architectures x86_64, x86, x32");
#else
        ok(casca_json_is_array(arches) && casca_json_len(arches) >= 1, "profile: architectures");
#endif
        calls = casca_json_get(doc, "syscalls");
        for (size_t i = 0; i < casca_json_len(calls); i++) {
                const struct casca_json *c = casca_json_at(calls, i);
                const struct casca_json *names = casca_json_get(c, "names");

                for (size_t k = 0; k < casca_json_len(names); k++) {
                        const char *n = casca_json_str(casca_json_at(names, k));

                        if (strcmp(n, "clone3") == 0)
                                clone3_enosys = num(casca_json_get(c, "errnoRet")) == ENOSYS;
                        has_keyctl |= strcmp(n, "keyctl") == 0;
                        has_read |= strcmp(n, "read") == 0;
                }
        }
        ok(clone3_enosys, "profile: clone3 fails with ENOSYS");
        ok(has_read && !has_keyctl, "profile: allows read, does not name keyctl");

        ok(casca_seccomp_from_json(doc, JKEY(NULL, "seccomp"), &from_json, &err) == 0,
           "the config parser reads the profile");
        from_table = casca_seccomp_default_profile_new(&err);
        ok(from_table != NULL, "default profile as a struct");
        bpf_json = export_bpf(from_json, &len_json);
        bpf_table = from_table ? export_bpf(from_table, &len_table) : NULL;
        ok(bpf_json && bpf_table && len_json == len_table &&
                   memcmp(bpf_json, bpf_table, len_json) == 0,
           "the JSON and the struct form of the profile make the same BPF (%zu bytes)", len_table);
        casca_seccomp_free(from_json);
        casca_seccomp_free(from_table);
        casca_seccomp_free(NULL);
}

/* ---- the default profile, for real ----------------------------------------------- */

static int body_busybox(void *arg)
{
        char *const argv[] = {"busybox", "sh", "-c", "ls / >/dev/null && ps >/dev/null", NULL};
        char *const envp[] = {"PATH=/bin:/usr/bin", NULL};

        execve("/bin/busybox", argv, envp);
        return 127;
}

enum probe {
        P_KEYCTL,
        P_ADD_KEY,
        P_BPF,
        P_KEXEC_LOAD,
        P_PERF_EVENT_OPEN,
        P_MOUNT,
        P_UMOUNT2,
        P_UNSHARE_USER,
        P_SETNS,
        P_CLOCK_SETTIME,
        P_SETTIMEOFDAY,
        P_ADJTIMEX,
        P_REBOOT,
        P_SWAPON,
        P_OPEN_BY_HANDLE_AT,
        P_CLONE_NEWUSER,
        P_PERSONALITY_BSD,
        P_SOCKET_VSOCK,
        P_CLONE3,
        /* allowed ones: 0 means success */
        P_FORK,
        P_UNSHARE_FS,
        P_PERSONALITY_QUERY,
        P_SOCKET_UNIX,
        P__MAX,
};

static const char *const probe_names[P__MAX] = {
        [P_KEYCTL] = "keyctl",
        [P_ADD_KEY] = "add_key",
        [P_BPF] = "bpf",
        [P_KEXEC_LOAD] = "kexec_load",
        [P_PERF_EVENT_OPEN] = "perf_event_open",
        [P_MOUNT] = "mount",
        [P_UMOUNT2] = "umount2",
        [P_UNSHARE_USER] = "unshare(CLONE_NEWUSER)",
        [P_SETNS] = "setns",
        [P_CLOCK_SETTIME] = "clock_settime",
        [P_SETTIMEOFDAY] = "settimeofday",
        [P_ADJTIMEX] = "adjtimex",
        [P_REBOOT] = "reboot",
        [P_SWAPON] = "swapon",
        [P_OPEN_BY_HANDLE_AT] = "open_by_handle_at",
        [P_CLONE_NEWUSER] = "clone(CLONE_NEWUSER)",
        [P_PERSONALITY_BSD] = "personality(PER_BSD)",
        [P_SOCKET_VSOCK] = "socket(AF_VSOCK)",
        [P_CLONE3] = "clone3",
        [P_FORK] = "fork",
        [P_UNSHARE_FS] = "unshare(CLONE_FS)",
        [P_PERSONALITY_QUERY] = "personality(0xffffffff)",
        [P_SOCKET_UNIX] = "socket(AF_UNIX)",
};

/* 0 or the errno of the call.  Arguments are chosen so that an unfiltered
 * call (the control run, as root) changes nothing on the host: invalid
 * commands, missing paths, an invalid clock. */
static int probe_one(enum probe p)
{
        long r = -1;

        errno = 0;
        switch (p) {
        case P_KEYCTL:
                r = syscall(SYS_keyctl, 9999, 0, 0, 0, 0);
                break;
        case P_ADD_KEY:
                r = syscall(SYS_add_key, NULL, NULL, NULL, 0, 0);
                break;
        case P_BPF:
                r = syscall(SYS_bpf, 9999, NULL, 0);
                break;
        case P_KEXEC_LOAD:
                r = syscall(SYS_kexec_load, 0, 1000, NULL, 0x4000);
                break;
        case P_PERF_EVENT_OPEN:
                r = syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
                break;
        case P_MOUNT:
                r = syscall(SYS_mount, "none", NOWHERE, "tmpfs", 0, NULL);
                break;
        case P_UMOUNT2:
                r = syscall(SYS_umount2, NOWHERE, 0);
                break;
        case P_UNSHARE_USER: {
                /* in a grandchild: a new user namespace would take the
                 * probing process's capabilities for the later probes */
                pid_t pid = fork();
                int status = 0;

                if (pid == 0)
                        _exit(unshare(CLONE_NEWUSER) < 0 ? errno : 0);
                if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
                        return -1;
                return WEXITSTATUS(status);
        }
        case P_SETNS:
                r = setns(-1, 0);
                break;
        case P_CLOCK_SETTIME:
                r = syscall(SYS_clock_settime, 12345, &(struct timespec){0});
                break;
        case P_SETTIMEOFDAY:
                r = syscall(SYS_settimeofday, NULL, NULL);
                break;
        case P_ADJTIMEX:
                r = syscall(SYS_adjtimex, &(char[512]){0}); /* modes 0: read only */
                break;
        case P_REBOOT:
                r = syscall(SYS_reboot, 0, 0, 0, NULL); /* bad magic */
                break;
        case P_SWAPON:
                r = syscall(SYS_swapon, NOWHERE, 0);
                break;
        case P_OPEN_BY_HANDLE_AT:
                r = syscall(SYS_open_by_handle_at, -1, NULL, 0);
                break;
        case P_CLONE_NEWUSER:
        case P_FORK:
                r = syscall(SYS_clone, (p == P_FORK ? 0 : CLONE_NEWUSER) | SIGCHLD, 0, 0, 0, 0);
                if (r == 0)
                        _exit(0);
                if (r > 0) {
                        waitpid((pid_t)r, NULL, 0);
                        r = 0;
                }
                break;
        case P_PERSONALITY_BSD:
                r = personality(PER_BSD);
                if (r != -1)
                        personality(PER_LINUX);
                break;
        case P_SOCKET_VSOCK:
        case P_SOCKET_UNIX:
                r = socket(p == P_SOCKET_UNIX ? AF_UNIX : 40 /* AF_VSOCK */, SOCK_STREAM, 0);
                if (r >= 0)
                        close((int)r);
                break;
        case P_CLONE3:
                r = syscall(SYS_clone3, NULL, 0);
                break;
        case P_UNSHARE_FS:
                r = unshare(CLONE_FS);
                break;
        case P_PERSONALITY_QUERY:
                r = personality(0xffffffff);
                break;
        case P__MAX:
                break;
        }
        return r == -1 ? (errno ? errno : -1) : 0;
}

static int body_probe(void *arg)
{
        int *results = arg;

        for (int p = 0; p < P__MAX; p++)
                results[p] = probe_one(p);
        return 0;
}

static void test_default_profile(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        struct casca_seccomp *s = casca_seccomp_default_profile_new(&err);
        struct casca_seccomp empty = {.default_action = CASCA_SCMP_ALLOW};
        struct skipped sk = {0};
        scmp_filter_ctx ctx = NULL;
        int *control, *filtered;

        if (!s) {
                ok(0, "default profile struct: %s", err ? err->msg : "?");
                return;
        }
        ok(casca_seccomp_build_ex(s, record_skip, &sk, &ctx, &err) == 0,
           "the default profile builds");
        for (int i = 0; i < sk.n; i++)
                printf("# skipped by this libseccomp: %s (%s)\n", sk.name[i],
                       casca_seccomp_skip_reason(sk.reason[i]));
        casca_seccomp_release(ctx);
        if (skip_children("default profile in a child")) {
                casca_seccomp_free(s);
                return;
        }

        if (access("/bin/busybox", X_OK) == 0)
                ok(exited(run_filtered(s, body_busybox, NULL), 0),
                   "default profile: busybox sh -c 'ls / && ps' runs");
        else
                ok(1, "# SKIP /bin/busybox not installed");

        control = mmap(NULL, 2 * P__MAX * sizeof(int), PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (control == MAP_FAILED) {
                ok(0, "mmap");
                casca_seccomp_free(s);
                return;
        }
        filtered = control + P__MAX;
        ok(exited(run_filtered(&empty, body_probe, control), 0), "control probes ran");
        ok(exited(run_filtered(s, body_probe, filtered), 0),
           "probes under the default profile ran");
        for (int p = 0; p < P__MAX; p++) {
                int want = p == P_CLONE3 ? ENOSYS : p >= P_FORK ? 0 : EPERM;

                if (want != 0 && control[p] == want) {
                        ok(1, "# SKIP %s fails with %s even without a filter", probe_names[p],
                           strerror(want));
                        continue;
                }
                ok(filtered[p] == want, "default profile: %s -> %s (got %s, unfiltered %s)",
                   probe_names[p], want ? strerror(want) : "allowed",
                   filtered[p] ? strerror(filtered[p]) : "success",
                   control[p] ? strerror(control[p]) : "success");
        }
        munmap(control, 2 * P__MAX * sizeof(int));
        casca_seccomp_free(s);
}

/* ---- features --------------------------------------------------------------------- */

static bool array_has(const struct casca_json *arr, const char *s)
{
        for (size_t i = 0; casca_json_is_array(arr) && i < casca_json_len(arr); i++)
                if (casca_json_str(casca_json_at(arr, i)) &&
                    strcmp(casca_json_str(casca_json_at(arr, i)), s) == 0)
                        return true;
        return false;
}

static const struct casca_json *key(const struct casca_json *obj, const char *k)
{
        return casca_json_get(obj, k);
}

static void test_features(void)
{
        _cleanup_json_ struct casca_json *doc = NULL;
        _cleanup_free_ char *json = NULL;
        const struct casca_json *f, *ann;
        struct casca_jgen j;

        if (casca_jgen_init(&j, 0, NULL) == 0) {
                casca_jgen_map_open(&j);
                casca_jgen_str(&j, "seccomp");
                casca_seccomp_features(&j);
                casca_jgen_str(&j, "annotations");
                casca_jgen_map_open(&j);
                casca_seccomp_features_annotations(&j);
                casca_jgen_map_close(&j);
                casca_jgen_map_close(&j);
                json = casca_jgen_finish(&j, NULL);
        }
        ok(json != NULL, "features emit");
        doc = json ? casca_json_parse(json, strlen(json), NULL) : NULL;
        ok(casca_json_is_object(doc), "features annotations emit");
        f = casca_json_get(doc, "seccomp");
        ann = casca_json_get(doc, "annotations");
        ok(f != NULL, "features: seccomp object");
        if (!f || !ann)
                return;
        ok(casca_json_type(key(f, "enabled")) == CASCA_JSON_TRUE, "features: enabled");
        is_int(casca_json_len(key(f, "actions")), 9, "features: 9 actions");
        ok(array_has(key(f, "actions"), "SCMP_ACT_NOTIFY") &&
                   array_has(key(f, "actions"), "SCMP_ACT_KILL_PROCESS"),
           "features: actions include NOTIFY and KILL_PROCESS");
        is_int(casca_json_len(key(f, "operators")), 7, "features: 7 operators");
        ok(array_has(key(f, "archs"), "SCMP_ARCH_X86_64") &&
                   array_has(key(f, "archs"), "SCMP_ARCH_AARCH64") &&
                   array_has(key(f, "archs"), "SCMP_ARCH_RISCV64"),
           "features: archs include x86_64, aarch64, riscv64");
        ok(array_has(key(f, "archs"), "SCMP_ARCH_LOONGARCH64") ==
                   (seccomp_arch_resolve_name("loongarch64") != 0),
           "features: archs list loongarch64 only when libseccomp supports it");
        is_int(casca_json_len(key(f, "knownFlags")), 4, "features: 4 known flags");
        ok(array_has(key(f, "supportedFlags"), "SECCOMP_FILTER_FLAG_LOG") ==
                   (api >= 3 && !under_valgrind),
           "features: supportedFlags has LOG when the API level allows");
#ifndef SCMP_FLTATR_CTL_WAITKILL
        ok(!array_has(key(f, "supportedFlags"), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
           "features: WAIT_KILLABLE_RECV not supported with this libseccomp");
#endif
        ok(key(f, "listenerPath") == NULL, "features: no non-spec keys in the seccomp object");
        is_str(casca_json_str(key(ann, CASCA_ANNOTATION_SECCOMP_LISTENER)),
               api >= 5 ? "true" : "false", "features: listenerPath annotation");
        ok(casca_json_is_string(key(ann, "io.github.seccomp.libseccomp.version")),
           "features: libseccomp version annotation");
}

int main(void)
{
        const char *preload = getenv("LD_PRELOAD");

        api = seccomp_api_get();
        under_valgrind = preload && strstr(preload, "vgpreload");
        printf("# libseccomp API level %u%s\n", api, under_valgrind ? ", under valgrind" : "");
        test_tables();
        test_build_errors();
        test_skips();
        test_attributes();
        test_actions();
        test_args();
        test_personality();
        test_unknown_names_still_filter();
        test_load_plain();
        test_process_state();
        test_listener_errors();
        test_notify();
        test_profile_json();
        test_default_profile();
        test_features();
        return tap_done();
}
