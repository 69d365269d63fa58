// SPDX-License-Identifier: MIT
/*
 * VMX operation on one CPU: enter it (VMXON), set up a vCPU's VMCS, enter
 * the guest and decode the exit that ends it.  What to do about the exit
 * is the caller's business (hv/exits/run.c).
 */
#include "lib/lib.h"
#include "lib/x86.h"
#include "platform/console.h"
#include "platform/desc.h"
#include "platform/mm.h"
#include "platform/panic.h"
#include "platform/percpu.h"
#include "rv_exit_reasons.h" /* generated from exit_reasons.def */
#include "vmx/unswitched.h"
#include "vmx/vmcheck.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

int vmx_enter(struct guest_regs *regs, u64 launched); /* vmx_asm.asm */
void vmx_exit_entry(void);

/* Read once on the boot CPU; the same on every CPU of a machine. */
static u32 vmcs_revision;
static bool use_true_msrs;
static u32 preempt_rate; /* IA32_VMX_MISC[4:0]; written by CPU 0 before any guest runs */
static bool exit_saves_lma; /* IA32_VMX_MISC[5]; the same */
static bool has_pml;     /* the PML control and EPT A/D flags */
static u32 ept_huge;     /* largest EPT leaf level: 0 4 KiB, 1 2 MiB, 2 1 GiB */
static bool ept_nx_huge; /* huge EPT leaves non-executable (probe_itlb_multihit) */

u64 vmx_read(enum vmcs_field f)
{
	u64 v;
	asm volatile("vmread %1, %0" : "=rm"(v) : "r"((u64)f) : "cc");
	return v;
}

void vmx_write(enum vmcs_field f, u64 v)
{
	u8 fail;
	asm volatile("vmwrite %2, %1; setna %0" : "=q"(fail) : "r"((u64)f), "rm"(v) : "cc");
	if (fail)
		panic("VMWRITE of field %x failed: VM-instruction error %lu (%s)", f,
		      vmx_read(VM_INSTRUCTION_ERROR), vmx_insn_error_str(vmx_read(VM_INSTRUCTION_ERROR)));
}

static bool vmx_op(const char *insn, u64 pa)
{
	u8 fail;
	if (insn[4] == 'n') /* vmxon */
		asm volatile("vmxon %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	else if (insn[4] == 'l') /* vmclear */
		asm volatile("vmclear %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	else /* vmptrld */
		asm volatile("vmptrld %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

void vmx_invept_all(void)
{
	struct {
		u64 eptp, rsvd;
	} desc = { 0, 0 };
	/* Type 2: all-context (Vol. 3C, 31.3, VMX Instructions: INVEPT) */
	asm volatile("invept %0, %1" ::"m"(desc), "r"(2ull) : "cc", "memory");
}

/* A control's capability MSR: the TRUE one where the processor has it. */
static u64 ctl_cap(u32 msr, u32 true_msr)
{
	return rdmsr(use_true_msrs && true_msr ? true_msr : msr);
}

/* PML needs the control (Vol. 3D, A.3.3) and EPT A/D flags (A.10). */
static bool probe_pml(void)
{
	return (rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32 & PROC2_PML) &&
	       (rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) & BIT(21));
}

bool vmx_has_pml(void) { return has_pml; }

/* EPT 2 MiB / 1 GiB pages: IA32_VMX_EPT_VPID_CAP bits 16 and 17 (Vol. 3D,
 * A.10, VPID and EPT Capabilities).  1 GiB only with 2 MiB. */
static u32 probe_ept_huge(void)
{
	u64 cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);

	return !(cap & BIT(16)) ? 0 : (cap & BIT(17)) ? 2 : 1;
}

u32 vmx_ept_huge_level(void) { return ept_huge; }

/*
 * The iTLB-multihit erratum: a page-size change of an instruction page
 * without an invalidation between may raise a machine check.  Processors
 * that are not affected say so in IA32_ARCH_CAPABILITIES (MSR 10AH, which
 * CPUID.(EAX=07H,ECX=0):EDX[29] enumerates) bit 6, PSCHANGE_MC_NO (Vol. 4,
 * Table 2-2, IA-32 Architectural MSRs).  Without the MSR or the bit the
 * processor counts as affected, as Linux and KVM count it.
 */
static bool probe_itlb_multihit(void)
{
	u32 a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a < 7)
		return true;
	cpuid(7, 0, &a, &b, &c, &d);
	return !(d & BIT(29)) || !(rdmsr(MSR_IA32_ARCH_CAPABILITIES) & BIT(6));
}

bool vmx_ept_nx_huge(void)
{
	return ept_nx_huge;
}

bool vmx_exit_saves_lma(void) { return exit_saves_lma; }

bool vmx_has_preemption_timer(void)
{
	u64 cap = ctl_cap(MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS);

	return (cap >> 32) & PIN_PREEMPTION_TIMER; /* an allowed-1 setting */
}

/* Vol. 3D, A.3, VM-Execution Controls: bits that must be 0 / may be 1. */
static u32 adjust_controls(const char *what, u32 msr, u32 true_msr, u32 want)
{
	u64 cap = ctl_cap(msr, true_msr);
	u32 allowed0 = (u32)cap, allowed1 = (u32)(cap >> 32);
	u32 ctl = (want | allowed0) & allowed1;

	/* The loader refused a CPU without the required ones (boot/cpucheck.c). */
	if ((ctl & want) != want)
		panic("%s controls %x not supported (allowed-1 %x)", what, want, allowed1);
	return ctl;
}

/* CR0/CR4 bits fixed in VMX operation (Vol. 3D, A.7 and A.8). */
static u64 fix_cr(u64 v, u32 fixed0_msr, u32 fixed1_msr)
{
	return (v | rdmsr(fixed0_msr)) & rdmsr(fixed1_msr);
}

int vmx_cpu_init(void)
{
	struct percpu *c = this_cpu();
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	u32 a, b, cx, d;

	cpuid(1, 0, &a, &b, &cx, &d);
	if (!(cx & BIT(5))) {
		hv_printf("VMX is not available on this CPU\n");
		return -RV_ENOSYS;
	}
	/* The loader set and locked it on the boot CPU; APs need it too. */
	if (!(fc & 1))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | BIT(0) | BIT(2));
	else if (!(fc & BIT(2))) {
		hv_printf("VMX is disabled by firmware on this CPU (IA32_FEATURE_CONTROL=%lx)\n", fc);
		return -RV_EPERM;
	}
	u64 basic = rdmsr(MSR_IA32_VMX_BASIC);
	if (c->id == 0) {
		vmcs_revision = basic & 0x7fffffff;
		use_true_msrs = basic & BIT(55);
		/* The timer counts down once per 2^rate TSC ticks (Vol. 3D, A.6, Miscellaneous Data). */
		preempt_rate = rdmsr(MSR_IA32_VMX_MISC) & 0x1f;
		exit_saves_lma = rdmsr(MSR_IA32_VMX_MISC) & BIT(5);
		has_pml = probe_pml();
		ept_huge = probe_ept_huge();
		ept_nx_huge = ept_huge && probe_itlb_multihit();
		if (ept_nx_huge)
			hv_printf(
			    "vmx: no IA32_ARCH_CAPABILITIES.PSCHANGE_MC_NO (iTLB multihit): "
			    "huge EPT pages are not executable, a fetch splits one to 4 KiB\n");
		/* Optional features: the modes that need them say -RV_EOPNOTSUPP. */
		if (!has_pml)
			hv_printf("vmx: no PML with EPT A/D flags (IA32_VMX_PROCBASED_CTLS2 "
				  "bit 49, IA32_VMX_EPT_VPID_CAP bit 21): dirty rings with "
				  "RV_RING_PML fail with -EOPNOTSUPP\n");
		if (!vmx_has_preemption_timer())
			hv_printf("vmx: no VMX-preemption timer: RV_HC_PARTITION_WATCHDOG "
				  "fails with -EOPNOTSUPP\n");
	}
	int err = unswitched_cpu_init();
	if (err)
		return err;
	/* Vol. 3C, 24.7, Enabling and Entering VMX Operation */
	write_cr0(fix_cr(read_cr0(), MSR_IA32_VMX_CR0_FIXED0, MSR_IA32_VMX_CR0_FIXED1));
	write_cr4(fix_cr(read_cr4() | CR4_VMXE, MSR_IA32_VMX_CR4_FIXED0, MSR_IA32_VMX_CR4_FIXED1));
	c->vmxon_pa = mm_alloc(1);
	if (!c->vmxon_pa)
		return -RV_ENOMEM;
	*(u32 *)c->vmxon_pa = vmcs_revision;
	if (!vmx_op("vmxon", c->vmxon_pa)) {
		hv_printf("VMXON failed\n");
		return -RV_EINVAL;
	}
	vmx_invept_all();
	WRITE_ONCE(c->vmx_on, 1);
	return 0;
}

