// SPDX-License-Identifier: MIT
/*
 * The MMIO instruction decoder (vplat/decode.h).  An EPT violation gives
 * the guest-physical address but neither the instruction nor its length,
 * so the handler reads the bytes at the guest's RIP and decodes them here.
 * Only what a Linux driver's readb/readw/readl/readq and writeb..writeq
 * (and the compiler's versions of them) turn into is accepted: a plain
 * MOV or MOVZX with a memory operand.  Everything that would need more
 * than "load or store N bytes" (a read-modify-write, a string
 * instruction, a LOCK, a segment override) is refused, so the caller
 * never emulates it half right.
 *
 * The format is that of Vol. 2A, 2.1, Instruction Format (Figure 2-1);
 * the prefixes of Vol. 2A, 2.1.1, Instruction Prefixes, and 2.2.1, REX
 * Prefixes; ModR/M, SIB and displacement as in Vol. 2A, 2.1.5,
 * Addressing-Mode Encoding of ModR/M and SIB Bytes (Tables 2-2, 2-3),
 * with the 64-bit rules of 2.2.1.2, More on REX Prefix Fields (Table 2-5),
 * and 2.2.1.6, RIP-Relative Addressing.  The opcodes are those of
 * Vol. 2B, MOV—Move, and MOVZX—Move With Zero-Extend.
 */
#include "vplat/decode.h"
#include "lib/lib.h"

/* Vol. 2A, 2.3.11, AVX Instruction Length: "the maximum length of an
 * Intel 64 and IA-32 instruction remains 15 bytes"; a longer one raises
 * #GP, so no guest has executed one. */
#define INSN_MAX_LEN 15

#define PFX_OPSIZE 0x66
#define REX_W BIT(3)
#define REX_R BIT(2)

#define MODRM_MOD(m) ((m) >> 6)
#define MODRM_REG(m) (((m) >> 3) & 7)
#define MODRM_RM(m) ((m)&7)
#define SIB_BASE(s) ((s)&7)

/* The bytes not yet consumed, with the limit the caller and the
 * architecture allow. */
struct cursor {
	const u8 *bytes;
	u32 pos, end;
};

static int next_byte(struct cursor *c, u8 *b)
{
	if (c->pos >= c->end)
		return -1;
	*b = c->bytes[c->pos++];
	return 0;
}

/* n little-endian bytes (1, 2 or 4) as an unsigned value. */
static int next_le(struct cursor *c, u32 n, u64 *v)
{
	u8 b;

	*v = 0;
	for (u32 i = 0; i < n; i++) {
		if (next_byte(c, &b))
			return -1;
		*v |= (u64)b << (8 * i);
	}
	return 0;
}

/*
 * Skip the ModR/M byte's SIB and displacement (Table 2-2 with the 64-bit
 * rules); the address itself is not needed, the EPT violation reported
 * it.  A register operand (mod = 3) is no memory access at all.
 */
static int skip_memory_operand(struct cursor *c, u8 modrm)
{
	u32 disp = 0;
	u64 unused;
	u8 sib;

	switch (MODRM_MOD(modrm)) {
	case 0:
		/* mod 00, r/m 101: disp32, RIP-relative in 64-bit mode
		 * (Vol. 2A, 2.2.1.6, RIP-Relative Addressing, Table 2-7);
		 * still a memory operand. */
		if (MODRM_RM(modrm) == 5)
			disp = 4;
		break;
	case 1:
		disp = 1;
		break;
	case 2:
		disp = 4;
		break;
	default:
		return -1;
	}
	if (MODRM_RM(modrm) == 4) {
		/* r/m 100: a SIB byte follows (Table 2-3).  Base 101 with
		 * mod 00 means "disp32, no base", whatever REX.B says
		 * (Vol. 2A, 2.2.1.2, More on REX Prefix Fields, Table 2-5). */
		if (next_byte(c, &sib))
			return -1;
		if (MODRM_MOD(modrm) == 0 && SIB_BASE(sib) == 5)
			disp = 4;
	}
	return disp ? next_le(c, disp, &unused) : 0;
}

/* The size an instruction with a 16/32/64-bit operand works on: REX.W
 * wins over 0x66 (Vol. 2A, 2.2.1.2, More on REX Prefix Fields). */
