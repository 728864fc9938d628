/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-seccomp.c - libFuzzer target for the seccomp profile loader: the
 * input is a linux.seccomp object; it goes through the config parser into
 * struct casca_seccomp, then through casca_seccomp_build() and libseccomp's
 * BPF generator (nothing is loaded).
 *
 *   make fuzz-build   # build/fuzz/fuzz-seccomp, over the whole library
 *   build/fuzz/fuzz-seccomp -max_total_time=600 tests/fuzz/corpus/seccomp
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "casca.h"
#include "runtime/config.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"

#define FUZZ_MAX_INPUT (1 << 20)

static const char doc_head[] =
        "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"seccomp\":";
static const char doc_tail[] = "}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore_skip(void *userdata, enum casca_seccomp_skip reason, size_t rule,
                        const char *syscall)
{
        /* touch what the runtime would log */
        (void)casca_seccomp_skip_reason(reason);
        (void)strlen(syscall);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static int devnull = -1;
        _cleanup_config_ struct casca_config *cfg = NULL;
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        _cleanup_free_ char *doc = NULL;
        size_t len;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        if (devnull < 0)
                devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

        len = sizeof(doc_head) - 1 + size + sizeof(doc_tail) - 1;
        doc = malloc(len + 1);
        if (!doc)
                return 0;
        memcpy(doc, doc_head, sizeof(doc_head) - 1);
        if (size > 0)
                memcpy(doc + sizeof(doc_head) - 1, data, size);
        memcpy(doc + sizeof(doc_head) - 1 + size, doc_tail, sizeof(doc_tail));

        cfg = casca_config_parse(doc, len, &err);
        if (!cfg || !cfg->has_linux || !cfg->linux_cfg.seccomp)
                return 0;
        (void)casca_seccomp_uses_notify(cfg->linux_cfg.seccomp);
        if (casca_seccomp_build_ex(cfg->linux_cfg.seccomp, ignore_skip, NULL, &ctx, &err) < 0)
                return 0;
        /* run libseccomp's BPF generator as a load would */
        if (devnull >= 0)
                (void)seccomp_export_bpf(ctx, devnull);
        return 0;
}