static void setup_controls(struct vmx_vcpu *v)
{
	vmx_write(PIN_BASED_CONTROLS,
		  adjust_controls("pin-based", MSR_IA32_VMX_PINBASED_CTLS,
				  MSR_IA32_VMX_TRUE_PINBASED_CTLS,
				  VMX_PIN_REQUIRED | (v->use_timer ? PIN_PREEMPTION_TIMER : 0)));
	/*
	 * DR7 and IA32_DEBUGCTL are the guest's own: loaded at entry and
	 * saved at exit (the debug-controls bits, which the TRUE capability
	 * MSRs let be 0).  DR0-DR3 and DR6 are not switched: unswitched.c.
	 *
	 * No MSR bitmaps: every RDMSR/WRMSR exits (Vol. 3C, 26.1.3).  What a
	 * workload has no business doing exits too and stops it: HLT, I/O,
	 * MWAIT and MONITOR (a CPU parked where no kick is needed to wake it),
	 * RDPMC (performance counters: what other partitions did), WBINVD
	 * (a cache flush that every CPU pays for) and MOV to or from CR8.
	 * Without CR8 exiting a guest's MOV to CR8 writes the local APIC's
	 * real task priority (Vol. 3A, 11.8.6, Task Priority in IA-32e
	 * Mode): a guest that raised it would hold back every kick to its
	 * CPU, and the hypervisor and the next partition there would inherit
	 * it.  With it, the TPR stays the host's (0) while a guest runs.
	 */
	vmx_write(PROC_BASED_CONTROLS,
		  adjust_controls("processor-based", MSR_IA32_VMX_PROCBASED_CTLS,
				  MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
				  VMX_PROC_REQUIRED));
	vmx_write(PROC_BASED_CONTROLS2,
		  adjust_controls("secondary", MSR_IA32_VMX_PROCBASED_CTLS2, 0,
				  VMX_PROC2_REQUIRED | (v->pml_hpa ? PROC2_PML : 0)));
	if (v->pml_hpa) { /* Vol. 3C, 25.6.18, Page-Modification Logging */
		vmx_write(PML_ADDRESS, v->pml_hpa);
		vmx_write(GUEST_PML_INDEX, 511);
	}
	vmx_write(EXIT_CONTROLS,
		  adjust_controls("VM-exit", MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS,
				  VMX_EXIT_REQUIRED));
	vmx_write(ENTRY_CONTROLS,
		  adjust_controls("VM-entry", MSR_IA32_VMX_ENTRY_CTLS,
				  MSR_IA32_VMX_TRUE_ENTRY_CTLS,
				  VMX_ENTRY_REQUIRED));
	vmx_write(EXCEPTION_BITMAP, 0);
	vmx_write(PAGE_FAULT_MASK, 0);
	vmx_write(PAGE_FAULT_MATCH, 0);
	vmx_write(CR3_TARGET_COUNT, 0);
	vmx_write(EXIT_MSR_STORE_COUNT, 0);
	vmx_write(EXIT_MSR_LOAD_COUNT, 0);
	vmx_write(ENTRY_MSR_LOAD_COUNT, 0);
	vmx_write(ENTRY_INTR_INFO, 0);
	/* The guest may not see or clear CR4.VMXE, which VMX operation needs. */
	vmx_write(CR0_GUEST_HOST_MASK, 0);
	vmx_write(CR4_GUEST_HOST_MASK, CR4_VMXE);
	vmx_write(CR4_READ_SHADOW, CR4_PAE);
	vmx_write(VMCS_LINK_POINTER, ~0ull);
	vmx_write(VMCS_VPID, v->vpid);
	vmx_write(EPT_POINTER, v->eptp);
}

