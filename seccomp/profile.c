/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* profile.c - casca's default seccomp profile (what `casca spec` writes).
 *
 * An allow list: everything not named here fails with EPERM.  Left out on
 * purpose (and so refused): the kernel keyring (keyctl, add_key,
 * request_key: not namespaced), kexec, module loading, bpf, perf_event_open,
 * open_by_handle_at, the mount family and setns/pivot_root, reboot, swap,
 * acct, clock setting (settimeofday, clock_settime, clock_adjtime, adjtimex),
 * io_uring, userfaultfd, iopl/ioperm, modify_ldt, quotactl, syslog.
 * Restricted by argument: clone and unshare without namespace flags,
 * personality to the harmless personas, socket without AF_VSOCK.
 * clone3 fails with ENOSYS: its flags sit in memory where a filter cannot
 * look, and glibc falls back to clone() on ENOSYS.  ptrace, kcmp and
 * process_vm_* are allowed: since Linux 4.8 ptrace cannot bypass seccomp.
 * Syscall names this libseccomp does not know are skipped by the filter
 * builder, so the list may name newer syscalls. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include "seccomp/seccomp.h"
#include "util/cleanup.h"
#include "util/json.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* The namespace flags clone() can carry (CLONE_NEWTIME overlaps the exit
 * signal byte of clone(); only clone3 and unshare take it). */
#define NS_CLONE_FLAGS                                                                             \
        (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
         CLONE_NEWCGROUP)

#if defined(__s390__) || defined(__s390x__)
#define CLONE_FLAGS_ARG 1 /* clone(stack, flags, ...) */
#else
#define CLONE_FLAGS_ARG 0
#endif

/* clang-format off */
static const char *const allow_common[] = {
        "_llseek", "_newselect", "accept", "accept4", "access", "alarm", "bind", "brk", "cachestat",
        "capget", "capset", "chdir", "chmod", "chown", "chown32", "chroot", "clock_getres",
        "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
        "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat",
        "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait",
        "epoll_pwait2", "epoll_wait", "eventfd", "eventfd2", "execve", "execveat", "exit",
        "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate",
        "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32",
        "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork",
        "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64",
        "fsync", "ftruncate", "ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait",
        "futex_waitv", "futex_wake", "futimesat", "get_mempolicy", "get_robust_list",
        "get_thread_area", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32",
        "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
        "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
        "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "getrusage", "getsid",
        "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr",
        "getxattrat", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
        "io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
        "io_setup", "io_submit", "ioctl", "ioprio_get", "ioprio_set", "ipc", "kcmp", "kill",
        "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
        "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "listxattrat",
        "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
        "map_shadow_stack", "mbind", "membarrier", "memfd_create", "memfd_secret", "mincore",
        "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2",
        "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
        "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap",
        "mseal", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
        "name_to_handle_at", "nanosleep", "newfstatat", "open", "openat", "openat2", "pause",
        "pidfd_getfd", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc",
        "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv",
        "preadv2", "prlimit64", "process_madvise", "process_mrelease", "process_vm_readv",
        "process_vm_writev", "pselect6", "pselect6_time64", "ptrace", "pwrite64", "pwritev",
        "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom",
        "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr",
        "removexattrat", "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq",
        "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
        "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
        "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity", "sched_getattr",
        "sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
        "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
        "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop",
        "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg",
        "sendto", "set_mempolicy", "set_mempolicy_home_node", "set_robust_list", "set_thread_area",
        "set_tid_address", "setdomainname", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32",
        "setgid", "setgid32", "setgroups", "setgroups32", "sethostname", "setitimer", "setpgid",
        "setpriority", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid",
        "setresuid32", "setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt", "setuid",
        "setuid32", "setxattr", "setxattrat", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
        "sigaltstack", "signal", "signalfd", "signalfd4", "sigpending", "sigprocmask", "sigreturn",
        "sigsuspend", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64",
        "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee",
        "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
        "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
        "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate",
        "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "uretprobe", "utime",
        "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid",
        "waitpid", "write", "writev", NULL,
};
/* clang-format on */

/* Syscalls only some architectures have. */
#if defined(__x86_64__) || defined(__i386__)
static const char *const allow_arch[] = {"arch_prctl", NULL};
#elif defined(__aarch64__) || defined(__arm__)
static const char *const allow_arch[] = {
        "arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush",
        "set_tls",          "sync_file_range2",    NULL};
