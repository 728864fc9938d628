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

#include "runtime/config.h"

/* process.execCPUAffinity.initial first; process.rlimits (setrlimit; the
 * error names the entry: "process.rlimits[0] RLIMIT_NOFILE: soft 1024, hard
 * 4096: Operation not permitted"), linux.personality, linux.memoryPolicy
 * (set_mempolicy), process.scheduler (sched_setattr), process.ioPriority
 * (ioprio_set), and the labels execve will apply: process.apparmorProfile
 * ("exec <profile>" into /proc/self/attr/apparmor/exec) and
 * process.selinuxLabel (/proc/self/attr/exec), each only into a real procfs. */
int casca_process_setup(const struct casca_config *cfg, struct casca_error **err);

/* In the runtime, before anything is made: process.apparmorProfile needs
 * AppArmor enabled on the host (/sys/module/apparmor/parameters/enabled),
 * process.selinuxLabel and linux.mountLabel need SELinux (selinuxfs at
 * /sys/fs/selinux); otherwise a clear error naming the field, or what the
 * label came from (apparmor_what, selinux_what: "--apparmor"; NULL: the
 * field). */
int casca_process_check_lsm(const struct casca_config *cfg, const char *apparmor_what,
                            const char *selinux_what, struct casca_error **err);

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

/* The ambient capabilities casca_process_set_user() skips: those not both
 * permitted and inheritable, which the kernel refuses to raise (EPERM).
 * runc raises what it can and warns about the rest; runc 1.1's `spec`
 * lists CAP_AUDIT_WRITE, CAP_KILL and CAP_NET_BIND_SERVICE as ambient
 * without making them inheritable, so none is raised. */
uint64_t casca_process_ambient_unraisable(const struct casca_capabilities *caps);
/* Say under --debug which ambient capabilities of p will not be raised. */
void casca_process_log_ambient(const struct casca_context *ctx, const char *id,
                               const struct casca_process *p);

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
/* process.execCPUAffinity.final (sched_setaffinity), where the process is
 * in its cgroup: the last step before the filter and execve. */
int casca_process_set_final_affinity(const struct casca_process *p, struct casca_error **err);
/* casca_process_set_final_affinity(), casca_process_find_exec(), then execve
 * it with process.args and process.env.  Returns only on failure. */
int casca_process_exec(const struct casca_process *p, struct casca_error **err);

#endif
