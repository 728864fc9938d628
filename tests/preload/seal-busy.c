/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* seal-busy.so - LD_PRELOAD shim for tests: the first $SEAL_BUSY
 * fcntl(F_ADD_SEALS) calls of a process fail with EBUSY, as the kernel's
 * F_SEAL_WRITE does while a page of the memfd still has a transient
 * reference (runtime/sealed-exe.c).  Every other call goes to libc. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>

typedef int (*fcntl_fn)(int, int, ...);

static int busy_left = -1;

static int forward(const char *name, int fd, int cmd, void *arg)
{
        fcntl_fn real = (fcntl_fn)dlsym(RTLD_NEXT, name);

        if (cmd == F_ADD_SEALS) {
                if (busy_left < 0) {
                        const char *n = getenv("SEAL_BUSY");

                        busy_left = n ? (int)strtol(n, NULL, 10) : 0;
                }
                if (busy_left > 0) {
                        busy_left--;
                        errno = EBUSY;
                        return -1;
                }
        }
        return real(fd, cmd, arg);
}

int fcntl(int fd, int cmd, ...)
{
        va_list ap;
        void *arg;

        va_start(ap, cmd);
        arg = va_arg(ap, void *);
        va_end(ap);
        return forward("fcntl", fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
        va_list ap;
        void *arg;

        va_start(ap, cmd);
        arg = va_arg(ap, void *);
        va_end(ap);
        return forward("fcntl64", fd, cmd, arg);
}
