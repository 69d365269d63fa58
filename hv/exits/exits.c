// SPDX-License-Identifier: MIT
/*
 * The exit handlers that are policy rather than mechanism: what a guest
 * may do (CPUID), what stops its partition (everything a workload has no
 * business doing: I/O ports, MSRs, VMX instructions, HLT, a triple
 * fault), and what would be our own bug (an EPT misconfiguration).
 */
#include "exits/exits.h"
#include "lib/x86.h"
#include "partition/partition.h"
#include "partition/vcpu.h"
#include "platform/apic.h"
#include "platform/console.h"
#include "platform/desc.h"
#include "platform/cpustate.h"
#include "platform/panic.h"
#include "platform/percpu.h"
#include "rv_exit_reasons.h" /* generated from vmx/exit_reasons.def */
#include "vmx/vmx.h"
#include "vplat/vplat.h"

enum exit_action exit_exception(struct vcpu *v, const struct vmx_exit *e)
{
	/* The exception bitmap is 0, so only an NMI lands here (NMI exiting;
	 * interruption type 2, Vol. 3C, 25.9.2, Information for VM Exits Due
	 * to Vectored Events). */
	if (((e->intr_info >> 8) & 7) == 2) {
		/* A kick (platform/smp.c) or a dump request.  The run loop
		 * acts on requests before the next entry. */
		desc_unblock_nmi();
		vmx_nmi_exit_fixup();
		if (__atomic_exchange_n(&this_cpu()->dump_req, 0, __ATOMIC_SEQ_CST)) {
			hv_printf("NMI dump: vCPU %u.%u: ", v->part->id, v->index);
			vmx_dump_guest_brief();
			apic_dump();
		}
		return EXIT_RESUME;
	}
	partition_fault(v, e->basic, e->intr_info);
	return EXIT_STOP;
}

enum exit_action exit_external_interrupt(struct vcpu *v, const struct vmx_exit *e)
{
	/*
	 * "Acknowledge interrupt on exit" is set, so the vector is in the
	 * exit-interruption information and the interrupt is in service
	 * (Vol. 3C, 25.7.1, VM-Exit Controls; 28.2.2, Information for VM Exits
	 * Due to Vectored Events): end it, unless it is the spurious vector,
	 * which is never in service (Vol. 3A, 11.9, Spurious Interrupt).  The
	 * kick's only purpose was to bring this CPU back to its run loop.
	 */
	if (apic_needs_eoi(e->intr_info & 0xff))
		apic_eoi();
	return EXIT_RESUME;
}

/*
 * A Linux partition's platform answers what our own guests may not do
 * (hv/vplat/): 0 when handled, -1 when the partition must stop after all.
 * VMX is not offered (CPUID hides it), so its instructions get #UD, as on
 * a processor without it; so do MONITOR and MWAIT.  RDPMC gets #GP (no
 * counters offered).  WBINVD and INVD do nothing: the partition's memory
 * is write-back and coherent, and no device of it caches anything.
 */
static int plat_exit(struct vcpu *v, const struct vmx_exit *e)
{
	switch (e->basic) {
	case RV_EXIT_RDMSR:
		return vplat_rdmsr(v, e);
	case RV_EXIT_WRMSR:
		return vplat_wrmsr(v, e);
	case RV_EXIT_IO_INSTRUCTION:
		return vplat_io(v, e);
	case RV_EXIT_HLT:
		return vplat_hlt(v, e);
	case RV_EXIT_XSETBV:
		return vplat_xsetbv(v, e);
	case RV_EXIT_CR_ACCESS:
		return vplat_cr_access(v, e);
	case RV_EXIT_MWAIT:
	case RV_EXIT_MONITOR:
	case RV_EXIT_GETSEC:
	case RV_EXIT_VMCLEAR:
	case RV_EXIT_VMLAUNCH:
	case RV_EXIT_VMPTRLD:
	case RV_EXIT_VMPTRST:
	case RV_EXIT_VMREAD:
	case RV_EXIT_VMRESUME:
	case RV_EXIT_VMWRITE:
	case RV_EXIT_VMXOFF:
	case RV_EXIT_VMXON:
	case RV_EXIT_INVEPT:
	case RV_EXIT_INVVPID:
	case RV_EXIT_VMFUNC:
		vplat_refuse(v, e, 6);
		return 0;
	case RV_EXIT_RDPMC:
		vplat_refuse(v, e, 13);
		return 0;
	case RV_EXIT_WBINVD:
	case RV_EXIT_INVD:
		vmx_skip_instruction(e);
		return 0;
	}
	return -1;
}

