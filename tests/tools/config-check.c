/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config-check FILE - parse FILE as a config.json with casca's parser.
 * Prints "ok" (exit 0) or "error: <message>" (exit 1); 2 on usage. */
#include <stdio.h>

#include "casca.h"
#include "runtime/config.h"
#include "util/cleanup.h"

int main(int argc, char **argv)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_config_ struct casca_config *cfg = NULL;

        if (argc != 2) {
                fprintf(stderr, "usage: config-check FILE\n");
                return 2;
        }
        cfg = casca_config_load(argv[1], &err);
        if (!cfg) {
                printf("error: %s\n", err ? err->msg : "unknown error");
                return 1;
        }
        printf("ok\n");
        return 0;
}
