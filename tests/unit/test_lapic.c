// SPDX-License-Identifier: MIT
// links: hv/vplat/lapic.c
/*
 * The x2APIC model: every register's RDMSR/WRMSR rule (Vol. 3A, 11.12.1.2
 * and 11.12.1.3), priorities and EOI, the timer in its three modes, IPI
 * targeting, and vlapic_set_irr() from several threads at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <cmocka.h>

#include "vplat/lapic.h"

static struct vlapic l;
static u64 now = 1000000;

static int setup(void **state)
{
	memset(&l, 0xa5, sizeof(l)); /* reset must not rely on zeroed memory */
	vlapic_reset(&l, 3);
	now = 1000000;
	return 0;
}

static u64 rd(u32 msr)
{
	u64 v = 0xdeadbeef;

	assert_int_equal(vlapic_rdmsr(&l, msr, now, &v), 0);
	return v;
}

static int rd_gp(u32 msr)
{
	u64 v;

	return vlapic_rdmsr(&l, msr, now, &v);
}

static int wr(u32 msr, u64 val)
{
	struct vlapic_ipi ipi;

	return vlapic_wrmsr(&l, msr, val, now, &ipi);
}

static void enable(void)
{
	assert_int_equal(wr(X2APIC_SVR, 0x1ff), 0);
}

/* ---- registers ------------------------------------------------------------ */

static void test_reset_state(void **s)
{
	assert_int_equal(rd(X2APIC_ID), 3);
	assert_int_equal(rd(X2APIC_VERSION), 0x00060014);
	assert_int_equal(rd(X2APIC_TPR), 0);
	assert_int_equal(rd(X2APIC_PPR), 0);
	assert_int_equal(rd(X2APIC_LDR), 0x8);
	assert_int_equal(rd(X2APIC_SVR), 0xff);
	for (u32 i = 0; i < 8; i++) {
		assert_int_equal(rd(X2APIC_ISR0 + i), 0);
		assert_int_equal(rd(X2APIC_TMR0 + i), 0);
		assert_int_equal(rd(X2APIC_IRR0 + i), 0);
	}
	assert_int_equal(rd(X2APIC_ESR), 0);
	assert_int_equal(rd(X2APIC_ICR), 0);
	const u32 lvts[] = {X2APIC_LVT_CMCI,  X2APIC_LVT_TIMER, X2APIC_LVT_THERMAL, X2APIC_LVT_PMI,
			    X2APIC_LVT_LINT0, X2APIC_LVT_LINT1, X2APIC_LVT_ERROR};
	for (size_t i = 0; i < ARRAY_SIZE(lvts); i++)
		assert_int_equal(rd(lvts[i]), 0x10000);
	assert_int_equal(rd(X2APIC_TMICT), 0);
	assert_int_equal(rd(X2APIC_TMCCT), 0);
	assert_int_equal(rd(X2APIC_TDCR), 0);
	assert_int_equal(rd(MSR_TSC_DEADLINE), 0);
	assert_int_equal(vlapic_next_deadline(&l), 0);
	assert_int_equal(vlapic_pending(&l), -1);
}

/* Which of 0x800-0x8ff exist, and how (Table 11-6). */
enum access { NONE, RO, WO, RW };
static enum access access_of(u32 msr)
{
	if (msr >= X2APIC_ISR0 && msr < X2APIC_IRR0 + 8)
		return RO; /* ISR, TMR, IRR */
	switch (msr) {
	case X2APIC_ID:
	case X2APIC_VERSION:
	case X2APIC_PPR:
	case X2APIC_LDR:
	case X2APIC_TMCCT:
		return RO;
	case X2APIC_EOI:
	case X2APIC_SELF_IPI:
		return WO;
	case X2APIC_TPR:
	case X2APIC_SVR:
	case X2APIC_ESR:
	case X2APIC_LVT_CMCI:
	case X2APIC_ICR:
	case X2APIC_LVT_TIMER:
	case X2APIC_LVT_THERMAL:
	case X2APIC_LVT_PMI:
	case X2APIC_LVT_LINT0:
	case X2APIC_LVT_LINT1:
	case X2APIC_LVT_ERROR:
	case X2APIC_TMICT:
	case X2APIC_TDCR:
		return RW;
	}
	return NONE;
}

static void test_address_space(void **s)
{
	int n[4] = {0};

	for (u32 msr = 0x800; msr <= 0x8ff; msr++) {
		enum access a = access_of(msr);
		u64 v;

		n[a]++;
		/* Reads: #GP for reserved and write-only registers. */
		assert_int_equal(vlapic_rdmsr(&l, msr, now, &v), (a == RO || a == RW) ? 0 : -1);
		/* Writes of 0 (legal for every writable one): #GP for reserved and read-only. */
		assert_int_equal(wr(msr, 0), (a == WO || a == RW) ? 0 : -1);
	}
	/* 29 read-only (24 of them ISR/TMR/IRR), 2 write-only, 13 read/write. */
	assert_int_equal(n[RO], 29);
	assert_int_equal(n[WO], 2);
	assert_int_equal(n[RW], 13);
	/* The ones xAPIC had and x2APIC dropped: APR, RRD, DFR, ICR high. */
	assert_int_equal(access_of(0x809), NONE);
	assert_int_equal(rd_gp(0x80c), -1);
	assert_int_equal(rd_gp(0x80e), -1);
	assert_int_equal(rd_gp(0x831), -1);
	assert_int_equal(rd_gp(0x900), -1);
	assert_int_equal(wr(0xbff, 0), -1);
	/* Read-only registers fault on a non-zero write too, and keep their value. */
	assert_int_equal(wr(X2APIC_ID, 3), -1);
	assert_int_equal(wr(X2APIC_LDR, 8), -1);
	assert_int_equal(rd(X2APIC_ID), 3);
	assert_int_equal(rd(X2APIC_LDR), 8);
}

static void test_upper_half_reserved(void **s)
{
	/* Bits 63:32 of everything but the ICR (11.12.1.2). */
	assert_int_equal(wr(X2APIC_TPR, 1ull << 32), -1);
	assert_int_equal(wr(X2APIC_SVR, 0x1ffull | 1ull << 63), -1);
	assert_int_equal(wr(X2APIC_LVT_TIMER, 1ull << 40), -1);
	assert_int_equal(wr(X2APIC_TMICT, 1ull << 32), -1);
	assert_int_equal(wr(X2APIC_SELF_IPI, 0x40ull | 1ull << 32), -1);
	assert_int_equal(rd(X2APIC_SVR), 0xff);
	assert_int_equal(rd(X2APIC_TMICT), 0);
	/* ICR: 63:32 is the destination. */
	assert_int_equal(wr(X2APIC_ICR, 0xffffffff000000f0ull), 0);
}

