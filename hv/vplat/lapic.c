// SPDX-License-Identifier: MIT
/*
 * A local APIC in x2APIC mode (hv/vplat/lapic.h).  Section numbers are of
 * Vol. 3A, chapter 11 (the edition hv/vmx/vmx.h names).
 *
 * The rules for the guest's RDMSR and WRMSR come from 11.12.1.2, x2APIC
 * Register Address Space (Table 11-6: which registers exist, which are
 * read-only or write-only; EOI and ESR take only 0) and 11.12.1.3, Reserved
 * Bit Checking (a WRMSR that sets a reserved bit raises #GP; reserved bits
 * read 0).  Bits that are read-only inside a writable register (delivery
 * status, Remote IRR of an LVT entry) are not reserved: a write ignores
 * them.  Linux writes them on one path (disconnect_bsp_APIC() sets
 * APIC_SEND_PENDING and APIC_LVT_REMOTE_IRR in LVT0), which must not fault.
 *
 * Owner: the vCPU's CPU, except irr[] and esr_pending, which other CPUs
 * change with atomic operations (vlapic_set_irr()); every access to them
 * here is atomic as well, but for vlapic_reset()'s: a reset (INIT) clears
 * IRR anyway, so an interrupt racing with it may be lost either way.
 */
#include "lib/types.h"
#include "lib/lib.h"
#include "vplat/lapic.h"

/*
 * Version register (11.4.8, Local APIC Version Register): version 0x14, an
 * integrated xAPIC (Linux's APIC_XAPIC() wants >= 0x14), and "max LVT
 * entry" 6: seven LVT entries, the CMCI one included, which is what every
 * x2APIC processor reports and what the model implements (MSR 0x82f).
 * With 5 Linux would not touch LVT CMCI, but 0x82f would have to #GP.
 * Bit 24 is 0: no EOI-broadcast suppression, since no level-triggered
 * interrupt ever needs a directed EOI here (ioapic.h), so SVR bit 12 is
 * reserved (11.9, Spurious Interrupt).
 */
#define APIC_VERSION 0x14u
#define VERSION_VALUE (APIC_VERSION | (u32)(LVT_COUNT - 1) << 16)

/* SVR (11.9): vector 7:0, APIC software enable 8, focus checking 9. */
#define SVR_ENABLE BIT(8)
#define SVR_WRITABLE 0x3ffu

/* ESR (11.5.3, Error Handling), the bits this model can set. */
#define ESR_REDIRECTABLE_IPI BIT(4)
#define ESR_SEND_ILLEGAL BIT(5)
#define ESR_RECV_ILLEGAL BIT(6)

/* LVT entries (11.5.1, Local Vector Table, Figure 11-8). */
#define LVT_VECTOR 0xffu
#define LVT_DELIVERY_MODE (7u << 8)
#define LVT_DELIVERY_STATUS BIT(12) /* read-only */
#define LVT_POLARITY BIT(13)
#define LVT_REMOTE_IRR BIT(14) /* read-only */
#define LVT_LEVEL BIT(15)
#define LVT_MODE_BITS (3u << 17)
#define LVT_MODE_ONESHOT 0
#define LVT_MODE_PERIODIC 1
#define LVT_MODE_DEADLINE 2

/* What each LVT entry lets software set, in enum order. */
static const u32 lvt_writable[LVT_COUNT] = {
    [LVT_TIMER] = LVT_VECTOR | LVT_MASKED | LVT_MODE_BITS,
    [LVT_THERMAL] = LVT_VECTOR | LVT_DELIVERY_MODE | LVT_MASKED,
    [LVT_PMI] = LVT_VECTOR | LVT_DELIVERY_MODE | LVT_MASKED,
    [LVT_LINT0] = LVT_VECTOR | LVT_DELIVERY_MODE | LVT_POLARITY | LVT_LEVEL | LVT_MASKED,
    [LVT_LINT1] = LVT_VECTOR | LVT_DELIVERY_MODE | LVT_POLARITY | LVT_LEVEL | LVT_MASKED,
    [LVT_ERROR] = LVT_VECTOR | LVT_MASKED,
    [LVT_CMCI] = LVT_VECTOR | LVT_DELIVERY_MODE | LVT_MASKED,
};