static void setup_host_state(void)
{
	struct percpu *c = this_cpu();

	/* Vol. 3C, 25.5, Host-State Area */
	vmx_write(HOST_CR0, read_cr0());
	vmx_write(HOST_CR3, read_cr3());
	vmx_write(HOST_CR4, read_cr4());
	vmx_write(HOST_CS_SEL, HV_CS);
	vmx_write(HOST_SS_SEL, HV_DS);
	vmx_write(HOST_DS_SEL, HV_DS);
	vmx_write(HOST_ES_SEL, HV_DS);
	vmx_write(HOST_FS_SEL, 0);
	vmx_write(HOST_GS_SEL, 0);
	vmx_write(HOST_TR_SEL, HV_TSS);
	vmx_write(HOST_FS_BASE, 0);
	vmx_write(HOST_GS_BASE, (u64)c);
	vmx_write(HOST_TR_BASE, (u64)&c->tss);
	vmx_write(HOST_GDTR_BASE, (u64)c->gdt);
	vmx_write(HOST_IDTR_BASE, desc_idt_base());
	vmx_write(HOST_SYSENTER_CS, 0);
	vmx_write(HOST_SYSENTER_ESP, 0);
	vmx_write(HOST_SYSENTER_EIP, 0);
	vmx_write(HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	vmx_write(HOST_RIP, (u64)vmx_exit_entry);
}

static void setup_segment(enum vmcs_field sel, u16 s, u32 ar)
{
	/* Selector, limit, AR and base fields are spaced alike per segment. */
	u32 i = (sel - GUEST_ES_SEL) / 2;
	vmx_write(sel, s);
	vmx_write(GUEST_ES_LIMIT + 2 * i, 0xffffffff);
	vmx_write(GUEST_ES_AR + 2 * i, ar);
	vmx_write(GUEST_ES_BASE + 2 * i, 0);
}

static void setup_guest_state(struct vmx_vcpu *v)
{
	const struct vmx_boot *b = &v->boot;

	/* Vol. 3C, 25.4, Guest-State Area; checked per 27.3.1, Checks on the Guest State Area */
	vmx_write(GUEST_CR0, fix_cr(CR0_PE | CR0_ET | CR0_NE | CR0_PG, MSR_IA32_VMX_CR0_FIXED0,
				    MSR_IA32_VMX_CR0_FIXED1));
	vmx_write(GUEST_CR3, b->cr3);
	vmx_write(GUEST_CR4, fix_cr(CR4_PAE, MSR_IA32_VMX_CR4_FIXED0, MSR_IA32_VMX_CR4_FIXED1));
	vmx_write(GUEST_IA32_EFER, EFER_LME | EFER_LMA);
	vmx_write(GUEST_DR7, 0x400);
	vmx_write(GUEST_IA32_DEBUGCTL, 0);
	u16 cs = b->cs ? b->cs : 0x08, ds = b->ds ? b->ds : 0x10;

	setup_segment(GUEST_CS_SEL, cs, 0xa09b); /* 64-bit code, accessed */
	setup_segment(GUEST_SS_SEL, ds, 0xc093);
	setup_segment(GUEST_DS_SEL, ds, 0xc093);
	setup_segment(GUEST_ES_SEL, ds, 0xc093);
	setup_segment(GUEST_FS_SEL, ds, 0xc093);
	setup_segment(GUEST_GS_SEL, ds, 0xc093);
	vmx_write(GUEST_LDTR_SEL, 0);
	vmx_write(GUEST_LDTR_LIMIT, 0);
	vmx_write(GUEST_LDTR_AR, BIT(16)); /* unusable */
	vmx_write(GUEST_LDTR_BASE, 0);
	vmx_write(GUEST_TR_SEL, b->tr ? b->tr : 0x18);
	vmx_write(GUEST_TR_LIMIT, 0x67);
	vmx_write(GUEST_TR_AR, 0x8b); /* busy 64-bit TSS, present */
	vmx_write(GUEST_TR_BASE, b->tr_base);
	vmx_write(GUEST_GDTR_BASE, b->gdtr_base);
	vmx_write(GUEST_GDTR_LIMIT, b->gdtr_limit);
	vmx_write(GUEST_IDTR_BASE, 0);
	vmx_write(GUEST_IDTR_LIMIT, 0); /* no IDT: any exception ends in a triple fault */
	vmx_write(GUEST_RIP, b->rip);
	vmx_write(GUEST_RSP, b->rsp);
	/*
	 * IF=1.  The guest never sees an interrupt (external-interrupt
	 * exiting sends every one to us), so IF only matters to the
	 * emulator: Bochs 2.7 re-evaluates pending interrupts when IF
	 * changes, and with IF=0 in host and guest alike a kick that became
	 * pending in the host never forced the exit it was sent for.
	 */
	vmx_write(GUEST_RFLAGS, b->irq_off ? 0x2 : 0x202);
	vmx_write(GUEST_INTERRUPTIBILITY, 0);
	vmx_write(GUEST_ACTIVITY_STATE, 0);
	vmx_write(GUEST_PENDING_DBG, 0);
	vmx_write(GUEST_SYSENTER_CS, 0);
	vmx_write(GUEST_SYSENTER_ESP, 0);
	vmx_write(GUEST_SYSENTER_EIP, 0);
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rdi = b->rdi;
	v->regs.rsi = b->rsi;
}

/* Segment register fields, in enum rv_seg order. */
static const enum vmcs_field seg_sel[RV_NR_SEGS] = {
	GUEST_ES_SEL, GUEST_CS_SEL, GUEST_SS_SEL, GUEST_DS_SEL,
	GUEST_FS_SEL, GUEST_GS_SEL, GUEST_LDTR_SEL, GUEST_TR_SEL,
};

/* Our guest_regs order -> the instruction-encoding order of rv_vcpu_state. */
static u64 *gpr_slot(struct guest_regs *r, int i)
{
	u64 *map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, NULL, &r->rbp, &r->rsi, &r->rdi,
			 &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15 };
	return map[i];
}