static void test_tpr(void **s)
{
	for (u32 v = 0; v < 256; v++) {
		assert_int_equal(wr(X2APIC_TPR, v), 0);
		assert_int_equal(rd(X2APIC_TPR), v);
	}
	/* Bits 31:8 are reserved. */
	assert_int_equal(wr(X2APIC_TPR, 0x100), -1);
	assert_int_equal(wr(X2APIC_TPR, 0x80000010), -1);
	assert_int_equal(rd(X2APIC_TPR), 0xff);
	/* Linux's setup_local_APIC(): read, clear 7:0, OR 0x10, write. */
	u64 v = rd(X2APIC_TPR);
	assert_int_equal(wr(X2APIC_TPR, (v & ~0xffull) | 0x10), 0);
	assert_int_equal(rd(X2APIC_TPR), 0x10);
}

static void test_eoi_register(void **s)
{
	/* 11.12.1.2: "WRMSR of a non-zero value causes #GP(0)". */
	assert_int_equal(wr(X2APIC_EOI, 1), -1);
	assert_int_equal(wr(X2APIC_EOI, 0x100), -1);
	assert_int_equal(wr(X2APIC_EOI, 0), 0); /* nothing in service: no effect */
	assert_int_equal(rd_gp(X2APIC_EOI), -1);
}

static void test_ldr_derived_from_id(void **s)
{
	const struct {
		u32 id, ldr;
	} cases[] = {
	    {0, 0x00000001},  {1, 0x00000002},	{15, 0x00008000},  {16, 0x00010001},
	    {17, 0x00010002}, {40, 0x00020100}, {255, 0x000f8000}, {0x12345, 0x12340020},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		vlapic_reset(&l, cases[i].id);
		assert_int_equal(rd(X2APIC_ID), cases[i].id);
		assert_int_equal(rd(X2APIC_LDR), cases[i].ldr);
	}
}

static void test_svr_and_software_disable(void **s)
{
	/* Vector, enable, focus: bits 9:0. */
	assert_int_equal(wr(X2APIC_SVR, 0x3ff), 0);
	assert_int_equal(rd(X2APIC_SVR), 0x3ff);
	/* Bit 12 is reserved without EOI-broadcast suppression (VERSION bit 24 = 0). */
	assert_false(rd(X2APIC_VERSION) & (1u << 24));
	assert_int_equal(wr(X2APIC_SVR, 0x11ff), -1);
	assert_int_equal(wr(X2APIC_SVR, 0x5ff), -1); /* bit 10 */
	assert_int_equal(rd(X2APIC_SVR), 0x3ff);
	/* Enabled: LVT mask bits can be cleared. */
	assert_int_equal(wr(X2APIC_LVT_LINT0, 0x700), 0); /* ExtINT, unmasked */
	assert_int_equal(wr(X2APIC_LVT_ERROR, 0xfe), 0);
	assert_int_equal(rd(X2APIC_LVT_LINT0), 0x700);
	/* Software-disable: every LVT reads masked (11.4.7.2) ... */
	assert_int_equal(wr(X2APIC_SVR, 0xff), 0);
	assert_int_equal(rd(X2APIC_LVT_LINT0), 0x10700);
	assert_int_equal(rd(X2APIC_LVT_ERROR), 0x100fe);
	/* ... and a write cannot unmask one. */
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0xec), 0);
	assert_int_equal(rd(X2APIC_LVT_TIMER), 0x100ec);
	/* Enabling again leaves them masked until software unmasks them. */
	enable();
	assert_int_equal(rd(X2APIC_LVT_TIMER), 0x100ec);
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0xec), 0);
	assert_int_equal(rd(X2APIC_LVT_TIMER), 0xec);
}

static void test_esr(void **s)
{
	enable();
	/* An illegal vector arrives: logged, but not visible until ESR is written. */
	vlapic_set_irr(&l, 7);
	assert_int_equal(rd(X2APIC_ESR), 0);
	assert_int_equal(wr(X2APIC_ESR, 0), 0);
	assert_int_equal(rd(X2APIC_ESR), 0x40);
	assert_int_equal(rd(X2APIC_ESR), 0x40); /* reading does not clear */
	/* The next write publishes what came since: nothing. */
	assert_int_equal(wr(X2APIC_ESR, 0), 0);
	assert_int_equal(rd(X2APIC_ESR), 0);
	/* Only 0 may be written in x2APIC mode. */
	assert_int_equal(wr(X2APIC_ESR, 0x40), -1);
	assert_int_equal(wr(X2APIC_ESR, 1), -1);
	/* Linux's lapic_setup_esr(): write, read, set LVT Error, write, read. */
	vlapic_set_irr(&l, 0);
	assert_int_equal(wr(X2APIC_ESR, 0), 0);
	u64 old = rd(X2APIC_ESR);
	assert_int_equal(wr(X2APIC_LVT_ERROR, 0xfe), 0);
	assert_int_equal(wr(X2APIC_ESR, 0), 0);
	assert_int_equal(old, 0x40);
	assert_int_equal(rd(X2APIC_ESR), 0);
	/* With LVT Error unmasked an error interrupts (vector 0xfe). */
	vlapic_set_irr(&l, 15);
	assert_int_equal(vlapic_pending(&l), 0xfe);
	assert_int_equal(rd(X2APIC_IRR0 + 7), 1u << 30);
	assert_int_equal(rd(X2APIC_IRR0), 0); /* 15 itself never reaches IRR */
}

