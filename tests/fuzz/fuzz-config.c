/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-config - libFuzzer target for the config.json parser.
 *
 *   make fuzz-build   # build/fuzz/fuzz-config, over the whole library
 *   build/fuzz/fuzz-config -max_total_time=60 tests/fuzz/corpus/config
 */
#include <stddef.h>
#include <stdint.h>

#include "casca.h"
#include "runtime/config.h"

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
