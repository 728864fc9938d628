/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spawn.c - run a helper program (newuidmap, pasta) directly and wait. */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/spawn.h"

extern char **environ;

char *casca_find_program(const char *name)
{
        const char *path = getenv("PATH");
        _cleanup_free_ char *copy = strdup(path && *path ? path : "/usr/bin:/bin");
        char *save = NULL;

        if (!copy)
                return NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                char *full = NULL;
                struct stat sb;

                if (dir[0] != '/' || asprintf(&full, "%s/%s", dir, name) < 0)
                        continue;
                if (stat(full, &sb) == 0 && S_ISREG(sb.st_mode) && access(full, X_OK) == 0)
                        return full;
                free(full);
        }
        return NULL;
}

int casca_spawn_wait(char *const *argv, const char *what, struct casca_error **err)
{
        _cleanup_close_ int rd = -1;
        char msg[512] = "";
        size_t used = 0;
        int fds[2], status = 0;
        pid_t child;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return casca_error_set(err, errno, "%s: pipe", what);
        rd = fds[0];
        child = fork();
        if (child < 0) {
                close(fds[1]);
                return casca_error_set(err, errno, "%s: fork %s", what, argv[0]);
        }
        if (child == 0) {
                sigset_t all;

                /* the helper starts as from a shell: default dispositions
                 * (casca ignores SIGPIPE; pasta refuses to start then), no
                 * blocked signals */
                for (int sig = 1; sig < NSIG; sig++)
                        if (sig != SIGKILL && sig != SIGSTOP)
                                signal(sig, SIG_DFL);
                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                if (dup2(fds[1], STDERR_FILENO) < 0)
                        _exit(127);
                execve(argv[0], argv, environ);
                dprintf(STDERR_FILENO, "exec: %s", strerror(errno));
                _exit(127);
        }
        close(fds[1]);
        /* a daemon child keeps stderr open: read until the program exits
         * and closes it, or the buffer is full */
        for (;;) {
                ssize_t k = read(rd, msg + used, sizeof(msg) - 1 - used);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                used += (size_t)k;
                if (used == sizeof(msg) - 1)
                        break;
        }
        msg[used] = '\0';
        while (used && (msg[used - 1] == '\n' || msg[used - 1] == ' '))
                msg[--used] = '\0';
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        return casca_error_set(err, errno, "%s: wait for %s", what, argv[0]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return casca_error_setx(err, EPERM, "%s: %s failed (%s %d): %s", what, argv[0],
                                        WIFEXITED(status) ? "exit status" : "signal",
                                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                                        used ? msg : "no message");
        return 0;
}
