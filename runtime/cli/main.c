/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* main.c - the casca command line: global flags and the verb table. */
#include <stdio.h>
#include <string.h>

#include "casca.h"

int main(int argc, char **argv)
{
        if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0)) {
                printf("casca version %s\nspec: %s\n", CASCA_VERSION, CASCA_OCI_VERSION);
                return 0;
        }
        fprintf(stderr, "casca: not implemented yet\n");
        return 1;
}
