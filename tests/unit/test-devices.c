/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-devices.c - the device rules -> eBPF compiler, without a kernel:
 * the program runs in a small interpreter of the instructions it may use,
 * and its verdicts are compared with a direct reading of the rules. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casca.h"
#include "cgroup/cgroup.h"
#include "tap.h"
#include "util/cleanup.h"

#define ACC_M BPF_DEVCG_ACC_MKNOD
#define ACC_R BPF_DEVCG_ACC_READ
#define ACC_W BPF_DEVCG_ACC_WRITE

static char shape_error[256];

/* Run the program like the kernel would; -1 on anything the verifier
 * would refuse or that the compiler should not emit. */
static int run(const struct bpf_insn *p, size_t n, char type, uint32_t major, uint32_t minor,
               uint32_t access)
{
        struct bpf_cgroup_dev_ctx ctx = {
                .access_type =
                        (access << 16) | (type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK),
                .major = major,
                .minor = minor,
        };
        uint64_t r[11] = {0};
        bool init[11] = {false, true};

        for (size_t pc = 0; pc < n; pc++) {
                const struct bpf_insn *i = &p[pc];
                uint32_t imm = (uint32_t)i->imm;

                switch (i->code) {
                case BPF_LDX | BPF_W | BPF_MEM:
                        if (i->src_reg != 1 || i->off < 0 || i->off > 8 || i->off % 4)
                                goto bad;
                        memcpy((uint32_t *)&r[i->dst_reg], (char *)&ctx + i->off, 4);
                        r[i->dst_reg] &= 0xffffffff;
                        break;
                case BPF_ALU | BPF_MOV | BPF_X:
                        if (!init[i->src_reg])
                                goto bad;
                        r[i->dst_reg] = (uint32_t)r[i->src_reg];
                        break;
                case BPF_ALU | BPF_RSH | BPF_K:
                        r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> imm;
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                        r[i->dst_reg] = (uint32_t)r[i->dst_reg] & imm;
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_K:
                        r[i->dst_reg] = (uint64_t)(int64_t)i->imm;
                        break;
                case BPF_JMP32 | BPF_JNE | BPF_K:
                case BPF_JMP32 | BPF_JEQ | BPF_K:
                case BPF_JMP | BPF_JA:
                        if (i->off < 0 || pc + 1 + (size_t)i->off >= n)
                                goto bad; /* forward only, inside the program */
                        if (i->code != (BPF_JMP | BPF_JA) && !init[i->dst_reg])
                                goto bad;
                        if (i->code == (BPF_JMP | BPF_JA) ||
                            ((i->code & BPF_OP(0xff)) == BPF_JNE) ==
                                    ((uint32_t)r[i->dst_reg] != imm))
                                pc += (size_t)i->off;
                        continue;
                case BPF_JMP | BPF_EXIT:
                        if (!init[0])
                                goto bad;
                        return (int)r[0];
                default:
                        goto bad;
                }
                init[i->dst_reg] = true;
        }
bad:
        snprintf(shape_error, sizeof(shape_error), "bad or missing instruction");
        return -1;
}

/* The rules read directly: each requested bit is judged by the last rule
 * naming it that matches the device; nothing matching denies. */
static int model(const struct casca_device_rule *rules, size_t n, char type, uint32_t major,
                 uint32_t minor, uint32_t access)
{
        static const char bits[3] = {'m', 'r', 'w'};

        for (int k = 0; k < 3; k++) {
                int verdict = 0;

                if (!(access & (1u << k)))
                        continue;
                for (size_t i = 0; i < n; i++) {
                        const struct casca_device_rule *r = &rules[i];

                        if (!strchr(r->access, bits[k]) || (r->type != 'a' && r->type != type) ||
                            (r->major != -1 && r->major != major) ||
                            (r->minor != -1 && r->minor != minor))
                                continue;
                        verdict = r->allow;
                }
                if (!verdict)
                        return 0;
        }
        return 1;
}

/* The kernel's verifier refuses a program with an instruction no path
 * reaches ("unreachable insn"): the first one, or -1 when there is none. */
