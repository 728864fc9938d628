/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sys-probe NAME... - make each named system call once, with harmless
 * arguments, and print "NAME: ok" or "NAME: EPERM" (the errno's name).
 * seccomp.bats copies it into a container's rootfs to see what a seccomp
 * profile lets through.  Built static (see the Makefile). */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

struct probe {
        const char *name;
        long (*call)(void);
};

static long p_keyctl(void)
{
        return syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0);
}

static long p_add_key(void)
{
        return syscall(SYS_add_key, "user", "casca-probe", "x", 1, -2 /* process keyring */);
}

static long p_request_key(void)
{
        return syscall(SYS_request_key, "user", "casca-probe", NULL, 0);
}

static long p_bpf(void)
{
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        return syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
}

static long p_perf_event_open(void)
{
        struct perf_event_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.size = sizeof(attr);
        attr.type = PERF_TYPE_SOFTWARE;
        attr.config = PERF_COUNT_SW_TASK_CLOCK;
        return syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
}

static long p_open_by_handle_at(void)
{
        char buf[sizeof(struct file_handle) + 64];
        struct file_handle *h = (struct file_handle *)buf;

        memset(buf, 0, sizeof(buf));
        h->handle_bytes = 8;
        return syscall(SYS_open_by_handle_at, AT_FDCWD, h, O_RDONLY);
}

static long p_kexec_load(void)
{
        return syscall(SYS_kexec_load, 0, 0, NULL, 0);
}

static long p_init_module(void)
{
        return syscall(SYS_init_module, "", 0, "");
}

static long p_unshare_user(void)
{
        return unshare(CLONE_NEWUSER);
}

static long p_unshare_mount(void)
{
        return unshare(CLONE_NEWNS);
}

static long p_clone3(void)
{
        return syscall(SYS_clone3, NULL, 0);
}

static long p_mount(void)
{
        return mount("none", "/tmp", "tmpfs", 0, NULL);
}

static long p_userfaultfd(void)
{
        return syscall(SYS_userfaultfd, 0);
}

static long p_io_uring_setup(void)
{
        return syscall(SYS_io_uring_setup, 1, NULL);
}

static long p_socket_vsock(void)
{
        long fd = socket(AF_VSOCK, SOCK_STREAM, 0);

        if (fd >= 0)
                close((int)fd);
        return fd;
}

static long p_settimeofday(void)
{
        return syscall(SYS_settimeofday, NULL, NULL);
}

static long p_reboot(void)
{
        return syscall(SYS_reboot, 0, 0, 0, NULL); /* bad magic: EINVAL at most */
}

static long p_syslog(void)
{
        return syscall(SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
}

static long p_getpid(void)
{
        return getpid();
}

/* what the runtime itself used to need after the filter */
static long p_getcwd(void)
{
        char buf[4096];

        return syscall(SYS_getcwd, buf, sizeof(buf));
}

static long p_close_range(void)
{
        return syscall(SYS_close_range, 100000, 100000, 0);
}

static long p_faccessat2(void)
{
        return syscall(SYS_faccessat2, AT_FDCWD, "/", F_OK, 0);
}

static const struct probe probes[] = {
        {"keyctl", p_keyctl},
        {"add_key", p_add_key},
        {"request_key", p_request_key},
        {"bpf", p_bpf},
        {"perf_event_open", p_perf_event_open},
        {"open_by_handle_at", p_open_by_handle_at},
        {"kexec_load", p_kexec_load},
        {"init_module", p_init_module},
        {"unshare-user", p_unshare_user},
        {"unshare-mount", p_unshare_mount},
        {"clone3", p_clone3},
        {"mount", p_mount},
        {"userfaultfd", p_userfaultfd},
        {"io_uring_setup", p_io_uring_setup},
        {"socket-vsock", p_socket_vsock},
        {"settimeofday", p_settimeofday},
        {"reboot", p_reboot},
        {"syslog", p_syslog},
        {"getpid", p_getpid},
        {"getcwd", p_getcwd},
        {"close_range", p_close_range},
        {"faccessat2", p_faccessat2},
};

int main(int argc, char **argv)
{
        int rc = 0;

        for (int i = 1; i < argc; i++) {
                const struct probe *p = NULL;
                long r;

                for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++)
                        if (strcmp(argv[i], probes[k].name) == 0)
                                p = &probes[k];
                if (!p) {
                        fprintf(stderr, "sys-probe: unknown probe `%s`\n", argv[i]);
                        rc = 2;
                        continue;
                }
                errno = 0;
                r = p->call();
                if (r < 0)
                        printf("%s: %s\n", p->name, strerrorname_np(errno));
                else
                        printf("%s: ok\n", p->name);
        }
        return rc;
}