/* LVT entries: the bits each takes, the bits it ignores, the bits that fault. */
static void test_lvt_bits(void **s)
{
	const struct {
		u32 msr, writable, readonly;
	} lvts[] = {
	    {X2APIC_LVT_TIMER, 0x000700ff, 0x1000},   /* vector, mask, mode 18:17 */
	    {X2APIC_LVT_THERMAL, 0x000107ff, 0x1000}, /* vector, delivery mode, mask */
	    {X2APIC_LVT_PMI, 0x000107ff, 0x1000},
	    {X2APIC_LVT_LINT0, 0x0001a7ff, 0x5000}, /* + polarity, trigger; Remote IRR */
	    {X2APIC_LVT_LINT1, 0x0001a7ff, 0x5000},
	    {X2APIC_LVT_ERROR, 0x000100ff, 0x1000}, /* vector, mask */
	    {X2APIC_LVT_CMCI, 0x000107ff, 0x1000},
	};

	enable();
	for (size_t i = 0; i < ARRAY_SIZE(lvts); i++) {
		u32 w = lvts[i].writable;

		/* A timer in mode 3 is fine as a value; mode bits are tested separately. */
		assert_int_equal(wr(lvts[i].msr, w), 0);
		assert_int_equal(rd(lvts[i].msr), w);
		assert_int_equal(wr(lvts[i].msr, 0), 0);
		assert_int_equal(rd(lvts[i].msr), 0);
		assert_int_equal(wr(lvts[i].msr, 0x31), 0);
		for (int b = 0; b < 32; b++) {
			u32 bit = 1u << b;

			if (w & bit)
				continue;
			if (lvts[i].readonly & bit) {
				/* Read-only: taken without a fault, reads 0. */
				assert_int_equal(wr(lvts[i].msr, bit | 0x31), 0);
				assert_int_equal(rd(lvts[i].msr), 0x31);
			} else {
				assert_int_equal(wr(lvts[i].msr, bit | 0x31), -1);
				assert_int_equal(rd(lvts[i].msr), 0x31); /* unchanged */
			}
		}
	}
	/* Linux's disconnect_bsp_APIC(): LVT0 with SEND_PENDING and REMOTE_IRR set. */
	assert_int_equal(wr(X2APIC_LVT_LINT0, 0x5700), 0);
	assert_int_equal(rd(X2APIC_LVT_LINT0), 0x0700);
}

/* ---- ICR and SELF IPI ------------------------------------------------------- */

static void test_icr(void **s)
{
	struct vlapic_ipi ipi;

	/* What Linux's x2APIC physical driver sends: fixed, vector 0xfd, to APIC 7. */
	memset(&ipi, 0xee, sizeof(ipi));
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_ICR, 0x00000007000000fdull, now, &ipi), 0);
	assert_true(ipi.valid);
	assert_int_equal(ipi.vector, 0xfd);
	assert_int_equal(ipi.mode, 0);
	assert_int_equal(ipi.shorthand, 0);
	assert_false(ipi.logical);
	assert_int_equal(ipi.dest, 7);
	assert_int_equal(rd(X2APIC_ICR), 0x00000007000000fdull); /* read returns it */
	/* NMI to all excluding self (shorthand 3). */
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_ICR, 0x00000000000c0400ull, now, &ipi), 0);
	assert_true(ipi.valid);
	assert_int_equal(ipi.mode, 4);
	assert_int_equal(ipi.shorthand, 3);
	/* Logical, to cluster 2, ids 0 and 5. */
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_ICR, 0x00020021000008f0ull, now, &ipi), 0);
	assert_true(ipi.valid);
	assert_true(ipi.logical);
	assert_int_equal(ipi.dest, 0x20021);
	/* wakeup_secondary_cpu_via_init(): INIT assert, INIT de-assert, two SIPIs. */
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_ICR, 0x000000010000c500ull, now, &ipi), 0);
	assert_true(ipi.valid);
	assert_int_equal(ipi.mode, 5);
	assert_int_equal(ipi.dest, 1);
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_ICR, 0x0000000100008500ull, now, &ipi), 0);
	assert_false(ipi.valid); /* de-assert: nothing is sent */
	assert_int_equal(rd(X2APIC_ICR), 0x0000000100008500ull);
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_ICR, 0x000000010000069aull, now, &ipi), 0);
	assert_true(ipi.valid);
	assert_int_equal(ipi.mode, 6);
	assert_int_equal(ipi.vector, 0x9a);
	/* A start-up vector below 16 is a page number, not an illegal vector. */
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_ICR, 0x0000000100000608ull, now, &ipi), 0);
	assert_true(ipi.valid);
	/* Other writes leave valid false. */
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_TPR, 0, now, &ipi), 0);
	assert_false(ipi.valid);
}

static void test_icr_reserved_bits(void **s)
{
	const u64 reserved = (1ull << 13) | (3ull << 16) | 0xfff00000ull;
	struct vlapic_ipi ipi;

	assert_int_equal(wr(X2APIC_ICR, 0x00000005000000f0ull), 0);
	for (int b = 0; b < 64; b++) {
		u64 bit = 1ull << b;

		if (!(reserved & bit))
			continue;
		ipi.valid = true;
		assert_int_equal(vlapic_wrmsr(&l, X2APIC_ICR, 0xf0 | bit, now, &ipi), -1);
		assert_false(ipi.valid);
	}
	assert_int_equal(rd(X2APIC_ICR), 0x00000005000000f0ull); /* unchanged */
	/* Bit 12 (delivery status) is ignored in x2APIC mode: no fault, reads 0. */
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_ICR, 0x10f0, now, &ipi), 0);
	assert_true(ipi.valid);
	assert_int_equal(rd(X2APIC_ICR), 0xf0);
	/* Level and trigger (14, 15) are not reserved. */
	assert_int_equal(wr(X2APIC_ICR, 0xc0f0), 0);
}

static void test_icr_errors(void **s)
{
	struct vlapic_ipi ipi;

	enable();
	/* A fixed IPI with vector 0-15: "send illegal vector" (ESR bit 5), not sent. */
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_ICR, 0x000000010000000full, now, &ipi), 0);
	assert_false(ipi.valid);
	/* Lowest priority is not sent: "redirectable IPI" (bit 4), even with a bad vector. */
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_ICR, 0x0000000100000131ull, now, &ipi), 0);
	assert_false(ipi.valid);
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_ICR, 0x0000000100000101ull, now, &ipi), 0);
	assert_int_equal(wr(X2APIC_ESR, 0), 0);
	assert_int_equal(rd(X2APIC_ESR), 0x30);
	/* The vector of an NMI is ignored: vector 0 is fine. */
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_ICR, 0x0000000100000400ull, now, &ipi), 0);
	assert_true(ipi.valid);
	assert_int_equal(wr(X2APIC_ESR, 0), 0);
	assert_int_equal(rd(X2APIC_ESR), 0);
}

static void test_self_ipi(void **s)
{
	struct vlapic_ipi ipi;

	enable();
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_SELF_IPI, 0x41, now, &ipi), 0);
	assert_true(ipi.valid);
	assert_int_equal(ipi.vector, 0x41);
	assert_int_equal(ipi.mode, 0);
	assert_int_equal(ipi.shorthand, 1);
	assert_true(vlapic_ipi_targets(&ipi, 3, 3));
	assert_false(vlapic_ipi_targets(&ipi, 3, 4));
	/* Write-only, vector only. */
	assert_int_equal(rd_gp(X2APIC_SELF_IPI), -1);
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_SELF_IPI, 0x141, now, &ipi), -1);
	assert_false(ipi.valid);
	/* It does not go through the ICR. */
	assert_int_equal(rd(X2APIC_ICR), 0);
	/* An illegal vector is not sent. */
	assert_int_equal(vlapic_wrmsr(&l, X2APIC_SELF_IPI, 0x0e, now, &ipi), 0);
	assert_false(ipi.valid);
	assert_int_equal(wr(X2APIC_ESR, 0), 0);
	assert_int_equal(rd(X2APIC_ESR), 0x20);
}

