/* SPDX-License-Identifier: MIT */
/* Thin wrappers around x86 instructions, for the hypervisor. */
#ifndef RV_X86_H
#define RV_X86_H

#include "lib/types.h"

#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_ARCH_CAPABILITIES 0x10a
#define MSR_IA32_APIC_BASE 0x1b
#define MSR_IA32_PAT 0x277
#define MSR_IA32_EFER 0xc0000080
#define MSR_IA32_FS_BASE 0xc0000100
#define MSR_IA32_GS_BASE 0xc0000101

#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_VMXE (1ull << 13)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)

/* 48-bit canonical: the strictest width any 64-bit processor checks. */
static inline bool x86_canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

/* Each byte of a PAT value a memory type WRMSR accepts: 0, 1, 4, 5, 6 or 7
 * (Vol. 3A, 12.12.2, IA32_PAT MSR). */
static inline bool x86_pat_ok(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (u8)(pat >> (8 * i));
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/*
 * The exceptions VM entry delivers with an error code where
 * IA32_VMX_BASIC[56] is 0 (Vol. 3C, 27.2.1.3, Checks on VM-Entry Control
 * Fields): #DF, #TS, #NP, #SS, #GP, #PF, #AC.  Not #CP (21), though it
 * pushes one: processors with CET report BASIC[56] = 1, and those that
 * report 0 refuse vector 21 with an error code.
 */
static inline bool x86_exc_has_error(u32 vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

#ifndef RV_HOST_TEST
static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}
static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}
static inline void outb(u16 port, u8 v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline u8 inb(u16 port)
{
	u8 v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void cpu_relax(void) { asm volatile("pause" ::: "memory"); }
static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}
#define DEFINE_CR(n)                                                  \
	static inline u64 read_cr##n(void)                            \
	{                                                             \
		u64 v;                                                \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));         \
		return v;                                             \
	}                                                             \
	static inline void write_cr##n(u64 v)                         \
	{                                                             \
		asm volatile("mov %0, %%cr" #n ::"r"(v) : "memory");  \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR
#endif

#endif