/* Read-only bits of each entry; they always read 0 here. */
static const u32 lvt_readonly[LVT_COUNT] = {
    [LVT_TIMER] = LVT_DELIVERY_STATUS,
    [LVT_THERMAL] = LVT_DELIVERY_STATUS,
    [LVT_PMI] = LVT_DELIVERY_STATUS,
    [LVT_LINT0] = LVT_DELIVERY_STATUS | LVT_REMOTE_IRR,
    [LVT_LINT1] = LVT_DELIVERY_STATUS | LVT_REMOTE_IRR,
    [LVT_ERROR] = LVT_DELIVERY_STATUS,
    [LVT_CMCI] = LVT_DELIVERY_STATUS,
};

/*
 * ICR in x2APIC mode (11.12.9, ICR Operation in x2APIC Mode; 11.6.1,
 * Interrupt Command Register): vector 7:0, delivery mode 10:8, destination
 * mode 11, level 14, trigger mode 15, shorthand 19:18, destination 63:32.
 * Reserved: 13, 17:16 and 31:20.  Bit 12, delivery status, is gone in
 * x2APIC mode; processors ignore a 1 there rather than fault, so the
 * model does too (and reads it as 0).
 */
#define ICR_RESERVED (BIT(13) | BIT(16) | BIT(17) | 0xfff00000ull)
#define ICR_DELIVERY_STATUS BIT(12)
#define ICR_LOGICAL BIT(11)
#define ICR_LEVEL_ASSERT BIT(14)
#define ICR_TRIGGER_LEVEL BIT(15)
#define DM_FIXED 0
#define DM_LOWEST 1
#define DM_INIT 5

#define X2APIC_BROADCAST 0xffffffffu

/* TDCR (11.5.4, APIC Timer, Figure 11-10): bits 0, 1 and 3. */
#define TDCR_WRITABLE 0xbu

void vlapic_reset(struct vlapic *l, u32 id)
{
	/*
	 * 11.4.7.1, Local APIC State After Power-Up or Reset: IRR, ISR, TMR,
	 * ICR, TPR, ESR, the timer's counts and divide configuration 0;
	 * every LVT entry masked; SVR 0xff (software-disabled).
	 */
	memset(l, 0, sizeof(*l));
	l->id = id;
	l->svr = 0xff;
	for (u32 i = 0; i < LVT_COUNT; i++)
		l->lvt[i] = LVT_MASKED;
}

static bool sw_enabled(const struct vlapic *l)
{
	return l->svr & SVR_ENABLE;
}

