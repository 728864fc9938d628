/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* process.h - the container process's identity and limits, set by its init
 * process after the rootfs is final (and by an exec'd process), in this
 * order, through casca_prepare_exec() (prepare-exec.h):
 *
 *     casca_process_setup()            rlimits, personality
 *     casca_process_set_user()         groups, uid/gid, capabilities, umask
 *     casca_process_set_no_new_privs()
 *     casca_process_find_exec()        chdir(cwd), PATH lookup
 *     (seccomp, last)
 *     execve */
#ifndef CASCA_PROCESS_H
#define CASCA_PROCESS_H

#include <sys/types.h>

#include "config.h"

/* process.rlimits (setrlimit; the error names the entry:
 * "process.rlimits[0] RLIMIT_NOFILE: soft 1024, hard 4096: Operation not
 * permitted") and linux.personality. */
int casca_process_setup(const struct casca_config *cfg, struct casca_error **err);

/* process.oomScoreAdj, written to /proc/<pid>/oom_score_adj (pid 0: self);
 * nothing without one.  The runtime sets it on the container's first
 * process, whose children inherit it: lowering it needs CAP_SYS_RESOURCE in
 * the initial user namespace, which a process in a new user namespace lacks,
 * and the file of a non-dumpable process belongs to the host's root. */
int casca_process_set_oom_score_adj(pid_t pid, const struct casca_process *p,
                                    struct casca_error **err);

/* With process.capabilities: every capability not in the bounding set is
 * dropped from it and PR_SET_KEEPCAPS is set; then setgroups(additionalGids)
 * (an EPERM, e.g. setgroups denied in a user namespace, is ignored when no
 * additional gids are asked for), setresgid, setresuid; with capabilities,
 * the effective/permitted/inheritable sets from the config, the ambient ones
 * raised, PR_SET_KEEPCAPS cleared.  Without process.capabilities the current
 * capabilities are left alone (a non-zero uid loses them as usual).
 * Capabilities the running kernel does not know are skipped.  Finally the
 * umask: process.user.umask or 0022.  Before anything else it tries
 * chdir(process.cwd), as runc does, so that a cwd only the runtime's
 * identity can reach still works (casca_process_find_exec() repeats it). */
int casca_process_set_user(const struct casca_process *p, struct casca_error **err);

/* PR_SET_NO_NEW_PRIVS when process.noNewPrivileges. */
int casca_process_set_no_new_privs(const struct casca_process *p, struct casca_error **err);

/* chdir(process.cwd) (an EACCES is fine when casca_process_set_user()
 * already got there; a cwd outside the root is refused), then find the
 * program: args[0] with a '/' as it is, else looked up on the PATH of
 * process.env (default
 * /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin); it must be
 * an executable regular file.  ret_path gets what execve is to run:
 * `exec "foo": No such file or directory` otherwise. */
int casca_process_find_exec(const struct casca_process *p, char *ret_path, size_t size,
                            struct casca_error **err);
/* casca_process_find_exec(), then execve it with process.args and
 * process.env.  Returns only on failure. */
int casca_process_exec(const struct casca_process *p, struct casca_error **err);

#endif
