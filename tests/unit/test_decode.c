// SPDX-License-Identifier: MIT
// links: hv/vplat/decode.c
/*
 * The MMIO instruction decoder.  Every encoding below is what GNU as
 * (binutils 2.40, --64) made of the AT&T text in its comment, checked with
 * objdump -d; the few hand-made ones say so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vplat/decode.h"

/* An instruction and what decode_mmio() must say about it. */
struct want {
	const char *text;
	u8 bytes[16];
	u8 nbytes;
	u8 size;
	bool write, imm, zext;
	u8 reg, reg_size;
	u64 imm_val;
};

#define INSN(...) {__VA_ARGS__}, sizeof((u8[]){__VA_ARGS__})

static void check(const struct want *w)
{
	struct mmio_insn m;

	memset(&m, 0xa5, sizeof(m));
	if (decode_mmio(w->bytes, w->nbytes, &m) != 0)
		fail_msg("%s: refused", w->text);
	if (m.len != w->nbytes || m.size != w->size || m.write != w->write || m.imm != w->imm ||
	    m.zext != w->zext || m.reg != w->reg || m.reg_size != w->reg_size ||
	    m.imm_val != w->imm_val)
		fail_msg(
		    "%s: len %u size %u write %d imm %d zext %d reg %u reg_size %u imm_val %#llx",
		    w->text, m.len, m.size, m.write, m.imm, m.zext, m.reg, m.reg_size,
		    (unsigned long long)m.imm_val);
	/* One byte short is refused: the decoder never reads past avail. */
	if (decode_mmio(w->bytes, w->nbytes - 1u, &m) != -1)
		fail_msg("%s: accepted with its last byte missing", w->text);
}

static void test_stores(void **s)
{
	static const struct want w[] = {
	    {"mov %eax,(%rdx)", INSN(0x89, 0x02), .size = 4, .write = true, .reg = 0},
	    {"mov %r9d,0x40(%r10)", INSN(0x45, 0x89, 0x4a, 0x40), .size = 4, .write = true,
	     .reg = 9},
	    {"movb %al,(%rdx)", INSN(0x88, 0x02), .size = 1, .write = true, .reg = 0},
	    /* With a REX prefix, byte register 6 is SIL, not DH. */
	    {"movb %sil,(%rdx)", INSN(0x40, 0x88, 0x32), .size = 1, .write = true, .reg = 6},
	    {"movw %ax,(%rdx)", INSN(0x66, 0x89, 0x02), .size = 2, .write = true, .reg = 0},
	    {"movq %rax,(%rdx)", INSN(0x48, 0x89, 0x02), .size = 8, .write = true, .reg = 0},
	    /* REX.W wins over 0x66 (objdump: "data16 mov %rax,(%rdx)"). */
	    {"data16 mov %rax,(%rdx)", INSN(0x66, 0x48, 0x89, 0x02), .size = 8, .write = true,
	     .reg = 0},
	};
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		check(&w[i]);
}

static void test_loads(void **s)
{
	static const struct want w[] = {
	    {"mov 0x10(%rax),%eax", INSN(0x8b, 0x40, 0x10), .size = 4, .reg = 0, .reg_size = 4},
	    {"movb (%rdx),%cl", INSN(0x8a, 0x0a), .size = 1, .reg = 1, .reg_size = 1},
	    {"movb (%rdx),%r11b", INSN(0x44, 0x8a, 0x1a), .size = 1, .reg = 11, .reg_size = 1},
	    {"movw 0x8(%rbx),%r8w", INSN(0x66, 0x44, 0x8b, 0x43, 0x08), .size = 2, .reg = 8,
	     .reg_size = 2},
	    {"movq 0x100(%rdx),%r15", INSN(0x4c, 0x8b, 0xba, 0x00, 0x01, 0x00, 0x00), .size = 8,
	     .reg = 15, .reg_size = 8},
	};
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		check(&w[i]);
}

