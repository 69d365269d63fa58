/* SPDX-License-Identifier: MIT */
/*
 * VMCS field encodings (Vol. 3D, Appendix B, Field Encoding in VMCS) and
 * control bits (Vol. 3C, 25.6-25.8, VM-Execution / VM-Exit / VM-Entry
 * Control Fields).
 */
#ifndef RV_VMCS_H
#define RV_VMCS_H

#include "lib/types.h"

/* VMX capability MSRs (Vol. 3D, Appendix A, VMX Capability Reporting Facility). */
#define MSR_IA32_VMX_BASIC 0x480
#define MSR_IA32_VMX_PINBASED_CTLS 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_EXIT_CTLS 0x483
#define MSR_IA32_VMX_ENTRY_CTLS 0x484
#define MSR_IA32_VMX_MISC 0x485
#define MSR_IA32_VMX_CR0_FIXED0 0x486
#define MSR_IA32_VMX_CR0_FIXED1 0x487
#define MSR_IA32_VMX_CR4_FIXED0 0x488
#define MSR_IA32_VMX_CR4_FIXED1 0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490

enum vmcs_field {
	/* 16-bit */
	VMCS_VPID = 0x0000,
	GUEST_ES_SEL = 0x0800, GUEST_CS_SEL = 0x0802, GUEST_SS_SEL = 0x0804,
	GUEST_DS_SEL = 0x0806, GUEST_FS_SEL = 0x0808, GUEST_GS_SEL = 0x080a,
	GUEST_LDTR_SEL = 0x080c, GUEST_TR_SEL = 0x080e, GUEST_PML_INDEX = 0x0812,
	HOST_ES_SEL = 0x0c00, HOST_CS_SEL = 0x0c02, HOST_SS_SEL = 0x0c04,
	HOST_DS_SEL = 0x0c06, HOST_FS_SEL = 0x0c08, HOST_GS_SEL = 0x0c0a,
	HOST_TR_SEL = 0x0c0c,
	/* 64-bit */
	IO_BITMAP_A = 0x2000, IO_BITMAP_B = 0x2002, MSR_BITMAP = 0x2004,
	EXIT_MSR_STORE_ADDR = 0x2006, EXIT_MSR_LOAD_ADDR = 0x2008,
	ENTRY_MSR_LOAD_ADDR = 0x200a,
	PML_ADDRESS = 0x200e, TSC_OFFSET = 0x2010, EPT_POINTER = 0x201a,
	GUEST_PHYSICAL_ADDRESS = 0x2400,
	VMCS_LINK_POINTER = 0x2800, GUEST_IA32_DEBUGCTL = 0x2802,
	GUEST_IA32_PAT = 0x2804, GUEST_IA32_EFER = 0x2806,
	GUEST_PDPTE0 = 0x280a, /* PDPTE1..3 follow, 2 apart */
	HOST_IA32_PAT = 0x2c00, HOST_IA32_EFER = 0x2c02,
	/* 32-bit control */
	PIN_BASED_CONTROLS = 0x4000, PROC_BASED_CONTROLS = 0x4002,
	EXCEPTION_BITMAP = 0x4004, PAGE_FAULT_MASK = 0x4006,
	PAGE_FAULT_MATCH = 0x4008, CR3_TARGET_COUNT = 0x400a,
	EXIT_CONTROLS = 0x400c, EXIT_MSR_STORE_COUNT = 0x400e,
	EXIT_MSR_LOAD_COUNT = 0x4010, ENTRY_CONTROLS = 0x4012,
	ENTRY_MSR_LOAD_COUNT = 0x4014, ENTRY_INTR_INFO = 0x4016,
	ENTRY_EXCEPTION_ERROR = 0x4018, ENTRY_INSTR_LEN = 0x401a,
	PROC_BASED_CONTROLS2 = 0x401e,
	/* 32-bit read-only */
	VM_INSTRUCTION_ERROR = 0x4400, EXIT_REASON = 0x4402,
	EXIT_INTR_INFO = 0x4404, EXIT_INTR_ERROR = 0x4406,
	IDT_VECTORING_INFO = 0x4408, IDT_VECTORING_ERROR = 0x440a,
	EXIT_INSTR_LEN = 0x440c, EXIT_INSTR_INFO = 0x440e,
	/* 32-bit guest */
	GUEST_ES_LIMIT = 0x4800, GUEST_CS_LIMIT = 0x4802, GUEST_SS_LIMIT = 0x4804,
	GUEST_DS_LIMIT = 0x4806, GUEST_FS_LIMIT = 0x4808, GUEST_GS_LIMIT = 0x480a,
	GUEST_LDTR_LIMIT = 0x480c, GUEST_TR_LIMIT = 0x480e,
	GUEST_GDTR_LIMIT = 0x4810, GUEST_IDTR_LIMIT = 0x4812,
	GUEST_ES_AR = 0x4814, GUEST_CS_AR = 0x4816, GUEST_SS_AR = 0x4818,
	GUEST_DS_AR = 0x481a, GUEST_FS_AR = 0x481c, GUEST_GS_AR = 0x481e,
	GUEST_LDTR_AR = 0x4820, GUEST_TR_AR = 0x4822,
	GUEST_INTERRUPTIBILITY = 0x4824, GUEST_ACTIVITY_STATE = 0x4826,
	GUEST_SYSENTER_CS = 0x482a, GUEST_PREEMPTION_TIMER = 0x482e,
	HOST_SYSENTER_CS = 0x4c00,
	/* natural width control / read-only */
	CR0_GUEST_HOST_MASK = 0x6000, CR4_GUEST_HOST_MASK = 0x6002,
	CR0_READ_SHADOW = 0x6004, CR4_READ_SHADOW = 0x6006,
	EXIT_QUALIFICATION = 0x6400, GUEST_LINEAR_ADDRESS = 0x640a,
	/* natural width guest */
	GUEST_CR0 = 0x6800, GUEST_CR3 = 0x6802, GUEST_CR4 = 0x6804,
	GUEST_ES_BASE = 0x6806, GUEST_CS_BASE = 0x6808, GUEST_SS_BASE = 0x680a,
	GUEST_DS_BASE = 0x680c, GUEST_FS_BASE = 0x680e, GUEST_GS_BASE = 0x6810,
	GUEST_LDTR_BASE = 0x6812, GUEST_TR_BASE = 0x6814,
	GUEST_GDTR_BASE = 0x6816, GUEST_IDTR_BASE = 0x6818, GUEST_DR7 = 0x681a,
	GUEST_RSP = 0x681c, GUEST_RIP = 0x681e, GUEST_RFLAGS = 0x6820,
	GUEST_PENDING_DBG = 0x6822, GUEST_SYSENTER_ESP = 0x6824,
	GUEST_SYSENTER_EIP = 0x6826,
	/* natural width host */
	HOST_CR0 = 0x6c00, HOST_CR3 = 0x6c02, HOST_CR4 = 0x6c04,
	HOST_FS_BASE = 0x6c06, HOST_GS_BASE = 0x6c08, HOST_TR_BASE = 0x6c0a,
	HOST_GDTR_BASE = 0x6c0c, HOST_IDTR_BASE = 0x6c0e,
	HOST_SYSENTER_ESP = 0x6c10, HOST_SYSENTER_EIP = 0x6c12,
	HOST_RSP = 0x6c14, HOST_RIP = 0x6c16,
};