/* ---- interrupts --------------------------------------------------------------- */

static void test_illegal_vectors(void **s)
{
	enable();
	for (int v = 0; v < 16; v++)
		vlapic_set_irr(&l, (u8)v);
	assert_int_equal(rd(X2APIC_IRR0), 0);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(wr(X2APIC_ESR, 0), 0);
	assert_int_equal(rd(X2APIC_ESR), 0x40);
	/* 16 is the first legal one. */
	vlapic_set_irr(&l, 16);
	assert_int_equal(rd(X2APIC_IRR0), 0x10000);
	assert_int_equal(vlapic_pending(&l), 16);
}

static void test_pending_needs_software_enable(void **s)
{
	vlapic_set_irr(&l, 0x40);
	assert_int_equal(rd(X2APIC_IRR0 + 2), 1);
	assert_int_equal(vlapic_pending(&l), -1); /* held in IRR */
	enable();
	assert_int_equal(vlapic_pending(&l), 0x40);
}

static void test_ppr(void **s)
{
	/* 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4. */
	const struct {
		u32 tpr;
		int isr; /* -1: none */
		u32 ppr;
	} cases[] = {
	    {0x00, -1, 0x00},	{0x10, -1, 0x10},   {0x3f, -1, 0x3f},
	    {0x00, 0x41, 0x40}, {0x45, 0x41, 0x45}, {0x4f, 0x4e, 0x4f},
	    {0x3f, 0x41, 0x40}, {0x50, 0x41, 0x50}, {0x00, 0xff, 0xf0},
	};
	enable();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		vlapic_reset(&l, 3);
		enable();
		assert_int_equal(wr(X2APIC_TPR, cases[i].tpr), 0);
		if (cases[i].isr >= 0) {
			vlapic_set_irr(&l, (u8)cases[i].isr);
			vlapic_ack(&l, (u8)cases[i].isr);
		}
		assert_int_equal(rd(X2APIC_PPR), cases[i].ppr);
	}
}

static void test_tpr_blocks_a_class(void **s)
{
	enable();
	assert_int_equal(wr(X2APIC_TPR, 0x50), 0);
	vlapic_set_irr(&l, 0x5f); /* same class as TPR: blocked */
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_set_irr(&l, 0x31);
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_set_irr(&l, 0x60); /* class 6 > 5 */
	assert_int_equal(vlapic_pending(&l), 0x60);
	vlapic_ack(&l, 0x60);
	assert_int_equal(vlapic_pending(&l), -1); /* 0x5f is below the ISR's class */
	assert_int_equal(wr(X2APIC_EOI, 0), 0);
	assert_int_equal(vlapic_pending(&l), -1); /* TPR still blocks class 5 */
	assert_int_equal(wr(X2APIC_TPR, 0x4f), 0);
	assert_int_equal(vlapic_pending(&l), 0x5f);
	assert_int_equal(wr(X2APIC_TPR, 0), 0);
	assert_int_equal(vlapic_pending(&l), 0x5f);
}

static void test_isr_blocks_lower_and_same_class(void **s)
{
	enable();
	vlapic_set_irr(&l, 0x80);
	assert_int_equal(vlapic_pending(&l), 0x80);
	vlapic_ack(&l, 0x80);
	assert_int_equal(rd(X2APIC_ISR0 + 4), 1);
	assert_int_equal(rd(X2APIC_IRR0 + 4), 0);
	vlapic_set_irr(&l, 0x70); /* lower class */
	vlapic_set_irr(&l, 0x8f); /* same class, higher vector */
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_set_irr(&l, 0x90); /* higher class nests */
	assert_int_equal(vlapic_pending(&l), 0x90);
	/* The same vector again while in service is held in IRR. */
	vlapic_set_irr(&l, 0x80);
	assert_int_equal(rd(X2APIC_IRR0 + 4), 0x18001); /* 0x80, 0x8f, 0x90 */
}

static void test_eoi_order_with_nesting(void **s)
{
	enable();
	/* Take 0x31, then 0x62 nests, then 0xe1 nests. */
	const u8 order[] = {0x31, 0x62, 0xe1};
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		vlapic_set_irr(&l, order[i]);
		assert_int_equal(vlapic_pending(&l), order[i]);
		vlapic_ack(&l, order[i]);
	}
	assert_int_equal(rd(X2APIC_PPR), 0xe0);
	vlapic_set_irr(&l, 0x63);
	vlapic_set_irr(&l, 0x40);
	/* Each EOI ends the highest in service; the highest pending above it comes next. */
	assert_int_equal(wr(X2APIC_EOI, 0), 0);
	assert_int_equal(rd(X2APIC_ISR0 + 7), 0);
	assert_int_equal(rd(X2APIC_PPR), 0x60);
	assert_int_equal(vlapic_pending(&l), -1); /* 0x63 is in 0x62's class */
	assert_int_equal(wr(X2APIC_EOI, 0), 0);
	assert_int_equal(rd(X2APIC_ISR0 + 3), 0);
	assert_int_equal(rd(X2APIC_PPR), 0x30);
	assert_int_equal(vlapic_pending(&l), 0x63);
	vlapic_ack(&l, 0x63);
	assert_int_equal(wr(X2APIC_EOI, 0), 0); /* ends 0x63, not 0x31 */
	assert_int_equal(rd(X2APIC_ISR0 + 1), 1u << 17);
	assert_int_equal(vlapic_pending(&l), 0x40);
	vlapic_ack(&l, 0x40);
	assert_int_equal(wr(X2APIC_EOI, 0), 0);
	assert_int_equal(wr(X2APIC_EOI, 0), 0);
	for (u32 i = 0; i < 8; i++)
		assert_int_equal(rd(X2APIC_ISR0 + i), 0);
	assert_int_equal(rd(X2APIC_PPR), 0);
	assert_int_equal(wr(X2APIC_EOI, 0), 0); /* one too many: harmless */
}

/* ---- timer --------------------------------------------------------------------- */

static const struct {
	u32 tdcr;
	u64 div;
} divides[] = {
    {0x0, 2}, {0x1, 4}, {0x2, 8}, {0x3, 16}, {0x8, 32}, {0x9, 64}, {0xa, 128}, {0xb, 1},
};

