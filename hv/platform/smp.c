// SPDX-License-Identifier: MIT
/*
 * Starting the application processors ourselves, after boot services are
 * gone: INIT, then two start-up IPIs whose vector is the page number of
 * the trampoline (Vol. 3A, 9.4.4.1, Typical BSP Initialization Sequence;
 * 11.6.1, Interrupt Command Register).  APs come up one at a time, since
 * they share the trampoline's data fields.
 */
#include "platform/apic.h"
#include "platform/console.h"
#include "platform/cpustate.h"
#include "platform/desc.h"
#include "lib/lib.h"
#include "platform/paging.h"
#include "platform/panic.h"
#include "platform/percpu.h"
#include "platform/smp.h"
#include "platform/tsc.h"
#include "lib/x86.h"

struct percpu cpus[RV_MAX_CPUS];
u32 nr_cpus;

extern u8 trampoline_start[], trampoline_end[];
extern u8 tr_gdt_base[], tr_jmp_target[], tr_cr0[], tr_cr3[], tr_stack[], tr_percpu[], tr_entry[];
extern u8 tr_long_mode[], tr_gdt[];
extern u8 hv_stacks[];

/* How long an AP may take from the first SIPI to its first C code. */
#define AP_ONLINE_MS 2000

#define OFF(sym) ((u64)(sym) - (u64)trampoline_start)

/* What an AP runs once its platform state is set up (smp_boot_aps). */
static void (*ap_entry)(void);

static void ap_main(struct percpu *c) __attribute__((noreturn));
static void ap_main(struct percpu *c)
{
	wrmsr(MSR_IA32_GS_BASE, (u64)c);
	desc_init_cpu(c);
	apic_cpu_init();
	store_release(&c->online, 1);
	ap_entry();
	panic("an AP's entry function returned");
}

void smp_kick_cpu(u32 cpu)
{
	apic_send_ipi(cpus[cpu].apic_id, KICK_VECTOR);
}

/*
 * Why two signals.  The kick is a fixed interrupt: with external-interrupt
 * exiting it forces a VM exit whatever the guest's RFLAGS.IF (Vol. 3C,
 * 26.2, Other Causes of VM Exits), and the hypervisor runs with IF=0, so
 * a kick that arrives while this CPU is in the host stays pending and
 * exits the guest at once after the next entry: it is never lost.  But a
 * fixed interrupt can be held back by the local APIC's task priority, and
 * some emulators (Bochs) do not turn it into an exit while the guest has
 * IF=0.  An NMI is neither masked by TPR nor by IF, and with NMI exiting
 * it too forces a VM exit (Vol. 3C, 26.2); the only thing blocking it is
 * an NMI being handled, which a guest never sees here.  So the kick is
 * the cheap common case and the NMI the guarantee.
 */
void smp_wait_begin(struct smp_wait *w, u32 cpu)
{
	u64 now = rdtsc();

	w->cpu = cpu;
	w->nmis = 0;
	w->next_nmi = now + tsc_ms(SMP_NMI_AFTER_MS);
	w->end = now + tsc_ms(SMP_WAIT_LIMIT_MS);
	if (cpu != this_cpu_id()) /* we act on our own requests ourselves */
		smp_kick_cpu(cpu);
}

bool smp_wait_more(struct smp_wait *w)
{
	u64 now = rdtsc();

	if (now >= w->end)
		return false;
	if (now >= w->next_nmi && w->cpu != this_cpu_id()) {
		apic_send_nmi(cpus[w->cpu].apic_id);
		w->nmis++;
		w->next_nmi = now + tsc_ms(SMP_NMI_AFTER_MS);
	}
	return true;
}

u32 smp_boot_aps(const struct rv_bootinfo *bi, void (*entry)(void))
{
	u8 *tp = (u8 *)bi->trampoline_phys;
	u32 up = 0;

	if (!tp || bi->trampoline_phys >= 0x100000 || (bi->trampoline_phys & 0xfff)) {
		hv_printf("no usable trampoline page (%lx): running on the boot CPU only\n",
			  bi->trampoline_phys);
		return 0;
	}
	ap_entry = entry;
	memcpy(tp, trampoline_start, trampoline_end - trampoline_start);
	*(u32 *)(tp + OFF(tr_gdt_base)) = (u32)(bi->trampoline_phys + OFF(tr_gdt));
	*(u32 *)(tp + OFF(tr_jmp_target)) = (u32)(bi->trampoline_phys + OFF(tr_long_mode));
	*(u32 *)(tp + OFF(tr_cr0)) = (u32)HV_CR0;
	*(u64 *)(tp + OFF(tr_cr3)) = paging_cr3();
	*(u64 *)(tp + OFF(tr_entry)) = (u64)ap_main;

	for (u32 i = 1; i < nr_cpus; i++) {
		struct percpu *c = &cpus[i];
		*(u64 *)(tp + OFF(tr_stack)) = c->stack_top;
		*(u64 *)(tp + OFF(tr_percpu)) = (u64)c;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		/* The SDM's delays: 10 ms after INIT, 200 us between the SIPIs. */
		apic_send_init(c->apic_id);
		udelay(10000);
		apic_send_sipi(c->apic_id, (u8)(bi->trampoline_phys >> 12));
		udelay(200);
		if (!load_acquire(&c->online))
			apic_send_sipi(c->apic_id, (u8)(bi->trampoline_phys >> 12));
		u64 end = rdtsc() + tsc_ms(AP_ONLINE_MS);
		while (!load_acquire(&c->online) && rdtsc() < end)
			cpu_relax();
		if (load_acquire(&c->online))
			up++;
		else
			hv_printf("CPU %u (APIC id %u) did not start\n", i, c->apic_id);
	}
	return up;
}
