/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hash.h - a fast non-cryptographic hash for names (FNV-1a, 64 bit): what
 * it names is always checked by other means. */
#ifndef CASCA_UTIL_HASH_H
#define CASCA_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t casca_hash64(const void *data, size_t len);
/* The same over a NUL-terminated string (without the NUL). */
uint64_t casca_hash64_str(const char *s);

#endif
