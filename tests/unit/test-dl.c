/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* util/dl.c: a library loaded on first use, its errors, and no load once a
 * process has begun to enter a container. */
#include <errno.h>
#include <string.h>

#include "casca.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/dl.h"

typedef char *(*strerror_fn)(int);

int main(void)
{
        _cleanup_error_ struct casca_error *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;
        strerror_fn f_strerror = NULL, f_late = NULL;
        void *missing_sym = NULL;
        const struct casca_dl_sym syms[] = {{"strerror", (void **)&f_strerror}};
        const struct casca_dl_sym late_syms[] = {{"strerror", (void **)&f_late}};
        const struct casca_dl_sym bad_syms[] = {{"casca_no_such_function", &missing_sym}};
        struct casca_dl libc = {"libc.so.6", "libc6", "the test", syms, 1, false};
        struct casca_dl late = {"libm.so.6", "libc6", "the late test", late_syms, 1, false};
        struct casca_dl none = {"libcasca-none.so.9", "casca-none", "the test", syms, 1, false};
        struct casca_dl nosym = {"libc.so.6", "libc6", "the test", bad_syms, 1, false};

        is_int(casca_dl_load(&libc, &e1), 0, "a library loads");
        ok(libc.loaded && f_strerror && strcmp(f_strerror(ENOENT), strerror(ENOENT)) == 0,
           "and its functions work through the filled pointers");
        is_int(casca_dl_load(&libc, &e1), 0, "a second load is a no-op");

        ok(casca_dl_load(&none, &e2) < 0 && !none.loaded, "a missing library fails");
        ok(e2 && strstr(e2->msg, "the test: cannot load libcasca-none.so.9 (Debian's casca-none)"),
           "naming who needs it, the library and its package: %s", e2 ? e2->msg : "");

        ok(casca_dl_load(&nosym, &e3) < 0 && !nosym.loaded, "a missing function fails");
        ok(e3 && strstr(e3->msg, "libc.so.6 has no casca_no_such_function"), "naming it: %s",
           e3 ? e3->msg : "");

        casca_dl_forbid();
        is_int(casca_dl_load(&late, &e4), -EPERM, "after casca_dl_forbid() nothing new loads");
        ok(!late.loaded && !f_late, "and nothing is filled");
        ok(e4 && strstr(e4->msg, "the late test: libm.so.6 is needed in a process that has begun "
                                 "to enter a container"),
           "the error says why: %s", e4 ? e4->msg : "");
        is_int(casca_dl_load(&libc, NULL), 0, "what was loaded before stays usable");
        ok(strcmp(f_strerror(EPERM), strerror(EPERM)) == 0, "and works");
        return tap_done();
}
