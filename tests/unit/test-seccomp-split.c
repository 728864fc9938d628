/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-seccomp-split.c - the split filter (casca_seccomp_build_part(): a
 * guard and one part per architecture, loaded together) decides every
 * syscall as the whole filter (casca_seccomp_build()) does.
 *
 * Both are run here by a classic-BPF interpreter, on the seccomp_data of
 * every syscall number 0-639 of x86_64, i386 and x32, the numbers around
 * the x32 bit, -1, and architectures no part covers, each with argument
 * values taken from the profile's own conditions; the parts' actions are
 * combined as the kernel combines those of several filters (the strictest
 * action wins).  Profiles: casca's default (three architectures, argument
 * rules) and small ones with one, two or no listed architectures, every
 * comparison operator, repeated argument indexes and each action.  Nothing
 * is loaded into a process, so this runs under valgrind too. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "casca.h"
#include "seccomp/seccomp.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/json.h"

/* Syscall numbers tried per architecture: x86's go to 547 (x32's own
 * numbers, 512-547, above its common ones) */
#define NRS 640u

struct prog {
        struct sock_filter *insns;
        size_t n;
};

/* ctx -> its BPF program, malloc'd; n 0 on failure */
static struct prog export(scmp_filter_ctx ctx)
{
        struct prog p = {0};
        _cleanup_close_ int fd = memfd_create("test-split", MFD_CLOEXEC);
        struct stat st;

        if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0 || fstat(fd, &st) < 0 || st.st_size <= 0)
                return p;
        p.insns = malloc((size_t)st.st_size);
        if (p.insns && pread(fd, p.insns, (size_t)st.st_size, 0) == st.st_size)
                p.n = (size_t)st.st_size / sizeof(struct sock_filter);
        return p;
}

/* The argument values worth trying for s: zeros, ones, and around each
 * condition's values. */
static size_t arg_values(const struct casca_seccomp *s, uint64_t *v, size_t max)
{
        size_t n = 0;

#define ADD(x)                                                                                     \
        do {                                                                                       \
                if (n < max)                                                                       \
                        v[n++] = (x);                                                              \
        } while (0)
        ADD(0);
        ADD(~0ull);
        for (size_t i = 0; i < s->n_syscalls; i++)
                for (size_t k = 0; k < s->syscalls[i].n_args; k++) {
                        const struct casca_seccomp_arg *a = &s->syscalls[i].args[k];

                        ADD(a->value);
                        ADD(a->value + 1);
                        ADD(a->value - 1);
                        ADD(a->value | a->value_two);
                        ADD(a->value_two);
                        ADD(a->value ^ 0xffffffff00000000ull);
                }
#undef ADD
        return n;
}

/* Every syscall of the architectures x86 delivers, and two it cannot, run
 * through whole and parts; the first difference is reported. */