enum exit_action exit_guest_fault(struct vcpu *v, const struct vmx_exit *e)
{
	if (v->part->plat) {
		if (plat_exit(v, e) == 0)
			return EXIT_RESUME;
		vplat_flush(v); /* the guest's last words, before the stop line */
	}
	/* The management partition learns the qualification (for I/O: port
	 * and direction) or, for RDMSR and WRMSR, the MSR. */
	u64 info = e->basic == RV_EXIT_RDMSR || e->basic == RV_EXIT_WRMSR ? v->vmx.regs.rcx : e->qual;

	hv_printf("vCPU %u.%u: %s at rip %lx (qualification %lx)\n", v->part->id, v->index,
		  vmx_exit_name(e->basic), vmx_guest_rip(), e->qual);
	partition_fault(v, e->basic, info);
	return EXIT_STOP;
}

/*
 * The VMX-preemption timer only runs for a partition with a watchdog, and
 * vmx_run() arms it with what is left of the vCPU's budget: at 0 the vCPU
 * has gone that long without a hypercall (spinning, or stuck with
 * interrupts off, where no kick could reach it).  An expiry with budget
 * left is the timer's rounding to 2^rate ticks: run on.
 */
enum exit_action exit_watchdog(struct vcpu *v, const struct vmx_exit *e)
{
	if (v->vmx.timer_left)
		return EXIT_RESUME;
	hv_printf("vCPU %u.%u: watchdog: no hypercall in %lu ticks of guest time, at rip %lx\n",
		  v->part->id, v->index, v->watchdog, vmx_guest_rip());
	partition_fault(v, e->basic, v->watchdog);
	return EXIT_STOP;
}

enum exit_action exit_unexpected(struct vcpu *v, const struct vmx_exit *e)
{
	hv_printf("vCPU %u.%u: unexpected exit %u (%s)\n", v->part->id, v->index, e->basic,
		  vmx_exit_name(e->basic));
	partition_fault(v, e->basic, e->qual);
	return EXIT_STOP;
}

enum exit_action exit_entry_failure(struct vcpu *v, const struct vmx_exit *e)
{
	/* Vol. 3C, 27.8, VM-Entry Failures During or After Loading Guest State */
	hv_printf("VM entry failed for vCPU %u.%u: %s, qualification %lx\n", v->part->id,
		  v->index, vmx_exit_name(e->reason), e->qual);
	vmx_dump_guest_state();
	partition_fault(v, e->basic, e->qual);
	return EXIT_STOP;
}

/* Interrupt-window exiting is on only while a Linux vCPU has an
 * interrupt waiting (hv/vplat/vplat.c): the run loop injects it now. */
enum exit_action exit_interrupt_window(struct vcpu *v, const struct vmx_exit *e)
{
	return v->part->plat ? EXIT_RESUME : exit_unexpected(v, e);
}

enum exit_action exit_cpuid(struct vcpu *v, const struct vmx_exit *e)
{
	if (v->part->plat) {
		vplat_cpuid(v, e);
		return EXIT_RESUME;
	}
	struct guest_regs *r = &v->vmx.regs;
	u32 a, b, c, d, leaf = (u32)r->rax, sub = (u32)r->rcx;

	cpuid(leaf, sub, &a, &b, &c, &d);
	if (leaf == 1) {
		c &= ~(u32)BIT(5); /* no VMX for guests */
		c |= (u32)BIT(31); /* "running under a hypervisor" */
		/* OSXSAVE mirrors the guest's CR4.OSXSAVE, not ours (Vol. 2A, CPUID). */
		c = (c & ~(u32)BIT(27)) | (vmx_guest_cr4() & BIT(18) ? (u32)BIT(27) : 0);
	} else if (leaf == 7 && sub == 0) {
		/* OSPKE mirrors the guest's CR4.PKE. */
		c = (c & ~(u32)BIT(4)) | (vmx_guest_cr4() & BIT(22) ? (u32)BIT(4) : 0);
	} else if (leaf == 0x40000000) {
		a = 0x40000000;
		b = 0x676e6952; /* "Ring" */
		c = 0x6f736976; /* "viso" */
		d = 0x00565272; /* "rRV\0" */
	}
	r->rax = a, r->rbx = b, r->rcx = c, r->rdx = d;
	vmx_skip_instruction(e);
	return EXIT_RESUME;
}

enum exit_action exit_ept_misconfig(struct vcpu *v, const struct vmx_exit *e)
{
	/* We built every EPT entry: a misconfiguration is our bug. */
	panic("EPT misconfiguration at guest-physical %lx", e->gpa);
}