static void test_immediates(void **s)
{
	static const struct want w[] = {
	    {"movl $5,(%rdi)", INSN(0xc7, 0x07, 0x05, 0x00, 0x00, 0x00), .size = 4, .write = true,
	     .imm = true, .imm_val = 5},
	    {"movb $0xab,0x3(%rcx)", INSN(0xc6, 0x41, 0x03, 0xab), .size = 1, .write = true,
	     .imm = true, .imm_val = 0xab},
	    {"movw $0x1234,(%rsi)", INSN(0x66, 0xc7, 0x06, 0x34, 0x12), .size = 2, .write = true,
	     .imm = true, .imm_val = 0x1234},
	    {"movw $0xffff,0x40(%r10)", INSN(0x66, 0x41, 0xc7, 0x42, 0x40, 0xff, 0xff), .size = 2,
	     .write = true, .imm = true, .imm_val = 0xffff},
	    /* A 64-bit store takes imm32, sign-extended. */
	    {"movq $-2,(%rdi)", INSN(0x48, 0xc7, 0x07, 0xfe, 0xff, 0xff, 0xff), .size = 8,
	     .write = true, .imm = true, .imm_val = 0xfffffffffffffffeull},
	    {"movq $0x7fffffff,0x8(%rdi)", INSN(0x48, 0xc7, 0x47, 0x08, 0xff, 0xff, 0xff, 0x7f),
	     .size = 8, .write = true, .imm = true, .imm_val = 0x7fffffff},
	    /* A 32-bit immediate is not sign-extended. */
	    {"movl $0x80000000,(%rax)", INSN(0xc7, 0x00, 0x00, 0x00, 0x00, 0x80), .size = 4,
	     .write = true, .imm = true, .imm_val = 0x80000000},
	    /* The immediate comes after a RIP-relative disp32. */
	    {"movl $0x11223344,0x1000(%rip)",
	     INSN(0xc7, 0x05, 0x00, 0x10, 0x00, 0x00, 0x44, 0x33, 0x22, 0x11), .size = 4,
	     .write = true, .imm = true, .imm_val = 0x11223344},
	    {"movb $0x7f,-0x1(%rip)", INSN(0xc6, 0x05, 0xff, 0xff, 0xff, 0xff, 0x7f), .size = 1,
	     .write = true, .imm = true, .imm_val = 0x7f},
	};
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		check(&w[i]);
}

static void test_movzx(void **s)
{
	static const struct want w[] = {
	    {"movzbl (%rdx),%eax", INSN(0x0f, 0xb6, 0x02), .size = 1, .zext = true, .reg = 0,
	     .reg_size = 4},
	    {"movzwl 0x2(%rdx),%r12d", INSN(0x44, 0x0f, 0xb7, 0x62, 0x02), .size = 2, .zext = true,
	     .reg = 12, .reg_size = 4},
	    {"movzbq (%rdx),%rax", INSN(0x48, 0x0f, 0xb6, 0x02), .size = 1, .zext = true, .reg = 0,
	     .reg_size = 8},
	    {"movzbw (%rdx),%ax", INSN(0x66, 0x0f, 0xb6, 0x02), .size = 1, .zext = true, .reg = 0,
	     .reg_size = 2},
	    {"movzwq 0x0(%r13),%rcx", INSN(0x49, 0x0f, 0xb7, 0x4d, 0x00), .size = 2, .zext = true,
	     .reg = 1, .reg_size = 8},
	};
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		check(&w[i]);
}