static u8 operand_size(bool opsize, u8 rex)
{
	if (rex & REX_W)
		return 8;
	return opsize ? 2 : 4;
}

int decode_mmio(const u8 *bytes, u32 avail, struct mmio_insn *out)
{
	struct cursor c = {bytes, 0, MIN(avail, INSN_MAX_LEN)};
	bool opsize = false;
	u8 b, rex = 0, modrm, opc2 = 0;

	memset(out, 0, sizeof(*out));

	/*
	 * Legacy prefixes (Vol. 2A, 2.1.1, Instruction Prefixes): only the
	 * operand-size override.  LOCK would make the access atomic,
	 * REP/REPNE belong to string instructions, a segment override
	 * changes the address (FS/GS have a base), 0x67 truncates it: none
	 * of these is a plain MOV.
	 */
	for (;;) {
		if (next_byte(&c, &b))
			return -1;
		if (b != PFX_OPSIZE)
			break;
		opsize = true;
	}
	/* REX (Vol. 2A, 2.2.1, REX Prefixes) counts only right before the
	 * opcode; the processor ignores one followed by a legacy prefix,
	 * which we refuse instead (0x66 is then where the opcode should be). */
	if ((b & 0xf0) == 0x40) {
		rex = b;
		if (next_byte(&c, &b))
			return -1;
	}
	if (b == 0x0f) {
		if (next_byte(&c, &opc2))
			return -1;
		if (opc2 != 0xb6 && opc2 != 0xb7)
			return -1;
	} else if (b != 0x88 && b != 0x89 && b != 0x8a && b != 0x8b && b != 0xc6 && b != 0xc7) {
		return -1;
	}
	if (next_byte(&c, &modrm))
		return -1;

	out->reg = (u8)(MODRM_REG(modrm) | (rex & REX_R ? 8 : 0));
	/*
	 * A byte register operand without any REX prefix numbers AH, CH,
	 * DH, BH as 4..7; with one, they are SPL, BPL, SIL, DIL (Vol. 2A,
	 * 3.1.1.1, Opcode Column in the Instruction Summary Table,
	 * Table 3-1).  struct mmio_insn has no way to say "bits 15:8 of
	 * register n", so the high-byte forms are refused rather than
	 * reported as the wrong register.
	 */
	if ((b == 0x88 || b == 0x8a) && !rex && out->reg >= 4)
		return -1;

	switch (b) {
	case 0x88: /* MOV r/m8, r8 */
		out->size = 1;
		out->write = true;
		break;
	case 0x89: /* MOV r/m16/32/64, r16/32/64 */
		out->size = operand_size(opsize, rex);
		out->write = true;
		break;
	case 0x8a: /* MOV r8, r/m8: bits 63:8 of the register are kept */
		out->size = 1;
		out->reg_size = 1;
		break;
	case 0x8b: /* MOV r16/32/64, r/m16/32/64 */
		out->size = operand_size(opsize, rex);
		out->reg_size = out->size;
		break;
	case 0xc6: /* MOV r/m8, imm8 (C6 /0) */
	case 0xc7: /* MOV r/m16/32, imm16/32; REX.W: r/m64, imm32 sign-extended (C7 /0) */
		/* Only /0 is MOV; C6/C7 with another reg field are undefined
		 * or XABORT/XBEGIN (mod 3), not a store. */
		if (MODRM_REG(modrm) != 0)
			return -1;
		out->reg = 0;
		out->write = true;
		out->imm = true;
		out->size = b == 0xc6 ? 1 : operand_size(opsize, rex);
		break;
	default: /* 0x0f: MOVZX r16/32/64, r/m8 (B6) or r/m16 (B7) */
		out->size = opc2 == 0xb6 ? 1 : 2;
		out->zext = true;
		out->reg_size = operand_size(opsize, rex);
		break;
	}

	if (skip_memory_operand(&c, modrm))
		return -1;

	if (out->imm) {
		/* The immediate follows the displacement (Figure 2-1); it is
		 * at most 4 bytes, sign-extended for a 64-bit store. */
		u32 n = out->size == 8 ? 4 : out->size;
		u64 v;

		if (next_le(&c, n, &v))
			return -1;
		if (out->size == 8)
			v = (u64)(s64)(s32)(u32)v;
		out->imm_val = v;
	}
	out->len = (u8)c.pos;
	return 0;
}