void vmx_save_state(struct vmx_vcpu *v, struct rv_vcpu_state *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < 16; i++)
		s->gpr[i] = i == 4 ? vmx_read(GUEST_RSP) : *gpr_slot(&v->regs, i);
	s->rip = vmx_read(GUEST_RIP);
	s->rflags = vmx_read(GUEST_RFLAGS);
	s->cr0 = vmx_read(GUEST_CR0);
	s->cr3 = vmx_read(GUEST_CR3);
	/* The guest's CR4, but VMXE as the guest believes it (the shadow). */
	s->cr4 = (vmx_read(GUEST_CR4) & ~CR4_VMXE) | (vmx_read(CR4_READ_SHADOW) & CR4_VMXE);
	s->efer = vmx_read(GUEST_IA32_EFER);
	s->dr7 = vmx_read(GUEST_DR7);
	for (int i = 0; i < RV_NR_SEGS; i++) {
		u32 k = (seg_sel[i] - GUEST_ES_SEL) / 2;
		s->seg[i].sel = (u16)vmx_read(seg_sel[i]);
		s->seg[i].base = vmx_read(GUEST_ES_BASE + 2 * k);
		s->seg[i].limit = (u32)vmx_read(GUEST_ES_LIMIT + 2 * k);
		s->seg[i].ar = (u32)vmx_read(GUEST_ES_AR + 2 * k);
	}
	s->gdtr_base = vmx_read(GUEST_GDTR_BASE);
	s->gdtr_limit = (u32)vmx_read(GUEST_GDTR_LIMIT);
	s->idtr_base = vmx_read(GUEST_IDTR_BASE);
	s->idtr_limit = (u32)vmx_read(GUEST_IDTR_LIMIT);
	s->interruptibility = (u32)vmx_read(GUEST_INTERRUPTIBILITY);
	s->activity = (u32)vmx_read(GUEST_ACTIVITY_STATE);
	s->pending_dbg = vmx_read(GUEST_PENDING_DBG);
	/* An event vmx_reinject left for the next entry goes with the state. */
	s->event_info = (u32)vmx_read(ENTRY_INTR_INFO);
	if (s->event_info & BIT(31)) {
		s->event_error = (u32)vmx_read(ENTRY_EXCEPTION_ERROR);
		s->event_insn_len = (u32)vmx_read(ENTRY_INSTR_LEN);
	} else {
		s->event_info = 0;
	}
	/* 1.6: SYSENTER's MSRs, loaded by every entry (Vol. 3C, 25.4.1, Guest Register State). */
	s->sysenter_cs = vmx_read(GUEST_SYSENTER_CS);
	s->sysenter_esp = vmx_read(GUEST_SYSENTER_ESP);
	s->sysenter_eip = vmx_read(GUEST_SYSENTER_EIP);
	unswitched_save(v, s);
}

/*
 * The event a state carries must pass VM entry's checks on event injection
 * (Vol. 3C, 27.2.1.3, Checks on VM-Entry Control Fields), or the entry
 * would fail with VMfail, which only our own bugs may cause.  These are
 * the checks for the events vmx_reinject can leave pending.
 */
static int check_event(const struct rv_vcpu_state *s)
{
	u32 info = s->event_info, type = (info >> 8) & 7, vec = info & 0xff;
	/* Hardware exceptions that push an error code in protected mode: for
	 * these the flag must be 1, for every other event 0 (27.2.1.3, as it
	 * reads where IA32_VMX_BASIC[56] is 0; we ask it of every CPU). */
	bool want_error = type == 3 && (s->cr0 & CR0_PE) && x86_exc_has_error(vec);

	if (!(info & BIT(31)))
		return info || s->event_error || s->event_insn_len ? -RV_EINVAL : 0;
	if (info & 0x7ffff000u) /* reserved bits 30:12 */
		return -RV_EINVAL;
	switch (type) {
	case 0: /* external interrupt */
		break;
	case 3: /* hardware exception */
		if (vec > 31)
			return -RV_EINVAL;
		break;
	case 4: case 5: case 6: /* software interrupt, privileged/other software exception */
		if (s->event_insn_len < 1 || s->event_insn_len > 15)
			return -RV_EINVAL;
		break;
	default:
		/* 2 (NMI): our guests never take one, and an injected NMI would
		 * leave blocking by NMI for as long as the guest runs, holding
		 * back every kick NMI (docs/03); vmx_reinject never leaves one.
		 * 1 and 7: reserved, or need controls we do not use. */
		return -RV_EINVAL;
	}
	if (!!(info & BIT(11)) != want_error || (s->event_error & 0xffff0000u))
		return -RV_EINVAL;
	return 0;
}

/* RTM (CPUID.(EAX=07H,ECX=0):EBX[11]), which a pending RTM debug exception needs. */
static bool cpu_has_rtm(void)
{
	u32 a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a < 7)
		return false;
	cpuid(7, 0, &a, &b, &c, &d);
	return b & BIT(11);
}

/*
 * Blocking and pending debug exceptions as vmx_load_state loads them
 * (interruptibility bits 2:0; pending B0-B3, enabled breakpoint, BS, RTM;
 * activity always active), checked as VM entry would (Vol. 3C, 27.3.1.5,
 * Checks on Guest Non-Register State): the entry would fail otherwise.
 * IA32_DEBUGCTL.BTF is never set in a Ringvisor guest (vmx_plat.c refuses
 * it), so BS must say what TF says while STI or MOV SS blocks.
 */
static int check_blocking(const struct rv_vcpu_state *s)
{
	u32 intr = s->interruptibility & 7, type = (s->event_info >> 8) & 7;
	u64 dbg = s->pending_dbg & 0x1500f;
	bool sti = intr & 1, movss = intr & 2, shadow = sti || movss;

	if (intr & 4) /* blocking by SMI: only in SMM */
		return -RV_EINVAL;
	if ((sti && movss) || (sti && !(s->rflags & RFLAGS_IF)))
		return -RV_EINVAL;
	if (shadow && (s->event_info & BIT(31)) && type == 0) /* an external interrupt */
		return -RV_EINVAL;
	if (shadow && !!(dbg & BIT(14)) != !!(s->rflags & RFLAGS_TF))
		return -RV_EINVAL;
	if ((dbg & BIT(16)) && ((dbg & 0xffff) != BIT(12) || movss || !cpu_has_rtm()))
		return -RV_EINVAL;
	return 0;
}

int vmx_check_state(const struct rv_vcpu_state *s, bool own_xcr0)
{
	int err = check_event(s);

	if (!err)
		err = check_blocking(s);

	/*
	 * 32-bit PAE paging under EPT takes its four PDPTEs from the VMCS at
	 * VM entry (Vol. 3C, 27.3.2.4, Loading Page-Directory-Pointer-Table
	 * Entries); the state has no room for them and we do not read them
	 * from guest memory, so such a state is refused rather than run with
	 * stale ones.
	 */
	if (!err && (s->cr0 & CR0_PG) && (s->cr4 & CR4_PAE) && !(s->efer & EFER_LMA))
		err = -RV_EINVAL;
	if (!err && (s->dr7 >> 32)) /* DR7[63:32] must be 0 (27.3.1.1) */
		err = -RV_EINVAL;
	/* IA32_SYSENTER_ESP and _EIP canonical (27.3.1.1); CS is 32 bits. */
	if (!err && (!x86_canonical(s->sysenter_esp) || !x86_canonical(s->sysenter_eip) ||
		     s->sysenter_cs >> 32))
		err = -RV_EINVAL;
	return err ? err : unswitched_check(s, own_xcr0);
}

