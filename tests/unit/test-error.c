/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "casca.h"
#include "tap.h"
#include "util/cleanup.h"

static int fails_with(struct casca_error **err)
{
        return casca_error_set(err, ENOENT, "open `%s`", "/nope");
}

int main(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        struct casca_error *e2 = NULL;
        int r;

        r = fails_with(&err);
        is_int(r, -ENOENT, "set returns -errno");
        is_str(err->msg, "open `/nope`: No such file or directory", "set appends strerror");
        r = casca_error_set(&err, EPERM, "second");
        is_int(r, -EPERM, "a second set returns its own code");
        is_str(err->msg, "open `/nope`: No such file or directory", "but keeps the first error");
        r = casca_error_prefix(&err, "bundle `%s`", "/b");
        is_int(r, -ENOENT, "prefix returns the error's code");
        is_str(err->msg, "bundle `/b`: open `/nope`: No such file or directory", "prefix prepends");
        r = casca_error_setx(&e2, 0, "linux.namespaces[2].type: unknown namespace \"%s\"", "foo");
        is_int(r, -EINVAL, "setx with code 0 gives -EINVAL");
        is_str(e2->msg, "linux.namespaces[2].type: unknown namespace \"foo\"",
               "setx adds no reason");
        casca_error_free(e2);
        is_int(casca_error_set(NULL, EIO, "x"), -EIO, "a NULL err pointer is allowed");
        return tap_done();
}
