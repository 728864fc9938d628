/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* seccomp-dump PID - print the seccomp filters process PID runs under, as the
 * kernel holds them: one line per filter, the first installed first (index 0
 * of PTRACE_SECCOMP_GET_FILTER is the oldest),
 * "<instructions> <the BPF in hex>".  seccomp-cache.bats compares a
 * container's init with an exec'd process byte for byte.  Uses
 * PTRACE_SECCOMP_GET_FILTER (CAP_SYS_ADMIN, CONFIG_CHECKPOINT_RESTORE): the
 * process is seized, stopped for the read and let go. */
#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

int main(int argc, char **argv)
{
        pid_t pid;
        int status, rc = 0;

        if (argc != 2 || (pid = (pid_t)strtol(argv[1], NULL, 10)) <= 0) {
                fprintf(stderr, "usage: seccomp-dump PID\n");
                return 2;
        }
        if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0 || ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 ||
            waitpid(pid, &status, __WALL) != pid) {
                fprintf(stderr, "seccomp-dump: seize %d: %s\n", (int)pid, strerror(errno));
                return 1;
        }
        for (unsigned long i = 0;; i++) {
                long n = ptrace((enum __ptrace_request)PTRACE_SECCOMP_GET_FILTER, pid, i, NULL);
                struct sock_filter *insns;

                if (n < 0 && errno == ENOENT)
                        break; /* past the last filter */
                if (n < 0 && i == 0 && errno == EINVAL)
                        break; /* not under a filter */
                if (n <= 0) {
                        fprintf(stderr, "seccomp-dump: filter %lu of %d: %s\n", i, (int)pid,
                                strerror(errno));
                        rc = 1;
                        break;
                }
                insns = calloc((size_t)n, sizeof(*insns));
                if (!insns ||
                    ptrace((enum __ptrace_request)PTRACE_SECCOMP_GET_FILTER, pid, i, insns) != n) {
                        fprintf(stderr, "seccomp-dump: filter %lu of %d: %s\n", i, (int)pid,
                                strerror(errno));
                        free(insns);
                        rc = 1;
                        break;
                }
                printf("%ld ", n);
                for (long k = 0; k < n; k++)
                        printf("%04x%02x%02x%08x", insns[k].code, insns[k].jt, insns[k].jf,
                               insns[k].k);
                printf("\n");
                free(insns);
        }
        if (ptrace(PTRACE_DETACH, pid, 0, 0) < 0) {
                fprintf(stderr, "seccomp-dump: detach %d: %s\n", (int)pid, strerror(errno));
                rc = 1;
        }
        return rc;
}