/* Pin-based controls (Vol. 3C, 25.6.1, Pin-Based VM-Execution Controls) */
#define PIN_EXT_INT_EXITING BIT(0)
#define PIN_NMI_EXITING BIT(3)
#define PIN_PREEMPTION_TIMER BIT(6)
/* Primary processor-based (Vol. 3C, 25.6.2, Processor-Based VM-Execution Controls) */
#define PROC_INTR_WINDOW BIT(2)
#define PROC_HLT_EXITING BIT(7)
#define PROC_MWAIT_EXITING BIT(10)
#define PROC_RDPMC_EXITING BIT(11)
#define PROC_CR8_LOAD_EXITING BIT(19)
#define PROC_CR8_STORE_EXITING BIT(20)
#define PROC_UNCOND_IO_EXITING BIT(24)
#define PROC_USE_MSR_BITMAPS BIT(28)
#define PROC_MONITOR_EXITING BIT(29)
#define PROC_SECONDARY BIT(31)
/* Secondary processor-based */
#define PROC2_EPT BIT(1)
#define PROC2_RDTSCP BIT(3)
#define PROC2_VPID BIT(5)
#define PROC2_WBINVD_EXITING BIT(6)
#define PROC2_UNRESTRICTED BIT(7)
#define PROC2_INVPCID BIT(12)
#define PROC2_PML BIT(17)
#define PROC2_XSAVES BIT(20)
/* VM-exit controls (Vol. 3C, 25.7.1, VM-Exit Controls) */
#define EXIT_SAVE_DEBUG BIT(2)
#define EXIT_HOST_LONG_MODE BIT(9)
#define EXIT_ACK_INTERRUPT BIT(15)
#define EXIT_LOAD_PAT BIT(19)
#define EXIT_SAVE_EFER BIT(20)
#define EXIT_LOAD_EFER BIT(21)
/* VM-entry controls (Vol. 3C, 25.8.1, VM-Entry Controls) */
#define ENTRY_LOAD_DEBUG BIT(2)
#define ENTRY_IA32E_GUEST BIT(9)
#define ENTRY_LOAD_PAT BIT(14)
#define ENTRY_LOAD_EFER BIT(15)