static long unreachable_insn(const struct bpf_insn *p, size_t n)
{
        _cleanup_free_ bool *seen = calloc(n, sizeof(*seen));

        if (!seen)
                return 0;
        if (n)
                seen[0] = true;
        /* jumps go forward only (the interpreter checks), so one pass does */
        for (size_t pc = 0; pc < n; pc++) {
                uint8_t code = p[pc].code;

                if (!seen[pc])
                        return (long)pc;
                if (BPF_CLASS(code) == BPF_JMP || BPF_CLASS(code) == BPF_JMP32) {
                        if (code == (BPF_JMP | BPF_EXIT))
                                continue;
                        if (p[pc].off >= 0 && pc + 1 + (size_t)p[pc].off < n)
                                seen[pc + 1 + (size_t)p[pc].off] = true;
                        if (code == (BPF_JMP | BPF_JA))
                                continue;
                }
                if (pc + 1 < n)
                        seen[pc + 1] = true;
        }
        return -1;
}

static struct bpf_insn *compile(const struct casca_device_rule *rules, size_t n, size_t *ret_n)
{
        _cleanup_error_ struct casca_error *err = NULL;
        struct bpf_insn *p = NULL;
        long u;

        if (casca_cgroup_devices_compile(rules, n, &p, ret_n, &err) < 0) {
                printf("# compile: %s\n", err->msg);
                return NULL;
        }
        u = unreachable_insn(p, *ret_n);
        if (u >= 0 && !shape_error[0])
                snprintf(shape_error, sizeof(shape_error), "unreachable insn %ld", u);
        return p;
}

/* Every device of a small grid, every access combination: program == model. */
static void agree(const struct casca_device_rule *rules, size_t n, const char *what)
{
        static const uint32_t majors[] = {1, 5, 8, 136, 254}, minors[] = {0, 1, 2, 3, 5, 9, 42};
        _cleanup_free_ struct bpf_insn *p = NULL;
        size_t len = 0, checked = 0, wrong = 0;

        p = compile(rules, n, &len);
        if (!p) {
                ok(0, "%s: compiles", what);
                return;
        }
        for (int t = 0; t < 2; t++)
                for (size_t a = 0; a < ARRAY_SIZE(majors); a++)
                        for (size_t b = 0; b < ARRAY_SIZE(minors); b++)
                                for (uint32_t acc = 1; acc <= 7; acc++) {
                                        char type = t ? 'b' : 'c';
                                        int got = run(p, len, type, majors[a], minors[b], acc);
                                        int want = model(rules, n, type, majors[a], minors[b], acc);

                                        checked++;
                                        if (got != want && wrong++ < 3)
                                                printf("# %c %u:%u acc %u: program %d, rules %d\n",
                                                       type, majors[a], minors[b], acc, got, want);
                                }
        ok(wrong == 0, "%s: program agrees with the rules on %zu requests (%zu insns)", what,
           checked, len);
}

#define RULE(al, t, ma, mi, acc)                                                                   \
        {                                                                                          \
                .allow = (al), .type = (t), .major = (ma), .minor = (mi), .access = acc            \
        }

static void test_shape(void)
{
        struct casca_device_rule deny_all[] = {RULE(false, 'a', -1, -1, "rwm")};
        struct casca_device_rule shadowed[] = {RULE(true, 'c', 1, 3, "rwm"),
                                               RULE(false, 'a', -1, -1, "rwm")};
        _cleanup_free_ struct bpf_insn *p0 = NULL, *p1 = NULL, *p2 = NULL;
        size_t n0 = 0, n1 = 0, n2 = 0;

        p0 = compile(NULL, 0, &n0);
        ok(p0 != NULL, "no rules compiles");
        /* 6 loads/shifts, per access bit 3 tests + a jump to deny, 2 exits of 2 */
        is_int(n0, 6 + 3 * 4 + 4, "no rules: the minimal program");
        ok(p0 && p0[0].code == (BPF_LDX | BPF_W | BPF_MEM) && p0[0].src_reg == 1,
           "it starts by loading ctx->access_type");
        ok(p0 && p0[n0 - 1].code == (BPF_JMP | BPF_EXIT), "it ends with exit");
        is_int(p0 ? run(p0, n0, 'c', 1, 3, ACC_R) : -1, 0, "no rules: /dev/null read is denied");

        p1 = compile(deny_all, 1, &n1);
        p2 = compile(shadowed, 2, &n2);
        is_int(n1, 6 + 3 * 4 + 4, "deny-all: one jump per access bit");
        is_int(n2, n1, "rules before a full wildcard are not emitted");
}