static void test_tdcr(void **s)
{
	for (u32 v = 0; v < 16; v++) {
		/* Bit 2 is reserved. */
		assert_int_equal(wr(X2APIC_TDCR, v), (v & 4) ? -1 : 0);
		if (!(v & 4))
			assert_int_equal(rd(X2APIC_TDCR), v);
	}
	assert_int_equal(wr(X2APIC_TDCR, 0x13), -1);
}

static void test_one_shot_every_divide(void **s)
{
	enable();
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0xec), 0); /* one-shot, vector 0xec */
	for (size_t i = 0; i < ARRAY_SIZE(divides); i++) {
		u64 div = divides[i].div, start;

		assert_int_equal(wr(X2APIC_TDCR, divides[i].tdcr), 0);
		now += 12345;
		start = now;
		assert_int_equal(wr(X2APIC_TMICT, 1000), 0);
		assert_int_equal(vlapic_next_deadline(&l), start + 1000 * div);
		assert_int_equal(rd(X2APIC_TMICT), 1000);
		assert_int_equal(rd(X2APIC_TMCCT), 1000);
		now = start + 1;
		assert_int_equal(rd(X2APIC_TMCCT), div == 1 ? 999 : 1000);
		now = start + 250 * div;
		assert_int_equal(rd(X2APIC_TMCCT), 750);
		now = start + 1000 * div - 1;
		assert_int_equal(rd(X2APIC_TMCCT), 1);
		assert_false(vlapic_timer_check(&l, now));
		assert_int_equal(vlapic_pending(&l), -1);
		now = start + 1000 * div;
		assert_int_equal(rd(X2APIC_TMCCT), 0);
		assert_true(vlapic_timer_check(&l, now));
		assert_int_equal(vlapic_pending(&l), 0xec);
		/* Done: no deadline, count 0, no second fire. */
		assert_int_equal(vlapic_next_deadline(&l), 0);
		assert_int_equal(rd(X2APIC_TMCCT), 0);
		now += 100000;
		assert_false(vlapic_timer_check(&l, now));
		vlapic_ack(&l, 0xec);
		assert_int_equal(wr(X2APIC_EOI, 0), 0);
	}
}

static void test_one_shot_late_check_and_stop(void **s)
{
	enable();
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0xec), 0);
	assert_int_equal(wr(X2APIC_TDCR, 0xb), 0); /* divide by 1 */
	assert_int_equal(wr(X2APIC_TMICT, 500), 0);
	/* Checked late: fires once, count 0. */
	assert_true(vlapic_timer_check(&l, now + 10000));
	assert_false(vlapic_timer_check(&l, now + 20000));
	/* A new TMICT restarts it; TMICT 0 stops it (11.5.4). */
	assert_int_equal(wr(X2APIC_TMICT, 500), 0);
	assert_int_equal(vlapic_next_deadline(&l), now + 500);
	assert_int_equal(wr(X2APIC_TMICT, 0), 0);
	assert_int_equal(vlapic_next_deadline(&l), 0);
	assert_int_equal(rd(X2APIC_TMCCT), 0);
	assert_false(vlapic_timer_check(&l, now + 1000));
}

static void test_masked_timer_counts_without_interrupt(void **s)
{
	enable();
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x100ec), 0);
	assert_int_equal(wr(X2APIC_TDCR, 0xb), 0);
	assert_int_equal(wr(X2APIC_TMICT, 10), 0);
	assert_true(vlapic_timer_check(&l, now + 10));
	assert_int_equal(rd(X2APIC_IRR0 + 7), 0);
	assert_int_equal(vlapic_pending(&l), -1);
	/* An illegal timer vector logs an error instead (11.5.3, bit 6). */
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x0a), 0);
	assert_int_equal(wr(X2APIC_TMICT, 10), 0);
	assert_true(vlapic_timer_check(&l, now + 10));
	assert_int_equal(rd(X2APIC_IRR0), 0);
	assert_int_equal(wr(X2APIC_ESR, 0), 0);
	assert_int_equal(rd(X2APIC_ESR), 0x40);
}

static void test_periodic_no_drift(void **s)
{
	enable();
	for (size_t i = 0; i < ARRAY_SIZE(divides); i++) {
		u64 div = divides[i].div, start, period = 777 * div;
		int fired = 0;

		vlapic_reset(&l, 3);
		enable();
		assert_int_equal(wr(X2APIC_LVT_TIMER, 0x200ec), 0); /* periodic */
		assert_int_equal(wr(X2APIC_TDCR, divides[i].tdcr), 0);
		start = now;
		assert_int_equal(wr(X2APIC_TMICT, 777), 0);
		for (u64 k = 1; k <= 1000; k++) {
			/* The caller looks a little late each time, by a varying amount. */
			u64 late = (k * 7919) % (period / 2 + 1);

			assert_int_equal(vlapic_next_deadline(&l), start + k * period);
			assert_false(vlapic_timer_check(&l, start + k * period - 1));
			now = start + k * period + late;
			/* Between expiry and check the count has already reloaded. */
			assert_int_equal(rd(X2APIC_TMCCT), (period - late + div - 1) / div);
			assert_true(vlapic_timer_check(&l, now));
			fired++;
			assert_int_equal(vlapic_pending(&l), 0xec);
			vlapic_ack(&l, 0xec);
			assert_int_equal(wr(X2APIC_EOI, 0), 0);
		}
		/* 1000 periods later the next deadline is still exactly on the grid. */
		assert_int_equal(vlapic_next_deadline(&l), start + 1001 * period);
		assert_int_equal(fired, 1000);
	}
}

static void test_periodic_missed_periods_collapse(void **s)
{
	u64 start = now;

	enable();
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x200ec), 0);
	assert_int_equal(wr(X2APIC_TDCR, 0xb), 0);
	assert_int_equal(wr(X2APIC_TMICT, 100), 0);
	/* 3.5 periods late: one interrupt, the next deadline stays on the grid. */
	assert_true(vlapic_timer_check(&l, start + 450));
	assert_int_equal(vlapic_next_deadline(&l), start + 500);
	assert_false(vlapic_timer_check(&l, start + 499));
	assert_true(vlapic_timer_check(&l, start + 500));
	assert_int_equal(vlapic_next_deadline(&l), start + 600);
}

static void test_divide_change_while_counting(void **s)
{
	u64 start = now;

	enable();
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0xec), 0);
	assert_int_equal(wr(X2APIC_TDCR, 0x0), 0); /* 2 */
	assert_int_equal(wr(X2APIC_TMICT, 1000), 0);
	now = start + 800; /* 400 ticks gone, 600 left */
	assert_int_equal(rd(X2APIC_TMCCT), 600);
	assert_int_equal(wr(X2APIC_TDCR, 0x3), 0); /* 16 */
	assert_int_equal(rd(X2APIC_TMCCT), 600);
	assert_int_equal(vlapic_next_deadline(&l), now + 600 * 16);
}

