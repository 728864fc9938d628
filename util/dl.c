/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dl.c - dlopen() of the libraries only some verbs need (dl.h says why). */
#include <dlfcn.h>
#include <errno.h>

#include "casca.h"
#include "util/dl.h"

static bool forbidden;

void casca_dl_forbid(void)
{
        forbidden = true;
}

int casca_dl_load(struct casca_dl *lib, struct casca_error **err)
{
        void *h;

        if (lib->loaded)
                return 0;
        if (forbidden)
                return casca_error_setx(err, EPERM,
                                        "%s: %s is needed in a process that has begun to enter "
                                        "a container, where no library is loaded (a bug: the "
                                        "runtime loads it before)",
                                        lib->user, lib->soname);
        /* RTLD_NODELETE: never unloaded, so the pointers stay good */
        h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!h)
                return casca_error_setx(err, ENOENT, "%s: cannot load %s (Debian's %s): %s",
                                        lib->user, lib->soname, lib->package, dlerror());
        for (size_t i = 0; i < lib->n_syms; i++) {
                void *p = dlsym(h, lib->syms[i].name);

                if (!p)
                        return casca_error_setx(err, ENOENT, "%s: %s has no %s: %s", lib->user,
                                                lib->soname, lib->syms[i].name, dlerror());
                *lib->syms[i].slot = p;
        }
        lib->loaded = true;
        return 0;
}
