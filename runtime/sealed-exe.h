/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sealed-exe.h - the runtime's binary never runs inside a container: a
 * sealed copy of itself, or the exec stub (sealed-exe.c says why). */
#ifndef CASCA_SEALED_EXE_H
#define CASCA_SEALED_EXE_H

#include <stdbool.h>

#include "casca.h"
#include "seccomp/seccomp.h"

struct casca_process;

/* Must what this process puts in a container be kept from its binary: it
 * does not run from a sealed copy, and the caller could write the binary. */
bool casca_exe_needs_protection(void);
/* casca_exec_sealed_self() with the argv of casca_set_sealed_argv(): a
 * verb that finds it cannot use the exec stub starts again from a sealed
 * copy.  Returns only on failure (EPERM when no argv was set). */
int casca_exec_sealed_again(struct casca_error **err);

/* The exec stub (runtime/stub/casca-stub.c) in a sealed memfd, close-on-
 * exec: the fd, or < 0 (ENOSYS: none for this architecture). */
int casca_exec_stub_open(struct casca_error **err);
/* Which way create (init: the container's init waits for `start` in the
 * stub) or exec (the stub clones the process) keeps this process's binary
 * out of the container.  *ret_stub_fd gets the stub's sealed fd, or -1
 * when nothing needs protecting.  Where the stub cannot start the process
 * as the runtime would have (verb_why, the verb's own reason, if not NULL;
 * p's LSM label; no stub; filter, the compiled linux.seccomp or NULL,
 * stopping one of the stub's syscalls) it says why under --debug, after
 * "container ID: VERB" (no VERB: NULL), and starts again from a sealed
 * copy: it returns only on failure then. */
int casca_exec_stub_choose(const struct casca_context *ctx, const char *id, const char *verb,
                           const char *verb_why, const struct casca_process *p,
                           const struct casca_seccomp_prog *filter, bool init, int *ret_stub_fd,
                           struct casca_error **err);

/* Does filter p (NULL: none) let through every syscall the stub and its
 * caller make after the filter is loaded, with the arguments they make
 * them with (stub_fd and sock as they will be; tty: the terminal's)? */
bool casca_exec_stub_syscalls_allowed(const struct casca_seccomp_prog *p, int stub_fd, int sock,
                                      bool tty);
/* Execute the stub, which clones a process as a child of our parent (in
 * the pid namespace our children get), executes path with args and env
 * there (a session leader with stdin as its controlling terminal when tty)
 * and sends the process's pid on sync socket sock (SYNC_INIT_PID), then
 * SYNC_ERRNO if it failed before its program ran.  Whatever seccomp filter
 * is loaded by then must allow what the stub does
 * (casca_exec_stub_syscalls_allowed()).  Returns only on failure. */
int casca_exec_stub_clone(int stub_fd, int sock, bool tty, const char *path, char *const args[],
                          char *const env[], struct casca_error **err);

/* Does filter p (NULL: none) let through what the init and the stub do
 * after the filter is loaded, in casca_exec_stub_init()? */
bool casca_exec_stub_init_syscalls_allowed(const struct casca_seccomp_prog *p, int stub_fd,
                                           int fifo_fd);
/* For the container's init, all done but `start`: execute the stub, which
 * opens the exec fifo (fifo_fd, O_PATH) for writing, which waits for
 * `start`, writes it a byte and executes path with args and env; what
 * fails then goes to stderr.  The seccomp filter is loaded before (and
 * must let through casca_exec_stub_init_syscalls_allowed()'s).  Returns
 * only on failure. */
int casca_exec_stub_init(int stub_fd, int fifo_fd, const char *path, char *const args[],
                         char *const env[], struct casca_error **err);

#endif
