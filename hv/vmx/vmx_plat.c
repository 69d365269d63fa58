// SPDX-License-Identifier: MIT
/*
 * What a virtual platform (hv/vplat/) needs from VMX, for a guest that
 * runs its own kernel: interrupts injected at VM entry when the guest can
 * take them and an exit when it can (the interrupt window), exceptions
 * for what it may not do, the MSRs the VMCS keeps for it, and the state a
 * processor is in after INIT and a start-up IPI.  Everything here works on
 * the current VMCS, on the vCPU's owner CPU.
 */
#include "lib/x86.h"
#include "platform/console.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define INTR_BLOCK_STI BIT(0)
#define INTR_BLOCK_MOV_SS BIT(1)
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_DEBUGCTL 0x1d9
#define EFER_SCE BIT(0)

/*
 * Test builds: run the VMCS checker on what we just changed, so a field
 * Bochs would accept but hardware would not is named here (vmcheck.c).
 */
static void check_now(const char *what)
{
#if RV_ASSERTS
	const char *first;

	if (vmx_check_current(&first))
		hv_printf("vmcheck: after %s: %s fails\n", what, first);
#else
	(void)what;
#endif
}

bool vmx_event_pending(void)
{
	return vmx_read(ENTRY_INTR_INFO) & BIT(31);
}

/*
 * An external interrupt can be injected when RFLAGS.IF is 1 and there is
 * no blocking by STI or MOV SS (Vol. 3C, 27.2.1.3, Checks on VM-Entry
 * Control Fields: injecting one otherwise fails the entry; 25.4.2, Guest
 * Non-Register State).
 */
