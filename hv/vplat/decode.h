/* SPDX-License-Identifier: MIT */
/*
 * The few instructions a guest uses on a memory-mapped device register,
 * decoded (an EPT violation tells the address, not the instruction: the
 * VM-exit instruction length is not defined for it, Vol. 3C, 28.2.5,
 * Information for VM Exits Due to Instruction Execution).  64-bit mode
 * only: optional 0x66 and REX prefixes, then MOV r/m,r (0x88, 0x89),
 * MOV r,r/m (0x8a, 0x8b), MOV r/m,imm (0xc6, 0xc7), MOVZX r,r/m8|16
 * (0x0f 0xb6/0xb7), with any ModRM/SIB/displacement form that names
 * memory (Vol. 2A, 2.1, Instruction Format; 2.2.1, REX Prefixes).
 * Anything else is refused.  Pure: host-tested in tests/unit/test_decode.c.
 */
#ifndef RV_VPLAT_DECODE_H
#define RV_VPLAT_DECODE_H

#include "lib/types.h"

struct mmio_insn {
	u8 len;      /* instruction length in bytes */
	u8 size;     /* access size: 1, 2, 4 or 8 */
	bool write;  /* store to memory */
	bool imm;    /* the stored value is imm, not a register */
	bool zext;   /* MOVZX: the load zero-extends into a 32/64-bit register */
	u8 reg;      /* register operand, x86 numbering: 0 rax .. 15 r15 */
	u8 reg_size; /* size of the register written by a load (4 clears bits 63:32) */
	u64 imm_val;
};

/* Decode bytes[0..avail).  0, or -1 for anything not listed above or
 * running past avail.  A ModRM naming a register (mod = 3) is refused. */
int decode_mmio(const u8 *bytes, u32 avail, struct mmio_insn *out);

#endif
