/* SPDX-License-Identifier: MIT */
/*
 * VMX operation, the only layer that touches the VMCS and the VMX
 * capability MSRs: VMXON, a vCPU's VMCS, VM entry, and the decoding of
 * the exit that ends it.  Higher layers get a struct vmx_exit and a few
 * named accessors; they never see a VMCS field encoding (those are in
 * vmx/vmcs.h, included only inside hv/vmx/).
 *
 * SDM citations in hv/ follow one edition of the Intel 64 and IA-32
 * Architectures Software Developer's Manual: the one whose VMX chapters are
 * 24 to 31 of Vol. 3C (24 Introduction to VMX Operation ... 29 VMX Support
 * for Address Translation), with Multiple-Processor Management as chapter 9
 * and the APIC as chapter 11 of Vol. 3A, as in Intel's 2023 editions
 * (order number 325462-080US, June 2023).  docs/README.md lists the
 * chapters; with another edition, search for the section title.
 */
#ifndef RV_VMX_H
#define RV_VMX_H

#include "abi/hypercall.h"
#include "lib/types.h"

/* Guest general registers, saved and loaded by hv/vmx/vmx_asm.asm. */
struct guest_regs {
	u64 rax, rcx, rdx, rbx, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

/* Register state a vCPU starts with (filled by the partition code). */
struct vmx_boot {
	u64 rip, rsp, rdi, rsi;
	u64 cr3, gdtr_base, gdtr_limit, tr_base;
	/* 0 for our own guests' defaults: CS 0x08, data 0x10, TR 0x18, IF=1.
	 * The Linux boot protocol wants CS 0x10, data 0x18, IF=0. */
	u16 cs, ds, tr;
	bool irq_off;
};

/*
 * The VMX part of a vCPU.  Embedded first in struct vcpu
 * (partition/vcpu.h) and written only by the vCPU's owner CPU, except the
 * set-up fields, which the partition code fills before the first entry.
 */
struct vmx_vcpu {
	struct guest_regs regs; /* must stay first: the entry code uses it */
	/* Set up before the first entry. */
	u16 vpid;	/* VPID tag, unique and non-zero */
	u64 eptp;	/* EPT pointer (with or without A/D flags) */
	u64 pml_hpa;	/* PML page, 0 = PML off */
	bool use_timer; /* arm the VMX-preemption timer (watchdog) */
	struct vmx_boot boot;
	bool has_init_state; /* start from init_state instead of boot */
	struct rv_vcpu_state init_state;
	/* Owner CPU only. */
	u64 vmcs_pa;
	u64 xsave_pa; /* XSAVE page for what VMX does not switch (unswitched.c) */
	bool loaded; /* VMCS is current and initialised on the owner */
	bool launched;
	u64 timer_left; /* guest TSC ticks left before the timer exits */
	/* A virtual platform (hv/vplat/) sets these (owner CPU only). */
	u64 deadline;   /* also exit at this TSC (a guest timer); 0 = none */
};

/*
 * One VM exit, decoded by vmx_run() (Vol. 3C, 28.2, Recording VM-Exit
 * Information and Updating VM-Entry Control Fields).  Fields an exit does
 * not define are 0.
 */
struct vmx_exit {
	u32 reason;	   /* full exit reason (bit 31: entry failure) */
	u32 basic;	   /* its basic reason, bits 15:0 */
	u64 qual;	   /* exit qualification */
	u64 gpa;	   /* guest-physical address (EPT violation/misconfig) */
	u32 insn_len;	   /* VM-exit instruction length */
	u32 intr_info;	   /* VM-exit interruption information */
	u32 idt_vec_info;  /* IDT-vectoring information (28.2.4) */
	u32 idt_vec_error; /* IDT-vectoring error code, when valid */
};

/* Enter VMX operation on this CPU; 0 or a negative error (printed). */
int vmx_cpu_init(void);
/* Make x's VMCS current on this CPU and fill it in (first time only). */
void vmx_vcpu_load(struct vmx_vcpu *x);
/*
 * VMCLEAR x's VMCS and scrub what VMX does not switch from this CPU (before
 * x is freed): the next vCPU here finds nothing of x.
 */
void vmx_vcpu_unload(struct vmx_vcpu *x);
/* Allocate what x needs beyond its VMCS (its XSAVE page); 0 or -RV_ENOMEM. */
int vmx_vcpu_alloc(struct vmx_vcpu *x);
/* Free x's VMCS and XSAVE pages (x unloaded, or never loaded). */
void vmx_vcpu_free(struct vmx_vcpu *x);
/* Enter the guest once; fill in the exit that ended it. */
void vmx_run(struct vmx_vcpu *x, struct vmx_exit *e);

/* The current VMCS's guest, for exit handlers (owner CPU). */
u64 vmx_guest_rip(void);
u32 vmx_guest_cpl(void);
u64 vmx_guest_cr4(void); /* as the guest reads it */
/* Step over the instruction that exited (VMCALL, CPUID). */
void vmx_skip_instruction(const struct vmx_exit *e);
/* Step over len bytes of an instruction we emulated (vplat/mmio.c). */
void vmx_skip_len(u32 len);
/*
 * Guest state out of / into the current VMCS and this CPU's registers
 * (migration; owner CPU, x loaded).  vmx_check_state says beforehand
 * whether loading s could fault in the hypervisor (-RV_EINVAL); what it
 * lets through either enters or fails VM entry, which stops only x.
 */
void vmx_save_state(struct vmx_vcpu *x, struct rv_vcpu_state *s);
void vmx_load_state(struct vmx_vcpu *x, const struct rv_vcpu_state *s);
/* Re-inject the event whose delivery this exit interrupted; see vmx.c. */
bool vmx_reinject(const struct vmx_exit *e);
/*
 * The VM-entry interruption-information field that re-injects the event an
 * IDT-vectoring information field describes (Vol. 3C, 25.9.3, Information
 * for VM Exits That Occur During Event Delivery; 25.8.3, VM-Entry Controls
 * for Event Injection): valid, type, vector and "deliver error code" (bit
 * 11) as they were; bit 12 (undefined there) and 30:13 (reserved in both)
 * cleared.  Pure: host-tested in tests/unit/test_vmcheck.c.
 */
static inline u32 vmx_reinject_info(u32 idt_vec_info)
{
	return idt_vec_info & (BIT(31) | 0xfff);
}
/*
 * The VMX-preemption-timer value that ends the guest no earlier than
 * `ticks` TSC ticks after entry (Vol. 3C, 26.5.1, VMX-Preemption Timer):
 * the timer counts down each time bit `rate` of the TSC changes, so its
 * first step may come one tick after entry and each further step 2^rate
 * ticks later.  n steps can thus end after 1 + (n - 1) * 2^rate ticks;
 * n = 1 + ceil((ticks - 1) / 2^rate) is the least n that is never early
 * (and at most two steps late).  Rounding ticks up to whole steps,
 * ceil(ticks / 2^rate), is one step short whenever the entry falls just
 * before bit `rate` changes.  Pure: host-tested in tests/unit/test_vmcheck.c.
 */
static inline u64 vmx_timer_steps(u64 ticks, u32 rate)
{
	return ticks ? 1 + ((ticks - 1 + (1ull << rate) - 1) >> rate) : 0;
}
/*
 * After an NMI exit: make sure the guest is not left with "blocking by
 * NMI" (see vmx.c); returns true if it was.
 */
bool vmx_nmi_exit_fixup(void);
/* own_xcr0: the guest may set XCR0 (a Linux vCPU, vplat_xsetbv), so
 * s->xcr0 may be any value XSETBV would take, not only the host's. */
int vmx_check_state(const struct rv_vcpu_state *s, bool own_xcr0);
/* PML: the current VMCS's PML index (Vol. 3C, 29.3.6, Page-Modification Logging). */
u16 vmx_pml_index(void);
void vmx_set_pml_index(u16 idx);

/*
 * What a virtual platform needs (vmx_plat.c), for the current VMCS on
 * the owner CPU: event injection and the interrupt window, the guest's
 * MSRs that live in the VMCS, the state INIT and SIPI leave, and the
 * guest registers an emulator reads.
 */
bool vmx_event_pending(void);         /* an event is set for the next entry */
bool vmx_interruptible(void);         /* RFLAGS.IF, no STI or MOV-SS blocking */
void vmx_inject_interrupt(u8 vector); /* an external interrupt, next entry */
void vmx_inject_exception(u8 vector, bool has_error, u32 error);
void vmx_set_irq_window(bool on);
/* RDMSR/WRMSR of EFER, FS/GS base, SYSENTER_*, DEBUGCTL, PAT: 0, -1 if
 * msr is none of them, -2 for a value WRMSR would refuse (#GP). */
int vmx_guest_msr_read(u32 msr, u64 *val);
int vmx_guest_msr_write(u32 msr, u64 val);
/* INIT then SIPI with `vector`: real mode at vector << 12 (Vol. 3A,
 * 9.4.4, MP Initialization Example; 10.1.1, Processor State After Reset). */
void vmx_reset_to_sipi(struct vmx_vcpu *x, u8 vector);
u64 vmx_guest_cr0(void);
bool vmx_guest_64bit(void); /* EFER.LMA and CS.L */
u64 vmx_guest_cr3(void);
u64 vmx_guest_efer(void);
u64 vmx_guest_rflags(void);
/* The guest's general register i (0 rax, 1 rcx, ... 4 rsp, ... 15 r15). */
u64 vmx_gpr(struct guest_regs *r, u32 i);
void vmx_set_gpr(struct guest_regs *r, u32 i, u64 val);
void vmx_set_guest_rip(u64 rip);
/* XSETBV on the guest's behalf (unswitched.c): 0, or -1 for #GP. */
int vmx_set_xcr0(u64 xcr0);

/* Capabilities, read once from the VMX capability MSRs. */
bool vmx_has_preemption_timer(void);
/* Whether VM exits store EFER.LMA into the IA-32e mode guest control
 * (IA32_VMX_MISC bit 5, Vol. 3D, A.6, Miscellaneous Data). */
bool vmx_exit_saves_lma(void);
bool vmx_has_pml(void); /* the PML control and EPT A/D flags */
/* The largest EPT leaf the processor has: 0 4 KiB, 1 2 MiB, 2 1 GiB
 * (struct ept.max_level; IA32_VMX_EPT_VPID_CAP bits 16, 17). */
u32 vmx_ept_huge_level(void);
/* Huge EPT leaves must not be executable (the iTLB-multihit erratum; vmx.c). */
bool vmx_ept_nx_huge(void);

/* Invalidate EPT-derived translations on this CPU, all contexts. */
void vmx_invept_all(void);
/*
 * The cross-CPU side (flush.c): invalidate on every CPU in cpu_mask (bit
 * per CPU, this one included) and wait until each has done so.  A CPU
 * answers in its run loop and while it waits in vmx_wait_relax().  The
 * result is the CPUs that did not answer within the bound, even to NMIs
 * (platform/smp.h); 0 normally.  The caller stops what runs there.
 */
u64 vmx_flush_cpus(u64 cpu_mask);
void vmx_flush_service(void);
void vmx_wait_relax(void);

const char *vmx_exit_name(u32 reason);
/* Print x's guest registers and the current exit's guest state (panics). */
void vmx_dump_guest(const struct vmx_vcpu *x);
/*
 * Print the guest-state fields that VM entry checks and, in test builds,
 * the VMCS checker's verdict on the current VMCS; returns the first failed
 * check's name ("" when none, or no checker).
 */
const char *vmx_dump_guest_state(void);
/* One line: where the current guest is and whether it can take an interrupt. */
void vmx_dump_guest_brief(void);
const char *vmx_insn_error_str(u32 err);

#endif
