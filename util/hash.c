/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hash.c - FNV-1a, 64 bit. */
#include <string.h>

#include "util/hash.h"

uint64_t casca_hash64(const void *data, size_t len)
{
        const unsigned char *p = data;
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        for (size_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

uint64_t casca_hash64_str(const char *s)
{
        return casca_hash64(s, strlen(s));
}