#elif defined(__powerpc__)
static const char *const allow_arch[] = {"sync_file_range2", NULL};
#elif defined(__s390__) || defined(__s390x__)
static const char *const allow_arch[] = {"s390_pci_mmio_read", "s390_pci_mmio_write",
                                         "s390_runtime_instr", NULL};
#elif defined(__riscv)
static const char *const allow_arch[] = {"riscv_flush_icache", "riscv_hwprobe", NULL};
#else
static const char *const allow_arch[] = {NULL};
#endif

/* The architectures of the build host's family; empty: only the native one. */
#if defined(__x86_64__)
static const char *const profile_arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                                             NULL};
#elif defined(__i386__)
static const char *const profile_arches[] = {"SCMP_ARCH_X86", NULL};
#elif defined(__aarch64__)
static const char *const profile_arches[] = {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL};
#elif defined(__arm__)
static const char *const profile_arches[] = {"SCMP_ARCH_ARM", NULL};
#elif defined(__s390x__)
static const char *const profile_arches[] = {"SCMP_ARCH_S390X", "SCMP_ARCH_S390", NULL};
#else
static const char *const profile_arches[] = {NULL};
#endif

static const char *const names_clone[] = {"clone", NULL};
static const char *const names_clone3[] = {"clone3", NULL};
static const char *const names_unshare[] = {"unshare", NULL};
static const char *const names_socket[] = {"socket", NULL};
static const char *const names_personality[] = {"personality", NULL};

struct profile_rule {
        const char *const *names; /* NULL-terminated */
        enum casca_seccomp_action action;
        int errno_ret; /* -1: none */
        bool has_arg;
        struct casca_seccomp_arg arg;
};

#define ARG(i, o, v, v2)                                                                           \
        .has_arg = true, .arg = {.index = (i), .op = (o), .value = (v), .value_two = (v2)}
#define PERSONA(p)                                                                                 \
        {                                                                                          \
                names_personality, CASCA_SCMP_ALLOW, -1, ARG(0, CASCA_SCMP_CMP_EQ, (p), 0)         \
        }

static const struct profile_rule profile_rules[] = {
        {allow_common, CASCA_SCMP_ALLOW, -1, .has_arg = false},
        {allow_arch, CASCA_SCMP_ALLOW, -1, .has_arg = false},
        /* clone without namespace flags: (flags & NS_CLONE_FLAGS) == 0 */
        {names_clone, CASCA_SCMP_ALLOW, -1,
         ARG(CLONE_FLAGS_ARG, CASCA_SCMP_CMP_MASKED_EQ, NS_CLONE_FLAGS, 0)},
        {names_clone3, CASCA_SCMP_ERRNO, ENOSYS, .has_arg = false},
        {names_unshare, CASCA_SCMP_ALLOW, -1,
         ARG(0, CASCA_SCMP_CMP_MASKED_EQ, NS_CLONE_FLAGS | CLONE_NEWTIME, 0)},
        {names_socket, CASCA_SCMP_ALLOW, -1, ARG(0, CASCA_SCMP_CMP_NE, AF_VSOCK, 0)},
        PERSONA(PER_LINUX),
        PERSONA(PER_LINUX32),
        PERSONA(UNAME26),
        PERSONA(PER_LINUX32 | UNAME26),
        PERSONA(0xffffffffULL), /* query only */
};

#define PROFILE_DEFAULT_ACTION CASCA_SCMP_ERRNO
#define PROFILE_DEFAULT_ERRNO EPERM

static size_t strv_len(const char *const *v)
{
        size_t n = 0;

        while (v[n])
                n++;
        return n;
}

/* The profile's architectures: the table, or the native one alone. */
static const char *profile_arch(size_t i)
{
        if (profile_arches[0])
                return profile_arches[i];
        return i == 0 ? casca_seccomp_arch_native_name() : NULL;
}