/* Every ModR/M and SIB form that names memory, with its displacement. */
static void test_addressing_forms(void **s)
{
	static const struct want w[] = {
	    {"mov %ecx,(%rax,%rbx,4)", INSN(0x89, 0x0c, 0x98), .size = 4, .write = true, .reg = 1},
	    {"mov 0x20(%rsi,%r14,8),%edx", INSN(0x42, 0x8b, 0x54, 0xf6, 0x20), .size = 4, .reg = 2,
	     .reg_size = 4},
	    /* SIB base 101 with mod 00: disp32 and no base. */
	    {"mov %eax,0x0(,%rcx,2)", INSN(0x89, 0x04, 0x4d, 0x00, 0x00, 0x00, 0x00), .size = 4,
	     .write = true, .reg = 0},
	    {"mov 0x10(,%rbx,8),%eax", INSN(0x8b, 0x04, 0xdd, 0x10, 0x00, 0x00, 0x00), .size = 4,
	     .reg = 0, .reg_size = 4},
	    /* SIB with no index (100) and base 101: an absolute disp32. */
	    {"mov 0x12345678,%eax", INSN(0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12), .size = 4,
	     .reg = 0, .reg_size = 4},
	    /* Hand-made: the same with REX.B, which does not make it r13
	     * (objdump: "mov 0x12345678,%eax"). */
	    {"rex.B mov 0x12345678,%eax", INSN(0x41, 0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12),
	     .size = 4, .reg = 0, .reg_size = 4},
	    /* With mod 01 the SIB base 101 is rbp, plus disp8. */
	    {"mov 0x8(%rbp,%rax,2),%eax", INSN(0x8b, 0x44, 0x45, 0x08), .size = 4, .reg = 0,
	     .reg_size = 4},
	    {"mov 0x0(%r13,%rax,1),%eax", INSN(0x41, 0x8b, 0x44, 0x05, 0x00), .size = 4, .reg = 0,
	     .reg_size = 4},
	    {"mov %r8,(%rax,%r15,8)", INSN(0x4e, 0x89, 0x04, 0xf8), .size = 8, .write = true,
	     .reg = 8},
	    {"mov 0x7fffffff(%rbx,%rdx,1),%r10",
	     INSN(0x4c, 0x8b, 0x94, 0x13, 0xff, 0xff, 0xff, 0x7f), .size = 8, .reg = 10,
	     .reg_size = 8},
	    {"mov %eax,-0x4(%rdi,%rbx,1)", INSN(0x89, 0x44, 0x1f, 0xfc), .size = 4, .write = true,
	     .reg = 0},
	    /* Hand-made SIB index 100 (none) and with REX.X (r12). */
	    {"mov %eax,(%rdx,%riz,1)", INSN(0x89, 0x04, 0x22), .size = 4, .write = true, .reg = 0},
	    {"mov %eax,(%r12,%r12,8)", INSN(0x43, 0x89, 0x04, 0xe4), .size = 4, .write = true,
	     .reg = 0},
	    /* r/m 100 is rsp through a SIB; rbp and r13 need a disp8. */
	    {"mov %eax,(%rsp)", INSN(0x89, 0x04, 0x24), .size = 4, .write = true, .reg = 0},
	    {"mov %eax,0x0(%rbp)", INSN(0x89, 0x45, 0x00), .size = 4, .write = true, .reg = 0},
	    {"mov %eax,(%r12)", INSN(0x41, 0x89, 0x04, 0x24), .size = 4, .write = true, .reg = 0},
	    {"mov %eax,0x0(%r13)", INSN(0x41, 0x89, 0x45, 0x00), .size = 4, .write = true,
	     .reg = 0},
	    {"mov %eax,-0x80(%rdi)", INSN(0x89, 0x47, 0x80), .size = 4, .write = true, .reg = 0},
	    /* mod 00, r/m 101: RIP-relative disp32, still memory. */
	    {"mov %eax,0x1000(%rip)", INSN(0x89, 0x05, 0x00, 0x10, 0x00, 0x00), .size = 4,
	     .write = true, .reg = 0},
	    {"movq %rax,0x0(%rip)", INSN(0x48, 0x89, 0x05, 0x00, 0x00, 0x00, 0x00), .size = 8,
	     .write = true, .reg = 0},
	};
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		check(&w[i]);
}

static void test_trailing_bytes_are_not_part_of_it(void **s)
{
	/* mov %eax,(%rdx) followed by whatever comes next. */
	static const u8 b[] = {0x89, 0x02, 0x90, 0x90, 0xcc};
	struct mmio_insn m;

	assert_int_equal(decode_mmio(b, sizeof(b), &m), 0);
	assert_int_equal(m.len, 2);
}

struct refusal {
	const char *text;
	u8 bytes[20];
	u8 nbytes;
};

