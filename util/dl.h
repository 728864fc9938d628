/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dl.h - shared libraries loaded with dlopen() the first time they are
 * needed, not by the dynamic loader at every start.
 *
 * Every casca call (twice for create, run and exec as root: casca
 * re-executes from a sealed copy of itself) paid for mapping and relocating
 * libraries that only some verbs use: libsystemd (the systemd cgroup
 * manager), libmnl and libnftnl (casca's own networking), libyaml
 * (cloud-init seeds).  Each ~0.07 ms and ~100 KiB of resident memory per
 * process on the benchmark machine.
 *
 * A library is loaded from the host's file system only: dlopen() resolves
 * its name in the caller's mount namespace and root, so after a process has
 * begun to turn into a container (its own mount namespace, a joined one,
 * pivot_root) a load would run the image's code with the runtime's
 * privileges.  Such a process calls casca_dl_forbid() first; a load after it
 * fails, and the runtime loads what its containers' processes will need
 * before it forks them. */
#ifndef CASCA_UTIL_DL_H
#define CASCA_UTIL_DL_H

#include <stdbool.h>
#include <stddef.h>

struct casca_error;

struct casca_dl_sym {
        const char *name;
        void **slot; /* where the address goes: a function pointer's storage */
};

struct casca_dl {
        const char *soname;  /* "libmnl.so.0" */
        const char *package; /* Debian's package, for the error: "libmnl0" */
        const char *user;    /* who needs it, for the error: "networking" */
        const struct casca_dl_sym *syms;
        size_t n_syms;
        bool loaded;
};

/* A struct casca_dl for the array syms, not yet loaded */
#define CASCA_DL_INIT(soname, package, user, syms)                                                 \
        {                                                                                          \
                (soname), (package), (user), (syms), sizeof(syms) / sizeof((syms)[0]), false       \
        }

/* Load lib once (RTLD_NOW, never unloaded) and fill every slot.  0, or a
 * negative errno with an error naming the library, its package and who
 * needs it. */
int casca_dl_load(struct casca_dl *lib, struct casca_error **err);

/* A call into lib before casca_dl_load() succeeded is a bug in casca: it
 * aborts (an assertion), rather than jumping through a NULL pointer. */
static inline void casca_dl_check(const struct casca_dl *lib)
{
        if (__builtin_expect(!lib->loaded, 0))
                __builtin_trap();
}

/* From now on in this process, casca_dl_load() of a library not yet loaded
 * fails (see above); what is loaded stays usable. */
void casca_dl_forbid(void);

#endif
