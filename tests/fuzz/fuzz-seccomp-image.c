/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-seccomp-image.c - libFuzzer target for the reader of compiled seccomp
 * programs (seccomp/cache.c): the input is the image of a container's
 * seccomp.bpf (or of a cache file, the same format), read for one fixed
 * profile by casca_seccomp_prog_from_stored().  An image it takes is
 * written again (casca_seccomp_prog_store()): a format 2 image must come
 * back byte for byte; format 1 (one program, older casca) as format 2 of
 * the same program.  Nothing is loaded.
 *
 *   make fuzz-build
 *   build/fuzz/fuzz-seccomp-image -max_total_time=600 tests/fuzz/corpus/seccomp-image
 *
 * The seeds (tests/fuzz/corpus/seccomp-image) are a format 2 and a format 1
 * image of the profile below on x86_64: regenerate them with
 *   build/fuzz/fuzz-seccomp-image -runs=0 --seeds DIR   (writes DIR/v1, DIR/v2)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "casca.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char *names[] = {"uname", "mkdir"};
static char *arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"};
static struct casca_seccomp_syscall rule = {
        .names = names,
        .n_names = 2,
        .action = CASCA_SCMP_ERRNO,
        .has_errno_ret = true,
        .errno_ret = 38,
};
static struct casca_seccomp profile = {
        .default_action = CASCA_SCMP_ALLOW,
        .architectures = arches,
        .n_architectures = 2,
        .syscalls = &rule,
        .n_syscalls = 1,
};

static void write_file(const char *dir, const char *name, const void *p, size_t len)
{
        char path[4096];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
                fprintf(stderr, "fuzz-seccomp-image: write %s failed\n", path);
                exit(1);
        }
}

/* --seeds DIR: write the seed images and exit */
static void write_seeds(const char *dir)
{
        struct casca_error *err = NULL;
        struct casca_seccomp_prog *p = NULL;
        void *image = NULL;
        size_t len = 0;
        uint32_t h[4], n_progs, len0;
        unsigned char *v1;
        size_t v1_len, key_len, off;

        if (casca_seccomp_prog_get(&profile, -1, NULL, NULL, &p, NULL, &err) < 0 ||
            casca_seccomp_prog_store(p, &profile, &image, &len, &err) < 0 || !image) {
                fprintf(stderr, "fuzz-seccomp-image: %s\n", err ? err->msg : "no image");
                exit(1);
        }
        write_file(dir, "v2", image, len);
        /* format 1 of the first part (the guard) alone: header, key, insns */
        memcpy(h, (unsigned char *)image + 8, sizeof(h));
        key_len = h[2];
        off = 24 + key_len;
        memcpy(&n_progs, (unsigned char *)image + off, sizeof(n_progs));
        memcpy(&len0, (unsigned char *)image + off + 4, sizeof(len0));
        v1_len = off + (size_t)len0 * 8;
        v1 = malloc(v1_len);
        if (!v1)
                exit(1);
        memcpy(v1, image, off);
        h[0] = 1;
        h[3] = len0;
        memcpy(v1 + 8, h, sizeof(h));
        memcpy(v1 + off, (unsigned char *)image + off + 4 + 4 * (size_t)n_progs, (size_t)len0 * 8);
        write_file(dir, "v1", v1, v1_len);
        exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        for (int i = 1; i + 1 < *argc; i++)
                if (strcmp((*argv)[i], "--seeds") == 0)
                        write_seeds((*argv)[i + 1]);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_error_ struct casca_error *err = NULL;
        struct casca_seccomp_prog *p = NULL;
        _cleanup_free_ void *again = NULL;
        size_t len = 0;
        uint32_t format = 0;

        if (casca_seccomp_prog_from_stored(&profile, data, size, &p, &err) < 0) {
                /* refused: always with an error, never a program */
                if (!err || p)
                        abort();
                return 0;
        }
        if (casca_seccomp_prog_store(p, &profile, &again, &len, &err) < 0 || !again)
                abort();
        memcpy(&format, data + 8, sizeof(format));
        if (format == 2 && (len != size || memcmp(again, data, size) != 0))
                abort();
        casca_seccomp_prog_free(p);
        return 0;
}