/*
 * The controls setup_controls (vmx.c) always sets.  The loader refuses a
 * CPU that does not allow any of them to be 1 (boot/cpucheck.c, one line
 * per missing control); tests/unit/test_cpucheck.c checks that its list
 * and these agree.  PML and the preemption timer are added per vCPU, when
 * vmx_has_pml() / vmx_has_preemption_timer() say the CPU has them.
 */
#define VMX_PIN_REQUIRED (PIN_EXT_INT_EXITING | PIN_NMI_EXITING)
#define VMX_PROC_REQUIRED                                                             \
	(PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_MWAIT_EXITING |             \
	 PROC_MONITOR_EXITING | PROC_RDPMC_EXITING | PROC_CR8_LOAD_EXITING |          \
	 PROC_CR8_STORE_EXITING | PROC_SECONDARY)
#define VMX_PROC2_REQUIRED (PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED | PROC2_WBINVD_EXITING)
#define VMX_EXIT_REQUIRED                                                             \
	(EXIT_HOST_LONG_MODE | EXIT_ACK_INTERRUPT | EXIT_SAVE_EFER | EXIT_LOAD_EFER | \
	 EXIT_SAVE_DEBUG)
#define VMX_ENTRY_REQUIRED (ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER | ENTRY_LOAD_DEBUG)

/* Exit reason field (Vol. 3C, 25.9.1, Basic VM-Exit Information) */
#define EXIT_REASON_ENTRY_FAILURE BIT(31)
#define EXIT_REASON_BASIC(r) ((r) & 0xffff)

/* VMREAD and VMWRITE of the current VMCS (vmx.c). */
u64 vmx_read(enum vmcs_field f);
void vmx_write(enum vmcs_field f, u64 v);

#if RV_ASSERTS
/*
 * Run the VMCS checker (vmcheck.h) on the current VMCS and print each
 * failed check; returns how many failed, and the first one's name in
 * *first ("" when none).  Test builds only (vmx.c).
 */
u32 vmx_check_current(const char **first);
#endif

#endif