/* The highest set bit of a 256-bit register, or -1. */
static int highest(const u32 *reg, bool atomic)
{
	for (int i = 7; i >= 0; i--) {
		u32 w = atomic ? __atomic_load_n(&reg[i], __ATOMIC_ACQUIRE) : reg[i];

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

/*
 * 11.8.3.1, Task and Processor Priorities: PPR is TPR if TPR's class is
 * at least that of the highest in-service vector, else that class with
 * sub-class 0.
 */
static u32 ppr(const struct vlapic *l)
{
	int isrv = highest(l->isr, false);
	u32 tpr = l->tpr & 0xff;
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

/* x2APIC logical id (11.12.10.2, Deriving Logical x2APIC ID from the Local x2APIC ID). */
static u32 ldr(const struct vlapic *l)
{
	return (l->id >> 4) << 16 | 1u << (l->id & 15);
}

/*
 * An error the APIC detected (11.5.3): it is logged for the next ESR
 * write to publish, and signalled through LVT Error unless that entry is
 * masked.  Any CPU may get here (a bad vector sent to this APIC), hence
 * the atomic OR.  An error vector that is itself illegal is not
 * delivered, so an error cannot feed itself.
 */
static void apic_error(struct vlapic *l, u32 bits)
{
	u32 lvt = READ_ONCE(l->lvt[LVT_ERROR]);

	__atomic_fetch_or(&l->esr_pending, bits, __ATOMIC_SEQ_CST);
	if (!(lvt & LVT_MASKED) && (lvt & LVT_VECTOR) >= 16)
		vlapic_set_irr(l, (u8)(lvt & LVT_VECTOR));
}

void vlapic_set_irr(struct vlapic *l, u8 vector)
{
	/*
	 * Vectors 0-15 are illegal: the APIC logs "received illegal vector"
	 * and never sets their IRR bit (11.5.3, ESR bit 6).
	 */
	if (vector < 16) {
		apic_error(l, ESR_RECV_ILLEGAL);
		return;
	}
	__atomic_fetch_or(&l->irr[vector >> 5], 1u << (vector & 31), __ATOMIC_SEQ_CST);
}

int vlapic_pending(const struct vlapic *l)
{
	int irrv;

	/* 11.4.7.2: a software-disabled APIC holds IRR, delivers nothing. */
	if (!sw_enabled(l))
		return -1;
	irrv = highest(l->irr, true);
	if (irrv < 0 || ((u32)irrv >> 4) <= (ppr(l) >> 4))
		return -1;
	return irrv;
}

void vlapic_ack(struct vlapic *l, u8 vector)
{
	u32 bit = 1u << (vector & 31);

	/* 11.8.4: the IRR bit moves to ISR; TMR is cleared for an edge. */
	__atomic_fetch_and(&l->irr[vector >> 5], ~bit, __ATOMIC_SEQ_CST);
	l->isr[vector >> 5] |= bit;
	l->tmr[vector >> 5] &= ~bit;
}

/* 11.8.5, Signaling Interrupt Servicing Completion: the highest ISR bit. */
static void eoi(struct vlapic *l)
{
	int v = highest(l->isr, false);

	if (v >= 0)
		l->isr[v >> 5] &= ~(1u << (v & 31));
}

/* ---- timer (11.5.4, APIC Timer) ------------------------------------------ */

static u32 timer_mode(const struct vlapic *l)
{
	return LVT_TIMER_MODE(l->lvt[LVT_TIMER]);
}

/* One-shot and periodic count TMICT down; TSC-deadline and mode 3 do not. */
static bool counting(const struct vlapic *l)
{
	return timer_mode(l) == LVT_MODE_ONESHOT || timer_mode(l) == LVT_MODE_PERIODIC;
}

/* Figure 11-10: bits 3,1,0 = 000 -> 2, 001 -> 4, ... 110 -> 128, 111 -> 1. */
static u64 divisor(u32 tdcr)
{
	u32 v = (tdcr & 3) | ((tdcr >> 1) & 4);

	return v == 7 ? 1 : 2ull << v;
}

static void disarm(struct vlapic *l)
{
	l->deadline = 0;
	l->tsc_deadline = 0;
}

/* TMICT written (or a periodic count reloaded by hand): count from `now`. */
static void start_count(struct vlapic *l, u64 now)
{
	l->timer_start = now;
	/* 11.5.4: "A write of 0 to the initial-count register ... stops" it. */
	if (!l->tmict || !counting(l)) {
		l->deadline = 0;
		return;
	}
	l->deadline = now + (u64)l->tmict * divisor(l->tdcr);
}

/*
 * TMCCT: the count left, rounded up to whole timer ticks, so it reads
 * TMICT just after the write and 1 in the last tick.  Computed from the
 * deadline: no state counts down.  A periodic count whose expiry the
 * caller has not seen yet has already reloaded on the grid of periods.
 */
static u32 current_count(const struct vlapic *l, u64 now)
{
	u64 div = divisor(l->tdcr), period = (u64)l->tmict * div, left;

	if (!counting(l) || !l->deadline)
		return 0;
	if (now < l->deadline)
		left = l->deadline - now;
	else if (timer_mode(l) == LVT_MODE_PERIODIC && period)
		left = period - (now - l->deadline) % period;
	else
		return 0;
	return (u32)((left + div - 1) / div);
}

/*
 * A new divide value while counting: the count left goes on at the new
 * rate (the counter is decremented at the divided clock; nothing in the
 * SDM restarts it).  An expiry already due stays due.
 */
static void set_divide(struct vlapic *l, u32 tdcr, u64 now)
{
	u32 left;

	if (counting(l) && l->deadline && now < l->deadline) {
		left = current_count(l, now);
		l->tdcr = tdcr;
		l->deadline = now + (u64)left * divisor(tdcr);
		return;
	}
	l->tdcr = tdcr;
}

u64 vlapic_next_deadline(const struct vlapic *l)
{
	return l->deadline;
}

bool vlapic_timer_check(struct vlapic *l, u64 now)
{
	u32 lvt = l->lvt[LVT_TIMER];
	u64 due = l->deadline, period;

	if (!due || now < due)
		return false;
	/* The count reached 0 (or the TSC the deadline): deliver unless masked. */
	if (!(lvt & LVT_MASKED))
		vlapic_set_irr(l, (u8)(lvt & LVT_VECTOR));
	switch (timer_mode(l)) {
	case LVT_MODE_PERIODIC:
		/*
		 * Reload from the expiry, not from `now`: the periods stay on
		 * the grid timer_start + k * period however late the caller
		 * looks.  Periods missed in between collapse into this one
		 * interrupt, as they would in IRR.
		 */
		period = (u64)l->tmict * divisor(l->tdcr);
		l->deadline = due + period * ((now - due) / period + 1);
		break;
	case LVT_MODE_DEADLINE:
		/* 11.5.4.1: "it disarms itself and clears the IA32_TSC_DEADLINE MSR". */
		disarm(l);
		break;
	default:
		l->deadline = 0; /* one-shot: done */
		break;
	}
	return true;
}

/* ---- LVT, ICR ------------------------------------------------------------ */

/* The LVT index of an x2APIC MSR, or -1. */
static int lvt_index(u32 msr)
{
	if (msr == X2APIC_LVT_CMCI)
		return LVT_CMCI;
	if (msr >= X2APIC_LVT_TIMER && msr <= X2APIC_LVT_ERROR)
		return (int)(msr - X2APIC_LVT_TIMER); /* enum order is MSR order */
	return -1;
}

static int write_lvt(struct vlapic *l, int i, u32 val)
{
	u32 reserved = ~(lvt_writable[i] | lvt_readonly[i]);

	if (val & reserved)
		return -1;
	val &= lvt_writable[i];
	/* 11.4.7.2: while software-disabled, the mask bits cannot be cleared. */
	if (!sw_enabled(l))
		val |= LVT_MASKED;
	/*
	 * 11.5.4.1: "A write to the LVT Timer Register that changes the timer
	 * mode disarms the local APIC timer."  Mode 3 is reserved but not a
	 * reserved bit: it is taken, and the timer then never runs.
	 */
	if (i == LVT_TIMER && LVT_TIMER_MODE(val) != timer_mode(l))
		disarm(l);
	l->lvt[i] = val;
	return 0;
}

static void send_ipi(struct vlapic *l, u64 icr, struct vlapic_ipi *ipi)
{
	u8 vector = (u8)icr, mode = (icr >> 8) & 7;

	/*
	 * Lowest-priority IPIs are model-specific (11.6.2); this APIC does
	 * not send them and logs "redirectable IPI" (11.5.3, ESR bit 4),
	 * which takes precedence over an illegal vector.  Linux's x2APIC
	 * drivers send fixed IPIs only.
	 */
	if (mode == DM_LOWEST) {
		apic_error(l, ESR_REDIRECTABLE_IPI);
		return;
	}
	/* A fixed IPI with vector 0-15: "send illegal vector", nothing sent. */
	if (mode == DM_FIXED && vector < 16) {
		apic_error(l, ESR_SEND_ILLEGAL);
		return;
	}
	/*
	 * INIT level de-assert (level 0, trigger level) is not supported
	 * since the Pentium 4 (11.6.1) and does nothing; Linux still sends
	 * one after the INIT assert of wakeup_secondary_cpu_via_init().  It
	 * must not reach the target as a second INIT.
	 */
	if (mode == DM_INIT && !(icr & ICR_LEVEL_ASSERT) && (icr & ICR_TRIGGER_LEVEL))
		return;
	if (!ipi)
		return;
	ipi->valid = true;
	ipi->vector = vector;
	ipi->mode = mode;
	ipi->shorthand = (icr >> 18) & 3;
	ipi->logical = icr & ICR_LOGICAL;
	ipi->dest = (u32)(icr >> 32);
}

/* ---- RDMSR, WRMSR -------------------------------------------------------- */

int vlapic_rdmsr(struct vlapic *l, u32 msr, u64 now, u64 *val)
{
	int i = lvt_index(msr);

	if (i >= 0) {
		*val = l->lvt[i];
		return 0;
	}
	if (msr >= X2APIC_ISR0 && msr < X2APIC_ISR0 + 8) {
		*val = l->isr[msr - X2APIC_ISR0];
		return 0;
	}
	if (msr >= X2APIC_TMR0 && msr < X2APIC_TMR0 + 8) {
		*val = l->tmr[msr - X2APIC_TMR0];
		return 0;
	}
	if (msr >= X2APIC_IRR0 && msr < X2APIC_IRR0 + 8) {
		*val = __atomic_load_n(&l->irr[msr - X2APIC_IRR0], __ATOMIC_ACQUIRE);
		return 0;
	}
	switch (msr) {
	case X2APIC_ID:
		*val = l->id;
		return 0;
	case X2APIC_VERSION:
		*val = VERSION_VALUE;
		return 0;
	case X2APIC_TPR:
		*val = l->tpr;
		return 0;
	case X2APIC_PPR:
		*val = ppr(l);
		return 0;
	case X2APIC_LDR:
		*val = ldr(l);
		return 0;
	case X2APIC_SVR:
		*val = l->svr;
		return 0;
	case X2APIC_ESR:
		*val = l->esr;
		return 0;
	case X2APIC_ICR:
		*val = l->icr;
		return 0;
	case X2APIC_TMICT:
		*val = l->tmict;
		return 0;
	case X2APIC_TMCCT:
		/* 11.5.4.1: in TSC-deadline mode it "always reads 0". */
		*val = current_count(l, now);
		return 0;
	case X2APIC_TDCR:
		*val = l->tdcr;
		return 0;
	case MSR_TSC_DEADLINE:
		/* 0 outside TSC-deadline mode (11.5.4.1), and once it fired. */
		*val = timer_mode(l) == LVT_MODE_DEADLINE ? l->tsc_deadline : 0;
		return 0;
	}
	/* EOI and SELF IPI are write-only; anything else is reserved. */
	return -1;
}

int vlapic_wrmsr(struct vlapic *l, u32 msr, u64 val, u64 now, struct vlapic_ipi *ipi)
{
	int i = lvt_index(msr);

	if (ipi)
		ipi->valid = false;
	/* 11.12.1.2: bits 63:32 are reserved everywhere but the ICR. */
	if (msr != X2APIC_ICR && msr != MSR_TSC_DEADLINE && (val >> 32))
		return -1;
	if (i >= 0)
		return write_lvt(l, i, (u32)val);
	switch (msr) {
	case X2APIC_TPR:
		if (val & ~0xffull)
			return -1;
		l->tpr = (u32)val;
		return 0;
	case X2APIC_EOI:
		if (val)
			return -1;
		eoi(l);
		return 0;
	case X2APIC_SVR:
		if (val & ~(u64)SVR_WRITABLE)
			return -1;
		l->svr = (u32)val;
		/* 11.4.7.2: software-disabling sets every LVT mask bit. */
		if (!sw_enabled(l))
			for (i = 0; i < LVT_COUNT; i++)
				l->lvt[i] |= LVT_MASKED;
		return 0;
	case X2APIC_ESR:
		/*
		 * 11.5.3: the write publishes the errors logged since the
		 * previous write and starts a new log.
		 */
		if (val)
			return -1;
		l->esr = __atomic_exchange_n(&l->esr_pending, 0, __ATOMIC_SEQ_CST);
		return 0;
	case X2APIC_ICR:
		if (val & ICR_RESERVED)
			return -1;
		l->icr = val & ~ICR_DELIVERY_STATUS;
		send_ipi(l, l->icr, ipi);
		return 0;
	case X2APIC_TMICT:
		/* 11.5.4.1: "writes to the initial-count register are ignored". */
		if (timer_mode(l) == LVT_MODE_DEADLINE)
			return 0;
		l->tmict = (u32)val;
		start_count(l, now);
		return 0;
	case X2APIC_TDCR:
		if (val & ~(u64)TDCR_WRITABLE)
			return -1;
		set_divide(l, (u32)val, now);
		return 0;
	case X2APIC_SELF_IPI:
		/* 11.12.11, SELF IPI Register: vector in 7:0, the rest reserved. */
		if (val & ~0xffull)
			return -1;
		send_ipi(l, (val & 0xff) | 1ull << 18, ipi);
		return 0;
	case MSR_TSC_DEADLINE:
		/*
		 * 11.5.4.1: a non-zero value arms, 0 disarms; a deadline
		 * already passed fires at the next check.  Outside TSC-deadline
		 * mode the write is ignored.
		 */
		if (timer_mode(l) != LVT_MODE_DEADLINE)
			return 0;
		l->tsc_deadline = val;
		l->deadline = val;
		return 0;
	}
	/* ID, VERSION, PPR, LDR, ISR, TMR, IRR, TMCCT are read-only; the rest reserved. */
	return -1;
}

bool vlapic_ipi_targets(const struct vlapic_ipi *ipi, u32 src, u32 dst)
{
	if (!ipi->valid)
		return false;
	switch (ipi->shorthand) {
	case 1:
		return dst == src;
	case 2:
		return true;
	case 3:
		return dst != src;
	}
	/* 11.12.9: 0xffffffff is broadcast in both destination modes. */
	if (ipi->dest == X2APIC_BROADCAST)
		return true;
	if (!ipi->logical)
		return ipi->dest == dst;
	/*
	 * 11.12.10.1, Logical Destination Mode in x2APIC Mode: the cluster
	 * (bits 31:16) must match, and the bit of the target's logical id in
	 * bits 15:0 must be set.
	 */
	return (ipi->dest >> 16) == (dst >> 4) && (ipi->dest & 0xffff & (1u << (dst & 15)));
}

/* ---- moving a vCPU --------------------------------------------------------- */

_Static_assert(sizeof(((struct rv_vcpu_plat *)0)->lvt) == LVT_COUNT * sizeof(u32),
	       "rv_vcpu_plat.lvt holds every LVT entry");

#define ESR_MODEL_BITS (ESR_REDIRECTABLE_IPI | ESR_SEND_ILLEGAL | ESR_RECV_ILLEGAL)

void vlapic_save(const struct vlapic *l, struct rv_vcpu_plat *s)
{
	s->apic_id = l->id;
	s->tpr = l->tpr;
	s->svr = l->svr;
	s->esr = l->esr;
	s->esr_pending = __atomic_load_n(&l->esr_pending, __ATOMIC_ACQUIRE);
	s->tdcr = l->tdcr;
	s->tmict = l->tmict;
	for (u32 i = 0; i < LVT_COUNT; i++)
		s->lvt[i] = l->lvt[i];
	for (u32 i = 0; i < 8; i++) {
		s->irr[i] = __atomic_load_n(&l->irr[i], __ATOMIC_ACQUIRE);
		s->isr[i] = l->isr[i];
		s->tmr[i] = l->tmr[i];
	}
	s->icr = l->icr;
	s->timer_start = l->timer_start;
	s->timer_deadline = l->deadline;
	s->tsc_deadline = l->tsc_deadline;
}

int vlapic_check(const struct rv_vcpu_plat *s, u32 id)
{
	u32 mode = LVT_TIMER_MODE(s->lvt[LVT_TIMER]);

	if (s->apic_id != id || s->tpr & ~0xffu || s->svr & ~SVR_WRITABLE)
		return -1;
	if (s->esr & ~ESR_MODEL_BITS || s->esr_pending & ~ESR_MODEL_BITS)
		return -1;
	if (s->tdcr & ~TDCR_WRITABLE || s->icr & (ICR_RESERVED | ICR_DELIVERY_STATUS))
		return -1;
	for (u32 i = 0; i < LVT_COUNT; i++) {
		/* What write_lvt keeps: the writable bits, masked while disabled. */
		if (s->lvt[i] & ~lvt_writable[i])
			return -1;
		if (!(s->svr & SVR_ENABLE) && !(s->lvt[i] & LVT_MASKED))
			return -1;
	}
	/* Vectors 0-15 never reach IRR (vlapic_set_irr), so never ISR or TMR. */
	if ((s->irr[0] | s->isr[0] | s->tmr[0]) & 0xffffu)
		return -1;
	switch (mode) {
	case LVT_MODE_DEADLINE:
		/* Armed by the MSR, disarmed with it (vlapic_wrmsr, disarm). */
		if (s->timer_deadline != s->tsc_deadline)
			return -1;
		break;
	case LVT_MODE_ONESHOT:
	case LVT_MODE_PERIODIC:
		/* start_count arms only with a count; the MSR is 0 here. */
		if (s->tsc_deadline || (s->timer_deadline && !s->tmict))
			return -1;
		break;
	default: /* mode 3: never runs */
		if (s->tsc_deadline || s->timer_deadline)
			return -1;
		break;
	}
	return 0;
}

void vlapic_restore(struct vlapic *l, const struct rv_vcpu_plat *s)
{
	vlapic_reset(l, s->apic_id);
	l->tpr = s->tpr;
	l->svr = s->svr;
	l->esr = s->esr;
	l->esr_pending = s->esr_pending;
	l->tdcr = s->tdcr;
	l->tmict = s->tmict;
	for (u32 i = 0; i < LVT_COUNT; i++)
		l->lvt[i] = s->lvt[i];
	for (u32 i = 0; i < 8; i++) {
		l->irr[i] = s->irr[i];
		l->isr[i] = s->isr[i];
		l->tmr[i] = s->tmr[i];
	}
	l->icr = s->icr;
	l->timer_start = s->timer_start;
	l->deadline = s->timer_deadline;
	l->tsc_deadline = s->tsc_deadline;
}
