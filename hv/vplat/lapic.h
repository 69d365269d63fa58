/* SPDX-License-Identifier: MIT */
/*
 * A local APIC in x2APIC mode, as a Linux vCPU sees it through RDMSR and
 * WRMSR of MSRs 0x800-0x8ff (Vol. 3A, 11.12.1.2, x2APIC Register Address
 * Space) and IA32_TSC_DEADLINE (0x6e0; 11.5.4.1, TSC-Deadline Mode).  The
 * model only keeps registers and answers questions; the caller
 * (vplat/vlapic glue) injects what it says is pending, sends the IPIs it
 * returns and arms a timer for the deadline it reports.  Pure: host-tested
 * in tests/unit/test_lapic.c.
 *
 * Time is the TSC, passed in as `now`.  The APIC timer's one-shot and
 * periodic modes count at the TSC's rate divided by the divide
 * configuration (the platform tells the guest apic_khz = tsc_khz).
 *
 * Owner: the vCPU's CPU, except irr[] and esr_pending, which any vCPU of
 * the partition may set with vlapic_set_irr() (atomic OR) to deliver an
 * interrupt (or to log an illegal vector).
 */
#ifndef RV_VPLAT_LAPIC_H
#define RV_VPLAT_LAPIC_H

#include "abi/hypercall.h"
#include "lib/types.h"

/* x2APIC MSRs (Vol. 3A, 11.12.1.2, Table 11-6). */
#define X2APIC_ID 0x802
#define X2APIC_VERSION 0x803
#define X2APIC_TPR 0x808
#define X2APIC_PPR 0x80a
#define X2APIC_EOI 0x80b
#define X2APIC_LDR 0x80d
#define X2APIC_SVR 0x80f
#define X2APIC_ISR0 0x810 /* .. 0x817 */
#define X2APIC_TMR0 0x818 /* .. 0x81f */
#define X2APIC_IRR0 0x820 /* .. 0x827 */
#define X2APIC_ESR 0x828
#define X2APIC_LVT_CMCI 0x82f
#define X2APIC_ICR 0x830
#define X2APIC_LVT_TIMER 0x832
#define X2APIC_LVT_THERMAL 0x833
#define X2APIC_LVT_PMI 0x834
#define X2APIC_LVT_LINT0 0x835
#define X2APIC_LVT_LINT1 0x836
#define X2APIC_LVT_ERROR 0x837
#define X2APIC_TMICT 0x838
#define X2APIC_TMCCT 0x839
#define X2APIC_TDCR 0x83e
#define X2APIC_SELF_IPI 0x83f
#define MSR_TSC_DEADLINE 0x6e0

#define LVT_MASKED BIT(16)
#define LVT_TIMER_MODE(l) (((l) >> 17) & 3) /* 0 one-shot, 1 periodic, 2 TSC-deadline */

enum { LVT_TIMER, LVT_THERMAL, LVT_PMI, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_CMCI, LVT_COUNT };

struct vlapic {
	u32 id;       /* x2APIC id = the vCPU's index */
	u32 tpr, svr, esr;
	u32 lvt[LVT_COUNT];
	u32 tdcr, tmict;
	u64 timer_start; /* TSC when TMICT was written (one-shot/periodic) */
	u64 deadline;    /* next expiry, absolute TSC; 0 = none armed */
	u64 tsc_deadline;/* IA32_TSC_DEADLINE as the guest wrote it */
	u32 irr[8], isr[8], tmr[8];
	u64 icr;         /* the last ICR written, as RDMSR returns it */
	u32 esr_pending; /* errors since the last ESR write (atomic: any CPU) */
};

/* What a write to the ICR or SELF_IPI asks for (Vol. 3A, 11.12.9, ICR
 * Operation in x2APIC Mode; 11.6.1, Interrupt Command Register). */
struct vlapic_ipi {
	bool valid;
	u8 vector;
	u8 mode;      /* 0 fixed, 1 lowest priority, 4 NMI, 5 INIT, 6 start-up */
	u8 shorthand; /* 0 none, 1 self, 2 all including self, 3 all excluding self */
	bool logical;
	u32 dest;
};

/* The state after reset / INIT (11.4.7.1, Local APIC State After
 * Power-Up or Reset), x2APIC mode, software-disabled (SVR = 0xff). */
void vlapic_reset(struct vlapic *l, u32 id);

/*
 * RDMSR/WRMSR of an x2APIC MSR or IA32_TSC_DEADLINE.  0 on success, -1
 * where the processor raises #GP (a reserved or write-only/read-only
 * register used the wrong way, reserved bits set; 11.12.1.2).  A write to
 * the ICR or SELF_IPI fills *ipi (valid = true) unless it sends nothing: a
 * lowest-priority IPI or a fixed one with vector 0-15 (logged in ESR,
 * 11.5.3), or an INIT level de-assert; every other write leaves
 * valid = false.  A write to EOI ends the highest in-service interrupt.
 */
int vlapic_rdmsr(struct vlapic *l, u32 msr, u64 now, u64 *val);
int vlapic_wrmsr(struct vlapic *l, u32 msr, u64 val, u64 now, struct vlapic_ipi *ipi);

/* Does this IPI go to the APIC with id `dst`, sent by `src`?  Physical
 * and logical cluster destinations (11.12.10.1, Logical Destination Mode
 * in x2APIC Mode; LDR = cluster << 16 | 1 << (id & 15), cluster = id >> 4,
 * 11.12.10.2), 0xffffffff as broadcast in either mode (11.12.9), and the
 * shorthands. */
bool vlapic_ipi_targets(const struct vlapic_ipi *ipi, u32 src, u32 dst);

/* Accept a fixed interrupt (any CPU; atomic). */
void vlapic_set_irr(struct vlapic *l, u8 vector);
/* The vector to inject now, or -1: the highest IRR vector whose priority
 * class is above the processor priority (11.8.3.1, Task and Processor
 * Priorities), with the APIC software-enabled. */
int vlapic_pending(const struct vlapic *l);
/* The vector was injected: IRR -> ISR (11.8.4, Interrupt Acceptance). */
void vlapic_ack(struct vlapic *l, u8 vector);

/* Timer: the next expiry (absolute TSC), 0 for none; and at `now`, fire
 * it if due (IRR gets the LVT vector unless masked; periodic re-arms,
 * one-shot and TSC-deadline disarm).  Returns true if it fired. */
u64 vlapic_next_deadline(const struct vlapic *l);
bool vlapic_timer_check(struct vlapic *l, u64 now);

/*
 * Moving a vCPU (RV_HC_VCPU_GET_STATE / SET_STATE, abi/hypercall.h): the
 * registers and the timer into s's x2APIC fields, and back.  Times stay
 * absolute TSC values.  vlapic_check says whether s is a state this model
 * can be in for the vCPU with x2APIC id `id`: 0, or -1 for a state it
 * never holds (reserved or read-only bits, vectors 0-15 in IRR/ISR/TMR,
 * an LVT unmasked while software-disabled, a timer armed that its mode
 * cannot arm, and a periodic timer with no period, which would divide by
 * zero in vlapic_timer_check).  vlapic_restore wants a checked s.
 */
void vlapic_save(const struct vlapic *l, struct rv_vcpu_plat *s);
int vlapic_check(const struct rv_vcpu_plat *s, u32 id);
void vlapic_restore(struct vlapic *l, const struct rv_vcpu_plat *s);

#endif