static void gen_rule(struct casca_jgen *j, const struct profile_rule *rule)
{
        const struct casca_seccomp_arg *a = &rule->arg;

        casca_jgen_map_open(j);
        casca_jgen_str(j, "names");
        casca_jgen_strv(j, rule->names, strv_len(rule->names));
        casca_jgen_kstr(j, "action", casca_seccomp_action_name(rule->action));
        if (rule->errno_ret >= 0)
                casca_jgen_kint(j, "errnoRet", rule->errno_ret);
        if (rule->has_arg) {
                casca_jgen_str(j, "args");
                casca_jgen_array_open(j);
                casca_jgen_map_open(j);
                casca_jgen_kint(j, "index", a->index);
                casca_jgen_kint(j, "value", (long long)a->value);
                if (a->op == CASCA_SCMP_CMP_MASKED_EQ)
                        casca_jgen_kint(j, "valueTwo", (long long)a->value_two);
                casca_jgen_kstr(j, "op", casca_seccomp_op_name(a->op));
                casca_jgen_map_close(j);
                casca_jgen_array_close(j);
        }
        casca_jgen_map_close(j);
}

void casca_seccomp_default_profile(struct casca_jgen *j)
{
        casca_jgen_map_open(j);
        casca_jgen_kstr(j, "defaultAction", casca_seccomp_action_name(PROFILE_DEFAULT_ACTION));
        casca_jgen_kint(j, "defaultErrnoRet", PROFILE_DEFAULT_ERRNO);
        casca_jgen_str(j, "architectures");
        casca_jgen_array_open(j);
        for (size_t i = 0; profile_arch(i); i++)
                casca_jgen_str(j, profile_arch(i));
        casca_jgen_array_close(j);
        casca_jgen_str(j, "syscalls");
        casca_jgen_array_open(j);
        for (size_t i = 0; i < ARRAY_SIZE(profile_rules); i++)
                if (profile_rules[i].names[0])
                        gen_rule(j, &profile_rules[i]);
        casca_jgen_array_close(j);
        casca_jgen_map_close(j);
}

/* Duplicate a NULL-terminated string vector; NULL on ENOMEM. */
static char **strv_dup(const char *const *v, size_t n)
{
        char **copy = calloc(n + 1, sizeof(char *));

        if (!copy)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                copy[i] = strdup(v[i]);
                if (!copy[i]) {
                        casca_strv_free(copy);
                        return NULL;
                }
        }
        return copy;
}

static int rule_to_struct(const struct profile_rule *rule, struct casca_seccomp_syscall *sc)
{
        sc->n_names = strv_len(rule->names);
        sc->names = strv_dup(rule->names, sc->n_names);
        if (!sc->names)
                return -ENOMEM;
        sc->action = rule->action;
        sc->has_errno_ret = rule->errno_ret >= 0;
        sc->errno_ret = sc->has_errno_ret ? (uint32_t)rule->errno_ret : 0;
        if (rule->has_arg) {
                sc->args = malloc(sizeof(*sc->args));
                if (!sc->args)
                        return -ENOMEM;
                sc->args[0] = rule->arg;
                sc->n_args = 1;
        }
        return 0;
}

struct casca_seccomp *casca_seccomp_default_profile_new(struct casca_error **err)
{
        struct casca_seccomp *s = calloc(1, sizeof(*s));
        const char *arches[8];
        size_t n = 0;

        if (!s)
                goto oom;
        s->default_action = PROFILE_DEFAULT_ACTION;
        s->has_default_errno_ret = true;
        s->default_errno_ret = PROFILE_DEFAULT_ERRNO;
        while (n < ARRAY_SIZE(arches) - 1 && profile_arch(n)) {
                arches[n] = profile_arch(n);
                n++;
        }
        arches[n] = NULL;
        s->architectures = strv_dup(arches, n);
        if (!s->architectures)
                goto oom;
        s->n_architectures = n;
        s->syscalls = calloc(ARRAY_SIZE(profile_rules), sizeof(*s->syscalls));
        if (!s->syscalls)
                goto oom;
        for (size_t i = 0; i < ARRAY_SIZE(profile_rules); i++) {
                if (!profile_rules[i].names[0])
                        continue;
                /* count first: casca_seccomp_free() frees what was filled */
                if (rule_to_struct(&profile_rules[i], &s->syscalls[s->n_syscalls++]) < 0)
                        goto oom;
        }
        return s;
oom:
        casca_seccomp_free(s);
        casca_error_set(err, ENOMEM, "default seccomp profile");
        return NULL;
}