static void test_semantics(void)
{
        size_t nd = 0;
        const struct casca_device_rule *defaults = casca_cgroup_default_device_rules(&nd);
        struct casca_device_rule spec[32] = {RULE(false, 'a', -1, -1, "rwm")};
        _cleanup_free_ struct bpf_insn *p = NULL;
        size_t n = 0;

        ok(nd == 11, "eleven default rules");
        memcpy(spec + 1, defaults, nd * sizeof(*defaults));
        p = compile(spec, 1 + nd, &n);
        ok(p != NULL, "deny-all + defaults compiles");
        if (!p)
                return;
        is_int(run(p, n, 'c', 1, 3, ACC_R | ACC_W), 1, "/dev/null rw allowed");
        is_int(run(p, n, 'c', 1, 5, ACC_R), 1, "/dev/zero r allowed");
        is_int(run(p, n, 'c', 136, 7, ACC_R | ACC_W), 1, "/dev/pts/7 allowed");
        is_int(run(p, n, 'c', 5, 2, ACC_R | ACC_W), 1, "/dev/ptmx allowed");
        is_int(run(p, n, 'c', 5, 1, ACC_W), 1, "/dev/console allowed");
        is_int(run(p, n, 'b', 8, 0, ACC_R), 0, "/dev/sda read denied");
        is_int(run(p, n, 'b', 8, 0, ACC_M), 1, "mknod of a block device allowed (runc default)");
        is_int(run(p, n, 'c', 10, 200, ACC_R | ACC_W), 0, "/dev/net/tun denied");
        is_int(run(p, n, 'c', 10, 200, ACC_M), 1, "mknod of /dev/net/tun allowed");

        agree(spec, 1 + nd, "deny-all + defaults");
}

static void test_rule_sets(void)
{
        struct casca_device_rule allow_all[] = {RULE(true, 'a', -1, -1, "rwm")};
        struct casca_device_rule punch[] = {RULE(true, 'a', -1, -1, "rwm"),
                                            RULE(false, 'c', 1, 3, "w"),
                                            RULE(false, 'b', -1, -1, "r")};
        struct casca_device_rule split[] = {RULE(true, 'c', 1, 3, "r"), RULE(true, 'c', 1, 3, "w")};
        struct casca_device_rule override[] = {
                RULE(false, 'a', -1, -1, "rwm"), RULE(true, 'c', 1, -1, "rw"),
                RULE(false, 'c', 1, 5, "w"),     RULE(true, 'c', 1, 5, "r"),
                RULE(true, 'b', 8, -1, "m"),     RULE(false, 'b', 8, 16, "rwm")};
        struct casca_device_rule later_wins[] = {
                RULE(false, 'c', 1, 3, "rw"), RULE(true, 'c', 1, 3, "rw"),
                RULE(true, 'c', 5, 0, "rw"), RULE(false, 'c', 5, 0, "rw")};
        struct casca_device_rule empty_access[] = {RULE(true, 'a', -1, -1, "")};
        /* podman --privileged: its deny-all, then allow-all */
        struct casca_device_rule privileged[] = {RULE(false, 'a', -1, -1, "rwm"),
                                                 RULE(true, 'a', -1, -1, "rwm")};
        _cleanup_free_ struct bpf_insn *p = NULL;
        size_t n = 0;

        agree(allow_all, 1, "allow-all");
        agree(punch, 3, "allow-all with holes");
        agree(split, 2, "r and w allowed by two rules");
        agree(override, 6, "deny-all, wildcards and exceptions");
        agree(later_wins, 4, "a later rule overrides an earlier one");
        agree(empty_access, 1, "a rule without access");
        agree(privileged, 2, "deny-all, then allow-all");

        p = compile(split, 2, &n);
        is_int(p ? run(p, n, 'c', 1, 3, ACC_R | ACC_W) : -1, 1,
               "rw granted by an r rule and a later w rule");
        free(p);
        p = compile(punch, 3, &n);
        is_int(p ? run(p, n, 'c', 1, 3, ACC_R | ACC_W) : -1, 0,
               "rw denied when a later rule denies w");
        is_int(p ? run(p, n, 'c', 1, 3, ACC_R) : -1, 1, "r still allowed");
        free(p);
        p = compile(later_wins, 4, &n);
        is_int(p ? run(p, n, 'c', 1, 3, ACC_R) : -1, 1, "deny then allow: allowed");
        is_int(p ? run(p, n, 'c', 5, 0, ACC_R) : -1, 0, "allow then deny: denied");
        ok(shape_error[0] == '\0', "no instruction the interpreter (and verifier) refuses%s%s",
           shape_error[0] ? ": " : "", shape_error);
}