static void compare_parts(const char *name, const struct casca_seccomp *s, bool tree)
{
        static const uint32_t arches[] = {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64,
                                          0};
        static const uint32_t specials[] = {0x3fffffffu, 0x40000000u - 1, 0x7fffffffu, 0xffffffffu,
                                            0x80000000u};
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_seccomp_ scmp_filter_ctx whole_ctx = NULL;
        struct prog whole = {0}, parts[16] = {{0}};
        uint32_t split_arches[15];
        uint64_t values[256];
        size_t n_arches = 0, n_parts = 0, n_values, checked = 0, differ = 0;
        bool bad = false;

        if (casca_seccomp_build(s, &whole_ctx, &err) < 0 ||
            casca_seccomp_split_arches(s, split_arches, ARRAY_SIZE(split_arches), &n_arches, &err) <
                    0) {
                ok(0, "%s: build: %s", name, err ? err->msg : "?");
                return;
        }
        whole = export(whole_ctx);
        for (size_t part = 0; part <= n_arches; part++) {
                _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;

                if (casca_seccomp_build_part(s, split_arches, part, tree, NULL, NULL, &ctx, &err) <
                    0) {
                        ok(0, "%s: part %zu: %s", name, part, err ? err->msg : "?");
                        goto out;
                }
                parts[n_parts] = export(ctx);
                if (parts[n_parts++].n == 0)
                        bad = true;
        }
        ok(whole.n > 0 && !bad, "%s: whole filter (%zu instructions) and %zu parts (%s)", name,
           whole.n, n_parts, tree ? "trees" : "lists");
        n_values = arg_values(s, values, ARRAY_SIZE(values));
        for (size_t ai = 0; ai < ARRAY_SIZE(arches) && !differ; ai++)
                for (uint32_t i = 0; i < NRS * 2 + ARRAY_SIZE(specials) && !differ; i++) {
                        struct seccomp_data d = {.arch = arches[ai]};

                        if (i < NRS)
                                d.nr = (int)i;
                        else if (i < 2 * NRS)
                                d.nr = (int)(0x40000000u + i - NRS); /* x32 */
                        else
                                d.nr = (int)specials[i - 2 * NRS];
                        for (size_t vi = 0; vi < n_values && !differ; vi++)
                                for (size_t slot = 0; slot < 6 && !differ; slot++) {
                                        uint32_t w, sp = SECCOMP_RET_ALLOW;

                                        /* one argument set, the others zero;
                                         * then all set (vi's row of slot 0) */
                                        memset(d.args, 0, sizeof(d.args));
                                        if (slot == 5 && vi > 0)
                                                for (size_t k = 0; k < 6; k++)
                                                        d.args[k] = values[vi];
                                        else
                                                d.args[slot] = values[vi];
                                        w = casca_bpf_run(whole.insns, whole.n, &d, &bad);
                                        for (size_t k = n_parts; k-- > 0;)
                                                sp = casca_seccomp_stricter(
                                                        sp, casca_bpf_run(parts[k].insns,
                                                                          parts[k].n, &d, &bad));
                                        checked++;
                                        if (w != sp || bad) {
                                                differ++;
                                                ok(0,
                                                   "%s: arch %#x nr %#x args[%zu] %#llx: whole "
                                                   "%#x, parts %#x%s",
                                                   name, d.arch, (unsigned)d.nr, slot,
                                                   (unsigned long long)values[vi], w, sp,
                                                   bad ? " (unknown instruction)" : "");
                                        }
                                }
                }
        if (!differ)
                ok(1, "%s: the parts decide %zu syscalls as the whole filter does", name, checked);
out:
        free(whole.insns);
        for (size_t k = 0; k < n_parts; k++)
                free(parts[k].insns);
}

/* The parts as trees (what casca loads) and as lists (a part too long as a
 * tree). */
static void compare(const char *name, const struct casca_seccomp *s)
{
        compare_parts(name, s, true);
        compare_parts(name, s, false);
}

static void compare_json(const char *name, const char *json)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_json_ struct casca_json *doc = casca_json_parse(json, strlen(json), NULL);
        struct casca_seccomp *s = NULL;

        if (!doc || casca_seccomp_from_json(doc, JKEY(NULL, "seccomp"), &s, &err) < 0) {
                ok(0, "%s: parse: %s", name, err ? err->msg : "not JSON");
                casca_seccomp_free(s);
                return;
        }
        compare(name, s);
        casca_seccomp_free(s);
}

/* Part 0 and part 1 report the whole filter's errors; a split of more
 * architectures than the caller has room for is refused. */
