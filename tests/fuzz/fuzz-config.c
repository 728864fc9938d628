/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-config - libFuzzer target for the config.json parser.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *       -Iruntime/include -Iruntime -I. -I/usr/include/yajl tests/fuzz/fuzz-config.c \
 *       runtime/config.c runtime/config-linux.c runtime/json.c runtime/error.c \
 *       -lyajl -lcap -o /tmp/fuzz-config
 *   /tmp/fuzz-config -max_total_time=60 tests/fuzz/corpus/config
 */
#include <stddef.h>
#include <stdint.h>

#include "casca.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct casca_error *err = NULL;
        struct casca_config *cfg;

        cfg = casca_config_parse((const char *)data, size, &err);
        /* exactly one of the two is set */
        if (!cfg == !err)
                __builtin_trap();
        casca_config_free(cfg);
        casca_error_free(err);
        return 0;
}
