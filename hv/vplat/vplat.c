// SPDX-License-Identifier: MIT
/*
 * A Linux vCPU between exits: which interrupt to inject, when to exit for
 * its timer, whether it may run at all; IPIs between the vCPUs of one
 * partition; the partition's console.
 */
#include "lib/lib.h"
#include "lib/x86.h"
#include "partition/partition.h"
#include "partition/vcpu.h"
#include "platform/console.h"
#include "vmx/vmx.h"
#include "vplat/vplat.h"

static struct vplat_vcpu *pv_of(struct vcpu *v)
{
	return &v->part->plat->vcpu[v->index];
}

void vplat_deliver(struct partition *p, u32 dst, u8 vector)
{
	if (dst >= p->nr_vcpus)
		return;
	vlapic_set_irr(&p->plat->vcpu[dst].lapic, vector);
	vcpu_kick(p->vcpus[dst]);
}

/*
 * Start an application processor: INIT, then a start-up IPI (Vol. 3A,
 * 9.4.4.1, Typical BSP Initialization Sequence).  Both are posted here and
 * acted on by the target's owner in vplat_prepare, INIT first: INIT puts
 * any vCPU back into wait-for-SIPI; a start-up IPI to a vCPU that is not
 * waiting is ignored, as a processor not in wait-for-SIPI state ignores
 * it (11.6.1, Interrupt Command Register, "Start-Up").
 */
static void start_ap(struct partition *p, u32 dst, u8 mode, u8 vector)
{
	struct vplat_vcpu *t = &p->plat->vcpu[dst];

	if (mode == 5)
		__atomic_store_n(&t->init, 1, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&t->sipi, 0x100u | vector, __ATOMIC_RELEASE);
	vcpu_kick(p->vcpus[dst]);
}

/* An IPI from vCPU src: to the vCPUs of its own partition, nowhere else. */
void vplat_send_ipi(struct vcpu *src, const struct vlapic_ipi *ipi)
{
	struct partition *p = src->part;
	static u32 nmi_told;

	for (u32 i = 0; i < p->nr_vcpus; i++) {
		if (!vlapic_ipi_targets(ipi, src->index, i))
			continue;
		switch (ipi->mode) {
		case 0: /* fixed */
		case 1: /* lowest priority: the first one named is as low as any */
			if (i == src->index)
				vlapic_set_irr(&pv_of(src)->lapic, ipi->vector);
			else
				vplat_deliver(p, i, ipi->vector);
			if (ipi->mode == 1)
				return;
			break;
		case 5: /* INIT */
		case 6: /* start-up */
			if (i != src->index)
				start_ap(p, i, ipi->mode, ipi->vector);
			break;
		default:
			/* NMI, SMI, ExtINT: not offered (docs/12-linux.md). */
			if (!nmi_told++)
				hv_printf(
				    "vCPU %u.%u: IPI with delivery mode %u dropped (only fixed, "
				    "lowest priority, INIT and start-up are offered)\n",
				    p->id, src->index, ipi->mode);
			return;
		}
	}
}

/*
 * Before each entry.  An interrupt is injected when the guest can take it
 * (vmx_interruptible) and no other event is on its way in (a re-injected
 * one goes first); otherwise interrupt-window exiting brings the vCPU
 * back as soon as it can (Vol. 3C, 26.7.5).  HLT leaves the vCPU halted
 * here, in the run loop, until an interrupt it can take arrives (Vol. 2A,
 * HLT: "an enabled interrupt ... resumes"); the loop still answers every
 * request, so a halted vCPU can be paused, saved or destroyed.
 */
