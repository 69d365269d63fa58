/* SPDX-License-Identifier: MIT */
/*
 * The control-register and local-APIC state every CPU must run with, as
 * values the code writes (pure, so a host test can include this header)
 * and a self-check that reads them back once per CPU at boot
 * (docs/02-boot.md, "The per-CPU self-check").
 *
 * Bochs models no caches and delivers IPIs to a software-disabled APIC, so
 * no run here would notice a CPU that gets these wrong; the self-check
 * makes the mistake a panic on every machine.
 */
#ifndef RV_CPUSTATE_H
#define RV_CPUSTATE_H

#include "lib/types.h"

#define CR0_MP (1ull << 1)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)

/*
 * CR0 of every CPU: protected mode with paging, native x87 errors, write
 * protection in ring 0, and caching on: CD = NW = 0 is the normal cache
 * mode (Vol. 3A, 12.5.1, Cache Control Registers and Bits, Table 12-5).
 * After power-up CR0 holds 60000010H, CD and NW set, and INIT leaves CD
 * and NW as they were (Vol. 3A, 10.1.1, Processor State After Reset), so
 * an AP must write all of CR0, not OR bits into it.  TS = 0: the
 * hypervisor never uses x87/SSE itself.
 */
#define HV_CR0 (CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_MP | CR0_PE)

/*
 * Local APIC.  The spurious-interrupt vector register: bit 8 software-
 * enables the APIC, bits 7:0 are the vector the APIC delivers when an
 * interrupt vanishes between INTR and INTA; a spurious interrupt is not in
 * service and takes no EOI (Vol. 3A, 11.9, Spurious Interrupt).  After
 * INIT the APIC is software-disabled (Vol. 3A, 11.4.7.1, Local APIC State
 * After Power-Up or Reset), and a disabled APIC does not accept fixed IPIs
 * on real processors.  Vectors 0xF0-0xFF with the low four bits set are
 * the recommended spurious vectors on P6 and later (bits 3:0 hard-wired to
 * 1 on older ones).
 */
#define APIC_SPURIOUS_VECTOR 0xff
#define APIC_SVR_ENABLE 0x100u
#define HV_APIC_SVR (APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR)
/* Task priority 0: every vector gets through (Vol. 3A, 11.8.3.1, Task and Processor Priorities). */
#define HV_APIC_TPR 0u

/* An interrupt the hypervisor received must be ended with an EOI. */
static inline bool apic_needs_eoi(u64 vector)
{
	return vector != APIC_SPURIOUS_VECTOR;
}

/* PAT memory types (Vol. 3A, 12.12.2, IA32_PAT MSR). */
#define PAT_UC 0
#define PAT_WB 6
static inline u32 pat_entry(u64 pat, u32 i)
{
	return (pat >> (8 * i)) & 7;
}

/* IA32_MTRR_DEF_TYPE bit 11: MTRRs enabled (Vol. 3A, 12.11.2.1, IA32_MTRR_DEF_TYPE MSR). */
#define MTRR_DEF_E (1ull << 11)

struct cpu_state {
	u64 cr0, cr4;
	u32 svr, tpr;
	u64 pat;
	bool has_mtrr; /* CPUID.1:EDX.MTRR */
	u64 mtrr_def_type;
};

/*
 * NULL if the state is what the hypervisor set up, else the reason (a
 * constant string).  Pure: host-tested in tests/unit/test_cpustate.c.
 */
const char *cpu_state_check(const struct cpu_state *s);

#ifndef RV_HOST_TEST
/* Read this CPU's state, print it in one line, panic if it is wrong. */
void cpu_self_check(void);
#endif

#endif