bool vmx_interruptible(void)
{
	return (vmx_read(GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(vmx_read(GUEST_INTERRUPTIBILITY) & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
}

/* Vol. 3C, 25.8.3, VM-Entry Controls for Event Injection: type 0. */
void vmx_inject_interrupt(u8 vector)
{
	vmx_write(ENTRY_INTR_INFO, BIT(31) | vector);
}

/*
 * Type 3, hardware exception, with its error code where it has one.  With
 * unrestricted guest a guest in real mode (CR0.PE = 0: an application
 * processor before its trampoline switches) takes no error code, and VM
 * entry fails if the field says otherwise (Vol. 3C, 27.2.1.3, Checks on
 * VM-Entry Control Fields).
 */
void vmx_inject_exception(u8 vector, bool has_error, u32 error)
{
	has_error = has_error && (vmx_read(GUEST_CR0) & CR0_PE);
	vmx_write(ENTRY_INTR_INFO, BIT(31) | 3u << 8 | (has_error ? BIT(11) : 0) | vector);
	if (has_error)
		vmx_write(ENTRY_EXCEPTION_ERROR, error);
	check_now("an injected exception");
}

/*
 * Interrupt-window exiting: an exit at the start of any instruction where
 * RFLAGS.IF is 1 and nothing blocks interrupts (Vol. 3C, 26.7.5,
 * Interrupt-Window Exiting and Virtual-Interrupt Delivery).  On only
 * while an interrupt waits for the guest to open the window.
 */
void vmx_set_irq_window(bool on)
{
	u64 ctl = vmx_read(PROC_BASED_CONTROLS);
	u64 want = on ? ctl | PROC_INTR_WINDOW : ctl & ~(u64)PROC_INTR_WINDOW;

	if (want != ctl)
		vmx_write(PROC_BASED_CONTROLS, want);
}

int vmx_guest_msr_read(u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_IA32_EFER:
		*val = vmx_read(GUEST_IA32_EFER);
		return 0;
	case MSR_IA32_FS_BASE:
		*val = vmx_read(GUEST_FS_BASE);
		return 0;
	case MSR_IA32_GS_BASE:
		*val = vmx_read(GUEST_GS_BASE);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		*val = vmx_read(GUEST_SYSENTER_CS);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		*val = vmx_read(GUEST_SYSENTER_ESP);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		*val = vmx_read(GUEST_SYSENTER_EIP);
		return 0;
	case MSR_IA32_DEBUGCTL:
		*val = vmx_read(GUEST_IA32_DEBUGCTL);
		return 0;
	}
	return -1;
}

/*
 * WRMSR's own #GP conditions for these MSRs (Vol. 4, 2.1, Architectural
 * MSRs; Vol. 3A, 2.2.1, Extended Feature Enable Register): reserved EFER
 * bits, LME changed while paging is on, non-canonical bases.  LMA is the
 * processor's to set.  DEBUGCTL: no branch tracing or LBRs offered, so
 * only 0.  The VMCS field then holds a value VM entry accepts (Vol. 3C,
 * 27.3.1.1, Checks on Guest Control Registers, Debug Registers, and MSRs).
 */
int vmx_guest_msr_write(u32 msr, u64 val)
{
	switch (msr) {
	case MSR_IA32_EFER: {
		u64 cur = vmx_read(GUEST_IA32_EFER);
		if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
			return -2;
		if ((vmx_read(GUEST_CR0) & CR0_PG) && ((val ^ cur) & EFER_LME))
			return -2;
		vmx_write(GUEST_IA32_EFER, (val & ~EFER_LMA) | (cur & EFER_LMA));
		return 0;
	}
	case MSR_IA32_FS_BASE:
	case MSR_IA32_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!x86_canonical(val))
			return -2;
		vmx_write(msr == MSR_IA32_FS_BASE	 ? GUEST_FS_BASE
			  : msr == MSR_IA32_GS_BASE	 ? GUEST_GS_BASE
			  : msr == MSR_IA32_SYSENTER_ESP ? GUEST_SYSENTER_ESP
							 : GUEST_SYSENTER_EIP,
			  val);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		vmx_write(GUEST_SYSENTER_CS, val & 0xffffffff);
		return 0;
	case MSR_IA32_DEBUGCTL:
		return val ? -2 : 0;
	}
	return -1;
}

static void real_segment(enum vmcs_field sel, u16 s, u32 ar)
{
	u32 i = (sel - GUEST_ES_SEL) / 2;

	vmx_write(sel, s);
	vmx_write(GUEST_ES_LIMIT + 2 * i, 0xffff);
	vmx_write(GUEST_ES_AR + 2 * i, ar);
	vmx_write(GUEST_ES_BASE + 2 * i, (u64)s << 4);
}

/*
 * After INIT the processor is in real mode with CS.base 0xffff0000 and
 * CR0 0x60000010 (Vol. 3A, 10.1.1, Processor State After Reset, Table
 * 10-1); a start-up IPI then starts it at vector << 12, with CS selector
 * vector << 8 (9.4.4, MP Initialization Example).  Unrestricted guest
 * lets VM entry load real mode with CR0.PE and PG clear (Vol. 3C,
 * 27.3.1.1); CR0.NE stays set, being fixed to 1 in VMX operation.  The
 * guest then switches to protected and long mode on its own, without
 * exits (the CR0 guest/host mask is 0); every VM exit stores EFER.LMA in the
 * IA-32e mode guest control (IA32_VMX_MISC bit 5, which a Linux partition
 * requires; Vol. 3D, A.6, Miscellaneous Data).
 */
void vmx_reset_to_sipi(struct vmx_vcpu *x, u8 vector)
{
	u64 fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG);

	vmx_write(GUEST_CR0, ((0x60000010ull | fixed0) & rdmsr(MSR_IA32_VMX_CR0_FIXED1)));
	vmx_write(GUEST_CR3, 0);
	vmx_write(CR4_READ_SHADOW, 0);
	vmx_write(GUEST_CR4, (rdmsr(MSR_IA32_VMX_CR4_FIXED0) & rdmsr(MSR_IA32_VMX_CR4_FIXED1)));
	vmx_write(GUEST_IA32_EFER, 0);
	vmx_write(ENTRY_CONTROLS, vmx_read(ENTRY_CONTROLS) & ~(u64)ENTRY_IA32E_GUEST);
	vmx_write(GUEST_DR7, 0x400);
	real_segment(GUEST_CS_SEL, (u16)vector << 8, 0x9b);
	real_segment(GUEST_SS_SEL, 0, 0x93);
	real_segment(GUEST_DS_SEL, 0, 0x93);
	real_segment(GUEST_ES_SEL, 0, 0x93);
	real_segment(GUEST_FS_SEL, 0, 0x93);
	real_segment(GUEST_GS_SEL, 0, 0x93);
	vmx_write(GUEST_LDTR_SEL, 0);
	vmx_write(GUEST_LDTR_LIMIT, 0xffff);
	vmx_write(GUEST_LDTR_AR, 0x82);
	vmx_write(GUEST_LDTR_BASE, 0);
	vmx_write(GUEST_TR_SEL, 0);
	vmx_write(GUEST_TR_LIMIT, 0xffff);
	vmx_write(GUEST_TR_AR, 0x8b);
	vmx_write(GUEST_TR_BASE, 0);
	vmx_write(GUEST_GDTR_BASE, 0);
	vmx_write(GUEST_GDTR_LIMIT, 0xffff);
	vmx_write(GUEST_IDTR_BASE, 0);
	vmx_write(GUEST_IDTR_LIMIT, 0xffff);
	vmx_write(GUEST_RIP, 0);
	vmx_write(GUEST_RSP, 0);
	vmx_write(GUEST_RFLAGS, 0x2);
	vmx_write(GUEST_INTERRUPTIBILITY, 0);
	vmx_write(GUEST_ACTIVITY_STATE, 0);
	vmx_write(GUEST_PENDING_DBG, 0);
	vmx_write(ENTRY_INTR_INFO, 0);
	for (u32 i = 0; i < sizeof(x->regs) / sizeof(u64); i++)
		((u64 *)&x->regs)[i] = 0;
	x->regs.rdx = 0x600; /* the processor signature family 6 (Table 10-1) */
	check_now("INIT and SIPI");
}