static void test_tsc_deadline(void **s)
{
	enable();
	/* Outside TSC-deadline mode the MSR reads 0 and ignores writes. */
	assert_int_equal(wr(MSR_TSC_DEADLINE, now + 500), 0);
	assert_int_equal(rd(MSR_TSC_DEADLINE), 0);
	assert_int_equal(vlapic_next_deadline(&l), 0);
	/* Linux's __setup_APIC_LVTT() with TSC-deadline, then lapic_next_deadline(). */
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x400ec), 0);
	assert_int_equal(wr(MSR_TSC_DEADLINE, now + 500), 0);
	assert_int_equal(rd(MSR_TSC_DEADLINE), now + 500);
	assert_int_equal(vlapic_next_deadline(&l), now + 500);
	/* TMICT is ignored and TMCCT reads 0 in this mode (11.5.4.1). */
	assert_int_equal(wr(X2APIC_TMICT, 5), 0);
	assert_int_equal(rd(X2APIC_TMICT), 0);
	assert_int_equal(rd(X2APIC_TMCCT), 0);
	assert_int_equal(vlapic_next_deadline(&l), now + 500);
	assert_false(vlapic_timer_check(&l, now + 499));
	assert_true(vlapic_timer_check(&l, now + 500));
	assert_int_equal(vlapic_pending(&l), 0xec);
	/* It fired: disarmed, the MSR reads 0. */
	assert_int_equal(rd(MSR_TSC_DEADLINE), 0);
	assert_int_equal(vlapic_next_deadline(&l), 0);
	assert_false(vlapic_timer_check(&l, now + 10000));
	/* A deadline already past fires at the next check. */
	assert_int_equal(wr(MSR_TSC_DEADLINE, 1), 0);
	assert_true(vlapic_timer_check(&l, now));
	/* 0 disarms (lapic_timer_shutdown()). */
	assert_int_equal(wr(MSR_TSC_DEADLINE, now + 100), 0);
	assert_int_equal(wr(MSR_TSC_DEADLINE, 0), 0);
	assert_int_equal(vlapic_next_deadline(&l), 0);
	assert_false(vlapic_timer_check(&l, now + 1000));
	/* A full 64-bit deadline is taken. */
	assert_int_equal(wr(MSR_TSC_DEADLINE, 0x8000000000000000ull), 0);
	assert_int_equal(rd(MSR_TSC_DEADLINE), 0x8000000000000000ull);
	/* Masked: it still fires and disarms, without an interrupt. */
	vlapic_ack(&l, 0xec);
	assert_int_equal(wr(X2APIC_EOI, 0), 0);
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x500ec), 0);
	assert_int_equal(wr(MSR_TSC_DEADLINE, now + 1), 0);
	assert_true(vlapic_timer_check(&l, now + 1));
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(rd(MSR_TSC_DEADLINE), 0);
}

static void test_mode_change_disarms(void **s)
{
	enable();
	/* TSC-deadline -> one-shot. */
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x400ec), 0);
	assert_int_equal(wr(MSR_TSC_DEADLINE, now + 500), 0);
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x000ec), 0);
	assert_int_equal(vlapic_next_deadline(&l), 0);
	/* ... and back: the old deadline is gone. */
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x400ec), 0);
	assert_int_equal(rd(MSR_TSC_DEADLINE), 0);
	assert_false(vlapic_timer_check(&l, now + 1000));
	/* One-shot -> periodic. */
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x000ec), 0);
	assert_int_equal(wr(X2APIC_TMICT, 100), 0);
	assert_int_not_equal(vlapic_next_deadline(&l), 0);
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x200ec), 0);
	assert_int_equal(vlapic_next_deadline(&l), 0);
	assert_int_equal(rd(X2APIC_TMCCT), 0);
	/* One-shot -> TSC-deadline. */
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x000ec), 0);
	assert_int_equal(wr(X2APIC_TMICT, 100), 0);
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x400ec), 0);
	assert_int_equal(vlapic_next_deadline(&l), 0);
	/* The same mode again (masking, a new vector) does not disarm. */
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x000ec), 0);
	assert_int_equal(wr(X2APIC_TMICT, 100), 0);
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x100ed), 0);
	assert_int_not_equal(vlapic_next_deadline(&l), 0);
	/* Mode 3 (reserved) is taken but never counts. */
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0x600ec), 0);
	assert_int_equal(LVT_TIMER_MODE(rd(X2APIC_LVT_TIMER)), 3);
	assert_int_equal(vlapic_next_deadline(&l), 0);
	assert_int_equal(wr(X2APIC_TMICT, 100), 0);
	assert_int_equal(vlapic_next_deadline(&l), 0);
	assert_int_equal(wr(MSR_TSC_DEADLINE, now + 5), 0);
	assert_int_equal(vlapic_next_deadline(&l), 0);
	assert_int_equal(rd(X2APIC_TMCCT), 0);
}

/* ---- IPI targets ------------------------------------------------------------------ */

static struct vlapic_ipi icr_ipi(u64 icr)
{
	struct vlapic_ipi ipi;
	struct vlapic sender;

	vlapic_reset(&sender, 0);
	assert_int_equal(vlapic_wrmsr(&sender, X2APIC_ICR, icr, 0, &ipi), 0);
	assert_true(ipi.valid);
	return ipi;
}

static void test_ipi_physical_and_broadcast(void **s)
{
	struct vlapic_ipi ipi = icr_ipi(0x00000005000000f0ull);

	for (u32 dst = 0; dst <= 40; dst++)
		assert_int_equal(vlapic_ipi_targets(&ipi, 0, dst), dst == 5);
	assert_false(vlapic_ipi_targets(&ipi, 5, 0x105)); /* 32-bit ids, no truncation */
	/* 0xffffffff is broadcast, physical or logical (11.12.9). */
	ipi = icr_ipi(0xffffffff000000f0ull);
	for (u32 dst = 0; dst <= 40; dst++)
		assert_true(vlapic_ipi_targets(&ipi, 3, dst));
	ipi = icr_ipi(0xffffffff000008f0ull);
	for (u32 dst = 0; dst <= 40; dst++)
		assert_true(vlapic_ipi_targets(&ipi, 3, dst));
	/* 0xff is an ordinary id in x2APIC mode. */
	ipi = icr_ipi(0x000000ff000000f0ull);
	assert_false(vlapic_ipi_targets(&ipi, 3, 4));
	assert_true(vlapic_ipi_targets(&ipi, 3, 0xff));
	/* Not valid: no target. */
	ipi.valid = false;
	assert_false(vlapic_ipi_targets(&ipi, 3, 0xff));
}

