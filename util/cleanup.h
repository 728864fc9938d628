/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cleanup.h - scope-bound cleanup attributes.  Every cleanup function
 * accepts NULL / -1 and preserves errno. */
#ifndef CASCA_CLEANUP_H
#define CASCA_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void casca_freep(void *p)
{
        int saved = errno;
        free(*(void **)p);
        errno = saved;
}

static inline void casca_closep(int *fd)
{
        int saved = errno;
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
        errno = saved;
}

static inline void casca_fclosep(FILE **f)
{
        int saved = errno;
        if (*f)
                fclose(*f);
        errno = saved;
}

static inline void casca_closedirp(DIR **d)
{
        int saved = errno;
        if (*d)
                closedir(*d);
        errno = saved;
}

/* Kill and reap a child we started and still own. */
static inline void casca_killp(pid_t *pid)
{
        int saved = errno;
        if (*pid > 0) {
                kill(*pid, SIGKILL);
                while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        *pid = -1;
        errno = saved;
}

/* Free a NULL-terminated vector of strings. */
static inline void casca_strv_free(char **v)
{
        if (!v)
                return;
        for (char **i = v; *i; i++)
                free(*i);
        free(v);
}

static inline void casca_strv_freep(char ***v)
{
        int saved = errno;
        casca_strv_free(*v);
        errno = saved;
}

struct casca_error;
void casca_error_free(struct casca_error *err);
static inline void casca_error_freep(struct casca_error **e)
{
        int saved = errno;
        casca_error_free(*e);
        errno = saved;
}

#define _cleanup_free_ _cleanup_(casca_freep)
#define _cleanup_close_ _cleanup_(casca_closep)
#define _cleanup_fclose_ _cleanup_(casca_fclosep)
#define _cleanup_closedir_ _cleanup_(casca_closedirp)
#define _cleanup_kill_ _cleanup_(casca_killp)
#define _cleanup_strv_ _cleanup_(casca_strv_freep)
#define _cleanup_error_ _cleanup_(casca_error_freep)

/* Hand ownership over: returns the value and resets the variable. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _p = (p);                                                            \
                (p) = NULL;                                                                        \
                _p;                                                                                \
        })
#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _fd = (fd);                                                                    \
                (fd) = -1;                                                                         \
                _fd;                                                                               \
        })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