bool vplat_prepare(struct vcpu *v)
{
	struct vplat_vcpu *pv = pv_of(v);
	struct vlapic *l = &pv->lapic;

	/* INIT: the local APIC as after INIT (11.4.7.3, Local APIC State
	 * After an INIT Reset), then wait for a start-up IPI. */
	if (__atomic_exchange_n(&pv->init, 0, __ATOMIC_ACQUIRE)) {
		vlapic_reset(l, v->index);
		pv->halted = pv->parked = false;
		pv->waiting_sipi = true;
	}
	u32 sipi = __atomic_exchange_n(&pv->sipi, 0, __ATOMIC_ACQUIRE);
	if (pv->waiting_sipi) {
		if (!sipi)
			return false;
		vmx_reset_to_sipi(&v->vmx, (u8)sipi);
		pv->waiting_sipi = false;
	}
	if (pv->parked)
		return false;
	u64 now = rdtsc();
	vlapic_timer_check(l, now);
	int vec = vlapic_pending(l);
	if (pv->halted) {
		if (vec < 0 || !(vmx_guest_rflags() & RFLAGS_IF))
			return false;
		pv->halted = false;
	}
	if (vec >= 0 && !vmx_event_pending() && vmx_interruptible()) {
		vmx_inject_interrupt((u8)vec);
		vlapic_ack(l, (u8)vec);
		vec = vlapic_pending(l);
	}
	vmx_set_irq_window(vec >= 0);
	v->vmx.deadline = vlapic_next_deadline(l);
	return true;
}

/*
 * HLT: the vCPU sleeps in vplat_prepare.  With interrupts off only INIT
 * can wake it (no NMIs are offered): it is parked.  Linux parks its other
 * CPUs so on a panic, a reboot or a CPU going offline, and the CPU that
 * panicked goes on printing; when every vCPU of the partition is parked
 * (or was never started), the guest has stopped itself for good, as Linux
 * does at the end of a panic: the partition stops, and the management
 * partition is told (exit reason HLT).
 */
int vplat_hlt(struct vcpu *v, const struct vmx_exit *e)
{
	struct vplat *pl = v->part->plat;

	vmx_skip_instruction(e);
	if (vmx_guest_rflags() & RFLAGS_IF) {
		pv_of(v)->halted = true;
		return 0;
	}
	__atomic_store_n(&pv_of(v)->parked, true, __ATOMIC_SEQ_CST);
	for (u32 i = 0; i < pl->nr_vcpus; i++)
		if (!__atomic_load_n(&pl->vcpu[i].parked, __ATOMIC_SEQ_CST) &&
		    !READ_ONCE(pl->vcpu[i].waiting_sipi))
			return 0;
	hv_printf("vCPU %u.%u: HLT with interrupts off at rip %lx, every vCPU parked: the guest "
		  "stopped itself\n",
		  v->part->id, v->index, vmx_guest_rip());
	return -1;
}

void vplat_flush(struct vcpu *v)
{
	struct vplat *pl = v->part->plat;

	spin_lock(&pl->lock);
	uart_flush(&pl->uart, vplat_console_sink, v);
	spin_unlock(&pl->lock);
}

void vplat_refuse(struct vcpu *v, const struct vmx_exit *e, u8 vector)
{
	vmx_inject_exception(vector, vector == 13, 0);
}

/* The UART's lines (uart.c calls this with the platform lock held). */
void vplat_console_sink(void *ctx, const char *line, u32 len)
{
	struct vcpu *v = ctx;
	struct vplat *pl = v->part->plat;

	console_guest_write(v->part->id, v->index, line, len);
	for (u32 i = 0; i <= len; i++) /* the stream keeps the '\n' */
		pl->con[pl->con_total++ % VPLAT_CONSOLE_SIZE] = i < len ? line[i] : '\n';
}

int vplat_console_read(struct partition *p, struct rv_console_read *io, void *buf)
{
	struct vplat *pl = p->plat;

	if (!pl)
		return -RV_ENOENT;
	spin_lock(&pl->lock);
	u64 total = pl->con_total;
	u64 start = io->offset;
	if (total > VPLAT_CONSOLE_SIZE && start < total - VPLAT_CONSOLE_SIZE)
		start = total - VPLAT_CONSOLE_SIZE;
	if (start < pl->con_base) /* before a move: the source's (docs/12) */
		start = pl->con_base;
	if (start > total)
		start = total;
	u32 n = (u32)MIN((u64)io->len, total - start);
	for (u32 i = 0; i < n; i++)
		((char *)buf)[i] = pl->con[(start + i) % VPLAT_CONSOLE_SIZE];
	spin_unlock(&pl->lock);
	io->offset = start;
	io->total = total;
	return (int)n;
}