/* 64-bit code: IA-32e mode and CS.L (Vol. 3C, 25.4.1, Guest Register State). */
bool vmx_guest_64bit(void)
{
	return (vmx_read(GUEST_IA32_EFER) & EFER_LMA) && (vmx_read(GUEST_CS_AR) & BIT(13));
}

u64 vmx_guest_cr0(void)
{
	return vmx_read(GUEST_CR0);
}
u64 vmx_guest_cr3(void)
{
	return vmx_read(GUEST_CR3);
}
u64 vmx_guest_efer(void)
{
	return vmx_read(GUEST_IA32_EFER);
}
u64 vmx_guest_rflags(void)
{
	return vmx_read(GUEST_RFLAGS);
}

/* General register i in the encoding of ModRM.reg and of Table 28-3
 * (0 rax ... 4 rsp ... 15 r15); rsp lives in the VMCS. */
static u64 *gpr_slot(struct guest_regs *r, u32 i)
{
	u64 *map[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, NULL,    &r->rbp, &r->rsi, &r->rdi,
			&r->r8,	 &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15};
	return map[i & 15];
}
u64 vmx_gpr(struct guest_regs *r, u32 i)
{
	return (i & 15) == 4 ? vmx_read(GUEST_RSP) : *gpr_slot(r, i);
}
void vmx_set_gpr(struct guest_regs *r, u32 i, u64 val)
{
	if ((i & 15) == 4)
		vmx_write(GUEST_RSP, val);
	else
		*gpr_slot(r, i) = val;
}
void vmx_set_guest_rip(u64 rip)
{
	vmx_write(GUEST_RIP, rip);
}
