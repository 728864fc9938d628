/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mount-swap.so - LD_PRELOAD shim for tests: plays a container that wins
 * the CVE-2021-30465 race.  Right after the first bind (mount(2) with
 * MS_BIND, or move_mount(2)) whose target's path ends in "/$MOUNT_SWAP",
 * it exchanges that path with its sibling "decoy" (renameat2
 * RENAME_EXCHANGE), as another container that can write the directory
 * could between the bind and what the runtime does to the mount next.
 * The exchange is made in the mount namespace casca started in (a mount
 * point cannot be renamed in the namespace that has the mount: the
 * attacker's is another one).
 * The same for device nodes: right after the first mknodat(2) of a node
 * named $MKNOD_SWAP (e.g. "null"), it is replaced by a symlink to
 * $MKNOD_SWAP_TO, as another container that can write the image's /dev
 * could before the runtime sets the node's mode.  Every call goes to libc. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

static int done;
static pid_t runtime_pid;

/* in casca, before it forks the container's init */
__attribute__((constructor)) static void remember(void)
{
        runtime_pid = getpid();
}

static void swap(const char *target)
{
        const char *want = getenv("MOUNT_SWAP");
        char path[PATH_MAX], decoy[PATH_MAX + 8];
        ssize_t n = readlink(target, path, sizeof(path) - 1);
        size_t pl, wl;
        char *slash;

        if (done || !want || n <= 0)
                return;
        path[n] = '\0';
        pl = (size_t)n;
        wl = strlen(want);
        if (pl <= wl || path[pl - wl - 1] != '/' || strcmp(path + pl - wl, want) != 0)
                return;
        slash = strrchr(path, '/');
        snprintf(decoy, sizeof(decoy), "%.*s/decoy", (int)(slash - path), path);
        pid_t child = fork();
        int status;

        if (child == 0) {
                char ns[64];
                int fd;

                snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)runtime_pid);
                fd = open(ns, O_RDONLY | O_CLOEXEC);
                _exit(fd < 0 || setns(fd, CLONE_NEWNS) < 0 ||
                      renameat2(AT_FDCWD, path, AT_FDCWD, decoy, RENAME_EXCHANGE) < 0);
        }
        if (child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0)
                done = 1;
}

int mount(const char *src, const char *target, const char *type, unsigned long flags,
          const void *data)
{
        int (*real)(const char *, const char *, const char *, unsigned long, const void *) =
                dlsym(RTLD_NEXT, "mount");
        int r = real(src, target, type, flags, data);

        if (r == 0 && (flags & MS_BIND) && !(flags & MS_REMOUNT) && target &&
            strncmp(target, "/proc/self/fd/", 14) == 0)
                swap(target);
        return r;
}

int move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned int flags)
{
        int (*real)(int, const char *, int, const char *, unsigned int) =
                dlsym(RTLD_NEXT, "move_mount");
        int r = real(from_dfd, from, to_dfd, to, flags);
        char target[64];

        if (r == 0 && (flags & MOVE_MOUNT_T_EMPTY_PATH)) {
                snprintf(target, sizeof(target), "/proc/self/fd/%d", to_dfd);
                swap(target);
        }
        return r;
}

int mknodat(int dir, const char *name, mode_t mode, dev_t dev)
{
        int (*real)(int, const char *, mode_t, dev_t) = dlsym(RTLD_NEXT, "mknodat");
        const char *want = getenv("MKNOD_SWAP"), *to = getenv("MKNOD_SWAP_TO");
        int r = real(dir, name, mode, dev);
        static int swapped;

        if (r == 0 && !swapped && want && to && strcmp(name, want) == 0 &&
            unlinkat(dir, name, 0) == 0 && symlinkat(to, dir, name) == 0)
                swapped = 1;
        return r;
}
