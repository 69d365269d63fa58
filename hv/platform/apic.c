// SPDX-License-Identifier: MIT
/*
 * Local APIC access.  OVMF leaves the APIC in xAPIC mode under Bochs
 * (IA32_APIC_BASE = 0xFEE00900); a KVM host may hand us x2APIC mode, so
 * both are supported (Vol. 3A, 11.12, Extended XAPIC (x2APIC)).
 */
#include "platform/apic.h"
#include "platform/console.h"
#include "platform/cpustate.h"
#include "lib/x86.h"

#define APIC_ID 0x20
#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_SVR 0x0f0
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define ICR_PENDING BIT(12)

/* Set once by the boot CPU before the APs start; read-only afterwards. */
static volatile u32 *mmio;
static bool x2apic;

static u32 rd(u32 reg)
{
	return x2apic ? (u32)rdmsr(0x800 + (reg >> 4)) : mmio[reg / 4];
}
static void wr(u32 reg, u32 v)
{
	if (x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		mmio[reg / 4] = v;
}

void apic_init(u64 mmio_base)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	x2apic = base & BIT(10);
	mmio = (volatile u32 *)(mmio_base ? mmio_base : (base & ~0xfffull));
	apic_cpu_init();
}

/*
 * Every CPU: software-enable the APIC with our spurious vector (after
 * INIT it is disabled, and real processors then drop fixed IPIs), accept
 * every priority, and let nothing but our own IPIs in: mask the local
 * APIC timer and LINT0/LINT1 (the legacy PIC's path in virtual-wire mode)
 * here, and the 8259 PICs themselves once (pic_mask_all).
 */
void apic_cpu_init(void)
{
	wr(APIC_SVR, HV_APIC_SVR);
	wr(APIC_TPR, HV_APIC_TPR);
	wr(APIC_LVT_TIMER, BIT(16));
	wr(APIC_LVT_LINT0, BIT(16));
	wr(APIC_LVT_LINT1, BIT(16));
}

void pic_mask_all(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

u32 apic_id(void) { return x2apic ? rd(APIC_ID) : rd(APIC_ID) >> 24; }

void apic_eoi(void) { wr(APIC_EOI, 0); }
u32 apic_svr(void) { return rd(APIC_SVR); }
u32 apic_tpr(void) { return rd(APIC_TPR); }

void apic_dump(void)
{
	hv_printf("local APIC: id %u tpr %x ppr %x isr7 %x irr7 %x lvt-timer %x lint0 %x\n",
		  apic_id(), rd(0x80), rd(0xa0), rd(0x170), rd(0x270), rd(APIC_LVT_TIMER),
		  rd(APIC_LVT_LINT0));
}

static void send_icr(u32 dest, u32 lo)
{
	if (x2apic) {
		/* WRMSR to the x2APIC ICR is not serializing: without a fence
		 * the IPI may overtake the request stores it announces (Vol.
		 * 3A, 11.12.3, MSR Access in x2APIC Mode). */
		asm volatile("mfence; lfence" ::: "memory");
		wrmsr(0x830, ((u64)dest << 32) | lo);
		return;
	}
	wr(APIC_ICR_HI, dest << 24);
	wr(APIC_ICR_LO, lo);
	for (int i = 0; i < 1000000 && (rd(APIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
}

void apic_send_ipi(u32 dest, u8 vector) { send_icr(dest, 0x4000 | vector); }
void apic_send_init(u32 dest) { send_icr(dest, 0x4500); }
void apic_send_sipi(u32 dest, u8 page) { send_icr(dest, 0x4600 | page); }
void apic_send_nmi(u32 dest) { send_icr(dest, 0x4400); }