static void test_errors(void)
{
        _cleanup_error_ struct casca_error *err = NULL;
        _cleanup_json_ struct casca_json *doc = NULL;
        struct casca_seccomp *s = NULL;
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        uint32_t arches[3];
        size_t n = 0;
        const char *json = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
                           "[\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\", \"SCMP_ARCH_NOPE\"], "
                           "\"syscalls\": []}";

        doc = casca_json_parse(json, strlen(json), NULL);
        if (!doc || casca_seccomp_from_json(doc, JKEY(NULL, "seccomp"), &s, &err) < 0) {
                ok(0, "errors: parse");
                casca_seccomp_free(s);
                return;
        }
        is_int(casca_seccomp_split_arches(s, arches, 3, &n, &err), 0, "split_arches: room");
        is_int((int)n, 3, "split_arches: native, x86, x32 (the unknown one is the guard's)");
        is_int(casca_seccomp_build_part(s, arches, 0, true, NULL, NULL, &ctx, &err), -EINVAL,
               "the guard reports the unknown architecture");
        ok(err && strstr(err->msg, "linux.seccomp.architectures[2]"), "naming its path (%s)",
           err ? err->msg : "");
        casca_error_free(TAKE_PTR(err));
        is_int(casca_seccomp_split_arches(s, arches, 2, &n, &err), -E2BIG,
               "split_arches: no room for a third part");
        casca_seccomp_free(s);
}

int main(void)
{
#if defined(__x86_64__)
        _cleanup_error_ struct casca_error *err = NULL;
        struct casca_seccomp *def = casca_seccomp_default_profile_new(&err);

        ok(def != NULL, "casca's default profile");
        if (def)
                compare("default profile", def);
        casca_seccomp_free(def);
        compare_json("x86_64 only, allow by default, argument rules",
                     "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
                     "[\"SCMP_ARCH_X86_64\"], \"syscalls\": ["
                     "{\"names\": [\"uname\", \"getpid\"], \"action\": \"SCMP_ACT_ERRNO\", "
                     "\"errnoRet\": 38},"
                     "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_KILL_PROCESS\", "
                     "\"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_NE\"}]},"
                     "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": ["
                     "{\"index\": 0, \"value\": 16, \"op\": \"SCMP_CMP_EQ\"},"
                     "{\"index\": 2, \"value\": 9, \"op\": \"SCMP_CMP_EQ\"}]}]}");
        compare_json("x86_64 and x86, deny by default, every operator and action",
                     "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, "
                     "\"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"], "
                     "\"syscalls\": ["
                     "{\"names\": [\"read\", \"write\", \"exit_group\", \"socketcall\"], "
                     "\"action\": \"SCMP_ACT_ALLOW\"},"
                     "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_LOG\"},"
                     "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_TRAP\"},"
                     "{\"names\": [\"gettid\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 7},"
                     "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_KILL_THREAD\"},"
                     "{\"names\": [\"mmap\", \"mmap2\"], \"action\": \"SCMP_ACT_ALLOW\", "
                     "\"args\": [{\"index\": 2, \"value\": 4, \"valueTwo\": 0, "
                     "\"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
                     "{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                     "{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, "
                     "\"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
                     "{\"names\": [\"lseek\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                     "{\"index\": 1, \"value\": 100, \"op\": \"SCMP_CMP_LT\"},"
                     "{\"index\": 2, \"value\": 2, \"op\": \"SCMP_CMP_LE\"}]},"
                     "{\"names\": [\"pread64\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                     "{\"index\": 3, \"value\": 4294967296, \"op\": \"SCMP_CMP_GE\"},"
                     "{\"index\": 3, \"value\": 10, \"op\": \"SCMP_CMP_GT\"}]},"
                     "{\"names\": [\"setuid\", \"setuid32\"], \"action\": \"SCMP_ACT_ERRNO\", "
                     "\"errnoRet\": 13, \"args\": ["
                     "{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}");
        compare_json("no architectures listed (the native one only)",
                     "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                     "{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", "
                     "\"errnoRet\": 38}]}");
        compare_json("x32 and x86 listed, not the native one",
                     "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
                     "[\"SCMP_ARCH_X32\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"], "
                     "\"syscalls\": [{\"names\": [\"read\", \"write\", \"exit\"], "
                     "\"action\": \"SCMP_ACT_ALLOW\"}]}");
        compare_json("a foreign architecture listed",
                     "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
                     "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_AARCH64\"], "
                     "\"syscalls\": [{\"names\": [\"uname\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
        test_errors();
#else
        ok(1, "# SKIP the comparison enumerates x86's syscall ABIs (x86_64, i386, x32)");
#endif
        return tap_done();
}