static void test_refusals(void **s)
{
	static const struct refusal r[] = {
	    {"mov %eax,%edx (mod 3)", INSN(0x89, 0xc2)},
	    {"movzbl %al,%eax (mod 3)", INSN(0x0f, 0xb6, 0xc0)},
	    {"lock addl $0x1,(%rdx)", INSN(0xf0, 0x83, 0x02, 0x01)},
	    {"mov %fs:(%rdx),%eax", INSN(0x64, 0x8b, 0x02)},
	    {"mov %cs:(%rdx),%eax", INSN(0x2e, 0x8b, 0x02)},
	    {"add (%rdx),%eax", INSN(0x03, 0x02)},
	    {"xchg %eax,(%rdx)", INSN(0x87, 0x02)},
	    {"mov (%edx),%eax (0x67)", INSN(0x67, 0x8b, 0x02)},
	    {"rep movsb", INSN(0xf3, 0xa4)},
	    {"movsbl (%rdx),%eax (0f be)", INSN(0x0f, 0xbe, 0x02)},
	    /* AH..BH: mmio_insn cannot name bits 15:8 of a register. */
	    {"mov %ah,(%rdx)", INSN(0x88, 0x22)},
	    {"mov (%rdx),%bh", INSN(0x8a, 0x3a)},
	    /* Hand-made: C6 /1 is no MOV. */
	    {"c6 /1", INSN(0xc6, 0x4a, 0x03, 0xab)},
	    {"c7 /2", INSN(0xc7, 0x10, 0x01, 0x00, 0x00, 0x00)},
	    /* REX followed by 0x66: the processor ignores the REX. */
	    {"rex.W movw %ax,(%rdx)", INSN(0x48, 0x66, 0x89, 0x02)},
	    /* Two REX prefixes. */
	    {"rex rex.W mov", INSN(0x40, 0x48, 0x89, 0x02)},
	    /* 14 operand-size prefixes + 2 bytes: longer than 15. */
	    {"16-byte mov", INSN(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
				 0x66, 0x66, 0x66, 0x89, 0x02)},
	    /* Truncated in each part. */
	    {"66 alone", INSN(0x66)},
	    {"rex alone", INSN(0x48)},
	    {"0f alone", INSN(0x0f)},
	    {"no modrm", INSN(0x8b)},
	    {"no SIB", INSN(0x8b, 0x04)},
	    {"half a disp8", INSN(0x8b, 0x40)},
	    {"half a disp32", INSN(0x8b, 0x80, 0x00, 0x01)},
	    {"SIB disp32 cut", INSN(0x8b, 0x04, 0x25, 0x78, 0x56)},
	    {"rip disp32 cut", INSN(0x89, 0x05, 0x00, 0x10, 0x00)},
	    {"imm32 cut", INSN(0xc7, 0x07, 0x05, 0x00, 0x00)},
	    {"imm16 cut", INSN(0x66, 0xc7, 0x06, 0x34)},
	    {"imm8 missing", INSN(0xc6, 0x41, 0x03)},
	};
	struct mmio_insn m;

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (decode_mmio(r[i].bytes, r[i].nbytes, &m) != -1)
			fail_msg("%s: accepted (len %u)", r[i].text, m.len);
	assert_int_equal(decode_mmio(r[0].bytes, 0, &m), -1);
}

/* A 15-byte instruction is the longest there is, and allowed. */
static void test_fifteen_bytes(void **s)
{
	/* Hand-made: six 0x66, REX.W, C7 /0, SIB, disp8, imm32
	 * (objdump: "data16 ... movq $0xffffffff80000001,0x8(%rsp)"). */
	static const u8 b[] = {0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x48, 0xc7,
			       0x44, 0x24, 0x08, 0x01, 0x00, 0x00, 0x80};
	struct mmio_insn m;

	assert_int_equal(decode_mmio(b, sizeof(b), &m), 0);
	assert_int_equal(m.len, 15);
	assert_int_equal(m.size, 8);
	assert_int_equal(m.imm_val, 0xffffffff80000001ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stores),
	    cmocka_unit_test(test_loads),
	    cmocka_unit_test(test_immediates),
	    cmocka_unit_test(test_movzx),
	    cmocka_unit_test(test_addressing_forms),
	    cmocka_unit_test(test_trailing_bytes_are_not_part_of_it),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_fifteen_bytes),
	};
	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
