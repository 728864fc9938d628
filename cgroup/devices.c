/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* devices.c - linux.resources.devices as a cgroup v2 device filter: an
 * eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) assembled here by hand, no
 * libbpf, attached to the container's cgroup. */
#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "util/cleanup.h"

static const struct casca_device_rule default_rules[] = {
        {.allow = true, .type = 'c', .major = -1, .minor = -1, .access = "m"},
        {.allow = true, .type = 'b', .major = -1, .minor = -1, .access = "m"},
        {.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"},    /* null */
        {.allow = true, .type = 'c', .major = 1, .minor = 5, .access = "rwm"},    /* zero */
        {.allow = true, .type = 'c', .major = 1, .minor = 7, .access = "rwm"},    /* full */
        {.allow = true, .type = 'c', .major = 1, .minor = 8, .access = "rwm"},    /* random */
        {.allow = true, .type = 'c', .major = 1, .minor = 9, .access = "rwm"},    /* urandom */
        {.allow = true, .type = 'c', .major = 5, .minor = 0, .access = "rwm"},    /* tty */
        {.allow = true, .type = 'c', .major = 5, .minor = 1, .access = "rwm"},    /* console */
        {.allow = true, .type = 'c', .major = 5, .minor = 2, .access = "rwm"},    /* ptmx */
        {.allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rwm"}, /* pts/N */
};

const struct casca_device_rule *casca_cgroup_default_device_rules(size_t *ret_n)
{
        *ret_n = ARRAY_SIZE(default_rules);
        return default_rules;
}

bool casca_cgroup_devices_restrict(const struct casca_device_rule *rules, size_t n_rules)
{
        /* Only reading and writing matter: the defaults allow mknod of
         * anything, and allow only (so they never take away an allow-all). */
        for (const char *bit = "rw"; *bit; bit++) {
                bool all_c = false, all_b = false;

                for (size_t i = 0; i < n_rules; i++) {
                        const struct casca_device_rule *d = &rules[i];
                        bool any = d->major < 0 && d->minor < 0;
                        bool c = d->type == 'a' || d->type == 'c';
                        bool b = d->type == 'a' || d->type == 'b';

                        if (!strchr(d->access, *bit))
                                continue;
                        if (any || !d->allow) { /* a specific allow changes nothing */
                                if (c)
                                        all_c = d->allow && any;
                                if (b)
                                        all_b = d->allow && any;
                        }
                }
                if (!all_c || !all_b)
                        return true;
        }
        return false;
}

/* ---- a tiny assembler --------------------------------------------------- */

enum { R0, R1, R2, R3, R4, R5 };
enum { LABEL_DENY, LABEL_BIT0 }; /* LABEL_BIT0 + k: after access bit k */

struct fixup {
        size_t at;
        int label;
};

struct prog {
        struct bpf_insn *v;
        size_t n, size;
        struct fixup *fix;
        size_t n_fix, size_fix;
        size_t label[LABEL_BIT0 + 3];
        bool deny_used; /* some jump goes to LABEL_DENY */
        bool oom;
};

static size_t emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
        if (p->n == p->size) {
                struct bpf_insn *v = realloc(p->v, (p->size ? p->size * 2 : 64) * sizeof(*v));

                if (!v) {
                        p->oom = true;
                        return p->n;
                }
                p->v = v;
                p->size = p->size ? p->size * 2 : 64;
        }
        p->v[p->n] = (struct bpf_insn){
                .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
        return p->n++;
}

/* A jump to a label, resolved once every label is known. */
static void emit_ja_label(struct prog *p, int label)
{
        size_t at = emit(p, BPF_JMP | BPF_JA, 0, 0, 0, 0);

        p->deny_used |= label == LABEL_DENY;
        if (p->n_fix == p->size_fix) {
                struct fixup *f =
                        realloc(p->fix, (p->size_fix ? p->size_fix * 2 : 32) * sizeof(*f));

                if (!f) {
                        p->oom = true;
                        return;
                }
                p->fix = f;
                p->size_fix = p->size_fix ? p->size_fix * 2 : 32;
        }
        p->fix[p->n_fix++] = (struct fixup){.at = at, .label = label};
}

static bool set_off(struct prog *p, size_t at, size_t target)
{
        long off = (long)target - (long)at - 1;

        if (off < INT16_MIN || off > INT16_MAX)
                return false;
        if (at < p->n)
                p->v[at].off = (int16_t)off;
        return true;
}

/* ---- rules -> program ----------------------------------------------------- */

static const char access_chars[3] = {'m', 'r', 'w'}; /* BPF_DEVCG_ACC_* bit order */

static int check_rule(const struct casca_device_rule *r, size_t i, struct casca_error **err)
{
        if (r->type != 'a' && r->type != 'c' && r->type != 'b')
                return casca_error_setx(err, EINVAL,
                                        "linux.resources.devices[%zu].type: \"%c\" is not a, c "
                                        "or b",
                                        i, r->type ? r->type : '?');
        if (r->major < -1 || r->major > UINT32_MAX || r->minor < -1 || r->minor > UINT32_MAX)
                return casca_error_setx(err, EINVAL,
                                        "linux.resources.devices[%zu]: invalid device %" PRId64
                                        ":%" PRId64,
                                        i, r->major, r->minor);
        if (strspn(r->access, "rwm") != strlen(r->access))
                return casca_error_setx(err, EINVAL,
                                        "linux.resources.devices[%zu].access: \"%s\" is not a "
                                        "subset of rwm",
                                        i, r->access);
        return 0;
}

/* The checks of one rule: jump past the rule when the device differs,
 * else to the rule's verdict.  Returns true for a rule matching every
 * device (the rules before it are unreachable for this access bit). */
static bool emit_rule(struct prog *p, const struct casca_device_rule *r, int bit_label,
                      size_t *checks, size_t *n_checks)
{
        *n_checks = 0;
        if (r->type != 'a')
                checks[(*n_checks)++] =
                        emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R2, 0, 0,
                             r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
        if (r->major != -1)
                checks[(*n_checks)++] =
                        emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R4, 0, 0, (int32_t)(uint32_t)r->major);
        if (r->minor != -1)
                checks[(*n_checks)++] =
                        emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R5, 0, 0, (int32_t)(uint32_t)r->minor);
        emit_ja_label(p, r->allow ? bit_label : LABEL_DENY);
        return *n_checks == 0;
}