/*
 * CR0 as given, with the bits VMX operation fixes, except PE and PG:
 * with unrestricted guest (always on here) they may be 0 (Vol. 3C,
 * 27.3.1.1, Checks on Guest Control Registers, Debug Registers, and MSRs;
 * Vol. 3D, A.7, VMX-Fixed Bits in CR0).
 */
static u64 guest_cr0(u64 cr0)
{
	u64 fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG);

	return (cr0 | fixed0) & rdmsr(MSR_IA32_VMX_CR0_FIXED1);
}

/*
 * Load a saved state.  Whatever the caller gave, the checks of Vol. 3C,
 * 27.3.1, Checks on the Guest State Area, apply at VM entry: a state that
 * fails them is an entry failure, which stops only this partition.
 */
void vmx_load_state(struct vmx_vcpu *v, const struct rv_vcpu_state *s)
{
	for (int i = 0; i < 16; i++)
		if (i != 4)
			*gpr_slot(&v->regs, i) = s->gpr[i];
	vmx_write(GUEST_RSP, s->gpr[4]);
	vmx_write(GUEST_RIP, s->rip);
	vmx_write(GUEST_RFLAGS, s->rflags | 2);
	vmx_write(GUEST_CR0, guest_cr0(s->cr0));
	vmx_write(GUEST_CR3, s->cr3);
	vmx_write(CR4_READ_SHADOW, s->cr4 & ~CR4_VMXE);
	vmx_write(GUEST_CR4, fix_cr(s->cr4, MSR_IA32_VMX_CR4_FIXED0, MSR_IA32_VMX_CR4_FIXED1));
	vmx_write(GUEST_DR7, s->dr7);
	for (int i = 0; i < RV_NR_SEGS; i++) {
		u32 k = (seg_sel[i] - GUEST_ES_SEL) / 2;
		vmx_write(seg_sel[i], s->seg[i].sel);
		vmx_write(GUEST_ES_BASE + 2 * k, s->seg[i].base);
		vmx_write(GUEST_ES_LIMIT + 2 * k, s->seg[i].limit);
		vmx_write(GUEST_ES_AR + 2 * k, s->seg[i].ar);
	}
	vmx_write(GUEST_GDTR_BASE, s->gdtr_base);
	vmx_write(GUEST_GDTR_LIMIT, s->gdtr_limit & 0xffff);
	vmx_write(GUEST_IDTR_BASE, s->idtr_base);
	vmx_write(GUEST_IDTR_LIMIT, s->idtr_limit & 0xffff);
	/* STI and MOV-SS blocking and SMI blocking; never blocking by NMI,
	 * which with NMI exiting would last as long as the guest runs and
	 * hold back every kick NMI (Vol. 3C, 27.3.2.5; docs/03). */
	vmx_write(GUEST_INTERRUPTIBILITY, s->interruptibility & 0x7);
	vmx_write(GUEST_ACTIVITY_STATE, 0); /* active: HLT and the rest stop the partition */
	/* B0-B3, enabled breakpoint, BS, RTM; the rest is reserved (Vol. 3C, 25.4.2). */
	vmx_write(GUEST_PENDING_DBG, s->pending_dbg & 0x1500f);
	/* Checked by vmx_check_state when the state was given. */
	vmx_write(ENTRY_INTR_INFO, s->event_info);
	if (s->event_info & BIT(31)) {
		vmx_write(ENTRY_EXCEPTION_ERROR, s->event_error);
		vmx_write(ENTRY_INSTR_LEN, s->event_insn_len);
	}
	vmx_write(GUEST_IA32_EFER, s->efer);
	vmx_write(GUEST_SYSENTER_CS, s->sysenter_cs);
	vmx_write(GUEST_SYSENTER_ESP, s->sysenter_esp);
	vmx_write(GUEST_SYSENTER_EIP, s->sysenter_eip);
	/*
	 * IA-32e mode guest follows EFER.LMA (Vol. 3C, 27.3.1.1): 0 with
	 * paging off, where LMA must be 0 too; a state that says otherwise
	 * fails VM entry.
	 */
	u64 entry = vmx_read(ENTRY_CONTROLS);
	vmx_write(ENTRY_CONTROLS, s->efer & EFER_LMA ? entry | ENTRY_IA32E_GUEST
						     : entry & ~ENTRY_IA32E_GUEST);
	unswitched_load(v, s);
}


#if RV_ASSERTS
/*
 * The VMCS checker's snapshot of the current VMCS, with the capabilities
 * it is checked against.  Fields a control makes meaningless are read only
 * when the control is on (the processor may not have them at all).
 */
