/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bpf.c - a classic-BPF interpreter for seccomp programs: what a loaded
 * filter would decide for one syscall, asked without loading it (the exec
 * stub's syscalls, runtime/sealed-exe.h; the split filter's unit test). */
#include <stdint.h>
#include <string.h>

#include "seccomp/seccomp.h"

/* Run a classic BPF program on d as the kernel's seccomp does; 0 (KILL)
 * with *bad set on anything it does not know. */
uint32_t casca_bpf_run(const struct sock_filter *insns, size_t n, const struct seccomp_data *d,
                       bool *bad)
{
        uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};

        for (size_t pc = 0; pc < n; pc++) {
                const struct sock_filter *f = &insns[pc];
                uint32_t src = BPF_SRC(f->code) == BPF_X ? x : f->k;
                bool jump;

                switch (BPF_CLASS(f->code)) {
                case BPF_LD:
                        if (f->code == (BPF_LD | BPF_W | BPF_ABS) && f->k <= sizeof(*d) - 4 &&
                            f->k % 4 == 0)
                                memcpy(&a, (const char *)d + f->k, 4);
                        else if (f->code == (BPF_LD | BPF_MEM) && f->k < BPF_MEMWORDS)
                                a = mem[f->k];
                        else if (f->code == (BPF_LD | BPF_IMM))
                                a = f->k;
                        else
                                goto unknown;
                        break;
                case BPF_LDX:
                        if (f->code == (BPF_LDX | BPF_MEM) && f->k < BPF_MEMWORDS)
                                x = mem[f->k];
                        else if (f->code == (BPF_LDX | BPF_IMM))
                                x = f->k;
                        else
                                goto unknown;
                        break;
                case BPF_ST:
                case BPF_STX:
                        if (f->k >= BPF_MEMWORDS)
                                goto unknown;
                        mem[f->k] = BPF_CLASS(f->code) == BPF_ST ? a : x;
                        break;
                case BPF_ALU:
                        switch (BPF_OP(f->code)) {
                        case BPF_AND:
                                a &= src;
                                break;
                        case BPF_OR:
                                a |= src;
                                break;
                        case BPF_ADD:
                                a += src;
                                break;
                        case BPF_SUB:
                                a -= src;
                                break;
                        case BPF_XOR:
                                a ^= src;
                                break;
                        case BPF_LSH:
                                a = src < 32 ? a << src : 0;
                                break;
                        case BPF_RSH:
                                a = src < 32 ? a >> src : 0;
                                break;
                        case BPF_NEG:
                                a = -a;
                                break;
                        default:
                                goto unknown;
                        }
                        break;
                case BPF_JMP:
                        if (BPF_OP(f->code) == BPF_JA) {
                                pc += f->k;
                                break;
                        }
                        switch (BPF_OP(f->code)) {
                        case BPF_JEQ:
                                jump = a == src;
                                break;
                        case BPF_JGT:
                                jump = a > src;
                                break;
                        case BPF_JGE:
                                jump = a >= src;
                                break;
                        case BPF_JSET:
                                jump = (a & src) != 0;
                                break;
                        default:
                                goto unknown;
                        }
                        pc += jump ? f->jt : f->jf;
                        break;
                case BPF_RET:
                        return BPF_RVAL(f->code) == BPF_A ? a : f->k;
                case BPF_MISC:
                        if (BPF_MISCOP(f->code) == BPF_TAX)
                                x = a;
                        else
                                a = x;
                        break;
                default:
                        goto unknown;
                }
        }
unknown:
        *bad = true;
        return 0;
}

uint32_t casca_seccomp_stricter(uint32_t a, uint32_t b)
{
        return (int32_t)(b & SECCOMP_RET_ACTION_FULL) < (int32_t)(a & SECCOMP_RET_ACTION_FULL) ? b
                                                                                               : a;
}