/* ---- moving a partition (docs/12-linux.md, "Moving a Linux partition") ---- */

void vplat_vcpu_save(struct partition *p, u32 i, struct rv_vcpu_plat *s)
{
	struct vplat_vcpu *pv = &p->plat->vcpu[i];

	memset(s, 0, sizeof(*s));
	s->flags = RV_VCPU_PLAT;
	s->activity = READ_ONCE(pv->waiting_sipi) ? RV_VCPU_ACT_WAIT_SIPI
		      : READ_ONCE(pv->parked)	  ? RV_VCPU_ACT_PARKED
		      : READ_ONCE(pv->halted)	  ? RV_VCPU_ACT_HALTED
						  : RV_VCPU_ACT_RUNNING;
	s->init = __atomic_load_n(&pv->init, __ATOMIC_ACQUIRE);
	s->sipi = __atomic_load_n(&pv->sipi, __ATOMIC_ACQUIRE);
	s->pat = pv->pat;
	vlapic_save(&pv->lapic, s);
}

int vplat_vcpu_check(struct partition *p, u32 i, const struct rv_vcpu_state *st)
{
	const struct rv_vcpu_plat *s = &st->plat;

	if (s->flags != RV_VCPU_PLAT || s->activity > RV_VCPU_ACT_WAIT_SIPI || s->init > 1)
		return -RV_EINVAL;
	/* 0, or 0x100 | vector as start_ap posts it. */
	if (s->sipi && (s->sipi & ~0x1ffu || !(s->sipi & 0x100)))
		return -RV_EINVAL;
	/* HLT with interrupts on is halted, with them off parked (vplat_hlt):
	 * a halted vCPU with IF clear would sleep for ever, uncounted. */
	if (s->activity == RV_VCPU_ACT_HALTED && !(st->rflags & RFLAGS_IF))
		return -RV_EINVAL;
	if (!x86_pat_ok(s->pat) || vlapic_check(s, i))
		return -RV_EINVAL;
	return 0;
}

void vplat_vcpu_restore(struct partition *p, u32 i, const struct rv_vcpu_plat *s)
{
	struct vplat_vcpu *pv = &p->plat->vcpu[i];

	vlapic_restore(&pv->lapic, s);
	pv->pat = s->pat;
	pv->waiting_sipi = s->activity == RV_VCPU_ACT_WAIT_SIPI;
	pv->parked = s->activity == RV_VCPU_ACT_PARKED;
	pv->halted = s->activity == RV_VCPU_ACT_HALTED;
	__atomic_store_n(&pv->init, s->init, __ATOMIC_RELEASE);
	__atomic_store_n(&pv->sipi, s->sipi, __ATOMIC_RELEASE);
}

void vplat_save(struct partition *p, struct rv_platform_state *s)
{
	struct vplat *pl = p->plat;

	memset(s, 0, sizeof(*s));
	spin_lock(&pl->lock);
	s->nr_vcpus = pl->nr_vcpus;
	ioapic_save(&pl->ioapic, s);
	uart_save(&pl->uart, s);
	s->uart_irq_line = pl->uart_line;
	s->con_total = pl->con_total;
	spin_unlock(&pl->lock);
}

int vplat_check(struct partition *p, const struct rv_platform_state *s)
{
	if (s->nr_vcpus != p->plat->nr_vcpus || s->uart_irq_line > 1 || s->pad || s->pad2[0] ||
	    s->pad2[1] || s->pad2[2])
		return -RV_EINVAL;
	if (ioapic_check(s) || uart_check(s))
		return -RV_EINVAL;
	return 0;
}

void vplat_restore(struct partition *p, const struct rv_platform_state *s)
{
	struct vplat *pl = p->plat;

	spin_lock(&pl->lock);
	ioapic_restore(&pl->ioapic, s);
	uart_restore(&pl->uart, s);
	pl->uart_line = s->uart_irq_line;
	/* The stream goes on at the source's position, with nothing before it. */
	pl->con_total = pl->con_base = s->con_total;
	spin_unlock(&pl->lock);
}