static void test_errors(void)
{
        struct casca_device_rule bad_type[] = {RULE(true, 'x', 1, 3, "rw")};
        struct casca_device_rule bad_access[] = {RULE(true, 'c', 1, 3, "rwx")};
        struct casca_device_rule bad_major[] = {RULE(true, 'c', 1, 3, "r"),
                                                RULE(true, 'c', -2, 3, "r")};
        _cleanup_error_ struct casca_error *e1 = NULL, *e2 = NULL, *e3 = NULL;
        struct bpf_insn *p = NULL;
        size_t n = 0;

        is_int(casca_cgroup_devices_compile(bad_type, 1, &p, &n, &e1), -EINVAL, "type x refused");
        is_str(e1 ? e1->msg : NULL, "linux.resources.devices[0].type: \"x\" is not a, c or b",
               "... naming the rule");
        is_int(casca_cgroup_devices_compile(bad_access, 1, &p, &n, &e2), -EINVAL,
               "access rwx refused");
        is_str(e2 ? e2->msg : NULL,
               "linux.resources.devices[0].access: \"rwx\" is not a subset of rwm",
               "... naming it");
        is_int(casca_cgroup_devices_compile(bad_major, 2, &p, &n, &e3), -EINVAL,
               "major -2 refused");
        is_str(e3 ? e3->msg : NULL, "linux.resources.devices[1]: invalid device -2:3",
               "... naming the second rule");
}

static void test_restrict(void)
{
        const struct casca_device_rule deny_all = {
                .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"};
        const struct casca_device_rule allow_all = {
                .allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm"};
        const struct casca_device_rule allow_c = {
                .allow = true, .type = 'c', .major = -1, .minor = -1, .access = "rw"};
        const struct casca_device_rule allow_b = {
                .allow = true, .type = 'b', .major = -1, .minor = -1, .access = "rw"};
        const struct casca_device_rule deny_kmsg = {
                .allow = false, .type = 'c', .major = 1, .minor = 11, .access = "w"};
        const struct casca_device_rule allow_kmsg = {
                .allow = true, .type = 'c', .major = 1, .minor = 11, .access = "rwm"};
        const struct casca_device_rule allow_all_m = {
                .allow = true, .type = 'a', .major = -1, .minor = -1, .access = "m"};

        ok(casca_cgroup_devices_restrict(NULL, 0), "no rules: only the defaults, restrictive");
        ok(casca_cgroup_devices_restrict(&deny_all, 1), "deny all restricts");
        ok(!casca_cgroup_devices_restrict(&allow_all, 1), "allow all does not");
        ok(!casca_cgroup_devices_restrict(((struct casca_device_rule[]){deny_all, allow_all}), 2),
           "deny all, then allow all (podman --privileged)");
        ok(casca_cgroup_devices_restrict(((struct casca_device_rule[]){allow_all, deny_all}), 2),
           "allow all, then deny all");
        ok(casca_cgroup_devices_restrict(((struct casca_device_rule[]){allow_all, deny_kmsg}), 2),
           "allow all, then one device denied");
        ok(casca_cgroup_devices_restrict(
                   ((struct casca_device_rule[]){deny_all, allow_kmsg, allow_all_m}), 3),
           "specific allows and mknod of all restrict");
        ok(!casca_cgroup_devices_restrict(
                   ((struct casca_device_rule[]){deny_all, allow_c, allow_kmsg, allow_b}), 4),
           "every char and every block device allowed");
        ok(casca_cgroup_devices_restrict(((struct casca_device_rule[]){deny_all, allow_c}), 2),
           "block devices still denied");
}

int main(void)
{
        test_restrict();
        test_shape();
        test_semantics();
        test_rule_sets();
        test_errors();
        return tap_done();
}