static void test_ipi_logical_clusters(void **s)
{
	struct vlapic apic[41];
	u32 ldr[41];

	/* Every APIC's LDR as the guest reads it. */
	for (u32 id = 0; id <= 40; id++) {
		u64 v;

		vlapic_reset(&apic[id], id);
		assert_int_equal(vlapic_rdmsr(&apic[id], X2APIC_LDR, 0, &v), 0);
		ldr[id] = (u32)v;
	}
	/*
	 * Destinations as Linux's x2apic_cluster builds them (the OR of the
	 * LDRs of a cluster's members), and some it would not: for each, an
	 * APIC is a target exactly when the cluster matches and its bit is set.
	 */
	u32 dests[] = {0x00000001, 0x0000ffff, 0x00010001, 0x00010300, 0x00020001, 0x00020100,
		       0x00020101, 0x00030001, 0x00000000, 0x00010000, 0x0002fe00, 0xfffe0001};
	for (size_t i = 0; i < ARRAY_SIZE(dests); i++) {
		struct vlapic_ipi ipi = icr_ipi((u64)dests[i] << 32 | 0x8f0);
		int n = 0;

		for (u32 id = 0; id <= 40; id++) {
			bool want =
			    (dests[i] >> 16) == (ldr[id] >> 16) && (dests[i] & ldr[id] & 0xffff);

			assert_int_equal(vlapic_ipi_targets(&ipi, 0, id), want);
			n += want;
		}
		/* A few spelled out. */
		if (dests[i] == 0x0000ffff)
			assert_int_equal(n, 16); /* ids 0-15 */
		if (dests[i] == 0x00020101)
			assert_int_equal(n, 2); /* ids 32 and 40 */
		if (dests[i] == 0x00030001)
			assert_int_equal(n, 0); /* cluster 3 has no id <= 40 */
	}
	/* Each APIC is reached by its own LDR and only it. */
	for (u32 id = 0; id <= 40; id++) {
		struct vlapic_ipi ipi = icr_ipi((u64)ldr[id] << 32 | 0x8f0);

		for (u32 dst = 0; dst <= 40; dst++)
			assert_int_equal(vlapic_ipi_targets(&ipi, 0, dst), dst == id);
	}
}

static void test_ipi_shorthands(void **s)
{
	/* Shorthands ignore the destination field. */
	struct vlapic_ipi self = icr_ipi(0x00000009000400f0ull);
	struct vlapic_ipi all = icr_ipi(0x00000009000800f0ull);
	struct vlapic_ipi others = icr_ipi(0x00000009000c00f0ull);

	for (u32 src = 0; src <= 40; src += 8) {
		for (u32 dst = 0; dst <= 40; dst++) {
			assert_int_equal(vlapic_ipi_targets(&self, src, dst), dst == src);
			assert_true(vlapic_ipi_targets(&all, src, dst));
			assert_int_equal(vlapic_ipi_targets(&others, src, dst), dst != src);
		}
	}
}

/* ---- vlapic_set_irr() from other CPUs ------------------------------------------------ */

#define THREADS 2
#define ROUNDS 100000

/*
 * Rounds of a race between THREADS threads: all set their own vector
 * (0x40 + t, the same IRR word) at the same moment, then thread 0 checks
 * that every bit arrived and clears the word.  A set that is not one
 * atomic read-modify-write can store a stale word over another thread's
 * bit.  Barriers spin (yielding now and then, should the host have fewer
 * CPUs free than threads).
 */
static int arrived;
static long lost;

static void barrier(int *n)
{
	int target = ++*n * THREADS;

	__atomic_fetch_add(&arrived, 1, __ATOMIC_ACQ_REL);
	for (int spin = 0; __atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < target; spin++) {
		if (spin % 1024 == 1023)
			sched_yield();
		else
			__builtin_ia32_pause();
	}
}

static void *racer(void *arg)
{
	u32 t = (u32)(uintptr_t)arg;
	int n = 0;

	for (int r = 0; r < ROUNDS; r++) {
		barrier(&n);
		vlapic_set_irr(&l, (u8)(0x40 + t));
		barrier(&n);
		if (t == 0) {
			if (__atomic_load_n(&l.irr[2], __ATOMIC_ACQUIRE) != (1u << THREADS) - 1)
				lost++;
			__atomic_store_n(&l.irr[2], 0, __ATOMIC_RELEASE);
		}
		barrier(&n);
	}
	return NULL;
}

static void test_set_irr_concurrent(void **s)
{
	pthread_t th[THREADS];

	arrived = 0;
	lost = 0;
	for (uintptr_t t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, racer, (void *)t), 0);
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	assert_int_equal(lost, 0);
}


/* ---- moving a vCPU (vlapic_save / vlapic_check / vlapic_restore) ---------- */

/* A busy APIC: enabled, a periodic timer counting, vectors in IRR and ISR. */
static void busy(void)
{
	enable();
	assert_int_equal(wr(X2APIC_TPR, 0x20), 0);
	assert_int_equal(wr(X2APIC_TDCR, 0x3), 0);			/* divide by 16 */
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0xec | 1u << 17), 0); /* periodic */
	assert_int_equal(wr(X2APIC_TMICT, 1000), 0);
	assert_int_equal(wr(X2APIC_LVT_LINT0, 0x700), 0);
	assert_int_equal(wr(X2APIC_ICR, 0x0000000300000041ull), 0);
	vlapic_set_irr(&l, 0x41);
	vlapic_set_irr(&l, 0x31);
	vlapic_ack(&l, 0x41);
	vlapic_set_irr(&l, 0x41);
	vlapic_set_irr(&l, 3); /* illegal: logged in ESR */
}

static void test_state_round_trip(void **s)
{
	struct rv_vcpu_plat st = {0};
	struct vlapic m;

	busy();
	now += 5000; /* mid-period */
	vlapic_save(&l, &st);
	assert_int_equal(vlapic_check(&st, 3), 0);
	memset(&m, 0x5a, sizeof(m));
	vlapic_restore(&m, &st);
	assert_memory_equal(&m, &l, sizeof(l));
	/* And it behaves the same: the same count left, the same expiry. */
	u64 a, b;
	assert_int_equal(vlapic_rdmsr(&m, X2APIC_TMCCT, now, &a), 0);
	assert_int_equal(vlapic_rdmsr(&l, X2APIC_TMCCT, now, &b), 0);
	assert_int_equal(a, b);
	assert_int_equal(vlapic_next_deadline(&m), 1000000 + 16000);
	assert_true(vlapic_timer_check(&m, 1000000 + 16000));
	assert_int_equal(vlapic_pending(&m), 0xec);
}