int casca_cgroup_devices_compile(const struct casca_device_rule *rules, size_t n_rules,
                                 struct bpf_insn **ret_insns, size_t *ret_n,
                                 struct casca_error **err)
{
        struct prog p = {0};
        int r;

        for (size_t i = 0; i < n_rules; i++) {
                r = check_rule(&rules[i], i, err);
                if (r < 0)
                        return r;
        }

        /* r2 = device type, r3 = requested access bits, r4 = major, r5 = minor */
        emit(&p, BPF_LDX | BPF_W | BPF_MEM, R2, R1,
             offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
        emit(&p, BPF_ALU | BPF_MOV | BPF_X, R3, R2, 0, 0);
        emit(&p, BPF_ALU | BPF_RSH | BPF_K, R3, 0, 0, 16);
        emit(&p, BPF_ALU | BPF_AND | BPF_K, R2, 0, 0, 0xffff);
        emit(&p, BPF_LDX | BPF_W | BPF_MEM, R4, R1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
        emit(&p, BPF_LDX | BPF_W | BPF_MEM, R5, R1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);

        /* Each requested bit is judged by the last rule naming it that matches. */
        for (int k = 0; k < 3; k++) {
                bool complete = false;
                size_t skip;

                emit(&p, BPF_ALU | BPF_MOV | BPF_X, R0, R3, 0, 0);
                emit(&p, BPF_ALU | BPF_AND | BPF_K, R0, 0, 0, 1 << k);
                skip = emit(&p, BPF_JMP32 | BPF_JEQ | BPF_K, R0, 0, 0, 0);
                for (size_t i = n_rules; i-- > 0 && !complete;) {
                        size_t checks[3], n_checks;

                        if (!strchr(rules[i].access, access_chars[k]))
                                continue;
                        complete = emit_rule(&p, &rules[i], LABEL_BIT0 + k, checks, &n_checks);
                        for (size_t c = 0; c < n_checks; c++)
                                set_off(&p, checks[c], p.n);
                }
                if (!complete)
                        emit_ja_label(&p, LABEL_DENY);
                p.label[LABEL_BIT0 + k] = p.n;
                set_off(&p, skip, p.n);
        }
        emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1);
        emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        /* Rules allowing every device leave nothing to deny; the verifier
         * refuses unreachable instructions (podman --privileged). */
        if (p.deny_used) {
                p.label[LABEL_DENY] = p.n;
                emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
                emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        }

        r = 0;
        for (size_t i = 0; i < p.n_fix && !p.oom; i++)
                if (!set_off(&p, p.fix[i].at, p.label[p.fix[i].label]))
                        r = casca_error_setx(err, E2BIG,
                                             "linux.resources.devices: too many rules (%zu)",
                                             n_rules);
        free(p.fix);
        if (p.oom)
                r = casca_error_set(err, ENOMEM, "linux.resources.devices");
        if (r < 0) {
                free(p.v);
                return r;
        }
        *ret_insns = p.v;
        *ret_n = p.n;
        return 0;
}

/* ---- loading and attaching ------------------------------------------------ */

static int bpf(int cmd, union bpf_attr *attr)
{
        return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int prog_load(const struct bpf_insn *insns, size_t n, struct casca_error **err)
{
        union bpf_attr attr;
        char log[1024];
        int fd;

        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t)(uintptr_t)insns;
        attr.insn_cnt = (uint32_t)n;
        attr.license = (uint64_t)(uintptr_t) "GPL";
        fd = bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0)
                return fd;
        if (errno != EINVAL && errno != EACCES)
                return casca_error_set(err, errno, "load device filter (bpf)");
        /* again with the verifier's log, for the message */
        log[0] = '\0';
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = sizeof(log);
        attr.log_level = 1;
        fd = bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0)
                return fd;
        log[sizeof(log) - 1] = '\0';
        log[strcspn(log, "\n")] = '\0';
        return casca_error_set(err, errno, "load device filter (bpf, verifier: %s)", log);
}