static void vmcheck_read(struct vmcs_image *m)
{
	struct vmcheck_caps *cp = &m->caps;
	u32 a, b, c, d;

	memset(m, 0, sizeof(*m));
	cp->pin = ctl_cap(MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS);
	cp->proc = ctl_cap(MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
	cp->proc2 = ctl_cap(MSR_IA32_VMX_PROCBASED_CTLS2, 0);
	cp->exit = ctl_cap(MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS);
	cp->entry = ctl_cap(MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	cp->basic = rdmsr(MSR_IA32_VMX_BASIC);
	cp->misc = rdmsr(MSR_IA32_VMX_MISC);
	cp->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	cp->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	cp->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	cp->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	cp->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	cpuid(0x80000008, 0, &a, &b, &c, &d);
	cp->maxphyaddr = (u8)a;
	cp->linear_width = (u8)(a >> 8);
	m->cpu_efer = rdmsr(MSR_IA32_EFER);

	m->pin = (u32)vmx_read(PIN_BASED_CONTROLS);
	m->proc = (u32)vmx_read(PROC_BASED_CONTROLS);
	m->proc2 = m->proc & PROC_SECONDARY ? (u32)vmx_read(PROC_BASED_CONTROLS2) : 0;
	m->exit = (u32)vmx_read(EXIT_CONTROLS);
	m->entry = (u32)vmx_read(ENTRY_CONTROLS);
	m->cr3_target_count = (u32)vmx_read(CR3_TARGET_COUNT);
	m->io_bitmap_a = vmx_read(IO_BITMAP_A);
	m->io_bitmap_b = vmx_read(IO_BITMAP_B);
	m->msr_bitmap = vmx_read(MSR_BITMAP);
	if (m->proc2 & PROC2_VPID)
		m->vpid = (u16)vmx_read(VMCS_VPID);
	if (m->proc2 & PROC2_EPT)
		m->eptp = vmx_read(EPT_POINTER);
	if (m->proc2 & PROC2_PML)
		m->pml_address = vmx_read(PML_ADDRESS);
	m->exit_msr_store_count = (u32)vmx_read(EXIT_MSR_STORE_COUNT);
	m->exit_msr_load_count = (u32)vmx_read(EXIT_MSR_LOAD_COUNT);
	m->entry_msr_load_count = (u32)vmx_read(ENTRY_MSR_LOAD_COUNT);
	m->exit_msr_store_addr = vmx_read(EXIT_MSR_STORE_ADDR);
	m->exit_msr_load_addr = vmx_read(EXIT_MSR_LOAD_ADDR);
	m->entry_msr_load_addr = vmx_read(ENTRY_MSR_LOAD_ADDR);
	m->entry_intr_info = (u32)vmx_read(ENTRY_INTR_INFO);
	m->entry_exception_error = (u32)vmx_read(ENTRY_EXCEPTION_ERROR);
	m->entry_instr_len = (u32)vmx_read(ENTRY_INSTR_LEN);

	m->host_cr0 = vmx_read(HOST_CR0);
	m->host_cr3 = vmx_read(HOST_CR3);
	m->host_cr4 = vmx_read(HOST_CR4);
	m->host_sel[VC_ES] = (u16)vmx_read(HOST_ES_SEL);
	m->host_sel[VC_CS] = (u16)vmx_read(HOST_CS_SEL);
	m->host_sel[VC_SS] = (u16)vmx_read(HOST_SS_SEL);
	m->host_sel[VC_DS] = (u16)vmx_read(HOST_DS_SEL);
	m->host_sel[VC_FS] = (u16)vmx_read(HOST_FS_SEL);
	m->host_sel[VC_GS] = (u16)vmx_read(HOST_GS_SEL);
	m->host_sel[VC_TR] = (u16)vmx_read(HOST_TR_SEL);
	m->host_fs_base = vmx_read(HOST_FS_BASE);
	m->host_gs_base = vmx_read(HOST_GS_BASE);
	m->host_tr_base = vmx_read(HOST_TR_BASE);
	m->host_gdtr_base = vmx_read(HOST_GDTR_BASE);
	m->host_idtr_base = vmx_read(HOST_IDTR_BASE);
	m->host_sysenter_esp = vmx_read(HOST_SYSENTER_ESP);
	m->host_sysenter_eip = vmx_read(HOST_SYSENTER_EIP);
	m->host_rip = vmx_read(HOST_RIP);
	if (m->exit & EXIT_LOAD_EFER)
		m->host_efer = vmx_read(HOST_IA32_EFER);
	if (m->exit & EXIT_LOAD_PAT)
		m->host_pat = vmx_read(HOST_IA32_PAT);

	m->guest_cr0 = vmx_read(GUEST_CR0);
	m->guest_cr3 = vmx_read(GUEST_CR3);
	m->guest_cr4 = vmx_read(GUEST_CR4);
	m->guest_dr7 = vmx_read(GUEST_DR7);
	m->guest_debugctl = vmx_read(GUEST_IA32_DEBUGCTL);
	m->guest_sysenter_esp = vmx_read(GUEST_SYSENTER_ESP);
	m->guest_sysenter_eip = vmx_read(GUEST_SYSENTER_EIP);
	if (m->entry & ENTRY_LOAD_EFER)
		m->guest_efer = vmx_read(GUEST_IA32_EFER);
	if (m->entry & ENTRY_LOAD_PAT)
		m->guest_pat = vmx_read(GUEST_IA32_PAT);
	for (int i = 0; i < RV_NR_SEGS; i++) { /* enum rv_seg order = enum vmcheck_seg_idx */
		u32 k = (seg_sel[i] - GUEST_ES_SEL) / 2;
		m->seg[i].sel = (u16)vmx_read(seg_sel[i]);
		m->seg[i].base = vmx_read(GUEST_ES_BASE + 2 * k);
		m->seg[i].limit = (u32)vmx_read(GUEST_ES_LIMIT + 2 * k);
		m->seg[i].ar = (u32)vmx_read(GUEST_ES_AR + 2 * k);
	}
	m->gdtr_base = vmx_read(GUEST_GDTR_BASE);
	m->gdtr_limit = (u32)vmx_read(GUEST_GDTR_LIMIT);
	m->idtr_base = vmx_read(GUEST_IDTR_BASE);
	m->idtr_limit = (u32)vmx_read(GUEST_IDTR_LIMIT);
	m->rip = vmx_read(GUEST_RIP);
	m->rflags = vmx_read(GUEST_RFLAGS);
	m->activity = (u32)vmx_read(GUEST_ACTIVITY_STATE);
	m->interruptibility = (u32)vmx_read(GUEST_INTERRUPTIBILITY);
	m->pending_dbg = vmx_read(GUEST_PENDING_DBG);
	m->link_pointer = vmx_read(VMCS_LINK_POINTER);
	/* PAE paging under EPT: the PDPTEs come from the VMCS (Vol. 3C, 27.3.1.6). */
	if ((m->guest_cr0 & CR0_PG) && (m->guest_cr4 & CR4_PAE) && !(m->entry & ENTRY_IA32E_GUEST) &&
	    (m->proc2 & PROC2_EPT))
		for (int i = 0; i < 4; i++)
			m->pdpte[i] = vmx_read(GUEST_PDPTE0 + 2 * i);
}

#define VMCHECK_SHOWN 8 /* failures printed; the count says how many more */

static const char *const vmcheck_areas[] = {
	[VMCHECK_CONTROLS] = "control",
	[VMCHECK_HOST] = "host-state",
	[VMCHECK_GUEST] = "guest-state",
};

static void vmcheck_print(const struct vmcheck_fail *f)
{
	const char *const *n = f->value_name;
	const u64 *v = f->value;

	/* One hv_printf per line: lines from other CPUs do not cut into it. */
	if (f->nr_values == 1)
		hv_printf("vmcheck: %s check %s failed (%s): %s=0x%lx\n", vmcheck_areas[f->area],
			  f->name, f->sdm, n[0], v[0]);
	else if (f->nr_values == 2)
		hv_printf("vmcheck: %s check %s failed (%s): %s=0x%lx %s=0x%lx\n",
			  vmcheck_areas[f->area], f->name, f->sdm, n[0], v[0], n[1], v[1]);
	else
		hv_printf("vmcheck: %s check %s failed (%s): %s=0x%lx %s=0x%lx %s=0x%lx\n",
			  vmcheck_areas[f->area], f->name, f->sdm, n[0], v[0], n[1], v[1], n[2],
			  v[2]);
}

/* Check the current VMCS and print what failed (vmcs.h). */
u32 vmx_check_current(const char **first)
{
	struct vmcs_image m;
	struct vmcheck_fail f[VMCHECK_SHOWN];

	vmcheck_read(&m);
	u32 n = vmcheck(&m, f, VMCHECK_SHOWN);
	*first = n ? f[0].name : "";
	for (u32 i = 0; i < MIN(n, VMCHECK_SHOWN); i++)
		vmcheck_print(&f[i]);
	if (n > VMCHECK_SHOWN)
		hv_printf("vmcheck: and %u more failed checks\n", n - VMCHECK_SHOWN);
	return n;
}

/*
 * At a set-up point (the VMCS filled in, before the first entry): the
 * controls and the host state are ours, and so is the guest state unless
 * it came from RV_HC_VCPU_SET_STATE.  A check of ours that fails is a
 * hypervisor bug; one the caller's state fails is printed, and the entry
 * then fails with exit reason 33, which stops only that partition.
 * Controls and host-state checks come first, so the first failure says
 * whose fault it is.
 */
static void vmcheck_set_up(const struct vmx_vcpu *v)
{
	struct vmcs_image m;
	struct vmcheck_fail f;

	vmcheck_read(&m);
	if (!vmcheck(&m, &f, 1))
		return;
	const char *first;
	u32 n = vmx_check_current(&first);
	if (f.area != VMCHECK_GUEST || !v->has_init_state)
		panic("VMCS check %s failed (%s)", f.name, f.sdm);
	hv_printf("vmcheck: the state from VCPU_SET_STATE fails %u VM-entry check(s): the entry "
		  "will fail\n",
		  n);
}
#endif

void vmx_vcpu_load(struct vmx_vcpu *v)
{
	if (!v->vmcs_pa) {
		v->vmcs_pa = mm_alloc(1);
		if (!v->vmcs_pa)
			panic("out of memory for a VMCS");
		*(u32 *)v->vmcs_pa = vmcs_revision;
		if (!vmx_op("vmclear", v->vmcs_pa))
			panic("VMCLEAR failed");
	}
	if (!vmx_op("vmptrld", v->vmcs_pa))
		panic("VMPTRLD failed: error %lu", vmx_read(VM_INSTRUCTION_ERROR));
	setup_controls(v);
	setup_host_state();
	setup_guest_state(v);
	/* Before the first entry: the vCPU's own x87/SSE/AVX, CR2, DRs, KERNEL_GS_BASE. */
	if (v->has_init_state)
		vmx_load_state(v, &v->init_state);
	else
		unswitched_load(v, NULL);
#if RV_ASSERTS
	vmcheck_set_up(v); /* here only: never on the exit path */
#endif
	/* VPIDs and EPT roots get reused: drop whatever this CPU cached. */
	vmx_invept_all();
	v->launched = false;
	v->loaded = true;
}

void vmx_vcpu_unload(struct vmx_vcpu *v)
{
	if (!v->loaded)
		return;
	if (!vmx_op("vmclear", v->vmcs_pa))
		panic("VMCLEAR failed");
	unswitched_scrub();
	v->loaded = false;
}

int vmx_vcpu_alloc(struct vmx_vcpu *v)
{
	return unswitched_alloc(v);
}

void vmx_vcpu_free(struct vmx_vcpu *v)
{
	if (v->vmcs_pa)
		mm_free(v->vmcs_pa, 1);
	v->vmcs_pa = 0;
	unswitched_free(v);
}

void vmx_skip_instruction(const struct vmx_exit *e)
{
	vmx_skip_len(e->insn_len);
}

void vmx_skip_len(u32 len)
{
	u64 intr = vmx_read(GUEST_INTERRUPTIBILITY);

	vmx_write(GUEST_RIP, vmx_read(GUEST_RIP) + len);
	/*
	 * The instruction has completed, so the STI or MOV-SS shadow it sat
	 * in is over (Vol. 3C, 25.4.2, Guest Non-Register State): "STI; HLT"
	 * must take its wake-up interrupt right after the HLT.
	 */
	if (intr & 3)
		vmx_write(GUEST_INTERRUPTIBILITY, intr & ~3ull);
}

u64 vmx_guest_rip(void) { return vmx_read(GUEST_RIP); }

/* CPL is SS.DPL (Vol. 3C, 25.4.1, Guest Register State). */
u32 vmx_guest_cpl(void) { return (vmx_read(GUEST_SS_AR) >> 5) & 3; }

/*
 * An exit that happened while the processor was delivering an event
 * (IDT-vectoring information valid, Vol. 3C, 28.2.4, Information for VM
 * Exits That Occur During Event Delivery) ends that delivery: nothing of it
 * happened, and for a trap (a single-step #DB, an external interrupt) the
 * instruction that raised it has already retired, so entering again would
 * lose the event.  Inject it again with the next entry, as it was: type,
 * vector, error code, and for software interrupts and exceptions the
 * instruction length (Vol. 3C, 27.6, Event Injection; 25.8.3, VM-Entry
 * Controls for Event Injection).  The processor clears the injection
 * field's valid bit at every VM exit, so it is set for one entry only.
 * Returns true if an event was pending.
 */
bool vmx_reinject(const struct vmx_exit *e)
{
	u32 info = e->idt_vec_info;
	u32 type = (info >> 8) & 7;

	if (!(info & BIT(31)))
		return false;
	vmx_write(ENTRY_INTR_INFO, vmx_reinject_info(info));
	if (info & BIT(11))
		vmx_write(ENTRY_EXCEPTION_ERROR, e->idt_vec_error);
	if (type == 4 || type == 5 || type == 6) /* software interrupt or exception */
		vmx_write(ENTRY_INSTR_LEN, e->insn_len);
	return true;
}

/*
 * With NMI exiting and without virtual NMIs, blocking by NMI in the guest
 * state "remains in effect as long as the logical processor is in VMX
 * non-root operation" (Vol. 3C, 27.6.1, Interruptibility State): if the
 * state saved at an NMI exit has it (Bochs 2.7 saves it so), every later
 * NMI kick would be held back while this guest runs.  Our guests never
 * take an NMI, so no NMI of theirs is in service: clear it.
 */
bool vmx_nmi_exit_fixup(void)
{
	u64 intr = vmx_read(GUEST_INTERRUPTIBILITY);
	static u32 seen;

	if (!(intr & BIT(3)))
		return false;
	if (!seen++) /* once, so a reader of the log knows it happens */
		hv_printf("NMI exit: guest interruptibility %lx has blocking by NMI; cleared\n", intr);
	vmx_write(GUEST_INTERRUPTIBILITY, intr & ~BIT(3));
	return true;
}

u64 vmx_guest_cr4(void)
{
	return (vmx_read(GUEST_CR4) & ~CR4_VMXE) | (vmx_read(CR4_READ_SHADOW) & CR4_VMXE);
}

u16 vmx_pml_index(void) { return (u16)vmx_read(GUEST_PML_INDEX); }

void vmx_set_pml_index(u16 idx) { vmx_write(GUEST_PML_INDEX, idx); }

/* Exit names, from the one exit-reason table. */
static const char *const exit_names[RV_NR_EXIT_REASONS] = {
#define X(nr, name, handler) [nr] = #name,
#include "vmx/exit_reasons.def"
#undef X
};

const char *vmx_exit_name(u32 reason)
{
	reason = EXIT_REASON_BASIC(reason);
	return reason < RV_NR_EXIT_REASONS && exit_names[reason] ? exit_names[reason] : "UNKNOWN";
}

/*
 * The watchdog's clock is the VMX-preemption timer: it counts down only in
 * VMX non-root operation, whatever the guest does with RFLAGS.IF, and
 * exits when it reaches 0 (Vol. 3C, 26.5.1, VMX-Preemption Timer).  It is
 * reloaded from the VMCS at every entry, so we give it what is left of
 * the budget each time and charge each stay in the guest to the budget.
 */
static void timer_arm(struct vmx_vcpu *v, u64 now)
{
	u64 n = v->timer_left;

	/*
	 * A guest timer (hv/vplat/) due sooner: exit then, and not before:
	 * an early exit would find nothing due and cost a second one at once
	 * (vmx_timer_steps).  The time slice may end a step early.
	 */
	n >>= preempt_rate;
	if (v->deadline) {
		u64 d = v->deadline > now ? v->deadline - now : 0;
		n = MIN(n, vmx_timer_steps(d, preempt_rate));
	}
	vmx_write(GUEST_PREEMPTION_TIMER, MIN(n, 0xffffffffull));
}

static void timer_charge(struct vmx_vcpu *v, u64 ticks)
{
	v->timer_left = ticks >= v->timer_left ? 0 : v->timer_left - ticks;
}

/*
 * VMfail: an error number is all the processor says; the checker (test
 * builds) says which check failed.  Out of line, so that vmx_run's path
 * to a successful entry stays the instructions it was.
 */
static void __attribute__((noinline, cold, noreturn)) entry_failed(const struct vmx_vcpu *v)
{
	u32 err = (u32)vmx_read(VM_INSTRUCTION_ERROR);
	const char *check = vmx_dump_guest_state();

	panic("VM%s failed: VM-instruction error %u (%s)%s%s", v->launched ? "RESUME" : "LAUNCH",
	      err, vmx_insn_error_str(err), *check ? "; vmcheck: " : "", check);
}

/*
 * Enter the guest and decode the exit (Vol. 3C, 28.2, Recording VM-Exit
 * Information).  Only the fields every exit path needs are read; the
 * guest-physical address only where it is defined (EPT violations and
 * misconfigurations, 28.2.1, Basic VM-Exit Information).
 */
void vmx_run(struct vmx_vcpu *v, struct vmx_exit *e)
{
	u64 t0 = 0;

	if (v->use_timer) { /* the only user of the clock: no RDTSC otherwise */
		t0 = rdtsc();
		timer_arm(v, t0);
	}
	if (vmx_enter(&v->regs, v->launched))
		entry_failed(v);
	if (v->use_timer)
		timer_charge(v, rdtsc() - t0);
	v->launched = true;
	e->reason = (u32)vmx_read(EXIT_REASON);
	e->basic = EXIT_REASON_BASIC(e->reason);
	e->qual = vmx_read(EXIT_QUALIFICATION);
	e->insn_len = (u32)vmx_read(EXIT_INSTR_LEN);
	e->intr_info = (u32)vmx_read(EXIT_INTR_INFO);
	e->idt_vec_info = (u32)vmx_read(IDT_VECTORING_INFO);
	e->idt_vec_error = e->idt_vec_info & BIT(11) ? (u32)vmx_read(IDT_VECTORING_ERROR) : 0;
	e->gpa = e->basic == RV_EXIT_EPT_VIOLATION || e->basic == RV_EXIT_EPT_MISCONFIG
			 ? vmx_read(GUEST_PHYSICAL_ADDRESS)
			 : 0;
}

void vmx_dump_guest(const struct vmx_vcpu *v)
{
	const struct guest_regs *r = &v->regs;

	hv_printf("guest rip=%lx rsp=%lx rflags=%lx cr0=%lx cr3=%lx cr4=%lx\n", vmx_read(GUEST_RIP),
		  vmx_read(GUEST_RSP), vmx_read(GUEST_RFLAGS), vmx_read(GUEST_CR0),
		  vmx_read(GUEST_CR3), vmx_read(GUEST_CR4));
	hv_printf("rax=%lx rbx=%lx rcx=%lx rdx=%lx rsi=%lx rdi=%lx rbp=%lx\n", r->rax, r->rbx,
		  r->rcx, r->rdx, r->rsi, r->rdi, r->rbp);
	hv_printf("r8=%lx r9=%lx r10=%lx r11=%lx r12=%lx r13=%lx r14=%lx r15=%lx\n", r->r8, r->r9,
		  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15);
	hv_printf("guest-physical %lx linear %lx\n", vmx_read(GUEST_PHYSICAL_ADDRESS),
		  vmx_read(GUEST_LINEAR_ADDRESS));
}

void vmx_dump_guest_brief(void)
{
	hv_printf("guest at rip %lx interruptibility %lx activity %lx\n", vmx_read(GUEST_RIP),
		  vmx_read(GUEST_INTERRUPTIBILITY), vmx_read(GUEST_ACTIVITY_STATE));
}