static void test_state_round_trip_tsc_deadline(void **s)
{
	struct rv_vcpu_plat st = {0};
	struct vlapic m;

	enable();
	assert_int_equal(wr(X2APIC_LVT_TIMER, 0xef | 2u << 17), 0);
	assert_int_equal(wr(MSR_TSC_DEADLINE, 1234567), 0);
	vlapic_save(&l, &st);
	assert_int_equal(st.timer_deadline, 1234567);
	assert_int_equal(st.tsc_deadline, 1234567);
	assert_int_equal(vlapic_check(&st, 3), 0);
	vlapic_restore(&m, &st);
	/* The deadline is absolute: it fires at the same TSC, wherever. */
	assert_false(vlapic_timer_check(&m, 1234566));
	assert_true(vlapic_timer_check(&m, 1234567));
	assert_int_equal(vlapic_pending(&m), 0xef);
	assert_int_equal(vlapic_next_deadline(&m), 0);
}

/* Each field the check refuses, one at a time from a good state. */
static void test_state_refusals(void **s)
{
	struct rv_vcpu_plat good = {0}, st;
	int n = 0;

	busy();
	vlapic_save(&l, &good);
	assert_int_equal(vlapic_check(&good, 3), 0);
#define REFUSED(stmt)                                                                              \
	do {                                                                                       \
		st = good;                                                                         \
		stmt;                                                                              \
		assert_int_equal(vlapic_check(&st, 3), -1);                                        \
		n++;                                                                               \
	} while (0)
	REFUSED(st.apic_id = 2);		      /* another vCPU's id */
	REFUSED(st.tpr = 0x100);
	REFUSED(st.svr |= 0x1000);		      /* EOI-broadcast suppression: not offered */
	REFUSED(st.esr = 0x1);			      /* an error this APIC never logs */
	REFUSED(st.esr_pending = 0x80);
	REFUSED(st.tdcr = 0x4);
	REFUSED(st.icr = 1ull << 13);		      /* reserved */
	REFUSED(st.icr = 1ull << 12);		      /* delivery status: reads 0 */
	REFUSED(st.lvt[LVT_LINT0] |= 1u << 14);	      /* Remote IRR: read-only, reads 0 */
	REFUSED(st.lvt[LVT_ERROR] |= 7u << 8);	      /* no delivery mode in LVT error */
	REFUSED(st.lvt[LVT_THERMAL] |= 1u << 20);     /* reserved */
	REFUSED(st.svr = 0xff);			      /* disabled, with LVTs unmasked */
	REFUSED(st.irr[0] = 1u << 3);		      /* vectors 0-15 never reach IRR */
	REFUSED(st.isr[0] = 1u << 15);
	REFUSED(st.tmr[0] = 1u);
	REFUSED(st.tmict = 0);			      /* periodic, armed, no period: would divide by 0 */
	REFUSED(st.tsc_deadline = 5);		      /* the MSR outside TSC-deadline mode */
	REFUSED(st.lvt[LVT_TIMER] |= 3u << 17);	      /* mode 3 never runs */
	REFUSED((st.lvt[LVT_TIMER] = 0xef | 2u << 17, st.tsc_deadline = 7, st.timer_deadline = 8));
#undef REFUSED
	assert_int_equal(n, 19);
	/* TSC-deadline mode, armed or not, with the two in step: fine. */
	st = good;
	st.lvt[LVT_TIMER] = 0xef | 2u << 17;
	st.tsc_deadline = st.timer_deadline = 0;
	assert_int_equal(vlapic_check(&st, 3), 0);
	st.tsc_deadline = st.timer_deadline = 99;
	assert_int_equal(vlapic_check(&st, 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_reset_state, setup),
	    cmocka_unit_test_setup(test_address_space, setup),
	    cmocka_unit_test_setup(test_upper_half_reserved, setup),
	    cmocka_unit_test_setup(test_tpr, setup),
	    cmocka_unit_test_setup(test_eoi_register, setup),
	    cmocka_unit_test_setup(test_ldr_derived_from_id, setup),
	    cmocka_unit_test_setup(test_svr_and_software_disable, setup),
	    cmocka_unit_test_setup(test_esr, setup),
	    cmocka_unit_test_setup(test_lvt_bits, setup),
	    cmocka_unit_test_setup(test_icr, setup),
	    cmocka_unit_test_setup(test_icr_reserved_bits, setup),
	    cmocka_unit_test_setup(test_icr_errors, setup),
	    cmocka_unit_test_setup(test_self_ipi, setup),
	    cmocka_unit_test_setup(test_illegal_vectors, setup),
	    cmocka_unit_test_setup(test_pending_needs_software_enable, setup),
	    cmocka_unit_test_setup(test_ppr, setup),
	    cmocka_unit_test_setup(test_tpr_blocks_a_class, setup),
	    cmocka_unit_test_setup(test_isr_blocks_lower_and_same_class, setup),
	    cmocka_unit_test_setup(test_eoi_order_with_nesting, setup),
	    cmocka_unit_test_setup(test_tdcr, setup),
	    cmocka_unit_test_setup(test_one_shot_every_divide, setup),
	    cmocka_unit_test_setup(test_one_shot_late_check_and_stop, setup),
	    cmocka_unit_test_setup(test_masked_timer_counts_without_interrupt, setup),
	    cmocka_unit_test_setup(test_periodic_no_drift, setup),
	    cmocka_unit_test_setup(test_periodic_missed_periods_collapse, setup),
	    cmocka_unit_test_setup(test_divide_change_while_counting, setup),
	    cmocka_unit_test_setup(test_tsc_deadline, setup),
	    cmocka_unit_test_setup(test_mode_change_disarms, setup),
	    cmocka_unit_test_setup(test_ipi_physical_and_broadcast, setup),
	    cmocka_unit_test_setup(test_ipi_logical_clusters, setup),
	    cmocka_unit_test_setup(test_ipi_shorthands, setup),
	    cmocka_unit_test_setup(test_set_irr_concurrent, setup),
	    cmocka_unit_test_setup(test_state_round_trip, setup),
	    cmocka_unit_test_setup(test_state_round_trip_tsc_deadline, setup),
	    cmocka_unit_test_setup(test_state_refusals, setup),
	};
	return cmocka_run_group_tests_name("lapic", tests, NULL, NULL);
}