/* The ids of the device programs attached to the cgroup itself. */
static int prog_query(int cgfd, uint32_t **ret_ids, uint32_t *ret_n, struct casca_error **err)
{
        _cleanup_free_ uint32_t *ids = NULL;
        uint32_t size = 16;

        for (;;) {
                union bpf_attr attr;
                uint32_t *n = realloc(ids, size * sizeof(*ids));

                if (!n)
                        return casca_error_set(err, ENOMEM, "query device filters");
                ids = n;
                memset(&attr, 0, sizeof(attr));
                attr.query.target_fd = (uint32_t)cgfd;
                attr.query.attach_type = BPF_CGROUP_DEVICE;
                attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
                attr.query.prog_cnt = size;
                if (bpf(BPF_PROG_QUERY, &attr) == 0) {
                        *ret_n = attr.query.prog_cnt;
                        *ret_ids = TAKE_PTR(ids);
                        return 0;
                }
                if (errno != ENOSPC || size > 4096)
                        return casca_error_set(err, errno, "query device filters (bpf)");
                size *= 4;
        }
}

int casca_cgroup_devices_attach(int cgroup_dirfd, const struct casca_device_rule *rules,
                                size_t n_rules, struct casca_error **err)
{
        _cleanup_free_ struct bpf_insn *insns = NULL;
        _cleanup_free_ uint32_t *old = NULL;
        _cleanup_close_ int prog = -1;
        uint32_t n_old = 0;
        union bpf_attr attr;
        size_t n = 0;
        int r;

        r = casca_cgroup_devices_compile(rules, n_rules, &insns, &n, err);
        if (r < 0)
                return r;
        prog = prog_load(insns, n, err);
        if (prog < 0)
                return prog;
        r = prog_query(cgroup_dirfd, &old, &n_old, err);
        if (r < 0)
                return r;

        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t)cgroup_dirfd;
        attr.attach_bpf_fd = (uint32_t)prog;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        if (bpf(BPF_PROG_ATTACH, &attr) < 0)
                return casca_error_set(err, errno, "attach device filter (bpf)");

        /* the new filter is in place: drop the ones it replaces */
        for (uint32_t i = 0; i < n_old; i++) {
                _cleanup_close_ int old_fd = -1;

                memset(&attr, 0, sizeof(attr));
                attr.prog_id = old[i];
                old_fd = bpf(BPF_PROG_GET_FD_BY_ID, &attr);
                if (old_fd < 0 && errno == ENOENT)
                        continue;
                if (old_fd < 0)
                        return casca_error_set(err, errno, "detach old device filter %u (bpf)",
                                               old[i]);
                memset(&attr, 0, sizeof(attr));
                attr.target_fd = (uint32_t)cgroup_dirfd;
                attr.attach_bpf_fd = (uint32_t)old_fd;
                attr.attach_type = BPF_CGROUP_DEVICE;
                if (bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
                        return casca_error_set(err, errno, "detach old device filter %u (bpf)",
                                               old[i]);
        }
        return 0;
}
